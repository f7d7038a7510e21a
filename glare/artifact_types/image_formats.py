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

"""Disk image formats: detection as the data streams, and what may match.

The detection is oslo.utils' format inspector: every inspector of
``oslo_utils.imageutils.format_inspector`` is fed each chunk and keeps only
the header regions it needs (a few hundred KiB at most, whatever the size
of the image), then the one whose format matches runs its safety checks:
a qcow2 with a backing file or an external data file, a VMDK whose
descriptor names other files (monolithicFlat, extents with a path), a QED
image, an unparsable header that claims a format... are refused.
"""

import dataclasses

from oslo_utils.imageutils import format_inspector as fi

from glare import exception

#: metadata keys Glare writes from an upload's data; nobody else may
DETECTED_FORMAT = 'detected_format'
VIRTUAL_SIZE = 'virtual_size'
RESERVED_KEYS = (DETECTED_FORMAT, VIRTUAL_SIZE)

#: container formats whose data is the disk itself; the data of the
#: others (ova, ovf, docker) is a package or tarball the formats of
#: which say nothing about
DISK_CONTAINERS = ('bare', 'ami', 'ari', 'aki')

_RAW_LIKE = frozenset(('raw', 'gpt', 'iso'))

#: disk_format → the detected formats its data may have
COMPATIBLE = {
    # raw bytes, a partitioned disk or a CD image are all read as raw
    'raw': _RAW_LIKE,
    'ami': _RAW_LIKE,
    'ari': _RAW_LIKE,
    'aki': _RAW_LIKE,
    'iso': frozenset(('iso',)),
    'qcow2': frozenset(('qcow2',)),
    # a fixed VHD has its footer at the end only: it reads as raw
    'vhd': frozenset(('vhd', 'raw')),
    'vhdx': frozenset(('vhdx',)),
    'vmdk': frozenset(('vmdk',)),
    'vdi': frozenset(('vdi',)),
}

#: the first bytes are given to the inspectors at once: a text VMDK
#: descriptor has up to 1 MiB (as qemu reads it)
HEAD_SIZE = 1 << 20

#: formats whose virtual size is "0" when the inspector could not tell
_SIZE_MAY_BE_UNKNOWN = ('iso', 'vhdx', 'vmdk', 'vhd', 'vdi')


@dataclasses.dataclass(frozen=True)
class Detected:
    format: str
    #: bytes; None when the header does not say
    virtual_size: int | None


def mismatch(container_format, disk_format, detected_format):
    """Why data of detected_format cannot be this image, or None.

    Nothing to say while a format is unknown, or when the container is not
    a disk (the data of an ova or docker image is a tarball).
    """
    if not (container_format and disk_format and detected_format):
        return None
    if container_format not in DISK_CONTAINERS:
        return None
    if detected_format in COMPATIBLE.get(disk_format, ()):
        return None
    return ('the data is in format %s, not %s as disk_format says' %
            (detected_format, disk_format))


def check(container_format, disk_format, detected_format):
    reason = mismatch(container_format, disk_format, detected_format)
    if reason:
        raise exception.InvalidData(reason=reason)


