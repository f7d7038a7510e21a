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

"""Three API nodes behind HAProxy against one node: aggregate throughput.

    python -m benchmarks.ha [--quick] [--clients N] [--store file|swift]

The cluster is the HA tests' (glare/tests/fixtures/ha_cluster.py): glare-api
nodes of one worker each on one PostgreSQL database (GLARE_TEST_PG_URL,
a new database per setup) and one store, Debian's haproxy in front. Three
setups, one after the other, the same load on each:

- ``1 node``: one glare-api, spoken to directly;
- ``1 node + haproxy``: the same behind the balancer (its cost alone);
- ``3 nodes + haproxy``: the HA deployment of doc/source/admin/ha.rst.

Each setup gets --clients concurrent clients (threads, one keep-alive
connection each, http.client) doing in turn: show (GET one artifact),
list (GET ?name=&limit=20), upload (PUT --blob-mib MiB to a new
artifact's blob) and download (GET of those blobs). Prints req/s and
MiB/s per setup and the ratio of three nodes to one.

On a machine with fewer cores than nodes the three nodes share the same
CPUs as the one: the ratio shows the overhead of the balancer and of more
processes, not scaling. The figures are indicative: nothing else should
run meanwhile, and the client threads take CPU from the servers too.
"""

import argparse
import http.client
import json
import os
import shutil
import sys
import tempfile
import threading
import time
from urllib import parse

from benchmarks import report as report_lib

TYPE = 'sample_artifact'
TOKEN = {'X-Auth-Token': 'bench:bench-project:member'}
MIB = 1 << 20
PER_NAME = 20


