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

"""Fetch external http(s) URLs safely: SSRF checks, pinned IPs, limits."""

import http.client
import ipaddress
import logging
import socket
import ssl
import time
import urllib.parse

from glare import exception

LOG = logging.getLogger(__name__)

REDIRECT_CODES = (301, 302, 303, 307, 308)
_PORTS = {'http': 80, 'https': 443}
# characters left alone when re-quoting a request target: the reserved set
# plus '%', so an already percent-encoded path is not encoded twice
_SAFE = "/%:@!$&'()*+,;=-._~?"

_net = ipaddress.ip_network
# Listed explicitly rather than trusting is_private/is_global alone: their
# coverage changes between Python patch releases.
_BLOCKED = tuple(_net(n) for n in (
    '0.0.0.0/8', '10.0.0.0/8', '100.64.0.0/10', '127.0.0.0/8',
    '169.254.0.0/16', '172.16.0.0/12', '192.0.0.0/24', '192.0.2.0/24',
    '192.88.99.0/24', '192.168.0.0/16', '198.18.0.0/15',
    '198.51.100.0/24', '203.0.113.0/24', '224.0.0.0/4', '240.0.0.0/4',
    '::/128', '::1/128', '64:ff9b:1::/48', '100::/64', '2001::/23',
    '2001:db8::/32', 'fc00::/7', 'fe80::/10', 'fec0::/10', 'ff00::/8',
    # cloud metadata services; most sit in a range above already, listed
    # so that none is lost if a range is ever narrowed (Azure's is public)
    '169.254.169.254/32', '169.254.170.2/32', '169.254.0.23/32',
    '100.100.100.200/32', '168.63.129.16/32', 'fd00:ec2::254/128'))
# IPv6 forms that carry an IPv4 address in their low 32 bits
_NAT64 = _net('64:ff9b::/96')
_TRANSLATED = _net('::ffff:0:0:0/96')
_COMPATIBLE = _net('::/96')


def _embedded_ipv4(ip):
    """The IPv4 address an IPv6 address stands for, or None."""
    if ip.version == 4:
        return None
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in _NAT64 or ip in _TRANSLATED or (ip in _COMPATIBLE
                                              and int(ip) > 1):
        return ipaddress.IPv4Address(int(ip) & 0xffffffff)
    return None


def _in(ip, networks):
    return any(ip.version == n.version and ip in n for n in networks)


def _forbidden(ip):
    return (_in(ip, _BLOCKED) or ip.is_private or ip.is_loopback
            or ip.is_link_local or ip.is_multicast or ip.is_reserved
            or ip.is_unspecified or not ip.is_global
            or (ip.version == 6 and ip.is_site_local))


def _where(parts):
    """scheme://host[:port] of a URL: all that may be logged or shown."""
    return '%s://%s' % (parts.scheme, parts.netloc.rpartition('@')[2])


class _Target:
    """A checked URL: its parts and the addresses it may be fetched from."""

    def __init__(self, url, parts, host, port, addresses):
        self.url, self.parts, self.host, self.port = url, parts, host, port
        self.addresses = addresses
        self.where = _where(parts)
        path = urllib.parse.quote(parts.path or '/', safe=_SAFE)
        query = urllib.parse.quote(parts.query, safe=_SAFE)
        self.path = path + ('?' + query if parts.query else '')


class _Pinned:
    """Connects to an address checked beforehand, never resolving again."""

    def __init__(self, host, port, address, connect_timeout, timeout, **kw):
        super().__init__(host, port, timeout=timeout, **kw)
        self._address, self._connect_timeout = address, connect_timeout

    def connect(self):
        self.sock = socket.create_connection((self._address, self.port),
                                             self._connect_timeout)
        self.sock.settimeout(self.timeout)


class _HTTPConnection(_Pinned, http.client.HTTPConnection):
    pass


class _HTTPSConnection(_Pinned, http.client.HTTPSConnection):
    """Verifies the certificate against the URL host, not the address."""

    def __init__(self, *args):
        super().__init__(*args, context=ssl.create_default_context())

    def connect(self):
        super().connect()
        self.sock = self._context.wrap_socket(self.sock,
                                              server_hostname=self.host)


