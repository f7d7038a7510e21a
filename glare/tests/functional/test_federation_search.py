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

"""Federated search (GET /artifacts/{type}?federated=true) on three real
federated glare-api: global <- vendor <- enterprise (-> global)."""

import http.server
import socket
import threading
import time
import uuid

from glare.tests.functional import base
from glare.tests.functional import federation_base

HOPS = 'X-Glare-Federation-Hops'
#: seconds past an upstream's timeout an answer may take (the search's own
#: margin, the request's round trip, a shared machine)
SLACK = 1.5


class HangingServer:
    """Accepts connections on loopback and never answers."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(('127.0.0.1', 0))
        self.sock.listen(16)
        self.url = 'http://127.0.0.1:%d' % self.sock.getsockname()[1]
        self.held = []
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self):
        while True:
            try:
                conn, _addr = self.sock.accept()
            except OSError:
                return
            self.held.append(conn)

    def close(self):
        self.sock.close()
        for conn in self.held:
            conn.close()


class _BadHandler(http.server.BaseHTTPRequestHandler):
    """/junk/...: 200 with HTML; /notalist/...: 200 with JSON that is no
    list; /broken/...: 500."""

    def do_GET(self):
        if self.path.startswith('/junk/'):
            self._send(200, 'application/json', b'<html>surprise</html>')
        elif self.path.startswith('/notalist/'):
            self._send(200, 'application/json', b'{"hello": "world"}')
        else:
            self._send(500, 'text/plain', b'database on fire')

    def _send(self, code, content_type, body):
        self.send_response(code)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class BadServer:
    def __init__(self):
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     _BadHandler)
        self.url = 'http://127.0.0.1:%d' % self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       daemon=True)
        self.thread.start()

    def close(self):
        self.httpd.shutdown()
        self.httpd.server_close()


@federation_base.with_backends
class FederatedSearchTests:

    def search(self, cloud='enterprise', query='', headers=None,
               extra_headers=None, type_name='sample_artifact'):
        sent = dict(headers if headers is not None else self.user)
        sent.update(extra_headers or {})
        t0 = time.monotonic()
        resp = self.call(cloud, 'GET', '/artifacts/%s?federated=true%s' % (
            type_name, '&' + query if query else ''), sent)
        self.took = time.monotonic() - t0
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def found(self, body):
        """{id: origin's upstream path (None: local)}; each id once."""
        ids = [a['id'] for a in body['artifacts']]
        self.assertEqual(len(ids), len(set(ids)), ids)
        return {a['id']: (a['origin'] or {}).get('upstream')
                for a in body['artifacts']}

    def make(self, cloud, tag, publish=False, headers=None, **fields):
        fields.setdefault('string_required', 'x')
        art = self.create(cloud, headers=headers, tags=[tag], **fields)
        if publish:
            self.publish(cloud, art['id'])
        return art['id']

    def restore(self, name):
        """Put cloud name back as TOPOLOGY has it, on its port."""
        self.addCleanup(self.restart_cloud, name,
                        self.topology_upstreams(name), keep_port=True)

    def ok(self, *paths):
        return {p: {'status': 'ok', 'detail': None} for p in paths}

    def test_local_vendor_and_global_in_one_answer(self):
        tag = 'fed-' + uuid.uuid4().hex[:8]
        other = base.FunctionalTest.auth('someone-else')
        local = self.make('enterprise', tag)
        vendor_public = self.make('vendor', tag, publish=True)
        # the service's projects: enterprise's at vendor and at global, and
        # vendor's at global (reached from enterprise through vendor only)
        vendor_svc = self.make('vendor', tag, headers=self.as_service(
            'enterprise', 'vendor'))
        global_public = self.make('global', tag, publish=True)
        global_svc = self.make('global', tag, headers=self.as_service(
            'enterprise', 'global'))
        via_vendor = self.make('global', tag, headers=self.as_service(
            'vendor', 'global'))
        # never seen: other projects' private artifacts, anywhere
        hidden = [self.make(cloud, tag, headers=other)
                  for cloud in ('enterprise', 'vendor', 'global')]

        body = self.search(query='tags=%s' % tag)
        self.assertEqual({
            local: None,
            vendor_public: 'vendor', vendor_svc: 'vendor',
            # reached directly and through vendor: once, the short way
            global_public: 'global', global_svc: 'global',
            via_vendor: 'vendor/global'}, self.found(body))
        self.assertFalse(set(hidden) & set(self.found(body)))
        origins = {a['id']: a['origin'] for a in body['artifacts']}
        self.assertIsNone(origins[local])
        self.assertEqual({'upstream': 'vendor', 'cloud_id': 'cloud-vendor',
                          'id': vendor_public, 'digest': None},
                         origins[vendor_public])
        self.assertEqual({'upstream': 'vendor/global',
                          'cloud_id': 'cloud-global', 'id': via_vendor,
                          'digest': None}, origins[via_vendor])
        self.assertEqual('cloud-global', origins[global_public]['cloud_id'])
        self.assertEqual(self.ok('vendor', 'vendor/global', 'global'),
                         body['upstreams'])
        self.assertEqual('cloud-enterprise', body['cloud_id'])
        # what each source reported: 1 here, vendor 2 + its global's 2
        # (global_public and via_vendor), global 2
        self.assertEqual(7, body['total_count'])
        self.assertNotIn('next', body)
        self.assertNotIn('federation', body)
        self.assertIn('federated=true', body['first'])

        # the local part is the list as it is without federated=true
        plain = self.call('enterprise', 'GET',
                          '/artifacts/sample_artifact?tags=%s' % tag)
        self.assertEqual(200, plain.status_code, base.brief(plain))
        self.assertEqual(plain.json()['artifacts'],
                         [a for a in body['artifacts']
                          if a['origin'] is None])
        self.assertNotIn('upstreams', plain.json())
        self.assertNotIn('ETag', plain.headers)
        off = self.call('enterprise', 'GET', '/artifacts/sample_artifact?'
                        'tags=%s&federated=false' % tag)
        self.assertEqual(plain.json()['artifacts'], off.json()['artifacts'])
        self.assertNotIn('upstreams', off.json())

        # /artifacts/all: the same artifacts
        body = self.search(query='tags=%s' % tag, type_name='all')
        self.assertEqual(6, len(body['artifacts']))
        self.assertEqual({'sample_artifact'},
                         {a['type_name'] for a in body['artifacts']})

    def test_filters_sort_and_limit_apply_across_sources(self):
        name = 'fed-sorted-' + uuid.uuid4().hex[:8]
        for cloud, version, publish in (
                ('enterprise', '1.0.0', False),
                ('enterprise', '3.0.0-rc.1', False),
                ('vendor', '2.0.0', True),
                ('global', '10.0.0', True),
                ('global', '3.0.0', True)):
            self.make(cloud, 'sorted', publish, name=name, version=version)

        def versions(body):
            return [a['version'] for a in body['artifacts']]

        body = self.search(query='name=%s&sort=version:asc' % name)
        # as versions, not as text ('10.0.0' < '2.0.0')
        self.assertEqual(['1.0.0', '2.0.0', '3.0.0-rc.1', '3.0.0',
                          '10.0.0'], versions(body))
        body = self.search(query='name=%s&sort=version:desc&'
                                 'version=gt:1.5.0' % name)
        self.assertEqual(['10.0.0', '3.0.0', '3.0.0-rc.1', '2.0.0'],
                         versions(body))
        # limit per catalog: enterprise's first, vendor's first and the
        # first vendor relayed from global, global's first (the same)
        body = self.search(query='name=%s&sort=version:desc&limit=1' % name)
        self.assertEqual(['10.0.0', '3.0.0-rc.1', '2.0.0'], versions(body))
        self.assertEqual({'global', 'vendor', None},
                         set(self.found(body).values()))
        self.assertEqual(2 + (1 + 2) + 2, body['total_count'])
        self.assertNotIn('next', body)

    def test_full_text_search_across_sources(self):
        word = 'fedq' + uuid.uuid4().hex[:8]
        local = self.make('enterprise', 'q', name=word + ' local')
        local_desc = self.make('enterprise', 'q', name='plain',
                               description=word)
        vendor = self.make('vendor', 'q', True, name=word + ' vendor')
        glob = self.make('global', 'q', True, name='other',
                         description=word + ' global')
        self.make('global', 'q', True, name=word + ' excluded',
                  description='nope')
        body = self.search(query='q=%s+-nope' % word)
        self.assertEqual({local: None, local_desc: None, vendor: 'vendor',
                          glob: 'global'}, self.found(body))
        self.assertEqual(self.ok('vendor', 'global', 'vendor/global'),
                         body['upstreams'])
        # relevance: each catalog's order, interleaved by rank
        body = self.search(query='q=%s+-nope&sort=relevance' % word)
        order = [a["id"] for a in body["artifacts"]]
        self.assertLess(order.index(local), order.index(local_desc))
        self.assertEqual({local, local_desc, vendor, glob}, set(order))

    def test_a_stopped_upstream_is_an_error_and_the_rest_comes(self):
        tag = 'fed-' + uuid.uuid4().hex[:8]
        local = self.make('enterprise', tag)
        public = self.make('global', tag, publish=True)
        self.restore('vendor')
        self.clouds['vendor'].stop()
        body = self.search(query='tags=%s' % tag)
        self.assertLess(self.took, 5 + SLACK)  # vendor's timeout is 5
        self.assertEqual({local: None, public: 'global'}, self.found(body))
        self.assertEqual('error', body['upstreams']['vendor']['status'])
        detail = body['upstreams']['vendor']['detail']
        self.assertIn('cannot connect', detail)
        self.assertNotIn(str(self.clouds['vendor'].port), detail)
        self.assertEqual(self.ok('global')['global'],
                         body['upstreams']['global'])
        self.assertEqual({'vendor', 'global'}, set(body['upstreams']))

    def test_hanging_garbage_and_failing_upstreams(self):
        tag = 'fed-' + uuid.uuid4().hex[:8]
        local = self.make('enterprise', tag)
        hanging, bad = HangingServer(), BadServer()
        self.addCleanup(hanging.close)
        self.addCleanup(bad.close)
        self.restore('enterprise')
        extra = {'upstream:hang': {'url': hanging.url, 'timeout': '2'},
                 'upstream:junk': {'url': bad.url + '/junk'},
                 'upstream:notalist': {'url': bad.url + '/notalist'},
                 'upstream:broken': {'url': bad.url + '/broken'}}
        self.restart_cloud(
            'enterprise', ('vendor', 'global', 'hang', 'junk', 'notalist',
                           'broken'), extra, keep_port=True)
        body = self.search(query='tags=%s' % tag)
        self.assertLess(self.took, 2 + SLACK)
        self.assertGreater(self.took, 1.9)
        self.assertEqual({local: None}, self.found(body))
        statuses = body['upstreams']
        self.assertEqual({'status': 'timeout',
                          'detail': 'no answer within 2 s'},
                         statuses['hang'])
        self.assertEqual('error', statuses['junk']['status'])
        self.assertIn('is not JSON', statuses['junk']['detail'])
        self.assertEqual('error', statuses['notalist']['status'])
        self.assertIn('no "artifacts" list', statuses['notalist']['detail'])
        self.assertEqual('error', statuses['broken']['status'])
        self.assertIn('500 database on fire', statuses['broken']['detail'])
        for name in ('vendor', 'vendor/global', 'global'):
            self.assertEqual('ok', statuses[name]['status'], name)
        # the hanging one still holds its connection: nothing waits on it
        body = self.search(query='tags=%s' % tag)
        self.assertEqual('timeout', body['upstreams']['hang']['status'])

    def test_a_ring_ends_at_max_hops(self):
        tag = 'fed-' + uuid.uuid4().hex[:8]
        # public: global's service identity at enterprise sees it
        local = self.make('enterprise', tag, publish=True)
        public = self.make('global', tag, publish=True)
        self.restore('global')
        self.restart_cloud('global', ('enterprise',), keep_port=True)
        body = self.search(query='tags=%s' % tag)
        self.assertLess(self.took, 5 + SLACK)
        # enterprise's own artifact came back around the ring: shown once
        self.assertEqual({local: None, public: 'global'}, self.found(body))
        statuses = body['upstreams']
        # enterprise(0) -> global(1) -> enterprise(2) -> vendor(3): cut
        self.assertIn('max_hops', statuses['global/enterprise/vendor'][
            'detail'])
        self.assertIn('max_hops', statuses['vendor/global/enterprise'][
            'detail'])
        self.assertEqual({'ok'}, {s['status'] for s in statuses.values()})
        self.assertEqual(3, max(len(p.split('/')) for p in statuses))

    def test_hops_and_parameters(self):
        tag = 'fed-' + uuid.uuid4().hex[:8]
        local = self.make('enterprise', tag)
        self.make('vendor', tag, publish=True)
        for value in ('x', '-1', '1.5', ''):
            resp = self.call('enterprise', 'GET', '/artifacts/sample_artifact'
                             '?federated=true', dict(self.user, **{
                                 HOPS: value}))
            self.assertError(400, resp, HOPS)
        # arrived at max_hops (3): local only, and it says so
        body = self.search(query='tags=%s' % tag, extra_headers={HOPS: '3'})
        self.assertEqual({local: None}, self.found(body))
        self.assertEqual({}, body['upstreams'])
        self.assertEqual('max_hops', body['federation'])
        # without federated=true the header changes nothing
        resp = self.call('enterprise', 'GET', '/artifacts/sample_artifact?'
                         'tags=%s' % tag, dict(self.user, **{HOPS: 'x'}))
        self.assertEqual([local], [a['id'] for a in resp.json()['artifacts']])
        self.assertError(400, self.call(
            'enterprise', 'GET', '/artifacts/sample_artifact?federated=maybe'),
            'federated is true or false')
        self.assertError(400, self.call(
            'enterprise', 'GET', '/artifacts/sample_artifact?federated=true&'
            'marker=%s' % local), 'marker cannot be used with federated')
        # a bad filter is refused here before any upstream is asked
        self.assertError(400, self.call(
            'enterprise', 'GET', '/artifacts/sample_artifact?federated=true&'
            'nosuchfield=1'), 'nosuchfield')
        # the upstreams answer as the service: callers without a project
        # role may not make them
        self.assertError(403, self.call(
            'enterprise', 'GET', '/artifacts/sample_artifact?federated=true',
            base.FunctionalTest.auth(self.project, 'observer')))
