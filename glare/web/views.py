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

"""What each catalog page shows, read through the services.

Everything goes through the same service calls as the API (the list
query language, show, reviews, dependents), so the caller sees what the
API would show it: the same visibility rules and the same policy.
"""

from glare import exception
from glare.objects import registry as type_registry
from glare.services import closure
from glare.services import dependents
from glare.services import listing

ALL = type_registry.ALL
PAGE_SIZE = 25
HOME_SIZE = 6
VERSIONS_SHOWN = 20
DEPENDENTS_SHOWN = 20
REVIEWS_SHOWN = 20
MAX_QUERY = listing.MAX_QUERY
#: sort choice → the list's sort parameter
SORTS = {
    'name': ('Name', 'name:asc'),
    'updated': ('Recently updated', 'updated_at:desc'),
    'created': ('Newest', 'created_at:desc'),
    'downloads': ('Most downloaded', 'downloads:desc'),
    'stars': ('Most starred', 'star_count:desc'),
    'rating': ('Best rated', 'rating:desc'),
}
DEFAULT_SORT = 'updated'
#: visibility choice → the list's visibility filter. Community artifacts
#: are left out of the API's default lists; the catalog shows them too.
VISIBILITIES = {
    '': ('Any I can read', 'in:public,community,shared,private'),
    'public': ('Public', 'eq:public'),
    'community': ('Community', 'eq:community'),
    'shared': ('Shared with me', 'eq:shared'),
    'private': ('Private', 'eq:private'),
}
STATUSES = {
    '': ('Active', 'eq:active'),
    'any': ('Any status', None),
    'drafted': ('Drafted', 'eq:drafted'),
    'deactivated': ('Deactivated', 'eq:deactivated'),
}
#: fields the artifact page shows in its own places, not in "Details"
_SHOWN_APART = frozenset((
    'name', 'version', 'description', 'tags', 'display_type_name', 'icon',
    'license', 'provided_by', 'supported_by', 'signatures', 'star_count',
    'rating', 'downloads', 'type_name'))


def _one(params, name, default=''):
    """A query parameter given at most once, else 400."""
    values = params.getall(name)
    if len(values) > 1:
        raise exception.BadRequest('%s is given more than once' % name)
    return values[0] if values else default


def _choice(params, name, choices):
    value = _one(params, name)
    if value not in choices:
        raise exception.BadRequest('%s is one of %s, not %r' % (
            name, ', '.join(repr(c) for c in choices if c) or '(none)',
            value))
    return value


def base_filters(visibility='', status=''):
    """The list parameters every catalog list starts from."""
    out = [('visibility', VISIBILITIES[visibility][1])]
    if STATUSES[status][1]:
        out.append(('status', STATUSES[status][1]))
    return out


def text_search(text):
    """The list parameters of a search for text: the list's full-text q=
    (words of the name, tags, description and other string fields), the
    best matches first."""
    return [('q', text), ('sort', 'relevance')]


def _typed(type_name, artifacts):
    """The documents of a type's list, with their type_name (only the
    'all' view has it in its documents)."""
    for a in artifacts:
        a.setdefault('type_name', type_name)
    return artifacts


def _types(services):
    return sorted(services.registry.concrete().items())


def _display(services, type_name):
    cls = services.registry.get(type_name)
    return cls.get_display_type_name() if cls else type_name


def home(services, ctx):
    """Types with their counts, and the newest, most downloaded and best
    rated artifacts."""
    base = base_filters()
    types = []
    for name, cls in _types(services):
        try:
            body = services.artifacts.list(ctx, name, base + [('limit', '0')])
        except exception.Forbidden:
            continue  # the policy hides this type from the caller
        types.append({'name': name, 'display': cls.get_display_type_name(),
                      'count': body['total_count']})
    shelves = []
    for key, label in (('created', 'Newest'),
                       ('downloads', 'Most downloaded'),
                       ('rating', 'Top rated')):
        params = base + [('sort', SORTS[key][1]),
                         ('limit', str(HOME_SIZE))]
        if key == 'rating':
            params.append(('rating', 'gte:1'))
        elif key == 'downloads':
            params.append(('downloads', 'gt:0'))
        try:
            artifacts = services.artifacts.list(ctx, ALL, params)['artifacts']
        except exception.Forbidden:
            artifacts = []
        shelves.append({'key': key, 'label': label, 'artifacts': artifacts})
    return {'types': types, 'shelves': shelves}


