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

"""Member project ids checked against Keystone ([sharing] validate_members).

Glare asks Keystone (GET /v3/projects/{id}) with the service's own
credentials, never the caller's token: those of [sharing] when it sets an
auth_type (or auth_section), else those of [keystone_authtoken], which
keystonemiddleware uses to validate tokens. A project that exists is
remembered for a short while, so that adding it to many artifacts asks
Keystone once.

Answers: nothing when the project exists; glare.exception.BadRequest when
Keystone says it does not (or the id is a domain's); ServiceUnavailable
(503) when Keystone cannot be reached, times out, refuses the service
credentials or does not let the service user read projects. No message
carries a credential, and no Keystone failure becomes a 500.
"""

import collections
import threading
import time
from urllib import parse

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1.loading import session as ks_session
from oslo_log import log as logging

from glare.conf import sharing
from glare import exception

LOG = logging.getLogger(__name__)

AUTHTOKEN_GROUP = 'keystone_authtoken'
IDENTITY = 'identity'
#: how long (seconds) and how many existing projects are remembered
CACHE_TIME = 60.0
CACHE_SIZE = 1024

_UNAVAILABLE = 'Member project ids cannot be checked now: %s'
_UNREACHABLE = ('the identity service (Keystone) cannot be reached; try '
                'again later')
_REFUSED = 'the identity service (Keystone) refused the service credentials'
_NOT_ALLOWED = ('the identity service (Keystone) does not let the service '
                'user read projects')
_NO_ENDPOINT = ('the service catalog has no identity endpoint for the '
                'configured interface and region')
_FAILED = 'the identity service (Keystone) answered with an error'


def _unavailable(reason):
    return exception.ServiceUnavailable(_UNAVAILABLE % reason)


class _RecentProjects:
    """Ids known to exist, each for ``ttl`` seconds, at most ``size``
    of them (the least recently confirmed go first). Thread-safe."""

    def __init__(self, size, ttl, clock):
        self.size = size
        self.ttl = ttl
        self.clock = clock
        self._expiry = collections.OrderedDict()
        self._lock = threading.Lock()

    def __contains__(self, project_id):
        with self._lock:
            expiry = self._expiry.get(project_id)
            if expiry is None:
                return False
            if expiry <= self.clock():
                del self._expiry[project_id]
                return False
            return True

    def add(self, project_id):
        if self.size <= 0 or self.ttl <= 0:
            return
        with self._lock:
            self._expiry.pop(project_id, None)
            self._expiry[project_id] = self.clock() + self.ttl
            while len(self._expiry) > self.size:
                self._expiry.popitem(last=False)

    def __len__(self):
        with self._lock:
            return len(self._expiry)


def register_authtoken_opts(conf):
    """keystonemiddleware's [keystone_authtoken] options, as auth_token
    itself registers them on the conf it is given (the same options, so
    either may come first)."""
    from keystonemiddleware import auth_token
    for group, opts in auth_token.list_opts():
        conf.register_opts(opts, group=group)


def _load_auth(conf, group):
    # auth_type in the group auth_section names, once the file is read
    ks_loading.register_auth_conf_options(conf, group)
    try:
        return ks_loading.load_auth_from_conf_options(conf, group)
    except ks_exc.NoMatchingPlugin as exc:
        raise exception.ConfigurationError(
            '[%s] auth_type: no such keystoneauth1 plugin: %s' % (
                group, exc.name)) from exc
    except ks_exc.MissingRequiredOptions as exc:
        names = ', '.join(sorted(o.dest for o in exc.options))
        raise exception.ConfigurationError(
            '[%s] lacks option(s) its auth_type needs: %s' % (
                group, names)) from exc
    except ks_exc.OptionError as exc:
        raise exception.ConfigurationError(
            '[%s] has invalid keystoneauth1 options' % group) from exc


def _timeout(conf):
    value = conf[sharing.GROUP].timeout
    return value if value and value > 0 else sharing.DEFAULT_TIMEOUT