def _args(argv):
    parser = argparse.ArgumentParser(
        prog='python -m benchmarks.ha', description=__doc__.split('\n')[0])
    parser.add_argument('--clients', type=int, default=6,
                        help='concurrent clients (default 6)')
    parser.add_argument('--requests', type=int, default=3000,
                        help='shows, and lists, per setup (default 3000)')
    parser.add_argument('--artifacts', type=int, default=200,
                        help='artifacts created per setup (default 200)')
    parser.add_argument('--blobs', type=int, default=48,
                        help='uploads, and downloads, per setup '
                             '(default 48)')
    parser.add_argument('--blob-mib', type=int, default=8,
                        help='size of each blob in MiB (default 8)')
    parser.add_argument('--store', choices=('file', 'swift'),
                        default='file',
                        help='the shared store (swift: a Swift all-in-one '
                             'reached with the S3 driver; needs boto3)')
    parser.add_argument('--quick', action='store_true',
                        help='a tenth of the requests and blobs')
    parser.add_argument('--keep', action='store_true',
                        help='keep the setups\' directories (logs, '
                             'configuration)')
    args = parser.parse_args(argv)
    if args.quick:
        args.requests = max(args.clients * 10, args.requests // 10)
        args.blobs = max(args.clients, args.blobs // 10)
        args.artifacts = max(PER_NAME, args.artifacts // 4)
    return args


class Client:
    """One keep-alive http.client connection."""

    def __init__(self, url):
        self.netloc = parse.urlsplit(url).netloc
        self.conn = None

    def request(self, method, path, body=None, headers=None, sink=False):
        """(status, body); with sink, the body is read in 1 MiB pieces and
        only counted (a download is not held in memory)."""
        hdrs = dict(TOKEN, **(headers or {}))
        for attempt in (1, 2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(self.netloc,
                                                       timeout=300)
            try:
                self.conn.request(method, path, body=body, headers=hdrs)
                resp = self.conn.getresponse()
                if sink:
                    size = 0
                    while True:
                        piece = resp.read(MIB)
                        if not piece:
                            break
                        size += len(piece)
                    return resp.status, size
                return resp.status, resp.read()
            except (http.client.RemoteDisconnected, ConnectionResetError,
                    BrokenPipeError):
                self.conn.close()
                self.conn = None
                if attempt == 2 or method != 'GET':
                    raise

    def close(self):
        if self.conn is not None:
            self.conn.close()


def _fire(url, clients, jobs, run):
    """run(client, job) for every job, shared by clients threads;
    returns the seconds the whole took."""
    jobs = list(jobs)
    lock = threading.Lock()
    errors = []
    barrier = threading.Barrier(clients + 1)

    def worker():
        client = Client(url)
        barrier.wait()
        try:
            while True:
                with lock:
                    if not jobs or errors:
                        return
                    job = jobs.pop()
                run(client, job)
        except Exception as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            client.close()
    threads = [threading.Thread(target=worker) for _i in range(clients)]
    for t in threads:
        t.start()
    barrier.wait()
    start = time.perf_counter()
    for t in threads:
        t.join()
    took = time.perf_counter() - start
    if errors:
        raise errors[0]
    return took


def _expect(status, wanted, what):
    if status != wanted:
        raise RuntimeError('%s answered %s' % (what, status))


def measure(url, args):
    """{phase: rate} of one setup at url."""
    path = '/artifacts/%s' % TYPE
    client = Client(url)
    ids, names = [], []
    for i in range(args.artifacts):
        name = 'bench-%d' % (i // PER_NAME)
        status, body = client.request(
            'POST', path, json.dumps({'name': name, 'version': '1.%d' % i}),
            {'Content-Type': 'application/json'})
        _expect(status, 201, 'create')
        ids.append(json.loads(body)['id'])
        if name not in names:
            names.append(name)
    client.close()
    rates = {}

    def show(c, i):
        status, _body = c.request('GET', '%s/%s' % (path, ids[i % len(ids)]))
        _expect(status, 200, 'show')
    took = _fire(url, args.clients, range(args.requests), show)
    rates['show'] = args.requests / took

    def list_(c, i):
        status, _body = c.request('GET', '%s?name=%s&limit=20' % (
            path, names[i % len(names)]))
        _expect(status, 200, 'list')
    took = _fire(url, args.clients, range(args.requests), list_)
    rates['list'] = args.requests / took

    data = os.urandom(args.blob_mib * MIB)
    targets = ids[:args.blobs]

    def upload(c, artifact_id):
        status, _body = c.request(
            'PUT', '%s/%s/blob' % (path, artifact_id), data,
            {'Content-Type': 'application/octet-stream'})
        _expect(status, 200, 'upload')
    took = _fire(url, args.clients, targets, upload)
    rates['upload'] = len(targets) * args.blob_mib / took

    def download(c, artifact_id):
        status, size = c.request('GET', '%s/%s/blob' % (path, artifact_id),
                                 sink=True)
        _expect(status, 200, 'download')
        if size != len(data):
            raise RuntimeError('download of %d bytes, not %d' % (
                size, len(data)))
    took = _fire(url, args.clients, targets, download)
    rates['download'] = len(targets) * args.blob_mib / took
    return rates


SETUPS = (('1 node', 1, False), ('1 node + haproxy', 1, True),
          ('3 nodes + haproxy', 3, True))


def run_setup(nodes, balanced, args):
    # imported here: --help works without the test fixtures' imports
    from glare.tests.fixtures import db_fixtures
    from glare.tests.fixtures import ha_cluster
    reason = db_fixtures.unreachable('postgresql')
    if reason:
        raise SystemExit('PostgreSQL is not reachable (set '
                         'GLARE_TEST_PG_URL): %s' % reason)
    if not ha_cluster.haproxy_binary():
        raise SystemExit('haproxy is not installed (apt-get install '
                         'haproxy)')
    workdir = tempfile.mkdtemp(prefix='glare-bench-ha-')
    db_url, drop = db_fixtures.create_database('postgresql',
                                               'glare_bench_ha_')
    store = ha_cluster.FileStore(workdir) if args.store == 'file' \
        else ha_cluster.SwiftS3Store(workdir)
    cluster = ha_cluster.Cluster(workdir, db_url, store, nodes=nodes)
    try:
        cluster.start()
        url = cluster.url if balanced else cluster.nodes[0].url
        return measure(url, args)
    finally:
        cluster.stop()
        drop()
        if args.keep:
            report_lib.log('kept %s' % workdir)
        else:
            shutil.rmtree(workdir, ignore_errors=True)


def report(results, args):
    print('%d concurrent clients, %d shows and lists, %d blobs of %d MiB, '
          '%s store, %d CPU(s)' % (
              args.clients, args.requests, args.blobs, args.blob_mib,
              args.store, len(os.sched_getaffinity(0))))
    print()
    print('%-20s %10s %10s %12s %12s' % ('setup', 'show', 'list',
                                         'upload', 'download'))
    print('%-20s %10s %10s %12s %12s' % ('', 'req/s', 'req/s', 'MiB/s',
                                         'MiB/s'))
    for name, _nodes, _balanced in SETUPS:
        r = results[name]
        print('%-20s %10.1f %10.1f %12.1f %12.1f' % (
            name, r['show'], r['list'], r['upload'], r['download']))
    one, three = results[SETUPS[0][0]], results[SETUPS[2][0]]
    print('%-20s %10.2f %10.2f %12.2f %12.2f' % (
        '3 nodes / 1 node', three['show'] / one['show'],
        three['list'] / one['list'], three['upload'] / one['upload'],
        three['download'] / one['download']))
    if len(os.sched_getaffinity(0)) < 3:
        print('\nFewer CPUs than nodes: the ratio shows the overhead of '
              'the balancer and of more processes, not scaling.')


def main(argv=None):
    args = _args(sys.argv[1:] if argv is None else argv)
    results = {}
    for name, nodes, balanced in SETUPS:
        report_lib.log('%s ...' % name)
        results[name] = run_setup(nodes, balanced, args)
    report(results, args)
    return 0


if __name__ == '__main__':
    sys.exit(main())
