"""The request context of Glare: who is calling, and what policy allows."""

from oslo_context import context
from oslo_db.sqlalchemy import enginefacade

from glare import policy


@enginefacade.transaction_context_provider
class RequestContext(context.RequestContext):
    """An oslo.context RequestContext whose admin flag comes from policy."""

    def __init__(self, is_admin=None, **kwargs):
        # None: decided by the context_is_admin rule on first use.
        super().__init__(is_admin=is_admin, **kwargs)

    def check_is_admin(self):
        # Base values only: ours include is_admin, which would recurse here.
        return policy.check_is_admin(super().to_policy_values())

    @property
    def is_anonymous(self):
        return not self.project_id

    def to_policy_values(self):
        values = super().to_policy_values()
        values['is_admin'] = self.is_admin
        return values

    def can(self, rule, target=None, fatal=True):
        """Whether policy ``rule`` allows this call on ``target``.

        Without a target the check is about the caller's own project.
        Raises glare.exception.Forbidden when denied and ``fatal``.
        """
        if target is None:
            target = {'project_id': self.project_id, 'user_id': self.user_id}
        return policy.authorize(self, rule, target, fatal=fatal)


def get_admin_context(show_deleted=False):
    """A context for internal work (scrubber, migrations): a cloud admin."""
    return RequestContext(is_admin=True, roles=['admin'],
                          show_deleted=show_deleted, overwrite=False)


def from_environ(environ, **kwargs):
    """A context from the identity headers of a WSGI environ."""
    return RequestContext.from_environ(environ, **kwargs)
