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

"""Download counts: kept in memory, written to the database in batches.

A download never waits for a database write (DESIGN: signals never add a
write to a hot read path). Each API process adds its counts, per artifact
and UTC day, to the database every [stats] flush_interval seconds from a
thread of its own, and once more when it stops; a write that fails keeps
its counts for the next one.
"""

import threading

from oslo_log import log as logging

from glare import context as glare_context
from glare.db import stats as db_stats

LOG = logging.getLogger(__name__)
FLUSH_THREAD = 'glare-stats-flush'


def _today():
    return db_stats.today()


class DownloadCounter:
    """The downloads this process counted and has not written yet."""

    def __init__(self, conf, write=db_stats.add_downloads):
        self.enabled = conf.stats.count_downloads
        self.interval = conf.stats.flush_interval
        self._write = write
        self._counts = {}
        self._lock = threading.Lock()
        # one flush at a time: the last one at stop waits for the thread's
        self._flushing = threading.Lock()
        self._stopped = threading.Event()
        self._thread = None

    def count(self, context, artifact_id, owner):
        """One download of the artifact, unless by its own project."""
        if not self.enabled or (context.project_id is not None and
                                context.project_id == owner):
            return
        key = (artifact_id, _today())
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1

    def pending(self):
        """How many counted downloads are not written yet."""
        with self._lock:
            return sum(self._counts.values())

    def flush(self):
        """Write what was counted; returns the number written. On a
        failure the counts stay for the next flush."""
        with self._flushing:
            with self._lock:
                counts, self._counts = self._counts, {}
            if not counts:
                return 0
            try:
                return self._write(glare_context.get_admin_context(),
                                   counts)
            except Exception as exc:
                with self._lock:
                    for key, n in counts.items():
                        self._counts[key] = self._counts.get(key, 0) + n
                LOG.warning('Download counts not written (%d kept for the '
                            'next try): %s', sum(counts.values()), exc)
                return 0

    def start(self):
        """The flush thread of a serving process (none when counting is
        off)."""
        if not self.enabled or self._thread is not None:
            return self._thread
        self._thread = threading.Thread(target=self._run, name=FLUSH_THREAD,
                                        daemon=True)
        self._thread.start()
        return self._thread

    def _run(self):
        while not self._stopped.wait(self.interval):
            self.flush()

    def stop(self):
        """Stop the thread and write what is left; safe to call again."""
        self._stopped.set()
        thread = self._thread
        if thread is not None and thread is not threading.current_thread():
            thread.join(self.interval + 30)
        written = self.flush()
        if written:
            LOG.info('Wrote %d download count(s) before stopping', written)
        return written
