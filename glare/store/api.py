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

"""Blob stores behind one narrow interface: write, open, delete, check.

Backends are glance_store's (single-store ``[glance_store] stores`` /
``default_store`` or multi-store ``enabled_backends`` /
``default_backend``) plus ``database``, which keeps data in the SQL
database (glare.store.database). Locations are strings the service keeps
in its own records and never shows: a glance_store URI, prefixed with
``<backend>@`` in multi-store mode, or ``sql://<data id>``.
"""

import os
import queue
import stat
import sys
import threading
import urllib.parse

import glance_store
from glance_store import capabilities
from glance_store import exceptions as gs_exc
from glance_store import location as gs_location
from oslo_log import log as logging

from glare.common import chunking
from glare.common import sparse
from glare.conf import artifact_type
from glare.conf import store as store_conf
from glare import exception
from glare.store import base
from glare.store import credentials
from glare.store import database

LOG = logging.getLogger(__name__)

DATABASE = 'database'
# internal locations an admin may not set: local paths, or stores whose
# URIs carry credentials from the service's own configuration
RESTRICTED_SCHEMES = ('file', 'filesystem', 'swift+config', 'sql')


def translate(exc):
    """A store error as the Glare exception the client should see.

    glance_store's drivers let their clients' own errors through (the
    swift driver swiftclient's ClientException, the s3 driver botocore's,
    connection errors of either): anything not a GlareException is a
    store failure (503), never a 500.
    """
    if isinstance(exc, exception.GlareException):
        return exc
    if isinstance(exc, gs_exc.NotFound):
        return exception.NotFound('Blob data not found in the store')
    if isinstance(exc, gs_exc.StorageFull):
        return exception.StorageFull()
    if isinstance(exc, (gs_exc.BadStoreUri, gs_exc.UnknownScheme)):
        return exception.BadRequest('Invalid store location: %s' % exc)
    if isinstance(exc, (gs_exc.StorageWriteDenied, gs_exc.Forbidden,
                        gs_exc.StoreAddDisabled)):
        return exception.ServiceUnavailable('The store refused the write')
    if _refused(exc):
        return exception.ServiceUnavailable('The store refused the '
                                            'credentials')
    LOG.warning('Store failure: %s: %s', type(exc).__name__, exc)
    return exception.ServiceUnavailable('The store failed: %s' %
                                        type(exc).__name__)


def _refused(exc):
    """Whether the store refused the token (HTTP 401 or 403 from Swift:
    another project's account, an expired token)."""
    if isinstance(exc, gs_exc.Forbidden):
        return True
    return getattr(exc, 'http_status', None) in (401, 403)


def _file_chunks(f, length):
    left = length
    while left > 0:
        data = f.read(min(chunking.CHUNK_SIZE, left))
        if not data:
            break
        left -= len(data)
        yield data


def _slice(chunks, offset, length):
    """length bytes (None: all) from offset of a stream of chunks."""
    try:
        for chunk in chunks:
            if offset >= len(chunk):
                offset -= len(chunk)
                continue
            chunk, offset = chunk[offset:], 0
            if length is not None:
                chunk = chunk[:length]
                length -= len(chunk)
            yield chunk
            if length == 0:
                return
    finally:
        close = getattr(chunks, 'close', None)
        if close is not None:
            close()


def filesystem_datadir(driver):
    """The one directory of a glance_store filesystem driver, else None.

    A library internal (checked in glare/tests/unit/test_library_compat.py):
    _FileWriter writes a file where glance_store's filesystem add() would:
    the driver's ``datadir`` attribute (only when ``multiple_datadirs`` is
    false), the file named after the image id, its URI ``file://`` and the
    path, its mode [glance_store] filesystem_store_file_perm, so that
    glance_store reads and deletes it as its own.
    """
    datadir = getattr(driver, 'datadir', None)
    if type(driver).__module__.endswith('filesystem') and datadir and \
            not getattr(driver, 'multiple_datadirs', False):
        return datadir
    return None


def _identity(st):
    """What tells a file from another one put in its place, or from
    itself changed."""
    return (st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns)


