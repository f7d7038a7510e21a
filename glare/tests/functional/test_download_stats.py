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

"""Download counts over real HTTP (API 1.6): what counts, the downloads
field, sort and filter, and what a stop or a kill keeps."""

import os
import shutil
import signal
import tempfile
import time

from glare.tests.functional import base
from glare.tests.functional import test_blobs

#: a flush interval long enough that no flush runs during a test
NEVER = '3600'


class _Published(test_blobs.BlobMixin):

    def published(self, data=b'0123456789' * 10, **fields):
        """A public, active artifact of the test's project with a blob."""
        af = self.create(**fields)
        self.upload(af['id'], 'blob', data)
        self.activate(af['id'])
        self.publish(af['id'])
        return af['id']

    def fetch(self, artifact_id, headers, expect=200, range_=None):
        hdrs = dict(headers)
        if range_:
            hdrs['Range'] = range_
        resp = self.get(self.blob_path(artifact_id, 'blob'), headers=hdrs)
        self.assertEqual(expect, resp.status_code, base.brief(resp))
        return resp


@base.with_backends
class CountedTest(_Published):
    """Counts written every second: the tests wait for them."""

    CONFIG = {'stats': {'flush_interval': '1'}}

    def downloads(self, artifact_id, want, timeout=20):
        """The downloads field once its total is want (after the next
        flush), or the last one seen."""
        deadline = time.monotonic() + timeout
        while True:
            seen = self.show(artifact_id, headers=self.admin)['downloads']
            if seen['total'] == want or time.monotonic() > deadline:
                return seen
            time.sleep(0.2)

    def test_what_counts(self):
        artifact_id = self.published()
        other = self.auth(self.new_project())
        self.fetch(artifact_id, other)                      # counts
        self.fetch(artifact_id, other)                      # counts
        self.fetch(artifact_id, {})                         # anonymous too
        self.fetch(artifact_id, other, 206, 'bytes=0-9')    # from 0: counts
        self.fetch(artifact_id, other, 206, 'bytes=10-19')  # not from 0
        self.fetch(artifact_id, self.user)                  # the owner's
        self.fetch(artifact_id, self.auth(self.project, user='u2'))  # too
        self.get(self.blob_path(artifact_id, 'nosuch'), headers=other)
        self.assertEqual({'total': 4, 'last_30_days': 4},
                         self.downloads(artifact_id, 4))
        # and no more comes later
        time.sleep(1.5)
        self.assertEqual(4, self.show(artifact_id)['downloads']['total'])

    def test_sort_filter_and_read_only(self):
        names = self.unique('dl')
        ids = [self.published(tags=[names]) for _i in range(3)]
        other = self.auth(self.new_project())
        for i, n in zip(ids, (2, 0, 5), strict=True):
            for _n in range(n):
                self.fetch(i, other)
        self.assertEqual(5, self.downloads(ids[2], 5)['total'])
        self.assertEqual(2, self.downloads(ids[0], 2)['total'])
        self.assertEqual([ids[2], ids[0], ids[1]], self.list_ids(
            'tags=%s&sort=downloads:desc' % names))
        self.assertEqual([ids[2]], self.list_ids(
            'tags=%s&downloads=gt:2' % names))
        self.assertEqual(sorted([ids[0], ids[2]]), sorted(self.list_ids(
            'tags=%s&downloads=gte:1' % names)))
        for bad in ('downloads=gt:x', 'downloads=gt:1.5',
                    'sort=downloads:up'):
            resp = self.get(self.url() + '?' + bad, headers=self.user)
            self.assertEqual(400, resp.status_code, bad)
            self.assertEqual('application/json',
                             resp.headers['Content-Type'].split(';')[0])
        # nobody writes it
        resp = self.patch(self.url(ids[1]), [
            {'op': 'replace', 'path': '/downloads',
             'value': {'total': 10 ** 6, 'last_30_days': 1}}],
            headers=self.admin)
        self.assertEqual(403, resp.status_code, base.brief(resp))
        resp = self.post(self.url(), {'name': self.unique(),
                                      'downloads': {'total': 9}},
                         headers=self.user)
        self.assertIn(resp.status_code, (400, 403), base.brief(resp))
        self.assertEqual(0, self.show(ids[1])['downloads']['total'])

    def test_in_the_schema(self):
        schema = self.get('/schemas/sample_artifact',
                          headers=self.user).json()
        props = schema['schemas']['sample_artifact']['properties']
        self.assertEqual(['last_30_days', 'total'], sorted(
            props['downloads']['properties']))
        self.assertTrue(props['downloads']['readOnly'])


class StopTest(_Published, base.FunctionalTest):
    """Each test runs and stops a server of its own (two workers, no
    flush during the test)."""

    @classmethod
    def setUpClass(cls):
        super(base.FunctionalTest, cls).setUpClass()

    def setUp(self):
        self.workdir = tempfile.mkdtemp(prefix='glare-stats-')
        if not os.environ.get('GLARE_TEST_KEEP_LOGS'):
            self.addCleanup(shutil.rmtree, self.workdir, True)
        self.db_url = 'sqlite:///%s' % os.path.join(
            self.workdir, 'state', 'glare.sqlite')
        self.server = self.serve(NEVER)
        super().setUp()

    def serve(self, interval):
        server = base.GlareServer(self.workdir, self.db_url, workers=2,
                                  config={'stats': {
                                      'flush_interval': interval}})
        self.addCleanup(server.stop)
        server.start()
        return server

    def restart(self, how):
        """Stop the server (SIGTERM to the master, or SIGKILL to all of
        it), start it again on the same database."""
        if how == signal.SIGTERM:
            self.server.process.send_signal(signal.SIGTERM)
            self.assertEqual(0, self.server.process.wait(60),
                             self.server.log_tail())
        else:
            os.killpg(self.server.process.pid, signal.SIGKILL)
            self.server.process.wait(60)
        self.server.stop()
        self.server = self.serve(NEVER)

    def test_sigterm_loses_nothing(self):
        artifact_id = self.published()
        other = self.auth(self.new_project())
        for _i in range(25):
            self.fetch(artifact_id, other)
        self.restart(signal.SIGTERM)
        self.assertEqual({'total': 25, 'last_30_days': 25},
                         self.show(artifact_id)['downloads'])

    def test_sigkill_loses_what_was_not_written(self):
        artifact_id = self.published()
        other = self.auth(self.new_project())
        for _i in range(7):
            self.fetch(artifact_id, other)
        self.restart(signal.SIGKILL)
        # nothing was flushed in the hour: the seven are lost, at most
        # one interval's worth; the service counts on
        self.assertEqual(0, self.show(artifact_id)['downloads']['total'])
        self.fetch(artifact_id, other)
        self.restart(signal.SIGTERM)
        self.assertEqual(1, self.show(artifact_id)['downloads']['total'])


class CountingOffTest(_Published, base.FunctionalTest):

    BACKEND = 'sqlite'
    CONFIG = {'stats': {'count_downloads': 'false', 'flush_interval': '1'}}

    def test_nothing_counts(self):
        artifact_id = self.published()
        self.fetch(artifact_id, self.auth(self.new_project()))
        time.sleep(1.5)
        self.assertEqual({'total': 0, 'last_30_days': 0},
                         self.show(artifact_id)['downloads'])

