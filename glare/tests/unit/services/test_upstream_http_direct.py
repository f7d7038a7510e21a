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

"""Upstream.get_json on upstream_http.Direct (urllib3 straight), over
real loopback servers: what it sends (the very request keystoneauth1 and
requests send), proxies, TLS with a test CA, re-authentication on 401,
and the limits (timeout, size, a never-ending body, no redirects)."""

import base64
import gzip
import http.server
import json
import os
import socket
import ssl
import threading
import time
from unittest import mock

import fixtures
from keystoneauth1 import plugin as ks_plugin
from keystoneauth1 import session as ks_session
from urllib3 import exceptions as urllib3_exc

from glare.conf import federation as federation_conf
from glare.services import upstream_http
from glare.services import upstreams
from glare.tests import base
from glare.tests.fixtures import upstream_fakes

DOC = {'cloud_id': 'c', 'artifacts': [{'id': 'a', 'name': 'ü'}],
       'total_count': 1}
PATH = '/artifacts/sample_artifact'
PARAMS = [('name', 'a b/ü'), ('tags', 'in:x,y'), ('limit', '20'),
          ('federated', 'true')]


def json_answer(handler, doc=DOC, code=200, headers=()):
    body = json.dumps(doc).encode()
    handler.send_response(code)
    handler.send_header('Content-Type', 'application/json')
    handler.send_header('Content-Length', str(len(body)))
    for name, value in headers:
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


class _Handler(http.server.BaseHTTPRequestHandler):
    """Records each request (line, headers, client port) and answers
    with the server's answer(handler) (a JSON list by default)."""

    protocol_version = 'HTTP/1.1'

    def do_GET(self):
        self.server.seen.append((self.requestline, dict(self.headers),
                                 self.client_address[1]))
        if self.server.hold is not None:
            self.server.hold.wait(5)
        (self.server.answer or json_answer)(self)

    def log_message(self, *args):
        pass


class Server:
    def __init__(self, test, answer=None, tls=None, hold=None):
        self.httpd = http.server.ThreadingHTTPServer(('127.0.0.1', 0),
                                                     _Handler)
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket,
                                                server_side=True)
        self.httpd.seen = []
        self.httpd.answer = answer
        self.httpd.hold = hold
        self.port = self.httpd.server_address[1]
        self.url = '%s://127.0.0.1:%d' % ('https' if tls else 'http',
                                          self.port)
        thread = threading.Thread(target=self.httpd.serve_forever,
                                  daemon=True)
        thread.start()
        test.addCleanup(thread.join, 5)
        test.addCleanup(self.httpd.server_close)
        test.addCleanup(self.httpd.shutdown)

    @property
    def seen(self):
        return self.httpd.seen


def free_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class UpstreamTestCase(base.TestCase):
    """An Upstream called 'up' of options given to upstream(); the
    process environment without proxies, CA bundles or netrc."""

    def setUp(self):
        super().setUp()
        self.dir = self.useFixture(fixtures.TempDir()).path
        env = {k: v for k, v in os.environ.items()
               if k.lower() not in ('http_proxy', 'https_proxy', 'all_proxy',
                                    'no_proxy', 'requests_ca_bundle',
                                    'curl_ca_bundle', 'netrc')}
        # no ~/.netrc of the machine's either
        env['NETRC'] = os.path.join(self.dir, 'no-netrc')
        patcher = mock.patch.dict(os.environ, env, clear=True)
        patcher.start()
        self.addCleanup(patcher.stop)
        upstream_http.on_request_written(None)
        self.addCleanup(upstream_http.on_request_written, None)

    def upstream(self, url, **options):
        options.setdefault('timeout', '5')
        lines = ['[federation]', 'upstreams = up', '[upstream:up]',
                 'url = %s' % url]
        lines += ['%s = %s' % kv for kv in options.items()]
        path = os.path.join(self.dir, 'glare.conf')
        with open(path, 'w') as f:
            f.write('\n'.join(lines) + '\n')
        conf = self.useFixture(base.ConfigFixture(
            ['--config-file', path])).conf
        federation_conf.check_upstreams(conf)
        return upstreams.Upstreams(conf).get('up')

    def admin(self, url, **options):
        """An upstream called with keystoneauth1's admin_token plugin."""
        return self.upstream(url, auth_type='admin_token', endpoint=url,
                             token='svc-token', **options)

    def failed(self, upstream, status, detail, **kwargs):
        exc = self.assertRaises(upstreams.UpstreamError, upstream.get_json,
                                PATH, **kwargs)
        self.assertEqual(status, exc.status, exc.detail)
        self.assertIn(detail, exc.detail)
        return exc