class _FileWriter:
    """Writes straight into a glance_store filesystem datadir.

    glance_store's own filesystem add() hashes md5 and a second digest one
    after the other in the writing thread, which caps an upload near
    1 / (1/md5 + 1/sha) of one core; the service computes its three
    digests in parallel threads anyway (glare.common.hashing). The file
    gets the name, permissions and URI glance_store would have given it,
    so that glance_store reads and deletes it as its own.

    Writeback of every WRITEBACK_STEP bytes is started as soon as they are
    written (sync_file_range), so that the fsync at the end only waits for
    the last few MiB. Without it the kernel starts nothing for seconds (its
    dirty thresholds are GiB here) and the fsync wrote the whole blob after
    the last byte came in: 120 to 150 ms of a 256 MiB upload that takes
    600 ms at md5's speed; 5 to 20 ms with it.

    Each range is then dropped from the page cache once it is on the disk
    (the range before the one just started: sync_file_range waits for it,
    posix_fadvise DONTNEED). A blob is written once and rarely read back
    at once, and its pages would otherwise push what the service reads all
    the time (the database's, the code's) out of memory, and make the
    kernel reclaim memory for the next blob: the writing process reuses
    the pages it gave back. On a fresh virtual machine, whose memory is
    only backed by the host when first touched, writing into new pages
    cost a background import about half of its CPU time.

    The file is sparse: a chunk of zeros (glare.common.sparse.is_zero, at
    memcmp speed) becomes a hole, a seek past it, and the file gets its
    length at the end (ftruncate). Reads (whole or ranges) see the zeros,
    the file's size is the data's, only the disk usage is smaller: the
    raw image a conversion makes of a half-empty disk is half holes, and
    writing them cost as much as writing its data.
    """

    WRITEBACK_STEP = 8 << 20
    _sync_file_range = None  # libc's, once looked up; False: none

    def __init__(self, store, datadir, data_id):
        self._store = store
        self.path = os.path.join(datadir, data_id)
        self.location = 'file://' + self.path
        self._fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_EXCL,
                           0o600)
        self._written = 0
        self._flushed = 0  # writeback started up to here
        self._dropped = 0  # on disk and out of the page cache up to here
        #: the file taken in place of the data (adopt()): (path, its fd
        #: open for reading, its identity)
        self._adopted = None

    def adopt(self, path):
        """The data to be written is the file at path, a private file of
        the service's that nothing changes until finish(). When it is on
        the store's file system, finish() moves it into place (rename)
        instead of the data being copied: write() then only counts the
        bytes (the caller hashes them as it reads them from the file).
        Returns whether it was taken; otherwise the data is written as
        usual."""
        if self._written or self._adopted is not None:
            return False
        fd = os.open(path, os.O_RDONLY)
        try:
            st = os.fstat(fd)
            if st.st_dev != os.fstat(self._fd).st_dev or \
                    not stat.S_ISREG(st.st_mode):
                os.close(fd)
                return False
        except BaseException:
            os.close(fd)
            raise
        self._adopted = (path, fd, _identity(st))
        return True

    def write(self, chunk):
        if self._adopted is not None:
            # the bytes of the adopted file: counted, its writeback to
            # the disk started as for written data
            self._written += len(chunk)
            self._writeback(self._adopted[1])
            return
        if sparse.is_zero(chunk):
            # a hole: the next write (or finish's ftruncate) extends the
            # file past it
            self._written += len(chunk)
            os.lseek(self._fd, self._written, os.SEEK_SET)
            return
        view = memoryview(chunk)
        while view:
            try:
                view = view[os.write(self._fd, view):]
            except OSError as e:
                if e.errno in (28, 27):  # ENOSPC, EFBIG
                    raise exception.StorageFull() from e
                raise
        self._written += len(chunk)
        self._writeback(self._fd)

    def _writeback(self, fd):
        if self._written - self._flushed >= self.WRITEBACK_STEP:
            self._start_writeback(fd, self._flushed,
                                  self._written - self._flushed)
            # the previous range had a whole step's time to reach the disk
            self._drop(fd, self._dropped, self._flushed - self._dropped)
            self._dropped, self._flushed = self._flushed, self._written

    @classmethod
    def _drop(cls, fd, offset, length):
        """Wait for the range to be on the disk, then take it out of the
        page cache (a hint: without sync_file_range, nothing)."""
        sync_file_range = cls._libc_sync_file_range()
        if length and sync_file_range:
            # WAIT_BEFORE | WRITE | WAIT_AFTER: written, whatever started it
            sync_file_range(fd, offset, length, 7)
            cls._fadvise_dontneed(fd, offset, length)

    @staticmethod
    def _fadvise_dontneed(fd, offset, length):
        """Take the range (length 0: to the end) out of the page cache,
        once on the disk (a hint: where there is no posix_fadvise, or it
        fails, nothing)."""
        try:
            os.posix_fadvise(fd, offset, length, os.POSIX_FADV_DONTNEED)
        except (OSError, AttributeError) as e:
            LOG.debug('posix_fadvise(DONTNEED) failed: %s', e)

    @classmethod
    def _start_writeback(cls, fd, offset, length):
        """Queue the range for writing to disk, without waiting (a hint)."""
        sync_file_range = cls._libc_sync_file_range()
        if sync_file_range:
            sync_file_range(fd, offset, length, 2)  # ..._WRITE

    @classmethod
    def _libc_sync_file_range(cls):
        if cls._sync_file_range is None:
            try:
                import ctypes  # here: the rest of the module needs none
                func = ctypes.CDLL(None, use_errno=True).sync_file_range
                func.argtypes = (ctypes.c_int, ctypes.c_int64,
                                 ctypes.c_int64, ctypes.c_uint)
                cls._sync_file_range = func
            except (ImportError, OSError, AttributeError):
                cls._sync_file_range = False  # not Linux: fsync does it all
        return cls._sync_file_range

    def finish(self):
        if self._adopted is not None:
            return self._finish_adopted()
        try:
            # the length, whatever holes end the data
            os.ftruncate(self._fd, self._written)
        except OSError as e:
            if e.errno in (28, 27):  # ENOSPC, EFBIG
                raise exception.StorageFull() from e
            raise
        os.fsync(self._fd)
        self._fadvise_dontneed(self._fd, self._dropped, 0)
        os.close(self._fd)
        self._fd = None
        perm = self._store.conf.glance_store.filesystem_store_file_perm
        if perm > 0:
            os.chmod(self.path, int(str(perm), 8))
        return self.location

    def _finish_adopted(self):
        """Move the adopted file into place, once checked to be what was
        counted (and hashed by the caller): same file, same size."""
        path, fd, identity = self._adopted
        self._adopted = None
        try:
            st = os.fstat(fd)
            if _identity(st) != identity or st.st_size != self._written \
                    or _identity(os.stat(path)) != identity:
                raise exception.GlareException(
                    'The file given for upload %s changed while it was '
                    'read (%d bytes read, %d in the file)' % (
                        self.location, self._written, st.st_size))
            os.fsync(fd)
            self._fadvise_dontneed(fd, self._dropped, 0)
            perm = self._store.conf.glance_store.filesystem_store_file_perm
            os.chmod(path, int(str(perm), 8) if perm > 0 else 0o600)
            # atomic: the placeholder made at the start is replaced
            os.rename(path, self.path)
        finally:
            os.close(fd)
        os.close(self._fd)
        self._fd = None
        return self.location

    def abort(self):
        if self._adopted is not None:
            os.close(self._adopted[1])
            self._adopted = None
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None
        try:
            os.unlink(self.path)
        except FileNotFoundError:
            pass


