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

"""The HTTP layer of upstream sessions, over real loopback servers."""

import base64
import http.server
import os
import socket
import threading
from unittest import mock

import fixtures
from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
import requests

from glare.services import upstream_http
from glare.tests import base


class _Handler(http.server.BaseHTTPRequestHandler):
    """Records each request (line and headers); waits for the server's
    hold event, if any, before it answers."""

    def do_GET(self):
        self.server.seen.append((self.requestline, dict(self.headers)))
        if self.server.hold is not None:
            self.server.hold.wait(5)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header('Content-Type', 'application/json')
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def serve(test, hold=None):
    httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Handler)
    httpd.daemon_threads = True
    httpd.seen = []
    httpd.hold = hold
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    test.addCleanup(thread.join, 5)
    test.addCleanup(httpd.server_close)
    test.addCleanup(httpd.shutdown)
    return httpd, 'http://127.0.0.1:%d' % httpd.server_address[1]


def session(**kwargs):
    sess = ks_session.Session(session=upstream_http.Session(), **kwargs)
    upstream_http.mount_adapters(sess)
    return sess


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class TestRequestWritten(base.TestCase):

    def test_runs_once_the_request_is_out_before_the_answer(self):
        # the server answers only once the callback ran: a callback run
        # after the answer was read would never come
        hold = threading.Event()
        httpd, url = serve(self, hold)
        ran = []

        def written():
            ran.append(1)
            hold.set()
        upstream_http.on_request_written(written)
        resp = session().get(url + '/a', timeout=10)
        self.assertEqual({'ok': True}, resp.json())
        self.assertEqual([1], ran)
        # once only: the next request runs nothing
        self.assertEqual(200, session().get(url + '/b',
                                            timeout=10).status_code)
        self.assertEqual([1], ran)
        self.assertEqual(2, len(httpd.seen))

    def test_not_run_when_nothing_is_written(self):
        ran = []
        upstream_http.on_request_written(lambda: ran.append(1))
        self.addCleanup(upstream_http.on_request_written, None)
        self.assertRaises(
            ks_exc.ConnectFailure, session().get,
            'http://127.0.0.1:%d/' % free_port(), timeout=5)
        self.assertEqual([], ran)

    def test_per_thread(self):
        _httpd, url = serve(self)
        ran = []
        upstream_http.on_request_written(lambda: ran.append('main'))
        self.addCleanup(upstream_http.on_request_written, None)
        other = threading.Thread(
            target=lambda: session().get(url, timeout=10))
        other.start()
        other.join(10)
        self.assertEqual([], ran)

    def test_keystoneauth_settings_kept(self):
        sess = session(tls_min_version='1.2')
        adapter = sess.session.get_adapter('https://example.com')
        self.assertIsInstance(adapter, ks_session.TCPKeepAliveAdapter)
        self.assertEqual('1.2', adapter.tls_min_version)
        options = adapter.poolmanager.connection_pool_kw['socket_options']
        self.assertIn((socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1), options)


class TestEnvironment(base.TestCase):

    def setUp(self):
        super().setUp()
        env = {k: v for k, v in os.environ.items()
               if k.lower() not in ('http_proxy', 'https_proxy', 'all_proxy',
                                    'no_proxy', 'requests_ca_bundle',
                                    'curl_ca_bundle', 'netrc')}
        patcher = mock.patch.dict(os.environ, env, clear=True)
        patcher.start()
        self.addCleanup(patcher.stop)

    def test_proxies_of_the_environment_read_once_per_origin(self):
        proxy, proxy_url = serve(self)
        os.environ['http_proxy'] = proxy_url
        sess = upstream_http.Session()
        self.addCleanup(sess.close)
        calls = []
        real = requests.utils.get_environ_proxies

        def counted(url, no_proxy=None):
            calls.append(url)
            return real(url, no_proxy=no_proxy)
        with mock.patch.object(requests.utils, 'get_environ_proxies',
                               counted):
            for path in ('/a', '/b', '/c'):
                resp = sess.get('http://catalog.example' + path, timeout=10)
                self.assertEqual(200, resp.status_code)
        self.assertEqual(1, len(calls))
        # the proxy got the three requests, each in absolute form
        self.assertEqual(
            ['GET http://catalog.example/%s HTTP/1.1' % p
             for p in ('a', 'b', 'c')],
            [line for line, _h in proxy.seen])

    def test_no_proxy_is_honoured(self):
        proxy, proxy_url = serve(self)
        target, target_url = serve(self)
        os.environ['http_proxy'] = proxy_url
        os.environ['no_proxy'] = '127.0.0.1'
        sess = upstream_http.Session()
        self.addCleanup(sess.close)
        self.assertEqual(200, sess.get(target_url + '/x',
                                       timeout=10).status_code)
        self.assertEqual([], proxy.seen)
        self.assertEqual(['GET /x HTTP/1.1'],
                         [line for line, _h in target.seen])

    def test_netrc_credentials_are_sent_as_requests_sends_them(self):
        target, target_url = serve(self)
        netrc = os.path.join(self.useFixture(fixtures.TempDir()).path,
                             'netrc')
        with open(netrc, 'w') as f:
            f.write('machine 127.0.0.1 login alice password s3cret\n')
        os.chmod(netrc, 0o600)
        os.environ['NETRC'] = netrc
        for sess in (upstream_http.Session(), requests.Session()):
            self.addCleanup(sess.close)
            sess.get(target_url + '/x', timeout=10)
            sess.get(target_url + '/y', timeout=10,
                     headers={'Authorization': 'Bearer t'})
            sess.get(target_url + '/z', timeout=10, auth=('bob', 'pw'))
        sent = [h.get('Authorization') for _l, h in target.seen]
        alice = 'Basic ' + base64.b64encode(b'alice:s3cret').decode()
        bob = 'Basic ' + base64.b64encode(b'bob:pw').decode()
        # requests lets ~/.netrc win over an Authorization header, not
        # over auth=
        self.assertEqual([alice, alice, bob] * 2, sent)

    def test_ca_bundle_of_the_environment(self):
        os.environ['REQUESTS_CA_BUNDLE'] = '/etc/ssl/example.pem'
        sess = upstream_http.Session()
        self.addCleanup(sess.close)
        merged = sess.merge_environment_settings(
            'https://example.com/', {}, None, True, None)
        self.assertEqual('/etc/ssl/example.pem', merged['verify'])
        merged = sess.merge_environment_settings(
            'https://example.com/', {}, None, False, None)
        self.assertIs(False, merged['verify'])
        merged = sess.merge_environment_settings(
            'https://example.com/', {}, None, '/other.pem', None)
        self.assertEqual('/other.pem', merged['verify'])
