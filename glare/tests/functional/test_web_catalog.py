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

"""The web catalog (/catalog) served by a real glare-api, without a browser:
escaping, headers, caching, visibility, errors and the pages' content."""

import hashlib
from html import parser as html_parser
from glare.tests.fixtures import signing
from glare.tests.functional import base

ANONYMOUS = {'X-Identity-Status': 'Anonymous'}
HTML = 'text/html; charset=UTF-8'
XSS = '<script>alert("xss")</script>'
XSS_IMG = '<img src=x onerror=alert(1)>'


class Page(html_parser.HTMLParser):
    """The parts of a page the tests look at: links, landmarks, text."""

    def __init__(self, text):
        super().__init__(convert_charrefs=True)
        self.links, self.tags, self.scripts, self.text = [], [], [], []
        self.inline_handlers = []
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == 'a' and 'href' in attrs:
            self.links.append(attrs['href'])
        if tag == 'script':
            self.scripts.append(attrs)
        self.inline_handlers += [k for k in attrs if k.startswith('on')]

    def handle_data(self, data):
        self.text.append(data)

    def all_text(self):
        return ' '.join(self.text)


class CatalogMixin:
    """Helpers of the catalog tests."""

    CONFIG = {'DEFAULT': {'allow_anonymous_access': 'True'},
              'catalog': {'title': 'Test <Catalog>'}}

    def page(self, path, headers=None, expect=200):
        resp = self.get(path, headers=ANONYMOUS if headers is None
                        else headers)
        self.assertEqual(expect, resp.status_code, base.brief(resp))
        if expect != 304:
            self.assertEqual(HTML, resp.headers['Content-Type'])
            self.assertIn("script-src 'self'",
                          resp.headers['Content-Security-Policy'])
        return resp

    def public(self, **fields):
        """An active public artifact of the sample type."""
        a = self.create(**fields)
        self.activate(a['id'])
        return self.publish(a['id'])

    def put_blob(self, artifact_id, field, data):
        resp = self.request('PUT', '%s/%s' % (self.url(artifact_id), field),
                            headers=self.user, data=data,
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))

    def art_path(self, artifact_id):
        return '/catalog/artifacts/sample_artifact/%s' % artifact_id


