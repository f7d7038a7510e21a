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

"""A real PostgreSQL restart under a running glare-api.

While the database is down every request that needs it answers 503 with
the JSON error document and Retry-After (never a 500, never HTML), and
the log says so once, not a traceback per request; once it is back the
next requests succeed, and nothing acknowledged before is lost.

The cluster is a private one (glare.tests.fixtures.pg_cluster): the machine's
shared PostgreSQL is never stopped.
"""

import json
import os
import shutil
import socket
import tempfile
import time
import unittest

from glare.tests.fixtures import pg_cluster
from glare.tests.functional import base
from glare.tests.functional import test_blobs

RECOVERY = 5  # seconds from the database's start to a served request
PART = b'u' * (3 << 19)  # 1.5 MiB: the store has begun writing


def _http_answer(sock):
    """(status, headers dict, body bytes) read from a raw socket until the
    server closes it."""
    sock.settimeout(60)
    data = b''
    while True:
        chunk = sock.recv(65536)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b'\r\n\r\n')
    lines = head.decode('latin-1').split('\r\n')
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split(' ', 2)[1]), headers, body


class DatabaseOutageTest(test_blobs.BlobMixin, base.FunctionalTest):

    BACKEND = 'postgresql'

    @classmethod
    def setUpClass(cls):
        unittest.TestCase.setUpClass()
        pg_cluster.skip_unless_available(cls())
        cls.cluster = pg_cluster.Cluster()
        cls.addClassCleanup(cls.cluster.destroy)
        cls.cluster.init()
        cls.cluster.start()
        url = cls.cluster.create_database('glare')
        cls.workdir = tempfile.mkdtemp(prefix='glare-functional-')
        if not os.environ.get('GLARE_TEST_KEEP_LOGS'):
            cls.addClassCleanup(shutil.rmtree, cls.workdir, True)
        cls.server = base.GlareServer(cls.workdir, url, cls.WORKERS,
                                      cls.CONFIG, cls.POLICY)
        cls.addClassCleanup(cls.server.stop, wait=False)
        cls.server.start()

    def assertUnavailable(self, resp):
        body = self.assertError(503, resp, 'database is unreachable')
        self.assertEqual('5', resp.headers.get('Retry-After'),
                         base.brief(resp))
        return body

    def begin_upload(self, artifact_id):
        """A chunked upload that sent PART and waits, its socket open."""
        sock = socket.create_connection(('127.0.0.1', self.server.port))
        self.addCleanup(sock.close)
        lines = ['PUT %s HTTP/1.1' % self.blob_path(artifact_id, 'blob'),
                 'Host: 127.0.0.1', 'Transfer-Encoding: chunked',
                 'Content-Type: application/octet-stream',
                 'Connection: close']
        lines += ['%s: %s' % kv for kv in self.user.items()]
        sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode() +
                     b'%x\r\n' % len(PART) + PART + b'\r\n')
        self.assertTrue(self.wait_until(
            lambda: (self.show(artifact_id)['blob'] or {}).get('status')
            == 'saving'), self.show(artifact_id))
        return sock

    def test_restart_of_the_database(self):
        # what is acknowledged before the outage
        kept = []
        for i in range(5):
            af = self.create(tags=['t%d' % i], string_required='s')
            data = ('data %d ' % i).encode() * 100
            self.upload(af['id'], 'blob', data)
            kept.append((af['id'], data))
        self.update(kept[0][0], [{'op': 'add', 'path': '/tags/-',
                                  'value': 'patched'}])
        pending = self.create()
        upload = self.begin_upload(pending['id'])
        log_start = len(self.server.log_tail(size=1 << 30))

        self.cluster.stop('fast')
        some_id = kept[0][0]
        calls = [
            lambda: self.get(self.url(), headers=self.user),
            lambda: self.get(self.url(some_id), headers=self.user),
            lambda: self.get(self.url(type_name='all'), headers=self.user),
            lambda: self.post(self.url(), {'name': 'x'}, headers=self.user),
            lambda: self.patch(self.url(some_id), [
                {'op': 'add', 'path': '/tags/-', 'value': 'lost'}],
                headers=self.user),
            lambda: self.put_data(some_id, 'blob', b'new data'),
            lambda: self.download(some_id, 'blob'),
            lambda: self.delete(self.url(some_id), headers=self.user),
            lambda: self.get('/quotas', headers=self.admin),
        ]
        for _round in range(3):
            for call in calls:
                self.assertUnavailable(call())
        # the upload in flight cannot be recorded: 503 too
        upload.sendall(b'0\r\n\r\n')
        status, headers, body = _http_answer(upload)
        self.assertEqual(503, status, body[:500])
        self.assertEqual('5', headers.get('retry-after'))
        self.assertEqual('application/json; charset=UTF-8',
                         headers.get('content-type'))
        self.assertEqual(503, json.loads(body)['code'])
        # what needs no database still answers
        self.assertEqual(300, self.get('/versions').status_code)

        during = self.server.log_tail(size=1 << 30)[log_start:]
        self.assertNotIn('Traceback', during)
        self.assertEqual(1, during.count('The database is unreachable'),
                         during[-5000:])

        self.cluster.start()
        started = time.monotonic()
        while True:
            resp = self.get(self.url(some_id), headers=self.user)
            if resp.status_code != 503 or \
                    time.monotonic() - started > RECOVERY:
                break
            time.sleep(0.05)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertLess(time.monotonic() - started, RECOVERY)

        # nothing acknowledged was lost, nothing refused was written
        for i, (artifact_id, data) in enumerate(kept):
            shown = self.show(artifact_id)
            tags = ['t%d' % i] + (['patched'] if i == 0 else [])
            self.assertEqual(sorted(tags), sorted(shown['tags']))
            resp = self.download(artifact_id, 'blob')
            self.assertEqual(data, resp.content)
        self.assertEqual(0, self.list('name=x&owner=' + self.project)
                         ['total_count'])
        # the service works on: writes too
        af = self.create()
        self.upload(af['id'], 'blob', b'after the outage')
        after = self.server.log_tail(size=1 << 30)[log_start:]
        self.assertNotIn('Traceback', after)
        self.assertEqual(1, after.count('The database is reachable again'),
                         after[-5000:])
