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

"""Download statistics: per-day counts of each artifact and their total."""

import datetime

import sqlalchemy as sa
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql
from sqlalchemy.dialects import sqlite

from glare.db import api
from glare.db import models

ARTIFACTS = models.Artifact.__table__
DOWNLOADS = models.ArtifactDownloads.__table__
#: the days of "last_30_days": today (UTC) and the 29 before it
RECENT_DAYS = 30
#: ids per IN list
_CHUNK = 500

_RECENT_OF = sa.select(
    DOWNLOADS.c.artifact_id, sa.func.sum(DOWNLOADS.c.count)).where(
    DOWNLOADS.c.artifact_id.in_(sa.bindparam('ids', expanding=True)),
    DOWNLOADS.c.day >= sa.bindparam('since')).group_by(
    DOWNLOADS.c.artifact_id)
_ADD_TOTAL = ARTIFACTS.update().where(
    ARTIFACTS.c.id == sa.bindparam('artifact_id')).values(
    downloads_total=ARTIFACTS.c.downloads_total + sa.bindparam('added'))
#: last_30_days of the artifacts a flush counted, summed again from their
#: rows after the flush wrote them (the artifact's row is locked by then,
#: so a concurrent flush of another process sums after this one's commit)
_REFRESH_RECENT = ARTIFACTS.update().where(
    ARTIFACTS.c.id.in_(sa.bindparam('ids', expanding=True))).values(
    downloads_recent=sa.select(
        sa.func.coalesce(sa.func.sum(DOWNLOADS.c['count']), 0)).where(
        DOWNLOADS.c.artifact_id == ARTIFACTS.c.id,
        DOWNLOADS.c.day >= sa.bindparam('since')).scalar_subquery(),
    downloads_recent_day=sa.bindparam('day'))


def today():
    """The UTC day."""
    return datetime.datetime.now(datetime.timezone.utc).date()


def recent_since(day=None):
    """The first day counted in last_30_days on day (default today)."""
    return (day or today()) - datetime.timedelta(days=RECENT_DAYS - 1)


def recent(conn, rows):
    """{artifact_id: downloads in the last 30 days} of artifacts rows.

    An artifact counted by a flush today has it on its row; one without
    downloads has none. Only the others (downloaded before, not counted
    since midnight) cost a query: one statement for all of them."""
    day = today()
    out, stale = {}, []
    for r in rows:
        if not r.downloads_total:
            continue
        if r.downloads_recent_day == day:
            out[r.id] = r.downloads_recent
        else:
            stale.append(r.id)
    if stale:
        out.update((row[0], int(row[1])) for row in conn.execute(
            _RECENT_OF, {'ids': stale, 'since': recent_since(day)}).all())
    return out


def _upsert(dialect):
    """The statement adding :count to the row of (:artifact_id, :day),
    made when missing, in one atomic statement of the backend's own."""
    values = {'artifact_id': sa.bindparam('artifact_id'),
              'day': sa.bindparam('day'), 'count': sa.bindparam('count')}
    if dialect in ('mysql', 'mariadb'):
        stmt = mysql.insert(DOWNLOADS).values(**values)
        return stmt.on_duplicate_key_update(
            count=DOWNLOADS.c['count'] + stmt.inserted['count'])
    module = postgresql if dialect == 'postgresql' else sqlite
    stmt = module.insert(DOWNLOADS).values(**values)
    return stmt.on_conflict_do_update(
        index_elements=['artifact_id', 'day'],
        set_={'count': DOWNLOADS.c['count'] + stmt.excluded['count']})


@api.writer
def add_downloads(context, session, counts):
    """Add counts ({(artifact_id, day): n}) to the per-day rows and to the
    artifacts' downloads_total, in one transaction. Counts of artifacts
    that are gone are dropped. Returns the number of downloads written.

    Rows are written in the order of their keys, so that two processes
    flushing at once lock them in the same order."""
    ids = sorted({artifact_id for artifact_id, _day in counts})
    known = set()
    for start in range(0, len(ids), _CHUNK):
        known.update(session.execute(sa.select(ARTIFACTS.c.id).where(
            ARTIFACTS.c.id.in_(ids[start:start + _CHUNK]))).scalars())
    rows = [{'artifact_id': artifact_id, 'day': day, 'count': n}
            for (artifact_id, day), n in sorted(counts.items())
            if artifact_id in known and n > 0]
    if not rows:
        return 0
    totals = {}
    for row in rows:
        totals[row['artifact_id']] = totals.get(row['artifact_id'], 0) + \
            row['count']
    dialect = session.get_bind().dialect.name
    session.execute(_upsert(dialect), rows)
    session.execute(_ADD_TOTAL, [{'artifact_id': i, 'added': n}
                                 for i, n in sorted(totals.items())])
    day = today()
    session.execute(_REFRESH_RECENT, {'ids': sorted(totals), 'day': day,
                                      'since': recent_since(day)})
    return sum(totals.values())
