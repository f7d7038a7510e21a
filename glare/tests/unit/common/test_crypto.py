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

"""Tests of glare.common.crypto with keys and certificates made here."""

import base64
import datetime
import hashlib
import json
import os

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization

from glare.common import crypto
from glare.tests import base
from glare.tests.fixtures import signing

DATA = os.urandom(300000)
DAY = datetime.timedelta(days=1)


def naive(when):
    return when.astimezone(datetime.timezone.utc).replace(tzinfo=None)


class TestLoadTrust(base.TestCase):

    def test_self_signed_rsa_certificate(self):
        key = signing.rsa_key()
        cert = signing.certificate(key, 'alice')
        trust = crypto.load_trust(signing.cert_pem(cert))
        self.assertEqual('certificate', trust.kind)
        self.assertEqual(signing.fingerprint(cert), trust.fingerprint_sha256)
        self.assertEqual('CN=alice,O=Glare tests', trust.subject)
        self.assertEqual(naive(cert.not_valid_before_utc), trust.not_before)
        self.assertEqual(naive(cert.not_valid_after_utc), trust.not_after)
        self.assertEqual(('RSA-PSS',), trust.key_types)
        self.assertEqual(signing.cert_pem(cert), trust.pem)

    def test_ca_issued_ec_certificate_as_bytes(self):
        for key_type in signing.CURVES:
            cert, ca = signing.ca_issued(signing.ec_key(key_type), 'bob')
            trust = crypto.load_trust(signing.cert_pem(cert).encode())
            self.assertEqual((key_type,), trust.key_types)
            self.assertEqual(signing.fingerprint(cert),
                             trust.fingerprint_sha256)
            self.assertNotEqual(signing.fingerprint(ca),
                                trust.fingerprint_sha256)

    def test_chain_keeps_the_first_certificate_only(self):
        cert, ca = signing.ca_issued(signing.ec_key(), 'leaf')
        trust = crypto.load_trust(signing.cert_pem(cert) +
                                  signing.cert_pem(ca))
        self.assertEqual(signing.cert_pem(cert), trust.pem)
        self.assertIn('CN=leaf', trust.subject)

    def test_bare_public_keys(self):
        for key in (signing.rsa_key(), signing.ec_key('ECC_SECP384R1')):
            pem = signing.public_pem(key)
            trust = crypto.load_trust(pem)
            self.assertEqual('public_key', trust.kind)
            self.assertIsNone(trust.subject)
            self.assertIsNone(trust.not_before)
            self.assertIsNone(trust.not_after)
            der = key.public_key().public_bytes(
                serialization.Encoding.DER,
                serialization.PublicFormat.SubjectPublicKeyInfo)
            self.assertEqual(hashlib.sha256(der).hexdigest(),
                             trust.fingerprint_sha256)
            self.assertEqual(pem, trust.pem)

    def test_pkcs1_rsa_public_key_is_stored_as_spki(self):
        key = signing.rsa_key()
        pkcs1 = key.public_key().public_bytes(
            serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
        self.assertIn(b'BEGIN RSA PUBLIC KEY', pkcs1)
        trust = crypto.load_trust(pkcs1)
        self.assertEqual(signing.public_pem(key), trust.pem)

    def assertRefused(self, fragment, pem, **kwargs):
        err = self.assertRaises(crypto.CryptoError, crypto.load_trust, pem,
                                **kwargs)
        self.assertIsInstance(err, ValueError)
        self.assertIn(fragment, str(err))
        return err

    def test_expired_and_not_yet_valid(self):
        now = signing.utcnow()
        key = signing.ec_key()
        expired = signing.certificate(key, not_before=now - 3 * DAY,
                                      not_after=now - DAY)
        self.assertRefused('expired on', signing.cert_pem(expired))
        future = signing.certificate(key, not_before=now + DAY,
                                     not_after=now + 3 * DAY)
        self.assertRefused('not valid before', signing.cert_pem(future))
        # the same certificates at another time
        self.assertEqual('certificate', crypto.load_trust(
            signing.cert_pem(future), now=naive(now + 2 * DAY)).kind)
        self.assertEqual('certificate', crypto.load_trust(
            signing.cert_pem(expired), now=naive(now - 2 * DAY)).kind)

    def test_not_pem_and_malformed(self):
        self.assertRefused('not PEM', 'hello')
        self.assertRefused('not PEM', b'\x00\xff' * 40)
        self.assertRefused('not PEM', None)
        self.assertRefused('not PEM', 42)
        self.assertRefused('certificate cannot be read',
                           '-----BEGIN CERTIFICATE-----\nAAAA\n'
                           '-----END CERTIFICATE-----\n')
        pem = signing.cert_pem(signing.certificate(signing.ec_key()))
        lines = pem.splitlines()
        lines[3] = lines[3][:10] + lines[3][11:]  # a character dropped
        self.assertRefused('certificate cannot be read', '\n'.join(lines))
        self.assertRefused('public key cannot be read',
                           '-----BEGIN PUBLIC KEY-----\nAAAA\n'
                           '-----END PUBLIC KEY-----\n')

    def test_private_keys_are_refused_even_next_to_a_certificate(self):
        key = signing.ec_key()
        err = self.assertRefused('private key', signing.private_pem(key))
        self.assertNotIn('PRIVATE KEY-----', str(err))
        both = signing.cert_pem(signing.certificate(key)) + \
            signing.private_pem(key)
        self.assertRefused('private key', both)
        traditional = signing.rsa_key().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption())
        self.assertRefused('private key', traditional)

    def test_dsa_refused(self):
        key = signing.dsa_key()
        self.assertRefused('DSA keys are not supported',
                           signing.public_pem(key))
        cert = signing.certificate(key)
        self.assertRefused('DSA keys are not supported',
                           signing.cert_pem(cert))

    def test_weak_rsa_refused(self):
        key = rsa.generate_private_key(public_exponent=65537, key_size=1024)
        self.assertRefused('1024 bits are too weak', signing.public_pem(key))

    def test_other_curves_and_kinds_refused(self):
        k1 = ec.generate_private_key(ec.SECP256K1())
        self.assertRefused('secp256k1 is not supported',
                           signing.public_pem(k1))
        edkey = ed25519.Ed25519PrivateKey.generate()
        self.assertRefused('keys are not supported', signing.public_pem(edkey))


