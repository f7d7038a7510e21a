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

"""Benchmark an image conversion task against qemu-img convert alone.

    python -m benchmarks.convert [--size MiB] [--rounds N] [--quick] [...]

Makes a qcow2 holding --size MiB (1024) of data in a virtual disk twice as
large (qemu-img create, qemu-io writes; Debian qemu-utils), starts a real
glare-api (SQLite, noauth, the file store and the conversion's scratch
directory in its temp state dir, one task worker), uploads the qcow2 as an
image, then times, in each of --rounds rounds (the best of each counts):

* qemu-img convert -f qcow2 -O raw of the file into a file next to it,
  alone (the issue's yardstick), and the same until its output is on
  disk (fsync; shown, not a target);
* the same by hand: a copy of the file, qemu-img convert of the copy,
  and the raw result uploaded as a new image (PUT, the upload path);
* the conversion task: POST .../image/convert {"disk_format": "raw"},
  then GET /tasks/{id} every 50 ms until it succeeds. The raw image's
  md5, sha1 and sha256 must be those of qemu-img's own output;
* the floor (shown, not a target): qemu-img convert alone, then the
  three digests every stored image gets (md5, sha1, sha256) of its output,
  as the service computes them (glare.common.hashing's threads, the
  output's holes read as zeros, glare.common.sparse). qemu-img alone
  leaves its output in the page cache, half of it holes, and hashes
  nothing: a task that hashes its output cannot come within 1.2 times of
  it, and the floor says how far it must stay. The single-thread rate of
  each digest on this machine is printed too.

Each is timed from a clean page cache (os.sync() before it, untimed): on
a disk that writes slower than the steps make data, the dirty pages of
one step would slow the next. Prints the times, the task's over each
yardstick (targets < 1.2) and where the task's time went, from the
service's log: copying the source into the scratch directory, qemu-img
info, qemu-img convert, storing the result (read, hashed and written into
the store as an upload is). Exits 1 when a target is missed, unless
--no-check.
"""

import argparse
import hashlib
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time

import requests

from benchmarks import report
from benchmarks import server
from glare.common import chunking
from glare.common import hashing
from glare.common import sparse

MIB = 1 << 20
AUTH = {'X-Auth-Token': 'bench:bench-project:member'}
TARGET_RATIO = 1.2
#: the data is written in pieces this large, every other piece of the disk
PIECE_MIB = 64
_STAGES = re.compile(
    r'copied in ([\d.]+) s, inspected in ([\d.]+) s, converted in '
    r'([\d.]+) s, stored in ([\d.]+) s')


