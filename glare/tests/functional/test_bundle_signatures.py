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

"""Signatures in bundles: an import verifies every signature the records
show again, against the importer's own trust store, over the data as it
streams; it keeps those that verify (recorded with the importer's entry)
and drops and reports the others. A type that requires signatures
refuses an import whose active artifacts would come without them, and
nothing of that import stays.

Bundles come from real exports of signed artifacts (the keys and
certificates are made here); the tampered ones are re-written with
glare.bundles.writer (test_bundle_import.rebuild), which also gives them
new ids, so one server exports and imports.
"""

import base64
import datetime
import hashlib
import os

from glare.bundles import signing as bundle_signing
from glare.tests.fixtures import signing
from glare.tests.functional import base
from glare.tests.functional import test_bundle_import as import_tests
from glare.tests.functional import test_signatures

SAMPLE = base.SAMPLE
HEAT_ENV = 'heat_environments'
DATA = os.urandom(2 * 1024 * 1024 + 17)
SMALL = b'small blob'  # the field takes 10 bytes
K1 = b'k1 data ' * 100
ENV = b'parameters:\n  flavor: m1.small\n'
BUNDLE_TYPE = test_signatures.BUNDLE_TYPE


class SignedBundleMixin(import_tests.ImportMixin, test_signatures.TrustMixin):

    def setUp(self):
        super().setUp()
        # one certificate per key, shared by the exporter's and the
        # importers' trust stores (an entry's fingerprint is the
        # certificate's)
        self.rsa = signing.rsa_key()
        self.ec = signing.ec_key('ECC_SECP384R1')
        self.rsa_pem = test_signatures.cert_pem(self.rsa)
        self.ec_pem = test_signatures.cert_pem(self.ec)
        self.rsa_id = self.add_entry(self.rsa_pem)['id']
        self.ec_id = self.add_entry(self.ec_pem)['id']

    def sign(self, artifact_id, label, body, type_name=SAMPLE,
             content_type=None):
        resp = self.request('PUT', '%s/signatures/%s' % (
            self.url(artifact_id, type_name), label), headers=self.user,
            json_body=body, content_type=content_type)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def signed_sample(self, activate=True):
        """A sample artifact with three signed blobs: blob (RSA-PSS,
        SHA-256, raw), small_blob (RSA-PSS, SHA-512, raw) and
        dict_of_blobs/k1 (ECDSA P-384, SHA-384, a Sigstore bundle)."""
        af = self.create()
        self.upload(af['id'], 'blob', DATA)
        self.upload(af['id'], 'small_blob', SMALL)
        self.upload(af['id'], 'dict_of_blobs', K1, key='k1')
        self.sign(af['id'], 'blob', signing.raw_body(self.rsa, DATA,
                                                     self.rsa_id))
        self.sign(af['id'], 'small_blob', signing.raw_body(
            self.rsa, SMALL, self.rsa_id, 'SHA-512'))
        doc = self.sign(af['id'], 'dict_of_blobs/k1', signing.sigstore_bundle(
            self.ec, K1, self.ec_id, 'SHA-384'), content_type=BUNDLE_TYPE)
        self.assertEqual({'blob', 'small_blob', 'dict_of_blobs/k1'},
                         set(doc['signatures']))
        if activate:
            self.activate(af['id'])
        return af

    def bundle_of(self, artifact_id, edit=None, type_name=SAMPLE):
        """(bytes of the artifact's bundle with a new id, the new id)."""
        bundle = self.export(artifact_id, type_name,
                             query='?dependencies=none')
        data, ids = import_tests.rebuild(bundle, edit)
        return data, ids[artifact_id], bundle

    def importer(self, *pems):
        """Headers of a new project whose trust store holds pems."""
        headers = self.auth(self.new_project())
        entries = [self.add_entry(pem, headers=headers) for pem in pems]
        return headers, entries

    def assertKept(self, doc, original, entries):
        """doc's signatures are original's, recorded anew: the
        importer's entries, verified now."""
        by_fingerprint = {e['fingerprint_sha256']: e for e in entries}
        self.assertEqual(set(original), set(doc['signatures']))
        for label, was in original.items():
            now = doc['signatures'][label]
            entry = by_fingerprint[was['fingerprint_sha256']]
            self.assertNotEqual(was['certificate_id'], now['certificate_id'])
            self.assertEqual(dict(was, certificate_id=entry['id'],
                                  verified_at=now['verified_at']), now)
            when = datetime.datetime.strptime(now['verified_at'],
                                              '%Y-%m-%dT%H:%M:%SZ')
            self.assertLess(abs((datetime.datetime.utcnow() - when)
                                .total_seconds()), 300)


