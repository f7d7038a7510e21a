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

"""Signatures across a federated pull, on the three-cloud topology.

A pull is the upstream's export streamed into the local import: the
signatures the upstream verified are verified again against the
puller's trust store at the pulling cloud, kept or dropped and reported
as for any import; a cloud whose type requires signatures (vendor here:
sample_artifact, require_signature = activate) refuses a pull that would
bring an active artifact without them, and keeps nothing of it.
"""

import os
import uuid

from glare.tests.fixtures import signing
from glare.tests.functional import base
from glare.tests.functional import federation_base
from glare.tests.functional import test_federation_pull
from glare.tests.functional import test_signatures

SAMPLE = base.SAMPLE
DATA = os.urandom(512 * 1024 + 3)
K1 = b'k1 data ' * 64
BUNDLE_TYPE = test_signatures.BUNDLE_TYPE


class FederationSignatureTests(test_federation_pull.FederationMixin,
                               federation_base.FederationTest):

    CLOUD_CONFIG = {'vendor': {'artifact_type:%s' % SAMPLE: {
        'require_signature': 'activate'}}}

    def setUp(self):
        super().setUp()
        self.rsa = signing.rsa_key()
        self.ec = signing.ec_key('ECC_SECP384R1')
        self.rsa_pem = test_signatures.cert_pem(self.rsa)
        self.ec_pem = test_signatures.cert_pem(self.ec)
        # the publisher's trust store at global
        self.at_global = {pem: self.add_entry('global', pem, self.publisher)
                          for pem in (self.rsa_pem, self.ec_pem)}

    def add_entry(self, cloud, pem, headers):
        resp = self.call(cloud, 'POST', '/trust/certificates', headers, {
            'name': 'signer', 'pem': pem})
        self.assertEqual(201, resp.status_code, base.brief(resp))
        return resp.json()

    def sign(self, artifact_id, label, body, content_type=None):
        sent = dict(self.publisher)
        if content_type is not None:
            sent['Content-Type'] = content_type  # requests keeps it
        resp = self.call('global', 'PUT', '/artifacts/%s/%s/signatures/%s'
                         % (SAMPLE, artifact_id, label), sent, body)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def signed_at_global(self):
        """A public, active sample at global: blob signed with RSA-PSS
        (raw), dict_of_blobs/k1 with ECDSA P-384 (a Sigstore bundle,
        SHA-384)."""
        af = self.create('global', SAMPLE, self.publisher,
                         string_required='set')
        self.upload('global', af['id'], 'blob', DATA, self.publisher)
        self.upload('global', af['id'], 'dict_of_blobs/k1', K1,
                    self.publisher)
        self.sign(af['id'], 'blob', signing.raw_body(
            self.rsa, DATA, self.at_global[self.rsa_pem]['id']))
        self.sign(af['id'], 'dict_of_blobs/k1', signing.sigstore_bundle(
            self.ec, K1, self.at_global[self.ec_pem]['id'], 'SHA-384'),
            BUNDLE_TYPE)
        self.release('global', af['id'], headers=self.publisher)
        doc = self.show('global', af['id'], headers=self.publisher)
        self.assertEqual({'blob', 'dict_of_blobs/k1'},
                         set(doc['signatures']))
        return doc

    def puller(self, cloud, *pems):
        """Headers of a new project with pems in its trust store at
        cloud, and the entries."""
        headers = base.FunctionalTest.auth('p-' + uuid.uuid4().hex[:10])
        return headers, [self.add_entry(cloud, pem, headers)
                         for pem in pems]

    def assertKept(self, doc, original, entries):
        by_fingerprint = {e['fingerprint_sha256']: e for e in entries}
        self.assertEqual(set(original), set(doc['signatures']))
        for label, was in original.items():
            now = doc['signatures'][label]
            entry = by_fingerprint[was['fingerprint_sha256']]
            self.assertEqual(dict(was, certificate_id=entry['id'],
                                  verified_at=now['verified_at']), now)
            self.assertNotEqual(was['certificate_id'], entry['id'])

    def test_a_pull_keeps_what_verifies_here_and_reports_the_rest(self):
        # the puller trusts both keys at enterprise: both kept
        src = self.signed_at_global()
        headers, entries = self.puller('enterprise', self.rsa_pem,
                                       self.ec_pem)
        result = self.pulled('enterprise', 'global', src['id'],
                             headers=headers)
        self.assertEqual(([src['id']], [], 'global'), (
            [a['id'] for a in result['imported']],
            result['signatures_dropped'], result['upstream']))
        doc = self.show('enterprise', src['id'], headers=headers)
        self.assertKept(doc, src['signatures'], entries)
        self.assertEqual('cloud-global', doc['origin']['cloud_id'])
        # again: identical, skipped
        result = self.pulled('enterprise', 'global', src['id'],
                             headers=headers)
        self.assertEqual((['identical'], []), (
            [s['reason'] for s in result['skipped']],
            result['signatures_dropped']))
        # a puller without the keys: both dropped, named
        src = self.signed_at_global()
        headers, _entries = self.puller('enterprise')
        result = self.pulled('enterprise', 'global', src['id'],
                             headers=headers)
        self.assertEqual([src['id']], [a['id'] for a in result['imported']])
        self.assertEqual(
            [(SAMPLE, src['id'], 'blob'),
             (SAMPLE, src['id'], 'dict_of_blobs/k1')],
            sorted((d['type_name'], d['id'], d['blob'])
                   for d in result['signatures_dropped']))
        for d in result['signatures_dropped']:
            self.assertIn('no trust store entry has the key of fingerprint',
                          d['reason'])
        self.assertEqual({}, self.show('enterprise', src['id'],
                                       headers=headers)['signatures'])
        # the RSA key only: the ECDSA signature goes
        src = self.signed_at_global()
        headers, entries = self.puller('enterprise', self.rsa_pem)
        result = self.pulled('enterprise', 'global', src['id'],
                             headers=headers)
        self.assertEqual(['dict_of_blobs/k1'], [
            d['blob'] for d in result['signatures_dropped']])
        self.assertKept(self.show('enterprise', src['id'], headers=headers),
                        {'blob': src['signatures']['blob']}, entries)

    def test_a_cloud_that_requires_signatures_refuses_what_it_cannot_verify(
            self):
        src = self.signed_at_global()
        # vendor requires signatures of sample artifacts: without the
        # ECDSA key one would be dropped, so nothing comes in
        headers, _entries = self.puller('vendor', self.rsa_pem)
        before = self.snapshot('vendor')
        body = self.refused(409, self.pull('vendor', 'global', src['id'],
                                           headers=headers),
                            'require_signature')
        self.assertEqual([src['id']], [a['id'] for a in body['artifacts']])
        self.assertIn('blob dict_of_blobs/k1: its signature was dropped',
                      body['artifacts'][0]['reason'])
        self.assertEqual(before, self.snapshot('vendor'))
        # with both keys it comes in, signed
        headers, entries = self.puller('vendor', self.rsa_pem, self.ec_pem)
        result = self.pulled('vendor', 'global', src['id'],
                             headers=headers)
        self.assertEqual([], result['signatures_dropped'])
        doc = self.show('vendor', src['id'], headers=headers)
        self.assertEqual('active', doc['status'])
        self.assertKept(doc, src['signatures'], entries)
        # enterprise pulls it from vendor: the records vendor made are
        # verified again, with enterprise's entries
        headers, entries = self.puller('enterprise', self.rsa_pem,
                                       self.ec_pem)
        self.patch('vendor', SAMPLE, src['id'], [
            {'op': 'replace', 'path': '/visibility', 'value': 'public'}],
            self.admin)
        result = self.pulled('enterprise', 'vendor', src['id'],
                             headers=headers)
        self.assertEqual([], result['signatures_dropped'])
        self.assertKept(self.show('enterprise', src['id'], headers=headers),
                        src['signatures'], entries)

