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

"""Trust store entries: certificates and public keys, of a project or all."""

import sqlalchemy as sa

from glare.db import api
from glare.db import models
from glare.db import quotas
from glare import exception

TRUST = models.TrustCertificate.__table__
#: the lock row serialising writes of global entries (no project id is
#: made of these characters)
GLOBAL_LOCK = '*global trust store*'
#: columns shown by the API (pem only when one entry is shown)
COLUMNS = ('id', 'name', 'owner', 'scope', 'kind', 'fingerprint_sha256',
           'subject', 'not_before', 'not_after', 'created_at')


def _doc(row, pem=False):
    out = {k: getattr(row, k) for k in COLUMNS}
    if pem:
        out['pem'] = row.pem
    return out


def _of_owner(owner):
    return TRUST.c.owner.is_(None) if owner is None else \
        TRUST.c.owner == owner


@api.writer
def create(context, session, values):
    """Insert an entry (values: every column but created_at).

    Conflict when its scope (the owner's project, or the global store)
    holds an entry of the same fingerprint already. Checked under the
    scope's lock row, so two workers adding the same key race to one row.
    """
    # first in the transaction: MySQL's snapshot must follow the lock
    quotas.lock_project(session, values['owner'] or GLOBAL_LOCK)
    same = session.execute(sa.select(TRUST.c.id).where(
        _of_owner(values['owner']),
        TRUST.c.fingerprint_sha256 == values['fingerprint_sha256'])).first()
    if same is not None:
        raise exception.Conflict(
            'The %s trust store holds this %s already: entry %s' % (
                'global' if values['owner'] is None else "project's",
                values['kind'].replace('_', ' '), same.id))
    row = dict(values, created_at=api.now())
    session.execute(TRUST.insert(), row)
    return {k: row[k] for k in COLUMNS}


@api.reader
def get(context, conn, entry_id):
    """One entry with its PEM, or None."""
    row = conn.execute(sa.select(TRUST).where(
        TRUST.c.id == entry_id)).first()
    return None if row is None else _doc(row, pem=True)


@api.reader
def with_fingerprint(context, conn, owner, fingerprint):
    """The entries (with PEM) of owner's project, then the global ones,
    whose key has this SHA-256 fingerprint."""
    rows = conn.execute(sa.select(TRUST).where(
        TRUST.c.fingerprint_sha256 == fingerprint,
        sa.or_(TRUST.c.owner.is_(None), TRUST.c.owner == owner)
        if owner is not None else TRUST.c.owner.is_(None))).all()
    # the project's own entry first
    rows.sort(key=lambda r: (r.owner is None, r.created_at, r.id))
    return [_doc(r, pem=True) for r in rows]


@api.reader
def list_entries(context, conn, owner, all_projects=False):
    """The entries of owner's project and the global ones (every entry
    when all_projects), oldest first."""
    query = sa.select(*[TRUST.c[k] for k in COLUMNS])
    if not all_projects:
        query = query.where(sa.or_(TRUST.c.owner.is_(None),
                                   TRUST.c.owner == owner)
                            if owner is not None else
                            TRUST.c.owner.is_(None))
    return [_doc(r) for r in conn.execute(
        query.order_by(TRUST.c.created_at, TRUST.c.id))]


@api.writer
def delete(context, session, entry_id):
    """Remove an entry; whether there was one. The signature records made
    with it stay: they are kept in the blob rows."""
    return session.execute(TRUST.delete().where(
        TRUST.c.id == entry_id)).rowcount > 0
