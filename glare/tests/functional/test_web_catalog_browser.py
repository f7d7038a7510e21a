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

"""The web catalog in a real browser: Debian's chromium, headless, driven
by Selenium (chromium-driver), against a real glare-api.

Skipped with the reason when chromium, its driver or selenium is missing,
unless GLARE_TEST_REQUIRE_BROWSER=1 (then it fails). Screenshots of each
page go to $GLARE_TEST_SCREENSHOTS (default: a new /tmp/glare-screenshots-*
directory, kept).
"""

import hashlib
import http.server
import os
import shutil
import tempfile
import threading
import time
import unittest
import uuid

from glare.tests.functional import base

try:
    from selenium.common import exceptions as sel_exc
    from selenium import webdriver
    from selenium.webdriver.chrome import service as chrome_service
    from selenium.webdriver.common import action_chains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys
    from selenium.webdriver.support import expected_conditions as ec
    from selenium.webdriver.support import ui
except ImportError:  # the skip below names it
    webdriver = None

CHROMIUM = os.environ.get('GLARE_TEST_CHROMIUM', '/usr/bin/chromium')
CHROMEDRIVER = os.environ.get('GLARE_TEST_CHROMEDRIVER',
                              '/usr/bin/chromedriver')
REQUIRE = os.environ.get('GLARE_TEST_REQUIRE_BROWSER') == '1'
AUDIT = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                     'a11y_audit.js')
WAIT = 20


def _missing():
    """Why the browser tests cannot run here, or None."""
    if webdriver is None:
        return 'selenium is not installed (test-requirements.txt)'
    for path, package in ((CHROMIUM, 'chromium'),
                          (CHROMEDRIVER, 'chromium-driver')):
        if not os.access(path, os.X_OK):
            return '%s not found (apt-get install %s)' % (path, package)
    return None


class _Hits(http.server.BaseHTTPRequestHandler):
    """A server an injected payload would call: it counts the calls."""

    hits = []

    def do_GET(self):
        self.hits.append(self.path)
        self.send_response(204)
        self.end_headers()

    def log_message(self, *args):
        pass


def _driver(download_dir, javascript=True):
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ('--headless=new', '--no-sandbox', '--disable-dev-shm-usage',
                '--disable-gpu', '--window-size=1280,1800',
                '--no-first-run', '--disable-extensions',
                '--disable-background-networking',
                '--disable-component-update'):
        options.add_argument(arg)
    prefs = {'download.default_directory': download_dir,
             'download.prompt_for_download': False,
             'safebrowsing.enabled': False}
    if not javascript:
        prefs['profile.managed_default_content_settings.javascript'] = 2
    options.add_experimental_option('prefs', prefs)
    driver = webdriver.Chrome(
        options=options,
        service=chrome_service.Service(executable_path=CHROMEDRIVER))
    driver.set_page_load_timeout(WAIT)
    driver.execute_cdp_cmd('Page.setDownloadBehavior', {
        'behavior': 'allow', 'downloadPath': download_dir})
    # an anonymous visitor (noauth: without any identity header the
    # caller would be the local admin); a token the page's script sends
    # still names its caller
    driver.execute_cdp_cmd('Network.enable', {})
    driver.execute_cdp_cmd('Network.setExtraHTTPHeaders', {
        'headers': {'X-Identity-Status': 'Anonymous'}})
    return driver


class BrowserTest(base.FunctionalTest):
    """A glare-api and a headless chromium for the class."""

    BACKEND = 'sqlite'
    CONFIG = {'DEFAULT': {'allow_anonymous_access': 'True'}}

    @classmethod
    def setUpClass(cls):
        missing = _missing()
        if missing:
            if REQUIRE:
                raise AssertionError('GLARE_TEST_REQUIRE_BROWSER=1 but ' +
                                     missing)
            raise unittest.SkipTest(missing)
        super().setUpClass()
        cls.shots = os.environ.get('GLARE_TEST_SCREENSHOTS') or \
            tempfile.mkdtemp(prefix='glare-screenshots-')
        os.makedirs(cls.shots, exist_ok=True)
        cls.downloads = tempfile.mkdtemp(prefix='glare-downloads-')
        cls.addClassCleanup(shutil.rmtree, cls.downloads, True)
        cls.driver = _driver(cls.downloads)
        cls.addClassCleanup(cls.driver.quit)
        cls.hits_server = http.server.HTTPServer(('127.0.0.1', 0), _Hits)
        threading.Thread(target=cls.hits_server.serve_forever,
                         daemon=True).start()
        cls.addClassCleanup(cls.hits_server.shutdown)

    # -- helpers ---------------------------------------------------------
    def open(self, path):
        self.driver.get(self.server.url + path)
        return self.driver

    def shot(self, name):
        self.driver.save_screenshot(os.path.join(self.shots, name + '.png'))

    def wait(self, condition):
        return ui.WebDriverWait(self.driver, WAIT).until(condition)

    def assertNoDialog(self):
        try:
            alert = self.driver.switch_to.alert
        except sel_exc.NoAlertPresentException:
            return
        text = alert.text
        alert.dismiss()
        self.fail('a dialog opened: %r' % text)

    def audit(self):
        with open(AUDIT) as f:
            problems = self.driver.execute_script(f.read())
        self.assertEqual([], problems, self.driver.current_url)

    def tab_stops(self, count=60):
        """The ids (or tags) focus goes through with Tab, from a fresh
        load of the page."""
        self.driver.refresh()
        stops = []
        for _i in range(count):
            action_chains.ActionChains(self.driver).send_keys(
                Keys.TAB).perform()
            el = self.driver.switch_to.active_element
            stops.append(el.get_attribute('id') or el.tag_name)
        return stops

    def public(self, **fields):
        a = self.create(**fields)
        self.activate(a['id'])
        return self.publish(a['id'])

    def put_blob(self, artifact_id, field, data):
        resp = self.request('PUT', '%s/%s' % (self.url(artifact_id), field),
                            headers=self.user, data=data,
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))


