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

"""The HTTP layer under the upstream sessions (glare.services.upstreams).

Two things the plain requests session under keystoneauth1 does not do:

- **Say when a request is written.** A federated search starts its
  upstream calls in threads, then lists locally while they are answered.
  In one process the threads take turns on the GIL, and a thread that
  gave it up for a system call waits up to the switch interval (5 ms) to
  have it back: a local list started at once kept each call from sending
  its request until the list was done, so the upstreams' time came after
  the local list's instead of beside it. A call names a function
  (on_request_written); the connections of these sessions run it once
  the request is on the wire, and the search lists after that.
- **Read the environment once per origin.** requests reads its proxies
  (``*_proxy``, ``no_proxy``), its CA bundle (``REQUESTS_CA_BUNDLE``,
  ``CURL_CA_BUNDLE``) and ``~/.netrc`` again on every request: two scans
  of os.environ and a stat, about a fifth of a search's call. Session
  keeps what they say for each origin (scheme and host); the service's
  environment does not change while it runs.

And a lighter way for the data calls of a federated search (Direct):
GET straight on urllib3, on the very connection pool requests would use
(the same adapter, TLS settings, proxy, CA bundle, client certificate,
resolved once), with keystoneauth1's headers for the service's
credentials. keystoneauth1 and requests build each request anew (hooks,
cookies, settings merged, the URL parsed and quoted again): most of a
call's own time, which a search adds to its parts' once per upstream.
"""

import os
import threading
import urllib.parse

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import session as ks_session
import requests
import urllib3
from urllib3 import connection as urllib3_connection

_CALL = threading.local()
#: origins whose environment Session keeps (it starts again past this)
MAX_ORIGINS = 64


def on_request_written(func):
    """Run func (no arguments) once the calling thread's next request on
    a session of this module is written, before its answer is read;
    None forgets it. A request that is never written never runs it."""
    _CALL.on_written = func


def _written():
    func = getattr(_CALL, 'on_written', None)
    if func is not None:
        _CALL.on_written = None
        func()


class _HTTPConnection(urllib3_connection.HTTPConnection):
    def getresponse(self, *args, **kwargs):
        _written()
        return super().getresponse(*args, **kwargs)


class _HTTPSConnection(urllib3_connection.HTTPSConnection):
    def getresponse(self, *args, **kwargs):
        _written()
        return super().getresponse(*args, **kwargs)


class _HTTPPool(urllib3.HTTPConnectionPool):
    ConnectionCls = _HTTPConnection


class _HTTPSPool(urllib3.HTTPSConnectionPool):
    ConnectionCls = _HTTPSConnection


_POOLS = {'http': _HTTPPool, 'https': _HTTPSPool}


class _Adapter(ks_session.TCPKeepAliveAdapter):
    """keystoneauth1's adapter (TCP keep-alive, no Nagle, its TLS
    settings) on connections that call _written, through a proxy too."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = dict(_POOLS)

    def proxy_manager_for(self, proxy, **proxy_kwargs):
        manager = super().proxy_manager_for(proxy, **proxy_kwargs)
        if isinstance(manager, urllib3.ProxyManager):
            # a SOCKS proxy's manager has connection classes of its own
            manager.pool_classes_by_scheme = dict(_POOLS)
        return manager


def mount_adapters(session):
    """Mount _Adapter, with the session's TLS settings, on a keystoneauth1
    session built on a Session of this module (keystoneauth1 mounts its
    own adapter only on a requests session it makes)."""
    adapter = _Adapter(
        tls_ciphers=getattr(session, 'tls_ciphers', None),
        tls_min_version=getattr(session, 'tls_min_version', None))
    for prefix in ('https://', 'http://'):
        session.session.mount(prefix, adapter)


def _origin(url):
    parts = urllib.parse.urlsplit(url)
    return parts.scheme, parts.netloc


class Session(requests.Session):
    """A requests session that takes from the environment what requests
    takes (proxies, the CA bundle, ~/.netrc), read once per origin."""

    def __init__(self):
        super().__init__()
        # requests reads nothing itself; the two methods below add it
        self.trust_env = False
        self._ca_bundle = (os.environ.get('REQUESTS_CA_BUNDLE') or
                           os.environ.get('CURL_CA_BUNDLE'))
        self._origins = {}

    def _environment(self, url):
        """(proxies, netrc auth) of url's origin."""
        key = _origin(url)
        found = self._origins.get(key)
        if found is None:
            found = (requests.utils.get_environ_proxies(url),
                     requests.utils.get_netrc_auth(url))
            if len(self._origins) >= MAX_ORIGINS:
                self._origins.clear()
            # two threads may both read it: the same answer
            self._origins[key] = found
        return found

    def prepare_request(self, request):
        if not request.auth and not self.auth:
            netrc = self._environment(request.url)[1]
            if netrc:
                request.auth = netrc
        return super().prepare_request(request)

    def merge_environment_settings(self, url, proxies, stream, verify,
                                   cert):
        proxies = dict(proxies or {})
        if proxies.get('no_proxy'):
            # a request's own no_proxy: as requests decides it
            found = requests.utils.get_environ_proxies(
                url, no_proxy=proxies['no_proxy'])
        else:
            found = self._environment(url)[0]
        for scheme, proxy in found.items():
            proxies.setdefault(scheme, proxy)
        if (verify is True or verify is None) and self._ca_bundle:
            verify = self._ca_bundle
        return super().merge_environment_settings(url, proxies, stream,
                                                  verify, cert)


