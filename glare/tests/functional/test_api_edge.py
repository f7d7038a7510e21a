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

"""The API's edges over real HTTP: media types, empty path segments and a
Content-Type on every answer (SPEC §4, §5; issue 11)."""

import hashlib

from glare.tests.functional import base
from glare.tests.functional import test_blobs
from glare.tests.functional import test_locations

JSON = 'application/json; charset=UTF-8'
FORM = 'application/x-www-form-urlencoded'
#: what the write routes are sent instead of their JSON
ODD_TYPES = (
    ('text/html', b'<html><body>x</body></html>'),
    ('text/html', b''),
    ('multipart/form-data; boundary=xx',
     b'--xx\r\nContent-Disposition: form-data; name="name"\r\n\r\nx\r\n'
     b'--xx--\r\n'),
    ('multipart/form-data', b'name=x'),
    (FORM, b'name=x&version=1'),
    (FORM + '; charset=bogus', b'name=x'),
    ('text/plain; ;;=; charset="', b'{"name": "x"}'),
    ('text/html; charset=utf-99', b'\xff\xfe'),
)


@base.with_backends
class MediaTypeTests(test_blobs.BlobMixin):
    """A write route takes JSON only: any other media type is a 415 JSON
    error, whatever the body (none, a form webob could parse, bad bytes)
    and whatever the parameters of the header."""

    def test_create_with_other_media_types_415(self):
        before = self.count_own()
        for ctype, body in ODD_TYPES:
            resp = self.request('POST', self.url(), headers=self.user,
                                data=body, content_type=ctype)
            self.assertError(415, resp, 'use application/json')
        self.assertEqual(before, self.count_own())

    def test_update_with_other_media_types_415(self):
        af = self.create()
        for ctype, body in ODD_TYPES + (('application/json', b'[]'),):
            resp = self.request('PATCH', self.url(af['id']),
                                headers=self.user, data=body,
                                content_type=ctype)
            self.assertError(415, resp, 'application/json-patch+json')
        self.assertEqual(af['updated_at'],
                         self.show(af['id'])['updated_at'])

    def test_no_body_400_no_media_type_415(self):
        self.assertError(400, self.request(
            'POST', self.url(), headers=self.user, data=b'',
            content_type='application/json'), 'body is empty')
        resp = self.session.post(self.server.url + self.url(),
                                 headers=self.user, data=b'{"name": "x"}')
        self.assertNotIn('Content-Type', resp.request.headers)
        self.assertError(415, resp, 'no Content-Type')

    def test_json_with_odd_parameters_is_json(self):
        for ctype in ('application/json; charset=bogus',
                      'application/json;;charset=utf-8',
                      'Application/JSON'):
            resp = self.request('POST', self.url(), headers=self.user,
                                data=b'{"name": "%s"}' % self.unique(
                                    ).encode(), content_type=ctype)
            self.assertEqual(201, resp.status_code, base.brief(resp))

    def test_upload_of_a_form_is_data(self):
        # PUT of a blob takes any media type as the data's own: a form
        # body is stored as it came, never parsed
        af = self.create()
        blob = self.upload(af['id'], 'blob', b'name=x&a=b',
                           content_type=FORM)['blob']
        self.assertEqual(FORM, blob['content_type'])
        self.assertEqual(b'name=x&a=b', self.download(af['id'],
                                                      'blob').content)

    def test_location_with_other_media_type_is_data(self):
        af = self.create()
        body = b'{"url": "http://example.com/x"}'
        self.upload(af['id'], 'blob', body, content_type='text/html')
        self.assertEqual(body, self.download(af['id'], 'blob').content)

    def test_v01_create_with_html_415_in_its_shape(self):
        resp = self.request('POST', '/v0.1/artifacts/murano/v1/drafts',
                            headers=self.user, data=b'',
                            content_type='text/html')
        self.assertEqual(415, resp.status_code, base.brief(resp))
        self.assertEqual(JSON, resp.headers['Content-Type'])
        self.assertEqual(415, resp.json()['badMediaType']['code'])


@base.with_backends
class EmptySegmentTests(test_blobs.BlobMixin):
    """An empty type, id or field names nothing: 404, never a 500."""

    def test_empty_segments_404(self):
        af = self.create()
        paths = ['/artifacts/murano_packages//package',
                 '/artifacts/sample_artifact//blob',
                 '/artifacts//sample_artifact',
                 '/artifacts//x', '/artifacts//', '/artifacts/',
                 '/artifacts//%s' % af['id'],
                 '/artifacts/sample_artifact/%s//' % af['id'],
                 '/artifacts/sample_artifact/%s//blob' % af['id'],
                 '/artifacts/sample_artifact/%s/' % af['id'],
                 '/schemas//sample_artifact', '/schemas//x/',
                 '/project-quotas//x', '/quotas//x']
        wrong = []
        for path in paths:
            for method in ('GET', 'PUT', 'DELETE', 'PATCH', 'POST'):
                resp = self.request(method, path, headers=self.user,
                                    data=b'x', content_type='text/plain')
                if resp.status_code not in (404, 405):
                    wrong.append((method, path, resp.status_code))
                else:
                    self.assertError(resp.status_code, resp)
            self.assertError(404, self.request('GET', path,
                                               headers=self.user))
        self.assertEqual([], wrong)
        # nothing was written through them
        self.assertIsNone(self.show(af['id'])['blob'])

    def test_trailing_slashes_still_work(self):
        self.create()
        for path in ('/artifacts/sample_artifact/', '/schemas/',
                     '/schemas/sample_artifact/', '/project-quotas/'):
            resp = self.get(path, headers=self.user)
            self.assertEqual(200, resp.status_code, base.brief(resp))