class Detector:
    """Runs every format inspector over a stream, chunk by chunk."""

    def __init__(self):
        self.inspectors = [cls() for cls in fi.ALL_FORMATS.values()]
        self._failed = {}
        self._verdict_seen = False
        self._head = bytearray()

    def feed(self, chunk):
        if self._head is not None:
            # Some inspectors judge by what the first chunk holds (the VMDK
            # one reads a text descriptor from it): give them the same
            # first HEAD_SIZE bytes however the data arrived, or an
            # uploader pausing after a few bytes would change the verdict.
            self._head += chunk
            if len(self._head) < HEAD_SIZE:
                return
            chunk, self._head = bytes(self._head), None
        self._eat(chunk)

    def _eat(self, chunk):
        for inspector in self.inspectors:
            if inspector.NAME in self._failed:
                continue
            try:
                inspector.eat_chunk(chunk)
            except Exception as exc:
                # not this format (or a broken header of it: see _matches)
                self._failed[inspector.NAME] = exc

    @property
    def decided(self):
        """Every specific inspector has all the data it wants."""
        return all(i.complete for i in self.inspectors
                   if i.NAME != 'raw' and i.NAME not in self._failed)

    @property
    def held_bytes(self):
        """Bytes held for the inspection (what the inspectors need, never
        the whole data)."""
        return len(self._head or b'') + sum(
            sum(i.context_info.values()) for i in self.inspectors)

    def verdict(self):
        """The format of the data, once safety checked; InvalidData when
        the data is dangerous, malformed or ambiguous."""
        matches = self._matches()
        names = sorted(i.NAME for i in matches)
        if names == ['gpt', 'iso']:
            # a bootable (hybrid) ISO carries a partition table too
            matches = [i for i in matches if i.NAME == 'iso']
        elif len(matches) > 1:
            raise exception.InvalidData(
                reason='the data matches several formats (%s)' %
                ', '.join(names))
        inspector = matches[0] if matches else self._raw()
        name = inspector.NAME
        if name in self._failed:
            raise exception.InvalidData(
                reason='the data looks like %s but cannot be read as such: '
                       '%s' % (name, self._failed[name]))
        try:
            inspector.safety_check()
        except fi.SafetyCheckFailed as exc:
            raise exception.InvalidData(
                reason='the %s image is unsafe: %s' % (name, '; '.join(
                    '%s' % e for _n, e in sorted(exc.failures.items()))
            )) from exc
        except fi.ImageFormatError as exc:
            raise exception.InvalidData(
                reason='the %s image cannot be checked: %s' % (name, exc)
            ) from exc
        size = inspector.virtual_size
        if not size and name in _SIZE_MAY_BE_UNKNOWN:
            size = None
        return Detected(name, size)

    def early_verdict(self):
        """As verdict, before the end of the data, once it is decided
        (an unsafe image is refused without reading the rest); None
        before that. Only ever called for refusals: the final verdict
        comes from finish."""
        if self._verdict_seen or self._head is not None or not self.decided:
            return None
        self._verdict_seen = True
        return self.verdict()

    def finish(self):
        if self._head:
            self._eat(bytes(self._head))
        self._head = None
        for inspector in self.inspectors:
            inspector.finish()
        return self.verdict()

    def _raw(self):
        return next(i for i in self.inspectors if i.NAME == 'raw')

    def _matches(self):
        out = []
        for inspector in self.inspectors:
            if inspector.NAME == 'raw':
                continue
            if _says_match(inspector):
                out.append(inspector)
        return out


def _pointer_parts(path):
    return [p.replace('~1', '/').replace('~0', '~')
            for p in path[1:].split('/')] if isinstance(path, str) else []


def check_patch(patch, has_data):
    """Refuse a JSON patch that would write the keys Glare owns.

    Ops on ``/metadata/<reserved key>`` are refused; so is one on the
    whole ``/metadata`` once the image has data (the keys it carries then
    could not be told from the recorded ones).
    """
    for op in patch or ():
        if not isinstance(op, dict) or op.get('op') == 'test':
            continue
        targets = [op.get('path')]
        if op.get('op') == 'move':
            targets.append(op.get('from'))
        for path in targets:
            parts = _pointer_parts(path)
            if not parts or parts[0] != 'metadata':
                continue
            if len(parts) > 1 and parts[1] in RESERVED_KEYS:
                raise exception.Forbidden(
                    'metadata key %s is set by Glare from the image data' %
                    parts[1])
            if len(parts) == 1 and has_data:
                raise exception.Forbidden(
                    'The image has data: change its metadata key by key '
                    '(/metadata/<key>), %s are set by Glare' %
                    ' and '.join(RESERVED_KEYS))


def check_user_metadata(metadata):
    """Refuse metadata given by a user that names the reserved keys."""
    found = sorted(set(metadata or {}) & set(RESERVED_KEYS))
    if found:
        raise exception.Forbidden(
            'metadata keys %s are set by Glare from the image data' %
            ', '.join(found))


def _says_match(inspector):
    """Whether an inspector recognises its format; False for a
    half-parsed header that cannot even say."""
    try:
        return bool(inspector.format_match)
    except Exception:
        return False
