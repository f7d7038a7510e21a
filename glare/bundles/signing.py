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

"""Signed bundle indexes: a detached signature over index.json.

The index names every manifest by its digest, each manifest its config
and layers: a signature of the index speaks for every byte of the bundle
(a reader checks each digest as it goes). It travels in the index itself,
as the annotation ``org.openstack.glare.signature``; OCI annotations are
a map of strings, so its value is a string, the canonical JSON
(``layout.canonical_json``) of::

    {"fingerprint_sha256": "<hex>",   sha256 of the DER SubjectPublicKeyInfo
                                      of the signing key (a certificate of
                                      the key or the bare public key both
                                      have it)
     "hash_method": "SHA-256" | "SHA-384" | "SHA-512",
     "key_type": "RSA-PSS" | "ECC_SECP256R1" | "ECC_SECP384R1"
                 | "ECC_SECP521R1",
     "signature": "<base64>"}

The signature covers the canonical bytes of the index WITHOUT that
annotation: the index.json the writer wrote. The reader requires every
JSON entry to be canonical, so those bytes are found again from a signed
index alone (``signed_bytes``). RSA keys sign with RSA-PSS (MGF1 with the
same hash, a salt as long as the digest), EC keys with ECDSA (DER), as
blob signatures are made; ``glare.common.crypto`` verifies both.

Pure: documents and bytes in, documents and bytes out; no files, no
network. Every fault of a key or a signature is a
``crypto.CryptoError`` saying what is wrong; a stream that is not a
bundle is a ``layout.LayoutError``.
"""

import base64
import dataclasses
import hashlib
import json
import re

from cryptography import exceptions as crypto_exc
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives import serialization

from glare.bundles import layout
from glare.bundles import tarstream
from glare.common import crypto

ANN_SIGNATURE = layout.ANN_SIGNATURE
#: the keys of the annotation's JSON object
KEYS = ('fingerprint_sha256', 'hash_method', 'key_type', 'signature')
DEFAULT_HASH_METHOD = 'SHA-256'
_FINGERPRINT_RE = re.compile(r'[0-9a-f]{64}')


@dataclasses.dataclass
class Signature:
    """The signature annotation of an index, read."""
    fingerprint_sha256: str
    hash_method: str
    key_type: str
    signature: bytes


def load_private_key(pem, password=None):
    """The private key in PEM text (bytes or str), decrypted with password
    (bytes) when it is encrypted; RSA of at least crypto.MIN_RSA_BITS or
    ECC on P-256, P-384 or P-521."""
    if isinstance(pem, str):
        pem = pem.encode('utf-8', 'replace')
    if b'-----BEGIN ' not in pem or b'PRIVATE KEY-----' not in pem:
        raise crypto.CryptoError('not a PEM private key (a "-----BEGIN ... '
                                 'PRIVATE KEY-----" block)')
    try:
        key = serialization.load_pem_private_key(pem, password=password)
    except TypeError as e:
        # cryptography says TypeError for a password missing or extra
        if password is None:
            raise crypto.CryptoError('the private key is encrypted: its '
                                     'password is needed') from e
        raise crypto.CryptoError('the private key is not encrypted, but a '
                                 'password was given') from e
    except ValueError as e:
        if password is not None:
            raise crypto.CryptoError('the private key cannot be read: the '
                                     'password is wrong or the key is '
                                     'damaged') from e
        raise crypto.CryptoError('the private key cannot be read: %s' % e
                                 ) from e
    except crypto_exc.UnsupportedAlgorithm as e:
        raise crypto.CryptoError('the private key is of an algorithm that '
                                 'is not supported: %s' % e) from e
    crypto.key_types(key.public_key())  # refuses DSA, Ed25519, weak RSA
    return key


