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

"""Benchmark blob data through a real glare-api: upload, download, memory.

    python -m benchmarks.blobs [--size MiB] [--big-size MiB] [--quick] [...]

glare-api runs as a subprocess (SQLite, noauth, the file store in its temp
state dir, one worker; see benchmarks/server.py) and takes blobs into the
``image`` field of ``images`` artifacts (1000 GiB allowed). One lean
http.client connection sends with sendfile() from a file of the blob in the
page cache (--from-memory: sendall() from a pre-allocated buffer) and reads
into a reused buffer with readinto(), so that the client, on the same
cores, costs the server little CPU. In the same run it measures the
ceilings the figures are compared with:

* md5 on one core (hashlib over the blob's bytes, the best of samples
  taken before and between the upload rounds): the slowest of the three
  digests an upload computes, so the ceiling of an upload;
* ``dd if=/dev/zero bs=1M conv=fsync`` into the state dir (the filesystem
  the file store writes to);
* os.sendfile() of the blob's file to a loopback socket read with
  recv_into() (the best of samples taken before and between the download
  rounds): the ceiling of a download;
* md5 in two threads at once over md5 in one, after each upload: 2.0 when
  the run had both cores to itself (a shared machine rarely gives them).

Phases: --size MiB (256) uploaded --rounds times, each time to a new
artifact (the best round counts, the machine may be shared), and the
digests the service returns checked; the last one downloaded whole
--rounds times; read as four ranges of a quarter each, and
their bytes checked; then --big-size MiB (4096) generated on the fly,
uploaded and downloaded while the resident memory of the serving worker is
sampled (--quick skips it; past --rss-guard MiB the server is killed, so
that a server that holds a whole blob in memory does not take the
machine's). Prints MiB/s, ratios and targets; exits 1 when a target is
missed, unless --no-check.
"""

import argparse
import hashlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time

import psutil

from benchmarks import report as report_lib
from benchmarks import server as bench_server

MIB = 1 << 20
TYPE = 'images'
FIELD = 'image'  # max_blob_size 1000 GiB
TOKEN = 'bench-user:bench-project:member'
PATTERN = 64 * MIB  # the blob is this buffer repeated
SEND_STEP = 4 * MIB  # bytes per sendall() of the client
RECV_STEP = 4 * MIB  # bytes per readinto() of the client
DIGESTS = ('md5', 'sha1', 'sha256')

# upstream Glare on this machine kind: 127 MiB/s up, ~2.3 GiB/s down
TARGETS = {
    'upload': ('upload / md5 on one core', 'ratio', '>=', 0.80),
    'download': ('download', 'MiB/s', '>=', 2048.0),
    'range': ('range reads', 'MiB/s', '>=', 2048.0),
    'rss': ('worker peak RSS, big blob', 'MiB', '<', 150.0),
}


# -- ceilings ---------------------------------------------------------------

def md5_rate(data, size):
    """MiB/s of md5 over size bytes of data on one core.

    As many bytes as an upload hashes, so that a sample lasts as long as
    an upload and is as exposed to whatever else the machine runs.
    """
    h = hashlib.md5(usedforsecurity=False)
    t = time.perf_counter()
    for piece in data.pieces(size, PATTERN):
        h.update(piece)
    return size / MIB / (time.perf_counter() - t)


def cores_available(data, size=64 * MIB):
    """md5 in two threads at once over md5 in one: 2.0 on two free cores.

    hashlib releases the GIL, so the two threads run on two cores when the
    machine has them to give; on a shared machine this says how much of
    the second core the run had (an upload needs both).
    """
    one = md5_rate(data, size)
    rates = []

    def run():
        rates.append(md5_rate(data, size))
    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return sum(rates) / one


