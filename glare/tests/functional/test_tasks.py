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

"""Imports from a URL as background tasks (issue 20), over real HTTP: a
glare-api whose own task workers fetch from a loopback origin server
(glare.tests.fixtures.origin) and store as an upload would; the task
documents, cancellation, failures, and who sees which task."""

import os
import time
import uuid

from glare.tests.fixtures import image_samples
from glare.tests.fixtures import origin as origin_fixture
from glare.tests.functional import base
from glare.tests.functional import test_blobs
from glare.tests.functional import test_quotas

TASK_KEYS = ['id', 'type', 'status', 'progress', 'message', 'artifact',
             'created_at', 'updated_at']
ENDED = ('success', 'failure')


class TaskHelpers(test_blobs.BlobMixin):
    """An origin server for the class, and the task requests."""

    @classmethod
    def setUpClass(cls):
        cls.origin = origin_fixture.Origin().start()
        cls.addClassCleanup(cls.origin.stop)
        # a private address, not allow-listed: what SSRF rules refuse
        cls.private = origin_fixture.Origin('127.0.0.2').start()
        cls.addClassCleanup(cls.private.stop)
        config = {section: dict(options)
                  for section, options in cls.CONFIG.items()}
        config.setdefault('locations', {}).setdefault(
            'allowed_networks', '127.0.0.1/32')
        config.setdefault('tasks', {}).setdefault('poll_interval', '0.2')
        cls.CONFIG = config
        super().setUpClass()

    def url_of(self, path, server=None):
        """An origin URL whose query makes its requests this test's."""
        return (server or self.origin).url(
            '%s%s%s' % (path, '&' if '?' in path else '?',
                        uuid.uuid4().hex))

    def import_path(self, artifact_id, field, key=None):
        return self.blob_path(artifact_id, field, key) + '/import'

    def start_import(self, artifact_id, field, body, key=None,
                     headers=None):
        return self.post(self.import_path(artifact_id, field, key), body,
                         headers=self.user if headers is None else headers)

    def imported(self, artifact_id, field, body, key=None, headers=None):
        """Start an import (202 expected); its task document."""
        resp = self.start_import(artifact_id, field, body, key, headers)
        self.assertEqual(202, resp.status_code, base.brief(resp))
        doc = resp.json()
        self.assertEqual(TASK_KEYS, list(doc))
        self.assertEqual(self.server.url + '/tasks/' + doc['id'],
                         resp.headers['Location'])
        self.assertEqual(('import', artifact_id, 0.0), (
            doc['type'], doc['artifact'], doc['progress']))
        self.assertIn(doc['status'], ('pending', 'running'))
        return doc

    def task(self, task_id, headers=None):
        resp = self.get('/tasks/' + task_id,
                        headers=self.user if headers is None else headers)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def wait_task(self, task_id, until=ENDED, headers=None, timeout=60):
        deadline = time.monotonic() + timeout
        while True:
            doc = self.task(task_id, headers)
            if doc['status'] in until:
                return doc
            self.assertLess(time.monotonic(), deadline, doc)
            time.sleep(0.05)

    def finished(self, artifact_id, field, body, key=None, headers=None):
        return self.wait_task(self.imported(artifact_id, field, body, key,
                                            headers)['id'], headers=headers)

    def stored_files(self):
        """The files of the filesystem store (what a failure must not
        leave)."""
        root = os.path.join(self.server.workdir, 'state', 'blobs')
        return sorted(os.path.join(d, f) for d, _, files in os.walk(root)
                      for f in files)


