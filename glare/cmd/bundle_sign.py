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

"""glare-bundle's keys: the signing key of export --sign-key, the
certificate (or public key) of verify --cert.

The format of the signature is glare.bundles.signing's; this module reads
the files and says in one line what is wrong with them.
"""

from cryptography.hazmat.primitives import serialization

from glare.bundles import signing
from glare.common import crypto

#: the largest key, certificate or password file read
MAX_FILE = 1024 * 1024


class KeyFailure(Exception):
    """A key, certificate or password file that cannot be used."""


def _read(path, what):
    try:
        with open(path, 'rb') as f:
            data = f.read(MAX_FILE + 1)
    except OSError as e:
        raise KeyFailure('cannot read the %s %s: %s' % (
            what, path, e.strerror or e)) from e
    if len(data) > MAX_FILE:
        raise KeyFailure('the %s %s is over %d bytes: not a PEM file' % (
            what, path, MAX_FILE))
    return data


def password(path):
    """The password in the first line of the file at path (bytes)."""
    lines = _read(path, 'password file').splitlines()
    if not lines or not lines[0]:
        raise KeyFailure('the password file %s is empty: the password is '
                         'its first line' % path)
    return lines[0]


class Signer:
    """A private key that signs bundle indexes, and its public part."""

    def __init__(self, key_path, password_path=None,
                 hash_method=signing.DEFAULT_HASH_METHOD):
        secret = None if password_path is None else password(password_path)
        try:
            self.key = signing.load_private_key(
                _read(key_path, 'signing key'), secret)
            public = self.key.public_key()
            self.fingerprint = signing.key_fingerprint(public)
            # the exported bundle is verified as it is written, signature
            # included, as verify --cert would
            self.trust = crypto.load_trust(public.public_bytes(
                serialization.Encoding.PEM,
                serialization.PublicFormat.SubjectPublicKeyInfo))
        except crypto.CryptoError as e:
            hint = ' (give --sign-key-password-file)' if \
                'password is needed' in str(e) else ''
            raise KeyFailure('cannot use the signing key %s: %s%s' % (
                key_path, e, hint)) from e
        self.hash_method = hash_method

    def __call__(self, index):
        """index (a document) signed."""
        return signing.sign_index(index, self.key, self.hash_method)


def trust(path):
    """The crypto.Trust of the certificate or public key (PEM) at path:
    what verify --cert checks a bundle's signature with."""
    try:
        return crypto.load_trust(_read(path, 'certificate'))
    except crypto.CryptoError as e:
        raise KeyFailure('cannot use the certificate %s: %s' % (path, e)
                         ) from e
