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

"""Status and visibility transitions, uniqueness, delete and the all type
(SPEC §8)."""

import uuid

from glare.tests.functional import base


@base.with_backends
class LifecycleTests:

    def change_error(self, code, artifact_id, headers=None, **values):
        ops = [{'op': 'replace', 'path': '/' + k, 'value': v}
               for k, v in values.items()]
        resp = self.patch(self.url(artifact_id), ops,
                          headers=self.user if headers is None else headers)
        return self.assertError(code, resp)

    def active(self, **fields):
        af = self.create(**fields)
        return self.activate(af['id'])

    # -- activation ----------------------------------------------------------
    def test_activate_requires_string_required(self):
        af = self.create()
        self.change_error(403, af['id'], status='active')
        self.change_error(403, af['id'], headers=self.admin,
                          status='active')
        self.assertEqual(af, self.show(af['id']))
        new = self.update(af['id'], [
            {'op': 'replace', 'path': '/string_required', 'value': 'x'},
            {'op': 'replace', 'path': '/status', 'value': 'active'}])
        self.assertEqual('active', new['status'])
        self.assertEqual('x', new['string_required'])
        self.assertIsNotNone(new['activated_at'])
        self.assertGreaterEqual(new['activated_at'], af['created_at'])
        self.assertEqual(new['activated_at'], new['updated_at'])
        self.assertEqual(new, self.show(af['id']))

    def test_activate_with_field_set_earlier(self):
        af = self.create(string_required='r')
        new = self.set_values(af['id'], status='active')
        self.assertEqual('active', new['status'])
        self.assertIsNotNone(new['activated_at'])

    def test_admin_activates_other_projects_artifact(self):
        af = self.create(string_required='r')
        self.change_error(404, af['id'],
                          headers=self.auth(self.new_project()),
                          status='active')
        self.assertEqual('active', self.set_values(
            af['id'], headers=self.admin, status='active')['status'])

    def test_activate_other_types(self):
        image = self.create(type_name='images')
        resp = self.patch(self.url(image['id'], 'images'), [
            {'op': 'replace', 'path': '/status', 'value': 'active'}],
            headers=self.user)
        self.assertError(403, resp, 'format')
        image = self.create({'container_format': 'bare',
                             'disk_format': 'raw'}, type_name='images')
        self.assertEqual('active', self.activate(
            image['id'], type_name='images')['status'])
        # a blob required on activation must be uploaded first
        env = self.create(type_name='heat_environments')
        resp = self.patch(self.url(env['id'], 'heat_environments'), [
            {'op': 'replace', 'path': '/status', 'value': 'active'}],
            headers=self.user)
        self.assertError(403, resp, 'environment')

    # -- deactivation --------------------------------------------------------
    def test_deactivate_and_reactivate_admin_only(self):
        af = self.active()
        self.change_error(403, af['id'], status='deactivated')
        self.assertEqual('active', self.show(af['id'])['status'])
        new = self.set_values(af['id'], headers=self.admin,
                              status='deactivated')
        self.assertEqual('deactivated', new['status'])
        self.assertEqual('deactivated', self.show(af['id'])['status'])
        self.change_error(403, af['id'], status='active')
        self.assertEqual('active', self.set_values(
            af['id'], headers=self.admin, status='active')['status'])

    def test_reactivation_carries_mutable_changes(self):
        af = self.active()
        self.set_values(af['id'], headers=self.admin, status='deactivated')
        ops = [{'op': 'replace', 'path': '/description', 'value': 'back'},
               {'op': 'replace', 'path': '/status', 'value': 'active'},
               {'op': 'replace', 'path': '/string_mutable', 'value': 'm'},
               {'op': 'add', 'path': '/tags/-', 'value': 'again'}]
        # the owner may not reactivate, changes or not
        resp = self.patch(self.url(af['id']), ops, headers=self.user)
        self.assertError(403, resp, 'reactivate')
        before = self.show(af['id'], headers=self.admin)
        self.assertEqual('deactivated', before['status'])
        # the fields follow the rules of the active artifact the patch
        # makes: an immutable one spoils the whole patch, in any order
        for bad in ([{'op': 'replace', 'path': '/int1', 'value': 1}] + ops,
                    ops + [{'op': 'replace', 'path': '/int1', 'value': 1}]):
            resp = self.patch(self.url(af['id']), bad, headers=self.admin)
            self.assertError(403, resp, 'int1')
        self.assertEqual(before, self.show(af['id'], headers=self.admin))
        new = self.update(af['id'], ops, headers=self.admin)
        self.assertEqual(('active', 'back', 'm', ['again']),
                         (new['status'], new['description'],
                          new['string_mutable'], new['tags']))
        self.assertEqual(new, self.show(af['id']))

    def test_deactivate_drafted_403(self):
        af = self.create(string_required='r')
        self.change_error(403, af['id'], headers=self.admin,
                          status='deactivated')
        self.assertEqual('drafted', self.show(af['id'])['status'])

    def test_back_to_drafted_403(self):
        af = self.active()
        for headers in (self.user, self.admin):
            self.change_error(403, af['id'], headers=headers,
                              status='drafted')
        self.set_values(af['id'], headers=self.admin, status='deactivated')
        self.change_error(403, af['id'], headers=self.admin,
                          status='drafted')
        self.assertEqual('deactivated', self.show(af['id'])['status'])

    def test_status_deleted_by_patch_403(self):
        drafted = self.create()
        active = self.active()
        for af in (drafted, active):
            for headers in (self.user, self.admin):
                self.change_error(403, af['id'], headers=headers,
                                  status='deleted')
        self.assertEqual('drafted', self.show(drafted['id'])['status'])
        self.assertEqual('active', self.show(active['id'])['status'])

    # -- publication -----------------------------------------------------
    def test_publish_admin_only_and_only_active(self):
        af = self.create(string_required='r')
        self.change_error(403, af['id'], headers=self.admin,
                          visibility='public')
        self.activate(af['id'])
        self.change_error(403, af['id'], visibility='public')
        self.assertEqual('private', self.show(af['id'])['visibility'])
        new = self.publish(af['id'])
        self.assertEqual(('public', 'active'),
                         (new['visibility'], new['status']))
        self.assertEqual(new, self.show(af['id']))

    def test_publish_deactivated_403(self):
        af = self.active()
        self.set_values(af['id'], headers=self.admin, status='deactivated')
        self.change_error(403, af['id'], headers=self.admin,
                          visibility='public')

    def test_public_is_visible_to_every_project(self):
        af = self.active()
        stranger = self.auth(self.new_project())
        self.assertError(404, self.get(self.url(af['id']),
                                       headers=stranger))
        self.assertEqual([], self.list_ids('id=' + af['id'],
                                           headers=stranger))
        public = self.publish(af['id'])
        self.assertEqual(public, self.show(af['id'], headers=stranger))
        self.assertEqual([af['id']], self.list_ids('id=' + af['id'],
                                                   headers=stranger))
        self.assertEqual([af['id']], self.list_ids(
            'visibility=public&id=' + af['id'], headers=stranger))
        # it can be linked to from any project now
        theirs = self.create({'link1': '/artifacts/sample_artifact/%s' %
                              af['id']}, headers=stranger)
        self.assertEqual('/artifacts/sample_artifact/%s' % af['id'],
                         theirs['link1'])
        # seeing is not owning
        self.change_error(403, af['id'], headers=stranger, description='x')
        self.assertError(403, self.delete(self.url(af['id']),
                                          headers=stranger))

    def test_public_to_private_403(self):
        af = self.active()
        self.publish(af['id'])
        for headers in (self.user, self.admin):
            self.change_error(403, af['id'], headers=headers,
                              visibility='private')
        self.assertEqual('public', self.show(af['id'])['visibility'])

    # -- uniqueness ------------------------------------------------------
    def test_unique_per_owner_among_private(self):
        name = self.unique()
        self.create(name=name, version='1.0')
        for version in ('1.0', '1', '1.0.0'):
            self.assertError(409, self.post(self.url(), {
                'name': name, 'version': version}, headers=self.user))
        self.assertEqual(1, self.list('name=' + name)['total_count'])
        self.create(name=name, version='1.0.1')
        self.create(name=name, version='1.0.0-rc1')
        # another project, or another type, is another scope
        self.create(name=name, version='1.0',
                    headers=self.auth(self.new_project()))
        self.create(name=name, version='1.0', type_name='images')
        self.create(name=name.upper(), version='1.0')

    def test_unique_default_version(self):
        name = self.unique()
        self.create(name=name)
        self.assertError(409, self.post(self.url(), {
            'name': name}, headers=self.user))
        self.assertError(409, self.post(self.url(), {
            'name': name, 'version': '0.0'}, headers=self.user))

    def test_publish_clash_409(self):
        name = self.unique()
        first = self.active(name=name, version='1.0')
        second_project = self.auth(self.new_project())
        second = self.create(name=name, version='1.0',
                             headers=second_project)
        self.activate(second['id'], headers=second_project)
        self.publish(first['id'])
        self.assertError(409, self.patch(self.url(second['id']), [
            {'op': 'replace', 'path': '/visibility', 'value': 'public'}],
            headers=self.admin))
        self.assertEqual('private', self.show(
            second['id'], headers=second_project)['visibility'])
        # a public artifact does not block private ones
        self.create(name=name, version='1.0')
        self.create(name=name, version='1.0',
                    headers=self.auth(self.new_project()))
        # another version can be published
        third = self.active(name=name, version='2.0')
        self.assertEqual('public', self.publish(third['id'])['visibility'])

    def test_delete_frees_the_name(self):
        af = self.create(version='3.0')
        self.assertEqual(204, self.delete(self.url(af['id']),
                                          headers=self.user).status_code)
        again = self.create(name=af['name'], version='3.0')
        self.assertNotEqual(af['id'], again['id'])

    # -- delete --------------------------------------------------------
    def test_delete_by_owner(self):
        af = self.active()
        resp = self.delete(self.url(af['id']), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual(b'', resp.content)
        self.assertError(404, self.get(self.url(af['id']),
                                       headers=self.user))
        self.assertError(404, self.get(self.url(af['id']),
                                       headers=self.admin))
        self.assertError(404, self.delete(self.url(af['id']),
                                          headers=self.user))
        self.assertEqual([], self.list_ids('id=' + af['id']))

    def test_delete_other_projects_artifact(self):
        af = self.create()
        self.assertError(404, self.delete(
            self.url(af['id']), headers=self.auth(self.new_project())))
        self.show(af['id'])
        resp = self.delete(self.url(af['id']), headers=self.admin)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertError(404, self.get(self.url(af['id']),
                                       headers=self.user))

    def test_delete_public_admin_only(self):
        af = self.active()
        self.publish(af['id'])
        self.assertError(403, self.delete(self.url(af['id']),
                                          headers=self.user))
        self.show(af['id'])
        self.assertEqual(204, self.delete(self.url(af['id']),
                                          headers=self.admin).status_code)
        self.assertError(404, self.get(self.url(af['id']),
                                       headers=self.user))

    def test_delete_deactivated_admin_only(self):
        af = self.active()
        self.set_values(af['id'], headers=self.admin, status='deactivated')
        self.assertError(403, self.delete(self.url(af['id']),
                                          headers=self.user))
        self.show(af['id'])
        self.assertEqual(204, self.delete(self.url(af['id']),
                                          headers=self.admin).status_code)

    def test_delete_missing_404(self):
        for artifact_id in (str(uuid.uuid4()), 'not-a-uuid'):
            self.assertError(404, self.delete(self.url(artifact_id),
                                              headers=self.user))

    def test_delete_with_wrong_type_404(self):
        af = self.create()
        self.assertError(404, self.delete(self.url(af['id'], 'images'),
                                          headers=self.user))
        self.show(af['id'])

    # -- the all type ----------------------------------------------------
    def test_all_is_read_only(self):
        af = self.create()
        for headers in (self.user, self.admin):
            self.assertError(403, self.post(self.url(type_name='all'),
                                            {'name': self.unique()},
                                            headers=headers))
            self.assertError(403, self.patch(
                self.url(af['id'], 'all'),
                [{'op': 'replace', 'path': '/description', 'value': 'x'}],
                headers=headers))
            self.assertError(403, self.delete(self.url(af['id'], 'all'),
                                              headers=headers))
        self.assertEqual(af, self.show(af['id']))
        shown = self.show(af['id'], type_name='all')
        self.assertEqual('sample_artifact', shown['type_name'])


@base.with_backends
class DelayedDeleteTests:
    """delayed_delete = True: deleted artifacts stay, in status deleted."""

    CONFIG = {'DEFAULT': {'delayed_delete': True}}

    def test_deleted_artifact_stays_visible_by_id_only(self):
        af = self.create(version='1.0')
        self.assertEqual(204, self.delete(self.url(af['id']),
                                          headers=self.user).status_code)
        shown = self.show(af['id'])
        self.assertEqual('deleted', shown['status'])
        self.assertEqual([], self.list_ids('id=' + af['id']))
        self.assertEqual([], self.list_ids('status=deleted'))
        self.assertEqual(0, self.count_own())
        # its name and version are free again
        self.create(name=af['name'], version='1.0')

    def test_nothing_leaves_deleted(self):
        af = self.create(string_required='r')
        self.assertEqual(204, self.delete(self.url(af['id']),
                                          headers=self.user).status_code)
        for headers in (self.user, self.admin):
            for field, value in (('status', 'active'),
                                 ('status', 'drafted'),
                                 ('visibility', 'public'),
                                 ('description', 'x')):
                resp = self.patch(self.url(af['id']), [
                    {'op': 'replace', 'path': '/' + field,
                     'value': value}], headers=headers)
                self.assertError(403, resp)
            self.assertError(403, self.delete(self.url(af['id']),
                                              headers=headers))
        self.assertEqual('deleted', self.show(af['id'])['status'])
