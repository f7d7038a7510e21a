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

"""The records of bundles (glare.services.bundle_records): link labels,
ids, type versions, field values and blobs read back from a record."""

import hashlib

from glare.bundles import layout
from glare import exception
from glare.services import bundle_records as records
from glare.tests import base
from glare.tests import sample_artifact

SAMPLE = sample_artifact.SampleArtifact
A = '0b1d0d5e-2a60-4a7e-9a3c-6c1a4d7e8f90'
B = '1c2e1e6f-3b71-4b8f-8b4d-7d2b5e8f9a01'


def link(art_id, type_name='sample_artifact'):
    return '/artifacts/%s/%s' % (type_name, art_id)


def stored(data, **extra):
    return dict({'url': '/x', 'size': len(data), 'md5': None, 'sha1': None,
                 'sha256': hashlib.sha256(data).hexdigest(),
                 'external': False, 'status': 'active',
                 'content_type': 'text/plain'}, **extra)


def ref(field, data):
    return layout.LayerRef({
        'mediaType': 'text/plain', 'size': len(data),
        'digest': 'sha256:' + hashlib.sha256(data).hexdigest(),
        'annotations': {layout.ANN_FIELD: field, layout.ANN_TITLE: field}})


def no_url_check(url):
    if 'bad' in url:
        raise exception.BadRequest('bad url')


class TestLinkLabels(base.TestCase):

    def test_every_container(self):
        values = {'link1': link(A), 'link2': 'http://example.com/x',
                  'list_of_links': [link(B), None, link(A)],
                  'dict_of_links': {'k': link(B, 'images')}}
        self.assertEqual({
            'link1': {'type_name': 'sample_artifact', 'id': A},
            'list_of_links[0]': {'type_name': 'sample_artifact', 'id': B},
            'list_of_links[2]': {'type_name': 'sample_artifact', 'id': A},
            'dict_of_links/k': {'type_name': 'images', 'id': B}},
            records.link_labels(SAMPLE.fields, values))

    def test_none(self):
        self.assertEqual({}, records.link_labels(SAMPLE.fields, {}))


class TestIdsAndVersions(base.TestCase):

    def test_artifact_id(self):
        self.assertEqual(A, records.artifact_id(A, 'x'))
        for bad in (A.upper(), A.replace('-', ''), 'nope', None, ''):
            self.assertRaises(exception.BadRequest, records.artifact_id,
                              bad, 'x')

    def test_type_version(self):
        records.check_type_version('1.1', '1.1', 'x')
        records.check_type_version('1.1', '1.0', 'x')
        records.check_type_version('1.10', '1.9', 'x')
        for newer in ('1.2', '2.0', '1.10'):
            self.assertRaisesRegex(exception.BadRequest, 'newer',
                                   records.check_type_version, '1.1', newer,
                                   'x')
        for bad in ('1', '1.1.1', 'a.b', None, ''):
            self.assertRaises(exception.BadRequest,
                              records.check_type_version, '1.1', bad, 'x')


class TestFieldValues(base.TestCase):

    def test_coerced_defaults_and_ignored_keys(self):
        values = records.field_values(SAMPLE, {
            'name': 'n', 'version': '1.0', 'int1': 3, 'list_of_str': [],
            'bool1': None, 'owner': 'someone', 'status': 'active',
            '__some_meta_information__': 'N', 'no_such_field': 1}, 'x')
        self.assertEqual(('n', '1.0.0', 3, False), (
            values['name'], values['version'], values['int1'],
            values['bool1']))
        self.assertEqual([], values['list_of_str'])
        self.assertEqual('default', values['system_attribute'])
        for name in records.SET_BY_IMPORT:
            self.assertNotIn(name, values)
        self.assertNotIn('blob', values)

    def test_refused_values_name_the_field(self):
        for field, value in (('int1', 'x'), ('name', None),
                             ('string_regex', 'zz'), ('tags', ['a,b']),
                             ('dict_validators', {'zzz': 'v'})):
            self.assertRaisesRegex(exception.BadRequest, field,
                                   records.field_values, SAMPLE,
                                   {'name': 'n', field: value}, 'x')


class TestBlobRows(base.TestCase):

    def test_stored_folder_and_external(self):
        doc = {'blob': stored(b'data'),
               'dict_of_blobs': {'a/b': stored(b'12')},
               'small_blob': {'url': 'http://example.com/x', 'size': None,
                              'md5': None, 'sha1': None, 'sha256': None,
                              'external': True, 'status': 'active',
                              'content_type': None}}
        rows = records.blob_rows(SAMPLE, doc, {
            'blob': ref('blob', b'data'),
            'dict_of_blobs/a/b': ref('dict_of_blobs/a/b', b'12')},
            'x', no_url_check)
        self.assertEqual(['blob', 'dict_of_blobs/a/b', 'small_blob'],
                         sorted(rows))
        self.assertEqual(('dict_of_blobs', 'a/b', True, None),
                         (rows['dict_of_blobs/a/b']['name'],
                          rows['dict_of_blobs/a/b']['key_name'],
                          rows['dict_of_blobs/a/b']['managed'],
                          rows['dict_of_blobs/a/b']['url']))
        self.assertEqual((True, False, 'http://example.com/x'),
                         (rows['small_blob']['external'],
                          rows['small_blob']['managed'],
                          rows['small_blob']['url']))

    def test_record_and_manifest_must_agree(self):
        doc = {'blob': stored(b'data')}
        self.assertRaisesRegex(exception.BadRequest, 'no layer',
                               records.blob_rows, SAMPLE, doc, {}, 'x',
                               no_url_check)
        self.assertRaisesRegex(exception.BadRequest, 'in the manifest',
                               records.blob_rows, SAMPLE, doc,
                               {'blob': ref('blob', b'datb')}, 'x',
                               no_url_check)
        self.assertRaisesRegex(exception.BadRequest, 'no stored blob',
                               records.blob_rows, SAMPLE, {},
                               {'blob': ref('blob', b'data')}, 'x',
                               no_url_check)

    def test_bad_blobs(self):
        for blob in (stored(b'd', status='saving'), stored(b'd', size=-1),
                     stored(b'd', md5='XYZ'), stored(b'd', sha256=None),
                     stored(b'd', external='yes'),
                     stored(b'd', external=True, url='http://bad/'),
                     stored(b'd', external=True, url=None), 'blob'):
            self.assertRaises(exception.BadRequest, records.blob_rows,
                              SAMPLE, {'blob': blob},
                              {'blob': ref('blob', b'd')}, 'x',
                              no_url_check)

    def test_size_limits(self):
        data = b'x' * 11  # small_blob holds 10 bytes
        self.assertRaisesRegex(
            exception.RequestEntityTooLarge, 'small_blob',
            records.blob_rows, SAMPLE, {'small_blob': stored(data)},
            {'small_blob': ref('small_blob', data)}, 'x', no_url_check)
        big = b'y' * 1001  # the folder holds 2000 bytes
        doc = {'dict_of_blobs': {'a': stored(big), 'b': stored(big)}}
        self.assertRaisesRegex(
            exception.RequestEntityTooLarge, 'folder dict_of_blobs',
            records.blob_rows, SAMPLE, doc,
            {'dict_of_blobs/a': ref('dict_of_blobs/a', big),
             'dict_of_blobs/b': ref('dict_of_blobs/b', big)}, 'x',
            no_url_check)