class _Origin:
    """What requests decides for every request to one url (see Direct)."""

    def __init__(self, session, url):
        requests_session = session.session
        verify, cert = session.verify, session.cert
        try:
            params = session.get_auth_connection_params()
        except ks_exc.MissingAuthPlugin:
            params = {}
        verify = params.get('verify', verify)
        cert = params.get('cert', cert)
        merged = requests_session.merge_environment_settings(
            url, {}, True, verify, cert)
        self.proxies = merged['proxies']
        self.verify = merged['verify']
        self.cert = merged['cert']
        self.request = requests.Request('GET', url).prepare()
        self.adapter = requests_session.get_adapter(url)
        #: url, as requests writes it, without its last slash
        self.base = self.request.url.rstrip('/')
        # what comes before a path under url in a request target:
        # absolute-form through an http proxy, else origin-form
        prefix = self.adapter.request_url(self.request, self.proxies)
        self.prefix = prefix[:-1] if prefix.endswith('/') else prefix
        #: requests' own headers (User-Agent, Accept, Accept-Encoding...)
        self.headers = dict(requests_session.headers)
        netrc = requests_session._environment(url)[1]
        self.netrc = requests.auth._basic_auth_str(*netrc) if netrc \
            else None
        self.cookies = requests_session.cookies

    def pool(self, url):
        pool = self.adapter.get_connection_with_tls_context(
            self.request, self.verify, proxies=self.proxies, cert=self.cert)
        # as requests: the CA bundle and certificate files on the pool, an
        # OSError naming one that is missing
        self.adapter.cert_verify(pool, url, self.verify, self.cert)
        return pool


class Direct:
    """GET requests to one upstream's origin straight on urllib3.

    session: the keystoneauth1 session of the upstream (built on a
    Session of this module, adapters mounted); url: the upstream's root
    URL. What requests would decide for each request is decided once, the
    first time, as requests decides it: the proxy (and no_proxy), the CA
    bundle of the environment, ~/.netrc, the session's verify and cert
    and those of its auth plugin, the adapter's connection pool
    (keystoneauth1's TLS settings and socket options; connections that
    call _written). Each request then takes the auth plugin's headers (a
    token it may have to fetch first: that goes through keystoneauth1 as
    ever) and, on a 401, invalidates them and is sent once more, as
    keystoneauth1 does. Cookies are the requests session's (sent, and
    kept from an answer that sets one), as requests has them.

    No redirect is followed and nothing is retried: the answer is
    urllib3's, its body not read (read it, then release_conn; close it on
    failure). Errors are urllib3's, requests' OSError for a missing CA
    bundle or certificate file, and keystoneauth1's ClientException for
    credentials.
    """

    def __init__(self, session, url):
        self.session = session
        self.url = url
        self._lock = threading.Lock()
        self._origin = None
        self._connections = None

    def _pool(self):
        """(the connection pool of the origin, the _Origin)."""
        with self._lock:
            if self._origin is None:
                self._origin = _Origin(self.session, self.url)
            pool = self._connections
            # a pool the pool manager dropped is closed (pool.pool None)
            if pool is None or pool.pool is None:
                pool = self._connections = self._origin.pool(self.url)
            return pool, self._origin

    def get(self, path, query, headers, timeout, authenticated=True):
        """urllib3's answer to GET path (under the upstream's url, quoted
        as requests quotes it) with query (encoded, or empty) and headers;
        timeout: seconds for the connect and for each wait for the
        answer."""
        pool, origin = self._pool()
        path = requests.utils.requote_uri(path)
        if query:
            path += '?' + query
        sent = dict(origin.headers)
        sent.update(headers)
        session = self.session
        if authenticated:
            sent.update(self._auth_headers())
        if ks_session.osprofiler_web:
            sent.update(ks_session.osprofiler_web.get_trace_id_headers())
        wait = urllib3.Timeout(connect=timeout, read=timeout)
        resp = self._send(pool, origin, path, sent, wait)
        if resp.status == 401 and authenticated and session.invalidate():
            # its body unread: the connection goes (a 401 is rare)
            resp.close()
            resp.release_conn()
            sent.update(self._auth_headers())
            resp = self._send(pool, origin, path, sent, wait)
        return resp

    def _auth_headers(self):
        found = self.session.get_auth_headers()
        if found is None:
            raise ks_exc.AuthorizationFailure(
                'No valid authentication is available')
        return found

    def _send(self, pool, origin, path, headers, timeout):
        if origin.netrc:
            # requests lets ~/.netrc win over an Authorization header
            headers['Authorization'] = origin.netrc
        request = None
        if origin.cookies:
            request = self._request(origin, path, headers)
            cookie = requests.cookies.get_cookie_header(origin.cookies,
                                                        request)
            if cookie is not None:
                headers['Cookie'] = cookie
        target = origin.prefix + path
        try:
            resp = self._urlopen(pool, target, headers, timeout)
        except urllib3.exceptions.ClosedPoolError:
            # dropped by its pool manager in between: nothing was sent
            resp = self._urlopen(self._pool()[0], target, headers, timeout)
        if 'Set-Cookie' in resp.headers:
            requests.cookies.extract_cookies_to_jar(
                origin.cookies, request or self._request(
                    origin, path, headers), resp)
        return resp

    @staticmethod
    def _request(origin, path, headers):
        """The request requests would have made (for its cookie jar)."""
        request = requests.PreparedRequest()
        request.method = 'GET'
        request.url = origin.base + path
        request.headers = requests.structures.CaseInsensitiveDict(headers)
        return request

    @staticmethod
    def _urlopen(pool, target, headers, timeout):
        return pool.urlopen(
            'GET', target, body=None, headers=headers, redirect=False,
            assert_same_host=False, preload_content=False,
            decode_content=False, retries=False, timeout=timeout)
