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

"""Options of [federation] and of one [upstream:<name>] group per upstream.

An upstream group carries, besides its own options, keystoneauth1's
authentication (auth_type, auth_section and, once auth_type names a
plugin, that plugin's options) and session options (cafile, certfile,
keyfile, insecure, timeout): the service's own credentials for that
upstream, never a caller's token.
"""

import re

from keystoneauth1 import loading as ks_loading
from oslo_config import cfg

from glare.conf import utils

GROUP = 'federation'
UPSTREAM_PREFIX = 'upstream:'
#: an upstream's name: it shows in origins and in the search answer
NAME_RE = re.compile(r'[A-Za-z0-9][A-Za-z0-9_.-]{0,62}')
DEFAULT_TIMEOUT = 30

federation_group = cfg.OptGroup(
    GROUP, title='Federation options',
    help='This catalog among others: its name for them and the upstream '
         'catalogs it searches, pulls from and pushes to.')

federation_opts = [
    cfg.StrOpt('cloud_id',
               help='The id this deployment gives itself in the origin of '
                    'the artifacts it exports. Unset: a uuid made once and '
                    'kept in the database (every API node of a deployment '
                    'shares it).'),
    cfg.ListOpt('upstreams', default=[],
                help='Names of the upstream catalogs, in the order they are '
                     'listed in a federated search; each needs an '
                     '[upstream:<name>] group with at least its url.'),
    cfg.IntOpt('max_hops', default=3, min=0,
               help='Most catalogs a federated search may pass through: a '
                    'search that arrives having made this many hops is '
                    'answered with the local artifacts only, so a ring of '
                    'upstreams cannot loop.'),
]

upstream_opts = [
    cfg.URIOpt('url', schemes=['http', 'https'],
               help='Root URL of the upstream Glare API (without /v1... '
                    'paths; e.g. https://glare.vendor.example:9494).'),
    cfg.ListOpt('types', default=[],
                help='Artifact types searched at, pulled from and pushed '
                     'to this upstream. Empty: every type.'),
    cfg.BoolOpt('pull', default=True,
                help='Whether users may pull artifacts from this upstream.'),
    cfg.BoolOpt('push', default=False,
                help='Whether users may push artifacts to this upstream.'),
    cfg.BoolOpt('verify', default=True,
                help='Verify the TLS certificate of an https upstream (with '
                     'cafile when set, else the system CAs). False, like '
                     'insecure = True, turns the check off.'),
]


def upstream_group(name):
    return UPSTREAM_PREFIX + name


def session_opts():
    """keystoneauth1's session options; timeout bounded by default."""
    opts = ks_loading.get_session_conf_options()
    for opt in opts:
        if opt.dest == 'timeout':
            opt.default = DEFAULT_TIMEOUT
            opt.help = ('Seconds a federated search waits for this upstream '
                        '(it then shows as "timeout"), and the longest a '
                        'transfer may wait for a byte.')
    return opts


def register_opts(conf):
    utils.register_group_opts(conf, federation_group, federation_opts)


def register_upstream_opts(conf, name):
    """[upstream:<name>]: own, auth and session options; a no-op when
    they are registered already."""
    group = upstream_group(name)
    conf.register_opts(upstream_opts, group=group)
    ks_loading.register_auth_conf_options(conf, group)
    conf.register_opts(session_opts(), group=group)
    return group


class BadUpstreams(ValueError):
    """The [federation] upstreams cannot work; names the option."""


def check_upstreams(conf):
    """Register every upstream's group and check what the service cannot
    start without: a well-formed name, listed once, with a url."""
    names = conf.federation.upstreams
    seen = set()
    for name in names:
        if not NAME_RE.fullmatch(name):
            raise BadUpstreams(
                '[federation] upstreams: %r is not a valid upstream name '
                '(letters, digits, ".", "_", "-"; at most 63)' % name)
        if name in seen:
            raise BadUpstreams('[federation] upstreams: %r is listed twice'
                               % name)
        seen.add(name)
        group = register_upstream_opts(conf, name)
        try:
            url = conf[group].url
        except ValueError as e:  # oslo.config's ConfigFileValueError
            raise BadUpstreams('[%s] url is not an http or https URL: %s' % (
                group, e)) from e
        if not url:
            raise BadUpstreams(
                '[%s] url is required: the upstream %r is listed in '
                '[federation] upstreams but has no url (or no such group)'
                % (group, name))
    return names


def list_opts():
    sample = cfg.OptGroup(
        upstream_group('<name>'),
        help='One such group per name in [federation] upstreams, e.g. '
             '[upstream:vendor]: where the upstream is and the service\'s '
             'own credentials for it (auth_type and that plugin\'s '
             'options: none, admin_token, password, '
             'v3applicationcredential, ...).')
    return [(federation_group, federation_opts),
            (sample, upstream_opts +
             ks_loading.get_auth_common_conf_options() + session_opts())]
