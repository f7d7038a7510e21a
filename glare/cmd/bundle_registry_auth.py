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

"""Logging in to an OCI registry: what glare-bundle push and pull send
when a registry answers 401.

Nothing is sent before the registry asks. Its WWW-Authenticate header
names the scheme:

- ``Basic realm=...``: the request again with HTTP Basic credentials,
  and every later request to the registry with them;
- ``Bearer realm=...,service=...,scope=...``: the token flow of the
  distribution spec: GET the realm with ``service`` and
  ``scope=repository:<repo>:pull`` (``pull,push`` for a push), with the
  Basic credentials if there are any (an anonymous token otherwise);
  the answer's ``token`` (or ``access_token``) then goes as
  ``Authorization: Bearer``, kept for the run and fetched again when it
  is about to expire (``expires_in``) or once when the registry refuses
  it (a token that was just fetched and is refused is a failure).

Credentials, the first found: ``--registry-username`` with
``--registry-password`` or ``--registry-password-stdin`` (or the
GLARE_REGISTRY_USERNAME and GLARE_REGISTRY_PASSWORD variables); else
the entry for the registry in the first auth file that has one
(``$REGISTRY_AUTH_FILE``, ``$DOCKER_CONFIG/config.json``,
``~/.docker/config.json``, then Podman's
``$XDG_RUNTIME_DIR/containers/auth.json`` and
``~/.config/containers/auth.json``); else none. Credential helpers
(``credsStore``, ``credHelpers``) are not run: a failure says when one
is all there was.

Credentials go only to the registry's own scheme, host and port and to
the token realm's; a redirect elsewhere (blob data on a storage host)
goes without them. Basic credentials never go over plain HTTP, except
to a loopback host with ``--insecure``.
"""

import base64
import binascii
import ipaddress
import json
import os
import re
import time
import urllib.parse

from keystoneauth1 import exceptions as ksa_exceptions

from glare.cmd import bundle_auth

USERNAME_ENV = 'GLARE_REGISTRY_USERNAME'
PASSWORD_ENV = 'GLARE_REGISTRY_PASSWORD'  # nosec B105: a variable's name
#: seconds a token lives when its answer does not say (the token spec)
DEFAULT_EXPIRES_IN = 60
#: a token this close to its end is fetched again before a request
REFRESH_MARGIN = 10
#: retries of one request after 401 answers
MAX_RETRIES = 3
MAX_STDIN_PASSWORD = 64 * 1024
MAX_TOKEN_ANSWER = 1024 * 1024
LOOPBACK_NAMES = ('localhost',)
#: Docker Hub's names for the same registry (auth files use the first)
DOCKER_HUB = ('index.docker.io', 'docker.io', 'registry-1.docker.io')
CREDENTIALS_HINT = ('give --registry-username with --registry-password or '
                    '--registry-password-stdin (or GLARE_REGISTRY_USERNAME '
                    'and GLARE_REGISTRY_PASSWORD), or log in with docker '
                    'login or podman login')

_TCHARS = r"[!#$%&'*+.^_`|~0-9A-Za-z-]+"
_SCHEME_RE = re.compile(r'[ \t,]*(' + _TCHARS + r')')
_PARAM_RE = re.compile(r'[ \t]*(' + _TCHARS + r')[ \t]*=[ \t]*(?:"((?:[^"\\]|'
                       r'\\.)*)"|(' + _TCHARS + r'))[ \t]*')
_TOKEN68_RE = re.compile(r'[ \t]*([A-Za-z0-9._~+/-]+=*)[ \t]*(?=,|$)')
_SEP_RE = re.compile(r'[ \t]*,[ \t]*')
#: what an Authorization value may hold (no header injection)
_VALUE_RE = re.compile(r'[\x21-\x7e]+')


class AuthError(Exception):
    """A login that cannot work; the message is one line."""


# -- WWW-Authenticate ---------------------------------------------------------