class TestRequest(UpstreamTestCase):

    def test_the_request_keystoneauth1_and_requests_send(self):
        srv = Server(self)
        up = self.admin(srv.url)
        hops = {'X-Glare-Federation-Hops': '2'}
        resp = up.request('GET', PATH, params=PARAMS, headers=hops)
        self.assertEqual(DOC, resp.json())
        self.assertEqual(DOC, up.get_json(PATH, params=PARAMS,
                                          headers=hops))
        (line1, sent1, _p1), (line2, sent2, _p2) = srv.seen
        self.assertEqual(line1, line2)
        self.assertEqual(
            'GET /artifacts/sample_artifact?name=a+b%2F%C3%BC&'
            'tags=in%3Ax%2Cy&limit=20&federated=true HTTP/1.1', line2)
        self.assertEqual(sent1, sent2)
        self.assertEqual('svc-token', sent2['X-Auth-Token'])
        self.assertEqual('glare-federation', sent2['User-Agent'])
        self.assertEqual('artifact 1.4', sent2['OpenStack-API-Version'])
        self.assertEqual('2', sent2['X-Glare-Federation-Hops'])

    def test_a_path_under_the_url_and_a_kept_connection(self):
        srv = Server(self)
        up = self.upstream(srv.url + '/under/')
        for _i in range(3):
            self.assertEqual(DOC, up.get_json(PATH))
        self.assertEqual(['GET /under%s HTTP/1.1' % PATH] * 3,
                         [line for line, _h, _p in srv.seen])
        # no auth_type: no token
        self.assertNotIn('X-Auth-Token', srv.seen[0][1])
        # one connection for the three
        self.assertEqual(1, len({port for _l, _h, port in srv.seen}))

    def test_written_runs_once_the_request_is_out(self):
        hold = threading.Event()
        srv = Server(self, hold=hold)
        up = self.upstream(srv.url)
        ran = []

        def sent():
            ran.append(len(srv.seen))
            hold.set()
        self.assertEqual(DOC, up.get_json(PATH, on_sent=sent))
        self.assertEqual(1, len(ran))
        # and not again for the next call
        self.assertEqual(DOC, up.get_json(PATH))
        self.assertEqual(1, len(ran))

    def test_a_compressed_answer(self):
        def gzipped(handler):
            body = gzip.compress(json.dumps(DOC).encode())
            handler.send_response(200)
            handler.send_header('Content-Encoding', 'gzip')
            handler.send_header('Content-Length', str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        srv = Server(self, gzipped)
        self.assertEqual(DOC, self.upstream(srv.url).get_json(PATH))
        self.assertIn('gzip', srv.seen[0][1]['Accept-Encoding'])

    def test_netrc_is_sent_as_requests_sends_it(self):
        srv = Server(self)
        netrc = os.path.join(self.dir, 'netrc')
        with open(netrc, 'w') as f:
            f.write('machine 127.0.0.1 login alice password s3cret\n')
        os.chmod(netrc, 0o600)
        os.environ['NETRC'] = netrc
        up = self.admin(srv.url)
        up.request('GET', PATH).close()
        up.get_json(PATH)
        alice = 'Basic ' + base64.b64encode(b'alice:s3cret').decode()
        self.assertEqual([alice, alice], [h['Authorization']
                                          for _l, h, _p in srv.seen])
        self.assertEqual(['svc-token'] * 2, [h['X-Auth-Token']
                                             for _l, h, _p in srv.seen])

    def test_cookies_as_requests_keeps_them(self):
        # a load balancer's stickiness, say: set by one answer, sent with
        # the next requests of either path
        srv = Server(self, lambda h: json_answer(h, headers=[
            ('Set-Cookie', 'lb=node2; Path=/')] if len(
                h.server.seen) == 1 else []))
        up = self.admin(srv.url)
        for _i in range(2):
            self.assertEqual(DOC, up.get_json(PATH))
        up.request('GET', PATH).close()
        self.assertEqual([None, 'lb=node2', 'lb=node2'],
                         [h.get('Cookie') for _l, h, _p in srv.seen])

    def test_errors_name_the_upstream_answer(self):
        srv = Server(self, lambda h: json_answer(
            h, {'error': {'message': 'database on fire'}}, 500))
        exc = self.failed(self.upstream(srv.url), 'error',
                          'GET %s: 500 database on fire' % PATH)
        self.assertEqual(500, exc.code)
        self.assertEqual('upstream up: GET %s: 500 database on fire' % PATH,
                         str(exc))

    def test_an_answer_that_is_no_json(self):
        def html(handler):
            handler.send_response(200)
            handler.send_header('Content-Length', '6')
            handler.end_headers()
            handler.wfile.write(b'<html>')
        self.failed(self.upstream(Server(self, html).url), 'error',
                    'answer to GET %s is not JSON' % PATH)

    def test_nobody_listening(self):
        url = 'http://127.0.0.1:%d' % free_port()
        self.failed(self.upstream(url), 'error', 'cannot connect to %s' % url)

    def test_credentials_that_cannot_be_had(self):
        # a password plugin whose identity service is not there
        up = self.upstream(
            Server(self).url, auth_type='password',
            auth_url='http://127.0.0.1:%d/v3' % free_port(),
            username='u', password='p', project_name='p',
            user_domain_id='default', project_domain_id='default')
        self.failed(up, 'error', 'the service could not authenticate')


class TestLimits(UpstreamTestCase):

    def test_no_answer_within_the_timeout(self):
        pit = upstream_fakes.TarPit()
        self.addCleanup(pit.stop)
        up = self.upstream(pit.url, timeout='1')
        t0 = time.monotonic()
        self.failed(up, 'timeout', 'no answer within 1')
        self.assertLess(time.monotonic() - t0, 2)

    def test_a_body_that_trickles_ends_at_the_deadline(self):
        def trickle(handler):
            handler.send_response(200)
            handler.send_header('Content-Length', '1000')
            handler.end_headers()
            try:
                for _i in range(100):
                    handler.wfile.write(b' ')
                    handler.wfile.flush()
                    time.sleep(0.1)
            except OSError:
                pass  # the client gave up: the point
        up = self.upstream(Server(self, trickle).url, timeout='1')
        t0 = time.monotonic()
        exc = self.failed(up, 'timeout', 'answer to GET %s ' % PATH)
        took = time.monotonic() - t0
        self.assertLess(took, 1.6, exc.detail)
        self.assertGreater(took, 0.9)

    def test_a_body_that_stalls(self):
        def stall(handler):
            handler.send_response(200)
            handler.send_header('Content-Length', '1000')
            handler.end_headers()
            handler.wfile.write(b'{"a"')
            handler.wfile.flush()
            time.sleep(3)
        up = self.upstream(Server(self, stall).url, timeout='1')
        self.failed(up, 'timeout', 'answer to GET %s stalled' % PATH)

    def test_a_body_cut_short(self):
        def cut(handler):
            handler.send_response(200)
            handler.send_header('Content-Length', '1000')
            handler.end_headers()
            handler.wfile.write(b'{"a": 1')
            handler.close_connection = True
        up = self.upstream(Server(self, cut).url)
        self.failed(up, 'error', 'answer to GET %s broke off' % PATH)

    def test_an_announced_size_over_the_limit_is_not_read(self):
        def big(handler):
            handler.send_response(200)
            handler.send_header('Content-Length', str(10 ** 9))
            handler.end_headers()
            handler.wfile.write(b'[' * 1000)
        up = self.upstream(Server(self, big).url)
        self.failed(up, 'error', 'larger than 1000 bytes', max_bytes=1000)

    def test_a_never_ending_body(self):
        sent = []

        def endless(handler):
            handler.send_response(200)
            handler.send_header('Transfer-Encoding', 'chunked')
            handler.end_headers()
            chunk = b'[' * 4096
            try:
                while len(sent) < 10 ** 5:
                    handler.wfile.write(b'%x\r\n%s\r\n' % (len(chunk), chunk))
                    sent.append(len(chunk))
            except OSError:
                pass  # the client went away: the point
        up = self.upstream(Server(self, endless).url)
        self.failed(up, 'error', 'larger than 100000 bytes',
                    max_bytes=100000)
        # it stopped reading soon after the limit
        self.assertLess(len(sent), 10 ** 5)

    def test_no_redirect_is_followed_to_a_private_address(self):
        target = Server(self)
        for location in ('http://169.254.169.254/latest/meta-data/',
                         target.url + '/elsewhere'):
            srv = Server(self, lambda h, loc=location: json_answer(
                h, {}, 302, [('Location', loc)]))
            exc = self.failed(self.admin(srv.url), 'error',
                              'redirects are not followed')
            self.assertIn(location.split('/')[2], exc.detail)
            self.assertEqual(302, exc.code)
        self.assertEqual([], target.seen)


class TestProxies(UpstreamTestCase):

    def test_through_the_proxy_of_the_environment(self):
        proxy = Server(self)
        os.environ['http_proxy'] = proxy.url
        up = self.admin('http://catalog.example:9494')
        ran = []
        self.assertEqual(DOC, up.get_json(PATH, params=[('limit', '2')],
                                          on_sent=lambda: ran.append(1)))
        self.assertEqual(
            ['GET http://catalog.example:9494%s?limit=2 HTTP/1.1' % PATH],
            [line for line, _h, _p in proxy.seen])
        self.assertEqual('svc-token', proxy.seen[0][1]['X-Auth-Token'])
        # the search lists once the request is written, proxied too
        self.assertEqual([1], ran)
        # and the keystoneauth1 path says so too
        up.request('GET', PATH, on_sent=lambda: ran.append(2)).close()
        self.assertEqual([1, 2], ran)

    def test_no_proxy_is_honoured(self):
        proxy, target = Server(self), Server(self)
        os.environ['http_proxy'] = proxy.url
        os.environ['no_proxy'] = '127.0.0.1'
        self.assertEqual(DOC, self.upstream(target.url).get_json(PATH))
        self.assertEqual([], proxy.seen)
        self.assertEqual(1, len(target.seen))

    def test_an_unreachable_proxy(self):
        os.environ['http_proxy'] = 'http://127.0.0.1:%d' % free_port()
        self.failed(self.upstream('http://catalog.example'), 'error',
                    'cannot connect to http://catalog.example')


class TestTLS(UpstreamTestCase):

    def setUp(self):
        super().setUp()
        self.ca = upstream_fakes.TestCA(self.dir)
        self.srv = Server(self, tls=self.ca.server_context())

    def test_the_test_ca_of_cafile(self):
        up = self.admin(self.srv.url, cafile=self.ca.ca_file)
        self.assertEqual(DOC, up.get_json(PATH))

    def test_the_ca_bundle_of_the_environment(self):
        os.environ['REQUESTS_CA_BUNDLE'] = self.ca.ca_file
        self.assertEqual(DOC, self.admin(self.srv.url).get_json(PATH))

    def test_an_unknown_ca_is_refused(self):
        self.failed(self.admin(self.srv.url), 'error', 'TLS failed')
        self.assertEqual([], self.srv.seen)

    def test_verify_off(self):
        for options in ({'verify': 'false'}, {'insecure': 'true'}):
            up = self.admin(self.srv.url, **options)
            self.assertEqual(DOC, up.get_json(PATH))

    def test_a_cafile_that_is_not_there(self):
        up = self.admin(self.srv.url,
                        cafile=os.path.join(self.dir, 'missing.pem'))
        self.failed(up, 'error', 'TLS failed')

    def test_tls_min_version_of_keystoneauth1(self):
        # a server of TLS 1.2 only, a client of 1.3 at least
        ctx = self.ca.server_context()
        ctx.maximum_version = ssl.TLSVersion.TLSv1_2
        srv = Server(self, tls=ctx)
        up = self.admin(srv.url, cafile=self.ca.ca_file)
        self.assertEqual(DOC, up.get_json(PATH))
        tls13 = ks_session.Session(
            session=upstream_http.Session(), verify=self.ca.ca_file,
            tls_min_version='1.3')
        upstream_http.mount_adapters(tls13)
        direct = upstream_http.Direct(tls13, srv.url)
        self.assertRaises(urllib3_exc.SSLError, direct.get, PATH, '', {}, 5,
                          authenticated=False)


class _RotatingToken(ks_plugin.BaseAuthPlugin):
    """A token plugin: each invalidate() gets the next token."""

    def __init__(self):
        super().__init__()
        self.tokens = ['stale', 'fresh']
        self.invalidated = 0

    def get_headers(self, session, **kwargs):
        return {'X-Auth-Token': self.tokens[0]}

    def invalidate(self):
        self.invalidated += 1
        if len(self.tokens) > 1:
            self.tokens.pop(0)
            return True
        return False


def _fresh_only(handler):
    if handler.headers.get('X-Auth-Token') != 'fresh':
        json_answer(handler, {'error': {'message': 'token expired'}}, 401)
    else:
        json_answer(handler)


class TestReauthentication(UpstreamTestCase):

    def direct(self, url, auth):
        session = ks_session.Session(auth=auth,
                                     session=upstream_http.Session())
        upstream_http.mount_adapters(session)
        return upstream_http.Direct(session, url)

    def test_a_401_gets_a_new_token_and_is_sent_once_more(self):
        srv = Server(self, _fresh_only)
        auth = _RotatingToken()
        direct = self.direct(srv.url, auth)
        resp = direct.get(PATH, 'limit=1', {}, 5)
        self.assertEqual(200, resp.status)
        self.assertEqual(DOC, json.loads(resp.read()))
        resp.release_conn()
        self.assertEqual(1, auth.invalidated)
        self.assertEqual(['stale', 'fresh'], [h['X-Auth-Token']
                                              for _l, h, _p in srv.seen])
        self.assertEqual(['GET %s?limit=1 HTTP/1.1' % PATH] * 2,
                         [line for line, _h, _p in srv.seen])
        # the new token stays
        direct.get(PATH, '', {}, 5).release_conn()
        self.assertEqual('fresh', srv.seen[-1][1]['X-Auth-Token'])

    def test_once_only(self):
        srv = Server(self, lambda h: json_answer(
            h, {'error': {'message': 'go away'}}, 401))
        auth = _RotatingToken()
        resp = self.direct(srv.url, auth).get(PATH, '', {}, 5)
        self.assertEqual(401, resp.status)
        self.assertEqual(2, len(srv.seen))

    def test_a_plugin_that_cannot_renew_is_not_asked_twice(self):
        srv = Server(self, _fresh_only)
        # admin_token: a fixed token, invalidate() says no
        exc = self.failed(self.admin(srv.url), 'error',
                          'GET %s: 401 token expired' % PATH)
        self.assertEqual(401, exc.code)
        self.assertEqual(1, len(srv.seen))
