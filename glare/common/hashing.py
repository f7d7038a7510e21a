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

"""md5, sha1 and sha256 of a stream, computed in parallel threads."""

import hashlib
import queue
import threading
import time

ALGORITHMS = ('md5', 'sha1', 'sha256')
# chunks queued per thread before the producer waits: bounds the memory an
# upload holds whatever the speed of each digest. 4 MiB is 8 ms of md5,
# more than a scheduler time slice of the producer; at the end of an upload
# md5 still has that much to do. 8 was no faster on 2 cores.
QUEUE_DEPTH = 4
_STOP = object()
_costs = {}  # algorithm -> seconds per MiB on this machine, measured once
_costs_lock = threading.Lock()


def _new(name):
    if name == 'md5':
        return hashlib.new(name, usedforsecurity=False)
    return hashlib.new(name)


def costs(algorithms):
    """{algorithm: seconds to hash 1 MiB}, measured on first use (~10 ms)."""
    with _costs_lock:
        missing = [a for a in algorithms if a not in _costs]
        if missing:
            data = bytes(1 << 20)
            for name in missing:
                best = None
                for _i in range(3):
                    h = _new(name)
                    t = time.perf_counter()
                    h.update(data)
                    took = time.perf_counter() - t
                    best = took if best is None else min(best, took)
                _costs[name] = best
        return {a: _costs[a] for a in algorithms}


def plan(algorithms, cost):
    """Digests grouped one group per thread, as few threads as keep each
    thread's work at most that of the costliest digest (first fit,
    costliest first): the upload still runs at that digest's speed, with
    fewer threads wanting a core.

    With SHA extensions sha1 and sha256 together cost less than md5 alone
    (1.8-2.1, 0.7-0.8 and 0.8-0.9 ms per MiB here): [md5] [sha1 sha256].
    On 2 cores that is 493 MiB/s for the three digests of 256 MiB fed by
    a producer thread, against 449 with a thread per digest; md5 alone:
    526 (best of 8 interleaved runs). Without SHA extensions sha256 is the
    costliest and every digest gets its own thread again.
    """
    order = sorted(algorithms, key=lambda a: cost[a], reverse=True)
    limit = cost[order[0]]
    groups = []
    for name in order:
        for group in groups:
            if sum(cost[a] for a in group) + cost[name] <= limit:
                group.append(name)
                break
        else:
            groups.append([name])
    return groups


class _Digests(threading.Thread):
    """Hashes every chunk of its queue with each of its algorithms."""

    def __init__(self, names):
        super().__init__(name='glare-%s' % '-'.join(names), daemon=True)
        self.hashes = {name: _new(name) for name in names}
        self.queue = queue.Queue(maxsize=QUEUE_DEPTH)

    def run(self):
        updates = [h.update for h in self.hashes.values()]
        get = self.queue.get
        while True:
            chunk = get()
            if chunk is _STOP:
                return
            for update in updates:
                update(chunk)  # releases the GIL for buffers over 2 KiB


class ParallelHasher:
    """update() hands each chunk to the digest threads.

    hashlib releases the GIL while it hashes a large buffer, so the digests
    run on separate cores alongside the thread that reads the socket and
    writes the store: the upload runs at the speed of the slowest digest
    (md5), not of their sum. The digests are grouped into threads by plan().
    Chunks must be immutable (bytes): the threads read them after update()
    has returned.
    """

    def __init__(self, algorithms=ALGORITHMS, groups=None):
        self._names = algorithms
        if groups is None:
            groups = plan(algorithms, costs(algorithms))
        self._digests = [_Digests(group) for group in groups]
        for d in self._digests:
            d.start()
        self._open = True

    def update(self, chunk):
        for d in self._digests:
            d.queue.put(chunk)

    def _stop(self):
        if self._open:
            self._open = False
            for d in self._digests:
                d.queue.put(_STOP)
            for d in self._digests:
                d.join()

    def hexdigests(self):
        """{name: hex digest}; waits for the threads to catch up."""
        self._stop()
        hashes = {}
        for d in self._digests:
            hashes.update(d.hashes)
        return {name: hashes[name].hexdigest() for name in self._names}

    def close(self):
        """Stop the threads without the digests (an aborted stream)."""
        if self._open:
            for d in self._digests:
                # drop what is queued so that the threads stop at once
                try:
                    while True:
                        d.queue.get_nowait()
                except queue.Empty:
                    pass
        self._stop()


def digests_of(data, algorithms=ALGORITHMS):
    """{algorithm: hex digest} of bytes already in memory (small data)."""
    out = {}
    for name in algorithms:
        h = _new(name)
        h.update(data)
        out[name] = h.hexdigest()
    return out
