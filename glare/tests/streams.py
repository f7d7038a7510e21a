"""Request bodies for upload tests, and reading a stream to its end."""


class Pieces:
    """A body handing out the given pieces, one per read, whatever size is
    asked for (as a socket may)."""

    def __init__(self, *pieces):
        self._pieces = list(pieces)

    def read(self, size=-1):
        return self._pieces.pop(0) if self._pieces else b''


def drain(fd, size=65536):
    """Everything fd.read(size) gives until it gives b''."""
    out = []
    while True:
        chunk = fd.read(size)
        if not chunk:
            return b''.join(out)
        out.append(chunk)
