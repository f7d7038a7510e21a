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

"""How glare-bundle reaches Glare: the usual OpenStack options.

Three ways, tried in this order:

- ``--os-cloud NAME`` (or OS_CLOUD): a cloud of clouds.yaml (and
  secure.yaml), looked up where the OpenStack clients look
  (OS_CLIENT_CONFIG_FILE, ./, ~/.config/openstack/, /etc/openstack/);
  its auth_type and auth go to keystoneauth1's plugin loader.
- ``--os-auth-url`` with ``--os-username/--os-password/--os-project-name``
  and the rest (or ``--os-token``, or an application credential; any
  ``--os-auth-type``): a keystoneauth1 plugin, logged in at once, the
  endpoint from the catalog (service type ``artifact``) unless
  ``--os-url`` names it.
- ``--os-token`` with ``--os-url``: that token, that endpoint, no
  Keystone; ``--os-url`` with ``--os-project-id`` alone: a Glare running
  with auth_strategy = noauth, sent the token ``user:project:roles``.

Every option name starts with a prefix: ``os`` for glare-bundle (and any
one-endpoint command, each also read from ``OS_<NAME>``); another prefix
gives a second set (glare-replicator's ``--source-*`` and ``--target-*``,
read from ``GLARE_SOURCE_<NAME>`` and ``GLARE_TARGET_<NAME>``), so that
two endpoints each have their own credentials.
"""

import os
import re

from keystoneauth1 import exceptions as ksa_exceptions
from keystoneauth1 import loading
from keystoneauth1 import session as ksa_session
from keystoneauth1 import token_endpoint
import yaml

SERVICE_TYPE = 'artifact'
USER_AGENT = 'glare-bundle'
#: keystoneauth1 plugin options given as --os-<name> / OS_<NAME>
PLUGIN_OPTIONS = (
    'auth_url', 'username', 'user_id', 'password', 'token',
    'project_id', 'project_name', 'project_domain_id',
    'project_domain_name', 'user_domain_id', 'user_domain_name',
    'domain_id', 'domain_name', 'system_scope', 'trust_id',
    'default_domain_id', 'default_domain_name',
    'application_credential_id', 'application_credential_name',
    'application_credential_secret')
#: what a plugin cannot do without: (any one of) per line
REQUIRED = {
    'password': (('auth_url',), ('password',), ('username', 'user_id')),
    'v3password': (('auth_url',), ('password',), ('username', 'user_id')),
    'token': (('auth_url',), ('token',)),
    'v3token': (('auth_url',), ('token',)),
    'admin_token': (('endpoint',), ('token',)),
}
CONFIG_FILES = ('clouds.yaml', 'clouds.yml')
SECURE_FILES = ('secure.yaml', 'secure.yml')

__all__ = ['ksa_exceptions']


class AuthFailure(Exception):
    """Credentials or an endpoint that cannot work; one line."""


class Api:
    """A keystoneauth1 session and Glare's endpoint (no trailing /)."""

    def __init__(self, session, endpoint):
        self.session = session
        self.endpoint = endpoint.rstrip('/')


class Options:
    """The options of one prefix in parsed arguments: get('cloud') is
    args.<prefix>_cloud; flag('cloud') is --<prefix>-cloud."""

    def __init__(self, args, prefix='os'):
        self.args = args
        self.prefix = prefix

    def get(self, name):
        return getattr(self.args, '%s_%s' % (self.prefix, name))

    def flag(self, name):
        return '--%s-%s' % (self.prefix, name.replace('_', '-'))


def _env(name, default=None):
    return os.environ.get(name, default)


def add_arguments(parser, prefix='os', env_prefix='OS_', title=None):
    """The options of one endpoint: --<prefix>-cloud, --<prefix>-url...,
    each read from <env_prefix><NAME> when not given (env_prefix None:
    from nowhere)."""
    def flag(name):
        return '--%s-%s' % (prefix, name.replace('_', '-'))

    def env(name, default=None):
        if env_prefix is None:
            return default
        return _env(env_prefix + name.upper(), default)

    g = parser.add_argument_group(title or (
        'authentication (as every OpenStack client; each also read from '
        '%s<NAME>)' % env_prefix))
    g.add_argument(flag('cloud'), default=env('cloud'),
                   help='a cloud of clouds.yaml')
    g.add_argument(flag('auth_type'), default=env('auth_type'),
                   help='a keystoneauth1 plugin (default: password, or '
                   'token with %s)' % flag('token'))
    for name in PLUGIN_OPTIONS:
        g.add_argument(flag(name), default=env(name),
                       help='keystoneauth1 option ' + name
                       if name != 'token' else 'a token (with %s: '
                       'no Keystone)' % flag('url'))
    g.add_argument(flag('url'), default=env('url'),
                   help="Glare's endpoint (default: from the catalog)")
    g.add_argument(flag('region_name'), default=env('region_name'))
    g.add_argument(flag('interface'), default=env('interface', 'public'))
    g.add_argument(flag('cacert'), default=env('cacert'),
                   help='CA bundle to verify TLS with')
    g.add_argument(flag('insecure'), action='store_true',
                   help='do not verify TLS certificates')
    g.add_argument(flag('roles'), default=env('roles', 'member'),
                   help='noauth only: the roles of the token '
                   '(comma separated; default member)')


