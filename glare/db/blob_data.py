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

"""Chunks of the "database" store: one short transaction per call."""

import sqlalchemy as sa

from glare.db import api
from glare.db import models

CHUNKS = models.BlobDataChunk.__table__


@api.writer
def insert_chunk(context, session, data_id, position, data):
    session.execute(CHUNKS.insert().values(data_id=data_id, position=position,
                                           data=data))


@api.reader
def get_chunk(context, conn, data_id, position):
    """The bytes of one chunk, or None when there is no such chunk."""
    data = conn.execute(sa.select(CHUNKS.c.data).where(
        CHUNKS.c.data_id == data_id, CHUNKS.c.position == position)).scalar()
    # psycopg2 gives bytea as a memoryview
    return None if data is None else bytes(data)


@api.reader
def last_chunk(context, conn, data_id):
    """(position, length) of the last chunk, or None when there is none.

    length() does not fetch the data: SQLite reads it from the record
    header, PostgreSQL from the TOAST pointer.
    """
    row = conn.execute(
        sa.select(CHUNKS.c.position, sa.func.length(CHUNKS.c.data))
        .where(CHUNKS.c.data_id == data_id)
        .order_by(CHUNKS.c.position.desc()).limit(1)).first()
    return None if row is None else (row[0], row[1])


@api.writer
def delete_last_chunks(context, session, data_id, count):
    """Delete the last ``count`` chunks; True while earlier ones remain.

    From the end backwards, so that an interrupted delete leaves a prefix
    of the data rather than a hole at its start.
    """
    top = session.execute(sa.select(sa.func.max(CHUNKS.c.position)).where(
        CHUNKS.c.data_id == data_id)).scalar()
    if top is None:
        return False
    session.execute(CHUNKS.delete().where(CHUNKS.c.data_id == data_id,
                                          CHUNKS.c.position > top - count))
    return top >= count


@api.reader
def max_packet(context, conn):
    """MySQL's max_allowed_packet for this connection; None elsewhere."""
    if conn.dialect.name not in ('mysql', 'mariadb'):
        return None
    return int(conn.exec_driver_sql('SELECT @@max_allowed_packet').scalar())
