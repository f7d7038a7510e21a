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

"""The signatures of an import, verified again by the importer.

A bundle's record shows each blob's signature as the exporting service
recorded it (the base field ``signatures``: {label: {form, signature,
hash_method, key_type, fingerprint_sha256, sigstore_bundle, ...}}). None
is taken as it is. The importer looks up, in the importing project's
trust store (or the global one), an entry whose key has the record's
fingerprint and is valid now, and checks the signature over the blob's
data as the import reads it: the digest of the signature's hash method is
computed beside the sha256 the import computes anyway, never in a second
pass. A signature that verifies is recorded anew (the importer's entry,
verified now: glare.services.signatures.make_record) and written with the
import's blob rows; one that does not is dropped and reported.

A type with ``[artifact_type:<type>] require_signature = activate`` (or
``download``) takes an active artifact only if every blob of it keeps a
verified signature; ``missing`` names those that would not.
"""

import dataclasses

from oslo_log import log as logging

from glare.bundles import layout
from glare.common import crypto
from glare.conf import artifact_type
from glare import exception
from glare.services import signatures

LOG = logging.getLogger(__name__)
#: the longest Sigstore bundle kept (as the API takes one: its body limit)
MAX_BUNDLE_CHARS = 64 * 1024
#: the longest label shown in a report (a record may hold any key)
MAX_LABEL_CHARS = 300
REQUIRING = ('activate', 'download')


@dataclasses.dataclass
class _Claim:
    """A signature of a record, as the bundle states it."""
    form: str
    fingerprint: str
    hash_method: str
    key_type: str          # None for a Sigstore bundle: the key's own
    signature: bytes
    digest: bytes = None   # the digest a Sigstore bundle states
    bundle: dict = None
    entry: dict = None     # the importer's trust store entry, once found
    verifier: object = None


def _claim(record):
    """The _Claim of one signature record; CryptoError naming its fault."""
    if not isinstance(record, dict):
        raise crypto.CryptoError('the signature record is not a JSON object')
    fingerprint = record.get('fingerprint_sha256')
    if not isinstance(fingerprint, str) or not fingerprint:
        raise crypto.CryptoError('the signature record has no '
                                 'fingerprint_sha256')
    form = record.get('form')
    if form == signatures.SIGSTORE:
        bundle = record.get('sigstore_bundle')
        if len(signatures.encode(bundle)) > MAX_BUNDLE_CHARS:
            raise crypto.CryptoError('its Sigstore bundle is over %d '
                                     'characters' % MAX_BUNDLE_CHARS)
        parts = crypto.sigstore_bundle(bundle)
        return _Claim(form, fingerprint, parts.hash_method, None,
                      parts.signature, parts.digest, bundle)
    if form != signatures.RAW:
        raise crypto.CryptoError('the signature record has form %s, not '
                                 '"raw" or "sigstore"' % layout.shown(form))
    for key in ('hash_method', 'key_type'):
        if not isinstance(record.get(key), str):
            raise crypto.CryptoError('the signature record has no %s' % key)
    crypto.check_method(record['hash_method'], record['key_type'])
    return _Claim(form, fingerprint, record['hash_method'],
                  record['key_type'],
                  crypto.decode_signature(record.get('signature')))