class Fetcher:
    """Fetches http(s) URLs under the [locations] rules.

    URLs with embedded credentials (``http://user:pass@host/``) are
    refused: ``user@host`` is a classic way to disguise the real host, and
    the URL is stored and shown to every reader of the artifact. Errors
    and log lines name only the scheme and host of a URL, never its path
    or query, which may hold tokens.
    """

    def __init__(self, conf):
        self.conf = conf

    @property
    def _opts(self):
        return self.conf.locations

    def _allowed_networks(self):
        try:
            return [_net(n.strip(), strict=False)
                    for n in self._opts.allowed_networks if n.strip()]
        except ValueError as e:
            raise ValueError('[locations] allowed_networks: %s' % e) from e

    def _address_allowed(self, ip):
        v4 = _embedded_ipv4(ip)
        allowed = self._allowed_networks()
        if _in(ip, allowed) or (v4 is not None and _in(v4, allowed)):
            return True
        if self._opts.allow_private_networks:
            return True
        # a wrapper's own range says nothing; the IPv4 inside is the target
        return not _forbidden(v4 if v4 is not None else ip)

    def _check(self, url):
        if not isinstance(url, str) or any(
                c.isspace() or ord(c) < 32 or ord(c) == 127 for c in url):
            raise exception.BadRequest(
                'The URL must be a string without spaces or control '
                'characters.')
        try:
            parts = urllib.parse.urlsplit(url)
            port = parts.port
        except ValueError as e:
            raise exception.BadRequest('Malformed URL: %s' % e) from e
        if parts.scheme not in _PORTS:
            raise exception.BadRequest(
                'Only http and https URLs are accepted, not %s.'
                % ('%r' % parts.scheme if parts.scheme else 'one without '
                   'a scheme'))
        where = _where(parts)
        if '@' in parts.netloc:
            raise exception.BadRequest(
                'URLs with embedded credentials are not accepted (%s).'
                % where)
        host = parts.hostname
        if not host:
            raise exception.BadRequest('The URL %s has no host.' % where)
        try:
            host = host.encode('idna').decode('ascii')
        except UnicodeError as exc:
            raise exception.BadRequest(
                'Invalid host name in %s.' % where) from exc
        port = _PORTS[parts.scheme] if port is None else port
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError) as e:
            raise exception.BadRequest(
                'Cannot resolve %s: %s' % (where, e)) from e
        addresses = []
        for info in infos:
            address = info[4][0]
            if address not in addresses:
                addresses.append(address)
        # every address must pass: the connection may go to any of them
        for address in addresses:
            ip = ipaddress.ip_address(address.partition('%')[0])
            if not self._address_allowed(ip):
                raise exception.BadRequest(
                    '%s resolves to %s, an address in a private, loopback, '
                    'link-local, multicast, reserved or metadata network, '
                    'which is not allowed.' % (where, ip))
        if not addresses:
            raise exception.BadRequest('Cannot resolve %s.' % where)
        return _Target(url, parts, host, port, addresses)

    def check_url(self, url):
        """Raise BadRequest unless url is an http(s) URL of an allowed host.

        Resolves the host; every address it resolves to must be allowed.
        """
        self._check(url)

    def _connect(self, target, method, deadline):
        cls = _HTTPSConnection if target.parts.scheme == 'https' \
            else _HTTPConnection
        error = None
        for address in target.addresses:
            remaining = max(deadline - time.monotonic(), 0.001)
            conn = cls(target.host, target.port, address,
                       min(self._opts.connect_timeout, remaining),
                       min(self._opts.read_timeout, remaining))
            try:
                conn.connect()
                # kept: http.client drops conn.sock once a response that
                # closes the connection arrives, yet its reads use it
                sock = conn.sock
                conn.request(method, target.path,
                              headers={'Accept-Encoding': 'identity'})
                return conn, sock, conn.getresponse()
            except (OSError, http.client.HTTPException) as e:
                conn.close()
                error = e
        raise exception.BadRequest('Could not fetch %s: %s' % (
            target.where, str(error) or type(error).__name__))

    def open(self, url, max_bytes=None, method='GET'):
        """Request url, following redirects; return a 2xx Response.

        Every hop is checked like check_url and connected to the very
        address checked. max_bytes bounds the body Response.iter_chunks
        yields. Raises BadRequest on anything but a final 2xx answer.
        """
        if method not in ('GET', 'HEAD'):
            raise ValueError('Only GET and HEAD are fetched, not %s' % method)
        deadline = time.monotonic() + self._opts.fetch_time_limit
        hops = 0
        while True:
            target = self._check(url)
            if time.monotonic() >= deadline:
                raise exception.BadRequest(
                    'Fetching %s took too long.' % target.where)
            LOG.debug('Fetching %s', target.where)
            conn, sock, resp = self._connect(target, method, deadline)
            if resp.status not in REDIRECT_CODES:
                break
            location = resp.getheader('Location')
            conn.close()
            if not location:
                raise exception.BadRequest(
                    '%s answered %d without a Location.'
                    % (target.where, resp.status))
            if hops >= self._opts.max_redirects:
                raise exception.BadRequest(
                    'Too many redirects (more than %d) from %s.'
                    % (self._opts.max_redirects, target.where))
            hops += 1
            url = urllib.parse.urljoin(url, location)
        if not 200 <= resp.status < 300:
            conn.close()
            raise exception.BadRequest('%s answered %d %s.' % (
                target.where, resp.status, resp.reason))
        return Response(target, conn, sock, resp, max_bytes, deadline,
                        self._opts.read_timeout)


