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

"""The icon content check and the catalog fields' validation (API 1.6)."""

import io

from glare import exception
from glare.objects import base
from glare.objects import icons
from glare.objects import validators
from glare.tests import base as test_base
from glare.tests import icon_samples as samples

SVG_NS = b'xmlns="http://www.w3.org/2000/svg"'


def svg(inner=b'', attrs=b''):
    return b'<svg ' + SVG_NS + b' ' + attrs + b'>' + inner + b'</svg>'


class TestCheckIcon(test_base.TestCase):

    def refused(self, data, reason):
        err = self.assertRaises(exception.InvalidData, icons.check_icon,
                                data)
        self.assertEqual(400, err.code)
        self.assertIn(reason, str(err))
        return err

    def test_accepted(self):
        for data, media_type in (
                (samples.png(), 'image/png'),
                (samples.png(7, 3), 'image/png'),
                (samples.png(extra=samples.png_chunk(b'tEXt', b'k\x00v')),
                 'image/png'),
                (samples.jpeg(), 'image/jpeg'),
                (samples.jpeg(comment=b'made by hand'), 'image/jpeg'),
                (samples.SVG, 'image/svg+xml'),
                (samples.SVG_11, 'image/svg+xml'),
                (b'\xef\xbb\xbf  \n' + svg(), 'image/svg+xml'),
                (svg().decode().encode('utf-16'), 'image/svg+xml'),
                (b'<svg:svg xmlns:svg="http://www.w3.org/2000/svg"/>',
                 'image/svg+xml'),
                (svg(b'<a xmlns:x="http://www.w3.org/1999/xlink" '
                     b'x:href="https://example.com/"><text>&amp;</text></a>'
                     b'<!-- a comment -->'), 'image/svg+xml')):
            self.assertEqual(media_type, icons.check_icon(data), data[:40])

    def test_other_formats(self):
        self.refused(samples.GIF, 'not a PNG, JPEG or SVG image')
        self.refused(b'just text', 'not a PNG, JPEG or SVG image')
        self.refused(b'', 'the data is empty')
        self.refused(samples.HTML, 'the document type is html, not svg')
        self.refused(b'<html><svg/></html>', 'the root element is html')
        self.refused(b'<svg xmlns="http://example.com/not-svg"/>',
                     'the root element is http://example.com/not-svg:svg')
        self.refused(b'<svg ' + SVG_NS + b'>', 'not a PNG, JPEG or SVG '
                     'image (no element found)')
        self.refused(svg() + b'<svg/>', 'junk after document element')

    def test_truncated_png(self):
        data = samples.png(4, 4)
        for cut in (8, 12, 20, 33, len(data) - 12, len(data) - 1):
            self.refused(data[:cut], 'the PNG data is truncated')

    def test_broken_png(self):
        data = samples.png()
        corrupt = bytearray(data)
        corrupt[-20] ^= 0xFF  # a byte of the compressed IDAT data
        self.refused(bytes(corrupt), 'a PNG chunk (IDAT) is corrupt')
        self.refused(data + b'<script>', 'there is data after the end of '
                     'the PNG image')
        no_data = (samples.PNG_SIGNATURE + data[8:33] +
                   samples.png_chunk(b'IEND', b''))
        self.refused(no_data, 'holds no image data')
        self.refused(samples.PNG_SIGNATURE + samples.png_chunk(b'IDAT', b'x'),
                     'does not start with its header')

    def test_broken_jpeg(self):
        data = samples.jpeg()
        for cut in (3, 4, 10, 30, len(data) - 2, len(data) - 1):
            self.assertRaises(exception.InvalidData, icons.check_icon,
                              data[:cut])
        self.refused(data[:-2], 'the JPEG data is truncated')
        self.refused(data + b'GIF89a', 'there is data after the end of the '
                     'JPEG image')
        sos = data.index(b'\xff\xda')
        self.refused(data[:sos] + b'\xff\xd9', 'holds no image data')
        sof = data.index(b'\xff\xc0')
        dht = data.index(b'\xff\xc4')
        self.refused(data[:sof] + data[dht:], 'a scan before its frame '
                     'header')

    def test_svg_without_dtd_or_entities(self):
        self.refused(samples.SVG_ENTITIES, 'may not have a DTD of its own')
        self.refused(samples.SVG_EXTERNAL, 'may not have a DTD of its own')
        # an entity the (never read) external DTD would have to declare
        self.refused(samples.SVG_11.replace(b'<rect', b'<text>&x;</text>'
                                                      b'<rect'),
                     'may not declare or reference entities')
        self.refused(b'<?xml-stylesheet href="http://x/s.css"?>' + svg(),
                     'processing instructions (xml-stylesheet)')

    def test_svg_without_active_content(self):
        for data, reason in (
                (svg(b'<script>alert(1)</script>'), 'script elements'),
                (svg(b'<foreignObject><p/></foreignObject>'),
                 'foreignObject elements'),
                (svg(attrs=b'onload="alert(1)"'),
                 'event handler attributes (onload)'),
                (svg(b'<rect ONCLICK="x"/>'),
                 'event handler attributes (ONCLICK)'),
                (svg(b'<a href=" JavaScript:alert(1)"/>'),
                 'script URLs (href)'),
                (svg(b'<set attributeName="href" to="javascript:x"/>'),
                 'script URLs (to)'),
                (svg(b'<a href="jav&#x09;ascr&#10;ipt:alert(1)"/>'),
                 'script URLs (href)'),
                (svg(b'<a href="&#32; VBScript:x"/>'), 'script URLs')):
            self.refused(data, reason)


