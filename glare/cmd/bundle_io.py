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

"""Files, standard streams and progress bars of glare-bundle."""

import contextlib
import os
import sys
import tempfile

import tqdm

from glare.cmd import bundle_auth

CHUNK = 1024 * 1024


class IOFailure(Exception):
    """A file that cannot be read or written; the message is one line."""


def describe_os_error(e):
    where = e.filename if getattr(e, 'filename', None) else None
    text = e.strerror or str(e)
    return '%s: %s' % (where, text) if where else text


def file_size(path):
    try:
        with open(path, 'rb') as f:
            size = os.fstat(f.fileno()).st_size
    except OSError as e:
        raise IOFailure('cannot read %s' % describe_os_error(e)) from e
    return size


def read_chunks(f, bar=None):
    while True:
        chunk = f.read(CHUNK)
        if not chunk:
            return
        if bar is not None:
            bar.update(len(chunk))
        yield chunk


class Body:
    """Chunks as a body of known length: requests then sends a
    Content-Length (a generator alone would go chunked)."""

    def __init__(self, chunks, length):
        self._chunks = iter(chunks)
        self._length = length
        self._current = b''
        self._pos = 0

    def __len__(self):
        return self._length

    def __iter__(self):
        while True:
            data = self.read(CHUNK)
            if not data:
                return
            yield data

    def read(self, size=-1):
        while self._pos >= len(self._current):
            chunk = next(self._chunks, None)
            if chunk is None:
                return b''
            self._current, self._pos = chunk, 0
        if size is None or size < 0:
            size = len(self._current)
        data = self._current[self._pos:self._pos + size]
        self._pos += len(data)
        return data


@contextlib.contextmanager
def output(path):
    """A binary file to write a bundle to: path ("-" or None: standard
    output). A file appears under its name only once whole: written next
    to it under a temporary name and renamed at the end, removed on any
    failure (a bundle is never left half written)."""
    if path in (None, '-'):
        out = sys.stdout.buffer
        yield out
        out.flush()
        return
    directory = os.path.dirname(os.path.abspath(path))
    try:
        fd, tmp = tempfile.mkstemp(prefix='.%s.' % os.path.basename(path),
                                   suffix='.part', dir=directory)
    except OSError as e:
        raise IOFailure('cannot write %s: %s' % (
            path, e.strerror or e)) from e
    try:
        with os.fdopen(fd, 'wb') as f:
            yield f
        os.chmod(tmp, 0o644 & ~_umask())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def progress(what, total):
    """A progress bar of bytes on stderr when it is a terminal; a bar that
    draws nothing otherwise."""
    return tqdm.tqdm(total=total, desc=what, unit='B', unit_scale=True,
                     unit_divisor=1024, leave=False,
                     disable=not sys.stderr.isatty(), file=sys.stderr)


def fail(prog, message):
    """End the command with one line on stderr, exit status 1 (written
    through tqdm: a progress bar on the terminal is not broken)."""
    line = ' '.join(str(message).split()) or 'failed'
    tqdm.tqdm.write('%s: error: %s' % (prog, line), file=sys.stderr)
    sys.exit(1)


def run_command(prog, call, failures, debug=False):
    """call(); every failure one line (fail): those of failures (error
    types whose text is the message), Keystone's, the system's, and any
    other exception (re-raised with debug)."""
    try:
        return call()
    except KeyboardInterrupt:
        fail(prog, 'interrupted')
    except failures as e:
        fail(prog, e)
    except bundle_auth.ksa_exceptions.ClientException as e:
        fail(prog, bundle_auth.describe(e))
    except OSError as e:
        fail(prog, describe_os_error(e))
    except Exception as e:  # a library's bare Exception: still one line
        if debug:
            raise
        fail(prog, '%s: %s' % (type(e).__name__, e))