@base.with_backends
class ImportTests(TaskHelpers, test_quotas.QuotaClient):
    """POST .../import: the task, what it stores, how it fails."""

    def test_import_stores_the_data_as_an_upload(self):
        af = self.create()
        size = 3 * 1024 * 1024 + 5
        doc = self.finished(af['id'], 'blob', {
            'url': self.url_of('/data/%d' % size),
            'sha256': origin_fixture.sha256(size).upper()})
        self.assertEqual(('success', 1.0), (doc['status'], doc['progress']))
        self.assertIn('Imported %d bytes from http://127.0.0.1:' % size,
                      doc['message'])
        blob = self.show(af['id'])['blob']
        self.assertEqual((size, 'active', 'application/x-origin',
                          origin_fixture.sha256(size), False), (
            blob['size'], blob['status'], blob['content_type'],
            blob['sha256'], blob['external']))
        down = self.download(af['id'], 'blob')
        self.assertEqual(200, down.status_code)
        self.assertEqual(origin_fixture.data(size), down.content)
        self.assertDataHeaders(down, down.content)
        # and in a folder, under a key with a slash, without a length
        doc = self.finished(af['id'], 'dict_of_blobs', {
            'url': self.url_of('/stream/1500')}, key='a/b')
        self.assertEqual('success', doc['status'], doc)
        down = self.download(af['id'], 'dict_of_blobs', 'a/b')
        self.assertEqual(origin_fixture.data(1500), down.content)

    def test_the_types_upload_checks_run_on_imported_data(self):
        image = self.create(type_name='images', container_format='bare')
        bad = self.origin.put(self.unique('backing'), image_samples.qcow2(
            backing_file='/etc/passwd'))
        path = '%s/image/import' % self.url(image['id'], 'images')
        resp = self.post(path, {'url': self.url_of(bad)}, headers=self.user)
        self.assertEqual(202, resp.status_code, base.brief(resp))
        doc = self.wait_task(resp.json()['id'])
        self.assertEqual('failure', doc['status'])
        self.assertIn('Image has a backing file', doc['message'])
        self.assertIsNone(self.show(image['id'], type_name='images')['image'])
        good = self.origin.put(self.unique('qcow2'), image_samples.qcow2())
        resp = self.post(path, {'url': self.url_of(good)}, headers=self.user)
        self.assertEqual('success', self.wait_task(resp.json()['id'])[
            'status'])
        shown = self.show(image['id'], type_name='images')
        # what the inspector found, as for an upload
        self.assertEqual(('qcow2', str(image_samples.MIB), 'active'), (
            shown['metadata']['detected_format'],
            shown['metadata']['virtual_size'], shown['image']['status']))

    def test_sha256_mismatch_stores_nothing(self):
        af = self.create()
        self.upload(af['id'], 'blob', b'before')
        files = self.stored_files()
        doc = self.finished(af['id'], 'blob', {
            'url': self.url_of('/data/200000'), 'sha256': '0' * 64})
        self.assertEqual('failure', doc['status'])
        self.assertIn('The sha256 of the data at http://127.0.0.1:',
                      doc['message'])
        self.assertIn('nothing was stored', doc['message'])
        # the blob as it was
        self.assertEqual(b'before', self.download(af['id'], 'blob').content)
        self.assertEqual('active', self.show(af['id'])['blob']['status'])
        self.assertEqual(files, self.stored_files())

    def test_fetch_failures_fail_the_task(self):
        af = self.create()
        files = self.stored_files()
        doc = self.finished(af['id'], 'blob', {
            'url': self.url_of('/missing')})
        self.assertEqual('failure', doc['status'])
        self.assertRegex(doc['message'], r'^http://127\.0\.0\.1:\d+ '
                         r'answered 404')
        # a redirect to a private address: refused when the task fetches
        hidden = self.url_of('/data/10', server=self.private)
        doc = self.finished(af['id'], 'blob', {
            'url': self.origin.url('/redirect?to=' + hidden)})
        self.assertEqual('failure', doc['status'])
        self.assertIn('127.0.0.2', doc['message'])
        self.assertIn('private, loopback', doc['message'])
        self.assertEqual([], self.private.requests)
        self.assertIsNone(self.show(af['id'])['blob'])
        self.assertEqual(files, self.stored_files())

    def test_private_and_malformed_urls_are_refused_up_front(self):
        af = self.create()
        for url, words in (
                (self.url_of('/data/10', server=self.private),
                 'private, loopback'),
                ('http://169.254.169.254/latest/meta-data', 'metadata'),
                ('ftp://127.0.0.1/x', 'Only http and https'),
                ('http://user:pw@127.0.0.1/x', 'embedded credentials'),
                ('http:///x', 'has no host'),
                ('not a url', 'without spaces')):
            with self.subTest(url=url):
                self.assertError(400, self.start_import(
                    af['id'], 'blob', {'url': url}), words)
        self.assertEqual([], self.private.requests)
        self.assertEqual([], self.get('/tasks', headers=self.user).json()[
            'tasks'])

    def test_bad_requests(self):
        af = self.create()
        good = {'url': self.url_of('/data/10')}
        for body, words in (
                ([good], 'JSON object'), ({}, '"url"'),
                ({'url': 7}, '"url"'), ({'url': 'x' * 3000}, '"url"'),
                (dict(good, sha256='abc'), '64 hex digits'),
                (dict(good, sha256=7), '64 hex digits'),
                (dict(good, md5='0' * 32), 'Unknown key(s)')):
            with self.subTest(body=body):
                self.assertError(400, self.start_import(af['id'], 'blob',
                                                        body), words)
        self.assertError(400, self.start_import(af['id'], 'nope', good),
                         'not a blob field')
        self.assertError(400, self.start_import(af['id'], 'dict_of_blobs',
                                                good), 'needs a key')
        self.assertError(400, self.start_import(af['id'], 'str1', good),
                         'not a blob field')
        self.assertError(404, self.start_import(str(uuid.uuid4()), 'blob',
                                                good))
        # another project's artifact: as if it did not exist
        other = self.auth(self.new_project())
        self.assertError(404, self.start_import(af['id'], 'blob', good,
                                                headers=other))
        resp = self.request('POST', self.import_path(af['id'], 'blob'),
                            headers=self.user, data='{"url": "x"}',
                            content_type='text/plain')
        self.assertError(415, resp)
        resp = self.request('POST', self.import_path(af['id'], 'blob'),
                            headers=self.user, data='{"url": ',
                            content_type='application/json')
        self.assertError(400, resp, 'Malformed JSON')
        # the blob cannot be written: a system field, an active artifact's
        # immutable... (sample_artifact's blob is mutable: deactivate)
        self.activate(af['id'])
        self.set_values(af['id'], headers=self.admin, status='deactivated')
        resp = self.start_import(af['id'], 'blob', good)
        self.assertIn(resp.status_code, (400, 403, 409), base.brief(resp))
        self.assertError(resp.status_code, resp)
        self.assertEqual([], self.get('/tasks', headers=self.user).json()[
            'tasks'])

    def test_too_big_for_the_field_or_the_quota(self):
        af = self.create()
        doc = self.finished(af['id'], 'small_blob', {
            'url': self.url_of('/data/100')})
        self.assertEqual('failure', doc['status'])
        self.assertIn('size limit', doc['message'])
        doc = self.finished(af['id'], 'small_blob', {
            'url': self.url_of('/stream/100')})
        self.assertEqual('failure', doc['status'])
        self.assertIn('more than the 10 bytes allowed', doc['message'])
        self.set_quotas((self.project, {test_quotas.DATA: 1000}))
        doc = self.finished(af['id'], 'blob', {
            'url': self.url_of('/data/5000')})
        self.assertEqual('failure', doc['status'])
        self.assertIn('quota', doc['message'].lower())
        shown = self.show(af['id'])
        self.assertEqual((None, None), (shown['blob'], shown['small_blob']))
        # within the quota: stored
        doc = self.finished(af['id'], 'blob', {
            'url': self.url_of('/data/900')})
        self.assertEqual('success', doc['status'], doc)

    def test_cancel_mid_import_leaves_nothing(self):
        af = self.create()
        self.upload(af['id'], 'blob', b'before')
        files = self.stored_files()
        # 4 MiB at 64 KiB every 50 ms: about 3 s
        url = self.url_of('/slow/%d/65536/0.05' % (4 << 20))
        doc = self.imported(af['id'], 'blob', {'url': url})
        deadline = time.monotonic() + 30
        while True:
            running = self.task(doc['id'])
            if running['status'] == 'running' and running['progress'] > 0:
                break
            self.assertNotIn(running['status'], ENDED, running)
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertEqual('saving', self.show(af['id'])['blob']['status'])
        resp = self.delete('/tasks/' + doc['id'], headers=self.user)
        self.assertEqual(202, resp.status_code, base.brief(resp))
        self.assertEqual(TASK_KEYS, list(resp.json()))
        ended = self.wait_task(doc['id'], timeout=10)
        self.assertEqual(('failure', 'Cancelled'),
                         (ended['status'], ended['message']))
        self.assertLess(ended['progress'], 1.0)
        # stopped: the origin saw the connection go before its end
        deadline = time.monotonic() + 10
        while self.origin.of(url.split(':', 2)[2][url.split(':', 2)[2]
                                                   .index('/'):])[0].ended \
                is None:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.05)
        self.assertEqual('broken', self.origin.requests[-1].outcome)
        # the blob as it was, no partial data left in the store
        self.assertEqual(b'before', self.download(af['id'], 'blob').content)
        self.assertEqual('active', self.show(af['id'])['blob']['status'])
        self.assertEqual(files, self.stored_files())
        self.assertError(409, self.delete('/tasks/' + doc['id'],
                                          headers=self.user), 'ended')


