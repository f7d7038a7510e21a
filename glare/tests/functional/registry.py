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

"""A real OCI registry for the tests, and what its logins need.

Registry runs CNCF distribution as Debian packages it (docker-registry,
installed by .ci/run) on a loopback port with its own storage; it may
ask for logins (distribution's htpasswd or token auth) and hand blob data
out by redirect (its ``redirect`` storage middleware). TokenIssuer is
the token service of distribution's token spec, a threaded http.server
on loopback: it checks Basic credentials and signs ES256 JWTs with a key
and self-signed certificate made here, the certificate being the
registry's rootcertbundle (the JWT names it in ``x5c``). BlobServer
serves the registry's storage directory as the host blob GETs are
redirected to, and records what it was sent.
"""

import base64
import datetime
import http.server
import json
import os
import threading
import time
import urllib.parse
import uuid

import bcrypt
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import utils as ec_utils
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
from cryptography import x509
from cryptography.x509.oid import NameOID

from glare.tests.fixtures import processes

BINARY = '/usr/bin/docker-registry'
ABSENT = ('%s is absent (Debian package docker-registry; .ci/run installs '
          'it)' % BINARY)
#: distribution accepts a token this long after its exp (token.Leeway)
LEEWAY = 60


def available():
    return os.path.exists(BINARY)


class Registry(processes.ServerProcess):
    """docker-registry (CNCF distribution) on a loopback port.

    auth: None (anonymous) or distribution's ``auth`` section
    (TokenIssuer.auth(), htpasswd_auth()); redirect_to: a base URL blob
    GETs and HEADs are redirected to (BlobServer.url).
    """

    NAME = 'docker-registry'

    def __init__(self, workdir, name='registry', auth=None,
                 redirect_to=None):
        self.workdir = os.path.join(workdir, name)
        self.storage = os.path.join(self.workdir, 'storage')
        os.makedirs(self.storage)
        self.log_path = os.path.join(self.workdir, 'registry.log')
        self.auth = auth
        self.redirect_to = redirect_to
        self.port = None

    @property
    def host(self):
        return '127.0.0.1:%d' % self.port

    def spawn(self, attempt):
        self.port = processes.free_port()
        config = {'version': 0.1,
                  # info level logs every request
                  'log': {'level': 'info',
                          'accesslog': {'disabled': False}},
                  'storage': {'filesystem': {'rootdirectory':
                                             self.storage}},
                  'http': {'addr': self.host}}
        if self.auth is not None:
            config['auth'] = self.auth
        if self.redirect_to is not None:
            config['middleware'] = {'storage': [{
                'name': 'redirect',
                'options': {'baseurl': self.redirect_to}}]}
        path = os.path.join(self.workdir, 'config.yml')
        with open(path, 'w') as f:
            json.dump(config, f)  # JSON is YAML
        env = {'PATH': os.environ.get('PATH', '/usr/bin:/bin'),
               'HOME': self.workdir}
        return [BINARY, 'serve', path], env

    def ready(self, session):
        # with auth, /v2/ asks for it
        return session.get('http://%s/v2/' % self.host,
                           timeout=2).status_code in (200, 401)

    def log_since(self, start):
        with open(self.log_path, 'rb') as f:
            f.seek(start)
            return f.read().decode('utf-8', 'replace')

    def log_size(self):
        return os.path.getsize(self.log_path)


def htpasswd_auth(workdir, users, realm='glare-test'):
    """distribution's htpasswd auth section; users {name: password}
    written with bcrypt hashes (the only kind distribution reads)."""
    path = os.path.join(workdir, 'htpasswd-%s' % uuid.uuid4().hex[:8])
    with open(path, 'wb') as f:
        for name, password in users.items():
            # the least cost bcrypt allows: the tests hash every request
            f.write(b'%s:%s\n' % (name.encode(), bcrypt.hashpw(
                password.encode(), bcrypt.gensalt(rounds=4))))
    return {'htpasswd': {'realm': realm, 'path': path}}


def _b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b'=').decode('ascii')


class _Server(http.server.ThreadingHTTPServer):
    daemon_threads = True


class _LoopbackServer:
    """A threaded http.server on a loopback port, in a thread."""

    handler = None

    def start(self):
        outer = self

        class Handler(self.handler):
            server_obj = outer

            def log_message(self, *args):
                pass
        self._server = _Server(('127.0.0.1', 0), Handler)
        self.port = self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        name='test-%s' % type(self).__name__,
                                        daemon=True)
        self._thread.start()
        return self

    def stop(self):
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(10)


class _TokenHandler(http.server.BaseHTTPRequestHandler):

    def _answer(self, status, body, content_type='application/json'):
        if not isinstance(body, bytes):
            body = json.dumps(body).encode()
        self.send_response(status)
        self.send_header('Content-Type', content_type)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):
        self.server_obj.handle(self)