class CatalogBrowserTests(BrowserTest):

    def test_visitor_journey(self):
        word = uuid.uuid4().hex[:8]
        data = os.urandom(4096)
        lib = self.create(name='lib-' + word, version='1.2.0',
                          description='A library the app needs.',
                          tags=['library'], license='Apache-2.0')
        self.put_blob(lib['id'], 'blob', data)
        self.activate(lib['id'])
        self.publish(lib['id'])
        app = self.public(
            name='app-' + word, description='An application.',
            link1='/artifacts/sample_artifact/' + lib['id'],
            provided_by={'name': 'Example Org',
                         'href': 'https://example.org/'})
        # home, then a search from the header's box (keyboard only)
        self.open('/catalog')
        self.assertNoDialog()
        self.shot('home')
        self.audit()
        box = self.driver.find_element(By.ID, 'site-q')
        box.send_keys('app-' + word + Keys.ENTER)
        self.wait(ec.url_contains('/catalog/search'))
        self.shot('search')
        self.audit()
        # the result, then the artifact page
        self.driver.find_element(By.LINK_TEXT, 'app-' + word).click()
        self.wait(ec.url_contains(app['id']))
        self.assertEqual('app-' + word,
                         self.driver.find_element(By.TAG_NAME, 'h1')
                         .text.split()[0])
        self.shot('artifact')
        self.audit()
        # its dependency
        self.driver.find_element(By.CSS_SELECTOR, 'a.dependency').click()
        self.wait(ec.url_contains(lib['id']))
        self.shot('dependency')
        self.audit()
        shown = self.driver.find_element(By.CSS_SELECTOR, 'code.sha256').text
        self.assertEqual(hashlib.sha256(data).hexdigest(), shown)
        # the app shows as a dependent of the library
        self.driver.find_element(By.CSS_SELECTOR, 'a.dependent')
        # download the blob; the file's sha256 is the one shown
        self.driver.find_element(By.CSS_SELECTOR, 'a.download').click()
        path = os.path.join(self.downloads, 'blob')
        deadline = time.monotonic() + WAIT
        while not os.path.exists(path) and time.monotonic() < deadline:
            time.sleep(0.1)
        with open(path, 'rb') as f:
            self.assertEqual(shown, hashlib.sha256(f.read()).hexdigest())
        # the type page, filtered from its form
        self.open('/catalog/types/sample_artifact')
        self.driver.find_element(By.ID, 'f-tag').send_keys('library')
        self.driver.find_element(By.ID, 'f-sort').send_keys('Name')
        self.driver.find_element(By.ID, 'f-tag').submit()
        self.wait(ec.url_contains('tag=library'))
        self.driver.find_element(By.LINK_TEXT, 'lib-' + word)
        self.shot('type')
        self.audit()

    def test_signed_in_user_stars_and_reviews(self):
        a = self.public(name='starred-' + uuid.uuid4().hex[:8])
        self.open('/catalog/artifacts/sample_artifact/' + a['id'])
        # without a token, no write control shows
        self.assertFalse(self.driver.find_element(By.ID, 'star-btn')
                         .is_displayed())
        token = 'reviewer:%s:member' % self.project
        self.driver.find_element(By.ID, 'signin-token').send_keys(token)
        self.driver.find_element(By.ID, 'signin-token').submit()
        self.wait(ec.visibility_of_element_located((By.ID, 'star-btn')))
        # the keyboard reaches the search box and the write controls
        stops = self.tab_stops(80)
        for wanted in ('site-q', 'star-btn', 'review-rating',
                       'review-comment'):
            self.assertIn(wanted, stops)
        self.assertEqual('a', stops[0])  # the skip link comes first
        self.audit()
        self.driver.find_element(By.ID, 'star-btn').click()
        self.wait(ec.text_to_be_present_in_element((By.ID, 'star-count'),
                                                   '1'))
        self.driver.find_element(By.ID, 'review-rating').send_keys('4')
        comment = 'Works well <script>alert("x")</script>'
        self.driver.find_element(By.ID, 'review-comment').send_keys(comment)
        self.driver.find_element(By.ID, 'review-comment').submit()
        self.wait(ec.text_to_be_present_in_element((By.ID, 'rating'),
                                                   '4.0 / 5'))
        self.assertNoDialog()
        self.assertEqual(comment, self.driver.find_element(
            By.CSS_SELECTOR, '.review .comment').text)
        self.shot('signed-in-review')
        self.audit()
        # the API has them, written by the token's user
        stars = self.get('/stars', headers={'X-Auth-Token': token}).json()
        self.assertEqual([a['id']], [s['artifact']['id']
                                     for s in stars['stars']])
        reviews = self.get(self.url(a['id']) + '/reviews',
                           headers=self.user).json()['reviews']
        self.assertEqual([('reviewer', 4, comment)],
                         [(r['user_id'], r['rating'], r['comment'])
                          for r in reviews])
        # a second review is refused with the API's message, on the page
        self.driver.find_element(By.ID, 'review-comment').submit()
        self.wait(ec.text_to_be_present_in_element((By.ID, 'action-status'),
                                                   'reviewed'))
        # signing out hides the controls again
        self.driver.find_element(By.ID, 'signout').click()
        self.assertFalse(self.driver.find_element(By.ID, 'star-btn')
                         .is_displayed())

    def test_injected_markup_stays_inert(self):
        hit = 'http://127.0.0.1:%d/' % self.hits_server.server_port
        payloads = [
            '<script>alert(1)</script>',
            '<img src="%simg" onerror="alert(2)">' % hit,
            '"><script src="%sjs"></script>' % hit,
            "';alert(3);//",
        ]
        a = self.public(
            name='xss-' + uuid.uuid4().hex[:8] + payloads[0],
            description=payloads[1], tags=['"><svg onload=alert(4)>'],
            license=payloads[2], metadata={'k': payloads[1]},
            str1=payloads[3],
            provided_by={'name': payloads[2], 'company': payloads[1],
                         'href': 'https://example.com/?q=%3Cscript%3E'})
        resp = self.post(self.url(a['id']) + '/reviews',
                         {'rating': 1, 'comment': payloads[1] + payloads[2]},
                         headers=self.auth(self.new_project()))
        self.assertEqual(201, resp.status_code, base.brief(resp))
        for path in ('/catalog/artifacts/sample_artifact/' + a['id'],
                     '/catalog', '/catalog/types/sample_artifact',
                     '/catalog/search?q=xss-'):
            self.open(path)
            self.assertNoDialog()
            scripts = self.driver.execute_script(
                'return Array.from(document.scripts).map(s => s.src)')
            self.assertEqual(1, len(scripts), path)
            self.assertIn('/catalog/static/catalog.js', scripts[0])
            handlers = self.driver.execute_script(
                'return Array.from(document.querySelectorAll("*")).filter('
                'e => Array.from(e.attributes).some(a => a.name.startsWith('
                '"on"))).length')
            self.assertEqual(0, handlers, path)
        self.open('/catalog/artifacts/sample_artifact/' + a['id'])
        self.assertIn(payloads[0], self.driver.find_element(
            By.TAG_NAME, 'h1').text)
        self.shot('xss-inert')
        time.sleep(0.5)  # let anything that would fire, fire
        self.assertEqual([], _Hits.hits)
        self.assertNoDialog()

    def test_reading_needs_no_javascript(self):
        a = self.public(name='nojs-' + uuid.uuid4().hex[:8],
                        description='Readable without scripts.')
        driver = _driver(self.downloads, javascript=False)
        self.addCleanup(driver.quit)
        driver.get(self.server.url + '/catalog/artifacts/sample_artifact/' +
                   a['id'])
        self.assertIn('Readable without scripts.', driver.find_element(
            By.CLASS_NAME, 'description').text)
        # the write controls and the sign-in stay hidden without script
        self.assertFalse(driver.find_element(By.ID, 'signin').is_displayed())
        self.assertFalse(driver.find_element(By.ID, 'review-form')
                         .is_displayed())
        driver.find_element(By.ID, 'site-q').send_keys('nojs' + Keys.ENTER)
        ui.WebDriverWait(driver, WAIT).until(ec.url_contains('q=nojs'))
        driver.find_element(By.PARTIAL_LINK_TEXT, 'nojs-')
