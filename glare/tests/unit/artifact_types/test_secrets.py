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

"""Secrets: the base64 payload decoded as it streams."""

import base64
import io
import os

from glare.artifact_types import secret
from glare import exception
from glare.tests import base
from glare.tests.fixtures import streams


def decode(pieces):
    decoder = secret.Base64Decoder(streams.Pieces(*pieces))
    out = streams.drain(decoder)
    decoder.finish()
    return out


class TestBase64Decoder(base.TestCase):

    def test_any_chunking(self):
        payload = os.urandom(1000)
        text = base64.encodebytes(payload)  # lines of 76 + newlines
        for size in (1, 2, 3, 4, 5, 7, 76, 77, 1000):
            pieces = [text[i:i + size] for i in range(0, len(text), size)]
            self.assertEqual(payload, decode(pieces), size)

    def test_padding_and_whitespace(self):
        self.assertEqual(b'a', decode([b'Y', b'Q', b'=', b'=']))
        self.assertEqual(b'ab', decode([b' Y W\r\n', b'I=\n']))
        self.assertEqual(b'', decode([]))
        self.assertEqual(b'', decode([b' \n', b'\t']))
        self.assertEqual(b'abc', decode([b'YWJj\n\n']))

    def test_invalid(self):
        for pieces in ([b'YQ'], [b'YQ='], [b'Y'], [b'YQ==YQ=='],
                       [b'YQ==', b'YWJj'], [b'YQ=a'], [b'===='],
                       [b'YW*j'], [b'YW-_'], [b'\xff\xfe\xfd\xfc'],
                       [b'YWJj', b'Y']):
            exc = self.assertRaises(exception.InvalidData, decode, pieces)
            self.assertEqual(400, exc.code)
            self.assertIn('not valid base64', str(exc))

    def test_errors_never_quote_the_payload(self):
        marker = b'SECRETzzMARKER'
        for pieces in ([marker + b'*'], [marker + b'=a=='], [marker[:-1]]):
            exc = self.assertRaises(exception.InvalidData, decode, pieces)
            self.assertNotIn('SECRET', str(exc))
            self.assertNotIn('MARKER', str(exc))

    def test_size_counts_the_body(self):
        decoder = secret.Base64Decoder(streams.Pieces(b'YWJj\n'))
        self.assertEqual(b'abc', decoder.read())
        self.assertEqual(5, decoder.size)
        self.assertTrue(decoder.transforms)


class TestHook(base.TestCase):

    def hook(self, encoding):
        af = secret.Secret.from_values(
            {'payload_content_encoding': encoding})
        return secret.Secret.pre_upload_hook(None, af, 'payload', None,
                                             io.BytesIO(b'YQ=='))

    def test_base64_decoded(self):
        fd = self.hook('base64')
        self.assertIsInstance(fd, secret.Base64Decoder)
        self.assertEqual(b'a', fd.read())

    def test_no_encoding_raw(self):
        self.assertEqual(b'YQ==', self.hook(None).read())

    def test_not_a_default_type(self):
        from glare.conf import default
        self.assertNotIn('secrets', default.DEFAULT_TYPES)
