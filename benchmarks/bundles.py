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

"""Benchmark bundle export and import through a real glare-api.

    python -m benchmarks.bundles [--size MiB] [--rounds N] [--no-check]

glare-api runs as a subprocess (benchmarks/server.py: SQLite, noauth, the
file store, one worker). One ``images`` artifact gets a --size MiB (1024)
blob, then GET /artifacts/images/<id>/bundle is read --rounds times into a
reused buffer by a lean http.client connection while the serving worker's
RSS is sampled. An export reads the blob from the store and checks its
sha256 as it streams (glare.bundles.writer), in the request thread: the
ceiling is sha256 on one core, measured over the same bytes next to every
round (the machine may be shared; the best sample counts, as the best
round does). Then the bundle, saved to a file, is imported --rounds times
(POST /artifacts/import, sent with sendfile), the artifact deleted before
each round; an import re-hashes the data (sha256 against the bundle, md5
and sha1 for the blob's record) and writes it to the store. Targets
(CATALOG.md §2): export and import at >= 0.8 x that rate, flat memory.
"""

import argparse
import hashlib
import json
import os
import sys
import time

from benchmarks import blobs as blob_bench
from benchmarks import report as report_lib
from benchmarks import server as bench_server

MIB = blob_bench.MIB
TARGETS = {
    'export': ('export / sha256 on one core', 'ratio', '>=', 0.80),
    'import': ('import / sha256 on one core', 'ratio', '>=', 0.80),
    'rss': ('worker peak RSS, exports and imports', 'MiB', '<', 150.0),
}
BUNDLE_TYPE = 'application/vnd.openstack.glare.bundle.v1+tar'



def sha256_rate(data, size):
    """MiB/s of sha256 over size bytes of data on one core."""
    h = hashlib.sha256()
    t = time.perf_counter()
    for piece in data.pieces(size, blob_bench.PATTERN):
        h.update(piece)
    return size / MIB / (time.perf_counter() - t)


def export(client, path, buf):
    """(seconds, bytes) of one GET of the bundle, read into buf."""
    conn = client.conn
    t = time.perf_counter()
    conn.request('GET', path, headers=client.headers)
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError('export -> %s: %s' % (resp.status,
                                                 resp.read()[:500]))
    length = int(resp.getheader('Content-Length'))
    got = 0
    while True:
        n = resp.readinto(buf)
        if not n:
            break
        got += n
    took = time.perf_counter() - t
    if got != length:
        raise RuntimeError('export: %d bytes of %d' % (got, length))
    return took, got


def save(client, path, target):
    """Write one export to the file target; its size."""
    conn = client.conn
    conn.request('GET', path, headers=client.headers)
    resp = conn.getresponse()
    if resp.status != 200:
        raise RuntimeError('export -> %s' % resp.status)
    size = 0
    with open(target, 'wb') as f:
        while True:
            chunk = resp.read(blob_bench.RECV_STEP)
            if not chunk:
                break
            f.write(chunk)
            size += len(chunk)
    return size


def import_(client, source, size):
    """(seconds, response) of one POST /artifacts/import of the file."""
    conn = client.conn
    t = time.perf_counter()
    conn.putrequest('POST', '/artifacts/import', skip_accept_encoding=True)
    for k, v in client.headers.items():
        conn.putheader(k, v)
    conn.putheader('Content-Type', BUNDLE_TYPE)
    conn.putheader('Content-Length', str(size))
    conn.endheaders()
    conn.sock.sendfile(source, 0, size)
    resp = conn.getresponse()
    data = resp.read()
    took = time.perf_counter() - t
    if resp.status != 200:
        raise RuntimeError('import -> %s: %s' % (resp.status, data[:500]))
    return took, json.loads(data)


def _args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--size', type=int, default=1024,
                   help='MiB of the image blob exported (default 1024)')
    p.add_argument('--rounds', type=int, default=3,
                   help='exports timed; the best counts (default 3)')
    report_lib.add_run_options(
        p, 'keep the temp state dir (config, database, logs)')
    return p.parse_args(argv)


def run(args):
    size = args.size * MIB
    data = blob_bench.Data()
    res = {'size_mib': args.size}
    shas = [sha256_rate(data, size)]
    with bench_server.Server(workers=1, keep=args.keep) as srv:
        report_lib.log('glare-api %s, state in %s' % (srv.url, srv.state))
        client = blob_bench.Client(srv.url)
        blob = blob_bench._new_blob(client, 'bench-bundle')
        report_lib.log('upload: %d MiB' % args.size)
        client.upload(blob, size, pieces=data.pieces(size))
        path = blob.rsplit('/', 1)[0] + '/bundle'
        buf = memoryview(bytearray(blob_bench.RECV_STEP))
        export(client, path, buf)  # warm up
        report_lib.log('export: %d MiB x %d' % (args.size, args.rounds))
        times, imports = [], []
        with blob_bench.RssSampler(srv.proc.pid) as sampler:
            for _ in range(args.rounds):
                took, got = export(client, path, buf)
                if got < size:
                    raise RuntimeError('export: %d bytes for a %d-byte '
                                       'blob' % (got, size))
                times.append(took)
                shas.append(sha256_rate(data, size))
            saved = os.path.join(srv.state, 'bundle.tar')
            length = save(client, path, saved)
            artifact = blob.rsplit('/', 1)[0]
            report_lib.log('import: %d MiB x %d' % (args.size, args.rounds))
            with open(saved, 'rb') as source:
                for _ in range(args.rounds):
                    client.json('DELETE', artifact, expect=204)
                    took, out = import_(client, source, length)
                    if len(out['imported']) != 1:
                        raise RuntimeError('import: %s' % out)
                    imports.append(took)
                    shas.append(sha256_rate(data, size))
        res['rss'] = sampler.peak / MIB
        client.close()
    res['sha256'] = max(shas)
    res['export_mib_s'] = args.size / min(times)
    res['export_all'] = [args.size / t for t in times]
    res['export'] = res['export_mib_s'] / res['sha256']
    res['import_mib_s'] = args.size / min(imports)
    res['import_all'] = [args.size / t for t in imports]
    res['import'] = res['import_mib_s'] / res['sha256']
    return res


def report(res):
    print('%-34s %10.1f MiB/s' % ('sha256, one core', res['sha256']))
    for what in ('export', 'import'):
        print('%-34s %10.1f MiB/s  (rounds: %s)' % (
            '%s %d MiB' % (what, res['size_mib']), res[what + '_mib_s'],
            ', '.join('%.0f' % r for r in res[what + '_all'])))
    return report_lib.check_targets(TARGETS, res, digits=2)


def main(argv=None):
    args = _args(sys.argv[1:] if argv is None else argv)
    missed = report(run(args))
    return report_lib.exit_status(missed, args.no_check)


if __name__ == '__main__':
    sys.exit(main())
