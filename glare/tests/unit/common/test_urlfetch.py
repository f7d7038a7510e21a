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

"""Tests of the URL fetcher against real local HTTP servers."""

import functools
import http.server
import logging
import os
import shutil
import socket
import ssl
import subprocess
import threading
import time

import fixtures
from oslo_config import cfg
from oslo_config import fixture as config_fixture
import testtools

from glare.common import urlfetch
from glare.conf import locations
from glare import exception
from glare.tests import base

BODY = b'0123456789' * 100


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'  # chunked answers need 1.1

    def _serve(self):
        owner = self.server.owner
        owner.requests.append((self.command, self.path,
                               self.headers.get('Host')))
        route = owner.routes.get(self.path.partition('?')[0])
        if route is None:
            reply(self, 404, b'not here')
        else:
            route(self)

    do_GET = do_HEAD = _serve

    def log_message(self, *args):
        pass


class _Server:
    """A ThreadingHTTPServer in a thread; routes map a path to a handler."""

    def __init__(self, test, host='127.0.0.1', context=None):
        self.routes, self.requests = {}, []
        self.release = threading.Event()  # ends the handlers that stall
        server = http.server.ThreadingHTTPServer((host, 0), _Handler)
        server.owner = self
        if context is not None:
            server.socket = context.wrap_socket(server.socket,
                                                server_side=True)
        self.host, self.port = host, server.server_address[1]
        thread = threading.Thread(target=server.serve_forever,
                                  kwargs={'poll_interval': 0.05},
                                  daemon=True)
        thread.start()
        test.addCleanup(server.server_close)
        test.addCleanup(server.shutdown)
        test.addCleanup(self.release.set)

    def url(self, path='/', scheme='http', host=None):
        return '%s://%s:%d%s' % (scheme, host or self.host, self.port, path)

    def stall(self):
        self.release.wait(30)


def reply(h, status, body=b'', headers=()):
    h.send_response(status)
    h.send_header('Content-Length', str(len(body)))
    for name, value in headers:
        h.send_header(name, value)
    h.end_headers()
    if h.command != 'HEAD':
        h.wfile.write(body)


def redirect(location, status=302):
    return lambda h: reply(h, status, b'', [('Location', location)])


class FetcherTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        self.conf = cfg.ConfigOpts()
        locations.register_opts(self.conf)
        self.conf([])
        # the [locations] OptGroup object is shared by every ConfigOpts that
        # registers it, overrides included: the fixture clears them
        self.cfg = self.useFixture(config_fixture.Config(self.conf))
        # small enough that a broken test fails rather than hangs
        self.override(read_timeout=5, connect_timeout=5)
        self.fetcher = urlfetch.Fetcher(self.conf)
        self.server = _Server(self)
        self.server.routes['/data'] = lambda h: reply(h, 200, BODY)

    def override(self, **kwargs):
        self.cfg.config(group='locations', **kwargs)

    def fetch(self, url, max_bytes=None, method='GET', chunk_size=1 << 20):
        with self.fetcher.open(url, max_bytes, method) as resp:
            return resp, b''.join(resp.iter_chunks(chunk_size))

    def assertRefused(self, url, fragment=None, exc=exception.BadRequest):
        err = self.assertRaises(exc, self.fetch, url)
        if fragment:
            self.assertIn(fragment, str(err))
        return err


class FetchTestCase(FetcherTestCase):

    def test_plain_fetch(self):
        self.override(allow_private_networks=True)
        resp, body = self.fetch(self.server.url('/data'), chunk_size=64)
        self.assertEqual(200, resp.status)
        self.assertEqual(BODY, body)
        self.assertEqual(len(BODY), resp.length)
        self.assertEqual(str(len(BODY)), resp.headers['Content-Length'])
        self.assertEqual(self.server.url('/data'), resp.url)

    def test_host_header_is_the_url_host(self):
        self.override(allow_private_networks=True)
        url = self.server.url('/data', host='localhost')
        self.assertEqual(BODY, self.fetch(url)[1])
        self.assertEqual(('GET', '/data', 'localhost:%d' % self.server.port),
                         self.server.requests[0])

    def test_head(self):
        self.override(allow_private_networks=True)
        resp, body = self.fetch(self.server.url('/data'), method='HEAD')
        self.assertEqual((len(BODY), b''), (resp.length, body))

    def test_not_found(self):
        self.override(allow_private_networks=True)
        self.assertRefused(self.server.url('/missing'), '404')

    def test_connection_refused(self):
        self.override(allow_private_networks=True)
        sock = socket.socket()
        sock.bind(('127.0.0.1', 0))
        port = sock.getsockname()[1]
        sock.close()  # nothing listens there any more
        self.assertRefused('http://127.0.0.1:%d/' % port, 'Could not fetch')

    def test_query_never_logged_nor_shown(self):
        self.override(allow_private_networks=True)
        logs = self.useFixture(fixtures.FakeLogger(level=logging.DEBUG))
        err = self.assertRefused(self.server.url('/missing?token=S3CRET'))
        self.assertNotIn('S3CRET', str(err))
        self.assertIn('127.0.0.1', logs.output)
        self.assertNotIn('S3CRET', logs.output)


