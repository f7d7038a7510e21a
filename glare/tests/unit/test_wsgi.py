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

"""glare.wsgi.build starts no thread; the process entry points start it."""

import gc
import threading
import types

from gunicorn import config as gunicorn_config

from glare.cmd import api as cmd_api
from glare.services import composition
from glare.services import stats
from glare.services import tasks
from glare.tests.unit.api import app_fixture
from glare import wsgi
from glare.tests import base


def _clean_up_threads():
    return [t for t in threading.enumerate()
            if t.name == composition.CLEAN_UP_THREAD]


class _Blobs:
    """A blob service whose clean_up() says it ran; rounds an hour apart."""

    stale_after = 3600

    def __init__(self):
        self.ran = threading.Event()

    def clean_up(self, context):
        self.ran.set()
        return 0, 0


def _stub_api():
    conf = types.SimpleNamespace(stats=types.SimpleNamespace(
        count_downloads=True, flush_interval=3600))
    written = []
    counter = stats.DownloadCounter(
        conf, write=lambda context, counts: written.append(counts) or
        sum(counts.values()))
    counter.written = written
    # no task thread: [tasks] workers = 0
    task_service = tasks.TaskService(types.SimpleNamespace(
        tasks=types.SimpleNamespace(workers=0, poll_interval=1,
                                    lease_seconds=30, isolation='process',
                                    nice=10, idle_priority=True)),
        None, None)
    return wsgi.API(application=object(), services=types.SimpleNamespace(
        blobs=_Blobs(), stats=counter, tasks=task_service))


def _downloaded(api, owner='other'):
    api.services.stats.count(types.SimpleNamespace(project_id='p1'), 'a1',
                             owner)


class TestBackgroundWork(base.TestCase):

    def test_building_the_api_starts_no_thread(self):
        before = _clean_up_threads()
        fixture = self.useFixture(app_fixture.GlareApp())
        self.assertEqual(before, _clean_up_threads())
        self.assertIsNotNone(fixture.api.services.blobs)
        self.assertEqual(300, fixture.call('GET', '/').status)  # versions

    def test_start_background_work_runs_the_clean_up(self):
        api = _stub_api()
        thread = wsgi.start_background_work(api)
        self.assertTrue(api.services.blobs.ran.wait(10))
        self.assertEqual(composition.CLEAN_UP_THREAD, thread.name)
        self.assertTrue(thread.daemon)
        self.assertTrue(thread.is_alive())  # sleeping until the next round
        self.assertEqual(0, api.services.task_pool.workers)
        flush = api.services.stats._thread
        self.assertEqual(stats.FLUSH_THREAD, flush.name)
        self.assertTrue(flush.daemon)
        # stopping writes what was counted, and ends the flush thread
        _downloaded(api)
        _downloaded(api, owner='p1')  # the owner's own: not counted
        self.assertEqual(1, wsgi.stop_background_work(api))
        self.assertEqual([{('a1', stats._today()): 1}],
                         api.services.stats.written)
        self.assertEqual(0, wsgi.stop_background_work(api))  # once only
        flush.join(5)
        self.assertFalse(flush.is_alive())

    def test_glare_api_starts_it_in_each_worker_after_load(self):
        server = cmd_api.GlareServer.__new__(cmd_api.GlareServer)
        server.conf = types.SimpleNamespace(
            bind_host='127.0.0.1', bind_port=0, workers=1,
            client_header_timeout=20, client_body_timeout=60,
            max_discarded_body_size=1 << 20, discard_body_timeout=10)
        server.cfg = gunicorn_config.Config()
        server.load_config()
        # gunicorn runs post_worker_init in the worker after load()
        self.assertIs(cmd_api._worker_ready, server.cfg.post_worker_init)
        api = _stub_api()
        server.app_factory = lambda: api
        self.addCleanup(gc.unfreeze)
        self.assertIs(api.application, server.load())
        self.assertFalse(api.services.blobs.ran.is_set())
        server.cfg.post_worker_init(types.SimpleNamespace(app=server))
        self.assertTrue(api.services.blobs.ran.wait(10))
        # gunicorn runs worker_exit in the worker once it stopped serving
        self.assertIs(cmd_api._worker_exit, server.cfg.worker_exit)
        _downloaded(api)
        server.cfg.worker_exit(None, types.SimpleNamespace(app=server))
        self.assertEqual([{('a1', stats._today()): 1}],
                         api.services.stats.written)
