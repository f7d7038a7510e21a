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

"""Signatures on blobs: verified against the stored data, then recorded.

A signature comes in one of two forms: raw ({"signature": base64,
"hash_method", "key_type", "certificate_id"}) or a key-based Sigstore
bundle v0.3 whose publicKey.hint names the trust store entry. It is
checked at once over the blob's stored data, read once from its store as
a stream, with the key of an entry of the artifact owner's trust store
(or a global one) that is valid now. Only then is the record written,
into the blob's row and only if the row still holds the data that was
read (glare.db.blobs.set_signature); every change of a blob's data drops
its record (glare.db.blobs), so a record always speaks for the data the
blob holds.

A record: {"verified": true, "certificate_id", "fingerprint_sha256",
"subject", "hash_method", "key_type", "verified_at", "form": "raw" |
"sigstore", "signature": base64, "sigstore_bundle": the bundle or null}.
"""

import base64
import dataclasses
import json

from oslo_log import log as logging

from glare.common import crypto
from glare.common import hashing
from glare.db import artifacts as artifacts_db
from glare.db import blobs as db
from glare import exception
from glare.policies import trust as rules
from glare import policy
from glare.services import trust as trust_service

LOG = logging.getLogger(__name__)
RAW = 'raw'
SIGSTORE = 'sigstore'
#: the statuses of artifacts whose blobs may be signed, and those where a
#: record may be replaced by another. A deactivated artifact's blob that
#: has none may be signed: a type that requires signatures
#: (require_signature) reactivates it only once every blob has one
SIGNED_IN = ('drafted', 'active', 'deactivated')
REPLACED_IN = ('drafted',)
_RAW_KEYS = ('signature', 'hash_method', 'key_type', 'certificate_id')


@dataclasses.dataclass
class Claim:
    """What a request says: who signed, how, and the signature."""
    form: str
    certificate_id: str
    hash_method: str
    key_type: str          # None for a bundle: the key's own
    signature: bytes
    digest: bytes = None   # the digest a bundle states
    bundle: dict = None


def raw_claim(body):
    """The Claim of a raw-form body, else CryptoError naming the fault."""
    if not isinstance(body, dict):
        raise crypto.CryptoError(
            'the body is a JSON object with %s' % ', '.join(_RAW_KEYS))
    unknown = sorted(set(body) - set(_RAW_KEYS))
    if unknown:
        raise crypto.CryptoError(
            'unknown key%s %s; a signature takes %s (or send a Sigstore '
            'bundle as %s)' % ('s' if len(unknown) > 1 else '',
                               ', '.join(repr(k) for k in unknown),
                               ', '.join(_RAW_KEYS),
                               crypto.SIGSTORE_MEDIA_TYPE))
    missing = [k for k in _RAW_KEYS if k not in body]
    if missing:
        raise crypto.CryptoError('%s %s missing' % (
            ', '.join(missing), 'are' if len(missing) > 1 else 'is'))
    for key in ('hash_method', 'key_type', 'certificate_id'):
        if not isinstance(body[key], str):
            raise crypto.CryptoError('%s must be a string' % key)
    crypto.check_method(body['hash_method'], body['key_type'])
    return Claim(RAW, body['certificate_id'], body['hash_method'],
                 body['key_type'], crypto.decode_signature(body['signature']))


def sigstore_claim(body):
    parts = crypto.sigstore_bundle(body)
    return Claim(SIGSTORE, parts.hint, parts.hash_method, None,
                 parts.signature, digest=parts.digest, bundle=body)


#: Glance's image properties of a signature -> the parts of a raw claim
METADATA_KEYS = {
    'img_signature': 'signature',
    'img_signature_hash_method': 'hash_method',
    'img_signature_key_type': 'key_type',
    'img_signature_certificate_uuid': 'certificate_id',
}