def parse_challenges(value):
    """The challenges of a WWW-Authenticate value (RFC 7235), in order:
    [(scheme in lower case, {param in lower case: value})]; a token68
    value is the param ''. ValueError when it cannot be read."""
    challenges = []
    pos, end = 0, len(value)
    while pos < end:
        m = _SCHEME_RE.match(value, pos)
        if m is None:
            if not value[pos:].strip(' \t,'):
                break
            raise ValueError('no auth scheme at %r' % value[pos:pos + 40])
        scheme, pos, params = m.group(1).lower(), m.end(), {}
        if pos < end and value[pos] not in ' \t,':
            raise ValueError('bad auth scheme at %r' % value[m.start(1):])
        challenges.append((scheme, params))
        first = True
        while pos < end:
            m = _PARAM_RE.match(value, pos)
            if m is not None:
                if m.group(2) is not None:
                    param = re.sub(r'\\(.)', r'\1', m.group(2))
                else:
                    param = m.group(3)
                params[m.group(1).lower()] = param
                pos = m.end()
            elif first and _TOKEN68_RE.match(value, pos):
                m = _TOKEN68_RE.match(value, pos)
                params[''] = m.group(1)
                pos = m.end()
            else:
                break  # the next challenge (or the end)
            first = False
            sep = _SEP_RE.match(value, pos)
            if sep is None:
                if value[pos:].strip():
                    raise ValueError('expected "," at %r'
                                     % value[pos:pos + 40])
                pos = end
                break
            pos = sep.end()
            if not _PARAM_RE.match(value, pos):
                break
    return challenges


def pick_challenge(value):
    """(scheme, params) of the challenge glare-bundle answers: Bearer
    before Basic. AuthError without either."""
    if not value:
        raise AuthError('its 401 came without a WWW-Authenticate '
                        'challenge')
    try:
        challenges = parse_challenges(value)
    except ValueError as e:
        raise AuthError('its WWW-Authenticate header cannot be read (%s): '
                        '%s' % (e, _shown(value))) from None
    for wanted in ('bearer', 'basic'):
        for scheme, params in challenges:
            if scheme == wanted:
                return scheme, params
    raise AuthError('it asks for %s authentication, which glare-bundle '
                    'does not speak (Basic or Bearer only)' % (', '.join(
                        sorted({s for s, _p in challenges})) or 'no'))


def registry_error(resp):
    """The registry's error document in a line (distribution's
    {"errors": [{"code", "message"}]}), else the HTTP reason."""
    try:
        errors = resp.json().get('errors')
    except (ValueError, AttributeError):
        errors = None
    parts = []
    for err in errors if isinstance(errors, list) else ():
        if isinstance(err, dict):
            parts.append('%s %s' % (err.get('code', ''),
                                    err.get('message', '')))
    text = '; '.join(p.strip() for p in parts) or resp.reason or ''
    return ' '.join(str(text).split())


def _shown(text, limit=120):
    text = ' '.join(str(text).split())
    return text if len(text) <= limit else text[:limit] + '...'


# -- where credentials may go ---------------------------------------------

def origin(url):
    """(scheme, host, port) of an absolute URL; the host in lower case,
    the port made explicit."""
    parts = urllib.parse.urlsplit(url)
    scheme = parts.scheme.lower()
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        port = {'http': 80, 'https': 443}.get(scheme)
    return scheme, (parts.hostname or '').lower(), port


def is_loopback(hostname):
    name = hostname.strip('[]').lower()
    if name in LOOPBACK_NAMES:
        return True
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return False


def may_send_password(url, insecure):
    """Whether Basic credentials may go to url: over https always; over
    plain http only with --insecure to a loopback host."""
    scheme, host, _port = origin(url)
    if scheme == 'https':
        return True
    return scheme == 'http' and insecure and is_loopback(host)


# -- credentials ------------------------------------------------------------

class Credentials:
    """A user name and password, and where they came from (for
    messages: the password never appears in one)."""

    def __init__(self, username, password, source):
        self.username = username
        self.password = password
        self.source = source

    def basic(self):
        pair = ('%s:%s' % (self.username, self.password)).encode('utf-8')
        return 'Basic ' + base64.b64encode(pair).decode('ascii')

    def describe(self):
        return 'user %s (from %s)' % (self.username, self.source)

    def __repr__(self):
        return '<Credentials %s>' % self.describe()


