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

"""JSON patch and create-body rules of glare.services.patching (SPEC §8).

Through the module's public functions only (create_values, apply,
check_field_changes, inspected_changes), on the sample_artifact type that
has a field of every kind; no database: links in these values are http
URLs, which are recorded as given.
"""

from glare import context
from glare import exception
from glare.services import patching
from glare.tests import base
from glare.tests import sample_artifact

SAMPLE = sample_artifact.SampleArtifact
ARTIFACT_ID = '0b1d0d5e-2a60-4a7e-9a3c-6c1a4d7e8f90'


PROTECT_STR1 = '"artifact:property:sample_artifact.str1:write": "role:admin"'


def ctx(project_id='p1', roles=('member',)):
    return context.RequestContext(user_id='u-' + project_id,
                                  project_id=project_id, roles=list(roles),
                                  overwrite=False)


def op(name, path, value=None, **extra):
    out = dict(op=name, path=path, **extra)
    if name in ('add', 'replace', 'test'):
        out['value'] = value
    return out


class PatchingTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.useFixture(base.PolicyFixture())
        self.context = ctx()
        self.current = self.stored(name='art')

    def stored(self, status='drafted', **body):
        """The values of a stored artifact made from a create body."""
        values = patching.create_values(self.context, SAMPLE, body)
        values.update(id=ARTIFACT_ID, owner='p1', status=status)
        return values

    def apply(self, *ops, current=None):
        change = patching.apply(self.context, SAMPLE,
                                current or self.current, list(ops))
        return change.fields

    def refused(self, error, *ops, current=None):
        exc = self.assertRaises(error, self.apply, *ops, current=current)
        return str(exc)


class TestAdd(PatchingTestCase):

    def test_add_on_an_existing_field_replaces_it(self):
        self.assertEqual({'name': 'new'}, self.apply(op('add', '/name',
                                                        'new')))
        self.assertEqual({'int1': 7}, self.apply(op('add', '/int1', 7)))

    def test_add_on_an_existing_dict_key_replaces_it(self):
        current = self.stored(name='art', metadata={'k': 'old', 'j': 'x'})
        self.assertEqual({'metadata': {'k': 'new', 'j': 'x'}},
                         self.apply(op('add', '/metadata/k', 'new'),
                                    current=current))

    def test_add_a_dict_key(self):
        self.assertEqual({'metadata': {'k': 'v'}},
                         self.apply(op('add', '/metadata/k', 'v')))
        self.assertEqual({'dict_of_int': {'a': 1, 'b': 2}},
                         self.apply(op('add', '/dict_of_int/a', 1),
                                    op('add', '/dict_of_int/b', 2)))

    def test_dict_keys_are_json_pointer_unescaped(self):
        self.assertEqual({'metadata': {'a/b': '1', 'c~d': '2'}},
                         self.apply(op('add', '/metadata/a~1b', '1'),
                                    op('add', '/metadata/c~0d', '2')))

    def test_dash_appends_to_a_list(self):
        current = self.stored(name='art', list_of_int=[1, 2])
        self.assertEqual({'list_of_int': [1, 2, 3, 4]},
                         self.apply(op('add', '/list_of_int/-', 3),
                                    op('add', '/list_of_int/-', 4),
                                    current=current))

    def test_add_at_a_list_index_inserts(self):
        current = self.stored(name='art', list_of_str=['a', 'c'])
        self.assertEqual({'list_of_str': ['a', 'b', 'c']},
                         self.apply(op('add', '/list_of_str/1', 'b'),
                                    current=current))

    def test_tags_are_deduplicated_in_order(self):
        current = self.stored(name='art', tags=['x'])
        self.assertEqual({'tags': ['x', 'a', 'b']},
                         self.apply(op('add', '/tags/-', 'a'),
                                    op('add', '/tags/-', 'x'),
                                    op('add', '/tags/-', 'b'),
                                    op('add', '/tags/-', 'a'),
                                    current=current))
        self.assertEqual({'tags': ['b', 'a']},
                         self.apply(op('replace', '/tags',
                                       ['b', 'a', 'b', 'a'])))

    def test_values_are_coerced_and_validated(self):
        self.assertEqual({'metadata': {'k': '1'}},
                         self.apply(op('add', '/metadata/k', 1)))
        self.assertEqual({'float1': 2.0}, self.apply(op('add', '/float1',
                                                        2)))
        self.assertEqual({'link1': 'http://example.com/x'},
                         self.apply(op('add', '/link1',
                                       'http://example.com/x')))
        for patch in ([op('add', '/int1', 'seven')],
                      [op('add', '/int_validators', 9)],
                      [op('add', '/string_validators', 'zz')],
                      [op('add', '/list_validators', ['a', 'a'])],
                      [op('add', '/dict_validators', {'nope': 'x'})],
                      [op('add', '/tags/-', 'a,b')],
                      [op('add', '/tags/-', '')]):
            message = self.refused(exception.BadRequest, *patch)
            self.assertIn('Invalid value for field', message)