#: the reason at the end of urllib3's nested connection errors
_REASON_RE = re.compile(r'\[Errno -?\d+\] [^"\'()]+|timed out|'
                        r'Name or service not known')


def describe(e, where=None):
    """One line for a keystoneauth1 exception; where: what was being
    reached (default: the URL of the request when the message has one)."""
    text = ' '.join(str(e).split())
    if isinstance(e, (ksa_exceptions.ConnectFailure,
                      ksa_exceptions.ConnectTimeout)):
        reason = _REASON_RE.search(text)
        if where is None:
            url = re.search(r'https?://[^/\s:]+(:[0-9]+)?', text)
            where = url.group(0) if url else 'the server'
        return 'cannot connect to %s: %s' % (
            where, reason.group(0).strip() if reason else text)
    return text or type(e).__name__


def response_error(resp):
    """The one-line message of an error response: the API's own message
    when the body is Glare's JSON error document."""
    message = None
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        error = body.get('error')
        if isinstance(error, dict) and isinstance(error.get('message'), str):
            message = error['message']
        elif isinstance(body.get('explanation'), str):
            message = body['explanation']
        elif isinstance(body.get('message'), str):
            message = body['message']
    if message is None:
        message = (resp.text or '').strip()[:200] or resp.reason or ''
    return 'HTTP %d from %s: %s' % (resp.status_code, resp.request.method,
                                    ' '.join(message.split()))


# -- clouds.yaml ------------------------------------------------------------

def _config_dirs():
    home = os.path.expanduser('~')
    xdg = os.environ.get('XDG_CONFIG_HOME') or os.path.join(home, '.config')
    return [os.getcwd(), os.path.join(xdg, 'openstack'), '/etc/openstack']


def _first(names, env=None):
    if env and os.environ.get(env):
        return os.environ[env]
    for directory in _config_dirs():
        for name in names:
            path = os.path.join(directory, name)
            if os.path.isfile(path):
                return path
    return None


def _load_yaml(path):
    try:
        with open(path, encoding='utf-8') as f:
            doc = yaml.safe_load(f)
    except OSError as e:
        raise AuthFailure('cannot read %s: %s' % (
            path, e.strerror or e)) from e
    except yaml.YAMLError as e:
        raise AuthFailure('%s is not valid YAML: %s' % (
            path, ' '.join(str(e).split()))) from e
    if doc is None:
        return {}
    if not isinstance(doc, dict) or not isinstance(
            doc.get('clouds', {}), dict):
        raise AuthFailure('%s has no "clouds" mapping' % path)
    return doc.get('clouds', {})