class TokenIssuer(_LoopbackServer):
    """The token service of distribution's token spec.

    users: {name: (password, [actions granted])}; anonymous: the actions
    an anonymous token grants. What a test may change at any time:
    expired (how many next tokens are issued already past their exp and
    its leeway), lifetime (seconds until exp), expires_in (what the
    answer says, None: nothing), token_field (the answer's key of the
    token) and answer ((status, content type, body) sent instead of a
    token). requests records every request as
    (user or None, {param: [values]}), issued every token as (user or
    None, scopes).
    """

    handler = _TokenHandler
    ISSUER = 'glare-test-issuer'
    SERVICE = 'glare-test-registry'

    def __init__(self, workdir, users, anonymous=()):
        self.users = users
        self.anonymous = list(anonymous)
        self.expired = 0
        self.lifetime = 300
        self.expires_in = 300
        self.answer = None
        self.token_field = 'token'
        self.requests = []
        self.issued = []
        self._lock = threading.Lock()
        self.key = ec.generate_private_key(ec.SECP256R1())
        name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME,
                                             'glare test token issuer')])
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = x509.CertificateBuilder().subject_name(name).issuer_name(
            name).public_key(self.key.public_key()).serial_number(
            x509.random_serial_number()).not_valid_before(
            now - datetime.timedelta(hours=1)).not_valid_after(
            now + datetime.timedelta(days=2)).add_extension(
            x509.BasicConstraints(ca=True, path_length=None),
            critical=True).sign(self.key, hashes.SHA256())
        self.cert_path = os.path.join(workdir, 'token-issuer-%s.pem'
                                      % uuid.uuid4().hex[:8])
        with open(self.cert_path, 'wb') as f:
            f.write(cert.public_bytes(serialization.Encoding.PEM))
        self._x5c = base64.b64encode(cert.public_bytes(
            serialization.Encoding.DER)).decode('ascii')

    @property
    def realm(self):
        return 'http://127.0.0.1:%d/token' % self.port

    def auth(self, realm=None):
        """distribution's token auth section."""
        return {'token': {'realm': realm or self.realm,
                          'service': self.SERVICE,
                          'issuer': self.ISSUER,
                          'rootcertbundle': self.cert_path}}

    def jwt(self, claims):
        header = _b64url(json.dumps({'typ': 'JWT', 'alg': 'ES256',
                                     'x5c': [self._x5c]}).encode())
        payload = _b64url(json.dumps(claims).encode())
        der = self.key.sign(('%s.%s' % (header, payload)).encode(),
                            ec.ECDSA(hashes.SHA256()))
        r, s = ec_utils.decode_dss_signature(der)
        signature = _b64url(r.to_bytes(32, 'big') + s.to_bytes(32, 'big'))
        return '%s.%s.%s' % (header, payload, signature)

    def _user(self, request):
        """(known, name): the Basic credentials of request."""
        value = request.headers.get('Authorization')
        if not value:
            return True, None
        scheme, _sep, data = value.partition(' ')
        try:
            name, _sep, password = base64.b64decode(data).decode(
                ).partition(':')
        except ValueError:
            return False, None
        user = self.users.get(name)
        if scheme.lower() != 'basic' or user is None or user[0] != password:
            return False, name
        return True, name

    def handle(self, request):
        parts = urllib.parse.urlsplit(request.path)
        query = urllib.parse.parse_qs(parts.query)
        known, name = self._user(request)
        with self._lock:
            self.requests.append((name, query))
        if parts.path != '/token':
            return request._answer(404, {'details': 'not found'})
        if not known:
            return request._answer(401, {'details': 'invalid username or '
                                         'password'})
        if self.answer is not None:
            status, content_type, body = self.answer
            return request._answer(status, body, content_type)
        if query.get('service') != [self.SERVICE]:
            return request._answer(400, {'details': 'unknown service'})
        granted = self.users[name][1] if name else self.anonymous
        access = []
        for scope in query.get('scope', []):
            kind, _sep, rest = scope.partition(':')
            repo, _sep, actions = rest.rpartition(':')
            access.append({'type': kind, 'name': repo, 'actions': [
                a for a in actions.split(',') if a in granted]})
        now = int(time.time())
        with self._lock:
            expired, self.expired = self.expired > 0, max(0,
                                                          self.expired - 1)
            self.issued.append((name, query.get('scope', [])))
        exp = now - LEEWAY - 60 if expired else now + self.lifetime
        token = self.jwt({'iss': self.ISSUER, 'sub': name or '',
                          'aud': self.SERVICE, 'exp': exp,
                          'nbf': now - 10, 'iat': now,
                          'jti': uuid.uuid4().hex, 'access': access})
        answer = {self.token_field: token,
                  'issued_at': datetime.datetime.fromtimestamp(
                      now, datetime.timezone.utc).isoformat()}
        if self.expires_in is not None:
            answer['expires_in'] = self.expires_in
        request._answer(200, answer)


class _BlobHandler(http.server.BaseHTTPRequestHandler):

    def _serve(self, body):
        owner = self.server_obj
        with owner.lock:
            owner.seen.append((self.command, self.path,
                               self.headers.get('Authorization')))
        path = os.path.normpath(os.path.join(
            owner.root, urllib.parse.urlsplit(self.path).path.lstrip('/')))
        if not path.startswith(owner.root + os.sep) or \
                not os.path.isfile(path):
            self.send_response(404)
            self.send_header('Content-Length', '0')
            self.end_headers()
            return
        self.send_response(200)
        self.send_header('Content-Type', 'application/octet-stream')
        self.send_header('Content-Length', str(os.path.getsize(path)))
        self.end_headers()
        if body:
            with open(path, 'rb') as f:
                while True:
                    chunk = f.read(65536)
                    if not chunk:
                        break
                    self.wfile.write(chunk)

    def do_GET(self):
        self._serve(True)

    def do_HEAD(self):
        self._serve(False)


class BlobServer(_LoopbackServer):
    """The storage host a registry redirects blob reads to: serves the
    files under root; seen records (method, path, Authorization)."""

    handler = _BlobHandler

    def __init__(self, root):
        self.root = os.path.abspath(root)
        self.seen = []
        self.lock = threading.Lock()

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port
