"""What every store shares: the reader type and the chunk size."""

# bytes per chunk moved between the socket, the digests and the stores
CHUNK_SIZE = 1 << 20


class Reader:
    """Data from a location: iterate for chunks, close() when done.

    ``file`` is an open file positioned at the first byte when the data is
    a local file, so that the WSGI server can sendfile() it; ``length`` is
    the number of bytes this reader yields.
    """

    def __init__(self, chunks, length, file=None):
        self._chunks = chunks
        self.length = length
        self.file = file

    def __iter__(self):
        return iter(self._chunks)

    def close(self):
        for thing in (self._chunks, self.file):
            close = getattr(thing, 'close', None)
            if close is not None:
                close()