class TestReplaceWithNull(PatchingTestCase):

    def setUp(self):
        super().setUp()
        self.current = self.stored(
            name='art', tags=['t'], metadata={'k': 'v'}, bool1=True,
            int1=3, str1='s', list_of_int=[1], dict_of_str={'a': 'b'},
            dict_validators={'abc': 'x'}, description='d')

    def test_lists_dicts_and_bools_get_their_defaults(self):
        self.assertEqual(
            {'tags': [], 'metadata': {}, 'bool1': False, 'list_of_int': [],
             'dict_of_str': {}, 'dict_validators': None},
            self.apply(*(op('replace', '/' + name, None) for name in (
                'tags', 'metadata', 'bool1', 'list_of_int', 'dict_of_str',
                'dict_validators'))))

    def test_nullable_scalars_become_null(self):
        self.assertEqual({'int1': None, 'str1': None},
                         self.apply(op('replace', '/int1', None),
                                    op('replace', '/str1', None)))

    def test_non_nullable_scalars_refuse_null(self):
        for name in ('name', 'version'):
            message = self.refused(exception.BadRequest,
                                   op('replace', '/' + name, None))
            self.assertIn('Field %s cannot be null' % name, message)

    def test_empty_container_of_a_null_default_is_null(self):
        # no rows store {} or null alike; the change says what a GET shows
        self.assertEqual({'dict_validators': None},
                         self.apply(op('replace', '/dict_validators', {})))


class TestRemove(PatchingTestCase):

    def test_a_top_level_field_cannot_be_removed(self):
        for name in ('name', 'tags', 'metadata', 'int1'):
            message = self.refused(exception.BadRequest,
                                   op('remove', '/' + name))
            self.assertIn('Field %s cannot be removed' % name, message)
        self.refused(exception.BadRequest,
                     op('move', '/str1', **{'from': '/description'}))

    def test_members_can_be_removed(self):
        current = self.stored(name='art', tags=['a', 'b'],
                              metadata={'k': 'v', 'j': 'w'})
        self.assertEqual({'tags': ['b'], 'metadata': {'j': 'w'}},
                         self.apply(op('remove', '/tags/0'),
                                    op('remove', '/metadata/k'),
                                    current=current))

    def test_a_missing_member_is_an_invalid_patch(self):
        for patch in (op('remove', '/metadata/nope'),
                      op('remove', '/tags/0'),
                      op('replace', '/metadata/nope', 'x')):
            self.refused(exception.InvalidJsonPatch, patch)