@base.with_backends
class CatalogPageTests(CatalogMixin):
    """The pages, their headers and what they show to whom."""

    def test_home_type_and_search_pages(self):
        name = self.unique('home')
        a = self.public(name=name, tags=['webtag'], license='MIT')
        home = self.page('/catalog')
        self.assertIn(self.art_path(a['id']), Page(home.text).links)
        self.assertIn('/catalog/types/sample_artifact',
                      Page(home.text).links)
        # the title option, escaped
        self.assertIn('Test &lt;Catalog&gt;', home.text)
        typed = self.page('/catalog/types/sample_artifact?tag=webtag'
                          '&license=MIT&sort=name&name=' + name[2:])
        self.assertIn(self.art_path(a['id']), Page(typed.text).links)
        none = self.page('/catalog/types/sample_artifact?tag=nope-' + name)
        self.assertNotIn(self.art_path(a['id']), Page(none.text).links)
        # full-text: a word of the name, with one of the tags
        word = name.split('-', 1)[1]
        found = self.page('/catalog/search?q=webtag+' + word)
        self.assertIn(self.art_path(a['id']), Page(found.text).links)
        found = self.page('/catalog/search?q=%s+-webtag' % word)
        self.assertNotIn(self.art_path(a['id']), Page(found.text).links)
        for sort in ('name', 'updated', 'created', 'downloads', 'stars',
                     'rating'):
            self.page('/catalog/types/sample_artifact?latest=1&sort=' + sort)

    def test_bad_parameters_are_html_4xx(self):
        for path, code in (
                ('/catalog/types/sample_artifact?sort=bogus', 400),
                ('/catalog/types/sample_artifact?visibility=x', 400),
                ('/catalog/types/sample_artifact?marker=notanid', 400),
                ('/catalog/search?q=' + 'x' * 300, 400),
                ('/catalog/types/nope', 404),
                ('/catalog/types/all', 404),
                ('/catalog/artifacts/sample_artifact/nope', 404),
                ('/catalog/nowhere/at/all', 404),
                ('/catalog/static/nope.js', 404)):
            resp = self.page(path, expect=code)
            self.assertIn('<h1>%d ' % code, resp.text)
            self.assertEqual('no-store', resp.headers['Cache-Control'])
        resp = self.request('POST', '/catalog', headers=ANONYMOUS)
        self.assertEqual(405, resp.status_code)
        self.assertEqual(HTML, resp.headers['Content-Type'])
        self.assertEqual('GET, HEAD', resp.headers['Allow'])

    def test_api_errors_stay_json(self):
        self.assertError(404, self.get('/artifacts/nope', headers=ANONYMOUS))
        self.assertError(404, self.get('/catalogue', headers=ANONYMOUS))
        resp = self.get('/artifacts/sample_artifact', headers=ANONYMOUS)
        self.assertEqual(200, resp.status_code)
        self.assertNotIn('Content-Security-Policy', resp.headers)

    def test_escaping(self):
        a = self.public(
            name=self.unique('x') + XSS, description=XSS_IMG + ' & more',
            tags=['"><svg onload=alert(2)>'], license=XSS,
            metadata={'k' + XSS: XSS_IMG}, str1='javascript:alert(3)',
            provided_by={'name': XSS, 'href': 'https://example.com/"><x',
                         'company': XSS_IMG})
        reviewer = self.auth(self.new_project())
        resp = self.post(self.url(a['id']) + '/reviews',
                         {'rating': 4, 'comment': XSS + '\n</p><p>x'},
                         headers=reviewer)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        for path in (self.art_path(a['id']), '/catalog',
                     '/catalog/types/sample_artifact',
                     '/catalog/search?q=' + XSS,
                     '/catalog/search?q=%22%3E%3Cscript%3E'):
            text = self.page(path).text
            page = Page(text)
            self.assertNotIn('<script>alert', text, path)
            self.assertNotIn('<img src=x', text, path)
            self.assertNotIn('<svg', text, path)
            self.assertEqual([], page.inline_handlers, path)
            # one script, the catalog's own file
            self.assertEqual(1, len(page.scripts), path)
            self.assertTrue(page.scripts[0]['src'].startswith(
                '/catalog/static/catalog.js'), path)
            self.assertFalse(any(link.lower().startswith('javascript:')
                                 for link in page.links), path)
        text = self.page(self.art_path(a['id'])).text
        self.assertIn('&lt;script&gt;alert(&#34;xss&#34;)&lt;/script&gt;',
                      text)
        self.assertIn(XSS, Page(text).all_text())  # shown as text
        # the href is an attribute value: its quote is escaped
        self.assertIn('href="https://example.com/&#34;&gt;&lt;x"', text)

    def test_javascript_urls_are_refused_at_the_api(self):
        # the first barrier: the API refuses them (the templates also
        # never make a link of one: glare/tests/unit/web)
        a = self.create()
        for ops in ([{'op': 'add', 'path': '/provided_by',
                      'value': {'href': 'javascript:alert(1)'}}],
                    [{'op': 'add', 'path': '/list_of_links/-',
                      'value': 'javascript:alert(1)'}]):
            resp = self.patch(self.url(a['id']), ops, headers=self.user)
            self.assertEqual(400, resp.status_code, base.brief(resp))

    def test_headers_and_cache(self):
        a = self.public()
        path = self.art_path(a['id'])
        first = self.page(path)
        etag = first.headers['ETag']
        self.assertEqual('public, no-cache', first.headers['Cache-Control'])
        self.assertIn('X-Auth-Token', first.headers['Vary'])
        csp = first.headers['Content-Security-Policy']
        for directive in ("default-src 'self'", "object-src 'none'",
                          "frame-ancestors 'none'", "base-uri 'none'"):
            self.assertIn(directive, csp)
        self.assertNotIn('unsafe-inline', csp)
        self.assertEqual('nosniff', first.headers['X-Content-Type-Options'])
        again = self.page(path, dict(ANONYMOUS, **{'If-None-Match': etag}),
                          expect=304)
        self.assertEqual(b'', again.content)
        self.assertEqual(etag, again.headers['ETag'])
        # a star changes the page, and its tag
        resp = self.request('PUT', self.url(a['id']) + '/star',
                            headers=self.auth(self.new_project()))
        self.assertEqual(204, resp.status_code)
        changed = self.page(path, dict(ANONYMOUS, **{'If-None-Match': etag}))
        self.assertNotEqual(etag, changed.headers['ETag'])
        self.assertIn('<dd id="star-count">1</dd>', changed.text)
        # a signed-in caller's page is for its own cache only
        own = self.page(path, self.user)
        self.assertEqual('private, no-cache', own.headers['Cache-Control'])
        # static files: cached for good, their URL carries their tag
        page = Page(first.text)
        css = [t[1]['href'] for t in page.tags if t[0] == 'link'][0]
        resp = self.get(css, headers=ANONYMOUS)
        self.assertEqual(200, resp.status_code)
        self.assertEqual('text/css; charset=UTF-8',
                         resp.headers['Content-Type'])
        self.assertIn('immutable', resp.headers['Cache-Control'])
        head = self.request('HEAD', path, headers=ANONYMOUS)
        self.assertEqual(200, head.status_code)
        self.assertEqual(b'', head.content)

    def test_visibility(self):
        private = self.create(name=self.unique('priv'))
        self.activate(private['id'])
        community = self.create(
            name=self.unique('comm'),
            link1='/artifacts/sample_artifact/' + private['id'],
            list_of_links=['https://example.com/docs'])
        self.activate(community['id'])
        self.set_values(community['id'], visibility='community')
        public = self.public(name=self.unique('pub'))
        other = self.auth(self.new_project())
        # anonymous and other projects: no private artifact anywhere
        for who in (ANONYMOUS, other):
            self.page(self.art_path(private['id']), who, expect=404)
            self.page(self.art_path(community['id']), who)
            self.page(self.art_path(public['id']), who)
            listed = Page(self.page('/catalog/types/sample_artifact?'
                                    'sort=created&status=any',
                                    who).text).links
            self.assertNotIn(self.art_path(private['id']), listed)
            self.assertIn(self.art_path(community['id']), listed)
            self.assertIn(self.art_path(public['id']), listed)
            found = Page(self.page('/catalog/search?q=' + private['name'],
                                   who).text).links
            self.assertNotIn(self.art_path(private['id']), found)
        # its owner finds it
        self.assertIn(self.art_path(private['id']), Page(self.page(
            '/catalog/search?q=' + private['name'], self.user).text).links)
        # a dependency the visitor may not read is named by its id only
        text = self.page(self.art_path(community['id'])).text
        self.assertNotIn(self.art_path(private['id']), Page(text).links)
        self.assertIn('an artifact you cannot read, or that is gone '
                      '(sample_artifact/%s)' % private['id'], text)
        self.assertIn('https://example.com/docs', Page(text).links)
        # the owner sees its own artifact, through its token
        self.page(self.art_path(private['id']), self.user)
        self.assertIn(self.art_path(private['id']), Page(self.page(
            self.art_path(community['id']), self.user).text).links)
        mine = Page(self.page('/catalog/types/sample_artifact?sort=created',
                              self.user).text).links
        self.assertIn(self.art_path(private['id']), mine)
        only_public = Page(self.page(
            '/catalog/types/sample_artifact?visibility=public',
            ANONYMOUS).text).links
        self.assertNotIn(self.art_path(community['id']), only_public)

    def test_artifact_page(self):
        data = b'catalog blob data\n' * 10
        dep = self.create(name=self.unique('dep'), version='1.0.0')
        self.put_blob(dep['id'], 'blob', data)
        self.activate(dep['id'])
        self.publish(dep['id'])
        newer = self.public(name=dep['name'], version='2.0.0')
        user = self.create(name=self.unique('user'),
                           link1='/artifacts/sample_artifact/' + dep['id'])
        self.activate(user['id'])
        self.publish(user['id'])
        hidden = self.create(link1='/artifacts/sample_artifact/' +
                             dep['id'])
        self.activate(hidden['id'])  # active, private: counted, not named
        text = self.page(self.art_path(dep['id'])).text
        page = Page(text)
        # blob: size, sha256, a download link that gives those bytes
        sha = hashlib.sha256(data).hexdigest()
        self.assertIn(sha, text)
        link = '/artifacts/sample_artifact/%s/blob' % dep['id']
        self.assertIn(link, page.links)
        got = self.get(link, headers=ANONYMOUS)
        self.assertEqual(sha, hashlib.sha256(got.content).hexdigest())
        self.assertIn('not signed', text)
        self.assertIn('/artifacts/sample_artifact/%s/bundle' % dep['id'],
                      page.links)
        # dependents (the readable ones), versions of the name
        self.assertIn(self.art_path(user['id']), page.links)
        self.assertNotIn(self.art_path(hidden['id']), page.links)
        self.assertIn('1 more active artifact(s) link to it', text)
        self.assertIn(self.art_path(newer['id']), page.links)
        # the dependency link back, and the schema's descriptions
        back = self.page(self.art_path(user['id'])).text
        self.assertIn(self.art_path(dep['id']), Page(back).links)
        # the schema's descriptions of the fields
        self.assertIn('I am Blob', page.all_text())
        self.assertIn('Artifact status.', page.all_text())

    def test_signature_status(self):
        data = b'signed data'
        a = self.create()
        self.put_blob(a['id'], 'blob', data)
        key = signing.rsa_key()
        resp = self.post('/trust/certificates', {
            'name': self.unique('cert'),
            'pem': signing.cert_pem(signing.certificate(key))},
            headers=self.user)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        entry = resp.json()
        resp = self.request('PUT', self.url(a['id']) + '/signatures/blob',
                            headers=self.user, json_body=signing.raw_body(
                                key, data, entry['id']))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.activate(a['id'])
        self.publish(a['id'])
        page = Page(self.page(self.art_path(a['id'])).text).all_text()
        self.assertIn('Verified', page)
        self.assertIn(entry['subject'], page)
        self.assertIn(entry['fingerprint_sha256'][:16], page)

    def test_reviews_listed_and_paged(self):
        a = self.public()
        for rating in (5, 3):
            resp = self.post(self.url(a['id']) + '/reviews',
                             {'rating': rating, 'comment': 'c%d' % rating},
                             headers=self.auth(self.new_project()))
            self.assertEqual(201, resp.status_code)
        text = self.page(self.art_path(a['id'])).text
        self.assertIn('4.0 / 5 (2 reviews)', text)
        self.assertIn('c5', text)
        self.assertIn('c3', text)
        self.page(self.art_path(a['id']) + '?reviews_marker=bogus',
                  expect=404)


