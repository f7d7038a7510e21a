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

"""Signed bundle indexes: the annotation's shape, what it covers, keys,
and a bundle stream re-written with a signed index."""

import base64
import hashlib
import io
import json
import tarfile

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization
import jsonschema
import oras.schemas

from glare.bundles import layout
from glare.bundles import reader
from glare.bundles import signing
from glare.bundles import writer
from glare.common import crypto
from glare.tests import base
from glare.tests.fixtures import signing as keys
from glare.tests.unit.bundles import test_layout

ANN = 'org.openstack.glare.signature'


def trust_of(key):
    return crypto.load_trust(keys.cert_pem(keys.certificate(key)))


def index_of(data):
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:') as tar:
        return tar.extractfile('index.json').read()


class IndexSignatureTests(base.TestCase):

    def setUp(self):
        super().setUp()
        self.plan = writer.plan_bundle(test_layout.sample(),
                                       test_layout.ROOT)
        self.index = self.plan.index

    def test_the_annotation_is_a_compact_json_string_of_four_keys(self):
        key = keys.rsa_key()
        signed = signing.sign_index(self.index, key)
        # the input is left alone; one annotation is added
        self.assertNotIn(ANN, self.index['annotations'])
        self.assertEqual(dict(self.index['annotations'], **{
            ANN: signed['annotations'][ANN]}), signed['annotations'])
        self.assertEqual({k: v for k, v in self.index.items()
                          if k != 'annotations'},
                         {k: v for k, v in signed.items()
                          if k != 'annotations'})
        value = signed['annotations'][ANN]
        self.assertIsInstance(value, str)
        doc = json.loads(value)
        self.assertEqual(layout.canonical_json(doc).decode(), value)
        spki = key.public_key().public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo)
        self.assertEqual({'fingerprint_sha256': hashlib.sha256(
            spki).hexdigest(), 'hash_method': 'SHA-256',
            'key_type': 'RSA-PSS', 'signature': doc['signature']}, doc)
        # the signature covers the index exactly as the writer wrote it
        # (canonical, without the annotation): checked here with the
        # cryptography package directly, RSA-PSS with a digest-long salt
        raw = base64.b64decode(doc['signature'])
        key.public_key().verify(
            raw, index_of(b''.join(self.plan.chunks())),
            padding.PSS(mgf=padding.MGF1(hashes.SHA256()),
                        salt_length=32), hashes.SHA256())
        self.assertEqual(signing.signed_bytes(signed),
                         signing.signed_bytes(self.index))

    def test_an_index_signed_stays_a_valid_oci_image_index(self):
        signed = signing.sign_index(self.index, keys.ec_key())
        jsonschema.validate(signed, test_layout.INDEX_SCHEMA)
        jsonschema.validate(signed, oras.schemas.index)
        for value in signed['annotations'].values():
            self.assertIsInstance(value, str)

    def test_every_key_type_and_hash_method_verifies(self):
        for key in (keys.rsa_key(), keys.rsa_key(3072),
                    keys.ec_key('ECC_SECP256R1'), keys.ec_key('ECC_SECP384R1'),
                    keys.ec_key('ECC_SECP521R1')):
            for method in ('SHA-256', 'SHA-384', 'SHA-512'):
                signed = signing.sign_index(self.index, key, method)
                sig = signing.verify_index(signed, trust_of(key))
                self.assertEqual(method, sig.hash_method)
                self.assertEqual(crypto.key_types(key.public_key())[0],
                                 sig.key_type)
                # a bare public key verifies as its certificate does
                signing.verify_index(signed, crypto.load_trust(
                    keys.public_pem(key)))
        ec_sig = signing.signature_of(signing.sign_index(
            self.index, keys.ec_key('ECC_SECP384R1')))
        self.assertEqual('ECC_SECP384R1', ec_sig.key_type)

    def test_signing_again_replaces_the_signature(self):
        once = signing.sign_index(self.index, keys.rsa_key())
        twice = signing.sign_index(once, keys.ec_key())
        self.assertEqual(set(once['annotations']), set(twice['annotations']))
        signing.verify_index(twice, trust_of(keys.ec_key()))
        self.assertRaises(crypto.CryptoError, signing.verify_index, twice,
                          trust_of(keys.rsa_key()))

    def test_unsigned_wrong_key_and_tampered_indexes_say_why(self):
        key = keys.ec_key()
        signed = signing.sign_index(self.index, key)
        self.assertIsNone(signing.signature_of(self.index))
        e = self.assertRaises(crypto.CryptoError, signing.verify_index,
                              self.index, trust_of(key))
        self.assertIn('not signed', str(e))
        e = self.assertRaises(crypto.CryptoError, signing.verify_index,
                              signed, trust_of(keys.ec_key(tag='other')))
        self.assertIn('signed by another key', str(e))
        # a manifest digest changed after signing
        tampered = json.loads(json.dumps(signed))
        tampered['manifests'][0]['digest'] = 'sha256:' + '1' * 64
        e = self.assertRaises(crypto.CryptoError, signing.verify_index,
                              tampered, trust_of(key))
        self.assertIn('index was changed after it was signed', str(e))
        # an annotation added after signing is covered too
        tampered = json.loads(json.dumps(signed))
        tampered['annotations']['org.example'] = 'x'
        self.assertRaises(crypto.CryptoError, signing.verify_index,
                          tampered, trust_of(key))
        # the signature itself damaged
        doc = json.loads(signed['annotations'][ANN])
        doc['signature'] = keys.b64(keys.flip_bit(base64.b64decode(
            doc['signature'])))
        tampered = dict(signed, annotations=dict(signed['annotations'], **{
            ANN: json.dumps(doc)}))
        e = self.assertRaises(crypto.CryptoError, signing.verify_index,
                              tampered, trust_of(key))
        self.assertIn('does not verify', str(e))

    def test_a_malformed_annotation_is_named(self):
        good = json.loads(signing.sign_index(
            self.index, keys.ec_key())['annotations'][ANN])
        for value, reason in (
                ('not json', 'malformed'),
                ('[]', 'malformed'),
                (json.dumps(dict(good, extra='x')), 'malformed'),
                (json.dumps({k: v for k, v in good.items()
                             if k != 'key_type'}), 'malformed'),
                (json.dumps(dict(good, key_type=1)), 'malformed'),
                (json.dumps(dict(good, fingerprint_sha256='AB' * 32)),
                 'fingerprint_sha256'),
                (json.dumps(dict(good, hash_method='MD5')), "'MD5'"),
                (json.dumps(dict(good, key_type='DSA')), "'DSA'"),
                (json.dumps(dict(good, signature='***')), 'base64')):
            index = dict(self.index, annotations=dict(
                self.index['annotations'], **{ANN: value}))
            e = self.assertRaises(crypto.CryptoError, signing.signature_of,
                                  index)
            self.assertIn(reason, str(e))
            self.assertIn(ANN, str(e))

    def test_refused_hash_method(self):
        e = self.assertRaises(crypto.CryptoError, signing.sign_index,
                              self.index, keys.rsa_key(), 'SHA-1')
        self.assertIn("'SHA-1' is not supported", str(e))


