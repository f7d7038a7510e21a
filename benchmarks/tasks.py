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

"""Benchmark background imports (issue 20) against uploads and the API.

    python -m benchmarks.tasks [--size 256] [--rounds 3] [--seconds 5]
                               [--repeat 9] [--clients 4] [--separate]
                               [--no-check]

A real glare-api (benchmarks/server.py, SQLite, its own task workers:
``[tasks] workers = 4``) and a loopback origin server in this process
(glare.tests.fixtures.origin, in a process of its own: the same bytes
an upload sends).

* import / upload: --size MiB uploaded (PUT from memory) and imported
  (POST .../import from the origin, timed from the request to the task's
  success, polled every 20 ms), --rounds times each, best of each; the
  import fetches, hashes and stores what the upload receives, hashes and
  stores. Target: at least 0.7.
* API with 4 imports / idle: --clients threads send GET show and GET list
  requests back to back for --seconds, idle and while 4 imports of a slow
  origin run (cancelled after each window), in turn --repeat times, then
  idle once more; each busy rate over the mean of the idle windows on
  either side of it, the median of those ratios. Target: at least 0.9.
  Also printed: what the imports stored meanwhile (MiB/s, median).

glare-api runs the tasks in its child process ([tasks] isolation =
process, the default); --isolation thread in its own threads; --separate
in a glare-worker process instead (glare-api's [tasks] workers = 0). The
origin stands for a server elsewhere and runs at idle CPU priority unless
--origin-priority normal. Figures depend on the machine; results in
doc/source/admin/performance.rst.
"""

import argparse
import http.client
import json
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

from benchmarks import client as lean_client
from benchmarks import report as report_lib
from benchmarks import server as bench_server
from glare.tests.fixtures import origin as origin_fixture

TYPE = 'images'
FIELD = 'image'  # max_blob_size 1000 GiB
HEADERS = {'X-Auth-Token': 'bench-user:bench-tasks:member'}
TARGETS = {
    'import': ('import / upload rate', 'ratio', '>=', 0.7),
    'api': ('API show+list, 4 imports / idle', 'ratio', '>=', 0.9),
}
CHUNK = 1 << 20


def _create(session, url, name):
    resp = session.request('POST', '%s/artifacts/%s' % (url, TYPE),
                           json={'name': name, 'version': '1.0.0'},
                           headers=HEADERS)
    if resp.status_code != 201:
        raise RuntimeError('create: %s' % resp.text[:300])
    return resp.json()['id']


def upload(url, artifact_id, size):
    """Seconds of one PUT of size bytes (the origin's bytes, from
    memory)."""
    pieces = list(origin_fixture.chunks(size))
    host, port = url[len('http://'):].split(':')
    conn = http.client.HTTPConnection(host, int(port), timeout=600)
    t = time.perf_counter()
    conn.putrequest('PUT', '/artifacts/%s/%s/%s' % (TYPE, artifact_id,
                                                    FIELD),
                    skip_accept_encoding=True)
    for k, v in HEADERS.items():
        conn.putheader(k, v)
    conn.putheader('Content-Type', 'application/octet-stream')
    conn.putheader('Content-Length', str(size))
    conn.endheaders()
    for piece in pieces:
        conn.sock.sendall(piece)
    resp = conn.getresponse()
    body = resp.read()
    took = time.perf_counter() - t
    conn.close()
    if resp.status != 200:
        raise RuntimeError('upload -> %s: %s' % (resp.status, body[:300]))
    return took


def start_import(session, url, artifact_id, source):
    resp = session.request(
        'POST', '%s/artifacts/%s/%s/%s/import' % (url, TYPE, artifact_id,
                                                  FIELD),
        json={'url': source}, headers=HEADERS)
    if resp.status_code != 202:
        raise RuntimeError('import: %s' % resp.text[:300])
    return resp.json()['id']


def wait_task(session, url, task_id, every=0.02, timeout=900):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        doc = session.get('%s/tasks/%s' % (url, task_id),
                          headers=HEADERS).json()
        if doc['status'] in ('success', 'failure'):
            return doc
        time.sleep(every)
    raise RuntimeError('task %s did not end' % task_id)


