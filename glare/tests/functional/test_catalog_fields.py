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

"""The generic catalog fields over real HTTP (API 1.6): provided_by,
supported_by, license and the icon blob, on every type."""

import base64
import hashlib

from glare.tests.functional import base
from glare.tests.functional import test_blobs
from glare.tests.functional import test_bundle_import as import_tests
from glare.tests import icon_samples as samples

ACME = {'name': 'Ops team', 'company': 'ACME',
        'href': 'https://acme.example/ops'}


@base.with_backends
class CatalogFieldTests(test_blobs.BlobMixin):

    def test_create_show_and_list(self):
        lic = self.unique('lic')
        af = self.create(provided_by=ACME, supported_by={'company': 'Help'},
                         license=lic)
        self.assertEqual((ACME, {'company': 'Help'}, lic, None), (
            af['provided_by'], af['supported_by'], af['license'],
            af['icon']))
        shown = self.show(af['id'])
        self.assertEqual((ACME, lic), (shown['provided_by'],
                                       shown['license']))
        listed = self.list('license=' + lic)['artifacts']
        self.assertEqual([(af['id'], ACME)],
                         [(a['id'], a['provided_by']) for a in listed])

    def test_bad_values_are_refused_and_nothing_is_written(self):
        before = self.count_own()
        for field, value, message in (
                ('provided_by', {'email': 'x@acme.example'},
                 "keys ['email'] are not allowed"),
                ('supported_by', {'href': 'ftp://acme.example/'},
                 'is not an http(s) URL'),
                ('supported_by', {'href': 'javascript:alert(1)'},
                 'is not an http(s) URL'),
                ('provided_by', {'name': 'n' * 256}, 'name: '),
                ('provided_by', {'name': ['a']}, 'a string is expected'),
                ('provided_by', 'ACME', 'a dict is expected'),
                ('license', 'l' * 256, 'license'),
                ('license', '', 'license'),
                ('license', {'spdx': 'MIT'}, 'license')):
            resp = self.post(self.url(), {'name': self.unique(),
                                          field: value}, headers=self.user)
            self.assertError(400, resp, message)
        self.assertEqual(before, self.count_own())
        # a patch too: the artifact keeps its values
        af = self.create(provided_by=ACME, license='MIT')
        for ops in (
                [{'op': 'add', 'path': '/provided_by/phone', 'value': '1'}],
                [{'op': 'replace', 'path': '/provided_by/href',
                  'value': 'acme.example'}],
                [{'op': 'replace', 'path': '/license', 'value': 'x' * 300}],
                [{'op': 'replace', 'path': '/icon', 'value': {}}]):
            self.assertIn(self.patch(self.url(af['id']), ops,
                                     headers=self.user).status_code,
                          (400, 403))
        shown = self.show(af['id'])
        self.assertEqual((ACME, 'MIT', None), (
            shown['provided_by'], shown['license'], shown['icon']))

    def test_mutable_after_activation(self):
        af = self.create(license='MIT')
        self.activate(af['id'])
        out = self.update(af['id'], [
            {'op': 'replace', 'path': '/license', 'value': 'Apache-2.0'},
            {'op': 'add', 'path': '/provided_by/company', 'value': 'ACME'},
            {'op': 'replace', 'path': '/supported_by', 'value': ACME}])
        self.assertEqual(('active', 'Apache-2.0', {'company': 'ACME'},
                          ACME), (out['status'], out['license'],
                                  out['provided_by'], out['supported_by']))
        out = self.update(af['id'], [
            {'op': 'remove', 'path': '/supported_by/href'},
            {'op': 'replace', 'path': '/license', 'value': None}])
        self.assertEqual(({'name': 'Ops team', 'company': 'ACME'}, None),
                         (out['supported_by'], out['license']))
        # null resets a dict to its default, as for metadata
        out = self.set_values(af['id'], provided_by=None)
        self.assertEqual({}, out['provided_by'])
        png = samples.png(2, 2)
        self.assertEqual(len(png), self.upload(af['id'], 'icon', png)[
            'icon']['size'])
        resp = self.delete(self.url(af['id']) + '/icon', headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertIsNone(resp.json()['icon'])

    def test_filters(self):
        company, lic = self.unique('co'), self.unique('lic')
        first = self.create(provided_by={'company': company}, license=lic)
        second = self.create(provided_by={'company': company,
                                          'name': 'x'},
                             supported_by={'company': company},
                             license=lic + '-or-later')
        self.create(provided_by={'company': 'other'})

        def ids(query, type_name=base.SAMPLE):
            return sorted(self.list_ids(query + '&limit=50',
                                        type_name=type_name))
        both = sorted([first['id'], second['id']])
        self.assertEqual(both, ids('provided_by.company=' + company))
        self.assertEqual(both, ids('provided_by.company=in:%s,nobody'
                                   % company))
        self.assertEqual([second['id']],
                         ids('provided_by.company=%s&provided_by=name'
                             % company))
        self.assertEqual([second['id']],
                         ids('supported_by.company=eq:' + company))
        self.assertEqual([first['id']], ids('license=eq:' + lic))
        self.assertEqual(both, ids('license=like:%s%%' % lic))
        self.assertEqual([first['id']], ids(
            'provided_by.company=%s&license=neq:%s-or-later' % (company,
                                                                lic)))
        # the read-only view over every type filters them too
        self.assertEqual(both, ids('license=like:%s%%' % lic,
                                   type_name='all'))
        for query, message in (('icon=x', 'not filterable'),
                               ('license=gt:a', 'license'),
                               ('provided_by.company=like:A%', 'like')):
            self.assertError(400, self.get(self.url() + '?' + query,
                                           headers=self.user), message)

    def test_schema(self):
        props = self.get('/schemas/' + base.SAMPLE).json()['schemas'][
            base.SAMPLE]['properties']
        self.assertEqual(['company', 'href', 'name'],
                         sorted(props['provided_by']['properties']))
        self.assertFalse(props['supported_by']['additionalProperties'])
        self.assertEqual(('String', True, ['like', 'eq', 'neq', 'in']), (
            props['license']['glareType'], props['license']['mutable'],
            props['license']['filter_ops']))
        self.assertEqual((1048576, ['image/png', 'image/jpeg',
                                    'image/svg+xml'], True),
                         (props['icon']['maxBlobSize'],
                          props['icon']['contentTypes'],
                          props['icon']['mutable']))
        all_props = self.get('/schemas').json()['schemas']
        for type_name, schema in all_props.items():
            self.assertLessEqual({'provided_by', 'supported_by', 'license',
                                  'icon'}, set(schema['properties']),
                                 type_name)


@base.with_backends
class IconTests(test_blobs.BlobMixin):

    def test_upload_and_download_each_format(self):
        af = self.create()
        for data, media_type in ((samples.png(3, 2), 'image/png'),
                                 (samples.jpeg(), 'image/jpeg'),
                                 (samples.SVG, 'image/svg+xml'),
                                 (samples.SVG_11, 'image/svg+xml')):
            # the kind of image is found by its bytes, not by the header
            out = self.upload(af['id'], 'icon', data,
                              content_type='application/octet-stream')
            self.assertEqual((len(data), media_type, 'active'), (
                out['icon']['size'], out['icon']['content_type'],
                out['icon']['status']))
            resp = self.download(af['id'], 'icon')
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.assertEqual(data, resp.content)
            self.assertEqual(media_type, resp.headers['Content-Type'])
            self.assertDataHeaders(resp, data)

    def test_bad_data_is_refused_and_nothing_kept(self):
        af = self.create()
        good = samples.png()
        kept = self.upload(af['id'], 'icon', good)['icon']
        files = self.store_files()
        truncated = samples.png(8, 8)[:-20]
        for data, message in (
                (samples.GIF, 'not a PNG, JPEG or SVG image'),
                (samples.HTML, 'the document type is html'),
                (b'<html><body>hi</body></html>', 'the root element is html'),
                (samples.SVG_ENTITIES, 'may not have a DTD of its own'),
                (samples.SVG_EXTERNAL, 'may not have a DTD of its own'),
                (samples.SVG.replace(b'<circle', b'<script>x</script>'
                                                 b'<circle'),
                 'script elements'),
                (truncated, 'the PNG data is truncated'),
                (samples.jpeg()[:-2], 'the JPEG data is truncated'),
                (b'', 'the data is empty')):
            resp = self.put_data(af['id'], 'icon', data,
                                 content_type='image/png')
            body = self.assertError(400, resp, message)
            self.assertIn('icon: ', body['error']['message'])
        self.assertEqual(kept, self.show(af['id'])['icon'])
        self.assertEqual(files, self.store_files())
        self.assertEqual(good, self.download(af['id'], 'icon').content)

    def test_oversize(self):
        af = self.create()
        big = samples.png(extra=samples.png_chunk(
            b'tEXt', b'k\x00' + b'v' * (1024 * 1024)))
        files = self.store_files()
        self.assertError(413, self.put_data(af['id'], 'icon', big))

        def chunked():
            yield big[:1000]
            yield big[1000:]
        self.assertError(413, self.put_data(af['id'], 'icon', chunked()))
        self.assertIsNone(self.show(af['id'])['icon'])
        self.assertEqual(files, self.store_files())
        # exactly the limit is fine
        pad = 1024 * 1024 - len(samples.png()) - 12
        exact = samples.png(extra=samples.png_chunk(b'zzZz', b'.' * pad))
        self.assertEqual(1024 * 1024, len(exact))
        self.assertEqual(1024 * 1024, self.upload(af['id'], 'icon', exact)[
            'icon']['size'])

    def test_no_location(self):
        af = self.create()
        resp = self.request(
            'PUT', self.blob_path(af['id'], 'icon'), headers=self.user,
            json_body={'url': 'http://127.0.0.1:1/icon.png',
                       'md5': 'a' * 32, 'sha1': 'b' * 40,
                       'sha256': 'c' * 64},
            content_type='application/vnd+openstack.glare-custom-location'
                         '+json')
        self.assertError(400, resp, 'checked by its content')
        self.assertIsNone(self.show(af['id'])['icon'])



class OtherTypesIconTests(test_blobs.BlobMixin, base.FunctionalTest):
    BACKEND = 'sqlite'
    CONFIG = {'DEFAULT': {'enabled_artifact_types': ','.join((
        base.SAMPLE, 'heat_templates', 'heat_environments',
        'tosca_templates', 'secrets', 'images', 'murano_packages'))}}

    def test_types_with_upload_hooks_of_their_own(self):
        # their hooks parse their own blobs only; the icon is checked
        png = samples.png()
        for type_name, fields in (
                ('heat_templates', {}), ('heat_environments', {}),
                ('tosca_templates', {}),
                ('secrets', {'payload_content_encoding': 'base64'}),
                ('images', {'disk_format': 'raw',
                            'container_format': 'bare'}),
                ('murano_packages', {})):
            af = self.create(type_name=type_name, license='MIT', **fields)
            resp = self.request(
                'PUT', '%s/icon' % self.url(af['id'], type_name),
                headers=self.user, data=png, content_type='image/png')
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.assertEqual('image/png', resp.json()['icon']['content_type'])
            resp = self.get('%s/icon' % self.url(af['id'], type_name),
                            headers=self.user)
            self.assertEqual(png, resp.content, type_name)
        # a secret's own payload is still decoded
        secret = self.create(type_name='secrets',
                             payload_content_encoding='base64')
        resp = self.request('PUT', '%s/payload' % self.url(
            secret['id'], 'secrets'), headers=self.user,
            data=base64.b64encode(b'pssst'),
            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(b'pssst', self.get('%s/payload' % self.url(
            secret['id'], 'secrets'), headers=self.user).content)


def _with_icon(data):
    """A rebuild edit: the root artifact's icon becomes data."""
    def edit(record, layers):
        if record['artifact'].get('icon') is None:
            return
        layers['icon'] = data
        record['artifact']['icon'] = dict(
            record['artifact']['icon'], size=len(data),
            md5=hashlib.md5(data).hexdigest(),
            sha1=hashlib.sha1(data).hexdigest(),
            sha256=hashlib.sha256(data).hexdigest())
    return edit


@base.with_backends
class CatalogBundleTests(import_tests.ImportMixin):
    """Bundles carry the catalog fields and the icon like any other; an
    imported icon is checked as an uploaded one is."""

    def source(self):
        # two artifacts with the same icon: one layer for both
        dep = self.create(license='MIT')
        self.upload(dep['id'], 'icon', samples.SVG)
        af = self.create(provided_by=ACME, supported_by={'name': 'Desk'},
                         license='Apache-2.0', link1=self.link(dep['id']))
        self.upload(af['id'], 'icon', samples.SVG)
        return self.export(af['id'])

    def test_round_trip(self):
        bundle = self.source()
        record = bundle.artifacts[bundle.root]['record']['artifact']
        self.assertEqual((ACME, {'name': 'Desk'}, 'Apache-2.0',
                          'image/svg+xml'), (
            record['provided_by'], record['supported_by'],
            record['license'], record['icon']['content_type']))
        self.assertEqual(samples.SVG,
                         bundle.artifacts[bundle.root]['layers']['icon'])
        data, ids = import_tests.rebuild(bundle)
        other = self.auth(self.new_project())
        self.imported(data, headers=other)
        doc = self.show(ids[bundle.root], headers=other)
        self.assertEqual((ACME, {'name': 'Desk'}, 'Apache-2.0'), (
            doc['provided_by'], doc['supported_by'], doc['license']))
        self.assertEqual({k: record['icon'][k] for k in (
            'size', 'md5', 'sha256', 'content_type')},
            {k: doc['icon'][k] for k in ('size', 'md5', 'sha256',
                                         'content_type')})
        self.assertEqual(samples.SVG, self.download(
            ids[bundle.root], 'icon', headers=other).content)
        # a JPEG icon arrives with its media type found again
        data, ids = import_tests.rebuild(bundle, _with_icon(samples.jpeg()))
        self.assertEqual(2, len(ids))
        self.imported(data, headers=other)
        for art_id in ids.values():
            self.assertEqual('image/jpeg', self.show(
                art_id, headers=other)['icon']['content_type'])

    def test_bad_icon_refused(self):
        bundle = self.source()
        for bad in (samples.HTML, samples.SVG_ENTITIES, samples.png()[:-3]):
            data, _ids = import_tests.rebuild(bundle, _with_icon(bad))
            self.refused(400, data, 'blob icon: ')
            self.refused(400, data, 'blob icon: ', query='?dry_run=true')

    def test_bad_contact_refused(self):
        bundle = self.source()

        def edit(record, _layers):
            record['artifact']['provided_by'] = {'phone': '555'}
        data, _ids = import_tests.rebuild(bundle, edit)
        self.refused(400, data, 'provided_by')
