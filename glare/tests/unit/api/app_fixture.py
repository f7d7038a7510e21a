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

"""The whole API in process: real middleware, real SQLite, no server.

``GlareApp`` is a fixture that builds the WSGI stack with
``glare.wsgi.build`` as glare-api does (but starts no clean-up thread) on a
private ``cfg.ConfigOpts`` (never the global CONF), an SQLite file in a
temporary state directory migrated with the real alembic migrations, the
``noauth`` strategy and the ``sample_artifact`` test type. ``GlareApp.call``
sends one raw request (the path and query string as bytes, exactly as a
server hands them to the application under PEP 3333) and returns a
``Response``.

The database facade and the policy enforcer are process globals; the
fixture resets both before it builds the app and again at clean-up.
"""

import collections
import io
import os
from urllib import parse

import fixtures
from oslo_config import cfg
import sqlalchemy as sa

from glare import conf as glare_conf
from glare.db import api as db_api
from glare.db import migration
from glare import policy
from glare import wsgi

SAMPLE_MODULE = 'glare.tests.sample_artifact'

Response = collections.namedtuple('Response', 'status reason headers body')


class GlareApp(fixtures.Fixture):
    """The WSGI application of a fresh service on a temporary database."""

    def __init__(self, overrides=None, config_text=None):
        # overrides: 'group.name' (or 'name') -> value; config_text: a
        # configuration file read as the service reads glare.conf (for
        # options registered only while the app is built, e.g.
        # [keystone_authtoken])
        super().__init__()
        self.overrides = dict(overrides or {})
        self.config_text = config_text

    def _setUp(self):
        self.state_path = self.useFixture(fixtures.TempDir()).path
        conf = cfg.ConfigOpts()
        glare_conf.register_opts(conf)
        config_files = []
        if self.config_text is not None:
            config_files.append(os.path.join(self.state_path, 'glare.conf'))
            with open(config_files[0], 'w') as f:
                f.write(self.config_text)
        conf(args=[], project='glare', default_config_files=config_files,
             default_config_dirs=[])
        self.addCleanup(conf.reset)
        conf.set_override('state_path', self.state_path)
        conf.set_override('connection', 'sqlite:///%s/glare.sqlite' %
                          self.state_path, group='database')
        conf.set_override('custom_artifact_types_modules', [SAMPLE_MODULE])
        # a default, not an override: a [paste_deploy] flavor or an
        # [api] auth_strategy from overrides/config_text still decides
        conf.set_default('auth_strategy', 'noauth', group='api')
        conf.set_override('auto_create_schema', True)
        for key, value in self.overrides.items():
            group, _dot, name = key.rpartition('.')
            conf.set_override(name, value, group=group or None)
        self.conf = conf
        self._reset_globals()
        self.addCleanup(self._reset_globals)
        migration.ensure_schema(conf)
        self.api = wsgi.build(conf)
        self.app = self.api.application

    @staticmethod
    def _reset_globals():
        try:
            if db_api._configured:
                db_api.get_engine().dispose()
        finally:
            db_api.reset()
            policy.reset()

    def count(self, table='glare_artifacts'):
        """Rows in a table, read straight from the database."""
        with db_api.get_engine().connect() as conn:
            return conn.execute(sa.text('SELECT COUNT(*) FROM %s' % table)
                                ).scalar()

    def call(self, method, path, query=b'', headers=(), body=b''):
        """One request; path and query are bytes (or ASCII text).

        The path is percent-decoded into PATH_INFO as a server does; the
        query string is passed on as it is. Header values are text; they
        reach the application latin-1 decoded, as PEP 3333 says.
        """
        if isinstance(path, str):
            path = path.encode('utf-8')
        if isinstance(query, str):
            query = query.encode('utf-8')
        environ = {
            'REQUEST_METHOD': method,
            'SCRIPT_NAME': '',
            'PATH_INFO': parse.unquote_to_bytes(path).decode('latin-1'),
            'QUERY_STRING': query.decode('latin-1'),
            'RAW_URI': (path + (b'?' + query if query else b'')
                        ).decode('latin-1'),
            'SERVER_NAME': 'localhost',
            'SERVER_PORT': '80',
            'HTTP_HOST': 'localhost:80',
            'SERVER_PROTOCOL': 'HTTP/1.1',
            'REMOTE_ADDR': '127.0.0.1',
            'wsgi.version': (1, 0),
            'wsgi.url_scheme': 'http',
            'wsgi.input': io.BytesIO(body),
            'wsgi.errors': io.StringIO(),
            'wsgi.multithread': False,
            'wsgi.multiprocess': False,
            'wsgi.run_once': False,
        }
        if body:
            environ['CONTENT_LENGTH'] = str(len(body))
        for name, value in (headers.items() if isinstance(headers, dict)
                            else headers):
            key = name.upper().replace('-', '_')
            if key not in ('CONTENT_TYPE', 'CONTENT_LENGTH'):
                key = 'HTTP_' + key
            environ[key] = value
        started = []

        def start_response(status, response_headers, exc_info=None):
            started[:] = [status, response_headers]
            return lambda data: chunks.append(data)

        chunks = []
        result = self.app(environ, start_response)
        try:
            for chunk in result:
                chunks.append(chunk)
        finally:
            if hasattr(result, 'close'):
                result.close()
        status, response_headers = started
        code, _sp, reason = status.partition(' ')
        return Response(int(code), reason, response_headers, b''.join(chunks))


def header(response, name):
    """The value of a response header (case-insensitive), or None."""
    name = name.lower()
    for key, value in response.headers:
        if key.lower() == name:
            return value
    return None
