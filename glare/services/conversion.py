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

"""Disk image conversion with qemu-img, on a private scratch copy.

The data of the source image is streamed into a file of a private
directory (mode 0700) through the same format detection as an upload
(:class:`glare.artifact_types.image_formats.Detector`: a qcow2 with a
backing file or an external data file, a VMDK naming other files...
are refused as uploads are, most of them before the rest of the data is
read). ``qemu-img info`` then reads the copy's header with the detected
format forced (never probed), under prlimit's address space and CPU
limits, and the conversion is refused again when qemu reports a backing
file, a data file, encryption or a virtual size over the limit. Only
then ``qemu-img convert -p`` writes the converted image next to the copy,
its progress read from its output; the copy of the source is removed as
soon as it has been converted. The store is never handed to qemu-img.

:class:`Conversion` does one conversion: ``run()`` blocks and returns a
:class:`Converted` (the output file, to be streamed into a new blob and
``close()``\\ d), ``cancel()`` from any thread kills qemu-img and makes
``run()`` raise :class:`Cancelled`; failed or cancelled, nothing is left
in the scratch directory.
"""

import errno
import json
import os
import re
import shutil
import signal
# qemu-img runs with arguments of the service's own, never a shell
import subprocess  # nosec B404
import tempfile
import threading
import time

from oslo_log import log as logging

from glare.artifact_types import image_formats as formats
from glare.common import chunking
from glare.common import sparse
from glare import exception

LOG = logging.getLogger(__name__)

MIB = 1 << 20
GIB = 1 << 30

#: Glare's disk_format → qemu-img's name of the format, for the formats a
#: conversion may produce (ami, ari, aki and iso are raw data under other
#: names: convert to raw)
TARGETS = {
    'raw': 'raw',
    'qcow2': 'qcow2',
    'vmdk': 'vmdk',
    'vdi': 'vdi',
    'vhd': 'vpc',
    'vhdx': 'vhdx',
}

#: what the format detection found → the qemu-img driver that reads it;
#: the detector's other formats (qed, luks) are not converted
SOURCES = {
    'raw': 'raw',
    'gpt': 'raw',
    'iso': 'raw',
    'qcow2': 'qcow2',
    'vhd': 'vpc',
    'vhdx': 'vhdx',
    'vmdk': 'vmdk',
    'vdi': 'vdi',
}

#: the disk formats Glare knows (those of the images type)
KNOWN = frozenset(formats.COMPATIBLE)

#: VMDK subformats that are one self-contained file (the detector refuses
#: the others; qemu-img info must agree)
_VMDK_SINGLE_FILE = ('monolithicSparse', 'streamOptimized')

#: share of the progress given to copying the source to the scratch file;
#: qemu-img's own progress makes the rest
COPY_SHARE = 0.3

_PROGRESS = re.compile(rb'\((\d{1,3}(?:\.\d+)?)/100%\)')
#: scratch directories are named <prefix><pid>-<random>
_WORKDIR_PREFIX = 'glare-convert-'
#: bytes of qemu-img's messages kept for an error
_STDERR_TAIL = 2048
#: `qemu-img info --output=json` of an image the detector accepted is a
#: few KiB
_MAX_INFO = MIB


class Cancelled(Exception):
    """The conversion was cancelled; nothing of it is left."""


def target_format(disk_format):
    """qemu-img's name of the format to convert to; 400 naming the
    formats when disk_format is unknown or not a conversion target."""
    if not isinstance(disk_format, str) or disk_format not in KNOWN:
        raise exception.BadRequest(
            'Unknown disk format %r: images are converted to one of %s' % (
                disk_format, ', '.join(sorted(TARGETS))))
    if disk_format not in TARGETS:
        raise exception.BadRequest(
            'Images are not converted to %s (raw data under another name: '
            'convert to raw); the formats are %s' % (
                disk_format, ', '.join(sorted(TARGETS))))
    return TARGETS[disk_format]


