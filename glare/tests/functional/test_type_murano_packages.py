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

"""murano_packages over real HTTP: the package fills the artifact, its
Require section becomes links, and bad packages change nothing."""

from glare.tests.fixtures import murano_packages as pkgs
from glare.tests.functional import base
from glare.tests.functional import test_blobs

T = 'murano_packages'


@base.with_backends
class MuranoPackageTests(test_blobs.BlobMixin):

    def new_package(self, **fields):
        return self.create(type_name=T, **fields)

    def put_package(self, artifact_id, data, headers=None):
        return self.request('PUT', self.url(artifact_id, T) + '/package',
                            headers=self.user if headers is None else
                            headers, data=data,
                            content_type='application/octet-stream')

    def released(self, full_name, version, public=False, **extra):
        """An active package of the test's project (public if asked)."""
        af = self.new_package(name=self.unique())
        resp = self.put_package(af['id'], pkgs.package(full_name, version,
                                                       **extra))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.activate(af['id'], type_name=T)
        if public:
            self.publish(af['id'], type_name=T)
        return af['id']

    def link(self, artifact_id):
        return '/artifacts/%s/%s' % (T, artifact_id)

    def test_upload_fills_the_artifact_from_the_manifest(self):
        af = self.new_package(name='placeholder')
        data = pkgs.package('io.test.Web', '2.1.0', Tags=['web'],
                            Type='Library', Description='Web server',
                            Classes={'io.test.Web': 'web.yaml',
                                     'io.test.Site': 'site.yaml'})
        resp = self.put_package(af['id'], data)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        doc = self.show(af['id'], type_name=T)
        self.assertEqual(('io.test.Web', '2.1.0', 'App io.test.Web',
                          'Library', 'Web server', ['web'],
                          ['io.test.Site', 'io.test.Web'], []),
                         (doc['name'], doc['version'], doc['display_name'],
                          doc['type'], doc['description'], doc['tags'],
                          doc['class_definitions'],
                          doc['dependencies'] or []))
        self.assertEqual(len(data), doc['package']['size'])
        self.assertEqual(data, self.request(
            'GET', self.url(af['id'], T) + '/package',
            headers=self.user).content)

    def test_require_links_the_newest_matching_visible_package(self):
        base_name = self.unique('io.test.Base').replace('-', '_')
        self.released(base_name, '1.0.0')
        newest_1x = self.released(base_name, '1.5.0')
        self.released(base_name, '2.0.0')
        exact = self.released(base_name, '1.2.0')
        # another project's private 1.9.0 is not visible to us
        other = self.new_project()
        foreign = self.new_package(name=self.unique(),
                                   headers=self.auth(other))
        self.assertEqual(200, self.put_package(
            foreign['id'], pkgs.package(base_name, '1.9.0'),
            headers=self.auth(other)).status_code)
        self.activate(foreign['id'], headers=self.auth(other), type_name=T)
        af = self.new_package(name='app')
        resp = self.put_package(af['id'], pkgs.package(
            'io.test.App', Require={base_name: '>=1.0,<2'}))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual([self.link(newest_1x)],
                         self.show(af['id'], type_name=T)['dependencies'])
        af2 = self.new_package(name='app2')
        resp = self.put_package(af2['id'], pkgs.package(
            'io.test.App2', Require={base_name: '==1.2.0'}))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual([self.link(exact)],
                         self.show(af2['id'], type_name=T)['dependencies'])

    def test_public_packages_of_others_satisfy_requirements(self):
        name = self.unique('io.test.Pub').replace('-', '_')
        other = self.auth(self.new_project())
        af = self.new_package(name=self.unique(), headers=other)
        self.assertEqual(200, self.put_package(
            af['id'], pkgs.package(name, '0.3.0'), headers=other)
            .status_code)
        self.activate(af['id'], headers=other, type_name=T)
        self.publish(af['id'], type_name=T)
        mine = self.new_package(name='uses-public')
        resp = self.put_package(mine['id'], pkgs.package(
            'io.test.User', Require={name: None}))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual([self.link(af['id'])],
                         self.show(mine['id'], type_name=T)['dependencies'])

    def test_missing_dependency_is_named_and_nothing_changes(self):
        af = self.new_package(name='before')
        first = pkgs.package('io.test.First', '1.0.0')
        self.assertEqual(200, self.put_package(af['id'], first).status_code)
        resp = self.put_package(af['id'], pkgs.package(
            'io.test.Second', '3.0.0',
            Require={'io.test.Nowhere': '>=1'}))
        self.assertError(400, resp, 'io.test.Nowhere')
        doc = self.show(af['id'], type_name=T)
        self.assertEqual(('io.test.First', '1.0.0', len(first)),
                         (doc['name'], doc['version'],
                          doc['package']['size']))

    def test_bad_packages_get_400_and_keep_the_previous_value(self):
        af = self.new_package(name='keeps')
        good = pkgs.package('io.test.Good')
        self.assertEqual(200, self.put_package(af['id'], good).status_code)
        files_before = self.store_files()
        cases = [
            (b'not a zip at all', 'not a zip archive'),
            (pkgs.with_entries([('../../etc/cron.d/evil', b'x')]),
             'leaves the archive'),
            (pkgs.with_entries([pkgs.symlink_entry('Classes/l', '/etc')]),
             'symbolic link'),
            (pkgs.zip_bomb(600 * 1024 * 1024), 'expands to more than'),
            (pkgs.package(raw_manifest='FullName: [unclosed'),
             'not valid YAML'),
            (pkgs.package(FullName=None), 'has no FullName'),
        ]
        for data, message in cases:
            resp = self.put_package(af['id'], data)
            self.assertError(400, resp, message)
        doc = self.show(af['id'], type_name=T)
        self.assertEqual(('io.test.Good', len(good)),
                         (doc['name'], doc['package']['size']))
        self.assertEqual(files_before, self.store_files())

    def test_name_clash_from_the_manifest_is_a_conflict(self):
        name = self.unique('io.test.Dup').replace('-', '_')
        self.released(name, '1.0.0')
        af = self.new_package(name='clash')
        resp = self.put_package(af['id'], pkgs.package(name, '1.0.0'))
        self.assertError(409, resp)
        self.assertIsNone(self.show(af['id'], type_name=T)['package'])

    def test_active_package_cannot_be_replaced(self):
        af_id = self.released(self.unique('io.test.A').replace('-', '_'),
                              '1.0.0')
        resp = self.put_package(af_id, pkgs.package('io.test.Other'))
        self.assertError(403, resp)

    def test_logo_and_ui_definition_become_resources(self):
        af = self.new_package(name='with-resources')
        logo, ui = b'\x89PNG\r\n' + bytes(100), b'Version: 2.4\n'
        resp = self.put_package(af['id'], pkgs.package(
            'io.test.Res', Logo='icon.png',
            files={'icon.png': logo, 'UI/ui.yaml': ui}))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        resources = resp.json()['resources']
        self.assertEqual(['logo', 'ui_definition'], sorted(resources))
        self.assertEqual((len(logo), 'image/png', 'active'),
                         (resources['logo']['size'],
                          resources['logo']['content_type'],
                          resources['logo']['status']))
        for key, data in (('logo', logo), ('ui_definition', ui)):
            got = self.request('GET', self.url(af['id'], T) +
                               '/resources/' + key, headers=self.user)
            self.assertEqual(200, got.status_code, base.brief(got))
            self.assertEqual(data, got.content)
        # a new package without a UI: the old definition goes, data too
        files = self.store_files()
        resp = self.put_package(af['id'], pkgs.package(
            'io.test.Res', '1.1.0', Logo='icon.png',
            files={'icon.png': logo + b'2'}))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(['logo'], sorted(resp.json()['resources']))
        self.assertEqual(len(logo) + 1,
                         resp.json()['resources']['logo']['size'])
        # package and logo replaced, UI removed: one file fewer
        self.assertEqual(len(files) - 1, len(self.store_files()))

    def test_resources_cannot_be_written_by_users(self):
        af = self.new_package(name='no-writes')
        resp = self.request('PUT', self.url(af['id'], T) + '/resources/logo',
                            headers=self.user, data=b'x',
                            content_type='application/octet-stream')
        self.assertError(403, resp, 'filled by the service')
        resp = self.request(
            'PUT', self.url(af['id'], T) + '/resources/logo',
            headers=self.user, json_body={'url': 'https://example.com/x'},
            content_type='application/vnd+openstack.glare-custom-location'
                         '+json')
        self.assertError(403, resp, 'filled by the service')

    def test_failed_commit_keeps_package_and_resources(self):
        name = self.unique('io.test.Taken').replace('-', '_')
        self.released(name, '1.0.0')
        af = self.new_package(name='keeps-resources')
        first = pkgs.package('io.test.Mine', files={'logo.png': b'one'})
        self.assertEqual(200, self.put_package(af['id'], first).status_code)
        files = self.store_files()
        # the name clash is only found when the upload commits, after the
        # resources were stored: they are removed with the package data
        resp = self.put_package(af['id'], pkgs.package(
            name, '1.0.0', files={'logo.png': b'two', 'UI/ui.yaml': b'a'}))
        self.assertError(409, resp)
        doc = self.show(af['id'], type_name=T)
        self.assertEqual(('io.test.Mine', len(first), ['logo'], 3),
                         (doc['name'], doc['package']['size'],
                          sorted(doc['resources']),
                          doc['resources']['logo']['size']))
        self.assertEqual(files, self.store_files())