class Signatures:
    """The signatures of one import's artifacts (made per import)."""

    def __init__(self, conf, trust, context):
        self.conf = conf
        self.trust = trust
        self.context = context
        #: [{"type_name", "id", "blob", "reason"}]: the import's report
        self.dropped = []
        self._claims = {}    # artifact id -> {label: _Claim or reason}
        self._why = {}       # (artifact id, label) -> why it was dropped
        self._wanted = {}    # blob sha256 hex -> {hashlib names}
        self._keys = {}      # fingerprint -> (entry, Trust) or CryptoError

    # -- the records -----------------------------------------------------
    def read(self, planned, doc, where):
        """Take note of the signatures of an artifact's document (nothing
        is looked up yet: the artifact may be skipped). Every blob row of
        planned gets a signature column, None until one verifies."""
        for row in planned.blobs.values():
            row['signature'] = None
        value = doc.get('signatures')
        if value is None:
            return
        if not isinstance(value, dict):
            raise exception.BadRequest('%s: signatures is not a JSON object'
                                       % where)
        claims = self._claims[planned.entry.id] = {}
        for label, record in sorted(value.items()):
            row = planned.blobs.get(label)
            if row is None:
                claims[label] = 'the record has no blob %s' % label[
                    :MAX_LABEL_CHARS]
                continue
            if row['external']:
                claims[label] = 'an external blob cannot be signed: only ' \
                    'stored data is'
                continue
            try:
                claims[label] = _claim(record)
            except crypto.CryptoError as exc:
                claims[label] = str(exc)

    def resolve(self, planned):
        """Find the importer's trust store entry of each signature of an
        artifact that is imported (not skipped); drop those that have
        none, or whose entry cannot verify them."""
        for label, claim in sorted(self._claims.get(planned.entry.id,
                                                    {}).items()):
            if isinstance(claim, str):
                self._drop(planned, label, claim)
                continue
            try:
                entry, trust = self._key(claim.fingerprint)
                if claim.key_type is None:
                    claim.key_type = crypto.sigstore_key_type(
                        trust, claim.hash_method)
                claim.verifier = crypto.Verifier(
                    trust, claim.key_type, claim.hash_method,
                    claim.signature)
                claim.entry = entry
            except crypto.CryptoError as exc:
                self._drop(planned, label, str(exc))
                continue
            self._wanted.setdefault(planned.blobs[label]['sha256'], set()).add(
                crypto.HASH_METHODS[claim.hash_method][0])

    def _key(self, fingerprint):
        found = self._keys.get(fingerprint)
        if found is None:
            try:
                found = self.trust.with_fingerprint(
                    self.context, fingerprint, self.context.project_id)
            except crypto.CryptoError as exc:
                found = exc
            self._keys[fingerprint] = found
        if isinstance(found, crypto.CryptoError):
            raise found
        return found

    def _drop(self, planned, label, reason):
        claims = self._claims.get(planned.entry.id, {})
        claims.pop(label, None)
        self._why[planned.entry.id, label] = reason
        self.dropped.append({'type_name': planned.entry.type_name,
                             'id': planned.entry.id,
                             'blob': label[:MAX_LABEL_CHARS],
                             'reason': reason})
        LOG.info('Import into project %s: the signature of %s of artifact '
                 '%s is dropped: %s', self.context.project_id,
                 label[:MAX_LABEL_CHARS], planned.entry.id, reason)

    # -- the data ----------------------------------------------------------
    def algorithms(self, digest):
        """The hashlib names the signatures of the blob data of digest
        ("sha256:<hex>") need, but sha256 (computed anyway)."""
        wanted = self._wanted.get(digest.split(':', 1)[-1], ())
        return tuple(sorted(n for n in wanted if n != 'sha256'))

    def verify(self, planned, label, digests):
        """Check the signature of blob label of planned over its data,
        whose digests ({hashlib name: hex}) are known now: kept in the
        blob's row when it verifies, else dropped."""
        claim = self._claims.get(planned.entry.id, {}).get(label)
        if claim is None:
            return
        name = crypto.HASH_METHODS[claim.hash_method][0]
        digest = bytes.fromhex(digests[name])
        try:
            if claim.digest is not None and not crypto.same_digest(
                    claim.digest, digest):
                raise crypto.CryptoError(
                    "its Sigstore bundle's messageDigest is not the %s "
                    "digest of the blob's data: it was made for other data"
                    % claim.hash_method)
            claim.verifier.verify(digest)
        except crypto.CryptoError as exc:
            self._drop(planned, label, str(exc))
            return
        planned.blobs[label]['signature'] = signatures.encode(
            signatures.make_record(claim.entry, claim.hash_method,
                                   claim.key_type, claim.form,
                                   claim.signature, claim.bundle))

    # -- require_signature -------------------------------------------------
    def unsigned(self, planned_list, final):
        """[{"type_name", "id", "name", "version", "reason"}]: the
        artifacts of planned_list that missing() finds blobs of, the
        blobs and why in the reason."""
        named = []
        for planned in planned_list:
            missing = self.missing(planned, final)
            if missing:
                named.append(dict(planned.describe(), reason='; '.join(
                    'blob %s: %s' % (label[:MAX_LABEL_CHARS], why)
                    for label, why in missing.items())))
        return named

    def missing(self, planned, final):
        """{label: why} of the blobs of an active artifact whose type
        requires signatures that would come without a verified one (final:
        once the data was read; before, the signatures that may still
        verify count)."""
        if planned.values['status'] != 'active' or \
                artifact_type.required_signature(
                    self.conf, planned.entry.type_name) not in REQUIRING:
            return {}
        claims = self._claims.get(planned.entry.id, {})
        out = {}
        for label, row in sorted(planned.blobs.items()):
            if row['signature'] is not None or (
                    not final and isinstance(claims.get(label), _Claim)):
                continue
            why = self._why.get((planned.entry.id, label))
            if why is not None:
                out[label] = 'its signature was dropped: %s' % why
            elif row['external']:
                out[label] = 'an external blob cannot be signed'
            else:
                out[label] = 'the bundle has no signature of it'
        return out
