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

"""The scrubber: purges artifacts left 'deleted' and undoes dead uploads."""

import collections
from concurrent import futures
import datetime
import threading

from oslo_log import log as logging

from glare import context as glare_context
from glare.db import api as db_api
from glare.db import artifacts as db

LOG = logging.getLogger(__name__)

# deleted artifacts read per query: a run holds one page of ids at a time,
# however many artifacts wait to be purged
BATCH_SIZE = 100

Result = collections.namedtuple(
    'Result', 'uploads_undone trash_emptied purged failed')


class Scrubber:
    """One or more scrubber runs over the services of glare.api.app.

    Only ArtifactService.purge and BlobService.clean_up remove data, so the
    scrubber deletes nothing those would not: a purge trashes only data
    the service stored itself (managed, not external).
    """

    def __init__(self, conf, services, batch_size=BATCH_SIZE):
        self.scrub_time = conf.scrubber.scrub_time
        self.pool_size = conf.scrubber.scrub_pool_size
        self.wakeup_time = conf.scrubber.wakeup_time
        self.artifacts = services.artifacts
        self.blobs = services.blobs
        self.batch_size = batch_size
        self._stop = threading.Event()

    # -- stopping ----------------------------------------------------------
    def stop(self):
        """Finish the items in progress, start no other (thread-safe)."""
        self._stop.set()

    @property
    def stopping(self):
        return self._stop.is_set()

    # -- runs ----------------------------------------------------------------
    def run_once(self):
        """Undo dead uploads, empty the trash, purge; returns a Result."""
        undone, emptied = self.blobs.clean_up(
            glare_context.get_admin_context(show_deleted=True))
        purged, failed = self.scrub()
        result = Result(undone, emptied, purged, failed)
        LOG.info('Scrubber run: %d dead upload(s) undone, %d trashed '
                 'blob(s) deleted, %d deleted artifact(s) purged, %d '
                 'failed', *result)
        return result

    def run_forever(self):
        """Run every wakeup_time seconds until stop(); a failed run (the
        database is down, say) is logged and the next one tried."""
        while not self.stopping:
            try:
                self.run_once()
            except Exception:
                LOG.exception('Scrubber run failed; next try in %d seconds',
                              self.wakeup_time)
            if self._stop.wait(self.wakeup_time):
                break
        LOG.info('Scrubber stopped')

    # -- purging -------------------------------------------------------------
    def cutoff(self, now=None):
        """Artifacts deleted before this time may be purged."""
        now = db_api.now() if now is None else now
        return now - datetime.timedelta(seconds=self.scrub_time)

    def scrub(self, now=None):
        """Purge the artifacts deleted more than scrub_time seconds ago.

        Returns (purged, failed). Pages are read by (updated_at, id), so an
        artifact whose purge fails is not met again in the same run.
        """
        before = self.cutoff(now)
        purged = failed = 0
        after = None
        with futures.ThreadPoolExecutor(
                self.pool_size, thread_name_prefix='glare-scrub') as pool:
            while not self.stopping:
                page = db.deleted_before(
                    glare_context.get_admin_context(show_deleted=True),
                    before, self.batch_size, after)
                if not page:
                    break
                after = (page[-1].updated_at, page[-1].id)
                for outcome in pool.map(self._purge_one,
                                        [row.id for row in page]):
                    if outcome is True:
                        purged += 1
                    elif outcome is False:
                        failed += 1
                if len(page) < self.batch_size:
                    break
        return purged, failed

    def _purge_one(self, artifact_id):
        """True when purged, False when it failed, None when stopping."""
        if self.stopping:
            return None
        try:
            # a context per purge: enginefacade keeps the transaction state
            # of a context, which threads must not share
            self.artifacts.purge(
                glare_context.get_admin_context(show_deleted=True),
                artifact_id)
        except Exception:
            LOG.exception('Could not purge deleted artifact %s; the next '
                          'run retries', artifact_id)
            return False
        LOG.debug('Purged deleted artifact %s', artifact_id)
        return True
