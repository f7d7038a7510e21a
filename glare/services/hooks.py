"""Calling type hooks: a failing hook is the caller's 4xx, never a 500."""

from oslo_log import log as logging

from glare import exception

LOG = logging.getLogger(__name__)


def call(hook, *args, **kwargs):
    try:
        return hook(*args, **kwargs)
    except exception.GlareException:
        raise
    except Exception as exc:
        LOG.warning('Hook %s failed: %s', getattr(hook, '__qualname__', hook),
                    exc)
        raise exception.BadRequest('%s failed: %s' % (
            getattr(hook, '__name__', 'hook'), exc))