class _QueueFile:
    """The read() side of a queue of chunks, for glance_store's add()."""

    def __init__(self, q):
        self._q = q
        self._buf = b''
        self._eof = False

    def read(self, size=-1):
        while not self._eof and (size < 0 or len(self._buf) < size):
            chunk = self._q.get()
            if chunk is _ABORT:
                raise _Abort()
            if chunk is None:
                self._eof = True
            else:
                self._buf += chunk
        if size < 0:
            size = len(self._buf)
        out, self._buf = self._buf[:size], self._buf[size:]
        return out


class _Abort(Exception):
    """Raised inside the driver's add() so that it drops partial data."""


_ABORT = object()


class _GlanceWriter:
    """Any glance_store backend: its add() pulls from a queue in a thread."""

    def __init__(self, backend, store, data_id, size, delete,
                 context=None):
        self._backend = backend
        self._delete = delete
        self._context = context
        #: where the data goes, when the store can say before writing
        #: (crash clean-up and abort use it)
        self.location = planned_location(backend, store, data_id, context)
        self._queue = queue.Queue(maxsize=4)
        self._result = None
        self._error = None
        #: the size hint given to the backend (None: unknown); read when
        #: the first chunk is written
        self.size = size
        # started by the first write: nothing reaches the store before the
        # upload is recorded (a crash in between would orphan it)
        self._thread = threading.Thread(
            target=self._add, args=(store, data_id), daemon=True,
            name='glare-store-add')

    def _add(self, store, data_id):
        try:
            result = store.add(data_id, _QueueFile(self._queue),
                               add_size_hint(store, self.size or 0), 'sha1',
                               context=self._context)
            self._result = result[0]
        except Exception as e:  # handed to the request thread
            self._error = e

    def write(self, chunk):
        if self._thread.ident is None:
            self._thread.start()
        while self._thread.is_alive():
            try:
                self._queue.put(chunk, timeout=1)
                return
            except queue.Full:
                continue
        self._raise()

    def _raise(self):
        if self._error is None:
            raise exception.ServiceUnavailable('The store stopped reading')
        if isinstance(self._error, _Abort):
            raise exception.ServiceUnavailable('The upload was aborted')
        raise translate(self._error) from self._error

    def finish(self):
        self.write(None)
        self._thread.join()
        if self._error is not None:
            self._raise()
        return _join(self._backend, self._result)

    def abort(self):
        if self._thread.ident is None:
            return  # never started: nothing reached the store
        if self._thread.is_alive():
            try:
                self._queue.put(_ABORT, timeout=30)
            except queue.Full:
                LOG.warning('The store did not stop reading an aborted '
                            'upload')
            self._thread.join(timeout=30)
        if self._result is not None:
            try:
                self._delete(_join(self._backend, self._result),
                             self._context)
            except Exception:
                LOG.exception('Could not delete aborted upload data')
        elif self.location is not None:
            if self._error is not None and not isinstance(self._error,
                                                          _Abort):
                # the store itself failed (down, say): asking it again now
                # would only hold the client; the upload stays recorded
                # and the clean-up deletes what the store kept once its
                # heartbeat is stale
                raise exception.ServiceUnavailable(
                    'The store failed; the clean-up removes the partial '
                    'data later')
            # the store may keep what it wrote before the upload stopped
            # (swift's segments): delete what is there
            self._delete(self.location, self._context)