def import_rate(session, url, origin, size, rounds):
    """(best upload s, best import s)."""
    uploads, imports = [], []
    for n in range(rounds):
        uploads.append(upload(url, _create(session, url, 'up-%d' % n),
                              size))
        artifact_id = _create(session, url, 'imp-%d' % n)
        t = time.perf_counter()
        task_id = start_import(session, url, artifact_id, origin.url(
            '/data/%d?%d' % (size, n)))
        doc = wait_task(session, url, task_id)
        imports.append(time.perf_counter() - t)
        if doc['status'] != 'success':
            raise RuntimeError('import failed: %s' % doc)
        report_lib.log('  round %d: upload %.2f s, import %.2f s' % (
            n + 1, uploads[-1], imports[-1]))
    return min(uploads), min(imports)


def api_rate(url, ids, clients, seconds):
    """Requests per second of show and list, from clients threads."""
    stop = time.monotonic() + seconds
    counts = [0] * clients
    errors = []

    def hammer(n):
        s = lean_client.Session()
        paths = ['%s/artifacts/%s/%s' % (url, TYPE, ids[n % len(ids)]),
                 '%s/artifacts/%s?limit=20' % (url, TYPE)]
        i = 0
        try:
            while time.monotonic() < stop:
                r = s.get(paths[i % 2], headers=HEADERS)
                if r.status_code != 200:
                    errors.append(r.status_code)
                    return
                counts[n] += 1
                i += 1
        finally:
            s.close()
    threads = [threading.Thread(target=hammer, args=(n,))
               for n in range(clients)]
    t = time.perf_counter()
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    if errors:
        raise RuntimeError('API errors: %s' % errors[:5])
    return sum(counts) / (time.perf_counter() - t)


def _progress(session, url, tasks):
    return sum(session.get('%s/tasks/%s' % (url, t), headers=HEADERS)
               .json()['progress'] for t in tasks)


def _start_busy(session, url, origin, name):
    """Four imports that last longer than a measurement: 1 GiB each, 256
    KiB every 10 ms (about 25 MB/s each); their task ids once all run."""
    tasks = [start_import(session, url, _create(session, url, '%s-%d' % (
        name, n)), origin.url('/slow/%d/262144/0.01?%s-%d' % (
            1 << 30, name, n))) for n in range(4)]
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        running = [session.get('%s/tasks/%s' % (url, t),
                               headers=HEADERS).json()['status']
                   for t in tasks].count('running')
        if running == 4:
            return tasks
        time.sleep(0.05)
    raise RuntimeError('the 4 imports did not all start')


def busy_ratios(session, url, origin, args):
    """Busy over idle, round by round: --repeat rounds of an idle window
    then a window with four imports running (cancelled after it), and a
    last idle window; each busy rate is compared with the mean of the idle
    windows on either side of it, so that the machine's drift over the
    run does not count. (ratios, idle rates, busy rates, MiB/s the imports
    stored while busy)."""
    ids = [_create(session, url, 'api-%d' % n) for n in range(20)]
    api_rate(url, ids, args.clients, 1)  # warm up
    idles, busies, stored = [], [], []
    for n in range(args.repeat):
        idles.append(api_rate(url, ids, args.clients, args.seconds))
        tasks = _start_busy(session, url, origin, 'bg%d' % n)
        time.sleep(1)
        before, t = _progress(session, url, tasks), time.perf_counter()
        busies.append(api_rate(url, ids, args.clients, args.seconds))
        stored.append((_progress(session, url, tasks) - before) * 1024 / (
            time.perf_counter() - t))
        for t in tasks:
            session.request('DELETE', '%s/tasks/%s' % (url, t),
                            headers=HEADERS)
        for t in tasks:
            wait_task(session, url, t, every=0.1, timeout=60)
    idles.append(api_rate(url, ids, args.clients, args.seconds))
    ratios = [b / ((idles[n] + idles[n + 1]) / 2)
              for n, b in enumerate(busies)]
    for n, r in enumerate(ratios):
        report_lib.log('  busy round %d: idle %.0f, busy %.0f, idle %.0f '
                       'a second: %.2f' % (n + 1, idles[n], busies[n],
                                           idles[n + 1], r))
    return ratios, idles, busies, statistics.median(stored)


