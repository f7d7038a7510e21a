"""glare-db-manage: upgrade, show or stamp the database schema revision."""

import sys

from alembic import util as alembic_util
from oslo_config import cfg
import sqlalchemy as sa

from glare.common import config
from glare.db import migration


def _upgrade(conf):
    migration.upgrade(conf, conf.command.revision)


def _version(conf):
    print(migration.version(conf))


def _stamp(conf):
    migration.stamp(conf, conf.command.revision)


def _add_parsers(subparsers):
    parser = subparsers.add_parser(
        'upgrade', help='Migrate the schema up to REVISION (default: head).')
    parser.add_argument('revision', nargs='?', default='head')
    parser.set_defaults(func=_upgrade)
    parser = subparsers.add_parser(
        'version', help='Print the current revision ("None" when the '
                        'database is not under migration control).')
    parser.set_defaults(func=_version)
    parser = subparsers.add_parser(
        'stamp', help='Record REVISION as current without migrating.')
    parser.add_argument('revision')
    parser.set_defaults(func=_stamp)


command_opt = cfg.SubCommandOpt('command', title='Commands',
                                handler=_add_parsers,
                                help='Available commands')


def _describe(exc, conf):
    # Driver errors carry the useful text in .orig; the URL tells which
    # database was meant, without its password.
    if isinstance(exc, sa.exc.DBAPIError):
        url = sa.engine.make_url(conf.database.connection)
        return 'database %s: %s' % (
            url.render_as_string(hide_password=True), exc.orig)
    return str(exc)


def main(argv=None):
    argv = sys.argv if argv is None else argv
    conf = cfg.ConfigOpts()
    conf.register_cli_opt(command_opt)
    try:
        config.parse_args(argv, conf_obj=conf)
    except cfg.Error as exc:
        print('glare-db-manage: %s' % exc, file=sys.stderr)
        return 2
    config.setup_logging(conf)
    try:
        conf.command.func(conf)
    except (sa.exc.SQLAlchemyError, alembic_util.CommandError,
            migration.MigrationError, OSError, ImportError) as exc:
        print('glare-db-manage %s: error: %s'
              % (conf.command.name, _describe(exc, conf)), file=sys.stderr)
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
