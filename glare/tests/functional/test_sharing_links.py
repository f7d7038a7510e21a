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

"""Sharing and links: members never get an artifact whose dependencies
they cannot read; member writes hold under concurrency."""

from glare.tests.functional import base

MAX_MEMBERS = 4


@base.with_backends
class SharingLinksTests:

    CONFIG = {'sharing': {'max_members_per_artifact': MAX_MEMBERS}}

    def link(self, artifact_id):
        return '/artifacts/%s/%s' % (base.SAMPLE, artifact_id)

    def members_url(self, artifact_id, member=None):
        return self.url(artifact_id) + '/members' + (
            '/' + member if member else '')

    def share(self, artifact_id, headers=None):
        return self.set_visibility(artifact_id, 'shared', headers)

    def set_visibility(self, artifact_id, value, headers=None):
        return self.patch(self.url(artifact_id), [
            {'op': 'replace', 'path': '/visibility', 'value': value}],
            headers=self.user if headers is None else headers)

    def add_member(self, artifact_id, member, query='', headers=None,
                   session=None):
        return self.post(self.members_url(artifact_id) + query,
                         {'member': member},
                         headers=self.user if headers is None else headers,
                         session=session)

    def members(self, artifact_id):
        resp = self.get(self.members_url(artifact_id), headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return sorted(m['member'] for m in resp.json()['members'])

    def chain(self):
        """app → (list) mid → (link1) lib, all private drafts of the user."""
        lib = self.create()
        mid = self.create(link1=self.link(lib['id']))
        app = self.create(list_of_links=[self.link(mid['id'])])
        self.assertEqual(200, self.share(app['id']).status_code)
        return app, mid, lib

    def test_dependencies_are_named_and_nothing_is_written(self):
        app, mid, lib = self.chain()
        partner = self.new_project()
        body = self.assertError(409, self.add_member(app['id'], partner),
                                '?with_dependencies=true')
        self.assertEqual(sorted([mid['id'], lib['id']]),
                         sorted(d['id'] for d in body['dependencies']))
        for dep in body['dependencies']:
            self.assertIn('name', dep)
        self.assertEqual([], self.members(app['id']))
        self.assertError(404, self.get(self.url(app['id']),
                                       headers=self.auth(partner)))

    def test_with_dependencies_shares_the_closure(self):
        app, mid, lib = self.chain()
        partner = self.new_project()
        resp = self.add_member(app['id'], partner, '?with_dependencies=true')
        self.assertEqual(201, resp.status_code, base.brief(resp))
        for af in (app, mid, lib):
            self.assertEqual('shared', self.show(af['id'])['visibility'])
            self.assertEqual([partner], self.members(af['id']))
            resp = self.get(self.url(af['id']), headers=self.auth(partner))
            self.assertEqual(200, resp.status_code, base.brief(resp))

    def test_a_dependency_of_another_owner_is_refused_whole(self):
        other = self.auth(self.new_project())
        foreign = self.create(headers=other)
        self.assertEqual(200, self.share(foreign['id'],
                                         headers=other).status_code)
        # the owner of app may link to it only while it can read it
        self.assertEqual(201, self.add_member(
            foreign['id'], self.project, headers=other).status_code)
        mine = self.create()
        app = self.create(dict_of_links={
            'a': self.link(foreign['id']), 'b': self.link(mine['id'])})
        self.assertEqual(200, self.share(app['id']).status_code)
        partner = self.new_project()
        body = self.assertError(409, self.add_member(
            app['id'], partner, '?with_dependencies=true'),
            'may not share')
        self.assertEqual([foreign['id']],
                         [d['id'] for d in body['dependencies']])
        # nothing of the request stayed: mine is still private, no rows
        self.assertEqual('private', self.show(mine['id'])['visibility'])
        self.assertEqual([], self.members(app['id']))

    def test_cycles_end(self):
        a = self.create()
        b = self.create(link1=self.link(a['id']))
        self.set_values(a['id'], link1=self.link(b['id']))
        self.assertEqual(200, self.share(a['id']).status_code)
        partner = self.new_project()
        self.assertEqual(409, self.add_member(a['id'], partner).status_code)
        resp = self.add_member(a['id'], partner, '?with_dependencies=true')
        self.assertEqual(201, resp.status_code, base.brief(resp))
        self.assertEqual([partner], self.members(b['id']))

    def test_public_and_community_dependencies_need_nothing(self):
        pub = self.create()
        self.activate(pub['id'])
        self.publish(pub['id'])
        com = self.create()
        self.activate(com['id'])
        self.assertEqual(200, self.set_visibility(com['id'],
                                                  'community').status_code)
        app = self.create(list_of_links=[self.link(pub['id']),
                                         self.link(com['id'])])
        self.assertEqual(200, self.share(app['id']).status_code)
        self.assertEqual(201, self.add_member(app['id'],
                                              self.new_project()).status_code)

    def test_a_new_link_must_be_readable_by_every_member(self):
        app = self.create()
        self.assertEqual(200, self.share(app['id']).status_code)
        partner = self.new_project()
        self.assertEqual(201, self.add_member(app['id'],
                                              partner).status_code)
        lib = self.create()
        body = self.assertError(409, self.patch(self.url(app['id']), [
            {'op': 'replace', 'path': '/link1',
             'value': self.link(lib['id'])}], headers=self.user))
        self.assertEqual([{'type_name': base.SAMPLE, 'id': lib['id'],
                           'name': lib['name'], 'version': lib['version'],
                           'members': [partner]}], body['dependencies'])
        self.assertIsNone(self.show(app['id'])['link1'])
        # once the member can read it, the link is fine
        self.assertEqual(200, self.share(lib['id']).status_code)
        self.assertEqual(201, self.add_member(lib['id'],
                                              partner).status_code)
        self.set_values(app['id'], link1=self.link(lib['id']))

    def test_sharing_again_checks_the_kept_members(self):
        app = self.create()
        self.assertEqual(200, self.share(app['id']).status_code)
        partner = self.new_project()
        self.assertEqual(201, self.add_member(app['id'],
                                              partner).status_code)
        self.assertEqual(200, self.set_visibility(app['id'],
                                                  'private').status_code)
        # the kept row grants nothing while private
        self.assertError(404, self.get(self.url(app['id']),
                                       headers=self.auth(partner)))
        lib = self.create()
        self.set_values(app['id'], link1=self.link(lib['id']))
        self.assertError(409, self.share(app['id']), lib['id'])
        self.assertEqual('private', self.show(app['id'])['visibility'])

    def _linked_pair(self):
        """(app, lib, partner): shared app links to shared lib, the
        partner is a member of both."""
        lib = self.create()
        self.assertEqual(200, self.share(lib['id']).status_code)
        app = self.create(link1=self.link(lib['id']))
        self.assertEqual(200, self.share(app['id']).status_code)
        partner = self.new_project()
        self.assertEqual(201, self.add_member(
            app['id'], partner, '?with_dependencies=true').status_code)
        self.assertEqual([partner], self.members(lib['id']))
        return app, lib, partner

    def test_revoking_a_dependency_from_a_member_is_refused(self):
        app, lib, partner = self._linked_pair()
        body = self.assertError(409, self.delete(
            self.members_url(lib['id'], partner), headers=self.user),
            'Removing project %s' % partner)
        self.assertEqual([app['id']], [d['id'] for d in body['dependents']])
        self.assertEqual([partner], self.members(lib['id']))
        # revoke the dependent first, then the dependency
        for af in (app, lib):
            self.assertEqual(204, self.delete(
                self.members_url(af['id'], partner),
                headers=self.user).status_code)

    def test_a_member_may_always_leave(self):
        _app, lib, partner = self._linked_pair()
        self.assertEqual(204, self.delete(
            self.members_url(lib['id'], partner),
            headers=self.auth(partner)).status_code)

    def test_unsharing_a_dependency_of_members_is_refused(self):
        app, lib, _partner = self._linked_pair()
        body = self.assertError(409, self.set_visibility(lib['id'],
                                                         'private'),
                                'Making it private')
        self.assertEqual([app['id']], [d['id'] for d in body['dependents']])
        self.assertEqual('shared', self.show(lib['id'])['visibility'])
        # once the dependent is private too, the dependency may follow
        self.assertEqual(200, self.set_visibility(app['id'],
                                                  'private').status_code)
        self.assertEqual(200, self.set_visibility(lib['id'],
                                                  'private').status_code)

    def test_concurrent_adds_stop_at_the_limit(self):
        app = self.create()
        self.assertEqual(200, self.share(app['id']).status_code)
        partners = [self.new_project() for _ in range(MAX_MEMBERS + 4)]
        results = self.fire([
            lambda s, p=p: self.add_member(app['id'], p, session=s)
            for p in partners])
        codes = sorted(r.status_code for r in results)
        self.assertEqual([201] * MAX_MEMBERS + [413] * 4, codes,
                         [base.brief(r) for r in results])
        self.assertEqual(MAX_MEMBERS, len(self.members(app['id'])))

    def test_concurrent_duplicates_make_one_row(self):
        app = self.create()
        self.assertEqual(200, self.share(app['id']).status_code)
        partner = self.new_project()
        results = self.fire([
            lambda s: self.add_member(app['id'], partner, session=s)
            for _ in range(4)])
        self.assertEqual([201, 409, 409, 409],
                         sorted(r.status_code for r in results))
        self.assertEqual([partner], self.members(app['id']))

    def test_deleting_the_artifact_removes_its_members(self):
        app = self.create()
        self.assertEqual(200, self.share(app['id']).status_code)
        partner = self.new_project()
        self.assertEqual(201, self.add_member(app['id'],
                                              partner).status_code)
        self.assertEqual(204, self.delete(self.url(app['id']),
                                          headers=self.user).status_code)
        self.assertError(404, self.get(self.members_url(app['id']),
                                       headers=self.user))
        resp = self.get(self.url() + '?member_status=all',
                        headers=self.auth(partner))
        self.assertEqual(0, resp.json()['total_count'])