def add_arguments(parser):
    """The login options of push and pull."""
    g = parser.add_argument_group(
        'registry login (only when the registry asks: else the entry for '
        'it in a docker/podman auth file)')
    g.add_argument('--registry-username', metavar='NAME',
                   help='user name at the registry (or %s)' % USERNAME_ENV)
    g.add_argument('--registry-password', metavar='PASSWORD',
                   help='password or access token (or %s; visible to '
                   'other users of this machine on the command line)'
                   % PASSWORD_ENV)
    g.add_argument('--registry-password-stdin', action='store_true',
                   help='read the password from standard input')


def _check(username, password, user_source):
    if not username:
        raise AuthError('a registry password needs a user name (give '
                        '--registry-username or %s)' % USERNAME_ENV)
    if ':' in username:
        raise AuthError('the registry user name %r holds a ":", which '
                        'Basic authentication cannot carry' % username)
    if password is None:
        raise AuthError('%s gives the registry user %s but no password '
                        '(give --registry-password, '
                        '--registry-password-stdin or %s)' % (
                            user_source, username, PASSWORD_ENV))
    if not password:
        raise AuthError('the registry password is empty')
    for text in (username, password):
        if any(c in text for c in '\r\n\0'):
            raise AuthError('the registry user name or password holds a '
                            'line break or NUL')


def from_arguments(args, environ, stdin):
    """Credentials of the command line and environment, or None. stdin:
    a text stream, read only with --registry-password-stdin."""
    username = getattr(args, 'registry_username', None)
    user_source = '--registry-username'
    if not username and environ.get(USERNAME_ENV):
        username, user_source = environ[USERNAME_ENV], USERNAME_ENV
    password = getattr(args, 'registry_password', None)
    if getattr(args, 'registry_password_stdin', False):
        if password is not None:
            raise AuthError('give --registry-password or '
                            '--registry-password-stdin, not both')
        try:
            password = stdin.read(MAX_STDIN_PASSWORD + 1)
        except (OSError, UnicodeDecodeError) as e:
            raise AuthError('cannot read the registry password from '
                            'standard input: %s' % e) from None
        if len(password) > MAX_STDIN_PASSWORD:
            raise AuthError('the registry password on standard input is '
                            'over %d bytes' % MAX_STDIN_PASSWORD)
        # one final line break, as "docker login --password-stdin"
        password = password[:-1] if password.endswith('\n') else password
        password = password[:-1] if password.endswith('\r') else password
        if not password:
            raise AuthError('--registry-password-stdin read no password')
    elif password is None and environ.get(PASSWORD_ENV):
        password = environ[PASSWORD_ENV]
    if username is None and password is None:
        return None
    _check(username, password, user_source)
    return Credentials(username, password, user_source)


def auth_files(environ):
    """The auth files looked in, in order (whether they exist or not)."""
    home = environ.get('HOME') or os.path.expanduser('~')
    paths = []
    if environ.get('REGISTRY_AUTH_FILE'):
        paths.append(environ['REGISTRY_AUTH_FILE'])
    if environ.get('DOCKER_CONFIG'):
        paths.append(os.path.join(environ['DOCKER_CONFIG'], 'config.json'))
    paths.append(os.path.join(home, '.docker', 'config.json'))
    if environ.get('XDG_RUNTIME_DIR'):
        paths.append(os.path.join(environ['XDG_RUNTIME_DIR'], 'containers',
                                  'auth.json'))
    paths.append(os.path.join(environ.get('XDG_CONFIG_HOME') or
                              os.path.join(home, '.config'),
                              'containers', 'auth.json'))
    unique = []
    for path in paths:
        if path not in unique:
            unique.append(path)
    return unique


def _auth_key(key):
    """An auths key as host[/path] in lower case: no scheme, no
    trailing /, no legacy /v1 or /v2."""
    key = key.strip()
    for scheme in ('https://', 'http://'):
        if key.lower().startswith(scheme):
            key = key[len(scheme):]
    key = key.rstrip('/')
    host, sep, path = key.partition('/')
    if path in ('v1', 'v2'):
        path, sep = '', ''
    return host.lower() + sep + path