def nav_types(services, ctx):
    """(type name, display name) of the types the caller may list, for
    the navigation."""
    return [(n, c.get_display_type_name()) for n, c in _types(services)
            if services.artifacts.listable(ctx, n)]


def type_page(services, ctx, type_name, params):
    """One page of a type's artifacts with the visitor's filters."""
    if type_name == ALL or type_name not in services.registry:
        raise exception.TypeNotFound(type_name=type_name)
    form = {
        'name': _one(params, 'name').strip(),
        'tag': _one(params, 'tag').strip(),
        'license': _one(params, 'license').strip(),
        'latest': _one(params, 'latest') in ('1', 'on', 'true'),
        'visibility': _choice(params, 'visibility', VISIBILITIES),
        'status': _choice(params, 'status', STATUSES),
        'sort': _choice(params, 'sort', tuple(SORTS) + ('',)) or
        DEFAULT_SORT,
    }
    marker = _one(params, 'marker') or None
    query = base_filters(form['visibility'], form['status'])
    if form['name']:
        query.append(('name', 'like:%%%s%%' % form['name'].replace('\\',
                                                                   '')))
    if form['tag']:
        query.append(('tags', form['tag']))
    if form['license']:
        query.append(('license', 'eq:' + form['license']))
    if form['latest']:
        query.append(('version', 'latest'))
    query.append(('sort', SORTS[form['sort']][1]))
    query.append(('limit', str(PAGE_SIZE)))
    if marker:
        query.append(('marker', marker))
    body = services.artifacts.list(ctx, type_name, query)
    artifacts = _typed(type_name, body['artifacts'])
    next_marker = artifacts[-1]['id'] if len(artifacts) == PAGE_SIZE \
        else None
    page_params = [(k, form[k]) for k in ('name', 'tag', 'license',
                                          'visibility', 'status', 'sort')
                   if form[k]]
    if form['latest']:
        page_params.append(('latest', '1'))
    return {'type_name': type_name, 'current_type': type_name,
            'display': _display(services, type_name),
            'visibilities': list(VISIBILITIES.items()),
            'statuses': list(STATUSES.items()),
            'sorts': list(SORTS.items()), 'page_params': page_params,
            'form': form, 'artifacts': artifacts,
            'total': body['total_count'], 'marker': marker,
            'next_marker': next_marker}


def search(services, ctx, params):
    text = _one(params, 'q').strip()
    if len(text) > MAX_QUERY:
        raise exception.BadRequest('The search is longer than %d characters'
                                   % MAX_QUERY)
    type_name = _one(params, 'type') or ALL
    if type_name not in services.registry:
        raise exception.TypeNotFound(type_name=type_name)
    marker = _one(params, 'marker') or None
    result = {'q': text, 'type_name': type_name, 'artifacts': [],
              'total': 0, 'next_marker': None, 'marker': None,
              'page_params': [('q', text), ('type', type_name)],
              'types': [(n, c.get_display_type_name())
                        for n, c in _types(services)]}
    if not text:
        return result
    query = base_filters() + text_search(text) + [
        ('limit', str(PAGE_SIZE))]
    if marker:
        query.append(('marker', marker))
    body = services.artifacts.list(ctx, type_name, query)
    artifacts = _typed(type_name, body['artifacts'])
    result.update(artifacts=artifacts, total=body['total_count'],
                  marker=marker,
                  next_marker=artifacts[-1]['id']
                  if len(artifacts) == PAGE_SIZE else None)
    return result


