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
    sys.stdout.write('%s\n' % migration.version(conf))


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
        sys.stderr.write('glare-db-manage: %s\n' % exc)
        return 2
    config.setup_logging(conf)
    try:
        conf.command.func(conf)
    except (sa.exc.SQLAlchemyError, alembic_util.CommandError,
            migration.MigrationError, OSError, ImportError) as exc:
        sys.stderr.write('glare-db-manage %s: error: %s\n'
                         % (conf.command.name, _describe(exc, conf)))
        return 1
    return 0


if __name__ == '__main__':
    sys.exit(main())