def metadata_claim(metadata):
    """The Claim of the Glance-style signature keys of an artifact's
    metadata (METADATA_KEYS), None when it has none of them; CryptoError
    naming the missing keys of a partial set, or what is wrong with a
    value."""
    metadata = metadata or {}
    present = [k for k in METADATA_KEYS if k in metadata]
    if not present:
        return None
    missing = [k for k in METADATA_KEYS if k not in metadata]
    if missing:
        raise crypto.CryptoError(
            'the metadata has %s but not %s: a signature needs all four '
            'keys (%s)' % (', '.join(present), ', '.join(missing),
                           ', '.join(METADATA_KEYS)))
    body = {part: metadata[key] for key, part in METADATA_KEYS.items()}
    for key in ('img_signature_hash_method', 'img_signature_key_type',
                'img_signature_certificate_uuid'):
        if not isinstance(metadata[key], str):
            raise crypto.CryptoError('%s must be a string' % key)
    if body['key_type'].upper() == 'DSA':
        raise crypto.CryptoError(
            'img_signature_key_type DSA is not supported: DSA signatures '
            'are not verified by Glare; sign with an RSA key (RSA-PSS) or '
            'an ECC key (ECC_SECP256R1, ECC_SECP384R1, ECC_SECP521R1)')
    try:
        crypto.check_method(body['hash_method'], body['key_type'])
    except crypto.CryptoError as exc:
        raise crypto.CryptoError('img_signature_' + str(exc)) from exc
    return Claim(RAW, body['certificate_id'], body['hash_method'],
                 body['key_type'], crypto.decode_signature(
                     body['signature'], 'img_signature'))


class UploadSignature:
    """A signature checked over an upload as it streams: the upload adds
    ``algorithm`` to the digests it computes anyway (sha256 is one of
    them), then hands the digest to ``record``. No second pass over the
    data, nothing hashed twice."""

    def __init__(self, entry, trust, claim):
        self.entry = entry
        self.claim = claim
        # refuses a key type the trust entry's key cannot make
        self.verifier = crypto.Verifier(trust, claim.key_type,
                                        claim.hash_method, claim.signature)
        #: the hashlib name of the digest the upload must compute
        self.algorithm = crypto.HASH_METHODS[claim.hash_method][0]

    def record(self, hexdigest):
        """The encoded record of the signature, verified over the data
        of this digest; CryptoError when it does not verify."""
        self.verifier.verify(bytes.fromhex(hexdigest))
        return encode(make_record(self.entry, self.claim.hash_method,
                                  self.claim.key_type, self.claim.form,
                                  self.claim.signature))


def upload_signature(trust, context, metadata, owner):
    """The UploadSignature of an artifact's metadata signature keys, None
    without them; CryptoError when they are partial or wrong, or name no
    trust store entry usable for owner's artifacts (trust: a
    TrustService)."""
    claim = metadata_claim(metadata)
    if claim is None:
        return None
    entry, material = trust.usable(context, claim.certificate_id, owner)
    return UploadSignature(entry, material, claim)


def make_record(entry, hash_method, key_type, form, signature,
                bundle=None):
    """The record of a signature verified with a trust store entry (a
    dict as glare.db.trust returns it): what the signatures field shows.
    Every way of verifying (this service, an upload, an import) records
    this shape."""
    return {
        'verified': True, 'certificate_id': entry['id'],
        'fingerprint_sha256': entry['fingerprint_sha256'],
        'subject': entry['subject'], 'hash_method': hash_method,
        'key_type': key_type,
        'verified_at': trust_service.format_time(db.now()),
        'form': form,
        'signature': base64.b64encode(signature).decode('ascii'),
        'sigstore_bundle': bundle,
    }


def encode(record):
    """A record as the text the blob row's signature column keeps."""
    return json.dumps(record, sort_keys=True)


