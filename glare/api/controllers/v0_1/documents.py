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

"""v0.1 documents, patches and queries ⇄ Glare's own."""

from urllib import parse

from glare import exception

PREFIX = '/v0.1'
#: Glare status → v0.1 state
STATES = {'drafted': 'creating', 'active': 'active',
          'deactivated': 'deactivated', 'deleted': 'deleted'}
STATUSES = {state: status for status, state in STATES.items()}
#: v0.1 filter operators (and Glare's own names, accepted too) → Glare's
OPERATORS = {'eq': 'eq', 'ne': 'neq', 'neq': 'neq', 'gt': 'gt', 'ge': 'gte',
             'gte': 'gte', 'lt': 'lt', 'le': 'lte', 'lte': 'lte',
             'in': 'in', 'like': 'like'}
#: v0.1 names of Glare fields
RENAMED = {'state': 'status', 'published_at': 'activated_at', 'tag': 'tags'}
#: Glare fields the v0.1 document does not have (or shows renamed)
HIDDEN = ('status', 'activated_at', 'metadata', 'display_type_name')
#: what only the v0.1 document has: never written by clients
READ_ONLY = ('type_name', 'type_version', 'published_at', 'deleted_at')
#: the metadata key that asks for the artifact to be made public when it
#: is published: v0.1 takes visibility on a draft, Glare only makes
#: active artifacts public
PUBLIC_ON_PUBLISH = 'glare.v0.1.visibility'


def type_path(type_name, type_version):
    return '%s/artifacts/%s/v%s' % (PREFIX, type_name, type_version)


def _version_parts(text):
    parts = text.split('.')
    if not 1 <= len(parts) <= 3 or not all(p.isdigit() for p in parts):
        return None
    return tuple(int(p) for p in parts) + (0,) * (3 - len(parts))


def check_type_version(cls, segment):
    """'v1', 'v1.1' or 'v1.1.0' naming the type's version, else 404.

    As many parts as the client gives must match: Murano asks for 'v1'
    of its types, which names any 1.x (a minor bump of a type, such as the
    new visibility values of 1.1, keeps its v0.1 clients working).
    """
    given = segment[1:].split('.') if segment[:1] == 'v' else []
    wanted = _version_parts(segment[1:]) if given else None
    if wanted is None or wanted[:len(given)] != \
            _version_parts(cls.get_version())[:len(given)]:
        raise exception.NotFound('Artifact type %s has no version %s' % (
            cls.get_type_name(), segment))


def _dict_of_lists(cls):
    return getattr(cls, 'DICT_OF_LISTS', ())


def _blob(path, artifact_id, name, key, value):
    if value is None:
        return None
    link = '%s/%s/%s%s/download' % (path, artifact_id, name,
                                    '' if key is None else '/' + key)
    return {'size': value.get('size'), 'checksum': value.get('md5'),
            'content_type': value.get('content_type'),
            'status': value.get('status'),
            'external': value.get('external'),
            'download_link': link}


def artifact(cls, doc):
    """A Glare artifact document → the v0.1 one."""
    path = type_path(cls.get_type_name(), cls.get_version())
    out = {}
    for name, value in doc.items():
        if name in HIDDEN:
            continue
        field = cls.fields.get(name)
        if field is not None and field.is_folder:
            value = {k: _blob(path, doc['id'], name, k, b)
                     for k, b in (value or {}).items()}
        elif field is not None and field.is_blob:
            value = _blob(path, doc['id'], name, None, value)
        elif name in _dict_of_lists(cls) and isinstance(value, dict):
            value = {k: v.split(',') if v else []
                     for k, v in value.items()}
        out[name] = value
    status = doc.get('status')
    out.update(state=STATES.get(status, status),
               type_name=cls.get_type_name(),
               type_version=cls.get_version(),
               published_at=doc.get('activated_at'),
               deleted_at=doc.get('updated_at') if status == 'deleted'
               else None)
    return out


def _joined(name, value):
    """One list of class names → its stored, comma-joined form."""
    if not isinstance(value, list) or not all(
            isinstance(v, str) and v and ',' not in v for v in value):
        raise exception.BadRequest(
            'The values of %s must be lists of names without commas' % name)
    return ','.join(value)


def _dict_value(name, value):
    if not isinstance(value, dict):
        return value  # the service says what is wrong with it
    return {k: _joined(name, v) if isinstance(v, list) else v
            for k, v in value.items()}


