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

"""The download counter: counts in memory, flushes in batches."""

import threading
import types

from glare.services import stats
from glare.tests import base


def _conf(enabled=True, interval=3600):
    return types.SimpleNamespace(stats=types.SimpleNamespace(
        count_downloads=enabled, flush_interval=interval))


def _caller(project='p1'):
    return types.SimpleNamespace(project_id=project)


class _Writer:
    """Records each flush; fails while failing is set."""

    def __init__(self):
        self.flushes = []
        self.failing = False
        self.wrote = threading.Event()

    def __call__(self, context, counts):
        if self.failing:
            raise RuntimeError('database away')
        self.flushes.append(dict(counts))
        self.wrote.set()
        return sum(counts.values())


class TestDownloadCounter(base.TestCase):

    def counter(self, **kw):
        writer = _Writer()
        return stats.DownloadCounter(_conf(**kw), write=writer), writer

    def test_counts_gather_per_artifact_and_day(self):
        counter, writer = self.counter()
        for _i in range(3):
            counter.count(_caller(), 'a1', 'owner')
        counter.count(_caller(), 'a2', 'owner')
        counter.count(_caller(None), 'a2', 'owner')  # anonymous counts
        self.assertEqual(5, counter.pending())
        self.assertEqual(5, counter.flush())
        today = stats._today()
        self.assertEqual([{('a1', today): 3, ('a2', today): 2}],
                         writer.flushes)
        self.assertEqual(0, counter.pending())
        self.assertEqual(0, counter.flush())  # nothing new: no write
        self.assertEqual(1, len(writer.flushes))

    def test_the_owner_projects_own_downloads_do_not_count(self):
        counter, _writer = self.counter()
        counter.count(_caller('owner'), 'a1', 'owner')
        self.assertEqual(0, counter.pending())

    def test_off_counts_nothing_and_starts_no_thread(self):
        counter, _writer = self.counter(enabled=False)
        counter.count(_caller(), 'a1', 'owner')
        self.assertEqual(0, counter.pending())
        self.assertIsNone(counter.start())

    def test_a_failed_write_keeps_the_counts(self):
        counter, writer = self.counter()
        counter.count(_caller(), 'a1', 'owner')
        writer.failing = True
        self.assertEqual(0, counter.flush())
        counter.count(_caller(), 'a1', 'owner')
        self.assertEqual(2, counter.pending())
        writer.failing = False
        self.assertEqual(2, counter.flush())
        self.assertEqual([{('a1', stats._today()): 2}], writer.flushes)

    def test_the_thread_flushes_every_interval_and_stop_writes_the_rest(
            self):
        counter, writer = self.counter(interval=1)
        thread = counter.start()
        self.assertIs(thread, counter.start())  # one thread
        counter.count(_caller(), 'a1', 'owner')
        self.assertTrue(writer.wrote.wait(10))
        counter.count(_caller(), 'a1', 'owner')
        self.assertEqual(1, counter.stop())
        self.assertFalse(thread.is_alive())
        self.assertEqual(2, sum(sum(f.values()) for f in writer.flushes))
        self.assertEqual(0, counter.stop())

    def test_concurrent_counting_loses_nothing(self):
        counter, writer = self.counter()

        def download():
            for _i in range(1000):
                counter.count(_caller(), 'a1', 'owner')
        threads = [threading.Thread(target=download) for _i in range(8)]
        for t in threads:
            t.start()
        flushed = 0
        while any(t.is_alive() for t in threads):
            flushed += counter.flush()
        for t in threads:
            t.join()
        flushed += counter.flush()
        self.assertEqual(8000, flushed)