@base.with_backends
class TaskVisibilityTests(TaskHelpers):
    """GET /tasks[/{id}], DELETE /tasks/{id}: a project's own, admins
    all; shapes and errors of the routes."""

    def test_projects_see_their_own_tasks_admins_all(self):
        mine_af = self.create()
        other = self.auth(self.new_project())
        theirs_af = self.create(headers=other)
        mine = self.finished(mine_af['id'], 'blob', {
            'url': self.url_of('/data/10')})
        theirs = self.finished(theirs_af['id'], 'blob', {
            'url': self.url_of('/missing')}, headers=other)
        self.assertEqual(('success', 'failure'),
                         (mine['status'], theirs['status']))
        for task_id in (theirs['id'], str(uuid.uuid4()), 'nope'):
            self.assertError(404, self.get('/tasks/' + task_id,
                                           headers=self.user))
            self.assertError(404, self.delete('/tasks/' + task_id,
                                              headers=self.user))
        self.assertEqual(mine, self.task(mine['id'], headers=self.admin))
        listed = self.get('/tasks', headers=self.user).json()
        self.assertEqual({'tasks': [mine]}, listed)
        self.assertEqual({'tasks': [theirs]}, self.get(
            '/tasks?status=failure', headers=other).json())
        self.assertEqual({'tasks': []}, self.get(
            '/tasks?status=pending,running', headers=other).json())
        everyone = [t['id'] for t in self.get(
            '/tasks?limit=100', headers=self.admin).json()['tasks']]
        self.assertIn(mine['id'], everyone)
        self.assertIn(theirs['id'], everyone)

    def test_route_errors(self):
        for path, code in (('/tasks?status=done', 400),
                           ('/tasks?limit=0', 400),
                           ('/tasks?colour=red', 400),
                           ('/tasks?status=a&status=b', 400),
                           ('/tasks/a/b', 404)):
            with self.subTest(path=path):
                self.assertError(code, self.get(path, headers=self.user))
        resp = self.post('/tasks', {}, headers=self.user)
        self.assertError(405, resp)
        self.assertEqual('GET', resp.headers['Allow'])
        resp = self.request('PUT', '/tasks/' + str(uuid.uuid4()),
                            headers=self.user)
        self.assertError(405, resp)
        self.assertEqual('DELETE, GET', resp.headers['Allow'])
        af = self.create()
        resp = self.request('GET', self.import_path(af['id'], 'blob'),
                            headers=self.user)
        self.assertError(400, resp)   # a single blob has no key "import"
