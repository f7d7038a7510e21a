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

"""glare-status upgrade check: is this deployment ready to run this code?"""

import functools
import ipaddress
import logging
import os
import socket
import sys

from alembic import script as alembic_script
from oslo_config import cfg
from oslo_policy import opts as policy_opts
from oslo_policy import policy as oslo_policy
from oslo_upgradecheck import upgradecheck
import sqlalchemy as sa

from glare import conf as glare_conf
from glare.conf import api as api_conf
from glare.conf import artifact_type
from glare.db import migration
from glare.objects import registry as type_registry
from glare import policies

try:  # oslo.upgradecheck >= 1.3
    from oslo_upgradecheck import common_checks
except ImportError:  # pragma: no cover
    common_checks = None

Code = upgradecheck.Code
Result = upgradecheck.Result
# Log messages of a check that did not succeed are added to its details,
# each cut to this length.
_MESSAGE_LIMIT = 300
# Loggers whose messages the details leave out: oslo.config's deprecation
# notices (the "Deprecated options" check covers Glare's own) and
# stevedore's repetition of a plugin's import error.
_QUIET = ('oslo_config', 'stevedore')


class _Capture(logging.Handler):
    """Collects what libraries log while a check runs."""

    def __init__(self):
        super().__init__(logging.WARNING)
        self.messages = []

    def emit(self, record):
        if record.name.split('.')[0] in _QUIET:
            return
        try:
            message = record.getMessage()
        except Exception:  # a bad format string must not fail the check
            message = str(record.msg)
        message = ' '.join(message.split())
        if message not in self.messages:
            self.messages.append(message[:_MESSAGE_LIMIT])


def _captured(func):
    """Run a check with library logging captured, not printed.

    The table is the output; what glance_store, oslo.policy or oslo.config
    logged while a check failed or warned explains it, so it goes into the
    details.
    """

    @functools.wraps(func)
    def wrapper(self, *args, **kwargs):
        capture = _Capture()
        root = logging.getLogger()
        root.addHandler(capture)
        try:
            result = func(self, *args, **kwargs)
        finally:
            root.removeHandler(capture)
        if result.code != Code.SUCCESS and capture.messages:
            logged = 'Logged: %s' % ' | '.join(capture.messages)
            result.details = ('%s %s' % (result.details, logged)
                              if result.details else logged)
        return result
    return wrapper


def _safe_url(connection):
    try:
        return sa.engine.make_url(connection).render_as_string(
            hide_password=True)
    except sa.exc.ArgumentError:
        return '(unparsable connection URL)'


def _is_loopback(host):
    host = host.strip('[]')
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None)
    except OSError:
        return False
    return bool(infos) and all(
        ipaddress.ip_address(info[4][0].split('%')[0]).is_loopback
        for info in infos)


def _rule_references(check):
    """Names of the rules a parsed check refers to ("rule:<name>")."""
    if isinstance(check, oslo_policy.RuleCheck):
        yield check.match
    for sub in getattr(check, 'rules', None) or ():
        yield from _rule_references(sub)
    sub = getattr(check, 'rule', None)
    if sub is not None:
        yield from _rule_references(sub)


def _cycles(graph):
    """Rule names that are part of a cycle of rule: references."""
    state = {}
    found = set()

    def visit(name, path):
        state[name] = 'open'
        for ref in graph.get(name, ()):
            if state.get(ref) == 'open':
                found.update(path[path.index(ref):])
            elif ref not in state:
                visit(ref, path + [ref])
        state[name] = 'done'

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    return found


