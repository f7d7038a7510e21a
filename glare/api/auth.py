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

"""Identity: noauth contexts, keystone contexts and anonymous access."""

from http import client
import json
from urllib import parse

from glare.api import errors
from glare import context as glare_context
from glare import exception
from glare import policy

CONTEXT_KEY = 'glare.context'
LOCAL_PROJECT = 'glare-local-project'
LOCAL_USER = 'glare-local-admin'
_IDENTITY_HEADERS = ('HTTP_X_IDENTITY_STATUS', 'HTTP_X_USER_ID',
                     'HTTP_X_PROJECT_ID', 'HTTP_X_TENANT_ID', 'HTTP_X_ROLES')


def _roles(text):
    return [r.strip() for r in (text or '').split(',') if r.strip()]


def _token_identity(token):
    """'user:project:role1,role2' (maybe percent-encoded) → parts."""
    if not token:
        return None
    token = parse.unquote(token)
    parts = token.split(':')
    if len(parts) != 3 or not parts[0] or not parts[1]:
        return None
    return parts[0], parts[1], _roles(parts[2])


def _anonymous(environ):
    return glare_context.RequestContext(
        user_id=None, project_id=None, roles=[], is_admin=False,
        read_only=True, request_id=environ.get('openstack.request_id'))


class ContextMiddleware:
    """Builds the RequestContext; refuses anonymous calls unless allowed."""

    def __init__(self, app, conf, strategy):
        self.app = app
        self.conf = conf
        self.strategy = strategy

    def __call__(self, environ, start_response):
        try:
            ctx = (self._noauth(environ) if self.strategy == 'noauth'
                   else self._keystone(environ))
            if ctx.is_anonymous and not self.conf.allow_anonymous_access:
                raise exception.Unauthorized()
        except exception.GlareException as exc:
            return errors.wsgi_response(start_response, exc)
        environ[CONTEXT_KEY] = ctx
        with policy.request_scope():
            # once per request, before anything logs with this context
            ctx.is_admin  # noqa: B018
            return self.app(environ, start_response)

    @staticmethod
    def _noauth(environ):
        request_id = environ.get('openstack.request_id')
        ident = _token_identity(environ.get('HTTP_X_AUTH_TOKEN'))
        if ident:
            user, project, roles = ident
            return glare_context.RequestContext(
                user_id=user, project_id=project, roles=roles,
                request_id=request_id)
        if not any(environ.get(h) for h in _IDENTITY_HEADERS):
            # no identity at all: the single-user install's own admin
            return glare_context.RequestContext(
                user_id=LOCAL_USER, project_id=LOCAL_PROJECT,
                roles=['admin'], request_id=request_id)
        status = environ.get('HTTP_X_IDENTITY_STATUS', 'Confirmed')
        if status != 'Confirmed':
            return _anonymous(environ)
        project = environ.get('HTTP_X_PROJECT_ID') or environ.get(
            'HTTP_X_TENANT_ID')
        if not project:
            return _anonymous(environ)
        return glare_context.RequestContext(
            user_id=environ.get('HTTP_X_USER_ID'), project_id=project,
            roles=_roles(environ.get('HTTP_X_ROLES')),
            request_id=request_id)

    @staticmethod
    def _keystone(environ):
        if environ.get('HTTP_X_IDENTITY_STATUS') != 'Confirmed':
            return _anonymous(environ)
        ctx = glare_context.RequestContext.from_environ(
            environ, service_catalog=_catalog(environ))
        if not ctx.project_id:
            return _anonymous(environ)
        return ctx


def _catalog(environ):
    """The service catalog auth_token passed on (None: none, or not a
    JSON list)."""
    text = environ.get('HTTP_X_SERVICE_CATALOG')
    if not text:
        return None
    try:
        catalog = json.loads(text)
    except ValueError:
        return None
    return catalog if isinstance(catalog, list) else None


def keystone_pipeline(app, conf):
    """auth_token in front; it lets unauthenticated calls through to us
    (delay_auth_decision) only when anonymous access is allowed."""
    from keystonemiddleware import auth_token
    protected = auth_token.AuthProtocol(_MarkReplies(app), {
        'oslo_config_config': conf,
        'delay_auth_decision': str(bool(conf.allow_anonymous_access)),
    })
    if not conf.keystone_authtoken.www_authenticate_uri:
        # without it every unauthenticated request would fail inside
        # auth_token while it looks for a URI to put in WWW-Authenticate
        raise exception.ConfigurationError(
            '[api] auth_strategy = keystone needs [keystone_authtoken] '
            'www_authenticate_uri (and the auth_type/auth_url options of '
            'the service user)')
    return _JsonAuthErrors(protected)


#: the message of each error auth_token answers by itself
_AUTH_ERRORS = {
    401: exception.Unauthorized(
        'The request you have made requires authentication.'),
    503: exception.ServiceUnavailable(
        'The identity service (Keystone) is temporarily unavailable; '
        'try again later.'),
}
_REPLY_KEY = 'glare.auth.replied'


def _json_auth_error(code):
    exc = _AUTH_ERRORS.get(code)
    if exc is None:
        # none today; a later auth_token may answer others
        exc = exception.GlareException(client.responses.get(code, 'Error'))
        exc.code, exc.title = code, client.responses.get(code, 'Error')
    return exc


class _JsonAuthErrors:
    """The errors auth_token answers by itself, as Glare's JSON document.

    auth_token writes its own pages: a 401 in its own JSON shape, a 503
    (Keystone unreachable) as webob's HTML. Each is re-told as the SPEC
    error document (LegacyAPI, outside, gives /v0.1 its own shape), with
    WWW-Authenticate kept. The answers of the application behind it are
    already Glare's and pass untouched (auth_token only adds
    WWW-Authenticate to a 401).
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        captured = {}

        def _start(status, headers, exc_info=None):
            if environ.get(_REPLY_KEY) or int(status[:3]) < 400:
                return start_response(status, headers, exc_info)
            captured['status'], captured['headers'] = status, headers
            return lambda data: None

        result = self.app(environ, _start)
        if 'status' not in captured:
            return result
        if hasattr(result, 'close'):
            result.close()
        keep = [(k, v) for k, v in captured['headers']
                if k.lower() == 'www-authenticate']

        def _start_json(status, headers, exc_info=None):
            return start_response(status, headers + keep, exc_info)
        return errors.wsgi_response(
            _start_json, _json_auth_error(int(captured['status'][:3])))


class _MarkReplies:
    """Notes in the environ that the application itself answered."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        def _start(status, headers, exc_info=None):
            environ[_REPLY_KEY] = True
            return start_response(status, headers, exc_info)
        return self.app(environ, _start)