class Response:
    """A 2xx answer whose body is streamed by iter_chunks."""

    def __init__(self, target, conn, sock, resp, max_bytes, deadline,
                 read_timeout):
        self.url = target.url
        self.status = resp.status
        self.headers = resp.msg
        self._where, self._conn, self._resp = target.where, conn, resp
        self._sock = sock
        self._max_bytes, self._deadline = max_bytes, deadline
        self._read_timeout = read_timeout
        self.length = None
        value = (resp.getheader('Content-Length') or '').strip()
        chunked = 'chunked' in (resp.getheader('Transfer-Encoding') or '')
        if value.isascii() and value.isdigit() and not chunked:
            self.length = int(value)
        # HEAD, 204 and 304 answers have no body whatever they announce
        self._expected = self.length if resp.length != 0 else None

    def iter_chunks(self, chunk_size=1 << 20):
        limit = self._max_bytes
        if limit is not None and self.length is not None \
                and self.length > limit:
            self.close()
            raise exception.RequestEntityTooLarge(
                '%s has %d bytes, more than the %d allowed.'
                % (self._where, self.length, limit))
        received = 0
        try:
            while True:
                remaining = self._deadline - time.monotonic()
                if remaining <= 0:
                    raise exception.BadRequest(
                        'Fetching %s took too long.' % self._where)
                # so that a stalled read cannot outlast the deadline
                self._sock.settimeout(min(self._read_timeout, remaining))
                size = chunk_size if limit is None else \
                    min(chunk_size, limit - received + 1)
                # read1: what has arrived, without waiting to fill size
                data = self._resp.read1(size)
                if not data:
                    break
                received += len(data)
                if limit is not None and received > limit:
                    raise exception.RequestEntityTooLarge(
                        '%s has more than the %d bytes allowed.'
                        % (self._where, limit))
                yield data
            if self._expected is not None and received < self._expected:
                raise exception.BadRequest(
                    '%s ended after %d of its %d bytes.'
                    % (self._where, received, self._expected))
        except (OSError, http.client.HTTPException) as e:
            raise exception.BadRequest('Fetching %s failed: %s' % (
                self._where, str(e) or type(e).__name__)) from e
        finally:
            self.close()

    def close(self):
        self._resp.close()
        self._conn.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
