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

"""The tar side of a bundle: reproducible headers out, a strict parser in.

The parser reads a forward-only stream of bytes chunks (no seeking, no
tarfile: its stream mode cannot hand a member's data out as chunks while
checking what a bundle allows) and knows only what a bundle may hold:
regular files named ``oci-layout``, ``index.json`` or
``blobs/sha256/<64 hex>``, in ustar headers, a pax extended header only to
carry a size of 8 GiB or more.
"""

import re
import tarfile

from glare.bundles import layout

BLOCK = 512
ZERO_BLOCK = bytes(BLOCK)
END_OF_ARCHIVE = bytes(2 * BLOCK)
#: the largest pax extended header read
MAX_PAX_SIZE = 8192
#: the most zero bytes accepted after the end-of-archive blocks (tar
#: writers pad to their record size, 10 KiB by default)
MAX_TRAILING = 1024 * 1024
#: pax keys a bundle may carry: size is used, the times are ignored
PAX_KEYS = frozenset(('size', 'mtime', 'atime', 'ctime'))
PAX_TIME_RE = re.compile(r'-?[0-9]+(\.[0-9]+)?')

REGULAR = (b'0', b'\0')
PAX = b'x'
KINDS = {b'1': 'a hard link', b'2': 'a symbolic link',
         b'3': 'a character device', b'4': 'a block device',
         b'5': 'a directory', b'6': 'a FIFO', b'7': 'a contiguous file',
         b'g': 'a pax global header', b'L': 'a GNU long name',
         b'K': 'a GNU long link name', b'S': 'a GNU sparse file',
         b'V': 'a volume label', b'M': 'a multi-volume continuation'}
MAGICS = (b'ustar\x0000', b'ustar  \x00')


def header(name, size):
    """The header block(s) of a regular file: reproducible attributes; a
    pax extended header carries the size only when ustar cannot."""
    info = tarfile.TarInfo(name)
    info.size = size
    info.mode = 0o644
    info.uid = info.gid = 0
    info.mtime = 0
    info.uname = info.gname = ''
    info.type = tarfile.REGTYPE
    return info.tobuf(tarfile.PAX_FORMAT, 'utf-8', 'strict')


def padding(size):
    return bytes(-size % BLOCK)


def entry_length(name, size):
    """Bytes a member takes in the stream: header(s), data, padding."""
    return len(header(name, size)) + size + (-size % BLOCK)


def check_name(name):
    """Refuse any name but the three forms of a bundle."""
    if name in (layout.LAYOUT_FILE, layout.INDEX_FILE) or \
            layout.BLOB_NAME_RE.fullmatch(name):
        return
    if name.startswith('/'):
        raise layout.LayoutError(
            'entry %r has an absolute name (a path escape)' % name, name)
    if '..' in name.split('/'):
        raise layout.LayoutError(
            'entry %r leaves the bundle with ".." (a path escape)' % name,
            name)
    raise layout.LayoutError(
        'entry %r is not allowed: a bundle holds only oci-layout, '
        'index.json and blobs/sha256/<64 lowercase hex>' % name, name)


class Member:
    __slots__ = ('name', 'size')

    def __init__(self, name, size):
        self.name = name
        self.size = size


def _text(field, what):
    """A NUL-terminated ASCII header field; nothing may follow its NUL."""
    text, _nul, rest = field.partition(b'\0')
    if rest.strip(b'\0'):
        raise layout.LayoutError('a tar header\'s %s field holds bytes '
                                 'after its end' % what)
    try:
        return text.decode('ascii')
    except UnicodeDecodeError as e:
        raise layout.LayoutError('a tar header\'s %s field is not ASCII: %r'
                                 % (what, text)) from e


def _number(field, what):
    """An octal (or GNU base-256) number field."""
    if field[0] == 0x80:
        return int.from_bytes(field[1:], 'big')
    digits = field.replace(b'\0', b' ').strip()
    if not digits:
        return 0
    if not re.fullmatch(rb'[0-7]+', digits):
        raise layout.LayoutError('a tar header\'s %s field is not a number: '
                                 '%r' % (what, field))
    return int(digits, 8)