@base.with_backends
class BundleSignatureTests(SignedBundleMixin):
    """Import of signed artifacts; heat_environments require signatures
    for activation, sample_artifact none."""

    CONFIG = {'artifact_type:%s' % HEAT_ENV: {
        'require_signature': 'activate'}}

    def test_kept_with_the_importers_entry(self):
        af = self.signed_sample()
        data, new_id, bundle = self.bundle_of(af['id'])
        original = bundle.record(af['id'])['artifact']['signatures']
        self.assertEqual(3, len(original))
        headers, entries = self.importer(self.rsa_pem, self.ec_pem)
        out = self.imported(data, headers=headers)
        self.assertEqual(([new_id], [], []), (
            [a['id'] for a in out['imported']], out['skipped'],
            out['signatures_dropped']))
        doc = self.show(new_id, headers=headers)
        self.assertKept(doc, original, entries)
        self.assertEqual('active', doc['status'])
        # the very data the signatures were made for
        resp = self.download(new_id, 'dict_of_blobs', 'k1', headers=headers)
        self.assertEqual(K1, resp.content)
        # idempotent: the same bundle again is skipped as identical, the
        # signatures untouched
        before = self.snapshot()
        out = self.imported(data, headers=headers)
        self.assertEqual(([], ['identical'], []), (
            out['imported'], [s['reason'] for s in out['skipped']],
            out['signatures_dropped']))
        self.assertEqual(before, self.snapshot())
        self.assertEqual(doc['signatures'],
                         self.show(new_id, headers=headers)['signatures'])
        # and it exports again with them, for the next importer
        again = self.export(new_id, headers=headers,
                            query='?dependencies=none')
        self.assertEqual(doc['signatures'], again.record(new_id)[
            'artifact']['signatures'])

    def test_dropped_and_reported_without_the_key(self):
        af = self.signed_sample()
        data, new_id, _bundle = self.bundle_of(af['id'])
        # no entry at all: every signature dropped, the artifact comes in
        headers, _entries = self.importer()
        reason = 'no trust store entry has the key of fingerprint'
        for query in ('?dry_run=true', ''):
            out = self.imported(data, query, headers=headers)
            self.assertEqual([new_id], [a['id'] for a in out['imported']])
            dropped = out['signatures_dropped']
            self.assertEqual(
                [(SAMPLE, new_id, label) for label in
                 ('blob', 'dict_of_blobs/k1', 'small_blob')],
                sorted((d['type_name'], d['id'], d['blob'])
                       for d in dropped))
            for d in dropped:
                self.assertIn(reason, d['reason'])
        self.assertEqual({}, self.show(new_id, headers=headers)[
            'signatures'])
        # the RSA certificate only: the ECDSA signature goes
        data, new_id, bundle = self.bundle_of(af['id'])
        headers, entries = self.importer(self.rsa_pem)
        out = self.imported(data, headers=headers)
        self.assertEqual(['dict_of_blobs/k1'], [
            d['blob'] for d in out['signatures_dropped']])
        doc = self.show(new_id, headers=headers)
        original = bundle.record(af['id'])['artifact']['signatures']
        del original['dict_of_blobs/k1']
        self.assertKept(doc, original, entries)
        # the same key under another certificate is another entry: only
        # the very certificate is looked up (its fingerprint)
        data, new_id, _bundle = self.bundle_of(af['id'])
        headers, _entries = self.importer(test_signatures.cert_pem(
            self.rsa, common_name='another'), self.ec_pem)
        out = self.imported(data, headers=headers)
        self.assertEqual(['blob', 'small_blob'], sorted(
            d['blob'] for d in out['signatures_dropped']))

    def test_a_global_entry_verifies_for_every_project(self):
        af = self.signed_sample()
        data, new_id, bundle = self.bundle_of(af['id'])
        glob = [self.add_entry(pem, scope='global', headers=self.admin)
                for pem in (self.rsa_pem, self.ec_pem)]
        self.addCleanup(lambda: [self.delete(
            '%s/%s' % (test_signatures.TRUST, e['id']), headers=self.admin)
            for e in glob])
        headers, _entries = self.importer()
        out = self.imported(data, headers=headers)
        self.assertEqual([], out['signatures_dropped'])
        self.assertKept(self.show(new_id, headers=headers),
                        bundle.record(af['id'])['artifact']['signatures'],
                        glob)

    def test_tampered_records_are_dropped_with_their_reason(self):
        af = self.signed_sample()

        def edit(record, _layers):
            sigs = record['artifact']['signatures']
            raw = base64.b64decode(sigs['blob']['signature'])
            sigs['blob']['signature'] = signing.b64(signing.flip_bit(raw))
            # a signature of other data
            sigs['small_blob']['signature'] = signing.b64(signing.sign(
                self.rsa, b'other data', 'SHA-512'))
            bundle = sigs['dict_of_blobs/k1']['sigstore_bundle']
            bundle['messageSignature']['messageDigest']['digest'] = \
                signing.b64(hashlib.sha384(b'other data').digest())
            sigs['nothing'] = dict(sigs['blob'])
            sigs['dict_of_blobs/k2'] = 'not an object'
        data, new_id, _bundle = self.bundle_of(af['id'], edit)
        headers, _entries = self.importer(self.rsa_pem, self.ec_pem)
        out = self.imported(data, headers=headers)
        self.assertEqual([new_id], [a['id'] for a in out['imported']])
        reasons = {d['blob']: d['reason'] for d in out['signatures_dropped']}
        self.assertEqual({'blob', 'small_blob', 'dict_of_blobs/k1',
                          'nothing', 'dict_of_blobs/k2'}, set(reasons))
        self.assertIn('the signature does not match the data and the key '
                      '(RSA-PSS, SHA-256)', reasons['blob'])
        self.assertIn('(RSA-PSS, SHA-512)', reasons['small_blob'])
        self.assertIn("messageDigest is not the SHA-384 digest of the "
                      "blob's data", reasons['dict_of_blobs/k1'])
        self.assertIn('the record has no blob nothing', reasons['nothing'])
        self.assertIn('the record has no blob', reasons['dict_of_blobs/k2'])
        self.assertEqual({}, self.show(new_id, headers=headers)[
            'signatures'])

    def test_malformed_signature_records(self):
        af = self.signed_sample(activate=False)
        cases = (
            ('form', 'weird', 'form \'weird\''),
            ('hash_method', 'MD5', "'MD5' is not supported"),
            ('key_type', 'ECC_SECP384R1', 'cannot make ECC_SECP384R1'),
            ('signature', '***', 'not valid base64'),
            ('fingerprint_sha256', None, 'no fingerprint_sha256'),
            ('sigstore_bundle', {'mediaType': 'x'}, None))
        for key, value, reason in cases:
            def edit(record, _layers, key=key, value=value):
                sig = record['artifact']['signatures']['blob']
                if key == 'sigstore_bundle':
                    sig['form'] = 'sigstore'
                sig[key] = value
            data, new_id, _bundle = self.bundle_of(af['id'], edit)
            headers, _entries = self.importer(self.rsa_pem)
            out = self.imported(data, headers=headers)
            dropped = {d['blob']: d['reason']
                       for d in out['signatures_dropped']}
            self.assertIn('blob', dropped)
            if reason is not None:
                self.assertIn(reason, dropped['blob'])
            self.assertIn('small_blob', self.show(new_id, headers=headers)[
                'signatures'])

        # signatures that is no object: the record is refused (400)
        def edit(record, _layers):
            record['artifact']['signatures'] = ['blob']
        data, _new_id, _bundle = self.bundle_of(af['id'], edit)
        self.refused(400, data, 'signatures is not a JSON object')

    # -- require_signature -------------------------------------------------
    def signed_env(self, active=True):
        """An active heat environment signed with the RSA key."""
        env = self.create(type_name=HEAT_ENV)
        resp = self.request('PUT', self.url(env['id'], HEAT_ENV) +
                            '/environment', headers=self.user, data=ENV,
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.sign(env['id'], 'environment', signing.raw_body(
            self.rsa, ENV, self.rsa_id), type_name=HEAT_ENV)
        if active:
            self.activate(env['id'], type_name=HEAT_ENV)
        return env

    def test_required_signatures_refuse_an_import_that_drops_one(self):
        env = self.signed_env()
        data, new_id, _bundle = self.bundle_of(env['id'], type_name=HEAT_ENV)
        # no key: refused before any data is stored, in a dry run too
        headers, _entries = self.importer()
        for query in ('', '?dry_run=true'):
            body = self.refused(409, data, 'require_signature',
                                query=query, headers=headers)
            self.assertEqual([new_id], [a['id'] for a in body['artifacts']])
            reason = body['artifacts'][0]['reason']
            self.assertIn('blob environment: its signature was dropped: no '
                          'trust store entry has the key', reason)
        # a signature that does not verify over the data: found once the
        # data was read and staged; the staged data goes

        def tamper(record, _layers):
            sig = record['artifact']['signatures']['environment']
            sig['signature'] = signing.b64(signing.sign(self.rsa, b'x'))
        bad, bad_id, _bundle = self.bundle_of(env['id'], tamper,
                                              type_name=HEAT_ENV)
        headers, _entries = self.importer(self.rsa_pem)
        body = self.refused(409, bad, 'require_signature', headers=headers)
        self.assertIn('blob environment: its signature was dropped: the '
                      'signature does not match the data',
                      body['artifacts'][0]['reason'])
        self.assertError(404, self.get(self.url(bad_id, HEAT_ENV),
                                       headers=headers))
        # no signature at all in the record

        def unsigned(record, _layers):
            record['artifact']['signatures'] = {}
        bare, _bare_id, _bundle = self.bundle_of(env['id'], unsigned,
                                                 type_name=HEAT_ENV)
        body = self.refused(409, bare, 'require_signature', headers=headers)
        self.assertIn('blob environment: the bundle has no signature of it',
                      body['artifacts'][0]['reason'])
        # the key there: accepted, the signature kept
        out = self.imported(data, headers=headers)
        self.assertEqual(([new_id], []), (
            [a['id'] for a in out['imported']], out['signatures_dropped']))
        doc = self.show(new_id, headers=headers, type_name=HEAT_ENV)
        self.assertEqual(('active', ['environment']), (
            doc['status'], list(doc['signatures'])))

    def test_required_signatures_spare_drafted_artifacts(self):
        env = self.signed_env(active=False)
        data, new_id, _bundle = self.bundle_of(env['id'], type_name=HEAT_ENV)
        headers, _entries = self.importer()
        out = self.imported(data, headers=headers)
        self.assertEqual([new_id], [a['id'] for a in out['imported']])
        self.assertEqual(['environment'], [
            d['blob'] for d in out['signatures_dropped']])
        self.assertEqual('drafted', self.show(
            new_id, headers=headers, type_name=HEAT_ENV)['status'])

    def test_a_signed_index_is_accepted(self):
        af = self.signed_sample()
        data, new_id, _bundle = self.bundle_of(af['id'])
        key = signing.ec_key()
        signed = b''.join(bundle_signing.sign_stream(
            [data], lambda index: bundle_signing.sign_index(index, key)))
        self.assertNotEqual(data, signed)
        headers, _entries = self.importer(self.rsa_pem, self.ec_pem)
        out = self.imported(signed, headers=headers)
        self.assertEqual(([new_id], []), (
            [a['id'] for a in out['imported']], out['signatures_dropped']))
