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

"""Blob upload and download through Swift against the filesystem store.

    python -m benchmarks.swift_store [--size MiB] [--rounds N]
                                     [--store s3|swift|all] [--keep]

One Swift all-in-one (glare/tests/fixtures/swift_aio.py: Debian's swift
packages and memcached on loopback) and, for each store, one glare-api
(benchmarks/server.py: SQLite, noauth, one worker) whose ``images``
artifacts keep their data there:

* ``file``: glance_store's filesystem store in the server's state dir
  (the reference);
* ``s3``: glance_store's S3 driver against the proxy's s3api (tempauth
  credentials), boto3 required;
* ``swift``: glance_store's swift driver, single tenant; it authenticates
  with Keystone v3 only, so this one also starts the Keystone of the
  test suite (glare/tests/keystone/fixture.py: run it in the keystone tox
  env, ``tox -e keystone -- ...`` has keystone installed) and registers
  the proxy as its object-store endpoint.

``--store all`` (the default) runs s3, and swift when keystone can be
imported. --size MiB (256) is uploaded --rounds times (3), each time to a
new artifact, then the last one downloaded --rounds times; the best round
of each counts (the machine is shared). Prints MiB/s for each store and
the ratio of each Swift store to the filesystem store. Indicative figures:
Swift runs on the same two cores as Glare and the client.
"""

import argparse
import os
import sys

from benchmarks import blobs as bench_blobs
from benchmarks import report as report_lib
from benchmarks import server as bench_server
from glare.tests.fixtures import swift_aio

MIB = 1 << 20


def _args(argv):
    parser = argparse.ArgumentParser(prog='benchmarks.swift_store')
    parser.add_argument('--size', type=int, default=256,
                        help='MiB per upload (default 256)')
    parser.add_argument('--rounds', type=int, default=3)
    parser.add_argument('--store', choices=('s3', 'swift', 'all'),
                        default='all')
    parser.add_argument('--keep', action='store_true',
                        help='keep the state dirs (logs) of the servers')
    return parser.parse_args(argv)


def _keystone_swift(swift_kw):
    """(Keystone cloud, keystone dict for SwiftAIO) or None."""
    try:
        from glare.tests.keystone import fixture
        cloud = fixture.cloud()
    except Exception as exc:  # no keystone here: reported, then skipped
        report_lib.log('swift driver skipped: %s' % exc)
        return None
    glare = cloud.personas['glare']
    swift_kw['keystone'] = {'url': cloud.server.url, 'username': 'glare',
                            'password': glare.password,
                            'project_name': 'service'}
    return cloud


def _register(cloud, swift):
    service = cloud._create('services', 'service', {
        'type': 'object-store', 'name': 'swift'})
    for interface in ('public', 'internal', 'admin'):
        cloud._create('endpoints', 'endpoint', {
            'service_id': service, 'interface': interface,
            'region_id': 'RegionOne',
            'url': swift.keystone_proxy_url + '/v1/AUTH_$(project_id)s'})


def measure(name, config, data, size, rounds, keep):
    """{'upload': MiB/s, 'download': MiB/s} of the best rounds."""
    with bench_server.Server(workers=1, keep=keep, config=config) as srv:
        report_lib.log('%s: glare-api %s, state in %s' % (name, srv.url,
                                                          srv.state))
        client = bench_blobs.Client(srv.url)
        client.upload(bench_blobs._new_blob(client, 'warm-up'), 4 * MIB,
                      pieces=data.pieces(4 * MIB))
        expected = data.digests(size)
        ups = []
        for i in range(rounds):
            path = bench_blobs._new_blob(client, 'bench-%d' % i)
            took, _cpu, artifact = client.upload(path, size,
                                                 pieces=data.pieces(size))
            bench_blobs._check_digests(artifact, size, expected)
            ups.append(size / MIB / took)
        buf = memoryview(bytearray(bench_blobs.RECV_STEP))
        downs = []
        for _ in range(rounds):
            took, got = client.download(path, buf)
            if got != size:
                raise RuntimeError('%s: downloaded %d bytes of %d' % (
                    name, got, size))
            downs.append(size / MIB / took)
        client.close()
    result = {'upload': max(ups), 'download': max(downs)}
    report_lib.log('%s: upload %.1f MiB/s, download %.1f MiB/s' % (
        name, result['upload'], result['download']))
    return result


def run(args):
    if swift_aio.missing():
        raise SystemExit('Swift is not installed: %s' % ', '.join(
            swift_aio.missing()))
    size = args.size * MIB
    data = bench_blobs.Data()
    stores = ['s3', 'swift'] if args.store == 'all' else [args.store]
    swift_kw = {}
    cloud = _keystone_swift(swift_kw) if 'swift' in stores else None
    if cloud is None and 'swift' in stores:
        if args.store == 'swift':
            raise SystemExit('the swift driver needs Keystone (run in the '
                             'keystone tox env)')
        stores.remove('swift')
    swift = swift_aio.SwiftAIO(**swift_kw)
    results = {}
    try:
        report_lib.log('starting Swift in %s' % swift.workdir)
        swift.start()
        if cloud is not None:
            _register(cloud, swift)
        results['file'] = measure('file', {}, data, size, args.rounds,
                                  args.keep)
        for store in stores:
            if store == 's3':
                options = swift.s3_options(bucket='bench')
            else:
                glare = cloud.personas['glare']
                options = swift.glance_store_options(
                    'glare', glare.password, container='bench')
            results[store] = measure(store, {'glance_store': options}, data,
                                     size, args.rounds, args.keep)
    finally:
        swift.destroy(keep_dir=args.keep)
    return results


def report(results, size_mib):
    out = sys.stdout
    out.write('\nBlob data through Swift vs the filesystem store (%d MiB, '
              'best round; Swift on the same machine)\n' % size_mib)
    out.write('%-8s %14s %16s %12s %14s\n' % (
        'store', 'upload MiB/s', 'download MiB/s', 'upload x', 'download x'))
    base = results['file']
    for name, res in results.items():
        out.write('%-8s %14.1f %16.1f %12.2f %14.2f\n' % (
            name, res['upload'], res['download'],
            res['upload'] / base['upload'],
            res['download'] / base['download']))


def main(argv=None):
    args = _args(sys.argv[1:] if argv is None else argv)
    os.environ.setdefault('PYTHONUNBUFFERED', '1')
    results = run(args)
    report(results, args.size)
    return 0


if __name__ == '__main__':
    sys.exit(main())