class TestDecodeSignature(base.TestCase):

    def test_forms(self):
        raw = os.urandom(257)
        std = base64.b64encode(raw).decode()
        self.assertEqual(raw, crypto.decode_signature(std))
        self.assertEqual(raw, crypto.decode_signature(std.rstrip('=')))
        self.assertEqual(raw, crypto.decode_signature(
            base64.urlsafe_b64encode(raw).decode()))
        wrapped = '\n'.join(std[i:i + 64] for i in range(0, len(std), 64))
        self.assertEqual(raw, crypto.decode_signature(wrapped + '\n'))

    def test_refused(self):
        for value, fragment in (('', 'non-empty'), ('  \n', 'non-empty'),
                                (None, 'non-empty'), (b'AAAA', 'non-empty'),
                                ('AA*A', 'not valid base64'),
                                ('é', 'not valid base64'),
                                ('A' * 5000, 'longer than'),
                                ('A' * 7000, 'longer than')):
            err = self.assertRaises(crypto.CryptoError,
                                    crypto.decode_signature, value)
            self.assertIn(fragment, str(err), value)
        err = self.assertRaises(crypto.CryptoError, crypto.decode_signature,
                                '', 'messageSignature.signature')
        self.assertIn('messageSignature.signature', str(err))


def verify(trust, key_type, hash_method, signature, data=DATA, chunk=65536):
    verifier = crypto.Verifier(trust, key_type, hash_method, signature)
    for i in range(0, len(data), chunk):
        verifier.update(data[i:i + chunk])
    verifier.verify()
    return verifier