class ProjectValidator:
    """Checks that a project id names an existing Keystone project.

    Build it once (at start-up): with validate_members on, a missing or
    invalid credential configuration raises ConfigurationError here,
    rather than at the first member added. Nothing reaches Keystone
    before the first check().
    """

    def __init__(self, conf, cache_time=CACHE_TIME, cache_size=CACHE_SIZE,
                 clock=time.monotonic):
        self.enabled = bool(conf[sharing.GROUP].validate_members)
        self.credentials_group = None
        self.session = None
        self._filter = None
        self._recent = _RecentProjects(cache_size, cache_time, clock)
        if self.enabled:
            self._connect(conf)

    def _connect(self, conf):
        group = conf[sharing.GROUP]
        timeout = _timeout(conf)
        if group.auth_type or group.auth_section:
            auth = _load_auth(conf, sharing.GROUP)
            if auth is None:
                raise exception.ConfigurationError(
                    '[sharing] auth_section %s sets no auth_type' %
                    group.auth_section)
            self.session = ks_loading.load_session_from_conf_options(
                conf, sharing.GROUP, auth=auth, timeout=timeout)
            interface, region = group.interface, group.region_name
            self.credentials_group = sharing.GROUP
        else:
            register_authtoken_opts(conf)
            auth = _load_auth(conf, AUTHTOKEN_GROUP)
            if auth is None:
                raise exception.ConfigurationError(
                    '[sharing] validate_members = True needs the service '
                    'credentials to ask Keystone with: set auth_type and '
                    'its options in [sharing] or in [keystone_authtoken]')
            token_group = conf[AUTHTOKEN_GROUP]
            # what keystonemiddleware builds from these options; the
            # timeout is [sharing]'s (auth_token's is a connect timeout,
            # unbounded by default)
            self.session = ks_session.Session().load_from_options(
                auth=auth, insecure=token_group.insecure,
                cacert=token_group.cafile, cert=token_group.certfile,
                key=token_group.keyfile, timeout=timeout)
            interface = token_group.interface
            region = token_group.region_name
            self.credentials_group = AUTHTOKEN_GROUP
        self._filter = {'service_type': IDENTITY, 'interface': interface,
                        'region_name': region, 'version': (3, 0)}

    def check(self, context, project_id):
        """Nothing if project_id exists (or validation is off); raises
        BadRequest if it does not, ServiceUnavailable if Keystone cannot
        tell."""
        if not self.enabled:
            return
        if not isinstance(project_id, str) or not project_id:
            raise exception.BadRequest('A member must be a project id')
        if project_id in self._recent:
            return
        project = self._fetch(context, project_id)
        if project is None:
            raise exception.BadRequest(
                'project %s does not exist' % project_id)
        if project.get('is_domain'):
            raise exception.BadRequest(
                '%s is a domain, not a project' % project_id)
        self._recent.add(project_id)

    def _fetch(self, context, project_id):
        """Keystone's project document, or None when it has none."""
        path = '/projects/%s' % parse.quote(project_id, safe='')
        try:
            resp = self.session.get(
                path, endpoint_filter=self._filter, raise_exc=False,
                global_request_id=getattr(context, 'global_id', None))
        except ks_exc.Unauthorized as exc:
            self._log(exc)
            raise _unavailable(_REFUSED) from exc
        except (ks_exc.ConnectionError, ks_exc.DiscoveryFailure) as exc:
            # refused, timed out, TLS failure; no identity API there
            self._log(exc)
            raise _unavailable(_UNREACHABLE) from exc
        except ks_exc.EndpointNotFound as exc:
            self._log(exc)
            raise _unavailable(_NO_ENDPOINT) from exc
        except ks_exc.ClientException as exc:
            # an auth plugin failure, another answer keystoneauth1 refuses
            self._log(exc)
            raise _unavailable(_FAILED) from exc
        if resp.status_code == 404:
            return None
        if resp.status_code == 401:
            reason = _REFUSED
        elif resp.status_code == 403:
            reason = _NOT_ALLOWED
        elif resp.status_code == 200:
            try:
                project = resp.json()['project']
            except (ValueError, KeyError, TypeError):
                project = None
            if isinstance(project, dict) and project.get('id'):
                return project
            reason = _FAILED
        else:
            reason = _FAILED
        LOG.warning('Checking member project %(id)s: Keystone answered '
                    'GET %(url)s with %(status)s', {
                        'id': project_id, 'url': resp.url,
                        'status': resp.status_code})
        raise _unavailable(reason)

    def _log(self, exc):
        # keystoneauth1's messages name URLs and statuses, no secrets
        LOG.warning('Member project ids cannot be checked with the '
                    'credentials of [%(group)s]: %(type)s: %(error)s', {
                        'group': self.credentials_group,
                        'type': type(exc).__name__, 'error': exc})
