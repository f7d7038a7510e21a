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

"""A third-party artifact type package served by a real glare-api.

The package is glare/tests/fixtures/glare_example_type (the guide's worked
example). Its dist-info, as pip would write it, goes to a temporary
directory on the server's PYTHONPATH, and the type is named in
``enabled_artifact_types``: the server finds it through stevedore by its
entry point alone. A type that cannot be loaded stops the server with a
message naming it.
"""

import os
import shutil
import tempfile
import unittest
from unittest import mock
import uuid

from glare.tests import example_type
from glare.tests.functional import base
from glare.tests.functional import test_blobs

TYPE = example_type.TYPE_NAME
PROTECTED = 'artifact:property:%s.audience:write' % TYPE


def _on_pythonpath(paths):
    """os.environ (which the server inherits) with paths on PYTHONPATH."""
    current = os.environ.get('PYTHONPATH')
    value = os.pathsep.join(paths + ([current] if current else []))
    return mock.patch.dict(os.environ, {'PYTHONPATH': value})


def _distribution(test_cls, extra_entry_points=None):
    """The example package's dist-info in a directory of the class's."""
    tmp = tempfile.mkdtemp(prefix='glare-example-type-')
    test_cls.addClassCleanup(shutil.rmtree, tmp, True)
    return example_type.make_distribution(
        os.path.join(tmp, 'site'), extra_entry_points)


class OutOfTreeTypeTest(test_blobs.BlobMixin, base.FunctionalTest):
    """example_notes next to a builtin type, on SQLite."""

    BACKEND = 'sqlite'
    CONFIG = {
        'DEFAULT': {'enabled_artifact_types': ['images', TYPE]},
        # per-type options work for a plugin's type as for a builtin one
        'artifact_type:%s' % TYPE: {'default_store': 'database'},
    }
    POLICY = {PROTECTED: 'role:admin'}

    @classmethod
    def setUpClass(cls):
        with _on_pythonpath(_distribution(cls)):
            super().setUpClass()

    def url(self, artifact_id=None, type_name=TYPE):
        return super().url(artifact_id, type_name)

    def new_note(self, **fields):
        return self.create(type_name=TYPE, topic=fields.pop(
            'topic', self.unique('topic')), **fields)

    def test_served_next_to_builtin_types(self):
        resp = self.get('/schemas', headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        schemas = resp.json()['schemas']
        self.assertIn('images', schemas)
        self.assertIn(TYPE, schemas)
        self.assertNotIn('heat_templates', schemas)
        note = schemas[TYPE]
        self.assertEqual('Example Notes', note['display_name'])
        self.assertEqual('1.3', note['version'])
        self.assertEqual('Blob', note['properties']['notes']['glareType'])
        self.assertTrue(note['properties']['reviewers']['mutable'])

    def test_create_show_list(self):
        topic = self.unique('topic')
        af = self.new_note(topic=topic, reviewers=['ann', 'bob'])
        self.assertEqual('Example Notes', af['display_type_name'])
        self.assertEqual('everyone', af['audience'])
        self.assertIsNone(af['line_count'])
        self.assertEqual(af, self.show(af['id'], type_name=TYPE))
        self.new_note(topic=topic + '-other')
        self.assertEqual([af['id']], self.list_ids('topic=' + topic,
                                                   type_name=TYPE))
        in_all = {a['id']: a['type_name'] for a in self.list(
            'owner=' + self.project, type_name='all')['artifacts']}
        self.assertEqual(TYPE, in_all[af['id']])

    def test_field_validators(self):
        for fields in ({'audience': 'nobody'}, {'topic': ''},
                       {'reviewers': ['ann', 'ann']}):
            resp = self.post(self.url(), dict(
                {'name': self.unique(), 'topic': 't'}, **fields),
                headers=self.user)
            self.assertError(400, resp)

    def test_upload_sets_line_count(self):
        af = self.new_note()
        text = 'first line\nsecond, caf\u00e9\nthird'.encode()
        out = self.upload(af['id'], 'notes', text,
                          content_type='text/plain')
        self.assertEqual(3, out['line_count'])
        self.assertEqual(len(text), out['notes']['size'])
        self.assertEqual(text, self.download(af['id'], 'notes').content)
        self.assertEqual([], self.store_files())  # the database store
        active = self.activate(af['id'], type_name=TYPE)
        self.assertEqual('active', active['status'])
        self.assertEqual(3, active['line_count'])

    def test_upload_check_refuses_data(self):
        af = self.new_note()
        self.upload(af['id'], 'notes', b'kept\n')
        for data in (b'bin\x00ary', b'caf\xe9', b'\xc3'):
            body = self.assertError(400, self.put_data(af['id'], 'notes',
                                                       data))
            self.assertIn('The uploaded data is not valid',
                          body['error']['message'])
        after = self.show(af['id'], type_name=TYPE)
        self.assertEqual(1, after['line_count'])
        self.assertEqual(b'kept\n', self.download(af['id'], 'notes').content)

    def test_property_protection(self):
        af = self.new_note()
        resp = self.patch(self.url(af['id']), [
            {'op': 'replace', 'path': '/audience', 'value': 'operators'}],
            headers=self.user)
        self.assertError(403, resp, 'audience')
        mine = self.create(type_name=TYPE, headers=self.admin, topic='t',
                           audience='operators')
        self.assertEqual('operators', mine['audience'])


class UnloadableTypeTest(unittest.TestCase):
    """Naming a type that cannot load keeps the service from starting."""

    def start(self, enabled, extra_entry_points=None):
        workdir = tempfile.mkdtemp(prefix='glare-functional-')
        if not os.environ.get('GLARE_TEST_KEEP_LOGS'):
            self.addCleanup(shutil.rmtree, workdir, True)
        server = base.GlareServer(
            workdir, 'sqlite:///%s' % os.path.join(workdir, 'state',
                                                   'glare.sqlite'),
            config={'DEFAULT': {'enabled_artifact_types': enabled}})
        self.addCleanup(server.stop)
        paths = example_type.make_distribution(
            os.path.join(workdir, 'site'), extra_entry_points)
        with _on_pythonpath(paths):
            err = self.assertRaises(base.ServerFailed, server.start)
        return str(err)

    def assertRaises(self, exc_class, func):
        try:
            func()
        except exc_class as exc:
            return exc
        self.fail('%s not raised' % exc_class.__name__)

    def test_unknown_type(self):
        name = 'example_%s' % uuid.uuid4().hex[:8]
        log = self.start([TYPE, name])
        self.assertIn('Cannot load artifact types: %s (no entry point in '
                      'glare.artifact_types)' % name, log)
        self.assertNotIn('%s (' % TYPE, log)

    def test_module_that_does_not_import(self):
        log = self.start(['images', 'example_broken'], {
            'example_broken': 'glare_example_type.missing:Notes'})
        self.assertIn('Cannot load artifact types: example_broken (', log)
        self.assertIn("No module named 'glare_example_type.missing'", log)