def _field_rows(cls, document, schema):
    """(name, description, value, glare type) of the fields shown in
    "Details", in the type's order: not blobs, links or those shown
    apart."""
    props = schema.get('properties', {})
    rows = []
    for name, field in cls.fields.items():
        if name in _SHOWN_APART or name not in document or field.is_blob:
            continue
        if field.kind.name == 'Link':
            continue
        prop = props.get(name, {})
        rows.append({'name': name, 'description': prop.get('description'),
                     'value': document[name],
                     'glare_type': prop.get('glareType')})
    return rows


def _blobs(cls, document, schema):
    """The blobs and folder entries with data, with their signature and
    the schema's description of their field."""
    props = schema.get('properties', {})
    signatures = document.get('signatures') or {}
    out = []
    for name, field in cls.fields.items():
        if not field.is_blob or name not in document:
            continue
        value = document[name]
        entries = sorted(value.items()) if field.is_folder else [
            (None, value)]
        for key, blob in entries:
            if not blob:
                continue
            label = name if key is None else '%s/%s' % (name, key)
            out.append({'field': name, 'key': key, 'label': label,
                        'blob': blob, 'signature': signatures.get(label),
                        'description': props.get(name, {}).get(
                            'description')})
    return out


def _dependencies(services, ctx, cls, document):
    """The artifacts the Link fields point at, each with what the caller
    may know of it (None when it cannot read it or it is gone), read in
    one list query; external links as their URL."""
    links = closure.links_of(cls.fields, document)
    ids = sorted({artifact_id for _f, _t, artifact_id in links})
    found = {}
    if ids:
        # at most MAX_FILTER_VALUES ids per query: the first ones resolve
        ids = ids[:listing.MAX_FILTER_VALUES - len(base_filters(
            status='any'))]
        params = base_filters(status='any') + [
            ('member_status', 'all'),
            ('id', 'in:' + ','.join(ids)), ('limit', str(len(ids)))]
        found = {a['id']: a for a in services.artifacts.list(
            ctx, ALL, params)['artifacts']}
    out = [{'field': field, 'type_name': type_name, 'id': artifact_id,
            'artifact': found.get(artifact_id)
            if found.get(artifact_id, {}).get('type_name') == type_name
            else None}
           for field, type_name, artifact_id in links]
    for name, field in cls.fields.items():
        if field.is_blob or field.kind.name != 'Link':
            continue
        for link in closure.link_values(field, document.get(name)):
            if isinstance(link, str) and closure.internal_link(link) is None:
                out.append({'field': name, 'type_name': None, 'id': None,
                            'artifact': None, 'url': link})
    return out


def artifact_page(services, ctx, type_name, artifact_id, params):
    if type_name == ALL or type_name not in services.registry:
        raise exception.TypeNotFound(type_name=type_name)
    reviews_marker = _one(params, 'reviews_marker') or None
    document = services.artifacts.show(ctx, type_name, artifact_id)
    cls = services.registry.get(type_name)
    schema = services.artifacts.schemas(ctx, type_name)[type_name]
    shown, total = dependents.listed(
        ctx, services.artifacts.link_fields, type_name, document['id'],
        DEPENDENTS_SHOWN)
    versions = services.artifacts.list(ctx, type_name, base_filters(
        status='any') + [('name', 'eq:' + document['name']),
                         ('sort', 'version:desc'),
                         ('limit', str(VERSIONS_SHOWN))])
    try:
        reviews = services.reviews.list_reviews(
            ctx, type_name, document['id'], REVIEWS_SHOWN, reviews_marker)
    except exception.Forbidden:
        reviews = None
    return {
        'type_name': type_name, 'current_type': type_name,
        'display': _display(services, type_name), 'a': document,
        'fields': _field_rows(cls, document, schema),
        'blobs': _blobs(cls, document, schema),
        'dependencies': _dependencies(services, ctx, cls, document),
        'dependents': shown, 'dependents_total': total,
        'versions': _typed(type_name, versions['artifacts']),
        'versions_total': versions['total_count'],
        'reviews': reviews['reviews'] if reviews else None,
        'reviews_next': reviews['reviews'][-1]['id']
        if reviews and 'next' in reviews else None,
        'reviews_marker': reviews_marker,
    }
