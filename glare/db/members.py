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

"""Artifact members: the projects a shared artifact is shared with."""

from oslo_db import exception as db_exc
import sqlalchemy as sa

from glare.db import api
from glare.db import fulltext
from glare.db import models

ARTIFACTS = models.Artifact.__table__
MEMBERS = models.ArtifactMember.__table__

STATUSES = ('pending', 'accepted', 'rejected')


class Refused(Exception):
    """A member write that the rows as they are now do not allow.

    reason: 'gone' (the artifact is deleted or no longer exists),
    'not_shared', 'duplicate', 'too_many' or 'missing' (no such member).
    """

    def __init__(self, reason, artifact_id):
        super().__init__(reason)
        self.reason = reason
        self.artifact_id = artifact_id


def _doc(row):
    return {'artifact_id': row.artifact_id, 'member': row.member,
            'status': row.status, 'created_at': row.created_at,
            'updated_at': row.updated_at}


_COLS = (MEMBERS.c.artifact_id, MEMBERS.c.member, MEMBERS.c.status,
         MEMBERS.c.created_at, MEMBERS.c.updated_at)


@api.reader
def list_members(context, conn, artifact_id, member=None):
    """The member rows of an artifact (only member's, when given), oldest
    first."""
    query = sa.select(*_COLS).where(MEMBERS.c.artifact_id == artifact_id)
    if member is not None:
        query = query.where(MEMBERS.c.member == member)
    return [_doc(r) for r in conn.execute(query.order_by(
        MEMBERS.c.created_at, MEMBERS.c.member))]


@api.reader
def status_of(context, conn, artifact_id, member):
    """The status of member on an artifact, or None."""
    return conn.execute(sa.select(MEMBERS.c.status).where(
        MEMBERS.c.artifact_id == artifact_id,
        MEMBERS.c.member == member)).scalar()


@api.reader
def granted(context, conn, artifact_ids, members):
    """{(artifact id, member)} of the member rows among those artifacts
    and projects, whatever their status (one query)."""
    if not artifact_ids or not members:
        return set()
    rows = conn.execute(sa.select(MEMBERS.c.artifact_id, MEMBERS.c.member)
                        .where(MEMBERS.c.artifact_id.in_(
                            sorted(artifact_ids)),
                            MEMBERS.c.member.in_(sorted(members))))
    return {(r.artifact_id, r.member) for r in rows}


def _lock_artifact(session, artifact_id):
    """(visibility, status) of the artifact, its row locked, or None.

    The lock serialises the member writes of one artifact across API
    workers: the count checked against the limit stays true until the
    insert commits, and a visibility change cannot slip in between.
    """
    row = session.execute(sa.select(ARTIFACTS.c.visibility,
                                    ARTIFACTS.c.status)
                          .where(ARTIFACTS.c.id == artifact_id)
                          .with_for_update()).first()
    return None if row is None else (row.visibility, row.status)


def _insert(session, artifact_id, member, now, limit):
    count = session.execute(sa.select(sa.func.count()).select_from(MEMBERS)
                            .where(MEMBERS.c.artifact_id == artifact_id)
                            ).scalar()
    exists = session.execute(sa.select(MEMBERS.c.status).where(
        MEMBERS.c.artifact_id == artifact_id,
        MEMBERS.c.member == member)).first()
    if exists is not None:
        raise Refused('duplicate', artifact_id)
    if count >= limit:
        raise Refused('too_many', artifact_id)
    try:
        session.execute(MEMBERS.insert().values(
            artifact_id=artifact_id, member=member, status='pending',
            created_at=now, updated_at=now))
    except db_exc.DBDuplicateEntry as exc:
        raise Refused('duplicate', artifact_id) from exc
    return {'artifact_id': artifact_id, 'member': member,
            'status': 'pending', 'created_at': now, 'updated_at': now}


@api.writer
def add(context, session, artifact_id, member, now, limit,
        share_first=(), also=()):
    """Add member (pending) to a shared artifact; its document.

    share_first: ids of private artifacts to make shared first (their
    write bumps their revision), and also: ids of shared artifacts that
    get the same member, all in this one transaction: every row is
    written or none is. Refused on what the locked rows do not allow.
    """
    for dep_id in share_first:
        state = _lock_artifact(session, dep_id)
        if state is None or state[1] == 'deleted':
            raise Refused('gone', dep_id)
        if state[0] != 'private':
            raise Refused('not_shared', dep_id)
        # private and shared have the same uniqueness scope (the owner):
        # the unique key stays; the revision moves, as for every write
        session.execute(ARTIFACTS.update().where(ARTIFACTS.c.id == dep_id)
                        .values(visibility='shared', updated_at=now,
                                revision=ARTIFACTS.c.revision + 1))
        fulltext.sync(session, dep_id, {'visibility': 'shared',
                                        'updated_at': now})
    for dep_id in also:
        _add_checked(session, dep_id, member, now, limit, skip_dup=True)
    for dep_id in share_first:
        _insert(session, dep_id, member, now, limit)
    return _add_checked(session, artifact_id, member, now, limit)


def _add_checked(session, artifact_id, member, now, limit, skip_dup=False):
    state = _lock_artifact(session, artifact_id)
    if state is None or state[1] == 'deleted':
        raise Refused('gone', artifact_id)
    if state[0] != 'shared':
        raise Refused('not_shared', artifact_id)
    try:
        return _insert(session, artifact_id, member, now, limit)
    except Refused as exc:
        if skip_dup and exc.reason == 'duplicate':
            return None
        raise


@api.writer
def set_status(context, session, artifact_id, member, status, now):
    """The member's document with its new status; Refused 'missing'."""
    state = _lock_artifact(session, artifact_id)
    if state is None or state[1] == 'deleted':
        raise Refused('gone', artifact_id)
    if state[0] != 'shared':
        raise Refused('not_shared', artifact_id)
    done = session.execute(MEMBERS.update().where(
        MEMBERS.c.artifact_id == artifact_id,
        MEMBERS.c.member == member).values(status=status, updated_at=now))
    if not done.rowcount:
        raise Refused('missing', artifact_id)
    row = session.execute(sa.select(*_COLS).where(
        MEMBERS.c.artifact_id == artifact_id,
        MEMBERS.c.member == member)).one()
    return _doc(row)


@api.writer
def remove(context, session, artifact_id, member):
    """Delete a member row; Refused 'missing' when there is none."""
    done = session.execute(MEMBERS.delete().where(
        MEMBERS.c.artifact_id == artifact_id, MEMBERS.c.member == member))
    if not done.rowcount:
        raise Refused('missing', artifact_id)


def delete_all(session, artifact_id):
    """Inside a purge: the member rows of an artifact."""
    session.execute(MEMBERS.delete().where(
        MEMBERS.c.artifact_id == artifact_id))