class TestIconCheck(test_base.TestCase):
    """The upload reader: the data read through it whole, then checked."""

    def read_all(self, check):
        out = b''
        while True:
            chunk = check.read(5)
            if not chunk:
                return out
            out += chunk

    def test_streamed(self):
        data = samples.png(3, 3)
        check = icons.IconCheck(io.BytesIO(data))
        self.assertEqual(data, self.read_all(check))
        self.assertEqual('image/png', check.finish())
        self.assertEqual(len(data), check.size)
        check.close()

    def test_refused_at_the_end(self):
        check = icons.IconCheck(io.BytesIO(samples.GIF))
        self.read_all(check)
        self.assertRaises(exception.InvalidData, check.finish)

    def test_too_large(self):
        check = icons.IconCheck(io.BytesIO(b'<' * 64), max_size=32)
        err = self.assertRaises(exception.RequestEntityTooLarge,
                                self.read_all, check)
        self.assertEqual(413, err.code)
        self.assertEqual(1024 * 1024, icons.MAX_ICON_SIZE)
        self.assertEqual(icons.MAX_ICON_SIZE,
                         base.BaseArtifact.fields['icon'].max_blob_size)


class TestCatalogFields(test_base.TestCase):

    def field(self, name):
        return base.BaseArtifact.fields[name]

    def test_contacts(self):
        for name in ('provided_by', 'supported_by'):
            field = self.field(name)
            value = {'name': 'Ops', 'company': 'ACME Ltd.',
                     'href': 'https://acme.example:8443/ops?x=1'}
            self.assertEqual(value, field.coerce_value(value))
            self.assertEqual({}, field.coerce_value({}))
            self.assertEqual({}, field.get_default())
            self.assertRaises(ValueError, field.coerce_value, None)
            for bad, reason in (
                    ({'email': 'a@b.example'}, "keys ['email'] are not "
                     'allowed'),
                    ({'href': 'ftp://x.example/'}, 'href: '),
                    ({'href': 'javascript:alert(1)'}, 'href: '),
                    ({'href': 'https://'}, 'href: '),
                    ({'href': 'http://x.example:99999/'}, 'href: '),
                    ({'href': 'http://x.example/a b'}, 'href: '),
                    ({'href': 'https://x.example/' + 'a' * 2048},
                     'exceeds the maximum of 2048'),
                    ({'name': ''}, 'name: '),
                    ({'company': 'c' * 256}, 'company: '),
                    ({'name': 1.5j}, 'a string is expected'),
                    ({'name': ['a']}, 'a string is expected'),
                    ('ACME', 'a dict is expected')):
                err = self.assertRaises(ValueError, field.coerce_value, bad)
                self.assertIn(reason, str(err))

    def test_license(self):
        field = self.field('license')
        for value in ('Apache-2.0', 'MIT OR GPL-2.0-only',
                      'Proprietary: ask sales@example.com', 'l' * 255):
            self.assertEqual(value, field.coerce_value(value))
        self.assertIsNone(field.coerce_value(None))
        for bad in ('', 'l' * 256, 'a\x00b', ['MIT']):
            self.assertRaises(ValueError, field.coerce_value, bad)
        self.assertEqual(('like', 'eq', 'neq', 'in'), field.filter_ops)

    def test_all_mutable_and_optional(self):
        for name in ('provided_by', 'supported_by', 'license', 'icon'):
            field = self.field(name)
            self.assertTrue(field.mutable, name)
            self.assertFalse(field.required_on_activate, name)
            self.assertFalse(field.system, name)
        self.assertIs(icons.IconCheck, self.field('icon').content_check)
        self.assertIn('content_check=IconCheck', repr(self.field('icon')))
        self.assertNotIn('content_check', repr(self.field('license')))

    def test_http_url_validator(self):
        check = validators.HttpURL()
        for good in ('http://a', 'HTTPS://a.example/x?y#z',
                     'http://[::1]:80/'):
            check(good)
        for bad in ('a.example', '//a.example', 'mailto:a@b', 'http:/a',
                    'http://', 'http://a b', 'file:///etc/passwd'):
            self.assertRaises(ValueError, check, bad)
