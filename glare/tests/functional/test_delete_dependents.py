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

"""Deleting an artifact that active artifacts link to: 409 naming them,
unless an admin forces it (v1 and v0.1)."""

from glare.artifact_types import murano_package
from glare.tests.fixtures import murano_packages as pkgs
from glare.tests.functional import base

MURANO = 'murano_packages'
#: the dependents a 409 names at most (glare.services.dependents.SHOWN)
SHOWN = 10


@base.with_backends
class DeleteDependentsTests:

    def link(self, artifact_id, type_name=base.SAMPLE):
        return '/artifacts/%s/%s' % (type_name, artifact_id)

    def linked(self, target_id, active=True, headers=None, **fields):
        """A sample artifact whose link1 points at target_id."""
        af = self.create(headers=headers, link1=self.link(target_id),
                         **fields)
        if active:
            self.activate(af['id'], headers=headers)
        return af

    def delete_artifact(self, artifact_id, headers=None, type_name=base.SAMPLE,
                        query=''):
        return self.delete(self.url(artifact_id, type_name) + query,
                           headers=self.user if headers is None else headers)

    def assertGone(self, artifact_id, type_name=base.SAMPLE):
        self.assertError(404, self.get(self.url(artifact_id, type_name),
                                       headers=self.admin))

    def test_active_dependents_block_and_are_named(self):
        lib = self.create()
        app = self.linked(lib['id'], name='app', version='2.1.0')
        body = self.assertError(409, self.delete_artifact(lib['id']),
                                app['id'])
        self.assertIn('app 2.1.0', body['error']['message'])
        self.assertIn('force=true', body['error']['message'])
        self.assertEqual([{'type_name': base.SAMPLE, 'id': app['id'],
                           'name': 'app', 'version': '2.1.0'}],
                         body['dependents'])
        self.assertEqual(1, body['dependents_count'])
        self.assertEqual(lib, self.show(lib['id']))
        # deleting the dependent first frees the artifact
        self.assertEqual(204, self.delete_artifact(app['id']).status_code)
        self.assertEqual(204, self.delete_artifact(lib['id']).status_code)
        self.assertGone(lib['id'])

    def test_list_and_dict_links_count_and_the_list_is_bounded(self):
        lib = self.create()
        ids = set()
        for i in range(SHOWN + 2):
            links = {'list_of_links': [self.link(lib['id'])] * 2} \
                if i % 2 else {'dict_of_links': {
                    'a': self.link(lib['id']), 'b': self.link(lib['id'])}}
            af = self.create(name='dep-%02d' % i, **links)
            self.activate(af['id'])
            ids.add(af['id'])
        body = self.assertError(409, self.delete_artifact(lib['id']))
        # each dependent once, however many of its values link
        self.assertEqual(SHOWN + 2, body['dependents_count'])
        self.assertEqual(['dep-%02d' % i for i in range(SHOWN)],
                         [d['name'] for d in body['dependents']])
        self.assertLessEqual({d['id'] for d in body['dependents']}, ids)
        self.assertIn('and 2 more', body['error']['message'])

    def test_only_active_dependents_block(self):
        lib = self.create()
        self.linked(lib['id'], active=False)
        deactivated = self.linked(lib['id'])
        self.set_values(deactivated['id'], headers=self.admin,
                        status='deactivated')
        # the same text in a String field is no link
        text = self.create(str1=self.link(lib['id']))
        self.activate(text['id'])
        # nor is a link to the artifact from itself
        self_link = self.create()
        self.set_values(self_link['id'], link1=self.link(self_link['id']))
        self.activate(self_link['id'])
        self.assertEqual(204, self.delete_artifact(self_link['id'])
                         .status_code)
        self.assertEqual(204, self.delete_artifact(lib['id']).status_code)
        self.assertGone(lib['id'])

    def test_admin_may_force(self):
        lib = self.create()
        app = self.linked(lib['id'])
        self.assertError(403, self.delete_artifact(
            lib['id'], query='?force=true'), 'Only an admin')
        for bad in ('?force=maybe', '?force=true&force=false'):
            self.assertError(400, self.delete_artifact(
                lib['id'], headers=self.admin, query=bad), 'force')
        self.assertError(409, self.delete_artifact(
            lib['id'], headers=self.admin, query='?force=false'))
        self.assertEqual(200, self.get(self.url(lib['id']),
                                       headers=self.user).status_code)
        resp = self.delete_artifact(lib['id'], headers=self.admin,
                                    query='?force=true')
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertGone(lib['id'])
        # the dependent keeps its now dangling link
        self.assertEqual(self.link(lib['id']),
                         self.show(app['id'])['link1'])

    def test_dependents_the_caller_cannot_see_are_counted_not_named(self):
        lib = self.create()
        # an admin may link from another project to any artifact
        hidden = self.linked(lib['id'], headers=self.admin,
                             name='secret-name')
        body = self.assertError(409, self.delete_artifact(lib['id']))
        self.assertEqual(([], 1), (body['dependents'],
                                   body['dependents_count']))
        self.assertNotIn(hidden['id'], body['error']['message'])
        self.assertNotIn('secret-name', body['error']['message'])
        body = self.assertError(409, self.delete_artifact(
            lib['id'], headers=self.admin))
        self.assertEqual([hidden['id']],
                         [d['id'] for d in body['dependents']])

    # -- Murano: a library that applications Require ------------------------
    def released(self, full_name, version='1.0.0', **extra):
        af = self.create(type_name=MURANO)
        resp = self.request('PUT', self.url(af['id'], MURANO) + '/package',
                            headers=self.user,
                            data=pkgs.package(full_name, version, **extra),
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return self.activate(af['id'], type_name=MURANO)

    def v01(self, artifact_id, query=''):
        # the v0.1 path names the type's version as it is served now
        return '/v0.1/artifacts/%s/v%s/%s%s' % (
            MURANO, murano_package.MuranoPackage.VERSION, artifact_id, query)

    def test_murano_library_required_by_an_application(self):
        fqn = self.unique('io.test.Lib').replace('-', '_')
        lib = self.released(fqn)
        app = self.released(self.unique('io.test.App').replace('-', '_'),
                            Require={fqn: '1.0'})
        self.assertEqual([self.link(lib['id'], MURANO)],
                         app['dependencies'])
        body = self.assertError(409, self.delete_artifact(
            lib['id'], type_name=MURANO), app['id'])
        self.assertEqual([app['id']], [d['id'] for d in body['dependents']])
        # the v0.1 API Murano deletes packages with: its own error shape
        resp = self.delete(self.v01(lib['id']), headers=self.user)
        self.assertEqual(409, resp.status_code, base.brief(resp))
        self.assertEqual(['conflictingRequest'], list(resp.json()))
        error = resp.json()['conflictingRequest']
        self.assertEqual(409, error['code'])
        self.assertIn(app['id'], error['message'])
        resp = self.delete(self.v01(lib['id'], '?force=true'),
                           headers=self.user)
        self.assertEqual(403, resp.status_code, base.brief(resp))
        self.assertEqual(['forbidden'], list(resp.json()))
        self.assertEqual('active', self.show(lib['id'],
                                             type_name=MURANO)['status'])
        # the application first, then the library
        self.assertEqual(204, self.delete(self.v01(app['id']),
                                          headers=self.user).status_code)
        self.assertEqual(204, self.delete(self.v01(lib['id']),
                                          headers=self.user).status_code)
        self.assertGone(lib['id'], MURANO)

    def test_murano_force_by_admin_over_v01(self):
        fqn = self.unique('io.test.Lib').replace('-', '_')
        lib = self.released(fqn)
        self.released(self.unique('io.test.App').replace('-', '_'),
                      Require={fqn: '>=1'})
        resp = self.delete(self.v01(lib['id'], '?force=true'),
                           headers=self.admin)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertGone(lib['id'], MURANO)