class PrivateKeyTests(base.TestCase):

    def pem(self, key, password=None, fmt=serialization.PrivateFormat.PKCS8):
        encryption = serialization.NoEncryption() if password is None else \
            serialization.BestAvailableEncryption(password)
        return key.private_bytes(serialization.Encoding.PEM, fmt,
                                 encryption)

    def test_rsa_and_ec_keys_plain_or_encrypted(self):
        for key, fmt in (
                (keys.rsa_key(), serialization.PrivateFormat.PKCS8),
                (keys.rsa_key(), serialization.PrivateFormat.
                 TraditionalOpenSSL),
                (keys.ec_key('ECC_SECP521R1'),
                 serialization.PrivateFormat.PKCS8),
                (keys.ec_key(), serialization.PrivateFormat.
                 TraditionalOpenSSL)):
            for password in (None, b's3cret'):
                loaded = signing.load_private_key(
                    self.pem(key, password, fmt), password)
                self.assertEqual(signing.key_fingerprint(key.public_key()),
                                 signing.key_fingerprint(
                                     loaded.public_key()))

    def test_refusals_say_why(self):
        rsa = keys.rsa_key()
        for pem, password, reason in (
                (self.pem(rsa, b'pw'), None, 'encrypted: its password is '
                 'needed'),
                (self.pem(rsa, b'pw'), b'wrong', 'password is wrong'),
                (self.pem(rsa), b'pw', 'not encrypted'),
                (keys.cert_pem(keys.certificate(rsa)).encode(), None,
                 'not a PEM private key'),
                (b'garbage', None, 'not a PEM private key'),
                (b'-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE '
                 b'KEY-----\n', None, 'cannot be read'),
                (self.pem(keys.rsa_key(1024)), None, 'too weak'),
                (self.pem(keys.dsa_key()), None, 'DSA keys are not'),
                (self.pem(ed25519.Ed25519PrivateKey.generate()), None,
                 'not supported'),
                (self.pem(ec.generate_private_key(ec.SECP256K1())), None,
                 'secp256k1')):
            e = self.assertRaises(crypto.CryptoError,
                                  signing.load_private_key, pem, password)
            self.assertIn(reason, str(e))
            self.assertNotIn('PRIVATE KEY-----\n', str(e))