def _merge(base, extra):
    out = dict(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def load_cloud(name, flag='--os-cloud'):
    """The settings of cloud name, secure.yaml merged in; flag: the
    option that named it, for messages."""
    path = _first(CONFIG_FILES, 'OS_CLIENT_CONFIG_FILE')
    if path is None:
        raise AuthFailure('%s %s: no clouds.yaml found (looked in '
                          '%s)' % (flag, name, ', '.join(_config_dirs())))
    clouds = _load_yaml(path)
    if name not in clouds or not isinstance(clouds[name], dict):
        raise AuthFailure('cloud %r is not in %s (it has: %s)' % (
            name, path, ', '.join(sorted(map(str, clouds))) or 'none'))
    cloud = clouds[name]
    secure = _first(SECURE_FILES, 'OS_CLIENT_SECURE_FILE')
    if secure is not None:
        extra = _load_yaml(secure).get(name)
        if isinstance(extra, dict):
            cloud = _merge(cloud, extra)
    if not isinstance(cloud.get('auth', {}), dict):
        raise AuthFailure('cloud %r in %s: "auth" is not a mapping' % (
            name, path))
    return cloud


# -- the session ------------------------------------------------------------

def _plugin(auth_type, options, opts=None):
    opts = opts or Options(None)
    try:
        loader = loading.get_plugin_loader(auth_type)
    except ksa_exceptions.NoMatchingPlugin:
        raise AuthFailure('unknown auth type %r' % auth_type) from None
    # keystoneauth1 marks no option of these required: it fails later,
    # with a bare Exception, once it talks to Keystone
    needs = REQUIRED.get(auth_type, ())
    for group in needs:
        if not any(options.get(name) for name in group):
            raise AuthFailure('auth type %s needs %s' % (
                auth_type, ' or '.join(opts.flag(name) for name in group)))
    known = {opt.dest for opt in loader.get_options()}
    unknown = sorted(set(options) - known)
    if unknown:
        raise AuthFailure('auth type %s takes no %s' % (
            auth_type, ', '.join(unknown)))
    try:
        return loader.load_from_options(**options)
    except ksa_exceptions.MissingRequiredOptions as e:
        raise AuthFailure('auth type %s needs %s' % (auth_type, ', '.join(
            opts.flag(opt.dest) for opt in e.options))) from e


def _verify(opts, cloud=None):
    if opts.get('insecure'):
        return False
    if opts.get('cacert'):
        return opts.get('cacert')
    if cloud:
        if cloud.get('verify') is False:
            return False
        if cloud.get('cacert'):
            return cloud['cacert']
    return True


def _endpoint(session, url, interface, region, opts=None):
    opts = opts or Options(None)
    if url:
        return url
    try:
        endpoint = session.get_endpoint(service_type=SERVICE_TYPE,
                                        interface=interface,
                                        region_name=region)
    except ksa_exceptions.EmptyCatalog as e:
        # an unscoped token: Keystone gives it no catalog
        raise AuthFailure('the login has no catalog: scope it to a project '
                          '(%s or %s)' % (opts.flag('project_name'),
                                          opts.flag('project_id'))) from e
    except ksa_exceptions.EndpointNotFound:
        # what keystoneauth1 raises where older versions returned None
        endpoint = None
    except ksa_exceptions.ClientException as e:
        raise AuthFailure('finding the %s endpoint: %s' % (
            SERVICE_TYPE, describe(e))) from e
    if not endpoint:
        raise AuthFailure('the catalog has no %s endpoint (interface %s%s);'
                          ' give %s' % (
                              SERVICE_TYPE, interface,
                              ', region %s' % region if region else '',
                              opts.flag('url')))
    return endpoint


def _default_auth_type(options):
    """The plugin the options are for when no auth type is named."""
    if options.get('token'):
        return 'token'
    if options.get('application_credential_secret') and not options.get(
            'password'):
        return 'v3applicationcredential'
    return 'password'


def _login(session, auth_url):
    """Log in now, before the catalog or Glare is asked: Keystone's
    answer (401 for a wrong password, 404 for a revoked token) is then
    said to be Keystone's, not the endpoint lookup's or Glare's."""
    try:
        session.get_auth_headers()
    except ksa_exceptions.HttpError as e:
        raise AuthFailure('login to Keystone at %s failed: %s' % (
            auth_url or 'the auth URL', describe(e))) from e


def connect(args, prefix='os', user_agent=USER_AGENT, timeout=None):
    """The Api the options of prefix describe; timeout: seconds a
    request may wait for a connection or the next bytes (None: no
    limit)."""
    opts = Options(args, prefix)

    def new_session(auth, verify):
        return ksa_session.Session(auth=auth, verify=verify,
                                   user_agent=user_agent, timeout=timeout)

    options = {name: opts.get(name) for name in PLUGIN_OPTIONS
               if opts.get(name)}
    url = opts.get('url')
    if opts.get('cloud'):
        cloud = load_cloud(opts.get('cloud'), opts.flag('cloud'))
        auth = {k: v for k, v in cloud.get('auth', {}).items()
                if v is not None}
        auth_type = cloud.get('auth_type') or _default_auth_type(auth)
        session = new_session(_plugin(auth_type, auth, opts),
                              _verify(opts, cloud))
        _login(session, auth.get('auth_url'))
        url = url or cloud.get('%s_endpoint_override' % SERVICE_TYPE)
        return Api(session, _endpoint(
            session, url, cloud.get('interface') or opts.get('interface'),
            opts.get('region_name') or cloud.get('region_name'), opts))
    verify = _verify(opts)
    if opts.get('auth_url') or opts.get('auth_type'):
        auth_type = opts.get('auth_type') or _default_auth_type(options)
        session = new_session(_plugin(auth_type, options, opts), verify)
        _login(session, opts.get('auth_url'))
        return Api(session, _endpoint(session, url, opts.get('interface'),
                                      opts.get('region_name'), opts))
    if url and opts.get('token'):
        token = opts.get('token')
    elif url and opts.get('project_id'):
        # Glare's noauth strategy reads user:project:roles from the token
        token = '%s:%s:%s' % (opts.get('user_id') or user_agent,
                              opts.get('project_id'), opts.get('roles'))
    else:
        raise AuthFailure(
            'no credentials: give {cloud}, or {auth_url} with a user or '
            'token, or {token} with {url}, or (noauth) {url} with '
            '{project_id}'.format(**{n: opts.flag(n) for n in (
                'cloud', 'auth_url', 'token', 'url', 'project_id')}))
    return Api(new_session(token_endpoint.Token(url, token), verify), url)