@base.with_backends
class ContentTypeTests(test_locations.LocationMixin):
    """Every answer has a Content-Type, the bodiless ones too."""

    CONFIG = {'locations': {'allowed_networks': '127.0.0.1/32'},
              'cors': {'allowed_origin': 'http://ui.example.com'}}

    def assertContentType(self, resp, expected=None):
        ctype = resp.headers.get('Content-Type')
        self.assertTrue(ctype, '%s answered %s without a Content-Type' % (
            resp.request.url, resp.status_code))
        if expected is not None:
            self.assertEqual(expected, ctype, base.brief(resp))

    def test_delete_204(self):
        af = self.create()
        resp = self.delete(self.url(af['id']), headers=self.user)
        self.assertEqual(204, resp.status_code)
        self.assertEqual(b'', resp.content)
        self.assertContentType(resp, 'text/plain; charset=UTF-8')

    def test_v01_delete_204(self):
        resp = self.request('POST', '/v0.1/artifacts/murano/v1/drafts',
                            headers=self.user, json_body={
                                'name': self.unique(), 'version': '1.0',
                                'type': 'Library',
                                'display_name': 'x'})
        self.assertEqual(201, resp.status_code, base.brief(resp))
        resp = self.delete('/v0.1/artifacts/murano/v1/' + resp.json()['id'],
                           headers=self.user)
        self.assertEqual(204, resp.status_code)
        # not JSON: glanceclient parses any JSON answer, an empty one too
        self.assertContentType(resp, 'text/plain; charset=UTF-8')

    def test_redirect_301(self):
        af = self.create()
        data = test_locations.DATA
        resp = self.set_location(af['id'], 'blob', {
            'url': self.origin_url(), 'md5': hashlib.md5(data).hexdigest()})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        down = self.download(af['id'], 'blob')
        self.assertEqual(301, down.status_code)
        self.assertContentType(down)

    def test_options_preflight_and_405(self):
        path = self.url()
        resp = self.request('OPTIONS', path, headers=self.user)
        self.assertContentType(resp)
        resp = self.request('OPTIONS', path, headers=dict(
            self.user, Origin='http://ui.example.com',
            **{'Access-Control-Request-Method': 'GET'}))
        self.assertEqual(200, resp.status_code)
        self.assertContentType(resp)
        for method in ('HEAD', 'PUT', 'TRACE'):
            resp = self.request(method, path, headers=self.user)
            self.assertEqual(405, resp.status_code)
            self.assertContentType(resp, JSON)
            self.assertEqual('GET, POST', resp.headers['Allow'])

    def test_public_paths(self):
        for method, path, code in (('GET', '/versions', 300),
                                   ('HEAD', '/versions', 300),
                                   ('GET', '/', 300),
                                   ('GET', '/healthcheck', 200),
                                   ('HEAD', '/healthcheck', 204)):
            resp = self.request(method, path)
            self.assertEqual(code, resp.status_code, (method, path))
            self.assertContentType(resp)

    def test_healthcheck_takes_get_and_head_only(self):
        for method in ('POST', 'PUT', 'DELETE', 'PATCH'):
            resp = self.request(method, '/healthcheck', data=b'x',
                                content_type='text/html')
            self.assertError(405, resp)
            self.assertEqual('GET, HEAD', resp.headers['Allow'])


def _closed_port_keystone():
    # nothing listens there: every call auth_token makes to Keystone fails
    uri = 'http://127.0.0.1:%d/v3' % base._free_port()
    return {'api': {'auth_strategy': 'keystone'},
            'keystone_authtoken': {
                'www_authenticate_uri': uri, 'auth_url': uri,
                'auth_type': 'password', 'username': 'glare',
                'password': 'secret', 'project_name': 'service',
                'user_domain_id': 'default', 'project_domain_id': 'default',
                'http_connect_timeout': '2', 'http_request_max_retries': '0'}}


@base.with_backends
class KeystoneUnreachableTests:
    """A real auth_token whose Keystone does not answer: what it answers
    by itself is the JSON error document (v0.1: that API's shape)."""

    CONFIG = _closed_port_keystone()

    def test_token_503_json(self):
        token = {'X-Auth-Token': 'a-token-keystone-cannot-check'}
        for path in (self.url(), '/schemas', '/quotas'):
            resp = self.get(path, headers=token)
            body = self.assertError(503, resp, 'Keystone')
            self.assertEqual('ServiceUnavailable', body['error']['type'])
            self.assertNotIn('<html', resp.text.lower())
        resp = self.get('/v0.1/artifacts/murano/v1', headers=token)
        self.assertEqual(503, resp.status_code, base.brief(resp))
        self.assertEqual(JSON, resp.headers['Content-Type'])
        self.assertEqual(503, resp.json()['serviceUnavailable']['code'])

    def test_no_token_401_json_with_www_authenticate(self):
        resp = self.request('POST', self.url(), data=b'<html/>',
                            content_type='text/html')
        body = self.assertError(401, resp)
        self.assertEqual('Unauthorized', body['error']['type'])
        self.assertIn('Keystone uri="http://127.0.0.1:',
                      resp.headers['WWW-Authenticate'])
        resp = self.get('/v0.1/artifacts/murano/v1')
        self.assertEqual(401, resp.status_code)
        self.assertEqual(401, resp.json()['unauthorized']['code'])
        self.assertIn('WWW-Authenticate', resp.headers)

    def test_public_paths_need_no_keystone(self):
        self.assertEqual(300, self.get('/versions').status_code)
        self.assertEqual(200, self.get('/healthcheck').status_code)