class AddressTestCase(FetcherTestCase):

    PRIVATE = ['127.0.0.1', '2130706433', '0x7f000001', '0177.0.0.1',
               '127.1', '017700000001', 'localhost', '[::1]',
               '[::ffff:127.0.0.1]', '[::ffff:7f00:1]', '[::127.0.0.1]',
               '[64:ff9b::127.0.0.1]', '[2002:7f00:1::]', '0.0.0.0',
               '[::]', '169.254.169.254', '[fd00:ec2::254]',
               '100.100.100.200', '100.64.0.1', '10.1.2.3', '172.16.0.1',
               '192.168.1.1', '[fe80::1]', '[fc00::1]', '224.0.0.1',
               '[ff02::1]', '240.0.0.1', '255.255.255.255',
               '168.63.129.16', '[::ffff:169.254.169.254]']

    def test_private_spellings_refused(self):
        for host in self.PRIVATE:
            url = 'http://%s:%d/data' % (host, self.server.port)
            err = self.assertRaises(exception.BadRequest,
                                    self.fetcher.check_url, url)
            self.assertIn('not allowed', str(err), host)
            self.assertRaises(exception.BadRequest, self.fetch, url)
        self.assertEqual([], self.server.requests)

    def test_public_addresses_allowed(self):
        for host in ('8.8.8.8', '[2606:4700::1111]', '[::ffff:8.8.8.8]',
                     '[64:ff9b::808:808]', '[2002:808:808::]'):
            # a check: it returns nothing and raises BadRequest to refuse
            self.assertIsNone(self.fetcher.check_url('https://%s/x' % host))

    def test_allow_private_networks(self):
        self.override(allow_private_networks=True)
        for host in self.PRIVATE:
            self.assertIsNone(self.fetcher.check_url('http://%s/' % host))

    def test_allowed_networks(self):
        self.override(allowed_networks=['127.0.0.1/32'])
        self.assertEqual(BODY, self.fetch(self.server.url('/data'))[1])
        # the mapped spelling of an allowed address is the same host
        self.fetcher.check_url('http://[::ffff:127.0.0.1]/')
        self.assertRaises(exception.BadRequest, self.fetcher.check_url,
                          'http://127.0.0.2/')

    def test_redirect_to_private_refused(self):
        # 127.0.0.1 is allow-listed and so plays a public host
        self.override(allowed_networks=['127.0.0.1/32'])
        private = _Server(self, '127.0.0.2')
        private.routes['/data'] = lambda h: reply(h, 200, BODY)
        self.server.routes['/go'] = redirect(private.url('/data'))
        self.assertRefused(self.server.url('/go'), 'not allowed')
        self.assertEqual([], private.requests)
        self.assertEqual(1, len(self.server.requests))

    def test_redirect_to_allowed_host_followed(self):
        self.override(allowed_networks=['127.0.0.0/30'])
        other = _Server(self, '127.0.0.2')
        other.routes['/data'] = lambda h: reply(h, 200, BODY)
        self.server.routes['/go'] = redirect(other.url('/data'))
        resp, body = self.fetch(self.server.url('/go'))
        self.assertEqual((BODY, other.url('/data')), (body, resp.url))

    def test_connects_to_the_checked_address(self):
        # a name answering a private address on its second lookup would
        # win if the connection resolved it again (DNS rebinding)
        self.override(allowed_networks=['127.0.0.1/32'])
        real = socket.getaddrinfo
        lookups = []

        def getaddrinfo(host, port, *args, **kwargs):
            if host != 'rebind.test':
                return real(host, port, *args, **kwargs)
            lookups.append(host)
            ip = '127.0.0.1' if len(lookups) == 1 else '127.0.0.2'
            return real(ip, port, *args, **kwargs)

        self.useFixture(fixtures.MonkeyPatch('socket.getaddrinfo',
                                             getaddrinfo))
        url = self.server.url('/data', host='rebind.test')
        self.assertEqual(BODY, self.fetch(url)[1])
        self.assertEqual(1, len(lookups))
        self.assertEqual('rebind.test:%d' % self.server.port,
                         self.server.requests[0][2])


