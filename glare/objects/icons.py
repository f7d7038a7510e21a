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

"""The content check of the base blob field icon: PNG, JPEG or SVG.

The kind of image is told by its bytes, never by the Content-Type the
client sent. PNG and JPEG are walked chunk by chunk (segment by segment)
to their end, so a truncated or padded file is refused. An SVG is parsed
with expat and no DTD is ever read: a DOCTYPE may name one (SVG 1.1's)
but declare nothing; no entity, no processing instruction; its root
element ``svg``; and none of the active content a browser would run if
the icon were opened on its own (scripts, event handler attributes,
``javascript:`` values, ``foreignObject``).
"""

import re
import struct
from xml.parsers import expat
import zlib

from glare import exception
from glare.objects import uploads

MAX_ICON_SIZE = 1024 * 1024
PNG, JPEG, SVG = 'image/png', 'image/jpeg', 'image/svg+xml'
MEDIA_TYPES = (PNG, JPEG, SVG)
_PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'
_SVG_NS = 'http://www.w3.org/2000/svg'
#: an attribute value a browser would run: URL parsers drop leading
#: control characters and spaces, and tabs and newlines anywhere
_SCRIPT_VALUE = re.compile(r'^[\x00-\x20]*(javascript|vbscript):', re.I)
_URL_DROPPED = re.compile(r'[\t\n\r]')
_ACTIVE_ELEMENTS = ('script', 'foreignobject', 'handler', 'iframe',
                    'embed', 'object')


def _refuse(reason):
    raise exception.InvalidData(reason='icon: ' + reason)


def check_png(data):
    """A whole PNG: signature, IHDR first, every chunk's CRC, IDAT, and
    IEND last with nothing after it."""
    pos, seen = len(_PNG_SIGNATURE), []
    while True:
        if pos + 8 > len(data):
            _refuse('the PNG data is truncated')
        length, ctype = struct.unpack('>I4s', data[pos:pos + 8])
        end = pos + 8 + length + 4
        if length > 0x7FFFFFFF or end > len(data):
            _refuse('the PNG data is truncated')
        if not ctype.isalpha():
            _refuse('the PNG data holds a malformed chunk')
        body = data[pos + 4:end - 4]
        if zlib.crc32(body) != struct.unpack('>I', data[end - 4:end])[0]:
            _refuse('a PNG chunk (%s) is corrupt' % ctype.decode('ascii'))
        if not seen and (ctype != b'IHDR' or length != 13):
            _refuse('the PNG data does not start with its header')
        seen.append(ctype)
        pos = end
        if ctype == b'IEND':
            break
    if b'IDAT' not in seen:
        _refuse('the PNG data holds no image data')
    if pos != len(data):
        _refuse('there is data after the end of the PNG image')
    return PNG


def _is_frame_header(marker):
    # SOF0..SOF15 but DHT (C4), JPG (C8) and DAC (CC)
    return 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC)


def _after_scan(data, pos):
    """The offset of the marker that ends entropy-coded data at pos."""
    while True:
        pos = data.find(b'\xff', pos)
        if pos < 0 or pos + 1 >= len(data):
            _refuse('the JPEG data is truncated')
        nxt = data[pos + 1]
        if nxt == 0 or 0xD0 <= nxt <= 0xD7 or nxt == 0xFF:
            # a stuffed 0xFF, a restart marker or fill: still the scan
            pos += 1 if nxt == 0xFF else 2
            continue
        return pos


def check_jpeg(data):
    """A whole JPEG: its segments from SOI, a frame header before the
    first scan, and EOI last with nothing after it."""
    pos, frame, scanned = 2, False, False
    while True:
        if pos + 2 > len(data) or data[pos] != 0xFF:
            _refuse('the JPEG data is truncated or malformed')
        while pos + 1 < len(data) and data[pos + 1] == 0xFF:
            pos += 1  # fill bytes before a marker
        if pos + 2 > len(data):
            _refuse('the JPEG data is truncated')
        marker = data[pos + 1]
        if marker == 0xD9:
            pos += 2
            break
        if marker in (0x01, 0xD8) or 0xD0 <= marker <= 0xD7:
            _refuse('the JPEG data holds a misplaced marker')
        if pos + 4 > len(data):
            _refuse('the JPEG data is truncated')
        length = struct.unpack('>H', data[pos + 2:pos + 4])[0]
        if length < 2 or pos + 2 + length > len(data):
            _refuse('the JPEG data is truncated or malformed')
        frame = frame or _is_frame_header(marker)
        pos += 2 + length
        if marker == 0xDA:
            if not frame:
                _refuse('the JPEG data has a scan before its frame header')
            scanned = True
            pos = _after_scan(data, pos)
    if not scanned:
        _refuse('the JPEG data holds no image data')
    if pos != len(data):
        _refuse('there is data after the end of the JPEG image')
    return JPEG


