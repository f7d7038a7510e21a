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

"""Updating artifacts with JSON patch (SPEC §8 update)."""

import email.utils
import json
import time
import uuid

from glare.tests.functional import base


def op(operation, path, *value, **extra):
    doc = {'op': operation, 'path': path}
    if value:
        doc['value'] = value[0]
    doc.update(extra)
    return doc


@base.with_backends
class UpdateTests:

    def patch_error(self, code, artifact_id, ops, headers=None,
                    contains=None):
        resp = self.patch(self.url(artifact_id), ops,
                          headers=self.user if headers is None else headers)
        return self.assertError(code, resp, contains)

    def wait_past(self, timestamp):
        """Poll the server's clock (Date header) until it is past the
        second of timestamp, so that any write would change updated_at."""
        deadline = time.monotonic() + 5
        shown = timestamp.replace('T', ' ').rstrip('Z')
        while time.monotonic() < deadline:
            date = self.get('/versions').headers['Date']
            now = email.utils.parsedate_to_datetime(date)
            if now.strftime('%Y-%m-%d %H:%M:%S') > shown:
                return
            time.sleep(0.05)
        self.fail('the server clock did not pass %s' % timestamp)

    def test_replace_and_add_scalars(self):
        af = self.create()
        new = self.update(af['id'], [
            op('replace', '/int1', 5), op('add', '/int2', '7'),
            op('replace', '/float1', '1.5'), op('replace', '/bool1', 'true'),
            op('replace', '/str1', 'text'), op('add', '/description', 'd'),
            op('replace', '/name', af['name'] + '-new'),
            op('replace', '/version', '2'),
            op('replace', '/tags', ['x', 'y', 'x']),
            op('replace', '/metadata', {'k': 'v'}),
            op('replace', '/list_of_int', ['1', 2]),
            op('replace', '/dict_of_int', {'a': '1'})])
        self.assertEqual((5, 7, 1.5, True, 'text', 'd', af['name'] + '-new',
                          '2.0.0', ['x', 'y'], {'k': 'v'}, [1, 2],
                          {'a': 1}),
                         tuple(new[k] for k in (
                             'int1', 'int2', 'float1', 'bool1', 'str1',
                             'description', 'name', 'version', 'tags',
                             'metadata', 'list_of_int', 'dict_of_int')))
        self.assertEqual(new, self.show(af['id']))
        self.assertEqual(af['created_at'], new['created_at'])
        self.assertEqual(af['owner'], new['owner'])

    def test_list_members(self):
        af = self.create(list_of_str=['a', 'b'], tags=['t1'])
        steps = ((op('add', '/list_of_str/-', 'c'), ['a', 'b', 'c']),
                 (op('add', '/list_of_str/0', 'z'), ['z', 'a', 'b', 'c']),
                 (op('replace', '/list_of_str/1', 'A'),
                  ['z', 'A', 'b', 'c']),
                 (op('remove', '/list_of_str/0'), ['A', 'b', 'c']),
                 (op('remove', '/list_of_str/2'), ['A', 'b']))
        for patch_op, expected in steps:
            self.assertEqual(expected, self.update(
                af['id'], [patch_op])['list_of_str'], patch_op)
        self.assertEqual(['A', 'b'], self.show(af['id'])['list_of_str'])
        self.assertEqual([5], self.update(af['id'], [
            op('add', '/list_of_int/-', '5')])['list_of_int'])
        # duplicate tags are dropped
        self.assertEqual(['t1', 't2'], self.update(af['id'], [
            op('add', '/tags/-', 't2'), op('add', '/tags/-', 't1')])['tags'])

    def test_dict_members(self):
        af = self.create(dict_of_str={'a': '1'})
        steps = ((op('add', '/dict_of_str/k', 'v'), {'a': '1', 'k': 'v'}),
                 # add on an existing member replaces it
                 (op('add', '/dict_of_str/k', 'w'), {'a': '1', 'k': 'w'}),
                 (op('replace', '/dict_of_str/k', 'x'), {'a': '1',
                                                         'k': 'x'}),
                 (op('remove', '/dict_of_str/a'), {'k': 'x'}),
                 (op('add', '/dict_of_str/a~1b', 'slash'),
                  {'k': 'x', 'a/b': 'slash'}))
        for patch_op, expected in steps:
            self.assertEqual(expected, self.update(
                af['id'], [patch_op])['dict_of_str'], patch_op)
        self.assertEqual({'n': 3}, self.update(af['id'], [
            op('add', '/dict_of_int/n', '3')])['dict_of_int'])
        self.assertEqual({'abc': 'x'}, self.update(af['id'], [
            op('add', '/dict_validators', {}),
            op('add', '/dict_validators/abc', 'x')])['dict_validators'])
        self.assertEqual({'k': 'x', 'a/b': 'slash'},
                         self.show(af['id'])['dict_of_str'])

    def test_add_on_existing_top_level_member_replaces(self):
        af = self.create(int1=1, list_of_str=['a'], dict_of_str={'a': 'b'})
        new = self.update(af['id'], [op('add', '/int1', 2),
                                     op('add', '/list_of_str', ['c']),
                                     op('add', '/dict_of_str', {'c': 'd'})])
        self.assertEqual((2, ['c'], {'c': 'd'}),
                         (new['int1'], new['list_of_str'],
                          new['dict_of_str']))

    def test_replace_null_resets(self):
        af = self.create(bool1=True, list_of_str=['a'],
                         dict_of_str={'a': 'b'}, int1=1, str1='s',
                         float1=1.0, tags=['t'], metadata={'m': 'n'},
                         dict_validators={'abc': 'x'}, link1='http://x.io',
                         description='words')
        new = self.update(af['id'], [
            op('replace', '/' + name, None) for name in (
                'bool1', 'list_of_str', 'dict_of_str', 'int1', 'str1',
                'float1', 'tags', 'metadata', 'dict_validators', 'link1',
                'description')])
        self.assertEqual({
            'bool1': False, 'list_of_str': [], 'dict_of_str': {},
            'int1': None, 'str1': None, 'float1': None, 'tags': [],
            'metadata': {}, 'dict_validators': None, 'link1': None,
            'description': None},
            {k: new[k] for k in ('bool1', 'list_of_str', 'dict_of_str',
                                 'int1', 'str1', 'float1', 'tags',
                                 'metadata', 'dict_validators', 'link1',
                                 'description')})
        self.assertEqual(new, self.show(af['id']))

    def test_null_for_required_base_fields_400(self):
        af = self.create()
        for name in ('name', 'version'):
            self.patch_error(400, af['id'], [op('replace', '/' + name,
                                                None)], contains=name)

    def test_blob_fields_400(self):
        af = self.create()
        for patch_op in (op('replace', '/blob', None),
                         op('add', '/blob', {'url': 'http://x.io'}),
                         op('remove', '/small_blob'),
                         op('add', '/dict_of_blobs/x', {'url': 'u'}),
                         op('replace', '/dict_of_blobs', {})):
            self.patch_error(400, af['id'], [patch_op])

    def test_remove_top_level_400(self):
        af = self.create(int1=1, tags=['a'])
        for name in ('int1', 'tags', 'name', 'description', 'metadata',
                     'list_of_str'):
            self.patch_error(400, af['id'], [op('remove', '/' + name)],
                             contains=name)
        self.assertEqual(af, self.show(af['id']))

    def test_system_fields_403(self):
        af = self.create()
        for name, value in (('system_attribute', 'x'),
                            ('id', str(uuid.uuid4())), ('owner', 'me'),
                            ('created_at', '2020-01-01T00:00:00Z'),
                            ('updated_at', '2020-01-01T00:00:00Z'),
                            ('activated_at', '2020-01-01T00:00:00Z'),
                            ('display_type_name', 'x')):
            self.patch_error(403, af['id'], [op('replace', '/' + name,
                                                value)])
        self.assertEqual(af, self.show(af['id']))

    def test_unknown_field_400(self):
        af = self.create()
        for patch_op in (op('replace', '/nope', 1), op('add', '/nope', 1),
                         op('remove', '/nope'),
                         op('add', '/__some_meta_information__', 'x'),
                         op('add', '/type_name', 'x')):
            self.patch_error(400, af['id'], [patch_op])

    def test_invalid_values_400(self):
        af = self.create(list_validators=['a', 'b', 'c'])
        for patch_op in (op('replace', '/int1', 'abc'),
                         op('replace', '/float1', []),
                         op('replace', '/bool1', 'perhaps'),
                         op('replace', '/string_regex', 'x'),
                         op('replace', '/int_validators', 100),
                         op('replace', '/list_validators', ['a', 'a']),
                         op('add', '/list_validators/-', 'd'),
                         op('add', '/dict_validators', {'xyz': 'a'}),
                         op('replace', '/name', ''),
                         op('replace', '/name', 'n' * 256),
                         op('replace', '/str1', 's' * 256),
                         op('replace', '/str1', 'a\x00b'),
                         op('replace', '/version', 'abc'),
                         op('add', '/tags/-', 'a,b'),
                         op('add', '/list_of_int/-', 'x'),
                         op('add', '/dict_of_int/k', 'y'),
                         op('replace', '/link1', 'nowhere'),
                         op('replace', '/link1',
                            '/artifacts/sample_artifact/%s' % uuid.uuid4()),
                         op('replace', '/status', 'bogus'),
                         op('replace', '/visibility', 'bogus')):
            self.patch_error(400, af['id'], [patch_op])
        self.assertEqual(af, self.show(af['id']))

    def test_links_to_visible_artifacts(self):
        mine = self.create()
        theirs = self.create(headers=self.auth(self.new_project()))
        af = self.create()
        link = '/artifacts/sample_artifact/%s' % mine['id']
        new = self.update(af['id'], [op('replace', '/link1', link),
                                     op('add', '/list_of_links/-', link),
                                     op('add', '/dict_of_links/m', link)])
        self.assertEqual((link, [link], {'m': link}),
                         (new['link1'], new['list_of_links'],
                          new['dict_of_links']))
        self.patch_error(400, af['id'], [op(
            'replace', '/link2', '/artifacts/sample_artifact/%s' %
            theirs['id'])])
        self.patch_error(400, af['id'], [op(
            'replace', '/link2', '/artifacts/images/%s' % mine['id'])])
        # links are checked when written, never when read
        self.assertEqual(204, self.delete(self.url(mine['id']),
                                          headers=self.user).status_code)
        self.assertEqual(link, self.show(af['id'])['link1'])

    def test_immutable_fields_of_active_artifact_403(self):
        af = self.create(list_of_str=['a'])
        self.activate(af['id'])
        for patch_op in (op('replace', '/int1', 1),
                         op('replace', '/str1', 's'),
                         op('replace', '/name', 'other'),
                         op('replace', '/version', '9.9.9'),
                         op('add', '/list_of_str/-', 'b'),
                         op('replace', '/metadata', {'a': 'b'}),
                         op('replace', '/string_required', 'again'),
                         op('replace', '/bool1', True)):
            self.patch_error(403, af['id'], [patch_op])
        # mutable fields still change
        new = self.update(af['id'], [
            op('replace', '/string_mutable', 'm'),
            op('replace', '/description', 'desc'),
            op('add', '/tags/-', 'tag'),
            op('add', '/dict_of_links/l', 'http://example.com'),
            op('add', '/list_of_links/-', 'https://example.com')])
        self.assertEqual(('m', 'desc', ['tag'], {'l': 'http://example.com'},
                          ['https://example.com'], 'active'),
                         tuple(new[k] for k in (
                             'string_mutable', 'description', 'tags',
                             'dict_of_links', 'list_of_links', 'status')))
        # one immutable change spoils the whole patch
        self.patch_error(403, af['id'], [op('replace', '/description', 'z'),
                                         op('replace', '/int1', 1)])
        self.assertEqual(new, self.show(af['id']))

    def test_deactivated_artifact_cannot_change(self):
        af = self.create()
        self.activate(af['id'])
        self.set_values(af['id'], headers=self.admin, status='deactivated')
        for headers in (self.user, self.admin):
            self.patch_error(403, af['id'], [
                op('replace', '/description', 'x')], headers=headers)
            self.patch_error(403, af['id'], [
                op('replace', '/string_mutable', 'x')], headers=headers)

    def test_noop_patch_writes_nothing(self):
        af = self.create(int1=5, tags=['a', 'b'], dict_of_str={'k': 'v'},
                         list_of_str=['x'], description='d')
        self.wait_past(af['updated_at'])
        for ops in ([],
                    [op('replace', '/int1', 5)],
                    [op('replace', '/int1', '5')],
                    [op('replace', '/tags', ['a', 'b'])],
                    [op('replace', '/tags', ['a', 'b', 'a'])],
                    [op('add', '/dict_of_str/k', 'v')],
                    [op('replace', '/list_of_str/0', 'x')],
                    [op('replace', '/description', 'd')],
                    [op('replace', '/status', 'drafted')],
                    [op('replace', '/visibility', 'private')],
                    [op('replace', '/bool1', False)],
                    [op('replace', '/bool1', None)],
                    [op('replace', '/int1', 6), op('replace', '/int1', 5)],
                    [op('test', '/int1', 5)]):
            self.assertEqual(af, self.update(af['id'], ops), ops)
        self.assertEqual(af, self.show(af['id']))
        # while a real change moves updated_at on
        new = self.update(af['id'], [op('replace', '/int1', 6)])
        self.assertGreater(new['updated_at'], af['updated_at'])
        self.assertEqual(af['created_at'], new['created_at'])

    def test_name_and_version_changes_recheck_uniqueness(self):
        name = self.unique()
        a = self.create(name=name, version='1.0')
        b = self.create(name=name, version='2.0')
        c = self.create(version='1.0')
        for artifact_id, ops in (
                (b['id'], [op('replace', '/version', '1.0.0')]),
                (b['id'], [op('replace', '/version', '1')]),
                (c['id'], [op('replace', '/name', name)]),
                (c['id'], [op('replace', '/name', name),
                           op('replace', '/version', '2.0')])):
            self.patch_error(409, artifact_id, ops)
        self.assertEqual(b, self.show(b['id']))
        self.assertEqual(c, self.show(c['id']))
        self.assertEqual('3.0.0', self.update(b['id'], [
            op('replace', '/version', '3')])['version'])
        # the same name and version in another project is no clash
        theirs = self.create(name=self.unique(), version='1.0',
                             headers=self.auth(self.new_project()))
        self.assertEqual(theirs['name'], self.update(c['id'], [
            op('replace', '/name', theirs['name'])])['name'])
        # the version b left is free again
        self.assertEqual('2.0.0', self.update(b['id'], [
            op('replace', '/version', '2.0')])['version'])
        self.assertEqual('1.0.0', self.show(a['id'])['version'])

    def test_wrong_content_type_415(self):
        af = self.create()
        body = json.dumps([op('replace', '/int1', 1)])
        for ctype in ('application/json', 'text/plain',
                      'application/merge-patch+json'):
            self.assertError(415, self.request(
                'PATCH', self.url(af['id']), headers=self.user, data=body,
                content_type=ctype))
        self.assertEqual(af, self.show(af['id']))

    def test_empty_body_400(self):
        af = self.create()
        self.assertError(400, self.request(
            'PATCH', self.url(af['id']), headers=self.user,
            content_type='application/json-patch+json'))
        self.assertError(400, self.request('PATCH', self.url(af['id']),
                                           headers=self.user))

    def test_invalid_patch_documents_400(self):
        af = self.create(int1=1, list_of_str=['a'])
        for ops in ({}, {'op': 'replace', 'path': '/int1', 'value': 2},
                    'replace', [1], [[]], [{}], [None],
                    [{'op': 'replace'}],
                    [{'path': '/int1', 'value': 2}],
                    [{'op': 'bogus', 'path': '/int1', 'value': 2}],
                    [{'op': 'replace', 'path': 'int1', 'value': 2}],
                    [{'op': 'replace', 'path': '/int1'}],
                    [{'op': 'replace', 'path': 5, 'value': 2}],
                    [{'op': 'replace', 'path': '', 'value': {}}],
                    [{'op': 'replace', 'path': '/', 'value': 2}],
                    [{'op': 'replace', 'path': '/int1/x', 'value': 2}],
                    [{'op': 'replace', 'path': '/list_of_str/5',
                      'value': 'x'}],
                    [{'op': 'replace', 'path': '/list_of_str/x',
                      'value': 'x'}],
                    [{'op': 'remove', 'path': '/list_of_str/3'}],
                    [{'op': 'replace', 'path': '/dict_of_str/missing',
                      'value': 'x'}],
                    [{'op': 'remove', 'path': '/dict_of_str/missing'}],
                    [{'op': 'move', 'from': '/nope', 'path': '/int2'}]):
            self.patch_error(400, af['id'], ops)
        for raw in (b'[', b'[{"op": "replace", "path": "/int1", '
                          b'"value": NaN}]', b'\xff'):
            self.assertError(400, self.request(
                'PATCH', self.url(af['id']), headers=self.user, data=raw,
                content_type='application/json-patch+json'))
        self.assertEqual(af, self.show(af['id']))

    def test_patch_other_projects_artifact(self):
        af = self.create()
        other = self.auth(self.new_project())
        self.patch_error(404, af['id'], [op('replace', '/int1', 1)],
                         headers=other)
        self.assertEqual(3, self.update(af['id'], [
            op('replace', '/int1', 3)], headers=self.admin)['int1'])

    def test_patch_missing_artifact_404(self):
        for artifact_id in (str(uuid.uuid4()), 'not-a-uuid'):
            self.patch_error(404, artifact_id, [op('replace', '/int1', 1)])

    def test_patch_through_all_403(self):
        af = self.create()
        resp = self.patch(self.url(af['id'], 'all'),
                          [op('replace', '/description', 'x')],
                          headers=self.user)
        self.assertError(403, resp)
        self.assertEqual(af, self.show(af['id']))