class Checks(upgradecheck.UpgradeCommands):
    """The checks of glare-status upgrade check.

    Each one reads the configuration the services will run with; none
    changes the database.
    """

    def __init__(self, conf):
        super().__init__()
        self.conf = conf
        self._types = None

    def _config_args(self):
        return ''.join(' --config-file %s' % path
                       for path in self.conf.config_file)

    # -- database -------------------------------------------------------
    @_captured
    def _check_database(self):
        conf = self.conf
        try:
            current = migration.version(conf)
        except (sa.exc.SQLAlchemyError, ImportError, OSError) as exc:
            return Result(Code.FAILURE, 'Cannot read the schema version of '
                          'database %s: %s' % (
                              _safe_url(conf.database.connection),
                              getattr(exc, 'orig', None) or exc))
        head = migration.head()
        if current == head:
            return Result(Code.SUCCESS, 'Schema at revision %s.' % head)
        upgrade = 'glare-db-manage%s upgrade' % self._config_args()
        if current is None:
            return Result(Code.FAILURE, 'Database %s has no Glare schema: '
                          'run "%s".' % (_safe_url(conf.database.connection),
                                         upgrade))
        scripts = alembic_script.ScriptDirectory(
            os.path.dirname(migration.__file__))
        try:
            scripts.get_revision(current)
        except Exception:
            return Result(Code.FAILURE, 'The schema is at revision %s, '
                          'which this release of Glare does not know (is '
                          'the database from a newer release?); this '
                          'release needs %s.' % (current, head))
        return Result(Code.FAILURE, 'The schema is at revision %s, this '
                      'release needs %s: run "%s".' % (current, head,
                                                       upgrade))

    # -- policy ---------------------------------------------------------
    def _check_policy_file(self):
        conf = self.conf
        name = conf.oslo_policy.policy_file
        path = conf.find_file(name)
        if path is None:
            loc = conf.get_location('policy_file', 'oslo_policy')
            if loc is not None and loc.location not in (
                    cfg.Locations.opt_default, cfg.Locations.set_default):
                return Result(Code.WARNING, 'The policy file %s is set but '
                              'not found: the default rules apply.' % name)
            return Result(Code.SUCCESS, 'No policy file: the default '
                          'rules apply.')
        try:
            with open(path, encoding='utf-8') as f:
                data = f.read()
        except (OSError, UnicodeDecodeError) as exc:
            return Result(Code.FAILURE, 'Cannot read the policy file %s: '
                          '%s' % (path, exc))
        try:
            rules = oslo_policy.parse_file_contents(data)
        except ValueError as exc:
            return Result(Code.FAILURE, 'The policy file %s is not valid '
                          'YAML: %s' % (path, ' '.join(str(exc).split())))
        if not isinstance(rules, dict):
            return Result(Code.FAILURE, 'The policy file %s must map rule '
                          'names to check strings.' % path)
        problems = self._policy_problems(rules)
        if problems:
            return Result(Code.FAILURE, 'The policy file %s: %s.' % (
                path, '; '.join(problems)))
        return Result(Code.SUCCESS, 'Policy file %s: %d rule(s).' % (
            path, len(rules)))

    @staticmethod
    def _policy_problems(rules):
        problems = []
        parsed = {}
        for name, check_str in sorted(rules.items(), key=lambda i: str(i[0])):
            if not isinstance(check_str, (str, list)):
                problems.append('rule %s is not a check string' % name)
                continue
            # oslo.policy logs (with a traceback) and denies a rule it
            # cannot parse: the log says which.
            capture = _Capture()
            parser_log = logging.getLogger('oslo_policy._parser')
            parser_log.addHandler(capture)
            parser_log.propagate = False
            try:
                parsed[name] = oslo_policy.Rules.from_dict(
                    {name: check_str})[name]
            except (TypeError, ValueError, AttributeError) as exc:
                capture.messages.append(str(exc))
            finally:
                parser_log.removeHandler(capture)
                parser_log.propagate = True
            if capture.messages:
                parsed.pop(name, None)
                problems.append('rule %s cannot be parsed (%s)' % (
                    name, capture.messages[0]))
        known = set(rules) | {r.name for r in policies.list_rules()}
        graph = {}
        for name, check in parsed.items():
            refs = set(_rule_references(check))
            graph[name] = refs
            missing = sorted(refs - known)
            if missing:
                problems.append('rule %s refers to undefined rule(s) %s' % (
                    name, ', '.join(missing)))
        defaults = {r.name: set(_rule_references(r.check))
                    for r in policies.list_rules() if r.name not in parsed}
        cyclic = sorted(_cycles(dict(defaults, **graph)) & set(parsed))
        if cyclic:
            problems.append('rules %s refer to each other in a cycle' %
                            ', '.join(cyclic))
        return problems

    def _check_policy_json(self):
        return common_checks.check_policy_json(self, self.conf)

    # -- artifact types and stores ----------------------------------------
    def _load_types(self):
        """(registry, None) or (None, error message); loaded once."""
        if self._types is None:
            try:
                self._types = (type_registry.TypeRegistry.load(self.conf),
                               None)
            except Exception as exc:  # a broken plugin can raise anything
                self._types = (None, str(exc))
        return self._types

    @_captured
    def _check_types(self):
        registry, error = self._load_types()
        if error:
            return Result(Code.FAILURE, '%s. Fix or remove them in '
                          'enabled_artifact_types / '
                          'custom_artifact_types_modules.' % error)
        return Result(Code.SUCCESS, 'Artifact types: %s.' % ', '.join(
            n for n in registry.names() if n != type_registry.ALL))

    @_captured
    def _check_stores(self):
        # imported here: glance_store pulls in its drivers' dependencies
        from glare.store import api as store_api

        registry, _error = self._load_types()
        if registry is not None:
            names = sorted(registry.concrete())
        else:  # still check the stores the configured types would use
            names = sorted({n.strip() for n in
                            self.conf.enabled_artifact_types
                            if n.strip() and n.strip() != type_registry.ALL})
        for name in names:
            artifact_type.register_type_opts(self.conf, name)
        try:
            stores = store_api.Stores(self.conf)
        except Exception as exc:
            return Result(Code.FAILURE, 'The default store cannot be used: '
                          '%s' % exc)
        problems = []
        used = {}
        for name in names:
            store = stores.store_for(name)
            used.setdefault(store, []).append(name)
        for store, types in sorted(used.items()):
            try:
                stores.check_store(store)
            except Exception as exc:  # ConfigurationError, driver errors
                problems.append('store %s of %s: %s' % (
                    store, ', '.join(types), exc))
        if problems:
            return Result(Code.FAILURE, '; '.join(problems))
        return Result(Code.SUCCESS, 'Stores in use: %s.' % ', '.join(
            sorted(used) or [stores.default]))

    # -- API --------------------------------------------------------------
    def _auth_strategy(self):
        # Without its warnings about [paste_deploy]: _check_deprecated
        # reports that.
        log = logging.getLogger(api_conf.__name__)
        log.disabled = True
        try:
            return api_conf.auth_strategy(self.conf)
        finally:
            log.disabled = False

    @_captured
    def _check_auth(self):
        conf = self.conf
        strategy = self._auth_strategy()
        if strategy != 'noauth':
            return Result(Code.SUCCESS, 'Authentication: %s.' % strategy)
        if _is_loopback(conf.bind_host):
            return Result(Code.SUCCESS, 'Authentication: noauth, on the '
                          'loopback address %s only.' % conf.bind_host)
        return Result(Code.WARNING, 'auth_strategy is noauth and the API '
                      'listens on %s: whoever reaches it can act as any '
                      'user, admin included. Set [api] auth_strategy = '
                      'keystone, or bind_host to a loopback address.'
                      % conf.bind_host)

    @_captured
    def _check_deprecated(self):
        flavor = self.conf.paste_deploy.flavor
        if flavor is None:
            return Result(Code.SUCCESS)
        strategy = self._auth_strategy()
        if strategy != flavor:
            return Result(Code.WARNING, '[paste_deploy] flavor = %s is '
                          'deprecated and ignored: [api] auth_strategy = %s '
                          'is set. Remove [paste_deploy].' % (flavor,
                                                              strategy))
        return Result(Code.WARNING, '[paste_deploy] flavor = %s is '
                      'deprecated and will be removed: set [api] '
                      'auth_strategy = %s instead and remove '
                      '[paste_deploy].' % (flavor, flavor))

    _upgrade_checks = (
        ('Database schema', _check_database),
        ('Policy file', _check_policy_file),
    ) + ((
        ('Policy File JSON to YAML Migration', _check_policy_json),
    ) if common_checks is not None else ()) + (
        ('Artifact types', _check_types),
        ('Blob stores', _check_stores),
        ('API authentication', _check_auth),
        ('Deprecated options', _check_deprecated),
    )


def main(argv=None):
    conf = glare_conf.CONF
    glare_conf.register_opts(conf)
    policy_opts.set_defaults(conf)
    return upgradecheck.main(
        conf, project='glare', upgrade_command=Checks(conf),
        argv=sys.argv[1:] if argv is None else argv)


if __name__ == '__main__':
    sys.exit(main())
