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

"""What glare-replicator copies and in which order; no I/O here.

An artifact is a ``Node``: its type, its document as the source lists
it, and the ids its Link fields point to. ``copy_order`` groups the nodes
into units (the strongly connected components of the link graph: one
artifact, or a cycle of artifacts that can only be imported together)
and orders them so that every unit comes after the units it links to: an
import of a unit alone then finds its links on the target.
"""

import re

#: the glareType of Link fields and of blob fields in a type's schema
LINK_TYPES = ('Link', 'LinkList', 'LinkDict')
BLOB_TYPE = 'Blob'
FOLDER_TYPE = 'BlobDict'
#: a link to an artifact of the same service (else an external URL)
INTERNAL_LINK = re.compile(r'^/artifacts/([^/]+)/([0-9a-fA-F-]{36})$')
#: fields --skip-fields refuses: the bundle or the import needs them, or
#: the import sets them itself
KEPT_FIELDS = ('id', 'name', 'version', 'status', 'owner', 'visibility',
               'created_at', 'updated_at', 'activated_at', 'origin',
               'type_name', 'display_type_name')
#: query parameters the replicator sets itself when it lists
RESERVED_PARAMS = ('limit', 'marker')

#: the states of a node once the target is known
MISSING = 'missing'        # not on the target: to copy
PRESENT = 'present'        # on the target, from the same manifest
DIFFERS = 'differs'        # on the target with other content
EXTRA = 'extra'            # on the target only (compare)


class PlanError(ValueError):
    """An option the plan cannot follow; the message is one line."""


class TypeInfo:
    """What the replicator needs of a type's schema: its link fields and
    its blob fields ({name: is_folder})."""

    def __init__(self, name, links=(), blobs=None):
        self.name = name
        self.links = tuple(links)
        self.blobs = dict(blobs or {})

    @classmethod
    def from_schema(cls, name, schema):
        props = (schema or {}).get('properties') or {}
        links, blobs = [], {}
        for field, prop in sorted(props.items()):
            kind = prop.get('glareType') if isinstance(prop, dict) else None
            if kind in LINK_TYPES:
                links.append(field)
            elif kind in (BLOB_TYPE, FOLDER_TYPE):
                blobs[field] = kind == FOLDER_TYPE
        return cls(name, links, blobs)


def link_targets(info, doc, skipped=()):
    """[(type name, id)] the Link fields of doc (but those in skipped)
    point to, in field order (external URLs left out; ids in lower case
    as the API keeps them)."""
    out = []
    for name in info.links:
        if name in skipped:
            continue
        value = doc.get(name)
        if isinstance(value, dict):
            values = [value[k] for k in sorted(value)]
        elif isinstance(value, list):
            values = value
        else:
            values = [value]
        for link in values:
            m = INTERNAL_LINK.match(link) if isinstance(link, str) else None
            if m is not None:
                out.append((m.group(1), m.group(2).lower()))
    return out


def stored_blobs(info, doc):
    """(count, bytes) of the stored blobs of doc (external ones are in
    the record only: a copy moves their URL, not their data)."""
    count = size = 0
    for name, is_folder in info.blobs.items():
        value = doc.get(name)
        items = value.values() if is_folder and isinstance(value, dict) \
            else [value]
        for blob in items:
            if isinstance(blob, dict) and not blob.get('external'):
                count += 1
                size += blob.get('size') or 0
    return count, size


class Node:
    """An artifact the source has: what to copy (or compare)."""

    def __init__(self, type_name, doc, dependency=False):
        self.type_name = type_name
        self.doc = doc
        self.id = doc['id']
        #: reached only through the links of selected artifacts
        self.dependency = dependency
        #: ids of the nodes it links to
        self.deps = []
        self.state = None
        self.detail = None
        #: the manifest digest its copy has (or must have) on the target
        self.digest = None
        self.target_digest = None

    @property
    def name(self):
        return self.doc.get('name')

    @property
    def version(self):
        return self.doc.get('version')

    def label(self):
        return '%s/%s' % (self.type_name, self.id)

    def describe(self):
        return {'type_name': self.type_name, 'id': self.id,
                'name': self.name, 'version': self.version}

    def __repr__(self):
        return '<Node %s>' % self.label()


