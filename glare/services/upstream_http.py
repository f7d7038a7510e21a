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
"""

import os
import threading
import urllib.parse

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


class _Adapter(ks_session.TCPKeepAliveAdapter):
    """keystoneauth1's adapter (TCP keep-alive, no Nagle, its TLS
    settings) on connections that call _written."""

    def init_poolmanager(self, *args, **kwargs):
        super().init_poolmanager(*args, **kwargs)
        self.poolmanager.pool_classes_by_scheme = {
            'http': _HTTPPool, 'https': _HTTPSPool}


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
