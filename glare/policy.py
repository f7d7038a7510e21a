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

"""The one policy enforcer of Glare, and property protection on top of it."""

import contextlib
import contextvars
import threading
import time

from oslo_config import cfg
from oslo_policy import _checks
from oslo_policy import policy

from glare import policies
from glare.policies import base
from glare.policies import properties

_ENFORCER = None
_LOCK = threading.Lock()
# (rules object, its length, {type_name: (read fields, write fields)}):
# which fields have a protection rule, for the rules the enforcer holds now.
_PROTECTED = (None, -1, {})
_NONE = (frozenset(), frozenset())
# The enforcers that looked at the policy file during the current API
# request (see request_scope); None outside of requests.
_SCOPE = contextvars.ContextVar('glare_policy_scope', default=None)


#: how often, at most, a process looks for policy file changes
RELOAD_INTERVAL = 1.0


class _Enforcer(policy.Enforcer):
    """Looks for policy file changes at most once a second and per request.

    oslo.policy looks at every check, and without a policy file it searches
    every config directory each time: 110 us a look, 3 looks per show and
    23 per list of 20 artifacts (one per artifact for property protection).
    An edited file still applies within a second; within one API request
    (request_scope) the rules found at its first check hold throughout.
    """

    _checked_at = None

    def load_rules(self, force_reload=False):
        scope = _SCOPE.get()
        if scope is not None and not force_reload and self in scope:
            return
        now = time.monotonic()
        if force_reload or self._checked_at is None or self.rules is None \
                or now - self._checked_at >= RELOAD_INTERVAL:
            super().load_rules(force_reload)
            self._checked_at = now
        if scope is not None:
            scope.add(self)


@contextlib.contextmanager
def request_scope():
    """Rules found at the first check of a request hold for all of it."""
    token = _SCOPE.set(set())
    try:
        yield
    finally:
        _SCOPE.reset(token)


def init(conf, policy_file=None, rules=None):
    """Create the enforcer with Glare's rules (and optional overrides).

    ``rules`` maps rule names to check strings and is applied over the
    defaults and the policy file (until the file changes), for tests.
    """
    global _ENFORCER
    with _LOCK:
        if _ENFORCER is not None:
            return _ENFORCER
        enforcer = _Enforcer(conf, policy_file=policy_file)
        enforcer.register_defaults(policies.list_rules())
        if rules:
            enforcer.load_rules()
            enforcer.set_rules(policy.Rules.from_dict(rules),
                               overwrite=False, use_conf=True)
        _ENFORCER = enforcer
        return enforcer


def get_enforcer():
    """The enforcer init(conf) made.

    Also the ``oslo.policy.enforcer`` entry point: the oslopolicy-* tools
    call it before anything called init, with their options parsed into
    oslo.config's global CONF, so that is the conf it is then made over.
    """
    if _ENFORCER is None:
        return init(cfg.CONF)
    return _ENFORCER


def reset():
    """Forget the enforcer and the caches (tests, config reload)."""
    global _ENFORCER, _PROTECTED
    with _LOCK:
        _ENFORCER = None
        _PROTECTED = (None, -1, {})


def _forbidden(message):
    from glare import exception
    return exception.Forbidden(message=message)


def _allows_anyone(check):
    """Whether a parsed rule is oslo.policy's TrueCheck ("" or "@").

    A library internal (checked in glare/tests/unit/test_library_compat.py):
    oslo.policy parses both into oslo_policy._checks.TrueCheck, a class it
    exports under no public name.
    """
    return isinstance(check, _checks.TrueCheck)


def authorize(context, rule, target, fatal=True):
    """Check a registered rule; raise Forbidden (or return False) on denial."""
    enforcer = get_enforcer()
    enforcer.load_rules()
    if rule in enforcer.registered_rules and _allows_anyone(
            enforcer.rules.get(rule)):
        # "" (anyone): most read rules; skip building the credentials
        return True
    allowed = enforcer.authorize(rule, target, context)
    if not allowed and fatal:
        raise _forbidden("Policy doesn't allow %s to be performed." % rule)
    return bool(allowed)


def check_is_admin(creds):
    """Whether ``creds`` (policy values, no is_admin) pass the admin rule."""
    return bool(get_enforcer().authorize(base.CONTEXT_IS_ADMIN, {}, creds))


def _index(rules):
    found = {}
    for name in rules:
        parsed = properties.parse_rule_name(name)
        if parsed:
            type_name, field, access = parsed
            found.setdefault(type_name, (set(), set()))[
                access == properties.WRITE].add(field)
    return {t: (frozenset(r), frozenset(w)) for t, (r, w) in found.items()}


def protected_fields(type_name):
    """(read-protected fields, write-protected fields) of a type."""
    global _PROTECTED
    enforcer = get_enforcer()
    # Once per request (see _Enforcer); replaces enforcer.rules with a new
    # object when the file was edited.
    enforcer.load_rules()
    rules = enforcer.rules
    cached_rules, cached_len, index = _PROTECTED
    if cached_rules is not rules or cached_len != len(rules):
        index = _index(rules)
        _PROTECTED = (rules, len(rules), index)
    return index.get(type_name, _NONE)


def _allowed(context, type_name, field, access, target):
    name = properties.rule_name(type_name, field, access)
    return bool(get_enforcer().enforce(name, target, context))


def can_read_field(context, type_name, field, target):
    """Whether the caller may see ``field`` (unprotected: always)."""
    if field not in protected_fields(type_name)[0]:
        return True
    return _allowed(context, type_name, field, properties.READ, target)


def unreadable_fields(context, type_name, target):
    """The fields of ``type_name`` the caller may not see in ``target``."""
    return {field for field in protected_fields(type_name)[0]
            if not _allowed(context, type_name, field, properties.READ,
                            target)}


def check_write_field(context, type_name, field, target):
    """Raise Forbidden unless the caller may set ``field``."""
    if field not in protected_fields(type_name)[1]:
        return
    if not _allowed(context, type_name, field, properties.WRITE, target):
        raise _forbidden('You are not allowed to set the field %s of %s '
                         'artifacts.' % (field, type_name))


def policy_target(context, artifact=None, **keys):
    """The target a policy rule is checked against (one shape for all).

    ``project_id`` is the caller's project; ``artifact`` (its values, or
    None when there is no artifact yet) gives ``owner``, ``visibility``,
    ``status`` and ``type_name``; ``keys`` add to or override them (e.g.
    ``type_name``, ``field``, or ``project_id`` for another project's
    quotas).
    """
    target = {'project_id': context.project_id}
    if artifact is not None:
        target.update(owner=artifact['owner'],
                      visibility=artifact['visibility'],
                      status=artifact['status'],
                      type_name=artifact.get('type_name'))
    target.update(keys)
    return target
