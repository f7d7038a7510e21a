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

"""Background tasks: their rows, claims and leases.

A claim is one conditional UPDATE: the row becomes the claimer's only if
it is still pending, or running under a lease that expired, when the
UPDATE reaches it. PostgreSQL (read committed) and InnoDB re-check the
WHERE clause against the newest row once a concurrent claimer's
transaction ends, and SQLite runs one writer at a time, so of several
workers claiming one task exactly one sees a row count of 1. Every later
write of a running task (progress, renewal, the end) names the claim's
token: a worker whose lease was taken over writes nothing.
"""

import sqlalchemy as sa

from glare.db import api
from glare.db import models

TASKS = models.Task.__table__

PENDING = 'pending'
RUNNING = 'running'
SUCCESS = 'success'
FAILURE = 'failure'
STATUSES = (PENDING, RUNNING, SUCCESS, FAILURE)
FINISHED = (SUCCESS, FAILURE)

_SHOWN = ('id', 'type', 'status', 'progress', 'message', 'artifact_id',
          'type_name', 'owner', 'user_id', 'input', 'identity',
          'lease_owner', 'lease_expires_at', 'attempts', 'cancel_requested',
          'created_at', 'updated_at')
_COLUMNS = [TASKS.c[name] for name in _SHOWN]


class Refused(Exception):
    """A change the task's row as it is now does not allow.

    reason: 'missing' (no such task) or 'finished' (it ended already).
    """

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _row(row):
    return None if row is None else dict(row._mapping)


def _claimable(now):
    return sa.or_(TASKS.c.status == PENDING,
                  sa.and_(TASKS.c.status == RUNNING,
                          TASKS.c.lease_expires_at < now))


def _held(task_id, token):
    return sa.and_(TASKS.c.id == task_id, TASKS.c.status == RUNNING,
                   TASKS.c.lease_owner == token)


@api.writer
def insert(context, session, values):
    session.execute(TASKS.insert().values(**values))


@api.reader
def get(context, conn, task_id):
    """The task's row as a dict, or None."""
    return _row(conn.execute(sa.select(*_COLUMNS).where(
        TASKS.c.id == task_id)).first())


@api.reader
def list_tasks(context, conn, owner, statuses, limit, marker=None):
    """A page of tasks, newest first: [row dict]. owner None: every
    project's; statuses: a tuple of them, or None for all; marker: the
    previous page's last (created_at, id)."""
    query = sa.select(*_COLUMNS)
    if owner is not None:
        query = query.where(TASKS.c.owner == owner)
    if statuses:
        query = query.where(TASKS.c.status.in_(statuses))
    if marker is not None:
        at, task_id = marker
        query = query.where(sa.or_(
            TASKS.c.created_at < at,
            sa.and_(TASKS.c.created_at == at, TASKS.c.id < task_id)))
    query = query.order_by(TASKS.c.created_at.desc(),
                           TASKS.c.id.desc()).limit(limit)
    return [dict(r._mapping) for r in conn.execute(query)]


@api.writer
def request_cancel(context, session, task_id, now, message):
    """Ask a task to stop; its row after. A pending one fails at once
    (nothing was done); a running one is stopped by its worker, which
    reads the request when it next writes its progress or renews its
    lease. Refused 'missing' or 'finished'."""
    row = session.execute(sa.select(TASKS.c.status).where(
        TASKS.c.id == task_id).with_for_update()).first()
    if row is None:
        raise Refused('missing')
    if row.status in FINISHED:
        raise Refused('finished')
    values = dict(cancel_requested=True, updated_at=now)
    if row.status == PENDING:
        values.update(status=FAILURE, message=message)
    session.execute(TASKS.update().where(TASKS.c.id == task_id)
                    .values(**values))
    return _row(session.execute(sa.select(*_COLUMNS).where(
        TASKS.c.id == task_id)).first())


@api.reader
def candidates(context, conn, now, limit):
    """Ids of tasks a worker may claim: pending ones, oldest first, and
    running ones whose lease expired (their worker died)."""
    pending = conn.execute(sa.select(TASKS.c.id).where(
        TASKS.c.status == PENDING).order_by(TASKS.c.created_at)
        .limit(limit)).scalars().all()
    expired = conn.execute(sa.select(TASKS.c.id).where(
        TASKS.c.status == RUNNING, TASKS.c.lease_expires_at < now)
        .order_by(TASKS.c.lease_expires_at).limit(limit)).scalars().all()
    return expired + pending


@api.writer
def claim(context, session, task_id, token, now, until):
    """Take the task for the claim token until `until`: its row after
    (attempts counted), or None when another worker has it."""
    done = session.execute(TASKS.update().where(
        TASKS.c.id == task_id, _claimable(now)).values(
        status=RUNNING, lease_owner=token, lease_expires_at=until,
        attempts=TASKS.c.attempts + 1, updated_at=now))
    if done.rowcount != 1:
        return None
    return _row(session.execute(sa.select(*_COLUMNS).where(
        TASKS.c.id == task_id)).first())


@api.writer
def renew(context, session, leases, until):
    """Extend the leases [(task id, token)] still held; {task id:
    cancel_requested} of those (a task missing from it was lost)."""
    held = {}
    for task_id, token in leases:
        done = session.execute(TASKS.update().where(
            _held(task_id, token)).values(lease_expires_at=until))
        if done.rowcount == 1:
            held[task_id] = None
    if held:
        for task_id, cancel in session.execute(sa.select(
                TASKS.c.id, TASKS.c.cancel_requested).where(
                TASKS.c.id.in_(sorted(held)))):
            held[task_id] = bool(cancel)
    return held


@api.writer
def report(context, session, task_id, token, now, **values):
    """Write progress, message, artifact_id or type_name of a task the
    token holds; its cancel_requested, or None when the lease was lost."""
    done = session.execute(TASKS.update().where(_held(task_id, token))
                           .values(updated_at=now, **values))
    if done.rowcount != 1:
        return None
    return bool(session.execute(sa.select(TASKS.c.cancel_requested).where(
        TASKS.c.id == task_id)).scalar())


@api.writer
def finish(context, session, task_id, token, now, status, message,
           progress=None):
    """End a task the token holds (success or failure); False when the
    lease was lost (another worker has the task)."""
    values = dict(status=status, message=message, updated_at=now,
                  lease_owner=None, lease_expires_at=None)
    if progress is not None:
        values['progress'] = progress
    done = session.execute(TASKS.update().where(_held(task_id, token))
                           .values(**values))
    return done.rowcount == 1


@api.writer
def release(context, session, task_id, token, now, message):
    """Give a task the token holds back: pending again, its attempt not
    counted (the worker stops, the task is not at fault). False when the
    lease was lost."""
    done = session.execute(TASKS.update().where(_held(task_id, token))
                           .values(status=PENDING, lease_owner=None,
                                   lease_expires_at=None, progress=0.0,
                                   message=message, updated_at=now,
                                   attempts=TASKS.c.attempts - 1))
    return done.rowcount == 1


@api.reader
def ended_before(context, conn, before, limit):
    """Ids of up to limit tasks that ended (success or failure) before
    `before`, the oldest first."""
    return conn.execute(sa.select(TASKS.c.id).where(
        TASKS.c.status.in_(FINISHED), TASKS.c.updated_at < before)
        .order_by(TASKS.c.created_at).limit(limit)).scalars().all()


@api.writer
def purge(context, session, task_ids):
    """Delete the tasks task_ids that ended; how many."""
    return session.execute(TASKS.delete().where(
        TASKS.c.id.in_(task_ids), TASKS.c.status.in_(FINISHED))).rowcount
