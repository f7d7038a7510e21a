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

"""Bulk seeding of sample_artifact rows straight into the database.

Creating 100,000 artifacts through HTTP would take longer than the rest of
the benchmark, so they are written with a few executemany() INSERTs instead.
The rows are the ones the service itself writes: values are coerced and
defaulted by the type's own fields (as patching.create_values does), and
turned into rows by glare.db.artifacts' own helpers (uniq_key, the version
columns, the property rows), into the tables of glare.db.models. Only
policy checks and hooks are skipped; sample_artifact has none that change
the stored data.
"""

import datetime
import uuid

import sqlalchemy as sa

from glare.db import api as db_api
from glare.db import artifacts as db_artifacts
from glare.db import fulltext
from glare.db import models
from glare.tests import sample_artifact

TYPE_NAME = sample_artifact.SampleArtifact.TYPE_NAME
OWNER = 'glare-local-project'  # the noauth single-user project
#: distinct str1 values of the seeded rows; a str1=eq: filter matches
#: 1/STR1_VALUES of them
STR1_VALUES = 200


def utcnow():
    """Now, as the naive UTC datetime the tables store (whole seconds)."""
    return datetime.datetime.now(datetime.timezone.utc).replace(
        tzinfo=None, microsecond=0)


def str1_value(i):
    return 'value-%03d' % (i % STR1_VALUES)


def default_body(i, prefix='seed', per_name=10):
    """The create body of the i-th artifact (seeded, or sent over HTTP).

    per_name consecutive artifacts share a name and differ by version.
    """
    return {
        'name': '%s-%05d' % (prefix, i // per_name),
        'version': '1.%d.0' % (i % per_name),
        'description': 'artifact number %d' % i,
        'str1': str1_value(i),
        'int1': i % 1000,
        'bool1': i % 2 == 0,
        'tags': ['bench', 'tag-%d' % (i % 50)],
        'list_of_str': ['a', 'b'],
        'dict_of_str': {'k1': 'v%d' % (i % 7), 'k2': 'x'},
    }


def _values(cls, body_, i, now, placed=None):
    """Field values as ArtifactService.create builds them.

    placed: values that replace the defaults below (id, owner, visibility,
    status, activated_at).
    """
    values = {}
    for name, field in cls.fields.items():
        if field.is_blob:
            values[name] = {} if field.is_folder else None
        elif name in body_:
            values[name] = field.coerce_value(body_[name])
        else:
            values[name] = field.get_default()
    created = created_at(i, now)
    values.update(id=str(uuid.uuid4()), owner=OWNER, status='drafted',
                  visibility='public' if i % 10 == 0 else 'private',
                  created_at=created, updated_at=created, activated_at=None)
    if placed:
        values.update(placed)
    return values


def _rows(cls, values):
    v = values
    art = db_artifacts._column_values(v)
    art.update(id=v['id'], type_name=TYPE_NAME,
               uniq_key=db_artifacts.uniq_key(
                   TYPE_NAME, v['name'], v['version'], v['visibility'],
                   v['owner'], v['status']))
    tags = [dict(artifact_id=v['id'], value=t) for t in v['tags'] or []]
    props = []
    stored = db_artifacts.property_fields(cls.fields)
    for name, field in stored.items():
        props.extend(db_artifacts._property_rows(v['id'], name, field,
                                                 v.get(name)))
    doc = fulltext.document(v['name'], v.get('description'),
                            v['tags'] or [],
                            fulltext.values_strings(stored, v))
    return art, tags, props, doc


def created_at(i, now):
    """When the i-th seeded artifact was created: 1 ms after the one
    before, the last within a day before now."""
    return now - datetime.timedelta(days=1, milliseconds=-i)


def seed(db_url, count, start=0, chunk=5000, log=None, placement=None,
         prefix='seed', now=None, body=None):
    """Insert artifacts start..start+count-1; returns the seconds taken.

    placement(i) -> {column: value} places the i-th artifact (its id,
    owner, visibility, status, ...); by default the noauth project owns
    them all, every tenth public. now: the time the created_at values
    count back from (created_at()). body(i, prefix): the i-th
    artifact's create body (default_body by default).
    """
    import time
    cls = sample_artifact.SampleArtifact
    engine = sa.create_engine(db_url)
    db_api.install_engine_hooks(engine)
    now = now or utcnow()
    t0 = time.monotonic()
    try:
        for lo in range(start, start + count, chunk):
            arts, tags, props, docs = [], [], [], {}
            for i in range(lo, min(lo + chunk, start + count)):
                placed = placement(i) if placement else None
                a, t, p, d = _rows(cls, _values(cls, (body or default_body)(
                    i, prefix), i, now, placed))
                arts.append(a)
                tags += t
                props += p
                docs[a['id']] = (d, fulltext.copied(a))
            with engine.begin() as conn:
                conn.execute(models.Artifact.__table__.insert(), arts)
                conn.execute(models.ArtifactTag.__table__.insert(), tags)
                conn.execute(models.ArtifactProperty.__table__.insert(),
                             props)
                # the words of full-text search, as the service writes them
                fulltext.insert_many(conn, docs)
            if log:
                log('  seeded %d/%d' % (i + 1 - start, count))
    finally:
        engine.dispose()
    return time.monotonic() - t0


def insert_rows(db_url, table_name, rows, chunk=5000):
    """executemany() INSERTs of rows (dicts) into a table of the schema
    the service migrated (read from the database); returns the seconds
    taken."""
    import time
    engine = sa.create_engine(db_url)
    db_api.install_engine_hooks(engine)
    t0 = time.monotonic()
    try:
        table = sa.Table(table_name, sa.MetaData(), autoload_with=engine)
        for lo in range(0, len(rows), chunk):
            with engine.begin() as conn:
                conn.execute(table.insert(), rows[lo:lo + chunk])
    finally:
        engine.dispose()
    return time.monotonic() - t0


def fresh_database(backend):
    """((db url, cleanup) of a database made for a run on the backend's
    test server, None) or (None, why not); (None, None) for SQLite, whose
    database the server makes in its state dir."""
    if backend == 'sqlite':
        return None, None
    from glare.tests.fixtures import db_fixtures
    reason = db_fixtures.unreachable(backend)
    if reason:
        return None, reason.splitlines()[0]
    return db_fixtures.create_database(backend, prefix='glare_bench_'), None
