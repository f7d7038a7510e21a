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

"""SQLAlchemy models of the Glare schema (mirrored by the migrations)."""

from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import Date
from sqlalchemy import DateTime
from sqlalchemy import Double
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import LargeBinary
from sqlalchemy import orm
from sqlalchemy import String
from sqlalchemy import text
from sqlalchemy import false as sa_false
from sqlalchemy import true as sa_true
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy import event
from sqlalchemy.dialects import mysql
from sqlalchemy.dialects import postgresql

#: longest string kept in the indexed column; longer ones go to text_value
INDEXED_STRING_LEN = 255

Base = orm.declarative_base()
# Binary collation: MySQL's default one compares case-insensitively, which
# would make tags or folder keys differing only in case collide in the
# unique keys and filters match differently than on SQLite and PostgreSQL.
_TABLE_ARGS = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
               'mysql_collate': 'utf8mb4_bin'}
# MySQL's DATETIME drops fractions of a second unless asked to keep them;
# the default sort (created_at desc) needs them to order artifacts made
# within one second the same way on every backend.
Timestamp = DateTime().with_variant(mysql.DATETIME(fsp=6), 'mysql',
                                    'mariadb')
# MySQL's TEXT holds 64 KiB (bytes) only
LongText = Text().with_variant(mysql.MEDIUMTEXT(), 'mysql', 'mariadb')


class Artifact(Base):
    """One artifact; base fields are columns, the rest are properties."""

    __tablename__ = 'glare_artifacts'
    __table_args__ = (
        Index('ix_glare_artifact_type_owner', 'type_name', 'owner'),
        Index('ix_glare_artifact_type_created', 'type_name', 'created_at'),
        Index('ix_glare_artifact_name_version', 'type_name', 'name',
              'version_prefix', 'version_suffix'),
        Index('ix_glare_artifact_status', 'status'),
        # the parts of a list's visibility scope (query.count_statement):
        # public and community of a type, counted from the index alone
        # and walked newest first; a project's own artifacts of any type;
        # newest first of any type
        Index('ix_glare_artifact_type_visibility', 'type_name', 'visibility',
              'created_at', 'status'),
        Index('ix_glare_artifact_owner_type', 'owner', 'type_name'),
        # the same across types (/artifacts/all)
        Index('ix_glare_artifact_visibility_created', 'visibility',
              'created_at', 'status'),
        Index('ix_glare_artifact_created', 'created_at'),
        # sort=downloads within a type
        Index('ix_glare_artifact_type_downloads', 'type_name',
              'downloads_total'),
        # named, so that later migrations can drop or change it portably
        UniqueConstraint('uniq_key', name='uq_glare_artifact_uniq_key'),
        _TABLE_ARGS,
    )

    id = Column(String(36), primary_key=True)
    type_name = Column(String(255), nullable=False)
    name = Column(String(255), nullable=False)
    version_prefix = Column(BigInteger, nullable=False)
    version_suffix = Column(String(255), nullable=False)
    version_meta = Column(String(255), nullable=False)
    description = Column(Text, nullable=True)
    visibility = Column(String(32), nullable=False)
    status = Column(String(32), nullable=False)
    owner = Column(String(255), nullable=False)
    created_at = Column(Timestamp, nullable=False)
    updated_at = Column(Timestamp, nullable=False)
    activated_at = Column(Timestamp, nullable=True)
    # sha256 of (type, name, version, scope): scope is the owner for private
    # artifacts, 'public' for public ones and NULL once deleted, so the
    # database itself enforces the uniqueness rules, even across workers.
    uniq_key = Column(String(64), nullable=True)
    # bumped by every write to the artifact (fields, status, blobs): the
    # ETag clients send back in If-Match, compared under the row's lock
    revision = Column(BigInteger, nullable=False, server_default='0')
    # where an imported artifact came from (NULL for artifacts made here):
    # read with the row, so that showing and listing cost no extra query
    origin_id = Column(String(36), nullable=True)
    origin_cloud_id = Column(String(255), nullable=True)
    origin_upstream = Column(String(255), nullable=True)
    # the sha256 digest of the bundle manifest it came in
    origin_digest = Column(String(71), nullable=True)
    # catalog signals (API 1.6), kept up to date in the transaction of each
    # star and review write, so that lists show and sort them from the row:
    # the visible reviews' rating_sum / rating_count is rating_average,
    # NULL while there are none
    star_count = Column(BigInteger, nullable=False, server_default='0')
    rating_count = Column(BigInteger, nullable=False, server_default='0')
    rating_sum = Column(BigInteger, nullable=False, server_default='0')
    rating_average = Column(Double, nullable=True)
    # every counted download (API 1.6), added with the per-day rows of
    # glare_artifact_downloads in each flush: lists sort and filter on it
    downloads_total = Column(BigInteger, nullable=False, server_default='0')
    # the downloads of the 30 days up to downloads_recent_day (UTC), as the
    # last flush that counted the artifact summed them: reads of artifacts
    # downloaded today take last_30_days from the row, with no query
    downloads_recent = Column(BigInteger, nullable=False, server_default='0')
    downloads_recent_day = Column(Date, nullable=True)