def make_qcow2(path, data_mib):
    """A qcow2 of 2 × data_mib virtual MiB, data_mib of them written."""
    subprocess.run(['qemu-img', 'create', '-q', '-f', 'qcow2', path,
                    '%dM' % (2 * data_mib)], check=True)
    commands = []
    pieces = max(data_mib // PIECE_MIB, 1)
    piece = min(PIECE_MIB, data_mib)
    for n in range(pieces):
        commands += ['-c', 'write -q -P %d %dM %dM' % (
            0x20 + n % 200, 2 * n * piece, piece)]
    subprocess.run(['qemu-io', '-f', 'qcow2'] + commands + [path],
                   check=True)


def sha256_of(path):
    digest = hashlib.sha256()
    with open(path, 'rb') as f:
        while True:
            data = f.read(4 * MIB)
            if not data:
                return digest.hexdigest()
            digest.update(data)


def digests_of(path):
    """{algorithm: hex digest} of a file, as an upload's are computed."""
    hasher = hashing.ParallelHasher()
    try:
        with sparse.SparseFile(path) as f:
            while True:
                chunk = f.read(chunking.CHUNK_SIZE)
                if not chunk:
                    break
                hasher.update(chunk)
        return hasher.hexdigests()
    finally:
        hasher.close()


def digest_rates(mib=256):
    """{algorithm: MiB/s} of each digest alone in one thread, best of 3."""
    data = os.urandom(MIB)
    rates = {}
    for name in hashing.ALGORITHMS:
        best = None
        for _n in range(3):
            digest = hashlib.new(name)
            started = time.perf_counter()
            for _i in range(mib):
                digest.update(data)
            took = time.perf_counter() - started
            best = took if best is None else min(best, took)
        rates[name] = mib / best
    return rates


def qemu_img_alone(source, out):
    """(seconds of qemu-img convert, seconds until its output is on disk
    as well)."""
    if os.path.exists(out):
        os.unlink(out)
    started = time.monotonic()
    subprocess.run(['qemu-img', 'convert', '-f', 'qcow2', '-O', 'raw',
                    source, out], check=True)
    converted = time.monotonic()
    with open(out, 'rb') as f:
        os.fsync(f.fileno())
    return converted - started, time.monotonic() - started


class _Api:

    def __init__(self, url):
        self.url = url
        self.session = requests.Session()

    def call(self, method, path, expect, **kw):
        resp = self.session.request(method, self.url + path, headers=dict(
            AUTH, **kw.pop('headers', {})), timeout=600, **kw)
        if resp.status_code != expect:
            raise RuntimeError('%s %s: %s %s' % (method, path,
                                                 resp.status_code,
                                                 resp.text[:500]))
        return resp.json() if resp.content else None

    def upload(self, path, disk_format, version):
        af = self.call('POST', '/artifacts/images', 201, json={
            'name': 'bench-image', 'version': version,
            'disk_format': disk_format, 'container_format': 'bare'})
        with open(path, 'rb') as f:
            self.call('PUT', '/artifacts/images/%s/image' % af['id'], 200,
                      data=f, headers={
                          'Content-Type': 'application/octet-stream'})
        return af['id']

    def convert(self, artifact_id):
        """(seconds, the task's end document)."""
        started = time.monotonic()
        task = self.call('POST', '/artifacts/images/%s/image/convert'
                         % artifact_id, 202, json={'disk_format': 'raw'})
        while task['status'] not in ('success', 'failure'):
            time.sleep(0.05)
            task = self.call('GET', '/tasks/%s' % task['id'], 200)
        took = time.monotonic() - started
        if task['status'] != 'success':
            raise RuntimeError('the conversion failed: %s'
                               % task['message'])
        return took, task


def _stages(srv):
    with open(os.path.join(srv.state, 'glare-api.log'),
              errors='replace') as f:
        found = _STAGES.findall(f.read())
    return [tuple(float(x) for x in m) for m in found]


def by_hand(api, source, work, n):
    """What an operator would do: copy the image out, convert it, upload
    the result as a new image. Seconds."""
    copy = os.path.join(work, 'copy.qcow2')
    out = os.path.join(work, 'by-hand.raw')
    started = time.monotonic()
    shutil.copyfile(source, copy)
    subprocess.run(['qemu-img', 'convert', '-f', 'qcow2', '-O', 'raw',
                    copy, out], check=True)
    artifact_id = api.upload(out, 'raw', '1.0.0+hand%d' % n)
    took = time.monotonic() - started
    for path in (copy, out):
        os.unlink(path)
    api.call('DELETE', '/artifacts/images/%s' % artifact_id, 204)
    return took


def measure(source, work, rounds, keep):
    """{figure: best seconds} and the task's stages of its best round."""
    config = {'image_conversion': {'work_dir': '{state}/scratch'},
              'tasks': {'workers': 1}}
    srv = server.Server(keep=keep, config=config)
    # the option needs the state dir, known once the server object is
    with open(srv.config_file) as f:
        text = f.read().replace('{state}', srv.state)
    with open(srv.config_file, 'w') as f:
        f.write(text)
    best = {}
    stages = None

    def keep_best(name, took):
        best[name] = took if name not in best else min(best[name], took)
        return best[name] == took

    with srv:
        api = _Api(srv.url)
        report.log('uploading %d MiB' % (os.path.getsize(source) // MIB))
        artifact_id = api.upload(source, 'qcow2', '1.0.0')
        out = os.path.join(work, 'alone.raw')
        # the rounds interleave the three: the machine may be shared
        for n in range(rounds):
            # each starts with no dirty page of the one before to write
            # back: the disk is the bottleneck of every step that stores
            os.sync()
            alone, on_disk = qemu_img_alone(source, out)
            keep_best('on_disk', on_disk)
            started = time.monotonic()
            digests = digests_of(out)
            keep_best('floor', alone + time.monotonic() - started)
            if n == 0:
                expected = digests
                if expected['sha256'] != sha256_of(out):
                    raise RuntimeError('the sparse read of qemu-img\'s '
                                       'output is not its data')
            os.unlink(out)
            keep_best('alone', alone)
            os.sync()
            hand = by_hand(api, source, work, n)
            keep_best('hand', hand)
            os.sync()
            took, task = api.convert(artifact_id)
            new = api.call('GET', '/artifacts/images/%s' % task['artifact'],
                           200)
            got = {a: new['image'][a] for a in hashing.ALGORITHMS}
            if got != expected:
                raise RuntimeError('the converted image is not qemu-img\'s '
                                   'output: %s, not %s' % (got, expected))
            round_stages = _stages(srv)[n]
            report.log('round %d: qemu-img alone %.2f s, by hand %.2f s, '
                       'task %.2f s (copy %.2f, info %.2f, convert %.2f, '
                       'store %.2f)' % ((n + 1, alone, hand, took) +
                                        round_stages))
            if keep_best('task', took):
                stages = round_stages
            api.call('DELETE', '/artifacts/images/%s' % task['artifact'],
                     204)
    return best, stages


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--size', type=int, default=1024,
                   help='MiB of data in the qcow2 (default 1024)')
    p.add_argument('--rounds', type=int, default=2,
                   help='conversions of each kind; the best counts')
    p.add_argument('--quick', action='store_true',
                   help='--size 128 --rounds 1')
    report.add_run_options(p, 'keep the server\'s state dir')
    args = p.parse_args(argv)
    if args.quick:
        args.size, args.rounds = 128, 1
    return args


def main(argv=None):
    args = parse_args(argv)
    for tool in ('qemu-img', 'qemu-io'):
        if shutil.which(tool) is None:
            sys.exit('%s not found: apt-get install qemu-utils' % tool)
    work = tempfile.mkdtemp(prefix='glare-bench-convert-')
    try:
        source = os.path.join(work, 'source.qcow2')
        report.log('making a qcow2 with %d MiB of data' % args.size)
        make_qcow2(source, args.size)
        best, stages = measure(source, work, args.rounds, args.keep)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print('qcow2 with %d MiB of data (%d MiB virtual) to raw, best of %d'
          % (args.size, 2 * args.size, args.rounds))
    print('%-40s %8.2f s' % ('qemu-img convert alone', best['alone']))
    print('%-40s %8.2f s' % ('  the same, and its output on disk',
                             best['on_disk']))
    print('%-40s %8.2f s' % ('floor: qemu-img alone + 3 digests',
                             best['floor']))
    print('%-40s %8.2f s' % ('by hand: cp, qemu-img convert, PUT',
                             best['hand']))
    print('%-40s %8.2f s' % ('conversion task (POST to success)',
                             best['task']))
    for label, value in zip(('  copy to the scratch directory',
                             '  qemu-img info', '  qemu-img convert',
                             '  store the result (upload path)'), stages,
                            strict=True):
        print('%-40s %8.2f s' % (label, value))
    rates = digest_rates()
    print('%-40s %s MiB/s' % ('digests alone, one thread each', ', '.join(
        '%s %.0f' % (a, rates[a]) for a in hashing.ALGORITHMS)))
    print('%-40s %8.2f x' % ('task / floor (shown, not a target)',
                             best['task'] / best['floor']))
    missed = report.check_targets({
        'hand': ('task / by hand', 'x', '<', TARGET_RATIO),
        'alone': ('task / qemu-img convert alone', 'x', '<', TARGET_RATIO),
    }, {'hand': best['task'] / best['hand'],
        'alone': best['task'] / best['alone']}, width=40, digits=2)
    return report.exit_status(missed, args.no_check)


if __name__ == '__main__':
    sys.exit(main())
