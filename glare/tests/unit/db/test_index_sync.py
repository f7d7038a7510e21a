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

"""The migrations create exactly the indexes of the models, WHERE included.

oslo.db's ModelsMigrationsSync (alembic's comparison) does not look at the
WHERE clause of partial indexes; this compares the index definitions the
database itself reports.
"""

import os
import re

import fixtures
from oslo_config import cfg
import sqlalchemy as sa

from glare.common import config
from glare.db import migration
from glare.db import models
from glare.tests import base
from glare.tests.fixtures import db_fixtures


def _conf(tmp, url):
    path = os.path.join(tmp, 'glare.conf')
    with open(path, 'w') as f:
        f.write('[DEFAULT]\nstate_path = %s\n[database]\nconnection = %s\n'
                % (os.path.join(tmp, 'state'), url))
    return config.parse_args(['glare', '--config-file', path],
                             default_config_files=[],
                             conf_obj=cfg.ConfigOpts())


def _normalize(sql):
    return re.sub(r'\s+', ' ', sql.replace('"', '')).strip()


class _IndexSync:

    def indexes(self, url):
        raise NotImplementedError

    def urls(self):
        raise NotImplementedError

    def test_migration_indexes_match_the_models(self):
        migrated, created = self.urls()
        migration.upgrade(_conf(self.tmp, migrated))
        engine = sa.create_engine(created)
        models.Base.metadata.create_all(engine)
        engine.dispose()
        expected = self.indexes(created)
        self.assertIn('ix_glare_prop_name_int', expected)
        self.assertIn('IS NOT NULL', expected['ix_glare_prop_name_int'])
        self.assertEqual(expected, self.indexes(migrated))


class SQLiteIndexSyncTest(_IndexSync, base.TestCase):

    def setUp(self):
        super().setUp()
        self.tmp = self.useFixture(fixtures.TempDir()).path

    def urls(self):
        return ('sqlite:///%s/migrated.sqlite' % self.tmp,
                'sqlite:///%s/created.sqlite' % self.tmp)

    def indexes(self, url):
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                rows = conn.exec_driver_sql(
                    "SELECT name, sql FROM sqlite_master WHERE type = "
                    "'index' AND sql IS NOT NULL").all()
        finally:
            engine.dispose()
        return {name: _normalize(sql) for name, sql in rows}


class PostgreSQLIndexSyncTest(_IndexSync, base.TestCase):

    def setUp(self):
        super().setUp()
        db_fixtures.skip_unless_reachable(self, 'postgresql')
        self.tmp = self.useFixture(fixtures.TempDir()).path
        self.dbs = [self.useFixture(db_fixtures.Database('postgresql')).url
                    for _i in range(2)]

    def urls(self):
        return tuple(self.dbs)

    def indexes(self, url):
        engine = sa.create_engine(url)
        try:
            with engine.connect() as conn:
                rows = conn.execute(sa.text(
                    "SELECT indexname, indexdef FROM pg_indexes WHERE "
                    "schemaname = current_schema() AND tablename LIKE :t"),
                    {'t': 'glare_%'}).all()
        finally:
            engine.dispose()
        return {name: _normalize(sql) for name, sql in rows}