class _Origin:
    """The origin in a process of its own: its threads take no time from
    the benchmark's client threads."""

    def __init__(self, idle):
        self.proc = subprocess.Popen(
            (['chrt', '--idle', '0'] if idle else []) +
            [sys.executable, '-m', 'glare.tests.fixtures.origin'],
            stdout=subprocess.PIPE, start_new_session=True,
            env=dict(os.environ, PYTHONPATH=os.pathsep.join(
                [bench_server._source_root()] + [os.environ.get(
                    'PYTHONPATH', '')])))
        self.port = int(self.proc.stdout.readline())

    def url(self, path):
        return 'http://127.0.0.1:%d%s' % (self.port, path)

    def stop(self):
        os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(30)


def _worker(srv):
    log = open(os.path.join(srv.state, 'glare-worker.log'), 'wb')
    proc = subprocess.Popen(
        [sys.executable, '-m', 'glare.cmd.worker', '--config-file',
         srv.config_file, '--threads', '4'], stdout=log,
        stderr=subprocess.STDOUT, start_new_session=True,
        env=dict(os.environ, PYTHONPATH=os.pathsep.join(
            [bench_server._source_root()] + [os.environ.get('PYTHONPATH',
                                                            '')])))
    log.close()
    return proc


def _args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--size', type=int, default=256,
                   help='MiB uploaded and imported (default 256)')
    p.add_argument('--rounds', type=int, default=3,
                   help='uploads and imports timed; the best counts')
    p.add_argument('--seconds', type=float, default=5,
                   help='seconds of each API measurement (default 5)')
    p.add_argument('--repeat', type=int, default=9,
                   help='idle and busy API windows measured in turn; the '
                        'median ratio counts (default 9)')
    p.add_argument('--clients', type=int, default=4,
                   help='API client threads (default 4)')
    p.add_argument('--separate', action='store_true',
                   help='run the tasks in a glare-worker process')
    p.add_argument('--isolation', choices=('process', 'thread'),
                   default='process',
                   help="glare-api's [tasks] isolation (default process)")
    p.add_argument('--nice', type=int, default=10,
                   help='[tasks] nice of the task workers (default 10)')
    p.add_argument('--no-idle-priority', dest='idle_priority',
                   action='store_false',
                   help='[tasks] idle_priority = False')
    p.add_argument('--origin-priority', choices=('idle', 'normal'),
                   default='idle',
                   help='CPU priority of the origin server (default idle: '
                        'it stands for a server elsewhere, whose CPU time '
                        'is not the service\'s)')
    report_lib.add_run_options(
        p, 'keep the temp state dir (config, database, logs)', workers=True)
    return p.parse_args(argv)


def main(argv=None):
    args = _args(argv)
    origin = _Origin(args.origin_priority == 'idle')
    config = {'locations': {'allowed_networks': '127.0.0.1/32'},
              'tasks': {'workers': 0 if args.separate else 4,
                        'poll_interval': 0.1, 'nice': args.nice,
                        'isolation': args.isolation,
                        'idle_priority': args.idle_priority}}
    size = args.size << 20
    with bench_server.Server(workers=args.workers, keep=args.keep,
                             config=config) as srv:
        worker = _worker(srv) if args.separate else None
        session = lean_client.Session()
        try:
            report_lib.log('glare-api %s, %d MiB, %d round(s), tasks in %s, '
                           'nice %d%s, origin at %s priority' % (
                               srv.url, args.size, args.rounds,
                               'glare-worker' if worker else
                               'glare-api (%s)' % args.isolation, args.nice,
                               ', idle priority' if args.idle_priority
                               else '', args.origin_priority))
            up, imp = import_rate(session, srv.url, origin, size,
                                  args.rounds)
            ratios, idles, busies, stored = busy_ratios(
                session, srv.url, origin, args)
        finally:
            session.close()
            if worker is not None:
                os.killpg(worker.pid, signal.SIGTERM)
                worker.wait(30)
            origin.stop()
    mib = size / (1 << 20)
    print(json.dumps({'upload_mib_s': round(mib / up, 1),
                      'import_mib_s': round(mib / imp, 1),
                      'api_idle_per_s': [round(r) for r in idles],
                      'api_busy_per_s': [round(r) for r in busies],
                      'api_busy_ratios': [round(r, 2) for r in ratios],
                      'imports_mib_s_while_busy': round(stored, 1)}))
    missed = report_lib.check_targets(TARGETS, {
        'import': up / imp, 'api': statistics.median(ratios)}, digits=2)
    return report_lib.exit_status(missed, args.no_check)


if __name__ == '__main__':
    sys.exit(main())
