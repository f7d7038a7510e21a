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

"""The upstream catalogs of [federation] upstreams, and how to call them.

Each upstream is called with the service's own credentials from its
[upstream:<name>] group (a keystoneauth1 plugin; none when auth_type is
unset), never with a caller's token. A call:

- follows no redirect: a 3xx is an error naming where it pointed (an
  upstream cannot send the service to another host, private or not);
- is bounded in time (the group's timeout for each wait on the network,
  and a deadline for a whole JSON answer) and, for JSON, in size;
- fails with UpstreamError, whose ``status`` is "timeout" or "error" and
  whose message is one line naming the upstream; no credential is ever
  in it.
"""

import functools
import json
import threading
import time
import urllib.parse

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from oslo_log import log as logging
import requests
from urllib3 import exceptions as urllib3_exc

from glare.conf import federation as federation_conf
from glare import exception
from glare.services import upstream_http

LOG = logging.getLogger(__name__)

USER_AGENT = 'glare-federation'
#: the largest JSON answer read from an upstream (a page of a list)
MAX_JSON_BYTES = 16 * 1024 * 1024
#: the most of an error answer read for its message
MAX_ERROR_BYTES = 64 * 1024
READ_SIZE = 64 * 1024
#: how long past its deadline a read of a JSON answer may wait (seconds)
READ_SLACK = 0.05
#: the request header counting the catalogs a federated search passed
HOPS_HEADER = 'X-Glare-Federation-Hops'
API_VERSION = '1.4'


class UpstreamError(Exception):
    """An upstream call that did not give the expected answer."""

    def __init__(self, upstream, detail, status='error', code=None):
        super().__init__('upstream %s: %s' % (upstream, detail))
        self.upstream = upstream
        self.detail = detail
        self.status = status
        self.code = code

    def as_api_error(self):
        """The error a user meets: 504 for a timeout, else 502."""
        if self.status == 'timeout':
            return exception.GatewayTimeout(str(self))
        return exception.BadGateway(str(self))


def _read_some(read):
    """Up to MAX_ERROR_BYTES of an answer's body; read(amt) gives the
    next bytes, none at its end."""
    data = b''
    try:
        while len(data) < MAX_ERROR_BYTES:
            chunk = read(READ_SIZE)
            if not chunk:
                break
            data += chunk
    except (requests.RequestException, urllib3_exc.HTTPError, OSError):
        pass
    return data


def _message(data, reason):
    """The error message of an upstream answer (Glare's JSON, else the
    start of the text) from the start of its body."""
    try:
        doc = json.loads(data)
        msg = doc['error']['message']
        if isinstance(msg, str):
            return msg[:500]
    except (ValueError, KeyError, TypeError):
        pass
    text = data[:200].decode('utf-8', 'replace').strip()
    return ' '.join(text.split()) or reason or 'no message'


def _stalled(exc):
    """Whether a failed read of a streamed body waited past its timeout:
    requests gives a read timeout while streaming as a ConnectionError
    around urllib3's ReadTimeoutError, not as a Timeout."""
    if isinstance(exc, requests.Timeout):
        return True
    return isinstance(exc, requests.ConnectionError) and any(
        isinstance(arg, urllib3_exc.ReadTimeoutError) for arg in exc.args)


