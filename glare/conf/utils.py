"""Helpers shared by the option modules."""

from oslo_config import cfg


def register_group_opts(conf, group, opts):
    """Register opts in a copy of group of conf's own.

    oslo.config copies a registered OptGroup shallowly: two ConfigOpts
    given the same module-level group object share its options, and a
    set_override() on one shows in the other.
    """
    conf.register_group(cfg.OptGroup(group.name, title=group.title,
                                     help=group.help))
    conf.register_opts(opts, group=group.name)