class CatalogDisabledTests(base.FunctionalTest):
    """[catalog] enabled = False: /catalog is an unknown path."""

    BACKEND = 'sqlite'
    CONFIG = {'catalog': {'enabled': 'False'}}

    def test_catalog_is_404_json(self):
        for path in ('/catalog', '/catalog/types/sample_artifact',
                     '/catalog/static/catalog.css'):
            self.assertError(404, self.get(path))
        self.assertEqual(200, self.get('/artifacts/sample_artifact',
                                       headers=self.user).status_code)


class CatalogPolicyTests(CatalogMixin, base.FunctionalTest):
    """The pages follow the policy the API follows."""

    BACKEND = 'sqlite'
    POLICY = {'artifact:get': 'role:admin',
              'artifact:list': 'role:admin',
              'artifact:review_list': '!'}

    def test_policy_applies(self):
        a = self.create()
        self.activate(a['id'])
        self.publish(a['id'])
        path = self.art_path(a['id'])
        # the API and the page refuse alike
        self.assertError(403, self.get(self.url(a['id']),
                                       headers=ANONYMOUS))
        self.page(path, expect=403)
        self.page(path, self.user, expect=403)
        self.page('/catalog/types/sample_artifact', self.user, expect=403)
        # a home page without the types the caller may not list, in its
        # grid and in the navigation of every page
        text = self.page('/catalog', self.user).text
        self.assertNotIn('class="type-name">Sample Artifact<', text)
        self.assertNotIn(path, Page(text).links)
        self.assertNotIn('/catalog/types/sample_artifact', Page(text).links)
        self.assertIn('/catalog/types/sample_artifact',
                      Page(self.page('/catalog', self.admin).text).links)
        self.assertIn('class="type-name">Sample Artifact<',
                      self.page('/catalog', self.admin).text)
        # admins read it, but nobody may read the reviews
        text = self.page(path, self.admin).text
        self.assertIn('You may not read the reviews.', text)


