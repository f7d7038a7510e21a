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

"""Link lookups: the active artifacts whose Link fields point at one."""

import sqlalchemy as sa

from glare.db import api
from glare.db import models
from glare.db import query as list_query
from glare.objects import version as glare_version

ARTIFACTS = models.Artifact.__table__
PROPERTIES = models.ArtifactProperty.__table__
MEMBERS = models.ArtifactMember.__table__


def dependents_query(links, link_fields, exclude_id, limit,
                     shared_with=None):
    """The statement of active_dependents() (also read by the plan tests).

    A link is stored as a string property row per value (list items and
    dict values each get one), in string_value unless it is longer than
    the indexed column. ``name IN (...) AND string_value IN (...)`` is a
    lookup in ix_glare_prop_name_string (name, string_value,
    artifact_id); the (type, field) pairs then keep the rows of Link
    fields only, so a String field holding the same text never counts.
    GROUP BY makes one row per artifact, and the window counts those rows
    before LIMIT: the page and the total come from one statement. SQLite
    without statistics would rather walk every active artifact through
    the status index: the artifact terms are kept out of its index
    choice, as the list queries do (query._NoIndex).

    shared_with: instead of the active ones, the shared artifacts (in any
    status but deleted) that any of these projects is a member of.
    """
    long_links = any(len(v) > models.INDEXED_STRING_LEN for v in links)
    column = (PROPERTIES.c.text_value if long_links
              else PROPERTIES.c.string_value)
    names = sorted({n for fields in link_fields.values() for n in fields})
    per_type = [
        sa.and_(list_query._NoIndex(ARTIFACTS.c.type_name) == type_name,
                PROPERTIES.c.name.in_(sorted(fields)))
        for type_name, fields in sorted(link_fields.items())]
    cols = (ARTIFACTS.c.id, ARTIFACTS.c.type_name, ARTIFACTS.c.name,
            ARTIFACTS.c.version_prefix, ARTIFACTS.c.version_suffix,
            ARTIFACTS.c.version_meta, ARTIFACTS.c.owner,
            ARTIFACTS.c.visibility, ARTIFACTS.c.status)
    if shared_with is None:
        which = [list_query._NoIndex(ARTIFACTS.c.status) == 'active']
    else:
        which = [list_query._NoIndex(ARTIFACTS.c.status) != 'deleted',
                 list_query._NoIndex(ARTIFACTS.c.visibility) == 'shared',
                 ARTIFACTS.c.id.in_(sa.select(MEMBERS.c.artifact_id).where(
                     MEMBERS.c.member.in_(sorted(shared_with))))]
    return (sa.select(*cols, sa.func.count().over().label('total'))
            .select_from(PROPERTIES.join(
                ARTIFACTS, ARTIFACTS.c.id == PROPERTIES.c.artifact_id))
            .where(PROPERTIES.c.name.in_(names), column.in_(sorted(links)),
                   sa.or_(*per_type), ARTIFACTS.c.id != exclude_id, *which)
            .group_by(*cols)
            .order_by(ARTIFACTS.c.type_name, ARTIFACTS.c.name,
                      ARTIFACTS.c.version_prefix, ARTIFACTS.c.version_suffix,
                      ARTIFACTS.c.id)
            .limit(limit))


@api.reader
def active_dependents(context, conn, links, link_fields, exclude_id, limit,
                      shared_with=None):
    """([row dict], total) of the active artifacts linking to an artifact.

    links: the values that point at it (its /artifacts/<type>/<id> in the
    spellings to match); link_fields: {type name: [Link field names]};
    exclude_id: the artifact itself (a link to itself does not count).
    At most limit rows, in type, name and version order; total counts all.
    """
    if not links or not link_fields:
        return [], 0
    rows = conn.execute(dependents_query(links, link_fields, exclude_id,
                                         limit, shared_with)).all()
    out = [dict(id=r.id, type_name=r.type_name, name=r.name,
                version=glare_version.from_db(r.version_prefix,
                                              r.version_suffix,
                                              r.version_meta),
                owner=r.owner, visibility=r.visibility, status=r.status)
           for r in rows]
    return out, (rows[0].total if rows else 0)