def dd_rate(directory, size_mib):
    """MiB/s of dd writing size_mib MiB and fsyncing them in directory."""
    path = os.path.join(directory, 'dd.test')
    t = time.perf_counter()
    subprocess.run(['dd', 'if=/dev/zero', 'of=' + path, 'bs=1M',
                    'count=%d' % size_mib, 'conv=fsync'], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    took = time.perf_counter() - t
    return size_mib / took, path


def sendfile_rate(path, rounds=3):
    """MiB/s of os.sendfile() of path to a loopback socket, recv_into()."""
    size = os.path.getsize(path)
    best = 0.0
    for _ in range(rounds):
        listener = socket.create_server(('127.0.0.1', 0))

        def serve(listener=listener):
            conn, _a = listener.accept()
            with conn, open(path, 'rb') as f:
                sent = 0
                while sent < size:
                    sent += os.sendfile(conn.fileno(), f.fileno(), sent,
                                        size - sent)
        thread = threading.Thread(target=serve)
        thread.start()
        buf = memoryview(bytearray(RECV_STEP))
        with socket.create_connection(listener.getsockname()) as s:
            t = time.perf_counter()
            got = 0
            while got < size:
                n = s.recv_into(buf)
                if not n:
                    break
                got += n
            took = time.perf_counter() - t
        thread.join()
        listener.close()
        best = max(best, got / MIB / took)
    return best


# -- data -------------------------------------------------------------------

class Data:
    """A blob of size bytes: a 64 MiB random pattern, repeated.

    The pattern is held twice in a row, so that any slice of up to 64 MiB
    of the blob is one slice of it (range reads are checked with that).
    """

    def __init__(self):
        self.twice = bytearray(os.urandom(PATTERN)) * 2
        self.view = memoryview(self.twice)

    def pieces(self, size, step=SEND_STEP):
        """memoryviews of the blob's bytes, in order."""
        pos = 0
        while pos < size:
            n = min(step, size - pos)
            start = pos % PATTERN
            yield self.view[start:start + n]
            pos += n

    def slice(self, offset, length):
        assert length <= PATTERN
        start = offset % PATTERN
        return self.view[start:start + length]

    def write(self, path, size):
        """The blob in a file (in the page cache once written)."""
        with open(path, 'wb') as f:
            for piece in self.pieces(size, PATTERN):
                f.write(piece)

    def digests(self, size):
        """{name: hex digest} of the blob."""
        out = {}
        for name in DIGESTS:
            h = hashlib.new(name)
            for piece in self.pieces(size, PATTERN):
                h.update(piece)
            out[name] = h.hexdigest()
        return out


# -- client -----------------------------------------------------------------

class Client:
    """One keep-alive http.client connection to glare-api."""

    def __init__(self, url):
        self.netloc = url.split('://', 1)[1]
        self.conn = http.client.HTTPConnection(self.netloc)
        self.headers = {'X-Auth-Token': TOKEN}

    def json(self, method, path, body=None, expect=200):
        headers = dict(self.headers)
        if body is not None:
            body = json.dumps(body).encode()
            headers['Content-Type'] = 'application/json'
        self.conn.request(method, path, body=body, headers=headers)
        resp = self.conn.getresponse()
        data = resp.read()
        if resp.status != expect:
            raise RuntimeError('%s %s -> %s: %s' % (method, path,
                                                    resp.status, data[:500]))
        return json.loads(data) if data else None

    def upload(self, path, size, pieces=None, file=None):
        """PUT size bytes; (seconds, client CPU seconds, response body).

        The bytes are the memoryviews pieces (sendall), or the open file
        (sendfile: the kernel sends its cached pages, the client copies
        nothing).
        """
        conn = self.conn
        cpu = time.process_time()
        t = time.perf_counter()
        conn.putrequest('PUT', path, skip_accept_encoding=True)
        for k, v in self.headers.items():
            conn.putheader(k, v)
        conn.putheader('Content-Type', 'application/octet-stream')
        conn.putheader('Content-Length', str(size))
        conn.endheaders()
        sock = conn.sock
        if file is not None:
            sock.sendfile(file, 0, size)
        else:
            for piece in pieces:
                sock.sendall(piece)
        resp = conn.getresponse()
        data = resp.read()
        took = time.perf_counter() - t
        cpu = time.process_time() - cpu
        if resp.status != 200:
            raise RuntimeError('upload -> %s: %s' % (resp.status,
                                                     data[:500]))
        return took, cpu, json.loads(data)

    def download(self, path, buf, byte_range=None, whole=False):
        """GET into buf (a memoryview); (seconds, bytes).

        The body is read into buf again and again (to nowhere), or once
        into consecutive parts of it when whole (buf must then hold it).
        """
        conn = self.conn
        headers = dict(self.headers)
        if byte_range:
            headers['Range'] = 'bytes=%d-%d' % byte_range
        t = time.perf_counter()
        conn.request('GET', path, headers=headers)
        resp = conn.getresponse()
        if resp.status not in (200, 206):
            raise RuntimeError('download -> %s: %s' % (resp.status,
                                                       resp.read()[:500]))
        got = 0
        while True:
            n = resp.readinto(buf[got:got + RECV_STEP] if whole else buf)
            if not n:
                break
            got += n
        took = time.perf_counter() - t
        return took, got

    def close(self):
        self.conn.close()


# -- memory -----------------------------------------------------------------

class RssSampler:
    """Peak RSS of the server's processes, sampled every interval seconds.

    The worker is the child of the gunicorn arbiter; every child is
    sampled, and the peak of the largest one reported. Past guard bytes
    (when given) on_guard() is called once: a server that reads a whole
    blob into memory must not take the machine's memory with it.
    """

    def __init__(self, pid, interval=0.02, guard=None, on_guard=None):
        self.root = psutil.Process(pid)
        self.interval = interval
        self.peak = 0
        self.guard = guard
        self.on_guard = on_guard
        self.tripped = False
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def workers(self):
        return self.root.children(recursive=True) or [self.root]

    def now(self):
        return max(p.memory_info().rss for p in self.workers())

    def _run(self):
        procs = self.workers()
        while not self._stop.is_set():
            for p in procs:
                try:
                    self.peak = max(self.peak, p.memory_info().rss)
                except psutil.NoSuchProcess:
                    procs = self.workers()
            if self.guard and self.peak > self.guard and not self.tripped:
                self.tripped = True
                self.on_guard()
            self._stop.wait(self.interval)

    def __enter__(self):
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()


# -- the run ----------------------------------------------------------------

def _args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--size', type=int, default=256,
                   help='MiB of the blob timed (default 256)')
    p.add_argument('--big-size', type=int, default=4096,
                   help='MiB of the blob moved while the worker RSS is '
                        'sampled (default 4096)')
    p.add_argument('--quick', action='store_true',
                   help='skip the big blob')
    p.add_argument('--rss-guard', type=int, default=1024,
                   help='MiB of worker RSS at which the big blob phase '
                        'stops the server (default 1024)')
    p.add_argument('--rounds', type=int, default=5,
                   help='uploads and downloads timed; the best counts '
                        '(default 5)')
    p.add_argument('--from-memory', action='store_true',
                   help='send the timed uploads from memory (sendall) '
                        'rather than from a file (sendfile)')
    report_lib.add_run_options(
        p, 'keep the temp state dir (config, database, logs)')
    args = p.parse_args(argv)
    if args.size < 4:
        p.error('--size must be at least 4 (MiB)')
    return args


