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

"""The service's own identity for store operations no user request
carries: glare-scrubber and the clean-up deleting trashed data, and a
read or delete in another project's Swift account.

glance_store's multi-tenant Swift store (``swift_store_multi_tenant``)
works with the token and service catalog of a context: the caller's
for the calls a request makes, this one otherwise. It is a token of the
service user given in ``[store_credentials]`` (keystoneauth1's
auth_type and its options) or, when that group sets no auth_type, in
``[keystone_authtoken]``. Nothing asks Keystone before the first use,
and stores other than multi-tenant Swift never need it (``context()``
is then None, and glance_store gets no context, as before).
"""

import threading

from keystoneauth1 import exceptions as ks_exc
from keystoneauth1 import loading as ks_loading
from keystoneauth1.loading import session as ks_session
from oslo_log import log as logging

from glare.conf import store as store_conf
from glare import exception

LOG = logging.getLogger(__name__)

AUTHTOKEN_GROUP = 'keystone_authtoken'
#: a token that expires within this many seconds is renewed first
EXPIRY_MARGIN = 120


def v2_catalog(catalog):
    """A Keystone v3 service catalog in the v2 shape glance_store reads
    (ServiceCatalogV2: per service, one entry per region with
    publicURL / internalURL / adminURL)."""
    services = []
    for service in catalog or ():
        regions = {}
        for endpoint in service.get('endpoints', ()):
            region = endpoint.get('region_id') or endpoint.get('region')
            entry = regions.setdefault(region, {'region': region})
            entry['%sURL' % endpoint.get('interface', 'public')] = \
                endpoint.get('url')
        services.append({'type': service.get('type'),
                         'name': service.get('name'),
                         'endpoints': list(regions.values())})
    return services


class StoreContext:
    """What glance_store reads of a context: token, ids, catalog."""

    def __init__(self, auth_token, user_id, project_id, service_catalog,
                 roles=()):
        self.auth_token = auth_token
        self.user_id = user_id
        self.project_id = project_id
        self.service_catalog = service_catalog
        self.roles = list(roles)


def multi_tenant(conf):
    """Whether a configured store is multi-tenant Swift."""
    groups = ['glance_store'] + list(conf.enabled_backends or ())
    for group in groups:
        try:
            if conf[group].swift_store_multi_tenant:
                return True
        except (KeyError, AttributeError):
            continue
    return False


class ServiceCredentials:
    """Hands out the service's StoreContext, renewed before it expires."""

    def __init__(self, conf):
        self.enabled = multi_tenant(conf)
        self.group = None
        self._session = None
        self._auth = None
        self._context = None
        self._access = None
        self._lock = threading.Lock()
        if self.enabled:
            self._connect(conf)

    def _connect(self, conf):
        group = conf[store_conf.CREDENTIALS_GROUP]
        if group.auth_type or group.auth_section:
            name = store_conf.CREDENTIALS_GROUP
        else:
            from keystonemiddleware import auth_token
            for token_group, opts in auth_token.list_opts():
                conf.register_opts(opts, group=token_group)
            name = AUTHTOKEN_GROUP
        ks_loading.register_auth_conf_options(conf, name)
        try:
            self._auth = ks_loading.load_auth_from_conf_options(conf, name)
        except ks_exc.ClientException as exc:
            raise exception.ConfigurationError(
                'The multi-tenant Swift store needs service credentials: '
                '[%s]: %s' % (name, exc)) from exc
        if self._auth is None:
            raise exception.ConfigurationError(
                'The multi-tenant Swift store needs service credentials '
                '(glare-scrubber and the clean-up delete with them): set '
                'auth_type and its options in [%s] or [%s]' % (
                    store_conf.CREDENTIALS_GROUP, AUTHTOKEN_GROUP))
        if name == store_conf.CREDENTIALS_GROUP:
            self._session = ks_loading.load_session_from_conf_options(
                conf, name, auth=self._auth)
        else:
            token_group = conf[AUTHTOKEN_GROUP]
            self._session = ks_session.Session().load_from_options(
                auth=self._auth, insecure=token_group.insecure,
                cacert=token_group.cafile, cert=token_group.certfile,
                key=token_group.keyfile,
                timeout=store_conf.CREDENTIALS_TIMEOUT)
        self.group = name

    def context(self):
        """The service's StoreContext; None when no store needs one.

        ServiceUnavailable when Keystone cannot give a token."""
        if not self.enabled:
            return None
        with self._lock:
            if self._access is None or \
                    self._access.will_expire_soon(EXPIRY_MARGIN):
                self._refresh()
            return self._context

    def _refresh(self):
        if self._access is not None:
            self._auth.invalidate()
        try:
            access = self._auth.get_access(self._session)
        except ks_exc.ClientException as exc:
            LOG.warning('No service token for the store from [%s]: %s: %s',
                        self.group, type(exc).__name__, exc)
            raise exception.ServiceUnavailable(
                'The store cannot be reached with the service credentials '
                'now') from exc
        catalog = access.service_catalog.catalog \
            if access.has_service_catalog() else []
        self._context = StoreContext(
            access.auth_token, access.user_id, access.project_id,
            v2_catalog(catalog), access.role_names)
        self._access = access
