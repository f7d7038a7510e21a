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

"""Trust material and signature checks, with the cryptography package only.

Pure: bytes in, answers out; nothing here reads a store, the database or
the network. Every failure is a CryptoError (a ValueError) whose message
says what is wrong in words a user can act on; no exception of the
cryptography package escapes.

- load_trust(pem, now): an X.509 certificate or a bare public key (PEM),
  its sha256 fingerprint (of the certificate's DER, or of the key's
  SubjectPublicKeyInfo DER), subject and validity; expired,
  not-yet-valid, malformed material and unsupported keys (DSA, ...) are
  refused.
- Verifier(key, key_type, hash_method, signature): update(chunk) as the
  data streams (hashlib, which releases the GIL), then verify(); the
  signature is checked over the digest (Prehashed): one pass over the
  data whatever its size. RSA-PSS is checked with any salt length (the
  salt length is read from the signature: openssl's and Glance's
  defaults both verify); ECC with ECDSA on the named curve.
- sigstore_bundle(doc): the parts of a key-based Sigstore bundle v0.3.
"""

import base64
import binascii
import dataclasses
import datetime
import hashlib
import hmac

from cryptography import exceptions as crypto_exc
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.asymmetric import utils as asym_utils
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization

#: hash_method -> (hashlib name, cryptography hash class)
HASH_METHODS = {
    'SHA-256': ('sha256', hashes.SHA256),
    'SHA-384': ('sha384', hashes.SHA384),
    'SHA-512': ('sha512', hashes.SHA512),
}
#: key_type -> the curve class (None: RSA-PSS)
KEY_TYPES = {
    'RSA-PSS': None,
    'ECC_SECP256R1': ec.SECP256R1,
    'ECC_SECP384R1': ec.SECP384R1,
    'ECC_SECP521R1': ec.SECP521R1,
}
#: the smallest RSA key accepted
MIN_RSA_BITS = 2048
#: the longest signature accepted, decoded (RSA-16384 is 2048 bytes)
MAX_SIGNATURE_BYTES = 2048
SIGSTORE_MEDIA_TYPE = 'application/vnd.dev.sigstore.bundle.v0.3+json'
#: Sigstore's names of digest algorithms -> hash_method
SIGSTORE_DIGESTS = {'SHA2_256': 'SHA-256', 'SHA2_384': 'SHA-384',
                    'SHA2_512': 'SHA-512'}
#: the hash method that goes with each curve in a Sigstore bundle
CURVE_HASH = {'secp256r1': 'SHA-256', 'secp384r1': 'SHA-384',
              'secp521r1': 'SHA-512'}


class CryptoError(ValueError):
    """Material or a signature that does not check out; says why."""


@dataclasses.dataclass
class Trust:
    """One trust store entry's material."""
    kind: str                  # 'certificate' | 'public_key'
    public_key: object
    fingerprint_sha256: str    # hex, lower case
    subject: str               # RFC 4514 (a bare key: None)
    not_before: datetime.datetime  # naive UTC (a bare key: None)
    not_after: datetime.datetime
    key_types: tuple           # the key_type values this key can verify
    #: the material alone, as PEM text: the one certificate (or the
    #: SubjectPublicKeyInfo) re-encoded, whatever else the input held
    pem: str = None


def _naive_utc(when):
    return when.astimezone(datetime.timezone.utc).replace(tzinfo=None)


def _key_types(key):
    if isinstance(key, rsa.RSAPublicKey):
        if key.key_size < MIN_RSA_BITS:
            raise CryptoError('RSA keys of %d bits are too weak; at least '
                              '%d are needed' % (key.key_size, MIN_RSA_BITS))
        return ('RSA-PSS',)
    if isinstance(key, ec.EllipticCurvePublicKey):
        for name, curve in KEY_TYPES.items():
            if curve is not None and isinstance(key.curve, curve):
                return (name,)
        raise CryptoError('elliptic curve %s is not supported (P-256, '
                          'P-384 and P-521 are)' % key.curve.name)
    kind = type(key).__name__.replace('PublicKey', '').lstrip('_')
    if 'DSA' in kind.upper() and 'EC' not in kind.upper():
        raise CryptoError('DSA keys are not supported: use RSA (RSA-PSS '
                          'signatures) or ECC (P-256, P-384, P-521)')
    raise CryptoError('%s keys are not supported: use RSA (RSA-PSS '
                      'signatures) or ECC (P-256, P-384, P-521)' % (
                          kind or 'these'))