def _candidates(host, repository):
    """The auths keys that would hold host's credentials, most specific
    first: host/repo, host/its namespaces, host."""
    hosts = [host.lower()]
    if hosts[0] in DOCKER_HUB:
        hosts = list(DOCKER_HUB)
    out = []
    parts = repository.split('/') if repository else []
    for name in hosts:
        out += ['%s/%s' % (name, '/'.join(parts[:n]))
                for n in range(len(parts), 0, -1)]
    return out + hosts


def _load_auth_file(path):
    try:
        with open(path, 'rb') as f:
            data = f.read(16 * 1024 * 1024)
    except FileNotFoundError:
        return None
    except OSError as e:
        raise AuthError('cannot read the auth file %s: %s' % (
            path, e.strerror or e)) from None
    try:
        doc = json.loads(data.decode('utf-8'))
    except (UnicodeDecodeError, ValueError) as e:
        raise AuthError('the auth file %s is not a JSON document: %s' % (
            path, ' '.join(str(e).split()))) from None
    if not isinstance(doc, dict):
        raise AuthError('the auth file %s is not a JSON object' % path)
    return doc


def _entry_credentials(entry, key, path):
    where = 'the auth file %s, entry %s' % (path, key)
    if not isinstance(entry, dict):
        raise AuthError('%s is not an object' % where)
    username = password = None
    if entry.get('auth'):
        auth = entry['auth']
        try:
            pair = base64.b64decode(auth, validate=True).decode('utf-8') \
                if isinstance(auth, str) else None
        except (binascii.Error, UnicodeDecodeError, ValueError):
            pair = None
        if pair is None or ':' not in pair:
            raise AuthError('%s: "auth" is not base64 of "user:password"'
                            % where)
        username, _sep, password = pair.partition(':')
    elif entry.get('username') or entry.get('password'):
        username, password = entry.get('username'), entry.get('password')
        if not isinstance(username, str) or not isinstance(password, str):
            raise AuthError('%s: "username" and "password" must be '
                            'strings' % where)
    else:
        return None
    if not username or not password:
        raise AuthError('%s has an empty user name or password' % where)
    if any(c in username + password for c in '\r\n\0'):
        raise AuthError('%s holds a line break or NUL' % where)
    return Credentials(username, password, 'auth file %s' % path)


def from_auth_files(host, repository, environ):
    """(Credentials or None, notes): the entry for host (or host/repo, or
    a namespace of it) in the first auth file that has one; notes say
    what was found but not used (credential helpers, identity tokens)."""
    notes = []
    wanted = _candidates(host, repository)
    for path in auth_files(environ):
        doc = _load_auth_file(path)
        if doc is None:
            continue
        auths = doc.get('auths')
        auths = {} if auths is None else auths
        if not isinstance(auths, dict):
            raise AuthError('the auth file %s: "auths" is not an object'
                            % path)
        keys = {}
        for key in auths:
            keys.setdefault(_auth_key(key), key)
        for name in wanted:
            if name in keys:
                key = keys[name]
                creds = _entry_credentials(auths[key], key, path)
                if creds is not None:
                    return creds, notes
                if isinstance(auths[key], dict) and \
                        auths[key].get('identitytoken'):
                    notes.append('%s holds an identity token for %s, '
                                 'which glare-bundle does not use'
                                 % (path, key))
        helpers = doc.get('credHelpers')
        helper = None
        if isinstance(helpers, dict):
            named = {_auth_key(k): v for k, v in helpers.items()}
            helper = next((named[n] for n in wanted if n in named), None)
        if helper is None and doc.get('credsStore'):
            helper = doc['credsStore']
        if helper is not None:
            notes.append('%s names the credential helper '
                         'docker-credential-%s, which glare-bundle does '
                         'not run' % (path, helper))
    return None, notes


# -- the login of one run ---------------------------------------------------

class Token:
    """A bearer token and when it is due to be fetched again."""

    def __init__(self, value, expires_in, now):
        self.value = value
        self.expires_in = expires_in
        self.expires_at = now + expires_in

    def stale(self, now):
        margin = min(REFRESH_MARGIN, self.expires_in / 2)
        return now >= self.expires_at - margin


