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

"""The store trash: data no blob refers to any more, deleted after commit."""

import sqlalchemy as sa

from glare.db import api
from glare.db import models

BLOBS = models.ArtifactBlob.__table__
TRASH = models.StoreTrash.__table__


def put(session, location):
    """Trash a location in the caller's transaction: (trash id, location)."""
    return session.execute(TRASH.insert().values(
        location=location, created_at=api.now())).inserted_primary_key[0], \
        location


def artifact_data(session, artifact_id):
    """Put an artifact's stored data in the trash, in the purge's
    transaction; returns [(trash id, location)]."""
    rows = session.execute(sa.select(BLOBS.c.url).where(
        BLOBS.c.artifact_id == artifact_id, BLOBS.c.managed == sa.true(),
        BLOBS.c.external == sa.false(), BLOBS.c.url.is_not(None))).all()
    return [put(session, r.url) for r in rows]


@api.reader
def list_trash(context, conn, limit=100):
    return conn.execute(sa.select(TRASH).order_by(TRASH.c.id)
                        .limit(limit)).all()


@api.writer
def remove_trash(context, session, trash_ids):
    if trash_ids:
        session.execute(TRASH.delete().where(TRASH.c.id.in_(trash_ids)))