def key_fingerprint(public_key):
    """The hex sha256 of a public key's DER SubjectPublicKeyInfo."""
    return hashlib.sha256(public_key.public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()


def _annotations(index):
    ann = index.get('annotations') if isinstance(index, dict) else None
    if not isinstance(ann, dict):
        raise layout.LayoutError('index.json has no annotations')
    return ann


def signed_bytes(index):
    """The bytes a signature of index (a document) covers: the canonical
    JSON of the index without its signature annotation."""
    unsigned = dict(index)
    unsigned['annotations'] = {k: v for k, v in _annotations(index).items()
                               if k != ANN_SIGNATURE}
    return layout.canonical_json(unsigned)


def sign_index(index, key, hash_method=DEFAULT_HASH_METHOD):
    """index (a document) with the signature annotation of key (a private
    key of load_private_key), replacing any it had."""
    if hash_method not in crypto.HASH_METHODS:
        raise crypto.CryptoError('hash_method %r is not supported (%s)' % (
            hash_method, ', '.join(crypto.HASH_METHODS)))
    key_type = crypto.key_types(key.public_key())[0]
    data = signed_bytes(index)
    algorithm = crypto.HASH_METHODS[hash_method][1]()
    if key_type == 'RSA-PSS':
        raw = key.sign(data, padding.PSS(
            mgf=padding.MGF1(algorithm),
            salt_length=padding.PSS.DIGEST_LENGTH), algorithm)
    else:
        raw = key.sign(data, ec.ECDSA(algorithm))
    value = {'fingerprint_sha256': key_fingerprint(key.public_key()),
             'hash_method': hash_method, 'key_type': key_type,
             'signature': base64.b64encode(raw).decode('ascii')}
    signed = dict(index)
    signed['annotations'] = dict(
        _annotations(index),
        **{ANN_SIGNATURE: layout.canonical_json(value).decode('utf-8')})
    return signed


def signature_of(index):
    """The Signature in index's annotation, or None when it has none;
    CryptoError when the annotation is malformed."""
    value = _annotations(index).get(ANN_SIGNATURE)
    if value is None:
        return None
    where = 'the annotation %s of index.json' % ANN_SIGNATURE
    try:
        doc = json.loads(value) if isinstance(value, str) else None
    except ValueError:
        doc = None
    if not isinstance(doc, dict) or sorted(doc) != sorted(KEYS) or \
            not all(isinstance(doc[k], str) for k in KEYS):
        raise crypto.CryptoError(
            '%s is malformed: a JSON object of the strings %s is expected' %
            (where, ', '.join(KEYS)))
    if not _FINGERPRINT_RE.fullmatch(doc['fingerprint_sha256']):
        raise crypto.CryptoError('%s has a malformed fingerprint_sha256 '
                                 '(64 lower case hex digits)' % where)
    try:
        crypto.check_method(doc['hash_method'], doc['key_type'])
        raw = crypto.decode_signature(doc['signature'])
    except crypto.CryptoError as e:
        raise crypto.CryptoError('%s: %s' % (where, e)) from e
    return Signature(doc['fingerprint_sha256'], doc['hash_method'],
                     doc['key_type'], raw)


def verify_index(index, trust):
    """The Signature of index (a document), verified with trust (the
    crypto.Trust of a certificate or public key); CryptoError saying why
    it does not verify, or that the index carries no signature."""
    signature = signature_of(index)
    if signature is None:
        raise crypto.CryptoError('the bundle is not signed: its index has '
                                 'no %s annotation' % ANN_SIGNATURE)
    mine = key_fingerprint(trust.public_key)
    if mine != signature.fingerprint_sha256:
        raise crypto.CryptoError(
            'the bundle is signed by another key (fingerprint %s), not by '
            'the key given (fingerprint %s)' % (
                signature.fingerprint_sha256, mine))
    verifier = crypto.Verifier(trust, signature.key_type,
                               signature.hash_method, signature.signature)
    verifier.update(signed_bytes(index))
    try:
        verifier.verify()
    except crypto.CryptoError as e:
        raise crypto.CryptoError(
            'the signature of the index does not verify with this key (%s, '
            '%s): the index was changed after it was signed, or the '
            'signature is damaged' % (signature.key_type,
                                      signature.hash_method)) from e
    return signature


def sign_stream(chunks, sign):
    """The bundle tar in chunks (an iterable of bytes) with its index.json
    replaced by sign(index document) (a document), re-encoded as the
    writer encodes it; every byte after the index passed on as it comes.

    The writer puts oci-layout and index.json first, so the signature is
    made before any blob goes by: nothing is held but the index.
    LayoutError when the stream does not start with those two entries.
    """
    tar = tarstream.TarReader(chunks)
    for name in (layout.LAYOUT_FILE, layout.INDEX_FILE):
        member = tar.next_member()
        if member is None or member.name != name:
            raise layout.LayoutError(
                'the bundle does not start with oci-layout and index.json '
                '(found %s)' % ('its end' if member is None
                                else member.name))
        if member.size > layout.MAX_JSON_SIZE:
            raise layout.LayoutError(
                '%s is %d bytes, over the %d-byte limit of a JSON entry' % (
                    name, member.size, layout.MAX_JSON_SIZE), name)
        data = tar.read_all(member)
        if name == layout.INDEX_FILE:
            data = layout.canonical_json(sign(layout.load_json(data, name)))
            if len(data) > layout.MAX_JSON_SIZE:
                raise layout.LayoutError(
                    'the signed index is %d bytes, over the %d-byte limit '
                    'of a JSON entry' % (len(data), layout.MAX_JSON_SIZE),
                    name)
        yield tarstream.header(name, len(data)) + data + \
            tarstream.padding(len(data))
    yield from tar.remainder()