def source_format(detected, declared=None):
    """The qemu-img driver that reads data detected as ``detected`` (a
    format inspector's name); declared is the image's disk_format.

    A fixed VHD reads as raw (its footer is at the end): declared vhd, it
    is read as one. NotConvertible (400) for formats that are not converted.
    """
    if detected == 'raw' and declared == 'vhd':
        return 'vpc'
    try:
        return SOURCES[detected]
    except KeyError:
        raise exception.NotConvertible(
            reason='%s images are not converted' % detected) from None


def check_request(container_format, disk_format, detected_format, target):
    """Refuse a conversion before any data is read.

    container_format, disk_format: the source image's; detected_format:
    what its upload was detected as (metadata detected_format; None when
    not recorded). 400 for an unknown or unsupported target or source,
    409 when the data already is in the target's format.
    """
    wanted = target_format(target)
    if container_format not in formats.DISK_CONTAINERS:
        raise exception.BadRequest(
            'The data of an image with container_format %s is not a disk; '
            'only images with container_format %s are converted' % (
                container_format, ', '.join(formats.DISK_CONTAINERS)))
    if disk_format not in KNOWN:
        raise exception.BadRequest(
            'The image has no disk_format to convert from')
    # the format the data was found to be, else the declared one
    if detected_format:
        current = source_format(detected_format, disk_format)
    else:
        current = TARGETS.get(disk_format, 'raw')
    check_not_same(current, wanted, target)


def check_not_same(current, wanted, target):
    if current == wanted:
        raise exception.Conflict(
            'The image data already is in format %s: there is nothing to '
            'convert' % target)