def _checksum_ok(block):
    stored = _number(block[148:156], 'checksum')
    unsigned = sum(block[:148]) + 8 * 0x20 + sum(block[156:])
    signed = sum(b - 256 if b > 127 else b
                 for b in block[:148] + block[156:]) + 8 * 0x20
    return stored in (unsigned, signed)


def parse_header(block):
    """(type flag, name, size) of a header block."""
    if block[257:265] not in MAGICS:
        raise layout.LayoutError('not a POSIX tar header (bad magic %r)'
                                 % block[257:265])
    if not _checksum_ok(block):
        raise layout.LayoutError('a tar header has a wrong checksum')
    name = _text(block[0:100], 'name')
    if block[257:265] == MAGICS[0]:
        prefix = _text(block[345:500], 'prefix')
        if prefix:
            name = prefix + '/' + name
    return block[156:157], name, _number(block[124:136], 'size')


def parse_pax(data, name):
    """The accepted keys of a pax extended header, checked."""
    records = {}
    pos = 0
    while pos < len(data):
        match = re.match(rb'([1-9][0-9]{0,5}) ', data[pos:pos + 8])
        end = pos + int(match.group(1)) if match else 0
        if not match or end > len(data) or data[end - 1:end] != b'\n':
            raise layout.LayoutError(
                'the pax header of entry %s is malformed' % name)
        key, eq, value = data[pos + len(match.group(0)):end - 1].partition(
            b'=')
        key = key.decode('utf-8', 'replace')
        if not eq or key in records:
            raise layout.LayoutError(
                'the pax header of entry %s is malformed (record %r)'
                % (name, key))
        records[key] = value.decode('utf-8', 'replace')
        pos = end
    for key in sorted(records):
        if key in ('path', 'linkpath'):
            raise layout.LayoutError(
                'the pax header of entry %s tries to rename it (%s=%r)'
                % (name, key, records[key]), name)
        if key not in PAX_KEYS:
            raise layout.LayoutError(
                'the pax header of entry %s holds key %r; a bundle accepts '
                'only %s' % (name, key, ', '.join(sorted(PAX_KEYS))), name)
    for key in (PAX_KEYS - {'size'}) & set(records):
        if not PAX_TIME_RE.fullmatch(records[key]):
            raise layout.LayoutError('the pax header of entry %s has a bad '
                                     '%s' % (name, key), name)
    if 'size' in records and not re.fullmatch(r'[0-9]{1,20}',
                                              records['size']):
        raise layout.LayoutError(
            'the pax header of entry %s has a bad size %r'
            % (name, records['size']), name)
    return records