class _SvgParser:
    """One expat pass over an SVG document; refuses by raising."""

    def __init__(self):
        self.root = None
        parser = expat.ParserCreate(namespace_separator=' ')
        # parameter entities, external subsets: never read or expanded
        parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
        parser.StartDoctypeDeclHandler = self._doctype
        parser.EntityDeclHandler = self._entity
        parser.UnparsedEntityDeclHandler = self._entity
        parser.ExternalEntityRefHandler = self._entity
        parser.SkippedEntityHandler = self._entity
        parser.ProcessingInstructionHandler = self._instruction
        parser.StartElementHandler = self._element
        self.parser = parser

    @staticmethod
    def _doctype(name, system_id, public_id, has_internal_subset):
        # the bare DOCTYPE of SVG 1.1 files (an identifier, never fetched)
        # is harmless; declarations of its own are where entities hide
        if name != 'svg':
            _refuse('the document type is %s, not svg: not a PNG, JPEG or '
                    'SVG image' % name)
        if has_internal_subset:
            _refuse('an SVG icon may not have a DTD of its own (no '
                    'entities, no declarations)')

    @staticmethod
    def _entity(*args):
        _refuse('an SVG icon may not declare or reference entities')

    @staticmethod
    def _instruction(target, data):
        _refuse('an SVG icon may not hold processing instructions (%s)'
                % target)

    def _element(self, name, attributes):
        namespace, _sep, local = name.rpartition(' ')
        if self.root is None:
            if local != 'svg' or namespace not in ('', _SVG_NS):
                _refuse('the root element is %s, not svg of the SVG '
                        'namespace: not a PNG, JPEG or SVG image' % (
                            name.replace(' ', ':')))
            self.root = local
        if local.lower() in _ACTIVE_ELEMENTS:
            _refuse('an SVG icon may not hold %s elements' % local)
        for attr, value in attributes.items():
            attr_local = attr.rpartition(' ')[2]
            if attr_local.lower().startswith('on'):
                _refuse('an SVG icon may not hold event handler attributes '
                        '(%s)' % attr_local)
            if _SCRIPT_VALUE.match(_URL_DROPPED.sub('', value)):
                _refuse('an SVG icon may not hold script URLs (%s)'
                        % attr_local)

    def parse(self, data):
        try:
            self.parser.Parse(data, True)
        except expat.ExpatError as exc:
            _refuse('not a PNG, JPEG or SVG image (%s)'
                    % expat.ErrorString(exc.code))
        if self.root is None:
            _refuse('not a PNG, JPEG or SVG image')
        return SVG


def check_svg(data):
    return _SvgParser().parse(data)


def check_icon(data):
    """The media type of icon data by its content; InvalidData when it
    is no PNG, JPEG or SVG image, or one that is broken or unsafe."""
    if not data:
        _refuse('the data is empty')
    if data.startswith(_PNG_SIGNATURE):
        return check_png(data)
    if data.startswith(b'\xff\xd8\xff'):
        return check_jpeg(data)
    head = data.lstrip(b'\xef\xbb\xbf \t\r\n')[:1]
    if head == b'<' or data[:2] in (b'\xff\xfe', b'\xfe\xff'):
        return check_svg(data)
    _refuse('not a PNG, JPEG or SVG image')


class IconCheck(uploads.ContentCheck):
    """Holds the upload (at most max_size bytes) to check it whole."""

    media_types = MEDIA_TYPES

    def __init__(self, fd, max_size=MAX_ICON_SIZE):
        super().__init__(fd)
        self.max_size = max_size
        self._data = bytearray()

    def inspect(self, chunk):
        if len(self._data) + len(chunk) > self.max_size:
            raise exception.RequestEntityTooLarge(
                'An icon is at most %d bytes' % self.max_size)
        self._data += chunk

    def finish(self):
        return check_icon(bytes(self._data))

    def close(self):
        self._data = bytearray()
