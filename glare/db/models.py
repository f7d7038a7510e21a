"""SQLAlchemy models of the Glare schema (mirrored by the migrations)."""

from sqlalchemy import BigInteger
from sqlalchemy import Boolean
from sqlalchemy import Column
from sqlalchemy import DateTime
from sqlalchemy import Double
from sqlalchemy import ForeignKey
from sqlalchemy import Index
from sqlalchemy import Integer
from sqlalchemy import orm
from sqlalchemy import String
from sqlalchemy import text
from sqlalchemy import Text
from sqlalchemy import UniqueConstraint
from sqlalchemy.dialects import mysql

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


class Artifact(Base):
    """One artifact; base fields are columns, the rest are properties."""

    __tablename__ = 'glare_artifacts'
    __table_args__ = (
        Index('ix_glare_artifact_type_owner', 'type_name', 'owner'),
        Index('ix_glare_artifact_type_created', 'type_name', 'created_at'),
        Index('ix_glare_artifact_name_version', 'type_name', 'name',
              'version_prefix', 'version_suffix'),
        Index('ix_glare_artifact_visibility', 'visibility'),
        Index('ix_glare_artifact_status', 'status'),
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
    status = Column(String(32), nullable=False)
    content_type = Column(String(255), nullable=True)
    created_at = Column(Timestamp, nullable=False)
    updated_at = Column(Timestamp, nullable=False)
