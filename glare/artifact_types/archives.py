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

"""Zip archives checked before anything in them is trusted.

The data is spooled to a temporary file as it streams in (a zip's
directory is at its end), then opened with every entry checked: no path
traversal, absolute paths, drive letters, symlinks or duplicate names, a
bounded number of entries and a bounded expanded size. Entries are read in
bounded chunks, so a zip bomb costs bounded memory and is refused once it
passes the expanded-size limit, whatever its headers claim.
"""

import stat
import tempfile
import zipfile

from glare import exception
from glare.objects import uploads

MIB = 1024 ** 2
_CHUNK = MIB


class Limits:
    """What an archive may hold."""

    def __init__(self, max_entries=5000, max_expanded=512 * MIB,
                 max_member=64 * MIB):
        self.max_entries = max_entries
        self.max_expanded = max_expanded
        self.max_member = max_member


def _refuse(what, reason):
    raise exception.InvalidData(reason='%s: %s' % (what, reason))


def _check_name(what, name):
    if not name or '\x00' in name or '\\' in name:
        _refuse(what, 'entry name %r is not allowed' % (name,))
    if name.startswith('/') or (len(name) > 1 and name[1] == ':'):
        _refuse(what, 'entry %r has an absolute path' % (name,))
    parts = name.rstrip('/').split('/')
    if any(p in ('..', '') for p in parts):
        _refuse(what, 'entry %r leaves the archive\'s directory' % (name,))


def _is_symlink(info):
    return stat.S_ISLNK(info.external_attr >> 16)


class SafeZip:
    """A checked zip archive in a file; read members by name."""

    def __init__(self, fileobj, what='archive', limits=None):
        self.what = what
        self.limits = limits or Limits()
        try:
            self._zip = zipfile.ZipFile(fileobj)
            infos = self._zip.infolist()
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError,
                ValueError, EOFError) as exc:
            _refuse(what, 'not a zip archive (%s)' % exc)
        if len(infos) > self.limits.max_entries:
            _refuse(what, 'it has %d entries, more than the %d allowed' % (
                len(infos), self.limits.max_entries))
        self.members = {}
        declared = 0
        for info in infos:
            _check_name(what, info.filename)
            if _is_symlink(info):
                _refuse(what, 'entry %r is a symbolic link' % info.filename)
            name = info.filename.rstrip('/')
            if name in self.members:
                _refuse(what, 'entry %r appears twice' % info.filename)
            if info.flag_bits & 0x1:
                _refuse(what, 'entry %r is encrypted' % info.filename)
            declared += info.file_size
            if declared > self.limits.max_expanded:
                _refuse(what, 'it expands to more than %d bytes' %
                        self.limits.max_expanded)
            self.members[name] = info

    def has(self, name):
        """Whether a file (not a directory) of this name is in it."""
        info = self.members.get(name)
        return info is not None and not info.is_dir()

    def names(self):
        return sorted(n for n, i in self.members.items() if not i.is_dir())

    def verify(self):
        """Read every member through: corrupt data or a lying header is
        refused, with no more than a chunk in memory at a time."""
        total = 0
        for name in self.names():
            for chunk in self._chunks(name):
                total += len(chunk)
                if total > self.limits.max_expanded:
                    _refuse(self.what, 'it expands to more than %d bytes'
                            % self.limits.max_expanded)

    def read(self, name, limit=None):
        """A member's bytes (at most limit, else max_member), or None."""
        info = self.members.get(name)
        if info is None or info.is_dir():
            return None
        limit = limit or self.limits.max_member
        if info.file_size > limit:
            _refuse(self.what, '%s is larger than %d bytes' % (name, limit))
        return b''.join(self._chunks(info.filename, limit))

    def _chunks(self, name, limit=None):
        info = self.members[name.rstrip('/')]
        seen = 0
        try:
            with self._zip.open(info) as member:
                while True:
                    chunk = member.read(_CHUNK)
                    if not chunk:
                        return
                    seen += len(chunk)
                    if limit is not None and seen > limit:
                        _refuse(self.what, '%s is larger than %d bytes' %
                                (name, limit))
                    yield chunk
        # what zipfile raises on bad data: a CRC or size that does not
        # match, truncated data, a compression method it does not know
        # (NotImplementedError), an entry that needs a password
        # (RuntimeError). Each is the uploader's mistake: a 400
        except (zipfile.BadZipFile, OSError, EOFError, ValueError,
                NotImplementedError, RuntimeError) as exc:
            _refuse(self.what, 'entry %s cannot be read (%s)' % (name, exc))

    def close(self):
        self._zip.close()


class SpoolingInspector(uploads.UploadInspector):
    """Copies the data to a temporary file as it passes, for checks that
    need the whole of it (a zip is read from its end)."""

    def __init__(self, fd):
        super().__init__(fd)
        self.spool = tempfile.TemporaryFile(prefix='glare-inspect-')

    def inspect(self, chunk):
        self.spool.write(chunk)

    def finish(self):
        self.spool.flush()
        self.spool.seek(0)
        return self.inspect_file(self.spool)

    def close(self):
        self.spool.close()

    def inspect_file(self, fileobj):
        """Check the spooled data; return field values (see finish)."""
        return {}
