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

"""The dependency closure of an artifact: what its links lead to."""

import re
import typing

from glare.db import artifacts as db
from glare import exception

_INTERNAL = re.compile(r'^/artifacts/([^/]+)/([0-9a-fA-F-]{36})$')
#: most artifacts one closure may hold: a bound on the work of a request
MAX_ARTIFACTS = 1000


class TooLarge(exception.Conflict):
    """The closure holds more than MAX_ARTIFACTS artifacts."""

    msg_fmt = ('Artifact %(id)s links to more than %(limit)d artifacts, '
               'the most one request follows')


class Unresolved(typing.NamedTuple):
    """A link of artifact from_id's field to an artifact that is not
    there (missing, deleted, or of another type than the link names)."""

    from_id: str
    field: str
    type_name: str
    id: str


def link_values(field, value):
    """The link strings a Link field's value holds (list, dict or one)."""
    if value is None:
        return []
    if field.container == 'List':
        return [v for v in value if v is not None]
    if field.container == 'Dict':
        return [v for v in value.values() if v is not None]
    return [value]


def internal_link(link):
    """(type name, artifact id in lower case) of a link to an artifact of
    this service, or None for an external URL."""
    m = _INTERNAL.match(link)
    if not m:
        return None
    return m.group(1), m.group(2).lower()


def links_of(fields, values, records=True):
    """[(field name, type name, id)] of the internal links in values.

    records=False leaves out the system Link fields: records the service
    keeps (images' converted_from), not dependencies; a bundle neither
    takes the artifact they lead to nor needs it to resolve.
    """
    out = []
    for name, field in fields.items():
        if field.is_blob or field.kind.name != 'Link':
            continue
        if field.system and not records:
            continue
        for link in link_values(field, values.get(name)):
            target = internal_link(link) if isinstance(link, str) else None
            if target is not None:
                out.append((name, target[0], target[1]))
    return out


def closure(context, fields_of, root):
    """(dependencies, unresolved) of the artifact root (its values).

    dependencies: {id: values} of every artifact reached through Link
    fields (scalars, lists and dict values), transitively, root
    excluded; cycles end where they close. unresolved: [Unresolved] of
    links to an artifact that is missing, deleted, or of
    another type than the link names. One batch of queries per level of
    depth; TooLarge past MAX_ARTIFACTS.
    """
    seen = {root['id']: root}
    found, unresolved = {}, []
    level = [root]
    while level:
        wanted = {}
        for values in level:
            fields = fields_of.get(values['type_name'], {})
            for name, type_name, dep_id in links_of(fields, values,
                                                    records=False):
                if dep_id in seen or dep_id in wanted:
                    continue
                wanted[dep_id] = (values['id'], name, type_name)
        if len(seen) + len(wanted) > MAX_ARTIFACTS + 1:
            raise TooLarge(id=root['id'], limit=MAX_ARTIFACTS)
        loaded = db.get_many(context, fields_of, set(wanted))
        level = []
        for dep_id, (from_id, name, type_name) in sorted(wanted.items()):
            dep = seen[dep_id] = loaded.get(dep_id)
            if dep is None or dep['status'] == 'deleted' or \
                    dep['type_name'] != type_name:
                unresolved.append(Unresolved(from_id, name, type_name,
                                             dep_id))
                continue
            found[dep_id] = dep
            level.append(dep)
    return found, unresolved
