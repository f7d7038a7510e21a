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

"""The v0.1 middleware and document translation, without a server."""

import json

from glare.api.controllers.v0_1 import documents
from glare.api.controllers.v0_1 import middleware
from glare.artifact_types import murano
from glare import exception
from glare.tests import base


def _call(app, path, token=None):
    environ = {'PATH_INFO': path, 'REQUEST_METHOD': 'GET'}
    if token is not None:
        environ['HTTP_X_AUTH_TOKEN'] = token
    out = {}

    def start_response(status, headers, exc_info=None):
        out['status'], out['headers'] = status, dict(headers)
    body = b''.join(middleware.LegacyAPI(app)(environ, start_response))
    return environ, out, body


def _answer(status, body, ctype='application/json; charset=UTF-8'):
    def app(environ, start_response):
        start_response(status, [('Content-Type', ctype),
                                ('Content-Length', str(len(body)))])
        return [body]
    return app


class TestLegacyMiddleware(base.TestCase):

    def test_token_decoded_on_v01_only(self):
        app = _answer('200 OK', b'{}')
        environ, _out, _body = _call(app, '/v0.1/artifacts/murano/v1',
                                     'u%3Ap%3Amember')
        self.assertEqual('u:p:member', environ['HTTP_X_AUTH_TOKEN'])
        environ, _out, _body = _call(app, '/artifacts/murano',
                                     'gAAAA%3D%3D')
        self.assertEqual('gAAAA%3D%3D', environ['HTTP_X_AUTH_TOKEN'])
        # a Keystone token (no '%') is left as it is
        environ, _out, _body = _call(app, '/v0.1/x', 'gAAAAB-_x=')
        self.assertEqual('gAAAAB-_x=', environ['HTTP_X_AUTH_TOKEN'])

    def test_errors_reshaped_on_v01(self):
        doc = {'code': 409, 'title': 'Conflict', 'explanation': 'busy',
               'error': {'message': 'busy', 'type': 'Conflict'}}
        app = _answer('409 Conflict', json.dumps(doc).encode())
        _env, out, body = _call(app, '/v0.1/artifacts/murano/v1/x')
        self.assertEqual('409 Conflict', out['status'])
        self.assertEqual({'conflictingRequest': {'message': 'busy',
                                                 'code': 409}},
                         json.loads(body))
        self.assertEqual(str(len(body)), out['headers']['Content-Length'])
        _env, out, body = _call(app, '/artifacts/murano/x')
        self.assertEqual(doc, json.loads(body))

    def test_unknown_codes_and_bodies(self):
        doc = middleware.error_document(500, b'not json')
        self.assertEqual({'serverError': {'message': 'not json',
                                          'code': 500}}, doc)
        self.assertEqual({'error': {'message': '', 'code': 418}},
                         middleware.error_document(418, b''))

    def test_successes_and_non_json_pass(self):
        app = _answer('200 OK', b'data', 'application/octet-stream')
        _env, out, body = _call(app, '/v0.1/artifacts/murano/v1/x')
        self.assertEqual(b'data', body)
        app = _answer('404 Not Found', b'<html/>', 'text/html')
        _env, out, body = _call(app, '/v0.1/artifacts/murano/v1/x')
        self.assertEqual(b'<html/>', body)


class TestDocuments(base.TestCase):

    def test_type_versions(self):
        # Murano's clients ask for v1: any 1.x (the type is 1.3)
        for ok in ('v1', 'v1.3', 'v1.3.0'):
            documents.check_type_version(murano.Murano, ok)
        for bad in ('1', 'v2', 'v1.0', 'v1.2', 'v1.4', 'v1.3.1', 'vx', 'v',
                    'v1.0.0.0', 'v-1', 'v1.', 'v.1'):
            self.assertRaises(exception.NotFound,
                              documents.check_type_version,
                              murano.Murano, bad)

    def test_list_params(self):
        pairs = [('version', 'ge:1.0'), ('version', 'le:2.0'),
                 ('version', 'ne:1.5'), ('name', 'a:b'), ('tag', 't'),
                 ('tag', 'ne:u'), ('tag', 'eq:os:v'),
                 ('sort', 'published_at:asc,name'), ('show_level', 'basic'),
                 ('limit', '2'), ('marker', 'm')]
        self.assertEqual(
            [('version', 'gte:1.0'), ('version', 'lte:2.0'),
             ('version', 'neq:1.5'), ('name', 'eq:a:b'), ('tags', 't'),
             ('tags', 'neq:u'), ('tags', 'os:v'),
             ('sort', 'activated_at:asc,name'), ('limit', '2'),
             ('marker', 'm'), ('status', 'eq:active')],
            documents.list_params(pairs, drafts=False))
        self.assertEqual([('status', 'in:drafted,active')],
                         documents.list_params(
                             [('state', 'in:creating,active')], False))
        self.assertEqual([('version', 'latest'), ('status', 'eq:drafted')],
                         documents.list_params([('version', 'latest')],
                                               True))
        self.assertRaises(exception.InvalidFilter, documents.list_params,
                          [('status', 'active')], False)

    def test_publish_patch(self):
        ops = documents.publish_patch({'metadata': {
            documents.PUBLIC_ON_PUBLISH: 'public'}, 'visibility': 'private'})
        self.assertEqual(['/status', '/visibility'], [o['path'] for o in ops])
        self.assertEqual(1, len(documents.publish_patch({'metadata': {}})))

    def test_patch_translation(self):
        ops = documents.patch(murano.Murano, [
            {'op': 'replace', 'path': '/state', 'value': 'creating'},
            {'op': 'remove', 'path': '/keywords'},
            {'op': 'add', 'path': '/inherits/a.B', 'value': ['c', 'd']},
            'junk'])
        self.assertEqual([
            {'op': 'replace', 'path': '/status', 'value': 'drafted'},
            {'op': 'replace', 'path': '/keywords', 'value': None},
            {'op': 'add', 'path': '/inherits/a.B', 'value': 'c,d'},
            'junk'], ops)
        self.assertRaises(exception.Forbidden, documents.patch,
                          murano.Murano, [{'op': 'replace',
                                           'path': '/deleted_at'}])