class TarReader:
    """Members of a tar stream, one after the other, data as chunks.

    chunks: an iterable of bytes-like chunks of any size; max_total: the
    most bytes the whole stream may hold (None: no limit).
    """

    def __init__(self, chunks, max_total=None):
        self._chunks = iter(chunks)
        self._buf = b''
        self._off = 0
        self.consumed = 0
        self.max_total = max_total
        self.last = None  # the name of the last member, for messages

    def _fill(self):
        for chunk in self._chunks:
            if chunk:
                self._buf = bytes(chunk)
                self._off = 0
                return True
        return False

    def _read_some(self, n, where):
        if self._off >= len(self._buf) and not self._fill():
            raise layout.LayoutError('the bundle is truncated (in %s)'
                                     % where)
        take = min(n, len(self._buf) - self._off)
        if self._off == 0 and take == len(self._buf):
            out = self._buf
        else:
            out = self._buf[self._off:self._off + take]
        self._off += take
        self.consumed += take
        return out

    def _read_exact(self, n, where):
        parts = []
        while n:
            part = self._read_some(n, where)
            parts.append(part)
            n -= len(part)
        return b''.join(parts)

    def _at_eof(self):
        return self._off >= len(self._buf) and not self._fill()

    def _budget(self, size, what, entry=None):
        if self.max_total is not None and \
                self.consumed + size > self.max_total:
            raise layout.LayoutError(
                '%s (%d bytes) takes the bundle over its size limit of %d '
                'bytes' % (what, size, self.max_total), entry)

    def _header_block(self):
        after = ('after entry %s' % self.last) if self.last else 'at its start'
        if self._at_eof():
            raise layout.LayoutError(
                'the bundle is truncated: it ends %s without the '
                'end-of-archive blocks' % after)
        where = 'a tar header %s' % after
        self._budget(BLOCK, where)
        return self._read_exact(BLOCK, where)

    def next_member(self):
        """The next member, or None at a (checked) end of archive."""
        pax = None
        while True:
            block = self._header_block()
            if block == ZERO_BLOCK:
                if pax is not None:
                    raise layout.LayoutError(
                        'a pax header is followed by no entry')
                self._end()
                return None
            kind, name, size = parse_header(block)
            if kind == PAX:
                if pax is not None:
                    raise layout.LayoutError(
                        'two pax headers in a row before entry %s' % name)
                if size > MAX_PAX_SIZE:
                    raise layout.LayoutError('a pax header is over %d bytes'
                                             % MAX_PAX_SIZE)
                self._budget(size + (-size % BLOCK), 'a pax header')
                pax = self._read_exact(size + (-size % BLOCK),
                                       'a pax header')[:size]
                continue
            if kind not in REGULAR:
                raise layout.LayoutError(
                    'entry %r is %s; a bundle holds regular files only'
                    % (name, KINDS.get(kind, 'of tar type %r' % kind)), name)
            check_name(name)
            if pax is not None:
                size = int(parse_pax(pax, name).get('size', size))
            self._budget(size + (-size % BLOCK), 'entry %s' % name, name)
            self.last = name
            return Member(name, size)

    def _end(self):
        """After a first zero block: a second, then nothing but zeros."""
        if self._at_eof():
            raise layout.LayoutError('the bundle is truncated: one of the '
                                     'two end-of-archive blocks is missing')
        if self._read_exact(BLOCK, 'the end-of-archive blocks') != ZERO_BLOCK:
            raise layout.LayoutError('an entry follows an end-of-archive '
                                     'block')
        trailing = 0
        while not self._at_eof():
            rest = self._read_some(layout.CHUNK_SIZE, 'the end')
            trailing += len(rest)
            if rest.strip(b'\0'):
                raise layout.LayoutError('data follows the end of the '
                                         'archive')
            if self.max_total is not None and self.consumed > self.max_total:
                raise layout.LayoutError(
                    'the zeros after the end of the archive take the bundle '
                    'over its size limit of %d bytes' % self.max_total)
            if trailing > MAX_TRAILING:
                raise layout.LayoutError(
                    'more than %d bytes of zeros follow the end of the '
                    'archive' % MAX_TRAILING)

    def data(self, member, chunk_size=layout.CHUNK_SIZE):
        """The member's data as chunks of at most chunk_size bytes; its
        padding is consumed after the last one."""
        remaining = member.size
        where = 'the data of entry %s' % member.name
        while remaining:
            chunk = self._read_some(min(remaining, chunk_size), where)
            remaining -= len(chunk)
            yield chunk
        pad = self._read_exact(-member.size % BLOCK,
                               'the padding of entry %s' % member.name)
        if pad.strip(b'\0'):
            raise layout.LayoutError('the padding of entry %s is not zeros'
                                     % member.name, member.name)

    def read_all(self, member):
        return b''.join(self.data(member))

    def remainder(self):
        """The bytes of the stream not read yet, as they come (unparsed):
        what a caller that rewrites the first entries passes on."""
        if self._off < len(self._buf):
            rest = self._buf[self._off:]
            self._off = len(self._buf)
            self.consumed += len(rest)
            yield rest
        for chunk in self._chunks:
            if chunk:
                self.consumed += len(chunk)
                yield bytes(chunk)