def swift_client_retries(retries):
    """Give python-swiftclient's Connection ``retries`` by default.

    A library internal (checked in glare/tests/unit/test_library_compat.py):
    glance_store's swift driver makes its connections with
    ``swiftclient.Connection(...)`` and no ``retries``, so swiftclient's
    own default (5, with a backoff of 1, 2, 4, 8, 16 s) holds a request
    about 31 s against a Swift that is down. The package's
    ``Connection`` becomes a subclass whose ``retries`` defaults to
    [DEFAULT] swift_client_retries (an explicit argument still wins);
    nothing else in Glare makes swiftclient connections. Without
    swiftclient (no swift store) nothing changes.
    """
    try:
        import swiftclient
    except ImportError:
        return
    base = getattr(swiftclient.Connection, 'glare_base',
                   swiftclient.Connection)

    class Connection(base):
        glare_base = base

        def __init__(self, *args, **kwargs):
            kwargs.setdefault('retries', retries)
            super().__init__(*args, **kwargs)

    swiftclient.Connection = Connection


def s3_stream_unknown_sizes(driver):
    """Make a glance_store s3 driver stream data of unknown length.

    A library internal (checked in glare/tests/unit/test_library_compat.py):
    the s3 driver's add() hands data under ``s3_store_large_object_size``
    to ``_add_singlepart``, which gathers all of it in memory for one
    put_object; data of unknown length (size 0: a chunked request) goes
    there too, however large it is. ``_add_multipart`` (the same keyword
    arguments) streams it in parts of ``s3_store_large_object_chunk_size``
    and takes an unknown size: the driver object's ``_add_singlepart``
    sends it there when the size is 0. Known small sizes keep the single
    PUT (at most the threshold in memory). Idempotent.
    """
    if getattr(driver, 'glare_streams', False) or not hasattr(
            driver, '_add_multipart'):
        return
    single = driver._add_singlepart

    def add_singlepart(**kwargs):
        if not kwargs.get('image_size'):
            return driver._add_multipart(**kwargs)
        return single(**kwargs)

    driver._add_singlepart = add_singlepart
    driver.glare_streams = True


