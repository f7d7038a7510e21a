"""md5, sha1 and sha256 of a stream, each computed in its own thread."""

import hashlib
import queue
import threading

ALGORITHMS = ('md5', 'sha1', 'sha256')
# chunks queued per digest before the producer waits: bounds the memory an
# upload holds to QUEUE_DEPTH chunks whatever the speed of each digest
QUEUE_DEPTH = 8
_STOP = object()


class _Digest(threading.Thread):

    def __init__(self, name):
        super().__init__(name='glare-%s' % name, daemon=True)
        self.hash = hashlib.new(name, usedforsecurity=False) \
            if name == 'md5' else hashlib.new(name)
        self.queue = queue.Queue(maxsize=QUEUE_DEPTH)

    def run(self):
        update, get = self.hash.update, self.queue.get
        while True:
            chunk = get()
            if chunk is _STOP:
                return
            update(chunk)  # releases the GIL for buffers over 2 KiB


class ParallelHasher:
    """update() hands each chunk to one thread per digest.

    hashlib releases the GIL while it hashes a large buffer, so the three
    digests run on separate cores alongside the thread that reads the
    socket and writes the store: the upload runs at the speed of the
    slowest digest (md5), not of their sum. Chunks must be immutable
    (bytes): each thread reads them after update() has returned.
    """

    def __init__(self, algorithms=ALGORITHMS):
        self._digests = [_Digest(name) for name in algorithms]
        self._names = algorithms
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
        return {name: d.hash.hexdigest()
                for name, d in zip(self._names, self._digests)}

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
