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

"""The request context of Glare: who is calling, and what policy allows."""

import copy

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade

from glare import policy


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """An oslo.context RequestContext whose admin flag comes from policy."""

    # True while the context_is_admin rule is being checked for this
    # context: what the check logs is formatted with this context, and
    # the formatter must not start the same check again (RecursionError)
    _deciding = False

    def __init__(self, is_admin=None, service_catalog=None, **kwargs):
        # None: decided by the context_is_admin rule on first use (the API
        # decides it as soon as it made the context: auth.ContextMiddleware)
        super().__init__(is_admin=is_admin, **kwargs)
        #: the caller's service catalog (keystonemiddleware's
        #: X-Service-Catalog, in the v2 shape): glance_store's
        #: multi-tenant Swift store finds the caller's account there
        self.service_catalog = service_catalog

    def check_is_admin(self):
        if self._deciding:
            return None  # not decided yet: asked from inside the check
        self._deciding = True
        try:
            # Base values only: ours include is_admin, which would recurse.
            return policy.check_is_admin(super().to_policy_values())
        finally:
            self._deciding = False

    def get_logging_values(self):
        """What oslo.log stamps a line with; never runs a policy check.

        A context whose admin flag is not decided yet logs it as None.
        """
        if self._is_admin is not None:
            return super().get_logging_values()
        undecided = copy.copy(self)
        undecided._deciding = True
        return super(RequestContext, undecided).get_logging_values()

    @property
    def is_anonymous(self):
        return not self.project_id

    def to_policy_values(self):
        # A plain dict: oslo.context's own mapping warns (deprecation) on
        # each read of a key added to it, and Glare's is_admin is no legacy
        # value but the context_is_admin rule's verdict, which the default
        # admin_or_owner rule (upstream's) and operators' files read.
        values = dict(super().to_policy_values())
        values['is_admin'] = self.is_admin
        return values

    def can(self, rule, target=None, fatal=True):
        """Whether policy ``rule`` allows this call on ``target``.

        Without a target the check is about the caller's own project.
        Raises glare.exception.Forbidden when denied and ``fatal``.
        """
        if target is None:
            target = policy.policy_target(self, user_id=self.user_id)
        return policy.authorize(self, rule, target, fatal=fatal)


def get_admin_context(show_deleted=False):
    """A context for internal work (scrubber, migrations): a cloud admin."""
    return RequestContext(is_admin=True, roles=['admin'],
                          show_deleted=show_deleted, overwrite=False)


def from_environ(environ, **kwargs):
    """A context from the identity headers of a WSGI environ."""
    return RequestContext.from_environ(environ, **kwargs)