class TestRefusedFields(PatchingTestCase):

    def test_blob_fields(self):
        for path in ('/blob', '/small_blob', '/dict_of_blobs',
                     '/dict_of_blobs/key'):
            for operation in (op('add', path, {'url': 'http://x/y'}),
                              op('replace', path, None)):
                message = self.refused(exception.BadRequest, operation)
                self.assertIn('cannot be changed with a patch', message)
        self.refused(exception.BadRequest,
                     op('copy', '/str1', **{'from': '/blob'}))

    def test_unknown_fields(self):
        for operation in (op('add', '/nope', 1), op('replace', '/nope/x', 1),
                          op('copy', '/str1', **{'from': '/nope'}),
                          op('add', '/%s' % '__some_meta_information__',
                             'x')):
            message = self.refused(exception.BadRequest, operation)
            self.assertIn('Unknown field', message)

    def test_system_fields_are_read_only(self):
        for name in ('id', 'owner', 'created_at', 'updated_at',
                     'activated_at', 'system_attribute',
                     'display_type_name'):
            message = self.refused(exception.Forbidden,
                                   op('replace', '/' + name, 'x'))
            self.assertIn('Field %s is read-only' % name, message)

    def test_scalar_fields_have_no_members(self):
        message = self.refused(exception.BadRequest,
                               op('add', '/str1/x', 'y'))
        self.assertIn('Field str1 has no members', message)

    def test_nothing_applies_when_one_operation_is_refused(self):
        # the checks come first: a later refused operation stops them all
        self.refused(exception.Forbidden, op('replace', '/name', 'new'),
                     op('replace', '/id', ARTIFACT_ID))


class TestInvalidPatches(PatchingTestCase):

    def test_the_patch_is_a_list_of_objects(self):
        for patch in ({'op': 'add'}, 'add', None, 1):
            self.assertRaises(exception.InvalidJsonPatch, patching.apply,
                              self.context, SAMPLE, self.current, patch)
        self.refused(exception.InvalidJsonPatch, 'add')
        self.refused(exception.InvalidJsonPatch, ['add', '/name'])

    def test_a_member_of_a_null_dict(self):
        # dict_validators defaults to null, not {}: no member to add to
        self.refused(exception.InvalidJsonPatch,
                     op('add', '/dict_validators/abc', 'x'))

    def test_bad_pointers(self):
        for path in ('name', '', 7, None, ['/name']):
            self.refused(exception.InvalidJsonPatch,
                         {'op': 'replace', 'path': path, 'value': 'x'})
        self.refused(exception.InvalidJsonPatch,
                     op('add', '/list_of_int/x', 1))
        self.refused(exception.InvalidJsonPatch,
                     op('add', '/list_of_int/5', 1))
        self.refused(exception.InvalidJsonPatch,
                     op('add', '/list_of_int/01', 1))

    def test_bad_operations(self):
        for operation in ({'op': 'frobnicate', 'path': '/name'},
                          {'path': '/name', 'value': 'x'},
                          {'op': 'add', 'path': '/name'},
                          {'op': 'move', 'path': '/str1'},
                          {'op': 'test', 'path': '/name', 'value': 'other'}):
            self.refused(exception.InvalidJsonPatch, operation)

    def test_invalid_patch_errors_are_400(self):
        exc = self.assertRaises(exception.InvalidJsonPatch, self.apply,
                                op('remove', '/metadata/nope'))
        self.assertEqual(400, exc.code)
        self.assertIn('Invalid JSON patch', str(exc))


