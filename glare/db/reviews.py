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

"""Stars and reviews of artifacts, and the artifact row's counters of them.

Every write locks the artifact's row first (SELECT ... FOR UPDATE; SQLite's
writers hold the database's write lock from BEGIN IMMEDIATE), then writes
the star or review row and the counters in the same transaction: the
counters always equal what the rows say, however many requests race, and
one lock order (artifact, then its star or review rows) leaves no room for
deadlocks between them.
"""

from oslo_db import exception as db_exc
import sqlalchemy as sa

from glare.db import api
from glare.db import models

ARTIFACTS = models.Artifact.__table__
MEMBERS = models.ArtifactMember.__table__
STARS = models.ArtifactStar.__table__
REVIEWS = models.ArtifactReview.__table__

_REVIEW_COLS = ('id', 'artifact_id', 'user_id', 'project_id', 'rating',
                'comment', 'hidden', 'created_at', 'updated_at')


class Refused(Exception):
    """A write the rows as they are now do not allow.

    reason: 'gone' (the artifact is deleted or no longer exists),
    'duplicate' (the user reviewed it already) or 'missing' (no such
    review of the artifact).
    """

    def __init__(self, reason):
        super().__init__(reason)
        self.reason = reason


def _lock_artifact(session, artifact_id):
    """The artifact's rating counters, its row locked; Refused 'gone'."""
    row = session.execute(sa.select(
        ARTIFACTS.c.status, ARTIFACTS.c.rating_count, ARTIFACTS.c.rating_sum)
        .where(ARTIFACTS.c.id == artifact_id).with_for_update()).first()
    if row is None or row.status == 'deleted':
        raise Refused('gone')
    return row


# -- stars -------------------------------------------------------------------

@api.writer
def star(context, session, artifact_id, user_id, now):
    """Star an artifact for a user; whether a star was added (False: the
    user had starred it already)."""
    _lock_artifact(session, artifact_id)
    if session.execute(sa.select(STARS.c.user_id).where(
            STARS.c.artifact_id == artifact_id,
            STARS.c.user_id == user_id)).first() is not None:
        return False
    session.execute(STARS.insert().values(artifact_id=artifact_id,
                                          user_id=user_id, created_at=now))
    session.execute(ARTIFACTS.update().where(ARTIFACTS.c.id == artifact_id)
                    .values(star_count=ARTIFACTS.c.star_count + 1))
    return True


@api.writer
def unstar(context, session, artifact_id, user_id):
    """Remove a user's star; whether there was one."""
    _lock_artifact(session, artifact_id)
    done = session.execute(STARS.delete().where(
        STARS.c.artifact_id == artifact_id, STARS.c.user_id == user_id))
    if not done.rowcount:
        return False
    session.execute(ARTIFACTS.update().where(ARTIFACTS.c.id == artifact_id)
                    .values(star_count=ARTIFACTS.c.star_count - 1))
    return True


def _readable(project_id):
    """The artifacts a project may read by id (glare.services.access.sees
    in SQL): open ones, its own, shared ones it is a member of."""
    parts = [ARTIFACTS.c.visibility.in_(('public', 'community'))]
    if project_id:
        parts += [ARTIFACTS.c.owner == project_id,
                  sa.and_(ARTIFACTS.c.visibility == 'shared',
                          ARTIFACTS.c.id.in_(sa.select(
                              MEMBERS.c.artifact_id).where(
                              MEMBERS.c.member == project_id)))]
    return sa.or_(*parts)


@api.reader
def starred(context, conn, user_id, project_id, see_all, limit,
            marker=None):
    """[(artifact id, starred at)] of a page of the user's stars on
    artifacts the caller may read, newest first. see_all: an admin's (no
    visibility rule); marker: the artifact id of the previous page's last
    star; Refused 'missing' when the user has no star on it."""
    query = sa.select(STARS.c.artifact_id, STARS.c.created_at).join(
        ARTIFACTS, ARTIFACTS.c.id == STARS.c.artifact_id).where(
        STARS.c.user_id == user_id, ARTIFACTS.c.status != 'deleted')
    if not see_all:
        query = query.where(_readable(project_id))
    if marker is not None:
        at = conn.execute(sa.select(STARS.c.created_at).where(
            STARS.c.user_id == user_id,
            STARS.c.artifact_id == marker)).scalar()
        if at is None:
            raise Refused('missing')
        query = query.where(sa.or_(
            STARS.c.created_at < at,
            sa.and_(STARS.c.created_at == at, STARS.c.artifact_id > marker)))
    rows = conn.execute(query.order_by(STARS.c.created_at.desc(),
                                       STARS.c.artifact_id).limit(limit))
    return [(r.artifact_id, r.created_at) for r in rows]


