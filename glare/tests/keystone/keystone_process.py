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

"""Keystone's own processes for the fixture: keystone-manage, and the
public WSGI application under gunicorn.

    python -m glare.tests.keystone.keystone_process manage JSON
    python -m glare.tests.keystone.keystone_process serve PORT

``manage`` runs keystone-manage commands one after the other in one
process (JSON: a list of argument lists): importing keystone takes some
3 s of CPU, running a command a fraction of that. Both read their
configuration file from OS_KEYSTONE_CONFIG_FILES. Keystone parses the
process's command line with oslo.config when it configures itself, so the
command line is emptied before it sees it.
"""

import json
import os
import sys

from gunicorn.app import base as gunicorn_base


class KeystoneApp(gunicorn_base.BaseApplication):
    """Keystone's public application in one synchronous gunicorn worker
    (its SQLite database takes one writer at a time anyway)."""

    def __init__(self, port):
        self.port = port
        super().__init__()

    def load_config(self):
        self.cfg.set('bind', '127.0.0.1:%d' % self.port)
        self.cfg.set('workers', 1)
        self.cfg.set('worker_class', 'sync')
        self.cfg.set('timeout', 120)
        self.cfg.set('accesslog', '-')

    def load(self):
        from keystone.server import wsgi
        return wsgi.initialize_public_application()


def manage(commands):
    """keystone-manage (its main function) once per argument list."""
    from keystone.cmd import cli
    from keystone.conf import CONF
    conf = os.environ['OS_KEYSTONE_CONFIG_FILES']
    for args in commands:
        cli.main(argv=['keystone-manage', '--config-file', conf] + args)
        # back to unparsed, so that the next command parses its own
        CONF.reset()


def main():
    command, args = sys.argv[1], sys.argv[2:]
    sys.argv = sys.argv[:1]
    if command == 'manage':
        manage(json.loads(args[0]))
    elif command == 'serve':
        KeystoneApp(int(args[0])).run()
    else:
        sys.exit('unknown command %r' % command)


if __name__ == '__main__':
    main()