class CatalogCrossSiteTests(CatalogMixin, base.FunctionalTest):
    """A page of another site cannot write through a visitor's browser:
    an HTML form sends no token (no cookie stands for one) and none of
    the API's media types, and the API refuses it before any change."""

    BACKEND = 'sqlite'

    def test_form_posts_are_refused(self):
        a = self.public(name=self.unique('csrf'))
        form = 'application/x-www-form-urlencoded'
        for method, path, data in (
                ('POST', self.url(), 'name=evil'),
                ('POST', self.url(a['id']) + '/reviews', 'rating=1'),
                ('PATCH', self.url(a['id']), 'name=evil')):
            resp = self.request(method, path, headers=self.user, data=data,
                                content_type=form)
            self.assertIn(resp.status_code, (400, 405, 415),
                          base.brief(resp))
            self.assertEqual('application/json; charset=UTF-8',
                             resp.headers.get('Content-Type'))
        self.assertEqual(a['name'], self.show(a['id'])['name'])
        self.assertEqual(0, self.show(a['id'])['rating']['count'])


class CatalogAuthRequiredTests(CatalogMixin, base.FunctionalTest):
    """Without allow_anonymous_access, anonymous visitors get 401, as an
    HTML page under /catalog and the JSON document elsewhere."""

    BACKEND = 'sqlite'
    CONFIG = {}

    def test_anonymous_refused(self):
        resp = self.page('/catalog', expect=401)
        self.assertIn('<h1>401 ', resp.text)
        self.assertError(401, self.get('/artifacts/sample_artifact',
                                       headers=ANONYMOUS))
        self.page('/catalog', self.user)
