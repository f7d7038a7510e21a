"""Identity: noauth contexts, keystone contexts and anonymous access."""

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
        ctx = glare_context.RequestContext.from_environ(environ)
        if not ctx.project_id:
            return _anonymous(environ)
        return ctx


def keystone_pipeline(app, conf):
    """auth_token in front; it lets unauthenticated calls through to us
    (delay_auth_decision) only when anonymous access is allowed."""
    from keystonemiddleware import auth_token
    protected = auth_token.AuthProtocol(app, {
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
    return _JsonUnauthorized(protected)


class _JsonUnauthorized:
    """auth_token's own 401 page, re-told as Glare's JSON error document."""

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        captured = {}

        def _start(status, headers, exc_info=None):
            captured['status'], captured['headers'] = status, headers
            if not status.startswith('401'):
                return start_response(status, headers, exc_info)
            return lambda data: None

        result = self.app(environ, _start)
        if not captured.get('status', '').startswith('401'):
            return result
        if hasattr(result, 'close'):
            result.close()
        keep = [(k, v) for k, v in captured['headers']
                if k.lower() == 'www-authenticate']

        def _start_json(status, headers, exc_info=None):
            return start_response(status, headers + keep, exc_info)
        return errors.wsgi_response(_start_json, exception.Unauthorized(
            'The request you have made requires authentication.'))