def add_size_hint(driver, size):
    """The size given to a driver's add() for data of size bytes.

    A library internal (checked in glare/tests/unit/test_library_compat.py):
    glance_store's swift add() writes data at or over its
    ``large_object_size`` as segments; with the size known, it announces
    every segment, the last one too, with the full segment's
    Content-Length, and Swift waits for bytes that never come (499 after
    its client_timeout) unless the size is a multiple of the segment
    size. Told 0 (unknown), it sends each segment chunked and ends at the
    end of the data. Smaller data keeps its size: one plain PUT.
    """
    threshold = getattr(driver, 'large_object_size', None)
    if size and threshold and 'swift' in type(driver).__module__ and \
            size >= threshold:
        return 0
    return size


def planned_location(backend, driver, data_id, context):
    """The location glance_store's add() will write data_id to, asked
    before any data is written, or None when the driver cannot say.

    A library internal (checked in glare/tests/unit/test_library_compat.py):
    the swift drivers' ``create_location(image_id, context)`` is the
    location their add() then writes (the object, and its segments named
    after it: ``<object>-00001``...), written as add() writes it
    (glance_store._drivers.swift.utils.
    is_multiple_swift_store_accounts_enabled); the s3 driver has none:
    s3_planned_location builds what its add() returns.
    """
    if _is_s3(driver):
        try:
            return _join(backend, s3_planned_location(driver, data_id))
        except Exception:  # the add() itself reports what is wrong
            LOG.debug('No planned location for %s', data_id, exc_info=True)
            return None
    create = getattr(driver, 'create_location', None)
    if create is None:
        return None
    try:
        from glance_store._drivers.swift import utils as swift_utils
        location = create(data_id, context=context)
        # what add() returns: the reference name instead of credentials
        # when the credentials come from swift_store_config_file
        with_credentials = not swift_utils.\
            is_multiple_swift_store_accounts_enabled(
                driver.conf, backend=driver.backend_group)
        return _join(backend, location.get_uri(
            credentials_included=with_credentials))
    except Exception:  # the add() itself reports what is wrong
        LOG.debug('No planned location for %s', data_id, exc_info=True)
        return None


def _is_s3(driver):
    return type(driver).__module__.endswith('_drivers.s3')


def s3_planned_location(driver, data_id):
    """The URI glance_store's s3 driver's add() returns for data_id.

    A library internal (checked in glare/tests/unit/test_library_compat.py):
    the driver has no create_location(); its add() builds its module's
    ``StoreLocation`` from ``store_specs`` {scheme: ``driver.scheme``,
    bucket: ``driver.bucket``, key: the image id, s3serviceurl:
    ``driver.full_s3_host``} (set by configure_add) and returns its
    get_uri() (scheme, host, bucket and key: no credentials, the driver
    uses its configured ones). Built the same way before the upload
    starts, the upload record knows where the parts of an unfinished
    multipart upload go, for the crash clean-up (s3_multipart_abort).
    """
    module = sys.modules[type(driver).__module__]
    location = module.StoreLocation(
        store_specs={'scheme': driver.scheme, 'bucket': driver.bucket,
                     'key': data_id, 's3serviceurl': driver.full_s3_host},
        conf=driver.conf, backend_group=driver.backend_group)
    return location.get_uri()


def _s3_error_code(exc):
    return (getattr(exc, 'response', None) or {}).get('Error', {}).get(
        'Code')


