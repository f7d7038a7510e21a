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

"""The catalog's templates with hostile artifacts: everything escaped,
no link but to http(s) URLs."""

from html import parser as html_parser

from glare.tests import base
from glare.web import catalog as web_catalog

XSS = '<script>alert(1)</script>'


class _Links(html_parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs, self.srcs, self.handlers, self.scripts = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if 'href' in attrs:
            self.hrefs.append(attrs['href'])
        if 'src' in attrs:
            self.srcs.append(attrs['src'])
        self.handlers += [k for k in attrs if k.startswith('on')]
        self.scripts += tag == 'script'


def _document(**extra):
    doc = {
        'id': 'c5fbce45-8abf-499b-b7e7-767b6c17440d', 'name': XSS,
        'version': '1.0.0', 'type_name': 'sample_artifact',
        'display_type_name': XSS, 'description': XSS, 'tags': [XSS],
        'license': XSS, 'visibility': 'public', 'status': 'active',
        'downloads': {'total': 1, 'last_30_days': 1}, 'star_count': 2,
        'rating': {'average': 4.5, 'count': 2},
        'provided_by': {'name': XSS, 'href': 'javascript:alert(1)'},
        'supported_by': {'company': XSS,
                         'href': 'JaVaScRiPt:alert(1)'},
    }
    doc.update(extra)
    return doc


class TemplateEscapingTest(base.TestCase):

    def setUp(self):
        super().setUp()
        conf = self.useFixture(base.ConfigFixture()).conf
        conf.set_override('title', XSS, group='catalog')
        self.catalog = web_catalog.Catalog(conf)

    def render(self, template, **values):
        values.setdefault('nav_types', [('sample_artifact', XSS)])
        values.setdefault('anonymous', True)
        return self.catalog.render(template, root='', **values)

    def assertInert(self, html):
        self.assertNotIn('<script>alert', html)
        links = _Links()
        links.feed(html)
        self.assertEqual([], links.handlers)
        self.assertEqual(1, links.scripts)  # catalog.js
        for url in links.hrefs + links.srcs:
            self.assertFalse(url.strip().lower().startswith(
                ('javascript:', 'data:', 'vbscript:')), url)
        return links

    def test_artifact_page(self):
        doc = _document()
        html = self.render(
            'artifact.html', type_name='sample_artifact', current_type='x',
            display=XSS, a=doc,
            fields=[{'name': XSS, 'description': XSS,
                     'value': {XSS: [XSS, {'k': XSS}]}, 'glare_type': 'x'}],
            blobs=[{'field': 'blob', 'key': XSS, 'label': XSS,
                    'description': XSS,
                    'blob': {'size': 3, 'sha256': XSS, 'status': 'active'},
                    'signature': {'subject': XSS,
                                  'fingerprint_sha256': XSS}}],
            dependencies=[{'field': XSS, 'type_name': None, 'id': None,
                           'artifact': None, 'url': 'javascript:alert(1)'},
                          {'field': XSS, 'type_name': XSS, 'id': XSS,
                           'artifact': None}],
            dependents=[{'type_name': XSS, 'id': XSS, 'name': XSS,
                         'version': XSS}], dependents_total=1,
            versions=[dict(doc, id=XSS)], versions_total=1,
            reviews=[{'id': 'r', 'rating': 5, 'user_id': XSS,
                      'created_at': XSS, 'comment': XSS, 'hidden': False}],
            reviews_next=XSS, reviews_marker=None)
        links = self.assertInert(html)
        # the javascript: URLs are shown as text, never as links
        self.assertIn('javascript:alert(1)', html)
        self.assertIn('JaVaScRiPt:alert(1)', html)
        # path segments from the data are percent-encoded in links
        self.assertIn('/catalog/artifacts/%3Cscript%3Ealert%281%29%3C%2F'
                      'script%3E/', ' '.join(links.hrefs))

    def test_lists_and_errors(self):
        doc = _document()
        html = self.render('home.html', types=[
            {'name': XSS, 'display': XSS, 'count': 1}], shelves=[
            {'key': 'created', 'label': XSS, 'artifacts': [doc]}])
        self.assertInert(html)
        html = self.render(
            'search.html', q=XSS, type_name=XSS, types=[(XSS, XSS)],
            artifacts=[doc], total=1, marker=XSS, next_marker=XSS,
            page_params=[('q', XSS)])
        self.assertInert(html)
        self.assertIn('q=%3Cscript%3E', html)
        html = self.catalog.env.get_template('error.html').render(
            title=XSS, root='', assets=self.catalog.asset_tags, code=400,
            error_title=XSS, message=XSS, anonymous=True)
        self.assertInert(html)


class SafeHrefTest(base.TestCase):

    def test_only_absolute_http_urls(self):
        for url in ('https://example.com/x', 'http://h:8080/?a=<b>'):
            self.assertEqual(url, web_catalog.safe_href(url))
        for url in ('javascript:alert(1)', ' javascript:alert(1)',
                    'JAVASCRIPT:alert(1)', 'java\tscript:alert(1)',
                    'data:text/html,<script>', '//evil.example/',
                    '/catalog', 'https:///x', 'http://a b/', None, 42,
                    'vbscript:x', 'https://a/\nb'):
            self.assertIsNone(web_catalog.safe_href(url), url)

    def test_sizes(self):
        self.assertEqual('0 bytes', web_catalog.human_size(0))
        self.assertEqual('1.5 KiB', web_catalog.human_size(1536))
        self.assertEqual('2.0 GiB', web_catalog.human_size(2 << 30))
        self.assertEqual('', web_catalog.human_size(None))
