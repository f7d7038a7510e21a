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

"""The trust store and blob signatures (API 1.5) over real HTTP.

Keys and certificates are made here (glare.tests.fixtures.signing): RSA
and ECDSA keys, self-signed and CA-issued certificates, raw signatures
and key-based Sigstore bundles v0.3. Every refusal is a 4xx JSON error
naming its reason; none is a 500.
"""

import datetime
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
import unittest
import uuid

from glare.tests.fixtures import signing
from glare.tests.functional import base
from glare.tests.functional import test_locations

TRUST = '/trust/certificates'
BUNDLE_TYPE = signing.BUNDLE_MEDIA_TYPE
DATA = os.urandom(3 * 1024 * 1024 + 123)
RECORD_KEYS = {'verified', 'certificate_id', 'fingerprint_sha256', 'subject',
               'hash_method', 'key_type', 'verified_at', 'form', 'signature',
               'sigstore_bundle'}
ENTRY_KEYS = {'id', 'name', 'owner', 'scope', 'kind', 'fingerprint_sha256',
              'subject', 'not_before', 'not_after', 'created_at'}


def cert_pem(key, **kwargs):
    return signing.cert_pem(signing.certificate(key, **kwargs))


class TrustMixin:
    """Trust store helpers."""

    def add_entry(self, pem, name=None, headers=None, expect=201, **extra):
        body = dict({'name': name or self.unique('cert'), 'pem': pem},
                    **extra)
        resp = self.post(TRUST, body,
                         headers=self.user if headers is None else headers)
        if expect != 201:
            return self.assertError(expect, resp)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        return resp.json()

    def trusted(self, key, headers=None, **kwargs):
        """The id of a new entry with a self-signed certificate of key."""
        return self.add_entry(cert_pem(key, **kwargs), headers=headers)['id']

    def entry(self, entry_id, headers=None):
        return self.get('%s/%s' % (TRUST, entry_id),
                        headers=self.user if headers is None else headers)

    def entries(self, query='', headers=None):
        resp = self.get(TRUST + query,
                        headers=self.user if headers is None else headers)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return {e['id']: e for e in resp.json()['certificates']}