def key_types(public_key):
    """The key_type values a public key makes signatures of (one); a
    CryptoError naming the fault for keys that are not supported (DSA,
    RSA under MIN_RSA_BITS, other curves)."""
    return _key_types(public_key)


def load_trust(pem, now=None):
    """The Trust of a PEM certificate or public key (bytes or str)."""
    if isinstance(pem, str):
        pem = pem.encode('utf-8', 'replace')
    if not isinstance(pem, bytes) or b'-----BEGIN ' not in pem:
        raise CryptoError('not PEM: a certificate ("-----BEGIN '
                          'CERTIFICATE-----") or a public key ("-----BEGIN '
                          'PUBLIC KEY-----") is expected')
    if b'PRIVATE KEY-----' in pem:
        # refused whatever else the text holds (a certificate and its
        # key in one file): a private key must never be stored or shown
        raise CryptoError('this holds a private key: give the certificate '
                          'or the public key only, and keep the private key '
                          'to yourself')
    now = now or datetime.datetime.now(datetime.timezone.utc).replace(
        tzinfo=None)
    if b'-----BEGIN CERTIFICATE-----' in pem:
        try:
            cert = x509.load_pem_x509_certificate(pem)
            key = cert.public_key()
            subject = cert.subject.rfc4514_string()
            not_before = _naive_utc(cert.not_valid_before_utc)
            not_after = _naive_utc(cert.not_valid_after_utc)
            der = cert.public_bytes(serialization.Encoding.DER)
        except (ValueError, TypeError, crypto_exc.UnsupportedAlgorithm) as e:
            raise CryptoError('the certificate cannot be read: %s' % e
                              ) from e
        if now < not_before:
            raise CryptoError('the certificate is not valid before %s' %
                              not_before.isoformat())
        if now > not_after:
            raise CryptoError('the certificate expired on %s' %
                              not_after.isoformat())
        return Trust('certificate', key, hashlib.sha256(der).hexdigest(),
                     subject, not_before, not_after, _key_types(key),
                     cert.public_bytes(serialization.Encoding.PEM).decode(
                         'ascii'))
    try:
        key = serialization.load_pem_public_key(pem)
        der = key.public_bytes(
            serialization.Encoding.DER,
            serialization.PublicFormat.SubjectPublicKeyInfo)
    except (ValueError, TypeError, crypto_exc.UnsupportedAlgorithm) as e:
        raise CryptoError('the public key cannot be read: %s' % e) from e
    return Trust('public_key', key, hashlib.sha256(der).hexdigest(), None,
                 None, None, _key_types(key), key.public_bytes(
                     serialization.Encoding.PEM,
                     serialization.PublicFormat.SubjectPublicKeyInfo
                 ).decode('ascii'))


def decode_signature(text, what='signature'):
    """The bytes of a base64 signature (standard or URL-safe alphabet)."""
    if not isinstance(text, str) or not text.strip():
        raise CryptoError('%s must be a non-empty base64 string' % what)
    if len(text) > MAX_SIGNATURE_BYTES * 3:
        raise CryptoError('%s is longer than any supported key makes' % what)
    # line breaks and spaces are dropped: openssl base64 and base64(1)
    # wrap their output
    text = ''.join(text.split())
    if len(text) > MAX_SIGNATURE_BYTES * 2:
        raise CryptoError('%s is longer than any supported key makes' % what)
    try:
        padded = text + '=' * (-len(text) % 4)
        if '-' in text or '_' in text:
            return base64.urlsafe_b64decode(padded.encode('ascii'))
        return base64.b64decode(padded.encode('ascii'), validate=True)
    except (ValueError, binascii.Error, UnicodeEncodeError) as e:
        raise CryptoError('%s is not valid base64' % what) from e


def check_method(hash_method, key_type):
    """Refuse a hash_method or key_type not supported (names them)."""
    if hash_method not in HASH_METHODS:
        raise CryptoError('hash_method %r is not supported (%s)' % (
            hash_method, ', '.join(HASH_METHODS)))
    if key_type not in KEY_TYPES:
        raise CryptoError('key_type %r is not supported (%s)' % (
            key_type, ', '.join(KEY_TYPES)))