class SignStreamTests(base.TestCase):

    def test_the_index_is_replaced_the_rest_passed_on(self):
        key = keys.rsa_key()
        data = test_layout.bundle()
        out = b''.join(signing.sign_stream(
            test_layout.pieces(data, 1000),
            lambda index: signing.sign_index(index, key, 'SHA-512')))
        with tarfile.open(fileobj=io.BytesIO(data), mode='r:') as tar:
            before = [(m.name, tar.extractfile(m).read())
                      for m in tar.getmembers()]
        with tarfile.open(fileobj=io.BytesIO(out), mode='r:') as tar:
            after = [(m.name, tar.extractfile(m).read())
                     for m in tar.getmembers()]
        self.assertEqual([n for n, _d in before], [n for n, _d in after])
        self.assertEqual(before[:1] + before[2:], after[:1] + after[2:])
        index = json.loads(after[1][1])
        self.assertEqual(layout.canonical_json(index), after[1][1])
        self.assertEqual(before[1][1], signing.signed_bytes(index))
        signing.verify_index(index, trust_of(key))
        # the bytes after the index are the very bytes of the input
        tail = len(data) - data.index(before[2][0].encode())
        self.assertEqual(data[-tail:], out[-tail:])
        # the reader takes the signed bundle (the annotation is a string)
        events = list(test_layout.read_all(out))
        self.assertEqual(index, events[1][1])
        self.assertEqual(len(test_layout.read_all(data)), len(events))

    def test_the_rewrite_is_chunk_size_blind(self):
        data = test_layout.bundle()

        def sign(index):  # deterministic, unlike ECDSA and RSA-PSS
            return dict(index, annotations=dict(index['annotations'],
                                                **{ANN: 'x'}))
        outs = {b''.join(signing.sign_stream(test_layout.pieces(data, size),
                                             sign))
                for size in (1, 511, 512, 4096, 10 ** 7)}
        self.assertEqual(1, len(outs))
        self.assertNotEqual(data, outs.pop())

    def test_a_stream_that_is_not_a_bundle(self):
        data = test_layout.bundle()
        with tarfile.open(fileobj=io.BytesIO(data), mode='r:') as tar:
            members = [(m.name, tar.extractfile(m).read())
                       for m in tar.getmembers()]
        swapped = b''.join(test_layout.member(n, d) for n, d in
                           [members[1], members[0]] + members[2:]) + \
            bytes(1024)
        for stream, reason in (
                (swapped, 'does not start with oci-layout'),
                (bytes(1024), 'found its end'),
                (data[:700], 'truncated')):
            e = self.assertRaises(
                layout.LayoutError, lambda s=stream: b''.join(
                    signing.sign_stream([s], lambda i: i)))
            self.assertIn(reason, str(e))

    def test_a_rebuilt_plan_keeps_the_signature_annotation(self):
        signed = signing.sign_index(
            writer.plan_bundle(test_layout.sample(), test_layout.ROOT).index,
            keys.ec_key())
        plan = writer.plan_bundle(test_layout.sample(), test_layout.ROOT,
                                  {ANN: signed['annotations'][ANN]})
        self.assertEqual(signed, plan.index)
        self.assertEqual(layout.digest_of(layout.canonical_json(signed)),
                         plan.index_digest)
        for bad in ({'org.openstack.glare.bundle.version': '1'}, {ANN: 7}):
            self.assertRaises(layout.LayoutError, writer.plan_bundle,
                              test_layout.sample(), test_layout.ROOT, bad)
        # read back: the annotation is an ordinary string annotation
        for event in reader.read_bundle([b''.join(plan.chunks())]):
            if event.kind == 'blob':
                list(event.chunks)
