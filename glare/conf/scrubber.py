"""Options of the [scrubber] group (glare-scrubber)."""

from oslo_config import cfg

scrubber_group = cfg.OptGroup(
    'scrubber', title='Scrubber options',
    help='glare-scrubber purges artifacts left in status "deleted" by '
         'delayed delete.')

scrubber_opts = [
    cfg.BoolOpt('daemon', default=False,
                help='Run as a daemon that scrubs every wakeup_time '
                     'seconds, instead of once and exit.'),
    cfg.IntOpt('wakeup_time', default=300, min=1,
               help='Seconds the daemon sleeps between two runs.'),
    cfg.IntOpt('scrub_time', default=0, min=0,
               help='Seconds an artifact stays in status "deleted" before '
                    'the scrubber may purge it.'),
    cfg.IntOpt('scrub_pool_size', default=1, min=1,
               help='Number of artifacts purged in parallel.'),
]


def register_opts(conf):
    # a group object of its own: oslo.config copies a registered
    # OptGroup shallowly, so a shared one would share set_override()s
    # between ConfigOpts instances
    conf.register_group(cfg.OptGroup(scrubber_group.name, title=scrubber_group.title,
                                     help=scrubber_group.help))
    conf.register_opts(scrubber_opts, group=scrubber_group.name)


def list_opts():
    return [(scrubber_group, scrubber_opts)]
