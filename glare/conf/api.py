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

"""Options of the [api] group and the deprecated [paste_deploy] flavor."""

from oslo_config import cfg

from glare.conf import utils
from oslo_log import log as logging

LOG = logging.getLogger(__name__)

STRATEGIES = (
    ('keystone', 'Validate tokens with keystonemiddleware auth_token.'),
    ('noauth', 'Trust the identity headers the client sends; for '
               'development, tests and single-user installs.'),
)

api_group = cfg.OptGroup('api', title='API options')
paste_group = cfg.OptGroup(
    'paste_deploy',
    help='Kept only to read configuration files of earlier Glare releases.')

api_opts = [
    cfg.StrOpt('auth_strategy', default='noauth', choices=STRATEGIES,
               help='How requests are authenticated. When this is not '
                    'set, a [paste_deploy] flavor from an older '
                    'configuration file is honoured.'),
]

paste_opts = [
    cfg.StrOpt('flavor', choices=STRATEGIES,
               deprecated_for_removal=True,
               deprecated_reason='Glare no longer builds its pipeline with '
                                 'paste; use [api] auth_strategy.',
               help='Deprecated alias of [api] auth_strategy: "keystone" '
                    'means keystone, "noauth" means noauth. Ignored when '
                    '[api] auth_strategy is set explicitly.'),
]


def register_opts(conf):
    utils.register_group_opts(conf, api_group, api_opts)
    utils.register_group_opts(conf, paste_group, paste_opts)


def list_opts():
    return [(api_group, api_opts), (paste_group, paste_opts)]


def _explicitly_set(conf, name, group):
    # A default (from the opt or set_default) is not the operator's choice;
    # config files, environment, command line and overrides are.
    loc = conf.get_location(name, group)
    return loc is not None and loc.location not in (
        cfg.Locations.opt_default, cfg.Locations.set_default)


def auth_strategy(conf):
    """Return the effective auth strategy, 'keystone' or 'noauth'.

    [api] auth_strategy wins when it is set explicitly; otherwise a
    [paste_deploy] flavor (upstream's way to pick the pipeline) is used,
    with a deprecation warning; otherwise the auth_strategy default.
    """
    flavor = conf.paste_deploy.flavor
    strategy = conf.api.auth_strategy
    if flavor is None:
        return strategy
    if _explicitly_set(conf, 'auth_strategy', 'api'):
        if flavor != strategy:
            LOG.warning('Ignoring [paste_deploy] flavor = %s because [api] '
                        'auth_strategy = %s is set.', flavor, strategy)
        return strategy
    LOG.warning('[paste_deploy] flavor is deprecated, set [api] '
                'auth_strategy = %s instead.', flavor)
    return flavor
