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

"""Small images built byte by byte for the icon tests (valid and not)."""

import struct
import zlib

PNG_SIGNATURE = b'\x89PNG\r\n\x1a\n'


def png_chunk(ctype, body):
    return struct.pack('>I', len(body)) + ctype + body + struct.pack(
        '>I', zlib.crc32(ctype + body))


def png(width=1, height=1, extra=b''):
    """A decodable RGB PNG of one colour; extra: chunks before IDAT."""
    header = struct.pack('>IIBBBBB', width, height, 8, 2, 0, 0, 0)
    rows = (b'\x00' + b'\x33\x66\xcc' * width) * height
    return (PNG_SIGNATURE + png_chunk(b'IHDR', header) + extra +
            png_chunk(b'IDAT', zlib.compress(rows)) + png_chunk(b'IEND', b''))


def _segment(marker, body):
    return b'\xff' + bytes([marker]) + struct.pack('>H', len(body) + 2) + body


def jpeg(comment=b''):
    """A decodable 1x1 grey baseline JPEG: one block, DC 0, then EOB."""
    one_code = bytes([1] + [0] * 15) + b'\x00'  # one 1-bit code: symbol 0
    return (b'\xff\xd8' +
            _segment(0xE0, b'JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00') +
            (_segment(0xFE, comment) if comment else b'') +
            _segment(0xDB, b'\x00' + b'\x01' * 64) +
            _segment(0xC0, b'\x08\x00\x01\x00\x01\x01\x01\x11\x00') +
            _segment(0xC4, b'\x00' + one_code) +
            _segment(0xC4, b'\x10' + one_code) +
            _segment(0xDA, b'\x01\x01\x00\x00\x3f\x00') +
            # the bits 0 (DC difference 0) and 0 (EOB), padded with ones
            b'\x3f' + b'\xff\xd9')


SVG = (b'<?xml version="1.0" encoding="UTF-8"?>\n'
       b'<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16" '
       b'viewBox="0 0 16 16"><circle cx="8" cy="8" r="7" fill="#36c"/>'
       b'</svg>\n')
#: what Graphviz and older editors write: a DOCTYPE naming the SVG 1.1 DTD
SVG_11 = (b'<?xml version="1.0" standalone="no"?>\n'
          b'<!DOCTYPE svg PUBLIC "-//W3C//DTD SVG 1.1//EN" '
          b'"http://www.w3.org/Graphics/SVG/1.1/DTD/svg11.dtd">\n'
          b'<svg xmlns="http://www.w3.org/2000/svg" width="1" height="1">'
          b'<rect width="1" height="1"/></svg>')
#: entities declared in the document: expansion bombs, file reads
SVG_ENTITIES = (b'<?xml version="1.0"?>\n<!DOCTYPE svg [\n'
                b'<!ENTITY a "aaaaaaaaaa">\n<!ENTITY b "&a;&a;&a;&a;&a;">\n'
                b']>\n<svg xmlns="http://www.w3.org/2000/svg">'
                b'<text>&b;</text></svg>')
SVG_EXTERNAL = (b'<?xml version="1.0"?>\n<!DOCTYPE svg [\n'
                b'<!ENTITY x SYSTEM "file:///etc/passwd">\n]>\n'
                b'<svg xmlns="http://www.w3.org/2000/svg"><text>&x;</text>'
                b'</svg>')
GIF = (b'GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!'
       b'\xf9\x04\x01\x00\x00\x00\x00,\x00\x00\x00\x00\x01\x00\x01\x00'
       b'\x00\x02\x02D\x01\x00;')
HTML = b'<!DOCTYPE html>\n<html><body><svg></svg></body></html>'