class TestChanges(PatchingTestCase):

    def test_a_patch_that_changes_nothing_changes_no_field(self):
        current = self.stored(name='art', tags=['a'], int1=1)
        change = patching.apply(self.context, SAMPLE, current, [
            op('replace', '/name', 'art'), op('test', '/int1', 1),
            op('add', '/tags/-', 'a'), op('replace', '/int1', 2),
            op('replace', '/int1', 1), op('replace', '/bool1', None)])
        self.assertEqual({}, change.fields)
        self.assertEqual([], change.transitions)

    def test_only_changed_fields_are_returned(self):
        self.assertEqual({'str1': 'x', 'list_of_str': ['y']},
                         self.apply(op('replace', '/str1', 'x'),
                                    op('add', '/list_of_str/-', 'y'),
                                    op('replace', '/name', 'art')))

    def test_move_and_copy(self):
        current = self.stored(name='art', str1='s', metadata={'a': 'x'})
        self.assertEqual({'metadata': {'b': 'x'}},
                         self.apply(op('move', '/metadata/b',
                                       **{'from': '/metadata/a'}),
                                    current=current))
        self.assertEqual({'tags': ['x']},
                         self.apply(op('copy', '/tags/-',
                                       **{'from': '/metadata/a'}),
                                    current=current))
        self.assertEqual({'description': 's'},
                         self.apply(op('copy', '/description',
                                       **{'from': '/str1'}),
                                    current=current))

    def test_the_current_values_are_not_modified(self):
        current = self.stored(name='art', tags=['a'], metadata={'k': 'v'})
        before = repr(current)
        self.apply(op('add', '/tags/-', 'b'), op('remove', '/metadata/k'),
                   current=current)
        self.assertEqual(before, repr(current))

    def test_status_and_visibility_are_transitions_not_fields(self):
        change = patching.apply(self.context, SAMPLE, self.current, [
            op('replace', '/status', 'active'), op('replace', '/str1', 'x')])
        self.assertEqual({'str1': 'x'}, change.fields)
        self.assertEqual([('activate', 'status', 'active')],
                         [(t.name, t.field, t.value)
                          for t in change.transitions])
        active = dict(self.current, status='active')
        change = patching.apply(self.context, SAMPLE, active, [
            op('replace', '/visibility', 'public')])
        self.assertEqual({}, change.fields)
        self.assertEqual([('publish', 'visibility', 'public')],
                         [(t.name, t.field, t.value)
                          for t in change.transitions])

    def test_unknown_status_or_visibility(self):
        for name in ('status', 'visibility'):
            message = self.refused(exception.BadRequest,
                                   op('replace', '/' + name, 'bogus'))
            self.assertIn('Invalid value for field %s' % name, message)

    def test_forbidden_transitions(self):
        for name, value in (('status', 'drafted'), ('status', 'deleted')):
            active = dict(self.current, status='active')
            self.refused(exception.Forbidden,
                         op('replace', '/' + name, value), current=active)


class TestCheckFieldChanges(PatchingTestCase):

    def check(self, current, **fields):
        patching.check_field_changes(self.context, SAMPLE, current,
                                     patching.Change(fields, []))

    def test_only_drafted_and_active_artifacts_change(self):
        for status in ('deactivated', 'deleted'):
            exc = self.assertRaises(exception.Forbidden, self.check,
                                    self.stored(name='a', status=status),
                                    str1='x')
            self.assertIn('in status %s cannot be changed' % status,
                          str(exc))

    def test_immutable_fields_of_active_artifacts(self):
        active = self.stored(name='a', status='active')
        exc = self.assertRaises(exception.Forbidden, self.check, active,
                                str1='x', name='b', string_mutable='m')
        self.assertIn('Fields name, str1 cannot be changed', str(exc))
        # mutable ones may change: the check returns without an error
        self.assertIsNone(self.check(active, string_mutable='m',
                                     description='d', tags=['t']))
        self.assertIsNone(self.check(self.stored(name='a'), str1='x',
                                     name='b'))

    def test_property_protection(self):
        self.useFixture(base.PolicyFixture(PROTECT_STR1))
        exc = self.assertRaises(exception.Forbidden, self.check,
                                self.current, str1='x')
        self.assertIn('field str1 of sample_artifact', str(exc))
        self.context = ctx(roles=('admin',))
        self.assertIsNone(self.check(self.current, str1='x'))