class TestVerifier(base.TestCase):

    def setUp(self):
        super().setUp()
        self.rsa = signing.rsa_key()
        self.rsa_trust = crypto.load_trust(signing.cert_pem(
            signing.certificate(self.rsa)))

    def test_rsa_pss_any_salt_length_any_hash(self):
        for hash_method, cls in signing.HASHES.items():
            size = cls.digest_size
            for salt in (None, size, 0, 20, padding.PSS.DIGEST_LENGTH):
                sig = signing.sign(self.rsa, DATA, hash_method, salt)
                verify(self.rsa_trust, 'RSA-PSS', hash_method, sig)

    def test_rsa_4096(self):
        key = signing.rsa_key(4096)
        trust = crypto.load_trust(signing.public_pem(key))
        verify(trust, 'RSA-PSS', 'SHA-512',
               signing.sign(key, DATA, 'SHA-512'))

    def test_ecdsa_every_curve_and_hash(self):
        for key_type in signing.CURVES:
            key = signing.ec_key(key_type)
            cert, _ca = signing.ca_issued(key)
            trust = crypto.load_trust(signing.cert_pem(cert))
            for hash_method in signing.HASHES:
                verify(trust, key_type, hash_method,
                       signing.sign(key, DATA, hash_method))

    def test_chunking_does_not_matter(self):
        sig = signing.sign(self.rsa, DATA)
        for chunk in (1 << 20, 4096, 7, len(DATA)):
            verify(self.rsa_trust, 'RSA-PSS', 'SHA-256', sig, chunk=chunk)
        verifier = crypto.Verifier(self.rsa_trust, 'RSA-PSS', 'SHA-256', sig)
        verifier.verify(hashlib.sha256(DATA).digest())
        self.assertEqual(hashlib.sha256(b'').digest(), verifier.digest())

    def test_empty_data(self):
        sig = signing.sign(self.rsa, b'')
        verify(self.rsa_trust, 'RSA-PSS', 'SHA-256', sig, data=b'')

    def assertBad(self, fragment, trust, key_type, hash_method, signature,
                  data=DATA):
        err = self.assertRaises(crypto.CryptoError, verify, trust, key_type,
                                hash_method, signature, data)
        self.assertIn(fragment, str(err))

    def test_wrong_key(self):
        other = signing.rsa_key(tag='other')
        self.assertBad('does not match', self.rsa_trust, 'RSA-PSS',
                       'SHA-256', signing.sign(other, DATA))
        ec1, ec2 = signing.ec_key(), signing.ec_key(tag='other')
        trust = crypto.load_trust(signing.public_pem(ec2))
        self.assertBad('does not match', trust, 'ECC_SECP256R1', 'SHA-256',
                       signing.sign(ec1, DATA))

    def test_other_data(self):
        sig = signing.sign(self.rsa, DATA + b'!')
        self.assertBad('does not match', self.rsa_trust, 'RSA-PSS',
                       'SHA-256', sig)
        self.assertBad('does not match', self.rsa_trust, 'RSA-PSS',
                       'SHA-256', signing.sign(self.rsa, DATA),
                       data=DATA[:-1])

    def test_truncated_and_bit_flipped(self):
        for key, key_type, trust in (
                (self.rsa, 'RSA-PSS', self.rsa_trust),
                (signing.ec_key('ECC_SECP384R1'), 'ECC_SECP384R1', None)):
            trust = trust or crypto.load_trust(signing.public_pem(key))
            sig = signing.sign(key, DATA)
            for bad in (sig[:-1], sig[:len(sig) // 2], sig[1:],
                        signing.flip_bit(sig), signing.flip_bit(sig, 0),
                        signing.flip_bit(sig, len(sig) - 1), sig + b'\x00',
                        b'\x00' * len(sig)):
                self.assertBad('signature', trust, key_type, 'SHA-256', bad)

    def test_hash_method_mismatch(self):
        sig = signing.sign(self.rsa, DATA, 'SHA-256')
        for other in ('SHA-384', 'SHA-512'):
            self.assertBad('does not match', self.rsa_trust, 'RSA-PSS',
                           other, sig)
        key = signing.ec_key()
        trust = crypto.load_trust(signing.public_pem(key))
        self.assertBad('does not match', trust, 'ECC_SECP256R1', 'SHA-512',
                       signing.sign(key, DATA, 'SHA-256'))

    def test_key_type_mismatch(self):
        key = signing.ec_key()
        trust = crypto.load_trust(signing.public_pem(key))
        sig = signing.sign(key, DATA)
        for key_type in ('RSA-PSS', 'ECC_SECP384R1', 'ECC_SECP521R1'):
            err = self.assertRaises(crypto.CryptoError, crypto.Verifier,
                                    trust, key_type, 'SHA-256', sig)
            self.assertIn('cannot make %s signatures (it makes '
                          'ECC_SECP256R1)' % key_type, str(err))
        err = self.assertRaises(crypto.CryptoError, crypto.Verifier,
                                self.rsa_trust, 'ECC_SECP256R1', 'SHA-256',
                                sig)
        self.assertIn('it makes RSA-PSS', str(err))

    def test_pkcs1v15_is_not_pss(self):
        sig = self.rsa.sign(DATA, padding.PKCS1v15(), hashes.SHA256())
        self.assertBad('does not match', self.rsa_trust, 'RSA-PSS',
                       'SHA-256', sig)

    def test_unknown_names_and_empty_signature(self):
        sig = signing.sign(self.rsa, DATA)
        for hash_method, key_type, fragment in (
                ('MD5', 'RSA-PSS', "hash_method 'MD5'"),
                ('sha256', 'RSA-PSS', "hash_method 'sha256'"),
                (None, 'RSA-PSS', 'hash_method None'),
                ('SHA-256', 'DSA', "key_type 'DSA'"),
                ('SHA-256', 'RSA', "key_type 'RSA'")):
            err = self.assertRaises(crypto.CryptoError, crypto.Verifier,
                                    self.rsa_trust, key_type, hash_method,
                                    sig)
            self.assertIn(fragment, str(err))
            self.assertIn('is not supported', str(err))
        for empty in (b'', None, 'text'):
            err = self.assertRaises(crypto.CryptoError, crypto.Verifier,
                                    self.rsa_trust, 'RSA-PSS', 'SHA-256',
                                    empty)
            self.assertIn('empty', str(err))

    def test_random_bytes_never_escape_as_other_errors(self):
        ec_trust = crypto.load_trust(signing.public_pem(signing.ec_key()))
        for size in (1, 2, 8, 64, 71, 72, 255, 256, 257, 512):
            junk = os.urandom(size)
            self.assertBad('signature', self.rsa_trust, 'RSA-PSS', 'SHA-256',
                           junk, data=b'x')
            self.assertBad('signature', ec_trust, 'ECC_SECP256R1',
                           'SHA-256', junk, data=b'x')


class TestSigstore(base.TestCase):

    def setUp(self):
        super().setUp()
        self.key = signing.ec_key()
        self.trust = crypto.load_trust(signing.public_pem(self.key))

    def test_parts(self):
        doc = signing.sigstore_bundle(self.key, DATA, 'entry-id')
        parts = crypto.sigstore_bundle(doc)
        self.assertEqual('entry-id', parts.hint)
        self.assertEqual('SHA-256', parts.hash_method)
        self.assertEqual(hashlib.sha256(DATA).digest(), parts.digest)
        key_type = crypto.sigstore_key_type(self.trust, parts.hash_method)
        self.assertEqual('ECC_SECP256R1', key_type)
        verifier = crypto.Verifier(self.trust, key_type, parts.hash_method,
                                   parts.signature)
        verifier.update(DATA)
        self.assertTrue(crypto.same_digest(parts.digest, verifier.digest()))
        verifier.verify(parts.digest)

    def test_curve_hashes_and_rsa(self):
        for key_type, hash_method in (('ECC_SECP384R1', 'SHA-384'),
                                      ('ECC_SECP521R1', 'SHA-512')):
            trust = crypto.load_trust(signing.public_pem(
                signing.ec_key(key_type)))
            self.assertEqual(key_type,
                             crypto.sigstore_key_type(trust, hash_method))
            err = self.assertRaises(crypto.CryptoError,
                                    crypto.sigstore_key_type, trust,
                                    'SHA-256')
            self.assertIn('signs %s digests' % hash_method, str(err))
        rsa_trust = crypto.load_trust(signing.public_pem(signing.rsa_key()))
        for hash_method in signing.HASHES:
            self.assertEqual('RSA-PSS', crypto.sigstore_key_type(
                rsa_trust, hash_method))

    def test_malformed_bundles(self):
        good = signing.sigstore_bundle(self.key, DATA, 'h')

        def edited(change):
            doc = signing.sigstore_bundle(self.key, DATA, 'h')
            change(doc)
            return doc

        def drop(*path):
            def change(doc):
                for key in path[:-1]:
                    doc = doc[key]
                del doc[path[-1]]
            return change

        def put(value, *path):
            def change(doc):
                for key in path[:-1]:
                    doc = doc[key]
                doc[path[-1]] = value
            return change

        cases = [
            ([good], 'a JSON object'),
            ('text', 'a JSON object'),
            (edited(put('application/json', 'mediaType')), 'mediaType'),
            (edited(drop('mediaType')), 'mediaType'),
            (edited(drop('verificationMaterial', 'publicKey')),
             'only key-based'),
            (edited(put({'rawBytes': 'AAAA'}, 'verificationMaterial',
                        'publicKey')), 'only key-based'),
            (edited(put('', 'verificationMaterial', 'publicKey', 'hint')),
             'only key-based'),
            (edited(put([], 'verificationMaterial')), 'only key-based'),
            (edited(drop('messageSignature')), 'DSSE'),
            (edited(drop('messageSignature', 'messageDigest')),
             'messageDigest is missing'),
            (edited(put('SHA1', 'messageSignature', 'messageDigest',
                        'algorithm')), "algorithm 'SHA1'"),
            (edited(put(base64.b64encode(b'x' * 31).decode(),
                        'messageSignature', 'messageDigest', 'digest')),
             'wrong length'),
            (edited(put('!!', 'messageSignature', 'messageDigest',
                        'digest')), 'messageDigest.digest is not valid'),
            (edited(drop('messageSignature', 'signature')),
             'messageSignature.signature must be'),
        ]
        for doc, fragment in cases:
            err = self.assertRaises(crypto.CryptoError,
                                    crypto.sigstore_bundle, doc)
            self.assertIn(fragment, str(err))

    def test_a_bundle_of_other_data_parses_but_its_digest_differs(self):
        parts = crypto.sigstore_bundle(
            signing.sigstore_bundle(self.key, DATA + b'x', 'h'))
        self.assertFalse(crypto.same_digest(
            parts.digest, hashlib.sha256(DATA).digest()))


class TestSigstoreModels(base.TestCase):
    """Our bundles read by a tool no one here wrote: sigstore-models, the
    Sigstore project's models of its protobuf specifications. (The
    ``sigstore`` package's verifier cannot be the cross-check: it refuses
    key-based bundles, wanting a Fulcio certificate and log entries.)"""

    def test_the_v03_shape(self):
        from sigstore_models.bundle import v1 as bundle_v1

        for key_type, hash_method, name in (
                ('ECC_SECP256R1', 'SHA-256', 'SHA2_256'),
                ('ECC_SECP384R1', 'SHA-384', 'SHA2_384')):
            key = signing.ec_key(key_type)
            doc = signing.sigstore_bundle(key, DATA, 'entry-id', hash_method)
            model = bundle_v1.Bundle.from_json(json.dumps(doc))
            self.assertEqual(crypto.SIGSTORE_MEDIA_TYPE, model.media_type)
            self.assertEqual('entry-id',
                             model.verification_material.public_key.hint)
            signed = model.message_signature
            self.assertEqual(name, signed.message_digest.algorithm.name)
            # what the models read is what Glare reads
            parts = crypto.sigstore_bundle(doc)
            self.assertEqual(parts.digest, _raw(signed.message_digest.digest))
            self.assertEqual(parts.signature, _raw(signed.signature))
            crypto.Verifier(crypto.load_trust(signing.public_pem(key)),
                            key_type, hash_method,
                            parts.signature).verify(parts.digest)


def _raw(value):
    """bytes of a models' bytes field (bytes, or base64 text)."""
    return value if isinstance(value, bytes) else base64.b64decode(value)
