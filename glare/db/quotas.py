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

"""Quota records, the per-project lock and the artifact count check."""

import dataclasses

from oslo_db import exception as db_exc
import sqlalchemy as sa
from sqlalchemy.dialects import mysql

from glare.db import api
from glare.db import models
from glare import exception

QUOTAS = models.Quota.__table__
LOCKS = models.ProjectLock.__table__
ARTIFACTS = models.Artifact.__table__

COUNT_KIND = 'max_artifact_number'



def quota_name(kind, type_name):
    """The name of a quota kind's limit for one type: kind:type_name."""
    return '%s:%s' % (kind, type_name)


def _limit(value):
    return None if value is None or value < 0 else value


@dataclasses.dataclass(frozen=True)
class Quota:
    """One quota kind as it applies to one type, before the project's own.

    configured: the [DEFAULT] <kind> value; configured_for_type: the
    [artifact_type:<type>] <kind> value, None when unset. The project's
    quotas, read in the checking transaction so that a PUT /quotas made
    meanwhile is honoured, override them (see limits).
    """
    kind: str
    type_name: str
    configured: int = None
    configured_for_type: int = None

    def limits(self, overrides):
        """(global limit, type limit), each None when unlimited (-1 or
        unset), of a project whose quotas are overrides
        ({quota_name: value}): its value where set, else the configured
        one (a type's never falls back to the global one)."""
        name = quota_name(self.kind, self.type_name)
        total = overrides[self.kind] if self.kind in overrides \
            else self.configured
        per_type = overrides[name] if name in overrides \
            else self.configured_for_type
        return _limit(total), _limit(per_type)


@dataclasses.dataclass(frozen=True)
class CountQuota(Quota):
    """What artifacts.create checks before it inserts: the
    max_artifact_number Quota of the type, and the names of the types whose
    artifacts the global limit counts (types)."""
    types: tuple = ()

_OF_PROJECT = sa.select(QUOTAS.c.quota_name, QUOTAS.c.quota_value).where(
    QUOTAS.c.project_id == sa.bindparam('project_id'))
# MySQL's REPEATABLE READ fixes a transaction's snapshot at its first plain
# SELECT: read before lock_project, it would hide from a count made after
# the lock what the previous holder committed. A locking read fixes none.
_OF_PROJECT_LOCKING = _OF_PROJECT.with_for_update(read=True)
_LOCK_ROW = sa.select(LOCKS.c.project_id).where(
    LOCKS.c.project_id == sa.bindparam('project_id')).with_for_update()
_COUNTS = sa.select(ARTIFACTS.c.type_name, sa.func.count()).where(
    ARTIFACTS.c.type_name.in_(sa.bindparam('types', expanding=True)),
    ARTIFACTS.c.owner == sa.bindparam('owner'),
    ARTIFACTS.c.status != 'deleted').group_by(ARTIFACTS.c.type_name)


def _dialect(executor):
    dialect = getattr(executor, 'dialect', None)
    return dialect if dialect is not None else executor.get_bind().dialect


def _is_mysql(executor):
    return _dialect(executor).name in ('mysql', 'mariadb')


# -- quota records ----------------------------------------------------------

def project_limits(session_or_conn, project_id):
    """The quotas set for one project: {quota_name: value}.

    For use inside a transaction of the caller's (Session or Connection).
    On MySQL it is a locking read, so that it may come before
    lock_project without fixing the transaction's snapshot.
    """
    query = _OF_PROJECT_LOCKING if _is_mysql(session_or_conn) \
        else _OF_PROJECT
    return {r.quota_name: r.quota_value for r in session_or_conn.execute(
        query, {'project_id': project_id})}


@api.writer
def set_project_quotas(context, session, values):
    """Replace each given project's quotas, all in one transaction.

    values: [{"project_id": P, "project_quotas": [{"quota_name": N,
    "quota_value": V}, ...]}, ...]; a project given with an empty list
    loses all its quotas.
    """
    for item in sorted(values, key=lambda i: i['project_id']):
        # in project order: two PUTs touching the same projects cannot
        # deadlock, and no artifact count of the project runs meanwhile
        project_id = item['project_id']
        lock_project(session, project_id)
        session.execute(
            QUOTAS.delete().where(QUOTAS.c.project_id == project_id))
        rows = [{'project_id': project_id, 'quota_name': q['quota_name'],
                 'quota_value': q['quota_value']}
                for q in item['project_quotas']]
        if not rows:
            continue
        try:
            session.execute(QUOTAS.insert(), rows)
            session.flush()
        except db_exc.DBDuplicateEntry as exc:
            raise exception.BadRequest('Quota names of project %s repeat'
                                       % project_id) from exc


@api.reader
def get_all(context, conn):
    """Every project's quotas: {project_id: {quota_name: value}}."""
    out = {}
    for r in conn.execute(sa.select(QUOTAS).order_by(QUOTAS.c.project_id,
                                                      QUOTAS.c.quota_name)):
        out.setdefault(r.project_id, {})[r.quota_name] = r.quota_value
    return out


@api.reader
def get_project(context, conn, project_id):
    """One project's quotas: {quota_name: value}."""
    return {r.quota_name: r.quota_value for r in conn.execute(
        _OF_PROJECT, {'project_id': project_id})}


# -- the project lock -------------------------------------------------------

def lock_project(session, project_id):
    """Hold the project's lock row until the transaction ends.

    Call it inside a writer transaction, before counting what a quota
    bounds (on MySQL: before any plain SELECT of the transaction, see
    project_limits): quota checks of one project then run one at a time
    across every API process. SQLite needs no row: its writers are
    serialised already (BEGIN IMMEDIATE, glare.db.api.writer).
    """
    dialect = _dialect(session).name
    if dialect == 'sqlite':
        return
    if dialect in ('mysql', 'mariadb'):
        # One statement that inserts the row or locks it exclusively. A
        # failed plain INSERT would leave a shared lock on the existing row,
        # and two transactions upgrading theirs to FOR UPDATE deadlock.
        stmt = mysql.insert(LOCKS).values(project_id=project_id)
        session.execute(stmt.on_duplicate_key_update(
            project_id=stmt.inserted.project_id))
        return
    params = {'project_id': project_id}
    if session.execute(_LOCK_ROW, params).first() is not None:
        return
    # the project's first check: make its row (a concurrent first check
    # waits for ours, then finds the row)
    try:
        with session.begin_nested():
            session.execute(LOCKS.insert(), params)
    except db_exc.DBDuplicateEntry:
        pass
    session.execute(_LOCK_ROW, params)


# -- the artifact count -----------------------------------------------------

def check_artifact_count(session, owner, type_name, quota):
    """Forbidden when the owner may not have one more artifact of the type.

    Call it in the creating transaction before the insert: the project lock
    makes count-then-insert exact under concurrent creates. One indexed
    read, and no lock, when no limit applies.
    """
    total_limit, type_limit = quota.limits(project_limits(session, owner))
    if total_limit is None and type_limit is None:
        return
    lock_project(session, owner)
    types = set(quota.types) | {type_name}
    counts = dict(session.execute(_COUNTS, {
        'types': sorted(types), 'owner': owner}).all())
    if type_limit is not None and counts.get(type_name, 0) >= type_limit:
        raise exception.Forbidden(
            'Quota %s:%s of project %s exceeded: it may own %d artifacts of '
            'type %s' % (COUNT_KIND, type_name, owner, type_limit,
                         type_name))
    if total_limit is not None and sum(counts.values()) >= total_limit:
        raise exception.Forbidden(
            'Quota %s of project %s exceeded: it may own %d artifacts' % (
                COUNT_KIND, owner, total_limit))
