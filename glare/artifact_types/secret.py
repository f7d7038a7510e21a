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

"""Secrets (not enabled by default)."""

import binascii

from glare import exception
from glare.objects import base
from glare.objects import fields as glare_fields
from glare.objects import uploads
from glare.objects import validators

_WHITESPACE = b' \t\r\n\v\f'


class Base64Decoder(uploads.UploadInspector):
    """Decodes a base64 upload as it streams; the store gets the decoded
    bytes (and size and checksums are theirs).

    Whitespace (line breaks included) is skipped anywhere; anything else
    outside the standard alphabet, padding that is missing, misplaced or
    followed by data is refused. Error messages never quote the data.
    """

    transforms = True

    def __init__(self, fd):
        super().__init__(fd)
        self._carry = b''
        self._padded = False
        self._ended = False

    def read(self, size=-1):
        while True:
            raw = self._fd.read(size)
            if not raw:
                self._end()
                return b''
            self.size += len(raw)
            out = self._decode(bytes(raw))
            if out:
                return out

    def _decode(self, raw):
        data = self._carry + raw.translate(None, _WHITESPACE)
        whole = len(data) // 4 * 4
        self._carry = data[whole:]
        if not whole:
            return b''
        if self._padded:
            raise self._invalid('data follows the padding')
        block = data[:whole]
        try:
            out = binascii.a2b_base64(block, strict_mode=True)
        except binascii.Error as exc:
            raise self._invalid('it has characters outside the base64 '
                                'alphabet or misplaced padding') from exc
        self._padded = block.endswith(b'=')
        return out

    def _end(self):
        if self._ended:
            return
        self._ended = True
        if self._carry:
            raise self._invalid('its length (without whitespace) is not a '
                                'multiple of 4: padding is missing or the '
                                'data is cut short')

    @staticmethod
    def _invalid(why):
        return exception.InvalidData(
            reason='the payload is not valid base64 (payload_content_'
                   'encoding is base64): %s' % why)

    def finish(self):
        self._end()
        return {}


class Secret(base.BaseArtifact):
    """A secret payload with its key metadata."""

    TYPE_NAME = 'secrets'
    DISPLAY_TYPE_NAME = 'Secrets'
    fields = dict(base.BaseArtifact.fields, **{
        'payload': glare_fields.Blob(
            description='The secret\'s data to be stored.'),
        'payload_content_encoding': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False, default='base64',
            filter_ops=(), validators=[validators.AllowedValues(['base64'])],
            description='Required if payload is encoded. The encoding used '
                        'for the payload.'),
        'secret_type': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False, default='opaque',
            sortable=True, filter_ops=(glare_fields.EQ,),
            validators=[validators.AllowedValues(
                ['symmetric', 'public', 'private', 'passphrase',
                 'certificate', 'opaque'])],
            description='Used to indicate the type of secret being '
                        'stored.'),
        'algorithm': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False,
            filter_ops=(glare_fields.EQ,),
            description='Metadata provided by a user or '
                        'system for informational '
                        'purposes.'),
        'bit_length': glare_fields.Scalar(
            glare_fields.Integer, required_on_activate=False,
            sortable=True,
            validators=[validators.MinNumberSize(1)],
            description='Metadata provided by a user or '
                        'system for informational '
                        'purposes.'),
        'mode': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False,
            filter_ops=(glare_fields.EQ,),
            description='Metadata provided by a user or '
                        'system for informational purposes.'),
    })

    @classmethod
    def pre_upload_hook(cls, context, af, field_name, blob_key, fd):
        # the payload is stored decoded: a download returns the secret
        # itself, as Barbican's payload does; with no encoding (null) the
        # bytes are the secret already
        if field_name == 'payload' and \
                af.get('payload_content_encoding') == 'base64':
            return Base64Decoder(fd)
        return fd