class UrlFormTestCase(FetcherTestCase):

    def test_schemes_refused(self):
        for url in ('file:///etc/passwd', 'ftp://example.com/x',
                    'gopher://example.com:70/_x', 'dict://example.com/',
                    'example.com/x', '//example.com/x', 'javascript:x()',
                    'data:text/plain,x', ''):
            err = self.assertRaises(exception.BadRequest,
                                    self.fetcher.check_url, url)
            self.assertIn('Only http and https', str(err), url)

    def test_malformed_refused(self):
        for url in ('http://user:pw@example.com/', 'http://x@127.0.0.1/',
                    'http:///path', 'http://:80/', 'http://[::1/',
                    'http://example.com:99999/', 'http://exa mple.com/',
                    'http://example.com/\r\nX-Injected: 1'):
            self.assertRaises(exception.BadRequest, self.fetcher.check_url,
                              url)


class RedirectTestCase(FetcherTestCase):

    def setUp(self):
        super().setUp()
        self.override(allow_private_networks=True)

    def test_every_redirect_code_followed(self):
        for code in urlfetch.REDIRECT_CODES:
            self.server.routes['/r%d' % code] = redirect('/data', code)
            resp, body = self.fetch(self.server.url('/r%d' % code))
            self.assertEqual((BODY, self.server.url('/data')),
                             (body, resp.url))

    def test_relative_redirect(self):
        self.server.routes['/a/b/go'] = redirect('../../data?x=1')
        resp, body = self.fetch(self.server.url('/a/b/go'))
        self.assertEqual(BODY, body)
        self.assertEqual(self.server.url('/data?x=1'), resp.url)

    def test_too_many_redirects(self):
        self.override(max_redirects=3)
        for i in range(10):
            self.server.routes['/%d' % i] = redirect('/%d' % (i + 1))
        self.server.routes['/2'] = redirect('/data')  # the third
        self.assertEqual(BODY, self.fetch(self.server.url('/0'))[1])
        self.server.requests.clear()
        self.server.routes['/2'] = redirect('/3')
        self.assertRefused(self.server.url('/0'), 'Too many redirects')
        self.assertEqual(4, len(self.server.requests))

    def test_redirect_without_location(self):
        self.server.routes['/go'] = lambda h: reply(h, 302)
        self.assertRefused(self.server.url('/go'), 'without a Location')

    def test_redirect_to_other_scheme_refused(self):
        self.server.routes['/go'] = redirect('file:///etc/passwd')
        self.assertRefused(self.server.url('/go'), 'Only http and https')