def _new_blob(client, name):
    af = client.json('POST', '/artifacts/%s' % TYPE,
                     {'name': name, 'version': '1.0.0'}, expect=201)
    return '/artifacts/%s/%s/%s' % (TYPE, af['id'], FIELD)


def _check_digests(artifact, size, expected):
    blob = artifact[FIELD]
    got = {name: blob[name] for name in DIGESTS}
    if blob['size'] != size or got != expected:
        raise RuntimeError('the service computed %s (%s bytes), expected '
                           '%s (%s bytes)' % (got, blob['size'], expected,
                                              size))


def _kill(srv):
    """Stop glare-api now: a graceful stop waits for the request."""
    os.killpg(srv.proc.pid, signal.SIGKILL)


def _ranges(size):
    """Four ranges of a quarter of the blob each, not block-aligned."""
    part = min(size // 4, PATTERN)
    starts = [0, size // 4 + 4097, size // 2 + 12345, size - part]
    return [(s, s + part - 1) for s in starts]


def run(args):
    size = args.size * MIB
    res = {'size_mib': args.size}
    data = Data()
    report_lib.log('digests of the %d MiB blob' % args.size)
    expected = data.digests(size)
    md5s = [md5_rate(data, size)]

    with bench_server.Server(workers=1, keep=args.keep) as srv:
        report_lib.log('glare-api %s, state in %s' % (srv.url, srv.state))
        res['dd'], dd_file = dd_rate(srv.state, args.size)
        os.unlink(dd_file)
        blob_file = os.path.join(srv.state, 'blob.data')
        data.write(blob_file, size)
        res['sendfile'] = sendfile_rate(blob_file)
        client = Client(srv.url)
        sampler = RssSampler(srv.proc.pid)
        res['rss_idle'] = sampler.now() / MIB
        # warm up: the first upload loads the code paths
        client.upload(_new_blob(client, 'bench-warm-up'), 4 * MIB,
                      pieces=data.pieces(4 * MIB))

        report_lib.log('upload: %d MiB x %d, from %s' % (
            args.size, args.rounds, 'memory' if args.from_memory
            else 'a file'))
        ups, cpus, cores = [], [], []
        with sampler, open(blob_file, 'rb') as source:
            for i in range(args.rounds):
                # a new artifact each round, as images are uploaded: writing
                # over a blob also deletes its old data in the request
                path = _new_blob(client, 'bench-blob-%d' % i)
                if args.from_memory:
                    took, cpu, af = client.upload(
                        path, size, pieces=data.pieces(size))
                else:
                    took, cpu, af = client.upload(path, size, file=source)
                _check_digests(af, size, expected)
                ups.append(took)
                cpus.append(cpu)
                # the machine may be shared: md5's rate is sampled next to
                # every round, and the best sample is the ceiling
                md5s.append(md5_rate(data, size))
                cores.append(cores_available(data))
            res['md5'] = max(md5s)
            res['cores_all'] = cores
            res['md5_all'] = md5s
            res['upload'] = args.size / min(ups)
            res['upload_all'] = [args.size / t for t in ups]
            res['client_cpu'] = min(cpus)

            report_lib.log('download: %d MiB x %d' % (args.size, args.rounds))
            buf = memoryview(bytearray(RECV_STEP))
            downs = []
            for _ in range(args.rounds):
                took, got = client.download(path, buf)
                assert got == size, got
                downs.append(took)
                # sampled next to every round too, as md5's
                res['sendfile'] = max(res['sendfile'],
                                      sendfile_rate(blob_file, rounds=1))
            res['download'] = args.size / min(downs)
            res['download_all'] = [args.size / t for t in downs]

            ranges = _ranges(size)
            report_lib.log('range reads: %d x %d MiB' % (
                len(ranges), (ranges[0][1] + 1) // MIB))
            into = memoryview(bytearray(ranges[0][1] + 1))
            rounds = []
            for _ in range(args.rounds):
                took_all, total = 0.0, 0
                for lo, hi in ranges:
                    took, got = client.download(path, into, (lo, hi), True)
                    assert got == hi - lo + 1, (got, lo, hi)
                    if into[:got] != data.slice(lo, got):
                        raise RuntimeError('range %d-%d: wrong bytes'
                                           % (lo, hi))
                    total += got
                    took_all += took
                rounds.append(total / MIB / took_all)
            res['range'] = max(rounds)
            res['range_all'] = rounds
        res['rss_small'] = sampler.peak / MIB

        if not args.quick:
            big = args.big_size * MIB
            path = _new_blob(client, 'bench-big')
            report_lib.log('big blob: %d MiB up and down, sampling the '
                           'worker RSS' % args.big_size)
            res['big_mib'] = args.big_size
            with RssSampler(srv.proc.pid, guard=args.rss_guard * MIB,
                            on_guard=lambda: _kill(srv)) as big_sampler:
                try:
                    took, _cpu, af = client.upload(path, big,
                                                   pieces=data.pieces(big))
                    if af[FIELD]['size'] != big:
                        raise RuntimeError('big blob: %s bytes stored'
                                           % af[FIELD]['size'])
                    res['big_upload'] = args.big_size / took
                    took, got = client.download(path, buf)
                    assert got == big, got
                    res['big_download'] = args.big_size / took
                except (OSError, http.client.HTTPException):
                    if not big_sampler.tripped:
                        raise
            res['rss_big'] = big_sampler.peak / MIB
            res['rss_guard_tripped'] = big_sampler.tripped
            if big_sampler.tripped:
                report_lib.log('the worker passed %d MiB of RSS: glare-api '
                               'stopped' % args.rss_guard)
        client.close()
    return res


def report(res):
    size = res['size_mib']
    rows = [
        ('md5, one core', res['md5'], None, None),
        ('dd bs=1M conv=fsync, same fs', res['dd'], None, None),
        ('sendfile over loopback', res['sendfile'], None, None),
        ('upload %d MiB' % size, res['upload'], res['md5'], 'md5'),
        ('download %d MiB' % size, res['download'], res['sendfile'],
         'sendfile'),
        ('range reads 4 x %d MiB' % (min(size // 4, 64)), res['range'],
         res['sendfile'], 'sendfile'),
    ]
    if 'big_upload' in res:
        rows.append(('upload %d MiB' % res['big_mib'], res['big_upload'],
                     res['md5'], 'md5'))
    if 'big_download' in res:
        rows.append(('download %d MiB' % res['big_mib'],
                     res['big_download'], res['sendfile'], 'sendfile'))
    print()
    print('%-32s %9s  %s' % ('MiB/s', 'measured', 'ratio to ceiling'))
    for label, value, ceiling, name in rows:
        ratio = '' if ceiling is None else '%.2f of %s' % (value / ceiling,
                                                          name)
        print('%-32s %9.0f  %s' % (label, value, ratio))
    print('  %-30s %s' % ('cores free after each upload', ' '.join(
        '%.2f' % r for r in res['cores_all'])))
    for label, key in (('md5', 'md5_all'), ('upload', 'upload_all'),
                       ('download', 'download_all'),
                       ('range reads', 'range_all')):
        print('  %-30s %s' % (label + ', each round', ' '.join(
            '%.0f' % r for r in res[key])))
    print('%-32s %9.3f' % ('client CPU per upload (s)', res['client_cpu']))
    print('%-32s %9.1f' % ('worker RSS idle (MiB)', res['rss_idle']))
    print('%-32s %9.1f' % ('worker peak RSS, %d MiB' % size,
                           res['rss_small']))
    if 'rss_big' in res:
        print('%-32s %9.1f%s' % (
            'worker peak RSS, %d MiB' % res['big_mib'], res['rss_big'],
            '  (past --rss-guard: glare-api killed)'
            if res['rss_guard_tripped'] else ''))

    measured = {'upload': res['upload'] / res['md5'],
                'download': res['download'], 'range': res['range'],
                'rss': res.get('rss_big')}
    return report_lib.check_targets(TARGETS, measured, width=32, digits=2)


def main(argv=None):
    args = _args(argv)
    res = run(args)
    return report_lib.exit_status(report(res), args.no_check)


if __name__ == '__main__':
    sys.exit(main())
