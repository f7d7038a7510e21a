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


def _env(name, default=None):
    return os.environ.get(name, default)


def add_arguments(parser):
    g = parser.add_argument_group('authentication (as every OpenStack '
                                  'client; each also read from OS_<NAME>)')
    g.add_argument('--os-cloud', default=_env('OS_CLOUD'),
                   help='a cloud of clouds.yaml')
    g.add_argument('--os-auth-type', default=_env('OS_AUTH_TYPE'),
                   help='a keystoneauth1 plugin (default: password, or '
                   'token with --os-token)')
    for name in PLUGIN_OPTIONS:
        g.add_argument('--os-' + name.replace('_', '-'),
                       default=_env('OS_' + name.upper()),
                       help='keystoneauth1 option ' + name
                       if name != 'token' else 'a token (with --os-url: '
                       'no Keystone)')
    g.add_argument('--os-url', default=_env('OS_URL'),
                   help="Glare's endpoint (default: from the catalog)")
    g.add_argument('--os-region-name', default=_env('OS_REGION_NAME'))
    g.add_argument('--os-interface', default=_env('OS_INTERFACE', 'public'))
    g.add_argument('--os-cacert', default=_env('OS_CACERT'),
                   help='CA bundle to verify TLS with')
    g.add_argument('--os-insecure', action='store_true',
                   help='do not verify TLS certificates')
    g.add_argument('--os-roles', default=_env('OS_ROLES', 'member'),
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


def load_cloud(name):
    """The settings of cloud name, secure.yaml merged in."""
    path = _first(CONFIG_FILES, 'OS_CLIENT_CONFIG_FILE')
    if path is None:
        raise AuthFailure('--os-cloud %s: no clouds.yaml found (looked in '
                          '%s)' % (name, ', '.join(_config_dirs())))
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

def _plugin(auth_type, options):
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
                auth_type, ' or '.join('--os-' + name.replace('_', '-')
                                       for name in group)))
    known = {opt.dest for opt in loader.get_options()}
    unknown = sorted(set(options) - known)
    if unknown:
        raise AuthFailure('auth type %s takes no %s' % (
            auth_type, ', '.join(unknown)))
    try:
        return loader.load_from_options(**options)
    except ksa_exceptions.MissingRequiredOptions as e:
        raise AuthFailure('auth type %s needs %s' % (auth_type, ', '.join(
            '--os-' + opt.dest.replace('_', '-') for opt in e.options))) from e


def _verify(args, cloud=None):
    if args.os_insecure:
        return False
    if args.os_cacert:
        return args.os_cacert
    if cloud:
        if cloud.get('verify') is False:
            return False
        if cloud.get('cacert'):
            return cloud['cacert']
    return True


def _endpoint(session, url, interface, region):
    if url:
        return url
    try:
        endpoint = session.get_endpoint(service_type=SERVICE_TYPE,
                                        interface=interface,
                                        region_name=region)
    except ksa_exceptions.EmptyCatalog as e:
        # an unscoped token: Keystone gives it no catalog
        raise AuthFailure('the login has no catalog: scope it to a project '
                          '(--os-project-name or --os-project-id)') from e
    except ksa_exceptions.EndpointNotFound:
        # what keystoneauth1 raises where older versions returned None
        endpoint = None
    except ksa_exceptions.ClientException as e:
        raise AuthFailure('finding the %s endpoint: %s' % (
            SERVICE_TYPE, describe(e))) from e
    if not endpoint:
        raise AuthFailure('the catalog has no %s endpoint (interface %s%s);'
                          ' give --os-url' % (
                              SERVICE_TYPE, interface,
                              ', region %s' % region if region else ''))
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


def connect(args):
    """The Api the options describe."""
    options = {name: getattr(args, 'os_' + name) for name in PLUGIN_OPTIONS
               if getattr(args, 'os_' + name)}
    if args.os_cloud:
        cloud = load_cloud(args.os_cloud)
        auth = {k: v for k, v in cloud.get('auth', {}).items()
                if v is not None}
        auth_type = cloud.get('auth_type') or _default_auth_type(auth)
        session = ksa_session.Session(
            auth=_plugin(auth_type, auth), verify=_verify(args, cloud),
            user_agent=USER_AGENT)
        _login(session, auth.get('auth_url'))
        url = args.os_url or cloud.get('%s_endpoint_override'
                                       % SERVICE_TYPE)
        return Api(session, _endpoint(
            session, url, cloud.get('interface') or args.os_interface,
            args.os_region_name or cloud.get('region_name')))
    verify = _verify(args)
    if args.os_auth_url or args.os_auth_type:
        auth_type = args.os_auth_type or _default_auth_type(options)
        session = ksa_session.Session(auth=_plugin(auth_type, options),
                                      verify=verify, user_agent=USER_AGENT)
        _login(session, args.os_auth_url)
        return Api(session, _endpoint(session, args.os_url,
                                      args.os_interface,
                                      args.os_region_name))
    if args.os_url and args.os_token:
        token = args.os_token
    elif args.os_url and args.os_project_id:
        # Glare's noauth strategy reads user:project:roles from the token
        token = '%s:%s:%s' % (args.os_user_id or 'glare-bundle',
                              args.os_project_id, args.os_roles)
    else:
        raise AuthFailure(
            'no credentials: give --os-cloud, or --os-auth-url with a user '
            'or token, or --os-token with --os-url, or (noauth) --os-url '
            'with --os-project-id')
    session = ksa_session.Session(
        auth=token_endpoint.Token(args.os_url, token), verify=verify,
        user_agent=USER_AGENT)
    return Api(session, args.os_url)