class Upstream:
    """One [upstream:<name>] group: its settings and a session on it."""

    def __init__(self, conf, name):
        group = conf[federation_conf.upstream_group(name)]
        self.conf = conf
        self.name = name
        self.url = group.url.rstrip('/')
        self.types = frozenset(group.types)
        self.pull = group.pull
        self.push = group.push
        self.timeout = group.timeout
        self._group = federation_conf.upstream_group(name)
        self._verify = group.verify and not group.insecure
        self._session = None
        self._direct = None
        self._auth = None
        self._lock = threading.Lock()

    def allows_type(self, type_name):
        return not self.types or type_name in self.types

    def _get_session(self):
        with self._lock:
            if self._session is None:
                try:
                    auth = ks_loading.load_auth_from_conf_options(
                        self.conf, self._group)
                except ks_exc.MissingRequiredOptions as e:
                    raise UpstreamError(self.name, 'the service has no '
                                        'usable credentials for it: %s'
                                        % e) from e
                session = ks_loading.load_session_from_conf_options(
                    self.conf, self._group, auth=auth,
                    session=upstream_http.Session())
                upstream_http.mount_adapters(session)
                if not self._verify:
                    session.verify = False
                self._auth = auth
                self._session = session
            return self._session

    def request(self, method, path, expect=(200,), params=None,
                headers=None, data=None, timeout=None, on_sent=None):
        """The upstream's answer to method path (a path under its url,
        with params). Raises UpstreamError on anything but an expected
        status; the body of an expected answer is streamed, the caller's
        to read and close. on_sent: called once the request is written
        (not at all when it never is)."""
        session = self._get_session()
        url = self.url + path
        sent = {'OpenStack-API-Version': 'artifact %s' % API_VERSION,
                'User-Agent': USER_AGENT}
        sent.update(headers or {})
        upstream_http.on_request_written(on_sent)
        try:
            resp = session.request(
                url, method, raise_exc=False, redirect=False,
                authenticated=self._auth is not None, params=params,
                headers=sent, data=data, stream=True, connect_retries=0,
                timeout=timeout or self.timeout, log=False)
        except (ks_exc.ConnectTimeout, ks_exc.RequestTimeout) as e:
            raise UpstreamError(self.name, 'no answer within %s s' % (
                timeout or self.timeout), 'timeout') from e
        except ks_exc.SSLError as e:
            raise UpstreamError(self.name, 'TLS failed: %s' % e) from e
        except ks_exc.ConnectFailure as e:
            raise UpstreamError(self.name, 'cannot connect to %s' %
                                self.url) from e
        except ks_exc.ClientException as e:
            # credentials refused, no endpoint, the auth service away
            raise UpstreamError(self.name, 'the service could not '
                                'authenticate: %s' % e) from e
        finally:
            upstream_http.on_request_written(None)
        if resp.status_code in expect:
            return resp
        try:
            self._refused(method, path, resp.status_code,
                          resp.headers.get('Location', ''),
                          lambda: _read_some(functools.partial(
                              resp.raw.read, decode_content=True)),
                          resp.reason)
        finally:
            resp.close()

    def _refused(self, method, path, code, location, read_some, reason):
        """Raise the UpstreamError of an answer of an unexpected status
        code: a redirect (never followed: it may point anywhere) names
        where it points to; read_some() gives the start of another's
        body, for its message."""
        if 300 <= code < 400:
            where = urllib.parse.urlsplit(location)
            raise UpstreamError(self.name, 'answered %s %s with a redirect '
                                'to %s; redirects are not followed' % (
                                    method, path, where.netloc or
                                    'nowhere'), code=code)
        raise UpstreamError(self.name, '%s %s: %d %s' % (
            method, path, code, _message(read_some(), reason)), code=code)

    def _get_direct(self):
        session = self._get_session()
        with self._lock:
            if self._direct is None:
                self._direct = upstream_http.Direct(session, self.url)
            return self._direct

    def _failed(self, exc, timeout):
        """The UpstreamError of a request that got no answer (urllib3's
        or the socket's exception), as keystoneauth1's would read."""
        if isinstance(exc, urllib3_exc.SSLError):
            return UpstreamError(self.name, 'TLS failed: %s' % exc)
        if isinstance(exc, (urllib3_exc.ProxyError,
                            urllib3_exc.NewConnectionError)):
            return UpstreamError(self.name, 'cannot connect to %s' %
                                 self.url)
        if isinstance(exc, (urllib3_exc.TimeoutError, TimeoutError)):
            return UpstreamError(self.name, 'no answer within %s s' %
                                 timeout, 'timeout')
        return UpstreamError(self.name, 'cannot connect to %s' % self.url)

    def get_json(self, path, params=None, headers=None, deadline=None,
                 max_bytes=MAX_JSON_BYTES, on_sent=None, loads=json.loads):
        """The JSON document of GET path, read within deadline (a
        time.monotonic() value, default now + timeout) and max_bytes;
        on_sent as for request(); loads: what makes the document of the
        answer's bytes (a ValueError when they are no JSON).

        Sent by upstream_http.Direct (urllib3 straight, what requests
        would decide decided once): the same request request() sends, at
        a fraction of its cost."""
        if deadline is None:
            deadline = time.monotonic() + self.timeout
        left = deadline - time.monotonic()
        if left <= 0:
            raise UpstreamError(self.name, 'no time left to ask', 'timeout')
        direct = self._get_direct()
        sent = {'OpenStack-API-Version': 'artifact %s' % API_VERSION,
                'User-Agent': USER_AGENT}
        sent.update(headers or {})
        query = urllib.parse.urlencode(params, doseq=True) if params else ''
        upstream_http.on_request_written(on_sent)
        try:
            resp = direct.get(path, query, sent, left,
                              authenticated=self._auth is not None)
        except ks_exc.ClientException as e:
            # credentials refused, no endpoint, the auth service away
            raise UpstreamError(self.name, 'the service could not '
                                'authenticate: %s' % e) from e
        except urllib3_exc.HTTPError as e:
            raise self._failed(e, self.timeout) from e
        except requests.RequestException as e:
            # the url as requests reads it (a bad one fails at start-up)
            raise UpstreamError(self.name, 'cannot connect to %s: %s' % (
                self.url, e)) from e
        except OSError as e:
            # urllib3 gives the socket's errors as its own: this is a CA
            # bundle or certificate file that is not there (as requests
            # finds it)
            raise UpstreamError(self.name, 'TLS failed: %s' % e) from e
        finally:
            upstream_http.on_request_written(None)
        try:
            if resp.status != 200:
                self._refused('GET', path, resp.status,
                              resp.headers.get('Location', ''),
                              lambda: _read_some(functools.partial(
                                  resp.read1, decode_content=True)),
                              resp.reason)
            data = self._read_json(resp, path, deadline, max_bytes)
        except BaseException:
            resp.close()
            resp.release_conn()
            raise
        resp.release_conn()
        try:
            return loads(data)
        except ValueError as e:
            raise UpstreamError(self.name, 'answer to GET %s is not JSON' %
                                path) from e

    def _read_json(self, resp, path, deadline, max_bytes):
        """The body of resp (urllib3's), read within deadline and
        max_bytes."""
        length = resp.headers.get('Content-Length', '')
        if length.isdigit() and int(length) > max_bytes and \
                not resp.headers.get('Content-Encoding'):
            raise UpstreamError(self.name, 'answer to GET %s is larger than '
                                '%d bytes' % (path, max_bytes))
        # each wait for a byte ends by the deadline (READ_SLACK past it at
        # most): the socket's timeout is lowered when it would wait longer
        # (settimeout lets go of the interpreter lock, which the local list
        # then takes for up to the switch interval: not on every read)
        sock = getattr(resp.connection, 'sock', None)
        waits = sock.gettimeout() if sock is not None else None
        chunks, size = [], 0
        try:
            while True:
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise UpstreamError(self.name, 'answer to GET %s not '
                                        'read within %s s' % (
                                            path, self.timeout), 'timeout')
                if sock is not None and (waits is None or
                                         waits > remaining + READ_SLACK):
                    waits = remaining
                    sock.settimeout(waits)
                chunk = resp.read1(READ_SIZE, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > max_bytes:
                    raise UpstreamError(self.name, 'answer to GET %s is '
                                        'larger than %d bytes' % (
                                            path, max_bytes))
                chunks.append(chunk)
        except (urllib3_exc.TimeoutError, TimeoutError) as e:
            raise UpstreamError(self.name, 'answer to GET %s stalled' %
                                path, 'timeout') from e
        except (urllib3_exc.HTTPError, OSError) as e:
            raise UpstreamError(self.name, 'answer to GET %s broke off: %s'
                                % (path, type(e).__name__)) from e
        # most answers come in one read: no copy then
        return chunks[0] if len(chunks) == 1 else b''.join(chunks)

    def chunks(self, resp, path, chunk_size=1024 * 1024):
        """The body of a streamed answer in chunks; a broken or stalled
        transfer raises UpstreamError. Closes resp."""
        try:
            for chunk in resp.iter_content(chunk_size):
                yield chunk
        except requests.RequestException as e:
            if _stalled(e):
                raise UpstreamError(self.name, 'transfer of %s stalled for '
                                    '%s s' % (path, self.timeout),
                                    'timeout') from e
            raise UpstreamError(self.name, 'transfer of %s broke off: %s' % (
                path, type(e).__name__)) from e
        finally:
            resp.close()


class Upstreams:
    """Every upstream of [federation] upstreams, in their order."""

    def __init__(self, conf):
        try:
            names = federation_conf.check_upstreams(conf)
        except federation_conf.BadUpstreams as e:
            raise exception.ConfigurationError(str(e)) from e
        self._by_name = {name: Upstream(conf, name) for name in names}
        self.max_hops = conf.federation.max_hops

    def __iter__(self):
        return iter(self._by_name.values())

    def __len__(self):
        return len(self._by_name)

    def names(self):
        return list(self._by_name)

    def get(self, name):
        """The upstream called name; 400 when there is none."""
        if not isinstance(name, str) or name not in self._by_name:
            known = ', '.join(self._by_name) or 'none are configured'
            raise exception.BadRequest(
                'No upstream catalog is called %r (upstreams: %s)' % (
                    name, known))
        return self._by_name[name]