class LimitTestCase(FetcherTestCase):

    def setUp(self):
        super().setUp()
        self.override(allow_private_networks=True)

    def test_max_bytes_boundary(self):
        resp, body = self.fetch(self.server.url('/data'), len(BODY))
        self.assertEqual(BODY, body)

    def test_content_length_over_max_bytes(self):
        def announce(h):  # announces a huge body, then sends nothing
            h.send_response(200)
            h.send_header('Content-Length', str(10 ** 12))
            h.end_headers()
            h.wfile.flush()
            self.server.stall()

        self.server.routes['/big'] = announce
        self.override(read_timeout=30)
        start = time.monotonic()
        resp = self.fetcher.open(self.server.url('/big'), max_bytes=1000)
        self.assertEqual(10 ** 12, resp.length)
        chunks = resp.iter_chunks()
        self.assertRaises(exception.RequestEntityTooLarge, next, chunks)
        self.assertLess(time.monotonic() - start, 10)  # nothing was read

    def test_chunked_over_max_bytes(self):
        def endless(h):
            h.send_response(200)
            h.send_header('Transfer-Encoding', 'chunked')
            h.end_headers()
            chunk = b'%x\r\n%s\r\n' % (4096, b'x' * 4096)
            try:
                for _ in range(1 << 16):  # 256 MiB at most
                    h.wfile.write(chunk)
            except OSError:
                pass  # the client hung up, as it should

        self.server.routes['/endless'] = endless
        resp = self.fetcher.open(self.server.url('/endless'), max_bytes=10000)
        self.assertIsNone(resp.length)
        received = []
        with testtools.ExpectedException(exception.RequestEntityTooLarge):
            for chunk in resp.iter_chunks(1024):
                received.append(len(chunk))
        self.assertLessEqual(sum(received), 10000)

    def test_chunked_within_max_bytes(self):
        def chunked(h):
            h.send_response(200)
            h.send_header('Transfer-Encoding', 'chunked')
            h.end_headers()
            h.wfile.write(b'%x\r\n%s\r\n0\r\n\r\n' % (len(BODY), BODY))

        self.server.routes['/chunked'] = chunked
        self.assertEqual(BODY, self.fetch(self.server.url('/chunked'),
                                          len(BODY))[1])

    def test_truncated_chunked_body(self):
        def truncated(h):
            h.send_response(200)
            h.send_header('Transfer-Encoding', 'chunked')
            h.send_header('Connection', 'close')
            h.end_headers()
            h.wfile.write(b'100\r\nonly a few bytes')
            h.close_connection = True

        self.server.routes['/cut'] = truncated
        self.assertRefused(self.server.url('/cut'), 'failed')

    def test_body_shorter_than_content_length(self):
        def short(h):
            h.send_response(200)
            h.send_header('Content-Length', '1000')
            h.send_header('Connection', 'close')
            h.end_headers()
            h.wfile.write(b'x' * 10)
            h.close_connection = True

        self.server.routes['/short'] = short
        self.assertRefused(self.server.url('/short'), 'ended after 10')

    def test_stall_before_headers(self):
        self.override(read_timeout=1)
        self.server.routes['/stall'] = lambda h: self.server.stall()
        start = time.monotonic()
        self.assertRefused(self.server.url('/stall'), 'timed out')
        self.assertLess(time.monotonic() - start, 5)

    def test_stall_in_body(self):
        def stall(h):
            h.send_response(200)
            h.send_header('Content-Length', '1000')
            h.end_headers()
            h.wfile.write(b'x' * 10)
            h.wfile.flush()
            self.server.stall()

        self.override(read_timeout=1)
        self.server.routes['/stall'] = stall
        start = time.monotonic()
        self.assertRefused(self.server.url('/stall'), 'timed out')
        self.assertLess(time.monotonic() - start, 5)

    def test_fetch_time_limit(self):
        def trickle(h):  # one byte at a time, each well within read_timeout
            h.send_response(200)
            h.send_header('Content-Length', '1000')
            h.end_headers()
            for _ in range(1000):
                h.wfile.write(b'x')
                h.wfile.flush()
                if self.server.release.wait(0.1):
                    return

        self.override(read_timeout=5, fetch_time_limit=1)
        self.server.routes['/slow'] = trickle
        start = time.monotonic()
        self.assertRefused(self.server.url('/slow'))
        self.assertLess(time.monotonic() - start, 4)

    def test_fetch_time_limit_cuts_a_stalled_read(self):
        def stall(h):  # Connection: close, so http.client lets go of sock
            h.send_response(200)
            h.send_header('Content-Length', '1000')
            h.send_header('Connection', 'close')
            h.end_headers()
            h.wfile.write(b'x' * 10)
            h.wfile.flush()
            self.server.stall()

        self.override(read_timeout=30, fetch_time_limit=1)
        self.server.routes['/stall'] = stall
        start = time.monotonic()
        self.assertRefused(self.server.url('/stall'), 'timed out')
        self.assertLess(time.monotonic() - start, 4)


class HttpsTestCase(FetcherTestCase):

    def setUp(self):
        super().setUp()
        if not shutil.which('openssl'):
            self.skipTest('openssl is needed to make a certificate')
        tmp = self.useFixture(fixtures.TempDir()).path
        self.cert = os.path.join(tmp, 'cert.pem')
        key = os.path.join(tmp, 'key.pem')
        subprocess.run(
            ['openssl', 'req', '-x509', '-newkey', 'rsa:2048', '-nodes',
             '-days', '1', '-subj', '/CN=localhost', '-addext',
             'subjectAltName=DNS:localhost', '-keyout', key,
             '-out', self.cert], check=True, capture_output=True)
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(self.cert, key)
        self.tls = _Server(self, context=context)
        self.tls.routes['/data'] = lambda h: reply(h, 200, BODY)
        self.override(allow_private_networks=True)

    def trust_the_certificate(self):
        self.useFixture(fixtures.MonkeyPatch(
            'ssl.create_default_context',
            functools.partial(ssl.create_default_context, cafile=self.cert)))

    def test_unknown_certificate_refused(self):
        url = self.tls.url('/data', 'https', 'localhost')
        self.assertRefused(url, 'CERTIFICATE_VERIFY_FAILED')

    def test_trusted_certificate_for_the_url_host(self):
        self.trust_the_certificate()
        url = self.tls.url('/data', 'https', 'localhost')
        self.assertEqual(BODY, self.fetch(url)[1])

    def test_certificate_of_another_host_refused(self):
        self.trust_the_certificate()
        # the certificate names localhost, not the address connected to
        self.assertRefused(self.tls.url('/data', 'https'),
                           'CERTIFICATE_VERIFY_FAILED')