def scope_covers(scope, repository, actions):
    """Whether our scope (repository:<repository>:<actions>) includes a
    scope the registry asked for."""
    kind, _sep, rest = scope.partition(':')
    name, _sep, wanted = rest.rpartition(':')
    return kind == 'repository' and name == repository and \
        set(wanted.split(',')) <= set(actions.split(','))


class Login:
    """The login of one push or pull to one repository.

    send(method, url, authorize, log) does one request (following
    redirects, authorize(url) the Authorization of each hop) and returns
    (response, Authorization sent to the last hop); lookup() gives
    (Credentials or None, notes) from the auth files, asked only once
    credentials are needed.
    """

    def __init__(self, registry_url, host, repository, actions,
                 credentials, lookup, insecure, send, clock=time.monotonic):
        self.origin = origin(registry_url)
        self.host = host
        self.repository = repository
        self.actions = actions
        self.scope = 'repository:%s:%s' % (repository, actions)
        self.insecure = insecure
        self._credentials = credentials
        self._lookup = lookup if credentials is None else None
        self._send = send
        self._clock = clock
        self.notes = []
        self.scheme = None  # 'basic' or 'bearer' once the registry asked
        self.challenge = None  # the Bearer challenge's params
        self.token = None

    def fail(self, message):
        return AuthError('registry %s: %s' % (self.host, message))

    def credentials(self):
        if self._lookup is not None:
            lookup, self._lookup = self._lookup, None
            self._credentials, self.notes = lookup()
        return self._credentials

    def _who(self):
        creds = self._credentials
        return creds.describe() if creds is not None else 'anonymous'

    def _hint(self):
        """What to do when no credentials were found."""
        return '; '.join(['no credentials for %s: %s' % (
            self.host, CREDENTIALS_HINT)] + self.notes)

    def attempt(self):
        return Attempt(self)

    # -- tokens --
    def fetch_token(self, params=None):
        if params is not None:
            self.challenge = params
        params = self.challenge
        realm = params.get('realm')
        if not realm or origin(realm)[0] not in ('http', 'https') or \
                not origin(realm)[1]:
            raise self.fail('its Bearer challenge names no http(s) realm '
                            '(%r)' % (realm,))
        query = [('service', params['service'])] \
            if params.get('service') else []
        scopes = [self.scope] + [
            s for s in (params.get('scope') or '').split()
            if s != self.scope and not scope_covers(s, self.repository,
                                                    self.actions)]
        query += [('scope', s) for s in scopes]
        parts = urllib.parse.urlsplit(realm)
        url = urllib.parse.urlunsplit(parts._replace(query='&'.join(
            p for p in (parts.query, urllib.parse.urlencode(query)) if p)))
        creds = self.credentials()
        where = 'the token service %s' % _without_query(realm)
        if creds is not None and not may_send_password(url, self.insecure):
            raise self.fail(
                'refusing to send the password of %s over plain HTTP to %s '
                '(only to a loopback host, with --insecure)' % (
                    creds.describe(), where))
        realm_origin = origin(url)

        def authorize(hop):
            if creds is not None and origin(hop) == realm_origin:
                return creds.basic()
            return None
        try:
            resp, _sent = self._send('GET', url, authorize, log=False,
                                     stream=True)
        except ksa_exceptions.ClientException as e:
            text = bundle_auth.describe(e, where)
            raise self.fail(text if text.startswith('cannot connect') else
                            'cannot reach %s: %s' % (where, text)) from None
        try:
            if resp.status_code in (401, 403):
                raise self.fail('%s refused %s: HTTP %d %s%s' % (
                    where, self._who(), resp.status_code,
                    _token_error(resp), '' if creds is not None else
                    '; ' + self._hint()))
            if resp.status_code != 200:
                raise self.fail('%s answered HTTP %d %s' % (
                    where, resp.status_code, _token_error(resp)))
            data = resp.raw.read(MAX_TOKEN_ANSWER + 1, decode_content=True)
        finally:
            resp.close()
        try:
            doc = json.loads(data.decode('utf-8'))
        except (UnicodeDecodeError, ValueError):
            raise self.fail('%s answered no token: not a JSON document (%s)'
                            % (where, _shown(data[:200].decode(
                                'utf-8', 'replace')) or 'empty')) from None
        value = doc.get('token') or doc.get('access_token') \
            if isinstance(doc, dict) else None
        if not isinstance(value, str) or not _VALUE_RE.fullmatch(value):
            raise self.fail('%s answered no token (no "token" or '
                            '"access_token" string in its JSON answer)'
                            % where)
        expires_in = doc.get('expires_in')
        if isinstance(expires_in, bool) or \
                not isinstance(expires_in, (int, float)) or expires_in <= 0:
            expires_in = DEFAULT_EXPIRES_IN
        self.token = Token(value, expires_in, self._clock())
        self.scheme = 'bearer'