@base.with_backends
class TrustStoreTests(TrustMixin):
    """POST, GET and DELETE /trust/certificates; scopes; refusals."""

    def test_certificate_and_public_key_entries(self):
        key = signing.rsa_key()
        cert = signing.certificate(key, 'alice')
        entry = self.add_entry(signing.cert_pem(cert), name='alice at work')
        self.assertEqual(ENTRY_KEYS, set(entry))
        self.assertEqual(('alice at work', 'project', 'certificate',
                          self.project, signing.fingerprint(cert),
                          'CN=alice,O=Glare tests'),
                         (entry['name'], entry['scope'], entry['kind'],
                          entry['owner'], entry['fingerprint_sha256'],
                          entry['subject']))
        self.assertEqual(
            cert.not_valid_after_utc.strftime('%Y-%m-%dT%H:%M:%SZ'),
            entry['not_after'])
        uuid.UUID(entry['id'])
        ec = signing.ec_key('ECC_SECP384R1')
        bare = self.add_entry(signing.public_pem(ec))
        self.assertEqual(('public_key', None, None, None),
                         (bare['kind'], bare['subject'], bare['not_before'],
                          bare['not_after']))
        mine = self.entries()
        self.assertEqual(entry, mine[entry['id']])
        self.assertEqual(bare, mine[bare['id']])
        # shown one by one with the material, re-encoded alone
        resp = self.entry(entry['id'])
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(dict(entry, pem=signing.cert_pem(cert)),
                         resp.json())
        self.assertEqual(signing.public_pem(ec),
                         self.entry(bare['id']).json()['pem'])
        resp = self.delete('%s/%s' % (TRUST, entry['id']), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertError(404, self.entry(entry['id']), entry['id'])
        self.assertError(404, self.delete('%s/%s' % (TRUST, entry['id']),
                                          headers=self.user))
        self.assertNotIn(entry['id'], self.entries())

    def test_material_refused_with_its_reason(self):
        now = signing.utcnow()
        day = datetime.timedelta(days=1)
        key = signing.ec_key()
        cases = [
            (cert_pem(key, not_before=now - 3 * day, not_after=now - day),
             'expired on'),
            (cert_pem(key, not_before=now + day, not_after=now + 3 * day),
             'not valid before'),
            ('-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
             'certificate cannot be read'),
            ('just text', 'not PEM'),
            (signing.private_pem(key), 'private key'),
            (cert_pem(key) + signing.private_pem(key), 'private key'),
            (signing.public_pem(signing.dsa_key()), 'DSA keys are not '
                                                    'supported'),
            (cert_pem(signing.dsa_key()), 'DSA keys are not supported'),
            (signing.public_pem(signing.rsa_key(1024)), 'too weak'),
        ]
        for pem, reason in cases:
            body = self.add_entry(pem, expect=400)
            self.assertIn(reason, body['error']['message'])
            self.assertNotIn('PRIVATE KEY', body['error']['message'])
        self.assertEqual({}, self.entries())

    def test_body_validation(self):
        pem = cert_pem(signing.ec_key())
        for body, reason in (
                ({'name': 'n', 'pem': pem, 'owner': 'x'}, "'owner'"),
                ({'name': 'n', 'pem': pem, 'a': 1, 'b': 2}, "keys 'a', 'b'"),
                ({'pem': pem}, 'name must be'),
                ({'name': 'n'}, 'pem must be'),
                ({'name': 7, 'pem': pem}, 'name must be'),
                ({'name': '', 'pem': pem}, 'name must be'),
                ({'name': 'n', 'pem': [pem]}, 'pem must be'),
                ({'name': 'n' * 256, 'pem': pem}, 'longer than 255'),
                ({'name': 'n', 'pem': pem + ' ' * (64 * 1024)},
                 'longer than 65536'),
                ({'name': 'n', 'pem': pem, 'scope': 'galaxy'}, "'galaxy'"),
                ({'name': 'n', 'pem': pem, 'scope': None}, 'None'),
                ({'name': 'n\x00', 'pem': pem}, 'NUL'),
                ([pem], 'JSON object')):
            resp = self.post(TRUST, body, headers=self.user)
            self.assertError(400, resp, reason)
        self.assertError(400, self.request('POST', TRUST, headers=self.user,
                                           data=b'{"name":',
                                           content_type='application/json'))
        self.assertError(415, self.request('POST', TRUST, headers=self.user,
                                           data=pem,
                                           content_type='text/plain'))
        self.assertError(413, self.post(TRUST, {
            'name': 'n', 'pem': 'x' * (200 * 1024)}, headers=self.user))

        def chunks():
            yield b'{"name": "n", "pem": "'
            for _ in range(300):
                yield b'x' * 1024
            yield b'"}'
        self.assertError(413, self.request(
            'POST', TRUST, headers=self.user, data=chunks(),
            content_type='application/json'))
        self.assertEqual({}, self.entries())

    def test_scopes_and_duplicates(self):
        key = signing.ec_key(tag=self.unique())
        pem = cert_pem(key)
        # global: administrators only
        body = self.add_entry(pem, scope='global', expect=403)
        self.assertIn('artifact:trust_create_global', body['error']['message'])
        glob = self.add_entry(pem, scope='global', headers=self.admin)
        self.assertEqual(('global', None), (glob['scope'], glob['owner']))
        self.add_entry(pem, scope='global', headers=self.admin, expect=409)
        # a project may hold the same key as the global store, once
        mine = self.add_entry(pem, scope='project')
        body = self.add_entry(pem, expect=409)
        self.assertIn(mine['id'], body['error']['message'])
        other = self.auth(self.new_project())
        theirs = self.add_entry(pem, headers=other)
        self.assertNotEqual(mine['id'], theirs['id'])
        # everyone sees the global entry
        for headers in (self.user, other):
            self.assertIn(glob['id'], self.entries(headers=headers))
            resp = self.entry(glob['id'], headers=headers)
            self.assertEqual(200, resp.status_code, base.brief(resp))
        # only administrators remove it
        self.assertError(403, self.delete('%s/%s' % (TRUST, glob['id']),
                                          headers=self.user))
        resp = self.delete('%s/%s' % (TRUST, glob['id']), headers=self.admin)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertNotIn(glob['id'], self.entries())

    def test_another_projects_entry_is_answered_as_missing(self):
        mine = self.add_entry(cert_pem(signing.ec_key()))
        other = self.auth(self.new_project())
        missing = str(uuid.uuid4())
        for entry_id in (mine['id'], missing):
            body = self.assertError(404, self.entry(entry_id, headers=other))
            self.assertEqual('No trust store entry %s' % entry_id,
                             body['error']['message'])
            body = self.assertError(404, self.delete(
                '%s/%s' % (TRUST, entry_id), headers=other))
            self.assertEqual('No trust store entry %s' % entry_id,
                             body['error']['message'])
        self.assertError(404, self.entry('not-a-uuid'))
        self.assertNotIn(mine['id'], self.entries(headers=other))
        # an administrator sees every project's entries when asked
        self.assertEqual(200, self.entry(mine['id'],
                                         headers=self.admin).status_code)
        self.assertNotIn(mine['id'], self.entries(headers=self.admin))
        self.assertIn(mine['id'], self.entries('?all_projects=true',
                                               headers=self.admin))
        self.assertError(403, self.get(TRUST + '?all_projects=true',
                                       headers=self.user))
        self.assertError(400, self.get(TRUST + '?all_projects=maybe',
                                       headers=self.user))
        self.assertError(400, self.get(TRUST + '?owner=x',
                                       headers=self.user))
        self.assertError(400, self.get(
            TRUST + '?all_projects=false&all_projects=true',
            headers=self.user))
        # the owner still has it
        self.assertIn(mine['id'], self.entries())

    def test_a_reader_lists_but_does_not_add(self):
        reader = self.auth(self.project, 'reader')
        body = self.add_entry(cert_pem(signing.ec_key()), headers=reader,
                              expect=403)
        self.assertIn('artifact:trust_create', body['error']['message'])
        mine = self.add_entry(cert_pem(signing.ec_key(tag='r')))
        self.assertIn(mine['id'], self.entries(headers=reader))
        self.assertError(403, self.delete('%s/%s' % (TRUST, mine['id']),
                                          headers=reader))

    def test_routes(self):
        entry = self.add_entry(cert_pem(signing.ec_key()))
        for method, path, code in (
                ('GET', '/trust', 404), ('GET', '/trust/', 404),
                ('GET', '/trust/keys', 404),
                ('PUT', TRUST, 405), ('DELETE', TRUST, 405),
                ('PATCH', TRUST + '/' + entry['id'], 405),
                ('POST', TRUST + '/' + entry['id'], 405),
                ('GET', TRUST + '/' + entry['id'] + '/x', 404)):
            resp = self.request(method, path, headers=self.user)
            self.assertError(code, resp)
            if code == 405:
                self.assertTrue(resp.headers.get('Allow'), path)
        self.assertError(400, self.request('GET', TRUST, headers=self.user,
                                           data=b'{}',
                                           content_type='application/json'))


class SigningMixin(TrustMixin, test_locations.LocationMixin):
    """Signature helpers over a sample artifact with data."""

    def sign(self, artifact_id, field, body, key=None, headers=None,
             content_type=None):
        path = '%s/signatures/%s' % (self.url(artifact_id), field)
        if key is not None:
            path += '/' + key
        return self.request('PUT', path, headers=self.user if headers is None
                            else headers, json_body=body,
                            content_type=content_type)

    def signed(self, artifact_id, field, body, key=None, **kwargs):
        resp = self.sign(artifact_id, field, body, key, **kwargs)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def refused(self, code, artifact_id, field, body, reason=None, key=None,
                **kwargs):
        """The signature is refused with code, naming reason, and nothing
        is recorded for the blob."""
        label = field + ('/' + key if key else '')
        before = self.show(artifact_id)['signatures'].get(label)
        resp = self.sign(artifact_id, field, body, key, **kwargs)
        err = self.assertError(code, resp, reason)
        self.assertEqual(before,
                         self.show(artifact_id)['signatures'].get(label))
        return err

    def with_data(self, data=DATA, field='blob', key=None):
        af = self.create()
        self.upload(af['id'], field, data, key)
        return af


@base.with_backends
class SignatureTests(SigningMixin):
    """PUT /artifacts/{type}/{id}/signatures/{field}[/{key}]."""

    CONFIG = {'locations': {'allowed_networks': '127.0.0.1/32'}}

    def assertRecord(self, record, entry_id, hash_method, key_type, form,
                     signature=None):
        self.assertEqual(RECORD_KEYS, set(record))
        entry = self.entry(entry_id).json()
        self.assertEqual((True, entry_id, entry['fingerprint_sha256'],
                          entry['subject'], hash_method, key_type, form),
                         (record['verified'], record['certificate_id'],
                          record['fingerprint_sha256'], record['subject'],
                          record['hash_method'], record['key_type'],
                          record['form']))
        if signature is not None:
            self.assertEqual(signature, record['signature'])
        when = datetime.datetime.strptime(record['verified_at'],
                                          '%Y-%m-%dT%H:%M:%SZ')
        self.assertLess(abs((datetime.datetime.utcnow() - when)
                            .total_seconds()), 300)

    def test_raw_rsa_signature_on_a_blob(self):
        af = self.with_data()
        self.assertEqual({}, af['signatures'])
        self.assertEqual({}, self.show(af['id'])['signatures'])
        key = signing.rsa_key()
        entry_id = self.trusted(key)
        body = signing.raw_body(key, DATA, entry_id)
        before = self.get(self.url(af['id']), headers=self.user)
        doc = self.signed(af['id'], 'blob', body)
        self.assertEqual(['blob'], list(doc['signatures']))
        self.assertRecord(doc['signatures']['blob'], entry_id, 'SHA-256',
                          'RSA-PSS', 'raw', body['signature'])
        self.assertIsNone(doc['signatures']['blob']['sigstore_bundle'])
        shown = self.show(af['id'])
        self.assertEqual(doc['signatures'], shown['signatures'])
        # the artifact changed: a new ETag; its data did not
        resp = self.get(self.url(af['id']), headers=self.user)
        self.assertNotEqual(before.headers['ETag'], resp.headers['ETag'])
        self.assertEqual(before.json()['blob'], shown['blob'])
        # listed with the artifact, as a system field nobody can write
        listed = self.list('owner=' + self.project)['artifacts']
        self.assertEqual(doc['signatures'],
                         [a for a in listed if a['id'] == af['id']][0][
                             'signatures'])
        self.assertError(403, self.patch(self.url(af['id']), [
            {'op': 'replace', 'path': '/signatures', 'value': {}}],
            headers=self.user))
        self.assertError(403, self.post(self.url(), {
            'name': self.unique(), 'signatures': {}}, headers=self.user))

    @unittest.skipUnless(shutil.which('openssl'), 'needs openssl')
    def test_keys_and_signatures_made_with_openssl(self):
        """The steps of doc/source/user/signing.rst, with the openssl
        command line tool making the keys, certificates and signatures."""
        tmp = tempfile.mkdtemp(prefix='glare-openssl-')
        self.addCleanup(shutil.rmtree, tmp, True)

        def openssl(*args):
            subprocess.run(('openssl',) + args, cwd=tmp, check=True,
                           capture_output=True, timeout=120)

        def read(name):
            with open(os.path.join(tmp, name), 'rb') as f:
                return f.read()

        with open(os.path.join(tmp, 'app.tar.gz'), 'wb') as f:
            f.write(DATA)
        openssl('req', '-x509', '-newkey', 'rsa:3072', '-nodes',
                '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '365',
                '-subj', '/O=Example/CN=release signing')
        openssl('dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss',
                '-sign', 'key.pem', '-out', 'app.sig', 'app.tar.gz')
        openssl('ecparam', '-name', 'secp384r1', '-genkey', '-noout',
                '-out', 'ec-key.pem')
        openssl('ec', '-in', 'ec-key.pem', '-pubout', '-out', 'ec-pub.pem')
        openssl('dgst', '-sha384', '-sign', 'ec-key.pem', '-out',
                'app-ec.sig', 'app.tar.gz')
        af = self.with_data()
        entry = self.add_entry(read('cert.pem').decode())
        self.assertEqual('CN=release signing,O=Example', entry['subject'])
        doc = self.signed(af['id'], 'blob', {
            'signature': signing.b64(read('app.sig')),
            'hash_method': 'SHA-256', 'key_type': 'RSA-PSS',
            'certificate_id': entry['id']})
        self.assertRecord(doc['signatures']['blob'], entry['id'], 'SHA-256',
                          'RSA-PSS', 'raw')
        ec_entry = self.add_entry(read('ec-pub.pem').decode())
        self.assertEqual('public_key', ec_entry['kind'])
        doc = self.signed(af['id'], 'blob', {
            'signature': signing.b64(read('app-ec.sig')),
            'hash_method': 'SHA-384', 'key_type': 'ECC_SECP384R1',
            'certificate_id': ec_entry['id']})
        self.assertRecord(doc['signatures']['blob'], ec_entry['id'],
                          'SHA-384', 'ECC_SECP384R1', 'raw')
        # the openssl signature in a Sigstore bundle
        bundle = signing.sigstore_bundle(None, DATA, entry['id'],
                                         signature=read('app.sig'))
        doc = self.signed(af['id'], 'blob', bundle, content_type=BUNDLE_TYPE)
        self.assertRecord(doc['signatures']['blob'], entry['id'], 'SHA-256',
                          'RSA-PSS', 'sigstore')
        # the private key file is refused as trust material
        body = self.add_entry(read('key.pem').decode(), expect=400)
        self.assertIn('private key', body['error']['message'])

    def test_hashes_salts_and_curves(self):
        af = self.with_data()
        rsa = signing.rsa_key()
        rsa_id = self.trusted(rsa)
        for hash_method in signing.HASHES:
            for salt in (None, 32, 0):
                raw = signing.sign(rsa, DATA, hash_method, salt)
                doc = self.signed(af['id'], 'blob', signing.raw_body(
                    rsa, DATA, rsa_id, hash_method, signature=raw))
                self.assertRecord(doc['signatures']['blob'], rsa_id,
                                  hash_method, 'RSA-PSS', 'raw')
        for key_type in signing.CURVES:
            ec = signing.ec_key(key_type)
            cert, _ca = signing.ca_issued(ec, 'ec-' + key_type)
            ec_id = self.add_entry(signing.cert_pem(cert))['id']
            for hash_method in signing.HASHES:
                doc = self.signed(af['id'], 'blob', signing.raw_body(
                    ec, DATA, ec_id, hash_method))
                self.assertRecord(doc['signatures']['blob'], ec_id,
                                  hash_method, key_type, 'raw')

    def test_folder_entry_with_an_ecdsa_ca_issued_certificate(self):
        af = self.create()
        first, second = os.urandom(1500), b'second entry'
        self.upload(af['id'], 'dict_of_blobs', first, 'dir/a.bin')
        self.upload(af['id'], 'dict_of_blobs', second, 'b')
        key = signing.ec_key('ECC_SECP384R1')
        cert, _ca = signing.ca_issued(key, 'release team')
        entry_id = self.add_entry(signing.cert_pem(cert))['id']
        doc = self.signed(af['id'], 'dict_of_blobs', signing.raw_body(
            key, first, entry_id, 'SHA-384'), key='dir/a.bin')
        self.assertEqual(['dict_of_blobs/dir/a.bin'], list(doc['signatures']))
        self.assertRecord(doc['signatures']['dict_of_blobs/dir/a.bin'],
                          entry_id, 'SHA-384', 'ECC_SECP384R1', 'raw')
        self.assertIn('CN=release team',
                      doc['signatures']['dict_of_blobs/dir/a.bin']['subject'])
        # a bare public key verifies too
        bare = self.add_entry(signing.public_pem(key))['id']
        doc = self.signed(af['id'], 'dict_of_blobs', signing.raw_body(
            key, second, bare, 'SHA-256'), key='b')
        self.assertEqual({'dict_of_blobs/dir/a.bin', 'dict_of_blobs/b'},
                         set(doc['signatures']))
        self.assertIsNone(doc['signatures']['dict_of_blobs/b']['subject'])
        # the signature of one entry is not the other's
        self.refused(400, af['id'], 'dict_of_blobs', signing.raw_body(
            key, first, entry_id, 'SHA-384'), 'does not match', key='b')

    def test_sigstore_bundles(self):
        af = self.with_data()
        key = signing.ec_key()
        entry_id = self.trusted(key)
        bundle = signing.sigstore_bundle(key, DATA, entry_id)
        doc = self.signed(af['id'], 'blob', bundle,
                          content_type=BUNDLE_TYPE)
        record = doc['signatures']['blob']
        self.assertRecord(record, entry_id, 'SHA-256', 'ECC_SECP256R1',
                          'sigstore')
        self.assertEqual(bundle, record['sigstore_bundle'])
        self.assertEqual(
            bundle['messageSignature']['signature'], record['signature'])
        # RSA keys sign RSA-PSS in a bundle; P-521 keys SHA-512 digests
        for key, hash_method, key_type in (
                (signing.rsa_key(), 'SHA-384', 'RSA-PSS'),
                (signing.ec_key('ECC_SECP521R1'), 'SHA-512',
                 'ECC_SECP521R1')):
            other_id = self.trusted(key)
            doc = self.signed(af['id'], 'blob', signing.sigstore_bundle(
                key, DATA, other_id, hash_method), content_type=BUNDLE_TYPE)
            self.assertRecord(doc['signatures']['blob'], other_id,
                              hash_method, key_type, 'sigstore')

    def test_sigstore_bundle_refusals(self):
        af = self.with_data()
        key = signing.ec_key()
        entry_id = self.trusted(key)
        sign = signing.sign(key, DATA)

        def refused(bundle, reason, content_type=BUNDLE_TYPE):
            self.refused(400, af['id'], 'blob', bundle, reason,
                         content_type=content_type)

        # the digest of other data, the signature of this data
        refused(signing.sigstore_bundle(
            key, DATA, entry_id,
            digest=hashlib.sha256(DATA + b'x').digest(), signature=sign),
            'it was made for other data')
        # a bundle over other data altogether
        refused(signing.sigstore_bundle(key, DATA[:-1], entry_id),
                'other data')
        # a digest of this data, a signature of other data
        refused(signing.sigstore_bundle(
            key, DATA, entry_id, signature=signing.sign(key, b'other')),
            'does not match')
        refused(signing.sigstore_bundle(key, DATA, str(uuid.uuid4())),
                'no trust store entry')
        refused(signing.sigstore_bundle(key, DATA, entry_id, 'SHA-384'),
                'signs SHA-256 digests')
        bundle = signing.sigstore_bundle(key, DATA, entry_id)
        del bundle['verificationMaterial']['publicKey']
        bundle['verificationMaterial']['certificate'] = {'rawBytes': 'AAAA'}
        refused(bundle, 'only key-based')
        dsse = signing.sigstore_bundle(key, DATA, entry_id)
        dsse['dsseEnvelope'] = dsse.pop('messageSignature')
        refused(dsse, 'DSSE')
        refused(dict(bundle, mediaType='application/json'), 'mediaType')
        # a bundle is no raw body
        refused(signing.sigstore_bundle(key, DATA, entry_id),
                'unknown keys', content_type='application/json')

    def test_raw_refusals(self):
        af = self.with_data()
        rsa = signing.rsa_key()
        rsa_id = self.trusted(rsa)
        ec = signing.ec_key()
        ec_id = self.trusted(ec)
        good = signing.raw_body(rsa, DATA, rsa_id)
        sig = signing.sign(rsa, DATA)

        def refused(body, reason):
            err = self.refused(400, af['id'], 'blob', body, reason)
            self.assertIn('The signature of blob is refused: ',
                          err['error']['message'])

        # a wrong key
        refused(dict(good, signature=signing.b64(signing.sign(
            signing.rsa_key(tag='other'), DATA))), 'does not match')
        refused(signing.raw_body(ec, DATA, rsa_id,
                                 key_type='RSA-PSS'), 'does not match')
        # hash method and key type that do not go with the signature/key
        refused(dict(good, hash_method='SHA-512'), 'does not match')
        refused(dict(good, key_type='ECC_SECP256R1'),
                'cannot make ECC_SECP256R1 signatures')
        refused(signing.raw_body(ec, DATA, ec_id, key_type='ECC_SECP384R1'),
                'cannot make ECC_SECP384R1 signatures')
        # truncated, bit-flipped, of other data
        for bad in (sig[:-1], sig[:100], signing.flip_bit(sig),
                    signing.flip_bit(sig, 0), sig + b'\x00'):
            refused(dict(good, signature=signing.b64(bad)), 'signature')
        refused(signing.raw_body(rsa, DATA[:-1], rsa_id), 'does not match')
        refused(signing.raw_body(ec, b'other data', ec_id), 'does not match')
        # names and forms
        refused(dict(good, hash_method='MD5'), "hash_method 'MD5'")
        refused(dict(good, key_type='DSA'), "key_type 'DSA'")
        refused(dict(good, signature='***'), 'not valid base64')
        refused(dict(good, signature=''), 'non-empty')
        refused(dict(good, signature=7), 'non-empty')
        refused(dict(good, certificate_id=7), 'certificate_id must be')
        refused(dict(good, certificate_id='nope'), 'no trust store entry')
        refused(dict(good, extra=1), "unknown key 'extra'")
        refused({k: v for k, v in good.items() if k != 'key_type'},
                'key_type is missing')
        refused({'certificate_id': rsa_id},
                'signature, hash_method, key_type are missing')
        refused([good], 'JSON object')
        self.refused(415, af['id'], 'blob', good,
                     content_type='application/octet-stream')
        self.refused(413, af['id'], 'blob', dict(good, signature='A' *
                                                 (70 * 1024)))
        self.refused(400, af['id'], 'blob', None)

    def test_trust_entries_the_signer_may_not_use(self):
        af = self.with_data()
        key = signing.ec_key()
        other = self.auth(self.new_project())
        theirs = self.trusted(key, headers=other)
        body = signing.raw_body(key, DATA, theirs)
        err = self.refused(400, af['id'], 'blob', body,
                           'no trust store entry %s' % theirs)
        missing = str(uuid.uuid4())
        err2 = self.refused(400, af['id'], 'blob', dict(
            body, certificate_id=missing))
        # the same words as for an entry that does not exist
        self.assertEqual(err['error']['message'].replace(theirs, missing),
                         err2['error']['message'])
        # a global entry serves every project
        glob = self.add_entry(cert_pem(key), scope='global',
                              headers=self.admin)['id']
        doc = self.signed(af['id'], 'blob', dict(body, certificate_id=glob))
        self.assertEqual(glob, doc['signatures']['blob']['certificate_id'])

    def test_expired_since_it_was_added(self):
        af = self.with_data()
        key = signing.ec_key()
        now = signing.utcnow()
        entry = self.add_entry(cert_pem(
            key, not_before=now - datetime.timedelta(minutes=1),
            not_after=now + datetime.timedelta(seconds=3)))
        self.assertIsNotNone(entry['not_after'])
        time.sleep(max(0.0, (now + datetime.timedelta(seconds=4) -
                             signing.utcnow()).total_seconds()))
        self.refused(400, af['id'], 'blob', signing.raw_body(
            key, DATA, entry['id']), 'the certificate expired on')

    def test_a_deleted_entry_keeps_its_records(self):
        af = self.with_data()
        self.upload(af['id'], 'dict_of_blobs', b'entry', 'k')
        key = signing.ec_key()
        entry_id = self.trusted(key)
        doc = self.signed(af['id'], 'blob', signing.raw_body(
            key, DATA, entry_id))
        record = doc['signatures']['blob']
        resp = self.delete('%s/%s' % (TRUST, entry_id), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual({'blob': record}, self.show(af['id'])['signatures'])
        self.refused(400, af['id'], 'dict_of_blobs', signing.raw_body(
            key, b'entry', entry_id), 'no trust store entry', key='k')
        self.refused(400, af['id'], 'blob', signing.raw_body(
            key, DATA, entry_id), 'no trust store entry')
        self.assertEqual({'blob': record}, self.show(af['id'])['signatures'])

    def test_blobs_without_stored_data(self):
        af = self.create()
        key = signing.ec_key()
        entry_id = self.trusted(key)
        body = signing.raw_body(key, b'', entry_id)
        self.refused(409, af['id'], 'blob', body, 'no data to sign')
        resp = self.set_location(af['id'], 'blob', {
            'url': self.origin_url(),
            'md5': hashlib.md5(test_locations.DATA).hexdigest()})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.refused(400, af['id'], 'blob', signing.raw_body(
            key, test_locations.DATA, entry_id),
            'only stored data can be signed')
        self.refused(400, af['id'], 'int1', body, 'not a blob field')
        self.refused(400, af['id'], 'nope', body, 'not a blob field')
        self.refused(400, af['id'], 'dict_of_blobs', body, 'needs a key')
        self.refused(400, af['id'], 'blob', body, 'a single blob', key='x')
        self.refused(409, af['id'], 'dict_of_blobs', body, 'no data',
                     key='missing')
        # the routes around
        path = self.url(af['id']) + '/signatures'
        self.assertError(404, self.request('PUT', path, headers=self.user,
                                           json_body=body))
        resp = self.request('GET', path + '/blob', headers=self.user)
        self.assertError(405, resp)
        self.assertEqual('PUT', resp.headers['Allow'])
        self.assertError(404, self.request(
            'PUT', self.url(str(uuid.uuid4())) + '/signatures/blob',
            headers=self.user, json_body=body))
        self.assertError(404, self.request(
            'PUT', '/artifacts/no_such_type/%s/signatures/blob' % af['id'],
            headers=self.user, json_body=body))

    def test_new_data_drops_the_record(self):
        af = self.with_data(b'first data')
        self.upload(af['id'], 'dict_of_blobs', b'one', 'one')
        self.upload(af['id'], 'dict_of_blobs', b'two', 'two')
        key = signing.ec_key()
        entry_id = self.trusted(key)
        self.signed(af['id'], 'blob', signing.raw_body(
            key, b'first data', entry_id))
        for k in ('one', 'two'):
            self.signed(af['id'], 'dict_of_blobs', signing.raw_body(
                key, k.encode(), entry_id), key=k)
        # re-uploaded data: its record goes, the others stay
        doc = self.upload(af['id'], 'blob', b'second data')
        self.assertEqual({'dict_of_blobs/one', 'dict_of_blobs/two'},
                         set(doc['signatures']))
        # even the same bytes again: they were uploaded after the check
        doc = self.upload(af['id'], 'dict_of_blobs', b'one', 'one')
        self.assertEqual({'dict_of_blobs/two'}, set(doc['signatures']))
        # removed data: its record goes
        resp = self.delete(self.blob_path(af['id'], 'dict_of_blobs', 'two'),
                           headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual({}, resp.json()['signatures'])
        doc = self.upload(af['id'], 'dict_of_blobs', b'two', 'two')
        self.assertEqual({}, doc['signatures'])
        # the old signature does not verify the new data
        self.refused(400, af['id'], 'blob', signing.raw_body(
            key, b'first data', entry_id), 'does not match')
        doc = self.signed(af['id'], 'blob', signing.raw_body(
            key, b'second data', entry_id))
        self.assertEqual({'blob'}, set(doc['signatures']))

    def test_a_failed_upload_keeps_the_record(self):
        af = self.with_data(b'12345', 'small_blob')
        key = signing.ec_key()
        entry_id = self.trusted(key)
        record = self.signed(af['id'], 'small_blob', signing.raw_body(
            key, b'12345', entry_id))['signatures']['small_blob']

        def too_much():
            yield b'0123456789'
            yield b'0123456789'
        resp = self.request('PUT', self.blob_path(af['id'], 'small_blob'),
                            headers=self.user, data=too_much(),
                            content_type='application/octet-stream')
        self.assertError(413, resp)
        doc = self.show(af['id'])
        self.assertEqual(5, doc['small_blob']['size'])
        self.assertEqual({'small_blob': record}, doc['signatures'])

    def test_active_artifacts(self):
        af = self.with_data()
        self.upload(af['id'], 'dict_of_blobs', b'entry', 'k')
        key = signing.ec_key()
        first, second = self.trusted(key), self.trusted(
            signing.ec_key(tag='second'))
        # drafted: a new signature replaces the record
        self.signed(af['id'], 'blob', signing.raw_body(key, DATA, first))
        doc = self.signed(af['id'], 'blob', signing.raw_body(
            signing.ec_key(tag='second'), DATA, second))
        self.assertEqual(second, doc['signatures']['blob']['certificate_id'])
        self.activate(af['id'])
        # active: a blob is signed once
        body = self.refused(409, af['id'], 'blob', signing.raw_body(
            key, DATA, first), 'signed already')
        self.assertIn('active', body['error']['message'])
        doc = self.signed(af['id'], 'dict_of_blobs', signing.raw_body(
            key, b'entry', first), key='k')
        self.assertEqual({'blob', 'dict_of_blobs/k'}, set(doc['signatures']))
        self.refused(409, af['id'], 'dict_of_blobs', signing.raw_body(
            key, b'entry', first), 'signed already', key='k')
        # a mutable blob's new data is unsigned again, and may be signed
        doc = self.upload(af['id'], 'blob', b'new data')
        self.assertEqual({'dict_of_blobs/k'}, set(doc['signatures']))
        self.signed(af['id'], 'blob', signing.raw_body(key, b'new data',
                                                       first))
        # an immutable blob of an active artifact keeps its data
        self.assertError(403, self.put_data(af['id'], 'dict_of_blobs',
                                            b'tampered', 'k'))
        self.assertEqual({'blob', 'dict_of_blobs/k'},
                         set(self.show(af['id'])['signatures']))
        # deactivated: as active, a signed blob keeps its record (a blob
        # without one may be signed, so that a type that requires
        # signatures can reactivate it: test_signed_images)
        self.set_values(af['id'], headers=self.admin, status='deactivated')
        self.refused(409, af['id'], 'blob', signing.raw_body(
            key, b'new data', first), 'signed already', headers=self.admin)

    def test_who_signs(self):
        af = self.with_data()
        key = signing.ec_key()
        entry_id = self.trusted(key)
        body = signing.raw_body(key, DATA, entry_id)
        other = self.auth(self.new_project())
        # another project does not see the artifact
        self.refused(404, af['id'], 'blob', body, headers=other)
        # anonymous callers are refused before anything is looked at
        self.refused(401, af['id'], 'blob', body, headers={
            'X-Identity-Status': 'Confirmed', 'X-User-Id': 'u'})
        # public: only administrators sign, with the owner's or global
        # entries
        self.activate(af['id'])
        self.publish(af['id'])
        err = self.refused(403, af['id'], 'blob', body)
        self.assertIn('artifact:sign', err['error']['message'])
        doc = self.signed(af['id'], 'blob', body, headers=self.admin)
        self.assertEqual(entry_id,
                         doc['signatures']['blob']['certificate_id'])
        # public documents show the records to everyone
        self.assertEqual(doc['signatures'],
                         self.show(af['id'], headers=other)['signatures'])

    def test_the_data_signed_is_the_data_recorded(self):
        """A record speaks for the data the blob holds when it is read,
        whatever uploads race the check: stored data cannot change
        behind a record."""
        key = signing.ec_key()
        entry_id = self.trusted(key)
        old, new = os.urandom(6 << 20), os.urandom(6 << 20)
        body = signing.raw_body(key, old, entry_id)
        for _round in range(3):
            af = self.with_data(old)

            def signer(session, af=af):
                return self.request(
                    'PUT', '%s/signatures/blob' % self.url(af['id']),
                    headers=self.user, json_body=body,
                    session=session).status_code

            def uploader(session, af=af):
                return self.request(
                    'PUT', self.blob_path(af['id'], 'blob'),
                    headers=self.user, data=new, session=session,
                    content_type='application/octet-stream').status_code

            signed, uploaded = self.fire([signer, uploader])
            self.assertIn(signed, (200, 400, 409))
            self.assertIn(uploaded, (200, 409))
            doc = self.show(af['id'])
            if 'blob' in doc['signatures']:
                self.assertEqual(hashlib.sha256(old).hexdigest(),
                                 doc['blob']['sha256'])


@base.with_backends
class SignatureDocumentTests(SigningMixin):
    """Signatures in bundles and v0.1 documents, and in the schemas."""

    def test_schema_and_export(self):
        schema = self.get('/schemas/sample_artifact',
                          headers=self.user).json()['schemas'][
            'sample_artifact']
        prop = schema['properties']['signatures']
        self.assertEqual(('SignatureRecordDict', True, []),
                         (prop['glareType'], prop['readOnly'],
                          prop['filter_ops']))
        af = self.with_data(b'bundled data')
        key = signing.ec_key()
        entry_id = self.trusted(key)
        doc = self.signed(af['id'], 'blob', signing.raw_body(
            key, b'bundled data', entry_id))
        # the signatures field cannot be filtered or sorted on
        self.assertError(400, self.get(
            self.url() + '?signatures=x', headers=self.user))
        self.assertError(400, self.get(
            self.url() + '?sort=signatures', headers=self.user))
        # an export carries the document as shown; an import never takes
        # the records from it: they are verified again against the
        # importer's trust store (here the same project's, which has the
        # certificate: kept), or dropped (test_bundle_signatures)
        resp = self.get(self.url(af['id']) + '/bundle', headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.delete(self.url(af['id']), headers=self.user)
        resp = self.request('POST', '/artifacts/import', headers=self.user,
                            data=resp.content,
                            content_type='application/x-tar')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual([], resp.json()['signatures_dropped'])
        imported = self.show(af['id'])
        self.assertEqual(doc['blob']['sha256'], imported['blob']['sha256'])
        self.assertEqual(dict(doc['signatures']['blob'], verified_at=imported[
            'signatures']['blob']['verified_at']),
            imported['signatures']['blob'])
