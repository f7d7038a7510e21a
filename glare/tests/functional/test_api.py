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

"""Versions, microversion negotiation, error documents, routes and schemas."""

import jsonschema

from glare.tests.functional import base

ACCEPT = 'application/vnd.openstack.artifacts-%s'
SCHEMA_TYPE = 'application/schema+json; charset=UTF-8'
JSON_TYPE = 'application/json; charset=UTF-8'
SAMPLE_FIELDS = (
    'id', 'name', 'owner', 'status', 'created_at', 'updated_at',
    'activated_at', 'description', 'tags', 'metadata', 'visibility',
    'version', 'display_type_name', 'blob', 'small_blob', 'link1', 'link2',
    'bool1', 'bool2', 'int1', 'int2', 'float1', 'float2', 'str1',
    'list_of_str', 'list_of_int', 'dict_of_str', 'dict_of_int',
    'dict_of_links', 'list_of_links', 'dict_of_blobs', 'string_mutable',
    'string_regex', 'string_required', 'string_validators',
    'int_validators', 'list_validators', 'dict_validators',
    'system_attribute', 'metadata_attribute')
DEFAULT_TYPES = ('heat_templates', 'heat_environments', 'murano_packages',
                 'tosca_templates', 'images', 'murano')


@base.with_backends
class VersionsTests:
    """GET / and /versions, and the choice of the API version."""

    def _check_versions(self, resp):
        self.assertEqual(300, resp.status_code, base.brief(resp))
        self.assertEqual(JSON_TYPE, resp.headers['Content-Type'])
        versions = resp.json()['versions']
        by_version = {v['version']: v for v in versions}
        self.assertEqual({'1.0', '1.1', '1.2', '1.3', '1.4', '1.5', '1.6'},
                         set(by_version))
        self.assertEqual(7, len(versions))
        self.assertEqual('STABLE', by_version['1.0']['status'])
        self.assertEqual('SUPPORTED', by_version['1.1']['status'])
        # 1.2: sharing (CATALOG.md §1), 1.3: bundles (§2), 1.4:
        # federation (§3), 1.5: signatures (§4), 1.6: catalog signals (§5)
        self.assertEqual('SUPPORTED', by_version['1.2']['status'])
        self.assertEqual('SUPPORTED', by_version['1.3']['status'])
        self.assertEqual('SUPPORTED', by_version['1.4']['status'])
        self.assertEqual('SUPPORTED', by_version['1.5']['status'])
        self.assertEqual('CURRENT', by_version['1.6']['status'])
        for text, v in by_version.items():
            self.assertEqual(ACCEPT % text, v['media-type'])
            self.assertIsInstance(v['links'], list)
            self.assertTrue(v['links'], v)
            for link in v['links']:
                self.assertIn('href', link)
                self.assertIn('rel', link)

    def test_root_and_versions(self):
        for path in ('/', '/versions'):
            self._check_versions(self.get(path))

    def test_versions_answer_before_auth(self):
        # an anonymous caller is refused everywhere else (401) ...
        anon = {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u'}
        self.assertError(401, self.get('/artifacts/sample_artifact',
                                       headers=anon))
        # ... but still learns the versions
        self._check_versions(self.get('/versions', headers=anon))
        self._check_versions(self.get('/', headers=anon))

    def test_versions_other_methods_405(self):
        for method in ('POST', 'PUT', 'DELETE', 'PATCH'):
            resp = self.request(method, '/versions')
            self.assertError(405, resp)
            allowed = {m.strip() for m in resp.headers['Allow'].split(',')}
            self.assertIn('GET', allowed)
            self.assertNotIn(method, allowed)

    def _version_of(self, headers):
        resp = self.get('/schemas/all', headers=headers)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertIn('OpenStack-API-Version',
                      [v.strip() for v in resp.headers['Vary'].split(',')])
        return resp.headers['OpenStack-API-Version']

    def test_default_version_is_1_0(self):
        self.assertEqual('artifact 1.0', self._version_of({}))

    def test_accept_header_selects_version(self):
        self.assertEqual('artifact 1.1',
                         self._version_of({'Accept': ACCEPT % '1.1'}))
        self.assertEqual('artifact 1.0',
                         self._version_of({'Accept': ACCEPT % '1.0'}))
        self.assertEqual('artifact 1.6',
                         self._version_of({'Accept': ACCEPT % 'latest'}))

    def test_openstack_api_version_header(self):
        self.assertEqual('artifact 1.1', self._version_of(
            {'OpenStack-API-Version': 'artifact 1.1'}))
        self.assertEqual('artifact 1.0', self._version_of(
            {'OpenStack-API-Version': 'artifact 1.0'}))
        self.assertEqual('artifact 1.6', self._version_of(
            {'OpenStack-API-Version': 'artifact latest'}))

    def test_accept_wins_over_version_header(self):
        self.assertEqual('artifact 1.1', self._version_of({
            'Accept': ACCEPT % '1.1',
            'OpenStack-API-Version': 'artifact 1.0'}))

    def test_version_echoed_on_error_responses(self):
        af_url = '/artifacts/sample_artifact'
        for method, path, headers, code in (
                ('GET', af_url + '/2cb2a2d2-2a36-4de9-9bb0-5ecf2a9bc9f6',
                 {'Accept': ACCEPT % '1.1'}, 404),
                ('GET', af_url + '?sort=nope', {}, 400),
                ('GET', '/schemas/nope',
                 {'OpenStack-API-Version': 'artifact 1.1'}, 404),
                ('PUT', af_url, {}, 405)):
            resp = self.request(method, path, headers=dict(headers,
                                                           **self.user))
            self.assertError(code, resp)
            self.assertEqual('artifact 1.1' if headers else 'artifact 1.0',
                             resp.headers.get('OpenStack-API-Version'),
                             (method, path, dict(resp.headers)))
            self.assertIn('OpenStack-API-Version', [
                v.strip() for v in resp.headers.get('Vary', '').split(',')])

    def test_malformed_version_400(self):
        for headers in ({'Accept': ACCEPT % 'abc'},
                        {'Accept': ACCEPT % '1'},
                        {'Accept': ACCEPT % '1.0.0'},
                        {'OpenStack-API-Version': 'artifact one'},
                        {'OpenStack-API-Version': 'artifact 1.x'},
                        {'OpenStack-API-Version': 'artifact'}):
            self.assertError(400, self.get('/schemas/all', headers=headers))

    def test_out_of_range_version_406(self):
        for headers in ({'Accept': ACCEPT % '2.0'},
                        {'Accept': ACCEPT % '0.9'},
                        {'Accept': ACCEPT % '1.7'},
                        {'OpenStack-API-Version': 'artifact 1.99'}):
            body = self.assertError(406, self.get('/schemas/all',
                                                  headers=headers))
            self.assertEqual('1.0', body['min_version'])
            self.assertEqual('1.6', body['max_version'])


@base.with_backends
class ErrorsAndRoutesTests:
    """Request ids, JSON error documents, 404/405 and bodies on GET."""

    def test_request_id_on_every_kind_of_response(self):
        # base.request asserts the header on each of these
        self.get('/')
        self.get('/versions')
        self.get('/schemas')
        self.get('/artifacts/sample_artifact', headers=self.user)
        self.get('/artifacts/nope')
        self.request('PUT', '/artifacts/sample_artifact')
        self.get('/no/such/path')
        self.get('/schemas/all', headers={'Accept': ACCEPT % '9.9'})
        self.get('/artifacts/sample_artifact', headers={
            'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u'})
        first = self.get('/versions').headers['x-openstack-request-id']
        second = self.get('/versions').headers['x-openstack-request-id']
        self.assertNotEqual(first, second)

    def test_healthcheck_answers_before_auth(self):
        for headers in ({}, self.user, {'X-Identity-Status': 'Confirmed'}):
            resp = self.get('/healthcheck', headers=headers)
            self.assertEqual(200, resp.status_code, base.brief(resp))

    def test_undecodable_query_400(self):
        for query in ('name=%FF', 'name=%C3', '%FF=1', 'sort=%FE'):
            self.assertError(400, self.get(
                '/artifacts/sample_artifact?' + query, headers=self.user))

    def test_unknown_paths_are_json_404(self):
        for path in ('/no/such/path', '/artifacts', '/v2/artifacts',
                     '/schemas/all/extra'):
            self.assertError(404, self.get(path, headers=self.user))

    def test_unknown_type_404(self):
        self.assertError(404, self.get('/artifacts/nope',
                                       headers=self.user))
        self.assertError(404, self.post('/artifacts/nope', {'name': 'x'},
                                        headers=self.user))
        self.assertError(404, self.get(
            '/artifacts/nope/2cb2a2d2-2a36-4de9-9bb0-5ecf2a9bc9f6',
            headers=self.user))

    def test_secrets_not_enabled_by_default(self):
        self.assertError(404, self.get('/artifacts/secrets',
                                       headers=self.user))
        self.assertError(404, self.get('/schemas/secrets'))

    def _assert_405(self, method, path, allowed):
        resp = self.request(method, path, headers=self.user)
        self.assertError(405, resp)
        self.assertEqual(set(allowed), {
            m.strip() for m in resp.headers['Allow'].split(',')})

    def test_other_methods_on_artifact_paths_405(self):
        af = self.create()
        self._assert_405('PUT', '/artifacts/sample_artifact',
                         ('GET', 'POST'))
        self._assert_405('DELETE', '/artifacts/sample_artifact',
                         ('GET', 'POST'))
        self._assert_405('PATCH', '/artifacts/sample_artifact',
                         ('GET', 'POST'))
        self._assert_405('POST', self.url(af['id']),
                         ('GET', 'PATCH', 'DELETE'))
        self._assert_405('PUT', self.url(af['id']),
                         ('GET', 'PATCH', 'DELETE'))

    def test_other_methods_on_schemas_405(self):
        for path in ('/schemas', '/schemas/sample_artifact'):
            for method in ('POST', 'PUT', 'DELETE', 'PATCH'):
                self._assert_405(method, path, ('GET',))

    def test_body_on_get_and_delete_400(self):
        af = self.create()
        for method, path in (('GET', self.url()),
                             ('GET', self.url(af['id'])),
                             ('GET', '/schemas'),
                             ('GET', '/schemas/sample_artifact'),
                             ('DELETE', self.url(af['id']))):
            self.assertError(400, self.request(
                method, path, headers=self.user, data='{"a": 1}',
                content_type='application/json'))
        # the artifact survived the refused DELETE
        self.show(af['id'])

    def test_success_responses_are_json_utf8(self):
        af = self.create()
        for resp in (self.get(self.url(), headers=self.user),
                     self.get(self.url(af['id']), headers=self.user)):
            self.assertEqual(200, resp.status_code)
            self.assertEqual(JSON_TYPE, resp.headers['Content-Type'])


@base.with_backends
class SchemaTests:
    """/schemas and /schemas/{type}: shape and JSON Schema validity."""

    def _sample_schema(self):
        resp = self.get('/schemas/sample_artifact')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(SCHEMA_TYPE, resp.headers['Content-Type'])
        schemas = resp.json()['schemas']
        self.assertEqual(['sample_artifact'], list(schemas))
        return schemas['sample_artifact']

    def test_all_schemas(self):
        resp = self.get('/schemas')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(SCHEMA_TYPE, resp.headers['Content-Type'])
        schemas = resp.json()['schemas']
        self.assertEqual(set(DEFAULT_TYPES) | {'all', 'sample_artifact'},
                         set(schemas))
        for name, schema in schemas.items():
            self.assertEqual(name, schema['name'])
            jsonschema.Draft4Validator.check_schema(schema)
            self.assertEqual(schema, self.get('/schemas/' + name).json()[
                'schemas'][name])

    def test_sample_schema_shape(self):
        schema = self._sample_schema()
        jsonschema.Draft4Validator.check_schema(schema)
        self.assertEqual('sample_artifact', schema['name'])
        self.assertEqual('1.3', schema['version'])
        self.assertEqual('Artifact type sample_artifact of version 1.3',
                         schema['title'])
        self.assertEqual('object', schema['type'])
        self.assertEqual('Sample Artifact', schema['display_name'])
        self.assertEqual(['name'], schema['required'])
        props = schema['properties']
        self.assertTrue(set(SAMPLE_FIELDS) <= set(props),
                        set(SAMPLE_FIELDS) - set(props))
        for name, prop in props.items():
            self.assertIn('type', prop, name)
            self.assertIn('glareType', prop, name)
            self.assertIsInstance(prop['filter_ops'], list, name)

    def test_sample_schema_properties(self):
        props = self._sample_schema()['properties']
        blob = props['blob']
        self.assertEqual('Blob', blob['glareType'])
        self.assertEqual('I am Blob', blob['description'])
        self.assertIs(False, blob['required_on_activate'])
        self.assertIs(True, blob['mutable'])
        self.assertIn('null', blob['type'])
        self.assertIn('url', blob['properties'])
        self.assertEqual([], blob['filter_ops'])
        self.assertEqual('BlobDict', props['dict_of_blobs']['glareType'])
        self.assertEqual('Integer', props['int1']['glareType'])
        self.assertEqual(['integer', 'null'], props['int1']['type'])
        self.assertIs(True, props['int1']['sortable'])
        self.assertEqual('Float', props['float1']['glareType'])
        self.assertEqual('Boolean', props['bool1']['glareType'])
        self.assertIs(False, props['bool1']['default'])
        self.assertEqual(['eq'], props['bool1']['filter_ops'])
        self.assertEqual('Link', props['link1']['glareType'])
        self.assertEqual(['like', 'eq', 'neq', 'in'],
                         props['str1']['filter_ops'])
        self.assertEqual('StringList', props['list_of_str']['glareType'])
        self.assertEqual('IntegerList', props['list_of_int']['glareType'])
        self.assertEqual('StringDict', props['dict_of_str']['glareType'])
        self.assertEqual('IntegerDict', props['dict_of_int']['glareType'])
        self.assertEqual('LinkDict', props['dict_of_links']['glareType'])
        self.assertEqual('LinkList', props['list_of_links']['glareType'])
        self.assertEqual('DateTime', props['created_at']['glareType'])
        self.assertEqual('date-time', props['created_at']['format'])
        self.assertIs(True, props['created_at']['readOnly'])
        self.assertIs(True, props['id']['readOnly'])
        self.assertIs(True, props['system_attribute']['readOnly'])
        self.assertEqual('default', props['system_attribute']['default'])
        self.assertEqual({'metadata1': 'value1',
                          'metadata2': 'blahblahblah'},
                         props['metadata_attribute']['metadata'])
        # string_required is the only custom field required to activate
        self.assertNotIn('required_on_activate', props['string_required'])
        self.assertIs(False, props['string_mutable'][
            'required_on_activate'])
        self.assertIs(True, props['string_mutable']['mutable'])
        self.assertNotIn('mutable', props['int1'])
        # a nullable field's enum may admit null as well
        self.assertEqual(['aa', 'bb', 'c' * 11], [
            v for v in props['string_validators']['enum'] if v is not None])
        self.assertEqual(10, props['string_validators']['maxLength'])
        self.assertEqual(255, props['str1']['maxLength'])
        self.assertEqual('^([0-9a-fA-F]){8}$',
                         props['string_regex']['pattern'])
        self.assertEqual(10, props['int_validators']['minimum'])
        self.assertEqual(20, props['int_validators']['maximum'])
        self.assertEqual(3, props['list_validators']['maxItems'])
        self.assertIs(True, props['list_validators']['uniqueItems'])
        self.assertEqual(3, props['dict_validators']['maxProperties'])
        self.assertEqual(4096, props['description']['maxLength'])
        self.assertEqual(['string', 'null'],
                         props['__some_meta_information__']['type'])

    def test_artifact_keys_in_schema_and_artifact_validates(self):
        schema = self._sample_schema()
        af = self.create(int1=3, float1=1.5, list_of_str=['a'],
                         dict_of_int={'a': 1}, tags=['t'],
                         metadata={'k': 'v'}, link1='http://example.com/x')
        self.assertEqual(set(), set(af) - set(schema['properties']))
        jsonschema.Draft4Validator(schema).validate(af)
        listed = self.list('id=%s' % af['id'])['artifacts']
        self.assertEqual([af], listed)
        jsonschema.Draft4Validator(schema).validate(listed[0])

    def test_all_schema_has_type_name(self):
        resp = self.get('/schemas/all')
        self.assertEqual(200, resp.status_code)
        schema = resp.json()['schemas']['all']
        jsonschema.Draft4Validator.check_schema(schema)
        self.assertIn('type_name', schema['properties'])
        self.assertEqual('All Artifacts', schema['display_name'])

    def test_unknown_type_schema_404(self):
        self.assertError(404, self.get('/schemas/nope'))
        self.assertError(404, self.get('/schemas/secrets'))