def copy_order(nodes):
    """The units of nodes ({id: Node}) in an order where every unit
    follows the units it links to; a unit is a list of nodes, the first
    one the unit's root (the first of them in nodes' order).

    Tarjan's algorithm, iteratively (a long chain of links must not hit
    Python's recursion limit): it closes a component only once every
    component reachable from it is closed, which is the order wanted.
    """
    position = {node_id: i for i, node_id in enumerate(nodes)}
    index, low, on_stack = {}, {}, set()
    stack, units = [], []
    counter = 0
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(nodes[start].deps))]
        index[start] = low[start] = counter
        counter += 1
        stack.append(start)
        on_stack.add(start)
        while work:
            node_id, edges = work[-1]
            advanced = False
            for dep in edges:
                if dep not in nodes:
                    continue
                if dep not in index:
                    index[dep] = low[dep] = counter
                    counter += 1
                    stack.append(dep)
                    on_stack.add(dep)
                    work.append((dep, iter(nodes[dep].deps)))
                    advanced = True
                    break
                if dep in on_stack:
                    low[node_id] = min(low[node_id], index[dep])
            if advanced:
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node_id])
            if low[node_id] == index[node_id]:
                unit = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    unit.append(member)
                    if member == node_id:
                        break
                unit.sort(key=position.__getitem__)
                units.append([nodes[m] for m in unit])
    return units


def unit_deps(unit):
    """Ids outside unit its nodes link to."""
    inside = {node.id for node in unit}
    return sorted({dep for node in unit for dep in node.deps
                   if dep not in inside})


def skip_set(text_values, schemas):
    """The field names of --skip-fields (each a comma list), checked
    against the types' schemas ({type: schema}); PlanError names a field
    no type has or one that cannot be skipped."""
    fields = []
    for text in text_values or ():
        for name in text.split(','):
            name = name.strip()
            if name and name not in fields:
                fields.append(name)
    for name in fields:
        if name in KEPT_FIELDS:
            raise PlanError('--skip-fields: %s cannot be skipped: a bundle '
                            'or the import needs it, or the import sets '
                            'it itself' % name)
    known = set()
    for schema in schemas.values():
        known |= set((schema or {}).get('properties') or {})
    unknown = [name for name in fields if name not in known]
    if unknown:
        raise PlanError('--skip-fields: no artifact type has a field %s'
                        % ', '.join(unknown))
    return tuple(fields)


def filters(values):
    """[(name, value)] of --filter NAME=VALUE options, in order; a name
    may repeat (the API ANDs repeated filters)."""
    out = []
    for text in values or ():
        name, eq, value = text.partition('=')
        name = name.strip()
        if not eq or not name:
            raise PlanError('--filter %r is not NAME=VALUE' % text)
        if name in RESERVED_PARAMS:
            raise PlanError('--filter %s: the replicator pages through the '
                            'list itself' % name)
        out.append((name, value))
    return out


def type_names(values, available):
    """The types of --types (comma lists), checked against the source's
    types; all of them (but "all") when none is given."""
    chosen = []
    for text in values or ():
        for name in text.split(','):
            name = name.strip()
            if name and name not in chosen:
                chosen.append(name)
    usable = sorted(t for t in available if t != 'all')
    if not chosen:
        return usable
    unknown = [t for t in chosen if t not in usable]
    if unknown:
        raise PlanError('--types: unknown type %s (the source has: %s)' % (
            ', '.join(unknown), ', '.join(usable) or 'none'))
    return chosen


def human_size(size):
    """1536 -> '1.5 KiB'."""
    value = float(size)
    for unit in ('B', 'KiB', 'MiB', 'GiB', 'TiB'):
        if value < 1024 or unit == 'TiB':
            return ('%d %s' % (value, unit)) if unit == 'B' else \
                '%.1f %s' % (value, unit)
        value /= 1024
    return '%d B' % size