def s3_multipart_abort(driver, loc):
    """Abort the unfinished multipart uploads of an S3 location's key;
    the number aborted.

    A library internal (checked in glare/tests/unit/test_library_compat.py):
    glance_store's s3 add() sends data over ``s3_store_large_object_size``
    (and, with s3_stream_unknown_sizes, data of unknown length) as a
    multipart upload, and aborts it only when it sees a failure itself;
    a process killed in between, or a service gone before the abort,
    leaves the uploaded parts in the service, and the driver's delete()
    deletes only the object (NotFound when there is none yet). The
    driver's ``_operation_set(store_location)`` is (the boto3 client its
    add() and delete() use, bucket, key). Uploads of other keys under the
    same prefix are left alone; an upload that ended meanwhile
    (NoSuchUpload) and a missing bucket are not errors.
    """
    client, bucket, key = driver._operation_set(loc.store_location)
    aborted = 0
    try:
        pages = client.get_paginator('list_multipart_uploads').paginate(
            Bucket=bucket, Prefix=key)
        uploads = [upload for page in pages
                   for upload in page.get('Uploads', ())
                   if upload.get('Key') == key]
    except Exception as exc:
        if _s3_error_code(exc) == 'NoSuchBucket':
            return 0
        raise
    for upload in uploads:
        try:
            client.abort_multipart_upload(Bucket=bucket, Key=key,
                                          UploadId=upload['UploadId'])
        except Exception as exc:
            if _s3_error_code(exc) != 'NoSuchUpload':
                raise
            continue
        aborted += 1
    if aborted:
        LOG.info('Aborted %d unfinished multipart upload(s) of %s in S3',
                 aborted, key)
    return aborted


def swift_range_get(driver, loc, offset, length, context):
    """(chunks, size of the whole object) of a part of a swift object.

    A library internal (checked in glare/tests/unit/test_library_compat.py):
    glance_store's swift driver says it cannot read from an offset
    (StoreRandomGetNotSupported), and reading from the start to skip would
    fetch up to the whole object (a GiB for the last bytes of one); Swift
    itself answers a Range, manifests included. The driver's
    ``get_connection(store_location, context)`` is the swiftclient
    Connection its delete() uses.
    """
    place = loc.store_location
    connection = driver.get_connection(place, context=context)
    end = '' if length is None else offset + length - 1
    try:
        headers, body = connection.get_object(
            place.container, place.obj, resp_chunk_size=chunking.CHUNK_SIZE,
            headers={'Range': 'bytes=%d-%s' % (offset, end)})
    except Exception as exc:
        if getattr(exc, 'http_status', None) == 404:
            raise gs_exc.NotFound('Swift has no object %s' % place.obj) \
                from exc
        raise
    content_range = headers.get('content-range', '')
    if '/' in content_range:
        size = int(content_range.rsplit('/', 1)[1])
    else:  # the whole object (a range from 0 that covers it)
        size = int(headers.get('content-length', 0))
    return body, size


def swift_segments_delete(driver, loc, context):
    """Delete the segments a failed swift upload left without a manifest.

    A library internal (checked in glare/tests/unit/test_library_compat.py):
    glance_store's swift add() writes a large or chunked upload as
    segments ``<object>-00001``... in the object's container and the
    manifest last; when Swift fails in between, it cannot delete them
    either, and its delete() finds no manifest to list them from. The
    driver's ``get_connection(store_location, context)`` is a
    swiftclient Connection to the object's account; the multi-tenant
    driver (``MultiTenantStore``) keeps each upload in a container of its
    own, removed here too.
    """
    place = loc.store_location
    connection = driver.get_connection(place, context=context)
    try:
        _headers, listing = connection.get_container(
            place.container, prefix=place.obj + '-', full_listing=True)
    except Exception as exc:
        if getattr(exc, 'http_status', None) == 404:
            return
        raise
    for item in listing:
        try:
            connection.delete_object(place.container, item['name'])
        except Exception as exc:
            if getattr(exc, 'http_status', None) != 404:
                raise
    if listing:
        LOG.info('Deleted %d segment(s) a failed upload left in Swift',
                 len(listing))
    if type(driver).__name__ == 'MultiTenantStore':
        # its containers are one per upload: the driver deletes them with
        # the object, not when there was none
        try:
            connection.delete_container(place.container)
        except Exception as exc:
            if getattr(exc, 'http_status', None) not in (404, 409):
                raise