class Converted:
    """The converted image: a file in the conversion's private directory,
    until close() removes the directory."""

    def __init__(self, workdir, path, disk_format, virtual_size):
        self._workdir = workdir
        self.path = path
        self.disk_format = disk_format
        self.virtual_size = virtual_size
        self.size = os.stat(path).st_size
        #: seconds spent copying the source, inspecting it, converting it
        self.timings = {}

    def chunks(self, size=chunking.CHUNK_SIZE):
        with self.open() as f:
            while True:
                data = f.read(size)
                if not data:
                    return
                yield data

    def open(self):
        """The output as a file (read(size) -> bytes): its holes (what
        qemu-img left unwritten, zeros) come from a buffer of zeros, not
        the disk (glare.common.sparse)."""
        return sparse.SparseFile(self.path)

    def close(self):
        shutil.rmtree(self._workdir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class _Progress:
    """Reports progress 0..1, never going back."""

    def __init__(self, callback):
        self._callback = callback
        self.value = 0.0

    def report(self, value):
        value = min(max(float(value), 0.0), 1.0)
        if value <= self.value and value < 1.0:
            return
        if value == self.value == 1.0:
            return
        self.value = value
        if self._callback is not None:
            self._callback(value)


class Conversion:
    """One conversion of image data to another disk format.

    source: an iterable of byte chunks (a store reader); size: its length
    in bytes when known (for progress and the size bound); declared: the
    source image's disk_format; target: the disk_format to produce;
    max_size: the largest output accepted (the target blob's limit);
    progress: called with 0..1, non-decreasing, from the thread that runs.
    """

    def __init__(self, conf, source, target, declared=None, size=None,
                 max_size=None, progress=None):
        self.conf = conf.image_conversion
        self.target = target
        self._wanted = target_format(target)
        self._source = source
        self._declared = declared
        self._size = size
        limit = self.conf.max_virtual_size_gb * GIB
        self._max_virtual = limit
        self._max_size = max_size
        self._progress = _Progress(progress)
        self._lock = threading.Lock()
        self._cancelled = False
        self._process = None
        self._workdir = None

    # -- control -----------------------------------------------------------
    def cancel(self):
        """Stop the conversion (any thread): run() raises Cancelled."""
        with self._lock:
            self._cancelled = True
            process = self._process
        if process is not None:
            _kill(process)

    def _check_cancelled(self):
        if self._cancelled:
            raise Cancelled()

    # -- the conversion ------------------------------------------------------
    def run(self):
        """Convert; returns a Converted the caller must close()."""
        self._workdir = self._make_workdir()
        try:
            source = os.path.join(self._workdir, 'source')
            started = time.monotonic()
            detected = self._copy(source)
            copied = time.monotonic()
            driver = source_format(detected.format, self._declared)
            check_not_same(driver, self._wanted, self.target)
            virtual_size = self._inspect(source, driver)
            inspected = time.monotonic()
            output = os.path.join(self._workdir, 'converted')
            self._convert(source, driver, output)
            os.unlink(source)
            self._check_cancelled()
            converted = Converted(self._workdir, output, self.target,
                                  virtual_size)
            converted.timings = {
                'copy': copied - started, 'inspect': inspected - copied,
                'convert': time.monotonic() - inspected}
            if self._max_size is not None and \
                    converted.size > self._max_size:
                raise exception.RequestEntityTooLarge(
                    'The converted image would be %d bytes, more than the '
                    'limit of the image blob (%d bytes)' % (
                        converted.size, self._max_size))
            # the callback may raise (a task that must stop): nothing kept
            self._progress.report(1.0)
        except BaseException as exc:
            shutil.rmtree(self._workdir, ignore_errors=True)
            if self._cancelled and not isinstance(exc, Cancelled):
                # whatever the killed qemu-img made of it
                raise Cancelled() from exc
            if type(exc) is exception.InvalidData:
                # the upload checks' verdict, told as a conversion's
                raise exception.NotConvertible(
                    reason=exc.kwargs.get('reason', exc.message)) from exc
            raise
        return converted

    def _make_workdir(self):
        base = self.conf.work_dir or tempfile.gettempdir()
        try:
            os.makedirs(base, exist_ok=True)
            remove_stale(base)
            # mode 0700, a name nobody can guess, after this process's id
            path = tempfile.mkdtemp(prefix='%s%d-' % (
                _WORKDIR_PREFIX, os.getpid()), dir=base)
        except OSError as exc:
            LOG.error('Cannot make a scratch directory in %s: %s', base, exc)
            raise exception.ServiceUnavailable(
                'The service cannot make the scratch space of a '
                'conversion') from exc
        if ':' in path:
            # qemu reads "proto:..." file names as protocols
            shutil.rmtree(path, ignore_errors=True)
            raise exception.ConfigurationError(
                '[image_conversion] work_dir %s: qemu-img takes a ":" in a '
                'file name for a protocol' % base)
        return path

    def _copy(self, path):
        """Stream the source into path, through the format detection;
        returns the formats.Detected of the data."""
        detector = formats.Detector()
        zeros = bytes(chunking.CHUNK_SIZE)
        copied = 0
        bound = self._max_virtual if self._size is None else self._size
        try:
            with open(path, 'xb') as f:
                for chunk in self._source:
                    self._check_cancelled()
                    copied += len(chunk)
                    if copied > bound:
                        raise exception.NotConvertible(
                            reason='the source data is longer than %d '
                                   'bytes' % bound)
                    detector.feed(chunk)
                    early = detector.early_verdict()
                    if early is not None:
                        source_format(early.format, self._declared)
                    if len(chunk) <= len(zeros) and chunk == (
                            zeros if len(chunk) == len(zeros)
                            else zeros[:len(chunk)]):
                        # keep the scratch copy sparse, as qemu-img
                        # keeps a raw output
                        f.seek(len(chunk), os.SEEK_CUR)
                    else:
                        f.write(chunk)
                    if self._size:
                        self._progress.report(
                            COPY_SHARE * copied / self._size)
                f.truncate(copied)
        except OSError as exc:
            if exc.errno == errno.ENOSPC:
                raise exception.StorageFull() from exc
            raise
        self._check_cancelled()
        if self._size is not None and copied != self._size:
            raise exception.NotConvertible(
                reason='the source data has %d bytes, not %d' % (
                    copied, self._size))
        detected = detector.finish()
        if self._declared:
            # data that contradicts its disk_format (uploaded before Glare
            # checked it) is not converted as one or the other
            formats.check('bare', self._declared, detected.format)
        self._progress.report(COPY_SHARE)
        return detected

    # -- qemu-img ------------------------------------------------------------
    def _command(self, memory_mb, cpu_seconds, *args):
        """qemu-img under setpriv (killed when the thread that started it
        dies with its process: no orphan qemu-img goes on converting) and
        prlimit (address space and CPU time)."""
        found = {name: shutil.which(name) for name in (
            'setpriv', 'prlimit', self.conf.qemu_img)}
        missing = sorted(n for n, path in found.items() if path is None)
        if missing:
            LOG.error('Image conversion needs setpriv and prlimit '
                      '(util-linux) and qemu-img (qemu-utils); not found: '
                      '%s', ', '.join(missing))
            raise exception.ServiceUnavailable(
                'Image conversion is not available on this service')
        return [found['setpriv'], '--pdeathsig', 'KILL', '--',
                found['prlimit'], '--as=%d' % (memory_mb * MIB),
                '--cpu=%d' % cpu_seconds, '--',
                found[self.conf.qemu_img]] + list(args)

    def _spawn(self, command, stdout, stderr):
        with self._lock:
            self._check_cancelled()
            # its own process group: killing it kills qemu-img's helpers;
            # a list of arguments, no shell
            self._process = subprocess.Popen(  # nosec B603
                command, stdin=subprocess.DEVNULL, stdout=stdout,
                stderr=stderr, cwd=self._workdir, start_new_session=True,
                env={'LC_ALL': 'C', 'PATH': os.environ.get('PATH', '')})
            return self._process

    def _done(self):
        with self._lock:
            self._process = None

    def _inspect(self, path, driver):
        """qemu-img info on the scratch copy, its format forced; refuses
        what uploads refuse. Returns the virtual size."""
        timeout = self.conf.info_timeout
        command = self._command(
            self.conf.info_memory_mb, timeout, 'info', '--output=json',
            '--force-share', '-f', driver, path)
        with tempfile.TemporaryFile(dir=self._workdir) as err:
            process = self._spawn(command, subprocess.PIPE, err)
            try:
                out, _ = process.communicate(timeout=timeout)
            except subprocess.TimeoutExpired:
                _kill(process)
                process.wait()
                self._check_cancelled()
                raise exception.NotConvertible(
                    reason='qemu-img info took longer than %d s on the '
                           'image' % timeout) from None
            finally:
                self._done()
            self._check_cancelled()
            if process.returncode != 0 or len(out) > _MAX_INFO:
                raise exception.NotConvertible(
                    reason='qemu-img cannot read the %s image: %s' % (
                        driver, _tail(err, path)))
        try:
            info = json.loads(out)
        except ValueError as exc:
            raise exception.NotConvertible(
                reason='qemu-img info gave no JSON: %s' % exc) from exc
        return self._check_info(info, path, driver)

    def _check_info(self, info, path, driver):
        if not isinstance(info, dict) or info.get('format') != driver:
            raise exception.NotConvertible(
                reason='qemu-img does not read the image as %s' % driver)
        reasons = _unsafe(info, path)
        if reasons:
            raise exception.NotConvertible(
                reason='the %s image is unsafe: %s' % (
                    driver, '; '.join(reasons)))
        size = info.get('virtual-size')
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            raise exception.NotConvertible(
                reason='qemu-img reports no virtual size for the image')
        if size > self._max_virtual:
            raise exception.NotConvertible(
                reason='the virtual size of the image (%d bytes) is over '
                       'the limit of a conversion (%d GiB)' % (
                           size, self.conf.max_virtual_size_gb))
        if self._max_size is not None and self._wanted == 'raw' and \
                size > self._max_size:
            raise exception.RequestEntityTooLarge(
                'The image as raw would be %d bytes, more than the limit of '
                'the image blob (%d bytes)' % (size, self._max_size))
        return size

    def _convert(self, source, driver, output):
        timeout = self.conf.convert_timeout
        command = self._command(
            self.conf.convert_memory_mb, timeout, 'convert', '-p',
            '-f', driver, '-O', self._wanted, source, output)
        timer = None
        with tempfile.TemporaryFile(dir=self._workdir) as err:
            process = self._spawn(command, subprocess.PIPE, err)
            timed_out = threading.Event()

            def expire():
                timed_out.set()
                _kill(process)

            timer = threading.Timer(timeout, expire)
            timer.daemon = True
            timer.start()
            try:
                self._follow(process.stdout)
                process.wait()
            finally:
                timer.cancel()
                if process.poll() is None:
                    _kill(process)
                    process.wait()
                process.stdout.close()
                self._done()
            self._check_cancelled()
            if timed_out.is_set():
                raise exception.NotConvertible(
                    reason='qemu-img convert took longer than %d s' % timeout)
            if process.returncode != 0:
                message = _tail(err, source, output)
                if 'No space left' in message:
                    raise exception.StorageFull()
                raise exception.NotConvertible(
                    reason='qemu-img cannot convert the image: %s' % message)

    def _follow(self, stdout):
        """Read qemu-img's "(12.50/100%)" lines as they come."""
        pending = b''
        while True:
            data = stdout.read1(4096)
            if not data:
                return
            pending += data
            *lines, pending = re.split(rb'[\r\n]', pending)
            for line in lines:
                match = _PROGRESS.search(line)
                if match:
                    done = min(float(match.group(1)) / 100.0, 1.0)
                    # 1.0 once the output is checked and ready
                    self._progress.report(
                        COPY_SHARE + (1 - COPY_SHARE) * done * 0.999)
            pending = pending[-256:]


def remove_stale(base):
    """Remove the scratch directories of conversions whose process died
    (a killed worker: its qemu-img died with it, see _command)."""
    try:
        names = os.listdir(base)
    except OSError:
        return
    for name in names:
        pid = name[len(_WORKDIR_PREFIX):].split('-')[0]
        if not name.startswith(_WORKDIR_PREFIX) or not pid.isdigit() or \
                int(pid) == os.getpid() or _alive(int(pid)):
            continue
        path = os.path.join(base, name)
        try:
            if os.stat(path).st_uid != os.getuid():
                continue
        except OSError:
            continue
        LOG.warning('Removing %s, the scratch space of a conversion whose '
                    'process (%s) is gone', path, pid)
        shutil.rmtree(path, ignore_errors=True)


def _alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _unsafe(info, path):
    """What qemu-img's report shows that uploads refuse."""
    reasons = []
    if any(k in info for k in ('backing-filename', 'full-backing-filename',
                               'backing-filename-format')):
        reasons.append('it has a backing file')
    if info.get('encrypted'):
        reasons.append('it is encrypted')
    specific = (info.get('format-specific') or {}).get('data') or {}
    if not isinstance(specific, dict):
        specific = {}
    if 'data-file' in specific:
        reasons.append('it has an external data file')
    if specific.get('corrupt'):
        reasons.append('it is marked corrupt')
    if info.get('format') == 'vmdk':
        if specific.get('create-type') not in _VMDK_SINGLE_FILE:
            reasons.append('its VMDK subformat %s is not one file' %
                           specific.get('create-type'))
        for extent in specific.get('extents') or ():
            if not isinstance(extent, dict) or \
                    extent.get('filename') != path:
                reasons.append('it names other files')
                break
    return reasons


def _kill(process):
    if process.returncode is not None:
        return  # reaped: its pid may be another's now
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass  # already gone


def _tail(err, *paths):
    """The end of qemu-img's messages, without the scratch paths."""
    err.seek(0, os.SEEK_END)
    err.seek(max(err.tell() - _STDERR_TAIL, 0))
    text = err.read().decode('utf-8', 'replace').strip()
    for path in paths:
        text = text.replace(path, os.path.basename(path))
    return text or 'no message'
