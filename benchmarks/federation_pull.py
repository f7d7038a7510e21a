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

"""Benchmark a pull from an upstream catalog against a local import.

    python -m benchmarks.federation_pull [--size MiB] [--rounds N]
        [--record-checksums] [--no-check] [--keep]

Two glare-api run as subprocesses (benchmarks/server.py: SQLite, noauth,
the file store, one worker each): "upstream", and "local", whose
[federation] upstreams names it (auth_type admin_token: the service's
own noauth token there). One public ``images`` artifact with a --size MiB
(512) blob is made at the upstream and its bundle saved to a file. Then,
--rounds times (3) and in turn, the artifact is deleted at local and
brought back by

- a local import: POST /artifacts/import of the saved bundle (sent with
  sendfile from the page cache), and
- a pull: POST /artifacts/images/pull, which streams the upstream's export
  (GET .../bundle, the upstream reading its store and checking sha256)
  into the same import,

while the local worker's RSS is sampled. The best round of each counts
(the machine may be shared). Target (CATALOG.md §3, issue 15): a pull
moves data at >= 0.7 x the local import's rate; the local worker's peak
RSS stays under 150 MiB (neither stages the bundle). With
--record-checksums the local service takes md5 and sha1 from the records
([bundles] verify_legacy_checksums = False), as an operator may.
"""

import argparse
import json
import os
import sys
import time

from benchmarks import blobs as blob_bench
from benchmarks import bundles as bundle_bench
from benchmarks import report as report_lib
from benchmarks import server as bench_server

MIB = blob_bench.MIB
TYPE = blob_bench.TYPE
UPSTREAM = 'upstream'
SERVICE_TOKEN = 'bench-service:bench-service:member'
ADMIN_TOKEN = 'bench-admin:bench-admin:admin'
TARGETS = {
    'ratio': ('pull / local import', 'ratio', '>=', 0.70),
    'rss': ('local worker peak RSS', 'MiB', '<', 150.0),
}


def _servers(args):
    upstream = bench_server.Server(keep=args.keep, config={
        'federation': {'cloud_id': 'bench-upstream'}})
    config = {
        'federation': {'cloud_id': 'bench-local', 'upstreams': UPSTREAM},
        'upstream:' + UPSTREAM: {
            'url': upstream.url, 'auth_type': 'admin_token',
            'endpoint': upstream.url, 'token': SERVICE_TOKEN,
            'timeout': '60'},
    }
    if args.record_checksums:
        config['bundles'] = {'verify_legacy_checksums': 'False'}
    local = bench_server.Server(keep=args.keep, config=config)
    return upstream, local


def _as_admin(client, method, path, body):
    saved = client.headers
    client.headers = dict(saved, **{'X-Auth-Token': ADMIN_TOKEN})
    try:
        return bundle_bench.request(client, method, path, json.dumps(body),
                                    'application/json-patch+json')
    finally:
        client.headers = saved


def published_image(client, size, data):
    """A public, active image with a size-byte blob; its path."""
    blob = blob_bench._new_blob(client, 'bench-pull')
    report_lib.log('upstream: upload %d MiB' % (size // MIB))
    client.upload(blob, size, pieces=data.pieces(size))
    artifact = blob.rsplit('/', 1)[0]
    bundle_bench.request(client, 'PATCH', artifact, json.dumps(
        [{'op': 'replace', 'path': '/container_format', 'value': 'bare'},
         {'op': 'replace', 'path': '/disk_format', 'value': 'raw'},
         {'op': 'replace', 'path': '/status', 'value': 'active'}]),
        'application/json-patch+json')
    _as_admin(client, 'PATCH', artifact, [
        {'op': 'replace', 'path': '/visibility', 'value': 'public'}])
    return artifact


def pull(client, artifact_id):
    """(seconds, result) of one POST /artifacts/images/pull."""
    body = json.dumps({'upstream': UPSTREAM, 'id': artifact_id}).encode()
    headers = dict(client.headers, **{'Content-Type': 'application/json'})
    t = time.perf_counter()
    client.conn.request('POST', '/artifacts/%s/pull' % TYPE, body=body,
                        headers=headers)
    resp = client.conn.getresponse()
    data = resp.read()
    took = time.perf_counter() - t
    if resp.status != 200:
        raise RuntimeError('pull -> %s: %s' % (resp.status, data[:500]))
    return took, json.loads(data)


def run(args):
    data = blob_bench.Data()
    size = args.size * MIB
    res = {'size_mib': args.size, 'record_checksums': args.record_checksums}
    upstream, local = _servers(args)
    with upstream, local:
        report_lib.log('upstream %s, local %s' % (upstream.url, local.url))
        up = blob_bench.Client(upstream.url)
        artifact = published_image(up, size, data)
        art_id = artifact.rsplit('/', 1)[1]
        saved = os.path.join(local.state, 'bundle.tar')
        length = bundle_bench.save(up, artifact + '/bundle', saved)
        up.close()
        client = blob_bench.Client(local.url)
        imports, pulls = [], []
        sampler = blob_bench.RssSampler(local.proc.pid)
        with open(saved, 'rb') as source, sampler:
            for i in range(args.rounds):
                report_lib.log('round %d: import and pull %d MiB' % (
                    i + 1, args.size))
                took, out = bundle_bench.import_(client, source, length)
                if [a['id'] for a in out['imported']] != [art_id]:
                    raise RuntimeError('import: %s' % out)
                imports.append(took)
                client.json('DELETE', artifact, expect=204)
                took, out = pull(client, art_id)
                if [a['id'] for a in out['imported']] != [art_id]:
                    raise RuntimeError('pull: %s' % out)
                pulls.append(took)
                client.json('DELETE', artifact, expect=204)
        client.close()
    res['bundle_bytes'] = length
    res['rss'] = sampler.peak / MIB
    res['import_all'] = [args.size / t for t in imports]
    res['pull_all'] = [args.size / t for t in pulls]
    res['import_mib_s'] = max(res['import_all'])
    res['pull_mib_s'] = max(res['pull_all'])
    res['ratio'] = res['pull_mib_s'] / res['import_mib_s']
    return res


def report(res):
    suffix = ', md5/sha1 of records' if res['record_checksums'] else ''
    for what in ('import', 'pull'):
        label = '%s %d MiB%s' % ('local import' if what == 'import'
                                 else 'pull', res['size_mib'], suffix)
        print('%-40s %10.1f MiB/s  (rounds: %s)' % (
            label, res[what + '_mib_s'],
            ', '.join('%.0f' % r for r in res[what + '_all'])))
    return report_lib.check_targets(TARGETS, res, width=40, digits=2)


def _args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--size', type=int, default=512,
                   help='MiB of the image pulled (default 512)')
    p.add_argument('--rounds', type=int, default=3,
                   help='imports and pulls timed; the best counts '
                   '(default 3)')
    p.add_argument('--record-checksums', action='store_true',
                   help='the local service takes md5 and sha1 from the '
                   'records ([bundles] verify_legacy_checksums = False)')
    report_lib.add_run_options(
        p, 'keep the temp state dirs (config, database, logs)')
    args = p.parse_args(argv)
    if args.size < 1 or args.rounds < 1:
        p.error('--size and --rounds are at least 1')
    return args


def main(argv=None):
    args = _args(sys.argv[1:] if argv is None else argv)
    missed = report(run(args))
    return report_lib.exit_status(missed, args.no_check)


if __name__ == '__main__':
    sys.exit(main())