class TestCreateValues(PatchingTestCase):

    def create(self, **body):
        return patching.create_values(self.context, SAMPLE, body)

    def test_defaults_are_filled_in(self):
        values = self.create(name='a', int1=4)
        self.assertEqual(sorted(SAMPLE.fields), sorted(values))
        self.assertEqual(('a', 4, [], {}, False, None, 'drafted', 'private',
                          '0.0.0', 'default', None, {}),
                         tuple(values[n] for n in (
                             'name', 'int1', 'tags', 'metadata', 'bool1',
                             'int2', 'status', 'visibility', 'version',
                             'system_attribute', 'blob', 'dict_of_blobs')))

    def test_values_are_coerced(self):
        values = self.create(name='a', tags=['x', 'x', 'y'], float1=1,
                             version='1', metadata={'k': 2})
        self.assertEqual((['x', 'y'], 1.0, '1.0.0', {'k': '2'}),
                         (values['tags'], values['float1'],
                          values['version'], values['metadata']))

    def test_null_means_the_default(self):
        values = self.create(name='a', tags=None, bool1=None, int1=None)
        self.assertEqual(([], False, None),
                         (values['tags'], values['bool1'], values['int1']))
        self.assertRaises(exception.BadRequest, self.create, name=None)

    def test_refused_bodies(self):
        for body, error, message in (
                ({}, exception.BadRequest, 'name is required'),
                ({'name': 'a', 'status': 'active'}, exception.BadRequest,
                 'status cannot be set on create'),
                ({'name': 'a', 'visibility': 'public'},
                 exception.BadRequest, 'cannot be set on create'),
                ({'name': 'a', 'display_type_name': 'x'},
                 exception.BadRequest, 'cannot be set on create'),
                ({'name': 'a', 'nope': 1}, exception.BadRequest,
                 'Unknown field'),
                ({'name': 'a', 'id': ARTIFACT_ID}, exception.Forbidden,
                 'read-only'),
                ({'name': 'a', 'system_attribute': 'x'},
                 exception.Forbidden, 'read-only'),
                ({'name': 'a', 'blob': None}, exception.BadRequest,
                 'upload data instead'),
                ({'name': 'a', 'dict_of_blobs': {}}, exception.BadRequest,
                 'upload data instead'),
                ({'name': 'a', 'int1': 'x'}, exception.BadRequest,
                 'Invalid value for field int1'),
                ({'name': ''}, exception.BadRequest,
                 'Invalid value for field name')):
            exc = self.assertRaises(error, self.create, **body)
            self.assertIn(message, str(exc), body)

    def test_property_protection(self):
        self.useFixture(base.PolicyFixture(PROTECT_STR1))
        self.assertRaises(exception.Forbidden, self.create, name='a',
                          str1='x')
        self.assertEqual(3, self.create(name='a', int1=3)['int1'])


class TestInspectedChanges(PatchingTestCase):

    def inspected(self, values, current=None):
        return patching.inspected_changes(self.context, SAMPLE,
                                          current or self.current, values)

    def test_changes_and_dict_merges(self):
        current = self.stored(name='art', metadata={'a': '1', 'b': '2'},
                              int1=5)
        changed, merges = self.inspected(
            {'metadata': {'b': None, 'c': '3'}, 'int1': 5, 'str1': 'x'},
            current)
        self.assertEqual({'metadata': {'a': '1', 'c': '3'}, 'str1': 'x'},
                         changed)
        self.assertEqual({'metadata': {'b': None, 'c': '3'}}, merges)

    def test_nothing_to_change(self):
        self.assertEqual(({}, {}), self.inspected(None))
        self.assertEqual(({}, {}), self.inspected({'name': 'art',
                                                   'metadata': {}}))

    def test_fields_an_inspector_may_not_set(self):
        for name in ('blob', 'id', 'owner', 'system_attribute', 'status',
                     'visibility', 'display_type_name', 'nope'):
            exc = self.assertRaises(exception.BadRequest, self.inspected,
                                    {name: 'x'})
            self.assertIn('tried to set field %r' % name, str(exc))

    def test_held_to_the_patch_rules(self):
        active = self.stored(name='art', status='active')
        self.assertRaises(exception.Forbidden, self.inspected,
                          {'str1': 'x'}, active)
        self.assertEqual(({'string_mutable': 'x'}, {}),
                         self.inspected({'string_mutable': 'x'}, active))
        self.assertRaises(exception.BadRequest, self.inspected,
                          {'int1': 'x'})
