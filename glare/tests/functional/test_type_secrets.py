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

"""Secrets over HTTP: enabled by configuration, payloads decoded from
base64 as they stream, and never written to the server's log."""

import base64
import hashlib
import os

from glare.tests.functional import base
from glare.tests.functional import test_type_heat

# what the tests upload, encoded and decoded, must never reach the log
MARKER = b'glare-secret-marker-7f3a9c'
ENCODED = base64.b64encode(MARKER)


class SecretTests(test_type_heat.TypeMixin, base.FunctionalTest):
    BACKEND = 'sqlite'
    TYPE = 'secrets'
    CONFIG = {
        'DEFAULT': {'enabled_artifact_types': 'secrets,heat_templates',
                    'debug': 'True'},
        'oslo_messaging_notifications': {'driver': 'log'},
    }

    def tearDown(self):
        log = self.server.log_tail(size=50 * 1024 * 1024).encode()
        for needle in (MARKER, ENCODED, ENCODED[:16], MARKER[:16]):
            self.assertNotIn(needle, log, 'payload bytes in the log')
        super().tearDown()

    def test_enabled_by_configuration(self):
        resp = self.get('/schemas/secrets', headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        af = self.create(type_name=self.TYPE, secret_type='passphrase')
        self.assertEqual('base64', af['payload_content_encoding'])
        # only what is configured
        self.assertEqual(404, self.get('/schemas/tosca_templates',
                                       headers=self.user).status_code)

    def test_base64_decoded_on_upload(self):
        payload = MARKER + os.urandom(3000)
        text = base64.encodebytes(payload)  # with line breaks
        af = self.new(secret_type='symmetric', algorithm='aes',
                      bit_length=256, mode='cbc')
        body = self.upload(af, 'payload', text)['payload']
        self.assertEqual(len(payload), body['size'])
        self.assertEqual(hashlib.sha256(payload).hexdigest(),
                         body['sha256'])
        self.assertData(af, 'payload', payload)
        self.assertEqual('active', self.activate(
            af, type_name=self.TYPE)['status'])

    def test_streamed_in_odd_chunks(self):
        payload = MARKER * 500
        text = base64.encodebytes(payload)
        af = self.new()
        # chunked transfer encoding, chunk boundaries inside base64 quanta
        body = self.upload(af, 'payload', (text[i:i + 37]
                                           for i in range(0, len(text), 37)))
        self.assertEqual(len(payload), body['payload']['size'])
        self.assertData(af, 'payload', payload)

    def test_invalid_base64_refused_previous_kept(self):
        af = self.new()
        before = self.upload(af, 'payload', ENCODED)['payload']
        for data in (ENCODED + b'*', ENCODED[:-1], ENCODED + b'=',
                     ENCODED + b'YQ==' if ENCODED.endswith(b'=') else
                     b'YQ==' + ENCODED, MARKER[:8] + b'-_-_',
                     b'\xff\xfe' * 4):
            resp = self.assertRefused(af, 'payload', data,
                                      contains='not valid base64')
            self.assertNotIn(MARKER[:8].decode(), resp.text)
            self.assertNotIn(ENCODED[:8].decode(), resp.text)
        self.assertEqual(before, self.show(af, type_name=self.TYPE)[
            'payload'])
        self.assertData(af, 'payload', MARKER)

    def test_first_upload_refused_leaves_no_blob(self):
        af = self.new()
        self.assertRefused(af, 'payload', b'Y' * 4 * 3 + b'Y')
        self.assertEmpty(af, 'payload')

    def test_raw_when_no_encoding(self):
        af = self.new(payload_content_encoding=None)
        self.assertIsNone(self.show(af, type_name=self.TYPE)[
            'payload_content_encoding'])
        raw = MARKER + b'\x00\xff not base64 *'
        self.upload(af, 'payload', raw)
        self.assertData(af, 'payload', raw)

    def test_only_base64(self):
        resp = self.post(self.url(), {'name': self.unique(),
                                      'payload_content_encoding': 'hex'},
                         headers=self.user)
        self.assertError(400, resp)