# -- reviews -----------------------------------------------------------------

def _doc(row):
    return {k: getattr(row, k) for k in _REVIEW_COLS}


def _counted(review):
    """(count, sum) a review adds to its artifact's rating."""
    return (0, 0) if review['hidden'] else (1, review['rating'])


def _recount(session, artifact_id, locked, before, after):
    """Move the artifact's rating from review before to after (None: no
    review), on the counters read under its lock."""
    old, new = _counted(before) if before else (0, 0), \
        _counted(after) if after else (0, 0)
    if old == new:
        return
    count = locked.rating_count - old[0] + new[0]
    total = locked.rating_sum - old[1] + new[1]
    session.execute(ARTIFACTS.update().where(ARTIFACTS.c.id == artifact_id)
                    .values(rating_count=count, rating_sum=total,
                            rating_average=total / count if count else None))


def _review(session, artifact_id, review_id):
    row = session.execute(sa.select(REVIEWS).where(
        REVIEWS.c.id == review_id,
        REVIEWS.c.artifact_id == artifact_id)).first()
    if row is None:
        raise Refused('missing')
    return _doc(row)


@api.writer
def add_review(context, session, review):
    """Insert a review (a dict of its columns); Refused 'duplicate' when
    its user reviewed the artifact already."""
    artifact_id = review['artifact_id']
    locked = _lock_artifact(session, artifact_id)
    if session.execute(sa.select(REVIEWS.c.id).where(
            REVIEWS.c.artifact_id == artifact_id,
            REVIEWS.c.user_id == review['user_id'])).first() is not None:
        raise Refused('duplicate')
    try:
        session.execute(REVIEWS.insert().values(**review))
        session.flush()
    except db_exc.DBDuplicateEntry as exc:
        raise Refused('duplicate') from exc
    _recount(session, artifact_id, locked, None, review)
    return dict(review)


@api.writer
def update_review(context, session, artifact_id, review_id, changes):
    """Change a review's columns; (before, after)."""
    locked = _lock_artifact(session, artifact_id)
    before = _review(session, artifact_id, review_id)
    after = dict(before, **changes)
    session.execute(REVIEWS.update().where(REVIEWS.c.id == review_id)
                    .values(**changes))
    _recount(session, artifact_id, locked, before, after)
    return before, after


@api.writer
def delete_review(context, session, artifact_id, review_id):
    """Remove a review; the review as it was."""
    locked = _lock_artifact(session, artifact_id)
    before = _review(session, artifact_id, review_id)
    session.execute(REVIEWS.delete().where(REVIEWS.c.id == review_id))
    _recount(session, artifact_id, locked, before, None)
    return before


@api.reader
def get_review(context, conn, artifact_id, review_id):
    """A review of the artifact, or Refused 'missing'."""
    return _review(conn, artifact_id, review_id)


@api.reader
def list_reviews(context, conn, artifact_id, limit, marker=None,
                 hidden_for=None):
    """A page of an artifact's reviews, newest first.

    hidden_for: whose hidden reviews are listed too: True (all of them),
    a user id (that user's own) or None (none). marker: the id of the
    previous page's last review (Refused 'missing' when not listed).
    """
    query = sa.select(REVIEWS).where(REVIEWS.c.artifact_id == artifact_id)
    if hidden_for is not True:
        shown = REVIEWS.c.hidden == sa.false()
        if hidden_for is not None:
            shown = sa.or_(shown, REVIEWS.c.user_id == hidden_for)
        query = query.where(shown)
    if marker is not None:
        mark = conn.execute(query.with_only_columns(REVIEWS.c.created_at)
                            .where(REVIEWS.c.id == marker)).scalar()
        if mark is None:
            raise Refused('missing')
        query = query.where(sa.or_(
            REVIEWS.c.created_at < mark,
            sa.and_(REVIEWS.c.created_at == mark, REVIEWS.c.id < marker)))
    rows = conn.execute(query.order_by(REVIEWS.c.created_at.desc(),
                                       REVIEWS.c.id.desc()).limit(limit))
    return [_doc(r) for r in rows]
