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

"""The v0.1 API over raw HTTP: error shape, queries, links, tokens, input."""

from urllib import parse

from glare.tests.functional import base

PATH = '/v0.1/artifacts/murano/v1'


@base.with_backends
class V01ApiTests:
    """What the client suite does not pin down."""

    def quoted(self, headers=None):
        token = (headers or self.user)['X-Auth-Token']
        return {'X-Auth-Token': parse.quote(token, safe='')}

    def draft(self, headers=None, **fields):
        body = dict({'name': self.unique('org.example.A'),
                     'version': '1.0.0', 'type': 'Application',
                     'display_name': 'A'}, **fields)
        resp = self.post(PATH + '/drafts', body,
                         headers=headers or self.quoted())
        self.assertEqual(201, resp.status_code, base.brief(resp))
        return resp.json()

    def assertV01Error(self, code, key, resp):
        self.assertEqual(code, resp.status_code, base.brief(resp))
        body = resp.json()
        self.assertEqual([key], list(body), body)
        self.assertEqual(code, body[key]['code'])
        self.assertIsInstance(body[key]['message'], str)
        self.assertNotIn('Traceback', resp.text)

    def test_document_shape(self):
        doc = self.draft(inherits={'a.B': ['x.Y', 'x.Z']}, tags=['t'])
        for key in ('id', 'name', 'version', 'owner', 'visibility',
                    'description', 'tags', 'created_at', 'updated_at',
                    'published_at', 'deleted_at', 'display_name', 'type',
                    'enabled', 'archive', 'logo', 'ui_definition'):
            self.assertIn(key, doc)
        self.assertEqual(('creating', 'murano', '1.3'), (
            doc['state'], doc['type_name'], doc['type_version']))
        for key in ('status', 'activated_at', 'metadata',
                    'display_type_name'):
            self.assertNotIn(key, doc)
        self.assertEqual({'a.B': ['x.Y', 'x.Z']}, doc['inherits'])
        # v1 shows the stored form of the dict of lists
        v1 = self.show(doc['id'], type_name='murano')
        self.assertEqual({'a.B': 'x.Y,x.Z'}, v1['inherits'])
        self.assertEqual('drafted', v1['status'])

    def test_error_shape_for_every_layer(self):
        missing = '%s/%s' % (PATH, '00000000-0000-4000-8000-000000000000')
        cases = [
            (404, 'itemNotFound', self.get(missing, self.quoted())),
            (404, 'itemNotFound', self.get('/v0.1/artifacts/nosuch/v1',
                                           self.quoted())),
            (404, 'itemNotFound', self.get(PATH[:-1] + 'v2',
                                           self.quoted())),
            (404, 'itemNotFound', self.get('/v0.1/nothing', self.quoted())),
            (405, 'badMethod', self.request('PUT', PATH + '/drafts',
                                            self.quoted())),
            (400, 'badRequest', self.post(PATH + '/drafts', {'name': ''},
                                          self.quoted())),
            (415, 'badMediaType', self.request(
                'POST', PATH + '/drafts', self.quoted(), data='{}',
                content_type='text/plain')),
            (401, 'unauthorized', self.get(PATH, {
                'X-Identity-Status': 'Invalid', 'X-Project-Id': 'p'})),
        ]
        for code, key, resp in cases:
            self.assertV01Error(code, key, resp)
        self.assertIn('Allow', cases[4][2].headers)
        # v1 keeps its own error document
        resp = self.get('/artifacts/murano/' + missing[-36:], self.user)
        self.assertEqual(404, resp.json()['code'])

    def test_conflict_and_forbidden(self):
        doc = self.draft()
        resp = self.post(PATH + '/%s/publish' % doc['id'], None,
                         self.quoted())
        self.assertV01Error(403, 'forbidden', resp)
        other = self.auth(self.new_project())
        resp = self.get(PATH + '/' + doc['id'], self.quoted(other))
        self.assertV01Error(404, 'itemNotFound', resp)

    def test_bad_input_is_a_clear_4xx(self):
        doc = self.draft()
        one = PATH + '/' + doc['id']
        bad = [
            self.request('POST', PATH + '/drafts', self.quoted(),
                         data='{bad', content_type='application/json'),
            self.post(PATH + '/drafts', [1, 2], self.quoted()),
            self.post(PATH + '/drafts', {'name': 'x', 'state': 'active'},
                      self.quoted()),
            self.post(PATH + '/drafts', {'name': 'x', 'visibility': 'x'},
                      self.quoted()),
            self.post(PATH + '/drafts', {'name': 'x',
                                         'inherits': {'a': ['b,c']}},
                      self.quoted()),
            self.post(PATH + '/drafts', {'name': 'x', 'inherits': [1]},
                      self.quoted()),
            self.post(PATH + '/drafts', {'name': 'x', 'type': 'Other'},
                      self.quoted()),
            self.patch(one, {'op': 'replace'}, self.quoted(),
                       content_type='application/json'),
            self.patch(one, [{'op': 'replace', 'path': '/nosuch',
                              'value': 1}], self.quoted(),
                       content_type='application/json'),
            self.patch(one, [{'op': 'replace', 'path': '/metadata',
                              'value': {}}], self.quoted(),
                       content_type='application/json'),
            self.get(PATH + '?limit=x', self.quoted()),
            self.get(PATH + '?marker=nope', self.quoted()),
            self.get(PATH + '?version=gt:notaversion', self.quoted()),
            self.get(PATH + '?nosuchfield=1', self.quoted()),
            self.get(PATH + '?sort=nosuch:asc', self.quoted()),
            self.get(PATH + '?archive=1', self.quoted()),
            self.request('GET', one, self.quoted(), data='x'),
        ]
        for resp in bad:
            self.assertV01Error(400, 'badRequest', resp)
        resp = self.patch(one, [{'op': 'replace', 'path': '/type_version',
                                 'value': '2'}], self.quoted(),
                          content_type='application/json')
        self.assertV01Error(403, 'forbidden', resp)

    def test_patch_media_types_and_remove(self):
        doc = self.draft(keywords=['a'], author='me')
        one = PATH + '/' + doc['id']
        for ctype in ('application/json', 'application/json-patch+json',
                      'application/openstack-images-v2.1-json-patch'):
            resp = self.patch(one, [{'op': 'replace', 'path': '/description',
                                     'value': ctype}], self.quoted(),
                              content_type=ctype)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.assertEqual(ctype, resp.json()['description'])
        resp = self.patch(one, [{'op': 'remove', 'path': '/keywords'},
                                {'op': 'replace', 'path': '/inherits',
                                 'value': {'a.B': ['c.D']}}],
                          self.quoted(), content_type='application/json')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(([], {'a.B': ['c.D']}), (
            resp.json()['keywords'], resp.json()['inherits']))

    def test_paging_links_keep_the_prefix_and_repeated_parameters(self):
        name = self.unique('org.example.Page')
        ids = {self.draft(name=name, version='1.%d.0' % i)['id']
               for i in range(3)}
        query = ('name=%s&version=ge:1.0.0&version=lt:2.0.0&limit=2'
                 '&sort=version:asc' % name)
        resp = self.get(PATH + '/drafts?' + query, self.quoted())
        self.assertEqual(200, resp.status_code, base.brief(resp))
        body = resp.json()
        self.assertEqual(2, len(body['artifacts']))
        nxt = body['next']
        self.assertTrue(nxt.startswith(PATH + '/drafts?'), nxt)
        params = parse.parse_qs(parse.urlsplit(nxt).query)
        self.assertEqual(['ge:1.0.0', 'lt:2.0.0'], params['version'])
        self.assertEqual([body['artifacts'][-1]['id']], params['marker'])
        self.assertTrue(body['first'].startswith(PATH + '/drafts?'))
        resp = self.get(nxt, self.quoted())
        last = resp.json()
        self.assertNotIn('next', last)
        self.assertEqual(ids, {a['id'] for a in body['artifacts'] +
                               last['artifacts']})
        self.assertEqual(['1.0.0', '1.1.0', '1.2.0'], [
            a['version'] for a in body['artifacts'] + last['artifacts']])

    def test_token_percent_decoding(self):
        doc = self.draft(headers=self.quoted())
        self.assertEqual(self.project, doc['owner'])
        # plain tokens work on v0.1, and encoded ones still on v1
        self.assertEqual(doc['id'], self.get(
            PATH + '/' + doc['id'], self.user).json()['id'])
        resp = self.get('/artifacts/murano/' + doc['id'], self.quoted())
        self.assertEqual(200, resp.status_code, base.brief(resp))

    def test_download_headers_and_blob_delete(self):
        doc = self.draft()
        blob = PATH + '/%s/archive' % doc['id']
        resp = self.request('PUT', blob, self.quoted(), data=b'data',
                            content_type='application/zip')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(4, resp.json()['archive']['size'])
        resp = self.get(blob + '/download', self.quoted())
        self.assertEqual(b'data', resp.content)
        self.assertEqual('application/octet-stream',
                         resp.headers['Content-Type'])
        self.assertEqual('4', resp.headers['Content-Length'])
        self.assertEqual('nosniff', resp.headers['X-Content-Type-Options'])
        self.assertEqual('8d777f385d3dfec8815d20f7496026dc',
                         resp.headers['Content-MD5'])
        self.assertEqual(resp.headers['Content-MD5'],
                         self.get(PATH + '/' + doc['id'],
                                  self.quoted()).json()['archive'][
                             'checksum'])
        self.assertV01Error(404, 'itemNotFound', self.get(
            PATH + '/%s/logo/download' % doc['id'], self.quoted()))
        # stored data of a draft may be deleted (as in v1)
        resp = self.delete(blob, self.quoted())
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertIsNone(resp.json()['archive'])
        self.assertV01Error(404, 'itemNotFound',
                            self.delete(blob, self.quoted()))