def _join(backend, uri):
    return '%s@%s' % (backend, uri) if backend else uri


def _split(location):
    """(backend or None, uri) of a location string."""
    head, sep, rest = location.partition('@')
    if sep and '://' not in head and '://' in rest:
        return head, rest
    return None, location


class Stores:
    """The configured backends, created once per process."""

    def __init__(self, conf):
        self.conf = conf
        self.multi = bool(conf.enabled_backends)
        self.database = database.DatabaseStore(conf)
        if self.multi:
            from glance_store import multi_backend
            store_conf.register_backend_opts(conf)
            multi_backend.create_multi_stores(conf)
            self.default = conf.glance_store.default_backend
        else:
            glance_store.create_stores(conf)
            self.default = conf.glance_store.default_store
        swift_client_retries(conf.swift_client_retries)
        # glance_store's own verify functions read the global CONF
        self.check_store(self.default)
        #: the service's own context, for operations without a caller's
        self.service = credentials.ServiceCredentials(conf)

    def _context(self, context):
        """The context glance_store gets: the caller's, else the
        service's (None where no store needs one)."""
        if context is not None and getattr(context, 'auth_token', None):
            return context
        return self.service.context()

    def _with_context(self, context, call):
        """call(context); once more with the service's context when the
        store refused the caller's token (data in another project's
        account: the service already decided the caller may have it)."""
        context = self._context(context)
        try:
            return call(context)
        except Exception as exc:
            service = self.service.context()
            if not _refused(exc) or service is None or context is service:
                raise
            LOG.debug('The store refused the caller\'s token; again with '
                      'the service\'s')
            return call(service)

    # -- choosing -------------------------------------------------------
    def store_for(self, type_name):
        """The store name new blobs of a type go to."""
        return artifact_type.type_option(
            self.conf, type_name, 'default_store') or self.default

    def _driver(self, name):
        if self.multi:
            from glance_store import multi_backend
            return multi_backend.get_store_from_store_identifier(name)
        return glance_store.get_store_from_scheme(name)

    def check_store(self, name):
        """ConfigurationError unless blobs can be written to store name.

        glance_store only logs a store it could not configure for writing
        and turns its add() off: checked at start-up instead of answering
        every upload with an error.
        """
        if name == DATABASE:
            return
        try:
            driver = self._driver(name)
        except (gs_exc.UnknownScheme, gs_exc.GlanceStoreException) as e:
            raise exception.ConfigurationError(
                'Unknown store "%s": %s' % (name, e)) from e
        if not driver.is_capable(capabilities.BitMasks.WRITE_ACCESS):
            raise exception.ConfigurationError(
                'Store "%s" cannot be written: its configuration failed '
                '(see the glance_store messages above) or it is read-only'
                % name)

    # -- writing --------------------------------------------------------
    def writer(self, name, data_id, size=None, context=None):
        """An object with write(chunk), finish() -> location, abort().

        Its ``location`` attribute is set before any data is written when
        the store can tell where the data goes (crash clean-up uses it).
        context: the caller's (its token and service catalog: the
        multi-tenant Swift store writes to the caller's project's
        account); None: the service's.
        """
        if name == DATABASE:
            return self.database.writer(data_id)
        driver = self._driver(name)
        datadir = filesystem_datadir(driver)
        if datadir:
            return _FileWriter(driver, datadir, data_id)
        if _is_s3(driver):
            s3_stream_unknown_sizes(driver)
        return _GlanceWriter(name if self.multi else None, driver,
                             data_id, size, self.delete,
                             self._context(context))

    # -- reading --------------------------------------------------------
    def _location(self, location):
        """(driver, glance_store Location) of a location string."""
        backend, uri = _split(location)
        if backend:
            return self._driver(backend), \
                gs_location.get_location_from_uri_and_backend(
                    uri, backend, conf=self.conf)
        return glance_store.get_store_from_uri(uri), \
            gs_location.get_location_from_uri(uri, conf=self.conf)

    def open(self, location, offset=0, length=None, context=None):
        """A Reader of the data from offset, length bytes (None: to end).

        context: the caller's (None: the service's), see writer()."""
        if location.startswith('sql://'):
            return self.database.open(location, offset, length)
        if _split(location)[1].startswith('file://'):
            return self._open_file(_split(location)[1][len('file://'):],
                                   offset, length)
        try:
            driver, loc = self._location(location)
            chunks, size = self._with_context(context, lambda ctx: self._get(
                driver, loc, offset, length, ctx))
        except Exception as e:
            raise translate(e) from e
        if length is None:
            length = max(size - offset, 0) if size else size
        return base.Reader(chunks, length)

    @staticmethod
    def _get(driver, loc, offset, length, context):
        if not offset and length is None:
            return driver.get(loc, context=context)
        try:
            return driver.get(loc, offset=offset, chunk_size=length,
                              context=context)
        except gs_exc.StoreRandomGetNotSupported:
            if 'swift' in type(driver).__module__:
                return swift_range_get(driver, loc, offset, length, context)
            # e.g. the http and s3 stores: read from the start and skip
            chunks, size = driver.get(loc, context=context)
            return _slice(chunks, offset, length), size

    @staticmethod
    def _open_file(path, offset, length):
        try:
            f = open(urllib.parse.unquote(path), 'rb')
        except FileNotFoundError as exc:
            raise exception.NotFound(
                'Blob data not found in the store') from exc
        size = os.fstat(f.fileno()).st_size
        f.seek(offset)
        if length is None:
            length = max(size - offset, 0)
        return base.Reader(_file_chunks(f, length), length, file=f)

    def size(self, location, context=None):
        """Size of the data at a location (for internal locations)."""
        if location.startswith('sql://'):
            return self.database.size(location)
        try:
            driver, loc = self._location(location)
            return self._with_context(context, lambda ctx: driver.get_size(
                loc, context=ctx))
        except Exception as e:
            raise translate(e) from e

    # -- deleting -------------------------------------------------------
    def delete(self, location, context=None):
        """Remove the data; data already gone is not an error.

        context: the caller's (None: the service's), see writer(). When
        the object is not there (an upload that failed before its end),
        what the store may have kept of it goes too (swift's segments,
        an S3 key's unfinished multipart uploads).
        """
        if location.startswith('sql://'):
            return self.database.delete(location)
        try:
            driver, loc = self._location(location)
            self._with_context(context, lambda ctx: self._delete(
                driver, loc, ctx))
        except gs_exc.NotFound:
            pass
        except Exception as e:
            raise translate(e) from e

    @staticmethod
    def _delete(driver, loc, context):
        if _is_s3(driver):
            try:
                driver.delete(loc, context=context)
            except gs_exc.NotFound:
                # no object: the upload never completed (a node killed in
                # the middle, a failed abort) and its parts may be all
                # there is; a key is one upload's, so a completed object
                # leaves no unfinished upload to look for
                if not s3_multipart_abort(driver, loc):
                    raise
            return
        try:
            driver.delete(loc, context=context)
        except gs_exc.NotFound:
            if 'swift' in type(driver).__module__:
                swift_segments_delete(driver, loc, context)

    # -- internal locations ---------------------------------------------
    def check_internal(self, url):
        """The location string for an admin-given store URI, or an error.

        In multi-store mode the first enabled backend (in
        enabled_backends order) whose driver knows the URI's scheme
        serves it.
        """
        scheme = urllib.parse.urlsplit(url).scheme.lower()
        if scheme in RESTRICTED_SCHEMES:
            raise exception.Forbidden('Locations with scheme "%s" are not '
                                      'allowed' % scheme)
        location = url
        if self.multi:
            location = _join(self._backend_for_scheme(scheme), url)
        try:
            self._location(location)
        except (gs_exc.UnknownScheme, gs_exc.BadStoreUri) as e:
            raise exception.BadRequest('Unknown store location: %s' % e) from e
        return location

    def _backend_for_scheme(self, scheme):
        for backend in self.conf.enabled_backends:
            try:
                if scheme in self._driver(backend).get_schemes():
                    return backend
            except gs_exc.GlanceStoreException:
                continue
        raise exception.BadRequest('No enabled store serves "%s" locations'
                                   % scheme)