class SignatureService:
    """Verifies and records blob signatures. No HTTP, no SQL here."""

    def __init__(self, conf, blobs, trust):
        self.conf = conf
        self.blobs = blobs
        self.artifacts = blobs.artifacts
        self.trust = trust

    def sign(self, context, type_name, artifact_id, field_name, key, body,
             form=RAW):
        """Verify the signature body (form: RAW or SIGSTORE) against the
        blob's stored data and record it; returns the rendered artifact.

        400 with the reason when it does not verify; 409 when the blob
        has no data (or is being uploaded), when an active artifact's
        blob is signed already, or when the data changed meanwhile.
        """
        blob = self.blobs.blob(context, type_name, artifact_id, field_name,
                               key)
        label = artifacts_db.signature_label(blob.name, blob.key)
        value = self._check(context, blob, label)
        try:
            claim = sigstore_claim(body) if form == SIGSTORE else \
                raw_claim(body)
            entry, trust = self.trust.usable(context, claim.certificate_id,
                                             blob.values['owner'])
            key_type = claim.key_type or crypto.sigstore_key_type(
                trust, claim.hash_method)
            verifier = crypto.Verifier(trust, key_type, claim.hash_method,
                                       claim.signature)
            digest = self._digest(blob, value, claim.hash_method)
            if claim.digest is not None and not crypto.same_digest(
                    claim.digest, digest):
                raise crypto.CryptoError(
                    "the bundle's messageDigest is not the %s digest of the "
                    "blob's data: it was made for other data" %
                    claim.hash_method)
            verifier.verify(digest)
        except crypto.CryptoError as exc:
            LOG.info('Signature of %s of artifact %s refused: %s', label,
                     blob.values['id'], exc)
            raise exception.BadRequest('The signature of %s is refused: %s'
                                       % (label, exc)) from exc
        record = make_record(entry, claim.hash_method, key_type,
                             claim.form, claim.signature, claim.bundle)
        db.set_signature(context, blob.values['id'], value['id'],
                         value['sha256'], encode(record),
                         statuses=SIGNED_IN, replace_in=REPLACED_IN)
        LOG.info('Signature of %s of artifact %s verified with trust store '
                 'entry %s (%s, %s, %s form)', label, blob.values['id'],
                 entry['id'], key_type, claim.hash_method, claim.form)
        values = self.artifacts.load(context, blob.type_name,
                                     blob.values['id'])
        return self.artifacts.render(context, blob.requested_type, values)

    def _check(self, context, blob, label):
        """The blob's value if the caller may sign it now."""
        self.artifacts.writable_type(context, blob.requested_type)
        self.artifacts.writable_type(context, blob.type_name)
        context.can(rules.SIGN, blob.target)
        if not policy.can_read_field(context, blob.type_name, blob.name,
                                     blob.target):
            raise exception.Forbidden('You may not read field %s' %
                                      blob.name)
        status = blob.values['status']
        if status not in SIGNED_IN:
            raise exception.Forbidden(
                'The blobs of %s %s artifact cannot be signed' % (
                    'an' if status[0] in 'aeiou' else 'a', status))
        value = blob.value
        if value is None:
            raise exception.Conflict('%s has no data to sign yet: upload '
                                     'it first' % label)
        if value['external']:
            raise exception.BadRequest(
                '%s has an external location: only stored data can be '
                'signed' % label)
        if value['status'] != 'active':
            raise exception.Conflict('%s is being uploaded; sign it once '
                                     'the upload has ended' % label)
        if status not in REPLACED_IN and label in blob.values['signatures']:
            raise exception.Conflict(
                '%s is signed already; the signature of a blob of an %s '
                'artifact is not replaced' % (label, status))
        return value

    def _digest(self, blob, value, hash_method):
        """The hash_method digest of the blob's stored data, read once,
        chunk by chunk; 409 when it is not the data the blob recorded
        (size, and sha256 when that is the hash).

        The chunks are hashed in a thread of their own while the next ones
        are read (hashlib releases the GIL): the check runs at the hash's
        speed, not at the sum of the read's and the hash's.
        """
        name = crypto.HASH_METHODS[hash_method][0]
        hasher = hashing.ParallelHasher((name,), groups=[[name]])
        size = 0
        try:
            reader = self.blobs.stores.open(value['url'])
            try:
                for chunk in reader:
                    size += len(chunk)
                    hasher.update(chunk)
            finally:
                reader.close()
            hexdigest = hasher.hexdigests()[name]
        finally:
            hasher.close()
        if size != value['size'] or (
                name == 'sha256' and hexdigest != value['sha256']):
            LOG.error('The stored data of blob %s of artifact %s does not '
                      'match its record (%d bytes read, %s recorded)',
                      value['id'], blob.values['id'], size, value['size'])
            raise exception.Conflict(
                'The stored data of this blob is not the data it recorded; '
                'upload it again')
        return bytes.fromhex(hexdigest)