def _without_query(url):
    return urllib.parse.urlunsplit(urllib.parse.urlsplit(url)._replace(
        query='', fragment=''))


def _token_error(resp):
    """A token service's error in a line: distribution's error document,
    {"details"|"error"|"message": ...}, or the reason."""
    try:
        doc = resp.json()
    except ValueError:
        doc = None
    if isinstance(doc, dict):
        for key in ('details', 'error_description', 'error', 'message'):
            if isinstance(doc.get(key), str):
                return _shown(doc[key])
    return registry_error(resp)


class Attempt:
    """One registry request and its retries after 401 answers."""

    def __init__(self, login):
        self.login = login
        self.fresh = False  # a token fetched during this request
        self.retries = 0

    def authorization(self, url):
        """The Authorization header for url (None: none), a token fetched
        again first when it is about to expire."""
        login = self.login
        if origin(url) != login.origin or login.scheme is None:
            return None
        if login.scheme == 'basic':
            return login.credentials().basic()
        if login.token.stale(login._clock()):
            login.fetch_token()
            self.fresh = True
        return 'Bearer ' + login.token.value

    def unauthorized(self, resp, sent, replayable):
        """The registry answered 401 although sent was sent: set the login
        up so that the request may go again, or raise AuthError."""
        login = self.login
        url = resp.url
        if origin(url) != login.origin:
            raise login.fail('%s answered 401 (%s); credentials go only to '
                             'the registry itself, not to %s' % (
                                 _without_query(url), registry_error(resp),
                                 origin(url)[1]))
        detail = registry_error(resp)
        try:
            scheme, params = pick_challenge(
                resp.headers.get('WWW-Authenticate'))
        except AuthError as e:
            raise login.fail('authentication failed (401): %s (%s)' % (
                e, detail)) from None
        if params.get('error'):
            detail = '%s, %s' % (detail, params['error'])
        self.retries += 1
        if self.retries > MAX_RETRIES:
            raise login.fail('authentication failed (401): the registry '
                             'refused %s %d times: %s' % (
                                 login._who(), MAX_RETRIES, detail))
        sent_scheme = sent.split(' ', 1)[0].lower() if sent else None
        if scheme == 'basic':
            if sent_scheme == 'basic':
                raise login.fail('authentication failed (401): the '
                                 'registry refused %s: %s' % (
                                     login._who(), detail))
            creds = login.credentials()
            if creds is None:
                raise login.fail('authentication required (401): %s' %
                                 login._hint())
            if not may_send_password(url, login.insecure):
                raise login.fail(
                    'refusing to send the password of %s over plain HTTP '
                    '(only to a loopback registry, with --insecure)'
                    % creds.describe())
            login.scheme = 'basic'
        elif sent_scheme == 'bearer' and self.fresh:
            raise login.fail(
                'authentication failed (401): the registry refused a token '
                'just issued for %s to %s: %s%s' % (
                    login.scope, login._who(), detail,
                    '' if login._credentials is not None
                    else '; ' + login._hint()))
        else:
            # no token yet, or the one of this run expired: once more
            login.fetch_token(params)
            self.fresh = True
        if not replayable:
            raise login.fail('authentication failed (401) in the middle of '
                             'an upload (%s %s), which cannot be sent again'
                             % (resp.request.method, urllib.parse.urlsplit(
                                 url).path))