class Verifier:
    """A signature checked over data given in chunks."""

    def __init__(self, trust, key_type, hash_method, signature):
        check_method(hash_method, key_type)
        if key_type not in trust.key_types:
            raise CryptoError('the key of this trust entry cannot make %s '
                              'signatures (it makes %s)' % (
                                  key_type, ', '.join(trust.key_types)))
        if not isinstance(signature, bytes) or not signature:
            raise CryptoError('the signature is empty')
        self.trust = trust
        self.key_type = key_type
        self.hash_method = hash_method
        self.signature = signature
        self._hash = hashlib.new(HASH_METHODS[hash_method][0])

    def update(self, chunk):
        self._hash.update(chunk)

    def digest(self):
        return self._hash.digest()

    def verify(self, digest=None):
        """Raise CryptoError unless the signature is good for the data
        given (or for digest, when given)."""
        digest = self._hash.digest() if digest is None else digest
        algorithm = HASH_METHODS[self.hash_method][1]()
        prehashed = asym_utils.Prehashed(algorithm)
        key = self.trust.public_key
        try:
            if self.key_type == 'RSA-PSS':
                key.verify(self.signature, digest, padding.PSS(
                    mgf=padding.MGF1(algorithm),
                    salt_length=padding.PSS.AUTO), prehashed)
            else:
                key.verify(self.signature, digest, ec.ECDSA(prehashed))
        except crypto_exc.InvalidSignature as e:
            raise CryptoError('the signature does not match the data and '
                              'the key (%s, %s)' % (self.key_type,
                                                    self.hash_method)) from e
        except (ValueError, TypeError) as e:
            raise CryptoError('the signature cannot be checked: %s' % e
                              ) from e


@dataclasses.dataclass
class SigstoreParts:
    hint: str           # the trust store id the bundle names
    hash_method: str
    digest: bytes       # the message digest the bundle states
    signature: bytes


def sigstore_bundle(doc):
    """The parts of a key-based Sigstore bundle v0.3 (a parsed JSON
    document) with a message signature."""
    if not isinstance(doc, dict):
        raise CryptoError('a Sigstore bundle is a JSON object')
    if doc.get('mediaType') != SIGSTORE_MEDIA_TYPE:
        raise CryptoError('the bundle\'s mediaType must be %s' %
                          SIGSTORE_MEDIA_TYPE)
    material = doc.get('verificationMaterial')
    key = material.get('publicKey') if isinstance(material, dict) else None
    hint = key.get('hint') if isinstance(key, dict) else None
    if not isinstance(hint, str) or not hint:
        raise CryptoError('only key-based bundles are supported: '
                          'verificationMaterial.publicKey.hint must name a '
                          'trust store entry')
    signed = doc.get('messageSignature')
    if not isinstance(signed, dict):
        raise CryptoError('the bundle has no messageSignature (DSSE '
                          'envelopes are not supported)')
    message = signed.get('messageDigest')
    if not isinstance(message, dict):
        raise CryptoError('messageSignature.messageDigest is missing')
    hash_method = SIGSTORE_DIGESTS.get(message.get('algorithm'))
    if hash_method is None:
        raise CryptoError('messageDigest.algorithm %r is not supported '
                          '(%s)' % (message.get('algorithm'),
                                    ', '.join(SIGSTORE_DIGESTS)))
    digest = decode_signature(message.get('digest'),
                              'messageDigest.digest')
    if len(digest) != hashlib.new(HASH_METHODS[hash_method][0]).digest_size:
        raise CryptoError('messageDigest.digest has the wrong length for %s'
                          % hash_method)
    return SigstoreParts(hint, hash_method, digest, decode_signature(
        signed.get('signature'), 'messageSignature.signature'))


def sigstore_key_type(trust, hash_method):
    """The key_type a Sigstore bundle's signature is checked with: ECDSA
    on the key's curve (with that curve's usual hash) or RSA-PSS."""
    key_type = trust.key_types[0]
    if key_type != 'RSA-PSS':
        expected = CURVE_HASH[trust.public_key.curve.name]
        if expected != hash_method:
            raise CryptoError('a %s key signs %s digests in a Sigstore '
                              'bundle, not %s' % (key_type, expected,
                                                  hash_method))
    return key_type


def same_digest(a, b):
    return hmac.compare_digest(a, b)