class ArtifactTag(Base):
    __tablename__ = 'glare_artifact_tags'
    __table_args__ = (
        UniqueConstraint('artifact_id', 'value',
                         name='uq_glare_artifact_tag'),
        Index('ix_glare_artifact_tags_value', 'value'),
        _TABLE_ARGS,
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    artifact_id = Column(String(36), ForeignKey('glare_artifacts.id',
                                                ondelete='CASCADE'),
                         nullable=False)
    value = Column(String(255), nullable=False)


def _value_index(suffix, column):
    """(name, column, artifact_id) over the rows whose column is set.

    A property row sets one value column. Full indexes on the int, numeric,
    bool and key columns held every row of every kind, mostly NULLs:
    creating a sample artifact wrote 115 database pages, 52 with these
    partial. A comparison on the column implies it is not NULL, so SQLite
    and PostgreSQL use them for every filter; MySQL has no partial indexes
    and gets full ones. The string index stays full: LIKE also searches
    text_value, where string_value is NULL, through it.
    """
    where = text('%s IS NOT NULL' % column)
    return Index('ix_glare_prop_name_' + suffix, 'name', column,
                 'artifact_id', sqlite_where=where, postgresql_where=where)


class ArtifactProperty(Base):
    """A custom field value; list items have a position, dict items a key."""

    __tablename__ = 'glare_artifact_properties'
    __table_args__ = (
        Index('ix_glare_prop_artifact', 'artifact_id'),
        Index('ix_glare_prop_name_string', 'name', 'string_value',
              'artifact_id'),
        _value_index('int', 'int_value'),
        _value_index('numeric', 'numeric_value'),
        _value_index('bool', 'bool_value'),
        _value_index('key', 'key_name'),
        _TABLE_ARGS,
    )

    id = Column(Integer, primary_key=True, autoincrement=True)
    artifact_id = Column(String(36), ForeignKey('glare_artifacts.id',
                                                ondelete='CASCADE'),
                         nullable=False)
    name = Column(String(255), nullable=False)
    string_value = Column(String(INDEXED_STRING_LEN), nullable=True)
    text_value = Column(Text, nullable=True)
    int_value = Column(BigInteger, nullable=True)
    # DOUBLE everywhere: a plain FLOAT is single precision on MySQL
    numeric_value = Column(Double, nullable=True)
    bool_value = Column(Boolean, nullable=True)
    key_name = Column(String(255), nullable=True)
    position = Column(Integer, nullable=True)


class ArtifactBlob(Base):
    """A blob (or one folder entry) of an artifact; url is internal."""

    __tablename__ = 'glare_artifact_blobs'
    __table_args__ = (
        UniqueConstraint('artifact_id', 'name', 'key_name',
                         name='uq_glare_artifact_blob'),
        Index('ix_glare_blob_status', 'status'),
        _TABLE_ARGS,
    )

    id = Column(String(36), primary_key=True)
    artifact_id = Column(String(36), ForeignKey('glare_artifacts.id',
                                                ondelete='CASCADE'),
                         nullable=False)
    name = Column(String(255), nullable=False)
    # '' for a plain blob field, the folder key otherwise
    key_name = Column(String(255), nullable=False, default='')
    size = Column(BigInteger, nullable=True)
    md5 = Column(String(32), nullable=True)
    sha1 = Column(String(40), nullable=True)
    sha256 = Column(String(64), nullable=True)
    external = Column(Boolean, nullable=False, default=False)
    url = Column(Text, nullable=True)
    # False for an internal location an admin set: the data was not
    # written by the service, so it never deletes it
    managed = Column(Boolean, nullable=False, server_default=sa_true())
    status = Column(String(32), nullable=False)
    content_type = Column(String(255), nullable=True)
    created_at = Column(Timestamp, nullable=False)
    updated_at = Column(Timestamp, nullable=False)
    # the verified signature record of this data (JSON, see
    # glare.services.signatures); reset whenever the data changes
    signature = Column(LongText, nullable=True)


class BlobUpload(Base):
    """Blob data being written to a store: the lock and the undo record.

    One row per upload in flight, unique per blob, so a second upload of
    the same blob conflicts in the database. ``reserved`` bytes count
    against the owner's data quota until the upload ends. A row whose
    heartbeat stopped belongs to a worker that died: the API at start-up
    and glare-scrubber remove its partial data and restore the blob.
    """

    __tablename__ = 'glare_blob_uploads'
    __table_args__ = (
        UniqueConstraint('artifact_id', 'blob_name', 'key_name',
                         name='uq_glare_blob_upload'),
        Index('ix_glare_blob_upload_owner', 'owner', 'type_name'),
        Index('ix_glare_blob_upload_heartbeat', 'heartbeat_at'),
        _TABLE_ARGS,
    )

    # also the id of the data in the store
    id = Column(String(36), primary_key=True)
    # no foreign key: the record must outlive a purged artifact
    artifact_id = Column(String(36), nullable=False)
    blob_name = Column(String(255), nullable=False)
    key_name = Column(String(255), nullable=False)
    type_name = Column(String(255), nullable=False)
    owner = Column(String(255), nullable=False)
    reserved = Column(BigInteger, nullable=False)
    store = Column(String(255), nullable=False)
    # where the partial data is, when the store can tell before writing
    location = Column(Text, nullable=True)
    created_at = Column(Timestamp, nullable=False)
    heartbeat_at = Column(Timestamp, nullable=False)


class StoreTrash(Base):
    """Store data no blob refers to any more, waiting to be deleted.

    Written in the transaction that drops the reference (a re-upload, a
    purge), then removed once the store has deleted the data: a crash in
    between leaves a row here, not an orphan in the store.
    """

    __tablename__ = 'glare_store_trash'
    __table_args__ = (_TABLE_ARGS,)

    id = Column(Integer, primary_key=True, autoincrement=True)
    location = Column(Text, nullable=False)
    created_at = Column(Timestamp, nullable=False)


class Quota(Base):
    """A per-project quota set through PUT /quotas."""

    __tablename__ = 'glare_quotas'
    __table_args__ = (_TABLE_ARGS,)

    project_id = Column(String(255), primary_key=True)
    quota_name = Column(String(255), primary_key=True)
    quota_value = Column(BigInteger, nullable=False)


class ProjectLock(Base):
    """A row per project, locked (FOR UPDATE) while quotas are checked.

    Serialises the count-then-write of concurrent creates and uploads of
    one project across API workers, so a quota is never overshot.
    """

    __tablename__ = 'glare_project_locks'
    __table_args__ = (_TABLE_ARGS,)

    project_id = Column(String(255), primary_key=True)


# LONGBLOB on MySQL: its BLOB holds 64 KiB only
Chunk = LargeBinary().with_variant(mysql.LONGBLOB(), 'mysql', 'mariadb')


class BlobDataChunk(Base):
    """The "database" store: blob data as ordered chunks of bounded size."""

    __tablename__ = 'glare_blob_data_chunks'
    __table_args__ = (_TABLE_ARGS,)

    data_id = Column(String(36), primary_key=True)
    position = Column(Integer, primary_key=True, autoincrement=False)
    data = Column(Chunk, nullable=False)


class ArtifactMember(Base):
    """A project an artifact is shared with, and its answer (status).

    The (member, status, artifact_id) index answers "the artifacts shared
    with this project in these statuses" inside the list query.
    """

    __tablename__ = 'glare_artifact_members'
    __table_args__ = (
        Index('ix_glare_member_member', 'member', 'status', 'artifact_id'),
        _TABLE_ARGS,
    )

    artifact_id = Column(String(36), ForeignKey('glare_artifacts.id',
                                                ondelete='CASCADE'),
                         primary_key=True)
    member = Column(String(255), primary_key=True)
    status = Column(String(20), nullable=False)
    created_at = Column(Timestamp, nullable=False)
    updated_at = Column(Timestamp, nullable=False)


class ArtifactDownloads(Base):
    """The downloads of an artifact counted on one day (UTC)."""

    __tablename__ = 'glare_artifact_downloads'
    __table_args__ = (_TABLE_ARGS,)

    artifact_id = Column(String(36), ForeignKey('glare_artifacts.id',
                                                ondelete='CASCADE'),
                         primary_key=True)
    day = Column(Date, primary_key=True)
    count = Column(BigInteger, nullable=False)


class ArtifactStar(Base):
    """A user's star on an artifact: one per (artifact, user)."""

    __tablename__ = 'glare_artifact_stars'
    __table_args__ = (
        # a user's stars, newest first (GET /stars)
        Index('ix_glare_star_user_created', 'user_id', 'created_at',
              'artifact_id'),
        _TABLE_ARGS,
    )

    artifact_id = Column(String(36), ForeignKey('glare_artifacts.id',
                                                ondelete='CASCADE'),
                         primary_key=True)
    user_id = Column(String(255), primary_key=True)
    created_at = Column(Timestamp, nullable=False)


class ArtifactReview(Base):
    """A user's review of an artifact: one per (artifact, user)."""

    __tablename__ = 'glare_artifact_reviews'
    __table_args__ = (
        UniqueConstraint('artifact_id', 'user_id',
                         name='uq_glare_review_artifact_user'),
        # an artifact's reviews, newest first
        Index('ix_glare_review_artifact_created', 'artifact_id',
              'created_at', 'id'),
        _TABLE_ARGS,
    )

    id = Column(String(36), primary_key=True)
    artifact_id = Column(String(36), ForeignKey('glare_artifacts.id',
                                                ondelete='CASCADE'),
                         nullable=False)
    user_id = Column(String(255), nullable=False)
    project_id = Column(String(255), nullable=False)
    rating = Column(Integer, nullable=False)
    comment = Column(Text, nullable=True)
    hidden = Column(Boolean, nullable=False, server_default=sa_false())
    created_at = Column(Timestamp, nullable=False)
    updated_at = Column(Timestamp, nullable=False)


def _fulltext(name, *columns):
    return Index(name, *columns, mysql_prefix='FULLTEXT').ddl_if(
        dialect=('mysql', 'mariadb'))


class ArtifactSearch(Base):
    """The words of an artifact full-text search looks in (glare.db.
    fulltext): name (a), tags and keywords (b), description (c), other
    string fields (d), as each backend stores them."""

    __tablename__ = 'glare_artifact_search'
    __table_args__ = (
        UniqueConstraint('artifact_id', name='uq_glare_search_artifact'),
        # MySQL: the match over all parts (or the first three), and a
        # score per part
        _fulltext('ix_glare_search_all', 'a', 'b', 'c', 'd'),
        _fulltext('ix_glare_search_abc', 'a', 'b', 'c'),
        _fulltext('ix_glare_search_a', 'a'),
        _fulltext('ix_glare_search_b', 'b'),
        _fulltext('ix_glare_search_c', 'c'),
        _fulltext('ix_glare_search_d', 'd'),
        # PostgreSQL
        Index('ix_glare_search_tsv', 'tsv', postgresql_using='gin').ddl_if(
            dialect='postgresql'),
        # PostgreSQL: the public part of a common word's matches, through
        # a BitmapAnd with the GIN index (an anonymous caller's search)
        Index('ix_glare_search_visibility', 'visibility',
              'type_name').ddl_if(dialect='postgresql'),
        _TABLE_ARGS,
    )

    # SQLite: the FTS5 table's rowid (an alias of the rowid, kept by
    # VACUUM)
    id = Column(Integer, primary_key=True, autoincrement=True)
    artifact_id = Column(String(36), ForeignKey('glare_artifacts.id',
                                                ondelete='CASCADE'),
                         nullable=False)
    a = Column(Text, nullable=False)
    b = Column(Text, nullable=False)
    c = Column(LongText, nullable=False)
    d = Column(LongText, nullable=False)
    # PostgreSQL only (elsewhere an empty column)
    tsv = Column(Text().with_variant(postgresql.TSVECTOR(), 'postgresql'),
                 nullable=True)
    # the artifact's columns a search decides on and sorts by: copies, in
    # step with the artifact's row, so that counting and ordering the
    # matches of a common word never looks up each of them there
    type_name = Column(String(255), nullable=False)
    owner = Column(String(255), nullable=False)
    visibility = Column(String(32), nullable=False)
    status = Column(String(32), nullable=False)
    created_at = Column(Timestamp, nullable=False)
    updated_at = Column(Timestamp, nullable=False)


def _sqlite_fts(target, connection, **kw):
    if connection.dialect.name == 'sqlite':
        from glare.db.fulltext import sqlite as fts_sqlite
        for statement in fts_sqlite.DDL:
            connection.exec_driver_sql(statement)


event.listen(ArtifactSearch.__table__, 'after_create', _sqlite_fts)


class Setting(Base):
    """A value the deployment keeps for itself (e.g. its cloud_id), the
    same for every API node."""

    __tablename__ = 'glare_settings'
    __table_args__ = (_TABLE_ARGS,)

    name = Column(String(64), primary_key=True)
    value = Column(String(255), nullable=False)


class TrustCertificate(Base):
    """A trust store entry: an X.509 certificate or a bare public key
    whose key verifies blob signatures, for one project or (owner NULL)
    for every project."""

    __tablename__ = 'glare_trust_certificates'
    __table_args__ = (
        Index('ix_glare_trust_owner_fingerprint', 'owner',
              'fingerprint_sha256'),
        _TABLE_ARGS,
    )

    id = Column(String(36), primary_key=True)
    name = Column(String(255), nullable=False)
    owner = Column(String(255), nullable=True)
    scope = Column(String(16), nullable=False)  # 'project' | 'global'
    kind = Column(String(16), nullable=False)  # 'certificate' | 'public_key'
    pem = Column(LongText, nullable=False)
    fingerprint_sha256 = Column(String(64), nullable=False)
    subject = Column(Text, nullable=True)
    not_before = Column(Timestamp, nullable=True)
    not_after = Column(Timestamp, nullable=True)
    created_at = Column(Timestamp, nullable=False)


class Task(Base):
    """A background task (an import from a URL, a conversion): what to do,
    who asked, how far it got, and which worker holds it.

    A worker claims a task by setting lease_owner and lease_expires_at in
    one conditional UPDATE (glare.db.tasks.claim) and renews the lease
    while it runs; a lease that expired belongs to a worker that died.
    """

    __tablename__ = 'glare_tasks'
    __table_args__ = (
        # the claims: pending ones oldest first, running ones by lease
        Index('ix_glare_task_status_lease', 'status', 'lease_expires_at'),
        Index('ix_glare_task_status_created', 'status', 'created_at'),
        # a project's tasks, newest first (GET /tasks); every project's
        Index('ix_glare_task_owner_created', 'owner', 'created_at'),
        Index('ix_glare_task_created', 'created_at'),
        _TABLE_ARGS,
    )

    id = Column(String(36), primary_key=True)
    type = Column(String(32), nullable=False)
    # pending | running | success | failure
    status = Column(String(16), nullable=False)
    progress = Column(Double, nullable=False, server_default='0')
    message = Column(Text, nullable=True)
    # the artifact the task works on or made (no foreign key: the task
    # outlives a deleted artifact)
    artifact_id = Column(String(36), nullable=True)
    type_name = Column(String(255), nullable=True)
    # the project that asked (tasks are visible to it and to admins)
    owner = Column(String(255), nullable=False)
    user_id = Column(String(255), nullable=True)
    # JSON: the kind's arguments; the identity the task runs with (no token)
    input = Column(LongText, nullable=False)
    identity = Column(Text, nullable=False)
    # '<worker>/<claim uuid>' of the claim that runs it, and until when
    lease_owner = Column(String(255), nullable=True)
    lease_expires_at = Column(Timestamp, nullable=True)
    attempts = Column(Integer, nullable=False, server_default='0')
    cancel_requested = Column(Boolean, nullable=False,
                              server_default=sa_false())
    created_at = Column(Timestamp, nullable=False)
    updated_at = Column(Timestamp, nullable=False)
