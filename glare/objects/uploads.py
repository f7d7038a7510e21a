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

"""Upload inspection: how a type checks its data as it streams in.

A type's ``pre_upload_hook`` may return an :class:`UploadInspector` that
wraps the request body. The service reads the data through it chunk by
chunk, so the inspector sees every byte without holding the blob in memory.
After the last byte the service calls :meth:`UploadInspector.finish`:

* raising there (or in :meth:`UploadInspector.inspect`) refuses the data:
  ``glare.exception.InvalidData(reason=...)`` is the usual 400, any other
  service error keeps its code, anything else becomes a 400; nothing is
  kept and the blob keeps its previous value;
* returning a dict sets those fields of the artifact in the same
  transaction that makes the data the blob's value. Values go through the
  fields' coercion and validators; a Link field may be given a
  :class:`Requirement`, which the service resolves to the newest matching
  artifact the uploader can see. A Dict field's value is merged into the
  field's value at that moment: the keys given are set (None removes a
  key) and keys others wrote during the upload are kept.
"""

import dataclasses
import re

import semantic_version

from glare.objects import version as versions


@dataclasses.dataclass(frozen=True)
class BlobData:
    """Small data an inspector takes out of an upload, to be kept as a key
    of one of the type's system Folder fields.

    ``finish()`` returning ``{'files': {'logo.png': BlobData(...)}}`` makes
    those the folder's keys when the upload commits; keys it does not name
    are removed. The data is held in memory: keep it small.
    """

    data: bytes
    content_type: str = 'application/octet-stream'


def merged(value, partial):
    """A copy of dict value with partial's keys set (None: removed)."""
    out = dict(value or {})
    for key, item in partial.items():
        if item is None:
            out.pop(key, None)
        else:
            out[key] = item
    return out


class UploadInspector:
    """A read-through wrapper over an upload's data stream."""

    #: True when read() returns other bytes than the request body's (a
    #: decoder): the body's length is then no size hint for the store
    transforms = False

    def __init__(self, fd):
        self._fd = fd
        self.size = 0

    def read(self, size=-1):
        chunk = self._fd.read(size)
        if chunk:
            self.size += len(chunk)
            self.inspect(chunk)
        return chunk

    def inspect(self, chunk):
        """See the next chunk of data; raise to refuse the upload."""

    def finish(self):
        """All data has passed: raise to refuse it, or return field values."""
        return {}

    def close(self):
        """The upload is over, kept or not: release what inspect held."""


class ContentCheck(UploadInspector):
    """A blob field's own check of its data (the field's content_check):
    it reads the data as it is stored, after the type's pre_upload_hook.

    :meth:`finish` raises to refuse the data (nothing is kept) or returns
    the media type the data was found to be, which the blob keeps
    instead of the Content-Type the client sent (None: keep that one).
    ``media_types`` lists the types it accepts (shown in the schema).
    """

    media_types = ()

    def finish(self):
        return None


_OP_RE = re.compile(r'^(==|!=|>=|<=|>|<|=)?\s*(.+)$')


@dataclasses.dataclass(frozen=True)
class Requirement:
    """A link to be: the newest visible ``type_name`` artifact named
    ``name`` whose version matches ``spec``.

    ``spec`` is a comma-separated list of clauses ``<op><version>`` with op
    one of ``== != >= <= > <`` (``=`` means ``==``). A clause without an op,
    or an empty spec, means "compatible with": ``1`` matches any 1.x.y,
    ``1.2`` any 1.2.y, ``1.2.3`` exactly 1.2.3; an empty spec any 0.x.y,
    as Murano reads its own package requirements.
    """

    type_name: str
    name: str
    spec: str = ''

    def clauses(self):
        """[(op, semantic_version.Version)]; ValueError when malformed."""
        text = (self.spec or '').strip()
        if not text:
            return _compatible('0')
        out = []
        for part in text.split(','):
            part = part.strip()
            m = _OP_RE.match(part)
            if not part or not m:
                raise ValueError('malformed version spec %r' % self.spec)
            op, ver = m.group(1), m.group(2).strip()
            if op is None:
                out.extend(_compatible(ver))
            else:
                out.append(('==' if op == '=' else op, parse_version(ver)))
        return out

    def matcher(self):
        """A test of a semantic_version.Version against the spec, parsed
        once; ValueError when the spec is malformed."""
        clauses = self.clauses()
        return lambda v: all(_compare(v, op, bound) for op, bound in clauses)

    def matches(self, value):
        return self.matcher()(parse_version(value))


#: text → semantic_version.Version; ValueError when malformed
parse_version = versions.parse


def _compatible(text):
    """'1' → >=1.0.0,<2.0.0; '1.2' → >=1.2.0,<1.3.0; '1.2.3' → ==1.2.3."""
    parts = str(text).split('-')[0].split('+')[0].split('.')
    if not all(p.isdigit() for p in parts) or len(parts) > 3:
        return [('==', parse_version(text))]
    low = parse_version(text)
    if len(parts) == 3:
        return [('==', low)]
    nums = [int(p) for p in parts]
    nums[-1] += 1
    high = semantic_version.Version('.'.join(
        str(n) for n in nums + [0] * (3 - len(nums))))
    return [('>=', low), ('<', high)]


def _compare(v, op, bound):
    return {'==': v == bound, '!=': v != bound, '>=': v >= bound,
            '<=': v <= bound, '>': v > bound, '<': v < bound}[op]