def create_body(cls, body):
    """A v0.1 create body → Glare's."""
    if not isinstance(body, dict):
        raise exception.BadRequest('The artifact must be a JSON object')
    body = dict(body)
    for name in READ_ONLY + ('state', 'status'):
        if name in body:
            raise exception.BadRequest('%s cannot be set on create' % name)
    visibility = body.pop('visibility', None)
    if visibility not in (None, 'private', 'public'):
        raise exception.BadRequest('visibility must be private or public')
    if visibility == 'public':
        metadata = body.get('metadata') or {}
        if isinstance(metadata, dict):
            body['metadata'] = dict(metadata, **{PUBLIC_ON_PUBLISH:
                                                 'public'})
    for name in _dict_of_lists(cls):
        if name in body:
            body[name] = _dict_value(name, body[name])
    return body


def _op(cls, op):
    path = op.get('path')
    if not isinstance(path, str) or not path.startswith('/'):
        return op  # the service refuses it
    parts = path.split('/')
    name = parts[1]
    if name in READ_ONLY:
        raise exception.Forbidden('Field %s is read-only' % name)
    if name in ('status', 'activated_at', 'metadata'):
        # not fields of the v0.1 document
        raise exception.BadRequest('Unknown field %r' % name)
    op = dict(op)
    if name == 'state':
        parts[1] = 'status'
        if 'value' in op:
            op['value'] = STATUSES.get(op['value'], op['value'])
    elif name in _dict_of_lists(cls) and 'value' in op:
        if len(parts) == 2:
            op['value'] = _dict_value(name, op['value'])
        elif len(parts) == 3 and isinstance(op['value'], list):
            op['value'] = _joined(name, op['value'])
    if op.get('op') == 'remove' and len(parts) == 2:
        # v0.1 removes a property by resetting it
        op = {'op': 'replace', 'value': None}
    op['path'] = '/'.join(parts)
    return op


def patch(cls, ops):
    """A v0.1 JSON patch → Glare's."""
    if not isinstance(ops, list):
        return ops  # the service refuses it
    return [_op(cls, op) if isinstance(op, dict) else op for op in ops]


def publish_patch(values):
    """The patch that publishes an artifact the v0.1 way."""
    ops = [{'op': 'replace', 'path': '/status', 'value': 'active'}]
    if (values.get('metadata') or {}).get(PUBLIC_ON_PUBLISH) == 'public' \
            and values.get('visibility') != 'public':
        ops.append({'op': 'replace', 'path': '/visibility',
                    'value': 'public'})
    return ops


def _term(raw):
    """'ge:1.0' → 'gte:1.0'; a value without an operator is 'eq:value'."""
    head, sep, tail = raw.partition(':')
    if sep and head in OPERATORS:
        return '%s:%s' % (OPERATORS[head], tail)
    return 'eq:' + raw


def _sort(raw):
    keys = []
    for part in raw.split(','):
        name, sep, direction = part.strip().partition(':')
        keys.append(RENAMED.get(name, name) + sep + direction)
    return ','.join(keys)


def list_params(pairs, drafts):
    """v0.1 query parameters → Glare's; drafts or published artifacts."""
    out, state_given = [], False
    for name, raw in pairs:
        if name in ('limit', 'marker'):
            out.append((name, raw))
        elif name == 'sort':
            out.append((name, _sort(raw)))
        elif name == 'show_level':
            continue  # v0.1 detail levels: every level shows all fields
        elif name == 'version' and raw == 'latest':
            out.append((name, raw))
        elif name == 'state':
            state_given = True
            term = _term(raw)
            op, _sep, value = term.partition(':')
            value = ','.join(STATUSES.get(v, v) for v in value.split(','))
            out.append(('status', '%s:%s' % (op, value)))
        elif name in ('status', 'activated_at', 'metadata'):
            raise exception.InvalidFilter(reason='unknown field %r' % name)
        elif RENAMED.get(name) == 'tags':
            # Glare's tags= takes the tags alone (eq is implied), or neq:
            op, _sep, value = _term(raw).partition(':')
            out.append(('tags', value if op == 'eq' else op + ':' + value))
        else:
            out.append((RENAMED.get(name, name), _term(raw)))
    if drafts:
        out.append(('status', 'eq:drafted'))
    elif not state_given:
        out.append(('status', 'eq:active'))
    return out


def page_links(path, pairs, artifacts, more):
    """first and next links, under the /v0.1 path, parameters kept."""
    kept = [(k, v) for k, v in pairs if k != 'marker']
    query = parse.urlencode(kept, encoding='utf-8')
    links = {'first': path + ('?' + query if query else '')}
    if more and artifacts:
        marker = parse.urlencode([('marker', artifacts[-1]['id'])])
        links['next'] = path + '?' + (query + '&' if query else '') + marker
    return links
