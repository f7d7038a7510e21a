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

"""Each field's schema filter_ops against what the list API accepts, for
every field of every type (SPEC §6, §7; issue 11)."""

import uuid

from glare.tests.functional import base

OPS = ('eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'like')
VERSION_PATTERN_START = '^([0-9]+)\\.'
#: a valid value per glareType (a list's or dict's: of its elements)
SCALARS = {'String': 'x', 'Integer': '1', 'Float': '1.5',
           'Boolean': 'true', 'DateTime': '2020-01-01T00:00:00Z',
           'Link': 'http://example.com/x',
           # the base fields rating and downloads (API 1.6) are filtered
           # by their average and their total
           'Rating': '4.5', 'Downloads': '3'}


def _element(glare_type):
    for suffix in ('List', 'Dict'):
        if glare_type.endswith(suffix) and glare_type != suffix:
            return glare_type[:-len(suffix)]
    return glare_type


def valid_value(prop):
    """A value of the property's kind that its validators accept."""
    item = prop.get('items') or prop.get('additionalProperties')
    source = item if isinstance(item, dict) else prop
    if source.get('enum'):
        return str([v for v in source['enum'] if v is not None][0])
    pattern = source.get('pattern', '')
    if 'fA-F]){8}-' in pattern:
        return str(uuid.uuid4())
    if 'fA-F]){8}$' in pattern:
        return 'deadbeef'
    if pattern.startswith(VERSION_PATTERN_START):
        return '1.0.0'
    if 'minimum' in source:
        return str(source['minimum'])
    return SCALARS.get(_element(prop['glareType']), 'x')  # blobs: any


def operand(op, value):
    if op == 'in':
        return '%s,%s' % (value, value)
    if op == 'like':
        return value + '%'
    return value


@base.with_backends
class FilterOpsTests:
    """For every type and field: each advertised operator is taken (200),
    every other one is a 400; so is the implicit eq when eq is not
    advertised."""

    def check_field(self, type_name, name, prop, wrong):
        ops = prop['filter_ops']
        value = valid_value(prop)
        params = [name]
        if prop['glareType'].endswith('Dict'):
            # dict=key and dict.key=value take the same operators
            props = prop.get('properties')
            key = sorted(props)[0] if props else 'k'
            params = [(name, key), ('%s.%s' % (name, key), value)]
        else:
            params = [(name, value)]
        for param, val in params:
            for op in OPS:
                want = 200 if op in ops else 400
                got = self.status(type_name, param, '%s:%s' % (
                    op, operand(op, val)))
                if got != want:
                    wrong.append('%s %s=%s: %s, not %s' % (
                        type_name, param, op, got, want))
            want = 200 if 'eq' in ops else 400
            got = self.status(type_name, param, val)
            if got != want:
                wrong.append('%s %s=<value>: %s, not %s' % (
                    type_name, param, got, want))

    def status(self, type_name, param, raw):
        resp = self.get('/artifacts/%s' % type_name, headers=self.user,
                        params=[(param, raw)])
        if resp.status_code == 400:
            self.assertError(400, resp)
        return resp.status_code

    def get(self, path, headers=None, params=None):
        if params:
            from urllib import parse
            path += '?' + parse.urlencode(params)
        return super().get(path, headers=headers)

    def test_every_field_of_every_type(self):
        schemas = self.get('/schemas', headers=self.user).json()['schemas']
        self.assertIn('sample_artifact', schemas)
        wrong, checked = [], 0
        for type_name, schema in sorted(schemas.items()):
            for name, prop in sorted(schema['properties'].items()):
                if name == 'tags' or name.startswith('__'):
                    continue  # the tags lists: below; format_output keys
                self.check_field(type_name, name, prop, wrong)
                checked += 1
        self.assertGreater(checked, 100)
        self.assertEqual([], wrong)

    def test_tags_lists(self):
        schemas = self.get('/schemas', headers=self.user).json()['schemas']
        for type_name, schema in schemas.items():
            ops = schema['properties']['tags']['filter_ops']
            self.assertEqual(['neq'], ops, type_name)
            for param in ('tags', 'tags-any'):
                for op in OPS:
                    self.assertEqual(200 if op in ops else 400, self.status(
                        type_name, param, '%s:a,b' % op), (param, op))
                self.assertEqual(200, self.status(type_name, param, 'a,b'))
                self.assertEqual(200, self.status(type_name, param,
                                                  'or:a:b,c'))

    def test_the_issue_cases(self):
        self.create(name='bogus:x:y', tags=['x', 'os:linux'],
                    metadata={'k': 'bogus:v'})
        for param, raw, hint in (
                ('name', 'bogus:x:y', 'name=eq:bogus:x:y'),
                ('metadata.k', 'bogus:v', 'metadata.k=eq:bogus:v'),
                ('name', 'and:bogus:x:y', 'name=eq:bogus:x:y')):
            resp = self.get(self.url(), headers=self.user,
                            params=[(param, raw)])
            self.assertError(400, resp, "'bogus' is not an operator "
                             "(allowed for %s: " % param)
            self.assertIn(hint, resp.json()['error']['message'])
        self.assertError(400, self.get(
            self.url(), headers=self.user, params=[('tags', 'eq:x')]),
            'operator eq is not allowed for tags (allowed: neq)')
        # the values themselves, given with their operator
        for param, raw in (('name', 'eq:bogus:x:y'),
                           ('metadata.k', 'eq:bogus:v'),
                           ('tags', 'os:linux'), ('tags', 'x'),
                           ('created_at', 'gt:2020-01-01T00:00:00'),
                           ('name', 'in:"bogus:x:y",z')):
            page = self.list(parse_q(param, raw))
            self.assertEqual(1, page['total_count'], (param, raw))


def parse_q(param, raw):
    from urllib import parse
    return parse.urlencode([(param, raw)])


@base.with_backends
class DisplayTypeNameTests:
    """display_type_name on /artifacts/all: filtered and sorted by the
    display names of the types (upstream)."""

    def test_sort_and_filter_on_all(self):
        sample = self.create()
        image = self.create(type_name='images')
        heat = self.create(type_name='heat_templates')
        ours = {sample['id'], image['id'], heat['id']}

        def ids(query):
            page = self.list(query + '&owner=' + self.project,
                             type_name='all')
            return [(a['id'], a['display_type_name'])
                    for a in page['artifacts'] if a['id'] in ours]

        self.assertEqual(
            [(heat['id'], 'Heat Templates'), (image['id'], 'Images'),
             (sample['id'], 'Sample Artifact')],
            ids('sort=display_type_name:asc'))
        self.assertEqual(
            [(sample['id'], 'Sample Artifact'), (image['id'], 'Images'),
             (heat['id'], 'Heat Templates')],
            ids('sort=display_type_name:desc'))
        self.assertEqual([(image['id'], 'Images')],
                         ids('display_type_name=Images'))
        self.assertEqual([(heat['id'], 'Heat Templates')],
                         ids('display_type_name=like:Heat%25'))
        self.assertEqual(2, len(ids('display_type_name=neq:Images')))
        self.assertEqual(2, len(ids(
            'display_type_name=in:Images,Sample%20Artifact')))
        # paging over the sort has no gaps or duplicates
        pages, seen = 0, []
        query = 'sort=display_type_name:asc,name:asc&limit=1&owner=%s' % (
            self.project)
        page = self.list(query, type_name='all')
        while True:
            seen += [a['id'] for a in page['artifacts']]
            pages += 1
            if 'next' not in page:
                break
            page = self.list(page['next'].split('?', 1)[1],
                             type_name='all')
        self.assertEqual([heat['id'], image['id'], sample['id']], seen)

    def test_on_one_type(self):
        af = self.create()
        self.assertEqual([af['id']], self.list_ids(
            'sort=display_type_name&display_type_name=Sample%20Artifact'
            '&owner=' + self.project))
        self.assertEqual([], self.list_ids(
            'display_type_name=Images&owner=' + self.project))
