# Licensed under the Apache License, Version 2.0 (the "License"); you may
# not use this file except in compliance with the License. You may obtain
# a copy of the License at
#
#      http://www.apache.org/licenses/LICENSE-2.0
#
# Unless required by applicable law or agreed to in writing, software
# distributed under the License is distributed on an "AS IS" BASIS, WITHOUT
# WARRANTIES OR CONDITIONS OF ANY KIND, either express or implied. See the
# License for the specific language governing permissions and limitations
# under the License.

"""Quotas (SPEC §10): the /quotas and /project-quotas API, and the artifact
count quota, exact under concurrent creates to several API processes."""



from glare.tests.functional import base

THREADS = 20
COUNT = 'max_artifact_number'
DATA = 'max_uploaded_data'
SAMPLE_COUNT = COUNT + ':' + base.SAMPLE


def quotas_body(*projects):
    """PUT /quotas body from (project_id, {quota_name: value}) pairs."""
    return [{'project_id': p, 'project_quotas': [
        {'quota_name': n, 'quota_value': v} for n, v in sorted(q.items())]}
        for p, q in projects]


def project_entry(project_id, quotas):
    return quotas_body((project_id, quotas))[0]


class QuotaClient:
    """Helpers of the quota tests (mixed into a FunctionalTest)."""

    def set_quotas(self, *projects, expect=200):
        resp = self.request('PUT', '/quotas', headers=self.admin,
                            json_body=quotas_body(*projects))
        self.assertEqual(expect, resp.status_code, base.brief(resp))
        return resp.json()

    def project_quotas(self, project_id=None, headers=None):
        path = '/project-quotas' + ('/' + project_id if project_id else '')
        resp = self.get(path, headers=headers or self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def stored_quotas(self, *project_ids):
        """The entries of GET /quotas for these projects, in order."""
        resp = self.get('/quotas', headers=self.admin)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        body = resp.json()
        self.assertEqual({'quotas', 'global_quotas'}, set(body))
        return [q for q in body['quotas'] if q['project_id'] in project_ids]

    def try_create(self, headers=None, type_name=base.SAMPLE, session=None):
        resp = self.post(self.url(type_name=type_name),
                         {'name': self.unique()},
                         headers=headers or self.user, session=session)
        if resp.status_code != 201:
            self.assertError(403, resp)
        return resp


@base.with_backends
class QuotaApiTests(QuotaClient):
    """PUT /quotas, GET /quotas, GET /project-quotas[/{project_id}]."""

    CONFIG = {'DEFAULT': {COUNT: 50},
              'artifact_type:sample_artifact': {DATA: 1000}}
    GLOBAL = {COUNT: 50, DATA: -1, DATA + ':' + base.SAMPLE: 1000}

    def test_set_answers_the_stored_quotas(self):
        other = self.new_project()
        body = self.set_quotas((self.project, {COUNT: 10, SAMPLE_COUNT: 3}),
                               (other, {DATA: 2 ** 40}))
        self.assertEqual({'quotas': sorted([
            project_entry(self.project, {COUNT: 10, SAMPLE_COUNT: 3}),
            project_entry(other, {DATA: 2 ** 40})],
            key=lambda e: e['project_id'])}, body)

    def test_list_all(self):
        other = self.new_project()
        self.set_quotas((self.project, {SAMPLE_COUNT: 3, COUNT: 10}),
                        (other, {DATA + ':images': 0}))
        resp = self.get('/quotas', headers=self.admin)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual('application/json; charset=UTF-8',
                         resp.headers['Content-Type'])
        body = resp.json()
        self.assertEqual(self.GLOBAL, body['global_quotas'])
        mine = [q for q in body['quotas']
                if q['project_id'] in (self.project, other)]
        self.assertEqual(sorted([
            # names in order
            {'project_id': self.project, 'project_quotas': [
                {'quota_name': COUNT, 'quota_value': 10},
                {'quota_name': SAMPLE_COUNT, 'quota_value': 3}]},
            project_entry(other, {DATA + ':images': 0})],
            key=lambda e: e['project_id']), mine)
        ids = [q['project_id'] for q in body['quotas']]
        self.assertEqual(sorted(ids), ids)

    def test_put_replaces_all_quotas_of_the_projects_given(self):
        other = self.new_project()
        self.set_quotas((self.project, {COUNT: 10, SAMPLE_COUNT: 3}),
                        (other, {COUNT: 7}))
        self.set_quotas((self.project, {DATA: 5}))
        self.assertEqual(sorted([project_entry(self.project, {DATA: 5}),
                                 project_entry(other, {COUNT: 7})],
                                key=lambda e: e['project_id']),
                         self.stored_quotas(self.project, other))
        # an empty list removes them all
        self.set_quotas((self.project, {}))
        self.assertEqual([project_entry(other, {COUNT: 7})],
                         self.stored_quotas(self.project, other))
        # an empty body changes nothing
        self.assertEqual({'quotas': []}, self.set_quotas())
        self.assertEqual([project_entry(other, {COUNT: 7})],
                         self.stored_quotas(self.project, other))

    def test_project_quotas_are_effective_values(self):
        self.assertEqual([project_entry(self.project, self.GLOBAL)],
                         self.project_quotas())
        self.set_quotas((self.project, {COUNT: -1, SAMPLE_COUNT: 3}))
        expected = [project_entry(self.project, dict(
            self.GLOBAL, **{COUNT: -1, SAMPLE_COUNT: 3}))]
        self.assertEqual(expected, self.project_quotas())
        self.assertEqual(expected, self.project_quotas(self.project))
        # an admin sees any project's
        self.assertEqual(expected, self.project_quotas(self.project,
                                                       self.admin))

    def test_admin_project_quotas_are_its_own(self):
        admin_project = self.admin['X-Auth-Token'].split(':')[1]
        self.assertEqual([project_entry(admin_project, self.GLOBAL)],
                         self.project_quotas(headers=self.admin))

    def test_members_may_not_set_or_list_all(self):
        resp = self.request('PUT', '/quotas', headers=self.user,
                            json_body=quotas_body((self.project,
                                                   {COUNT: 1000})))
        self.assertError(403, resp)
        self.assertError(403, self.get('/quotas', headers=self.user))
        self.assertEqual([], self.stored_quotas(self.project))

    def test_another_projects_quotas_are_admin_only(self):
        other = self.new_project()
        resp = self.get('/project-quotas/' + other, headers=self.user)
        self.assertError(403, resp, 'list_project_quotas')
        self.assertEqual([project_entry(other, self.GLOBAL)],
                         self.project_quotas(other, self.admin))

    def assertBadBody(self, body, contains=None):
        resp = self.request('PUT', '/quotas', headers=self.admin,
                            json_body=body)
        return self.assertError(400, resp, contains)

    def test_bad_bodies_400(self):
        p = self.project

        def one(name=COUNT, value=1, **extra):
            return [{'project_id': p, 'project_quotas': [
                dict({'quota_name': name, 'quota_value': value}, **extra)]}]
        where = 'body[0].project_quotas[0]'
        cases = [
            ({}, 'body: '),
            ('quotas', 'body: '),
            ([{}], "'project_id' is a required property"),
            ([{'project_id': p}], "'project_quotas' is a required property"),
            ([{'project_id': p, 'project_quotas': {}}],
             'body[0].project_quotas: '),
            ([{'project_id': '', 'project_quotas': []}],
             'body[0].project_id'),
            ([{'project_id': 'x' * 256, 'project_quotas': []}],
             'body[0].project_id'),
            ([{'project_id': 5, 'project_quotas': []}], 'body[0].project_id'),
            ([{'project_id': p, 'project_quotas': [], 'x': 1}],
             'body[0]: '),
            ([{'project_id': p, 'project_quotas': [{'quota_name': COUNT}]}],
             "'quota_value' is a required property"),
            (one(value=-2), where + '.quota_value: -2 is less than'),
            (one(value='5'), where + '.quota_value'),
            (one(value=1.5), where + '.quota_value'),
            (one(value=True), where + '.quota_value'),
            (one(value=None), where + '.quota_value'),
            (one(value=2 ** 63), where + ': quota_value'),
            (one(name='x' * 256), where + '.quota_name'),
            (one(name=''), where + '.quota_name'),
            (one(name=3), where + '.quota_name'),
            (one(extra=1), where + ': '),
            (one(name='max_bananas'), "unknown quota name 'max_bananas'"),
            (one(name=COUNT + ':bananas'), 'unknown quota name'),
            (one(name=COUNT + ':all'), 'unknown quota name'),
            (one(name=COUNT + ':'), 'unknown quota name'),
            (one(name='x' * 255), 'unknown quota name'),
            ([{'project_id': p, 'project_quotas': [
                {'quota_name': COUNT, 'quota_value': 1},
                {'quota_name': COUNT, 'quota_value': 2}]}],
             'body[0].project_quotas[1]: quota %s is given twice' % COUNT),
            ([{'project_id': p, 'project_quotas': []},
              {'project_id': p, 'project_quotas': []}],
             'body[1]: project %s is given twice' % p),
        ]
        for body, contains in cases:
            self.assertBadBody(body, contains)
        # a bad item anywhere refuses the whole body
        self.assertBadBody(quotas_body((p, {COUNT: 1})) + [
            {'project_id': self.new_project(), 'project_quotas': [
                {'quota_name': COUNT, 'quota_value': -5}]}],
            'body[1].project_quotas[0].quota_value')
        self.assertEqual([], self.stored_quotas(p))

    def test_bad_requests(self):
        resp = self.request('PUT', '/quotas', headers=self.admin,
                            data=b'', content_type='application/json')
        self.assertError(400, resp)
        resp = self.request('PUT', '/quotas', headers=self.admin,
                            data=b'[{"project_id":',
                            content_type='application/json')
        self.assertError(400, resp, 'Malformed JSON')
        resp = self.request('PUT', '/quotas', headers=self.admin,
                            json_body=[], content_type='text/plain')
        self.assertError(415, resp)
        for path in ('/quotas', '/project-quotas',
                     '/project-quotas/' + self.project):
            resp = self.request('GET', path, headers=self.admin,
                                data=b'{}', content_type='application/json')
            self.assertError(400, resp, 'takes no body')

    def test_other_methods_405(self):
        for verb in ('POST', 'PATCH', 'DELETE'):
            resp = self.request(verb, '/quotas', headers=self.admin)
            self.assertError(405, resp)
            self.assertEqual('GET, PUT', resp.headers['Allow'])
        for path in ('/project-quotas', '/project-quotas/' + self.project):
            for verb in ('PUT', 'POST', 'PATCH', 'DELETE'):
                resp = self.request(verb, path, headers=self.admin)
                self.assertError(405, resp)
                self.assertEqual('GET', resp.headers['Allow'])

    def test_unknown_paths_404(self):
        for path in ('/quotas/' + self.project,
                     '/project-quotas/%s/x' % self.project,
                     '/quota', '/project-quota'):
            self.assertError(404, self.get(path, headers=self.admin))

    def test_versions(self):
        # quotas came with 1.1 upstream; clients send no version (1.0)
        for version in ('1.0', '1.1'):
            resp = self.get('/quotas', headers=dict(
                self.admin, **{'OpenStack-API-Version': 'artifact ' +
                               version}))
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.assertEqual('artifact ' + version,
                             resp.headers['OpenStack-API-Version'])


@base.with_backends
class QuotaEnforcementTests(QuotaClient):
    """max_artifact_number on create: config, overrides, concurrency."""

    WORKERS = 4
    CONFIG = {'DEFAULT': {COUNT: 3},
              'artifact_type:images': {COUNT: 1}}

    def create_many(self, n, **kw):
        return [self.create(**kw) for _i in range(n)]

    def test_config_default_limits_every_project(self):
        self.create_many(3)
        resp = self.try_create()
        self.assertError(403, resp, 'Quota %s of project %s exceeded' % (
            COUNT, self.project))
        self.assertEqual(3, self.count_own())
        # another project has room of its own
        self.create(headers=self.auth(self.new_project()))

    def test_config_per_type_limit(self):
        self.create(type_name='images')
        resp = self.try_create(type_name='images')
        self.assertError(403, resp, 'Quota %s:images of project %s '
                         'exceeded' % (COUNT, self.project))
        # the global limit counts every type: 1 image + 2 samples
        self.create_many(2)
        self.assertError(403, self.try_create(), COUNT)

    def test_project_override_takes_precedence(self):
        self.set_quotas((self.project, {COUNT: 5, COUNT + ':images': 2}))
        self.create_many(2, type_name='images')
        self.assertError(403, self.try_create(type_name='images'))
        self.create_many(3)
        self.assertError(403, self.try_create())
        # -1 lifts the configured limit; removing the override restores it
        self.set_quotas((self.project, {COUNT: -1}))
        self.create_many(2)
        self.assertEqual(7, self.count_own() + self.count_own('images'))
        self.set_quotas((self.project, {}))
        self.assertError(403, self.try_create())

    def test_zero_forbids_any_create(self):
        self.set_quotas((self.project, {SAMPLE_COUNT: 0}))
        self.assertError(403, self.try_create(), SAMPLE_COUNT)
        self.create(type_name='images')

    def test_deleted_artifacts_do_not_count(self):
        ids = [a['id'] for a in self.create_many(3)]
        self.assertError(403, self.try_create())
        resp = self.delete(self.url(ids[0]), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.create()

    def test_admin_is_bound_by_its_own_projects_quota(self):
        admin_project = self.admin['X-Auth-Token'].split(':')[1]
        self.set_quotas((admin_project, {COUNT: 1}))
        self.create(headers=self.admin)
        self.assertError(403, self.try_create(headers=self.admin), COUNT)
        # and not by another project's
        self.create_many(3)

    def _race(self, headers, type_name=base.SAMPLE):
        def create(session):
            return self.try_create(headers=headers, type_name=type_name,
                                   session=session).status_code
        return sorted(self.fire([create] * THREADS))

    def test_concurrent_creates_stop_exactly_at_the_quota(self):
        self.set_quotas((self.project, {COUNT: 5}))
        self.create_many(3)
        self.assertEqual([201] * 2 + [403] * (THREADS - 2),
                         self._race(self.user))
        self.assertEqual(5, self.count_own())

    def test_concurrent_creates_stop_exactly_at_the_type_quota(self):
        self.set_quotas((self.project, {COUNT: 100, SAMPLE_COUNT: 4}))
        self.create(type_name='images')
        self.create()
        self.assertEqual([201] * 3 + [403] * (THREADS - 3),
                         self._race(self.user))
        self.assertEqual(4, self.count_own())

    def test_concurrent_first_creates_of_a_new_project(self):
        # the configured limit; no lock row exists yet for the project
        headers = self.auth(self.new_project())
        self.assertEqual([201] * 3 + [403] * (THREADS - 3),
                         self._race(headers))

    def test_concurrent_creates_of_several_projects(self):
        projects = [self.new_project() for _i in range(4)]
        self.set_quotas(*[(p, {COUNT: 2}) for p in projects])
        users = [self.auth(p) for p in projects]

        def create(headers):
            return lambda session: (headers, self.try_create(
                headers=headers, session=session).status_code)
        results = self.fire([create(users[i % 4]) for i in range(THREADS)])
        for headers in users:
            statuses = sorted(s for h, s in results if h is headers)
            self.assertEqual([201] * 2 + [403] * 3, statuses)
