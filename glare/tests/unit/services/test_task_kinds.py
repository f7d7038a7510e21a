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

"""A task kind that makes a new artifact and stores data in it, as a
conversion does, over the real services of an in-process API (SQLite,
filesystem store): success, cancellation in the middle of the upload
(the new artifact removed by abandon, the partial data by the upload),
and an interrupted worker giving its task back."""

import io
import threading
import time

from glare import context
from glare import exception
from glare.services import task_pool
from glare.services import task_run
from glare.tests import base
from glare.tests.unit.api import app_fixture

TYPE = 'sample_artifact'
DATA = b'converted ' * 100000


class _Slow:
    """A file of DATA in 64 KiB reads; calls hook(n) before read n."""

    def __init__(self, hook=None):
        self._fd = io.BytesIO(DATA)
        self._hook = hook
        self.reads = 0

    def read(self, size=-1):
        self.reads += 1
        if self._hook is not None:
            self._hook(self.reads)
        return self._fd.read(min(size, 65536) if size and size > 0
                             else 65536)


class CopyKind:
    """'copy': a new artifact named after the input, DATA in its blob."""

    def __init__(self, services, hook=None):
        self.services = services
        self.hook = hook
        self.abandoned = []

    def run(self, run):
        artifacts = self.services.artifacts
        made = artifacts.create(run.context, TYPE,
                                {'name': run.input['name']})
        run.set_artifact(TYPE, made['id'])
        run.progress(0.1, 'created %s' % made['id'], force=True)
        run.upload(TYPE, made['id'], 'blob', None, _Slow(self.hook),
                   len(DATA), 'application/x-copy', start=0.1, span=0.9)
        return 'copied into %s' % made['id']

    def abandon(self, run):
        self.abandoned.append(run.artifact_id)
        if run.artifact_id is None:
            return
        try:
            self.services.artifacts.delete(run.context, run.type_name,
                                           run.artifact_id)
        except exception.NotFound:
            pass  # gone already: abandon is idempotent


class TaskKindTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.app = self.useFixture(app_fixture.GlareApp(
            {'tasks.lease_seconds': 6, 'tasks.poll_interval': 0.05}))
        self.services = self.app.api.services
        self.ctx = context.RequestContext(
            user_id='u1', project_id='p1', roles=['member'],
            is_admin=False, overwrite=False)

    def register(self, hook=None):
        kind = CopyKind(self.services, hook)
        self.services.tasks.register(task_run.Kind('copy', kind.run,
                                                kind.abandon))
        return kind

    def run_task(self):
        (run,) = self.services.tasks.claim(1)
        return self.services.tasks.execute(run)

    def test_a_task_makes_an_artifact_and_stores_data_in_it(self):
        progress = []
        kind = self.register(lambda n: progress.append(
            self.services.tasks.show(self.ctx, doc['id'])['progress']))
        doc = self.services.tasks.create(self.ctx, 'copy', {'name': 'c'})
        done = self.run_task()
        self.assertEqual(('success', 1.0), (done['status'],
                                            done['progress']))
        made = self.services.artifacts.show(self.ctx, TYPE,
                                            done['artifact'])
        self.assertEqual(('c', 'p1', len(DATA), 'active',
                          'application/x-copy'), (
            made['name'], made['owner'], made['blob']['size'],
            made['blob']['status'], made['blob']['content_type']))
        self.assertEqual('copied into %s' % made['id'], done['message'])
        # progress went from 0.1 (created) up as the data was read
        self.assertEqual(0.1, progress[0])
        self.assertEqual([], kind.abandoned)

    def test_cancel_mid_upload_removes_the_artifact_and_the_data(self):
        def hook(n):
            if n == 3:
                self.services.tasks.cancel(self.ctx, doc['id'])
                # past the progress writes' interval: the next read
                # writes progress and learns of the cancellation
                time.sleep(task_run.PROGRESS_EVERY + 0.1)
        kind = self.register(hook)
        doc = self.services.tasks.create(self.ctx, 'copy', {'name': 'c'})
        done = self.run_task()
        self.assertEqual(('failure', 'Cancelled'), (done['status'],
                                                    done['message']))
        (made_id,) = kind.abandoned
        self.assertEqual(made_id, done['artifact'])
        self.assertRaises(exception.NotFound, self.services.artifacts.show,
                          self.ctx, TYPE, made_id)
        self.assertEqual(0, self.app.count('glare_blob_uploads'))
        self.assertEqual(0, self.app.count('glare_artifacts'))

    def test_an_interrupted_worker_gives_its_task_back(self):
        started = threading.Event()

        def hook(n):
            started.set()
            time.sleep(0.05)
        kind = self.register(hook)
        doc = self.services.tasks.create(self.ctx, 'copy', {'name': 'c'})
        pool = task_pool.TaskPool(self.services.tasks, 1).start()
        self.assertTrue(started.wait(20))
        self.assertTrue(pool.stop(20, interrupt=True))
        shown = self.services.tasks.show(self.ctx, doc['id'])
        self.assertEqual(('pending', 0.0), (shown['status'],
                                            shown['progress']))
        self.assertIn('Interrupted', shown['message'])
        self.assertEqual(1, len(kind.abandoned))
        self.assertEqual(0, self.app.count('glare_artifacts'))
        # another worker runs it at once; the interrupted attempt did not
        # count
        (run,) = self.services.tasks.claim(1)
        self.assertEqual(1, run.attempt)
        done = self.services.tasks.execute(run)
        self.assertEqual('success', done['status'])
        self.assertEqual(1, self.app.count('glare_artifacts'))
