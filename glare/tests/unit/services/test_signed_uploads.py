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

"""The pure parts of signed uploads and of require_signature: the claim
of an image's metadata, the verification from the upload's own digests,
the images' metadata lengths and the enforcement rules."""

import json
import os

from oslo_config import cfg

from glare.artifact_types import images
from glare.artifact_types import murano_package
from glare.common import crypto
from glare.common import hashing
from glare import conf as glare_conf
from glare.conf import artifact_type
from glare import exception
from glare.objects import base as objects_base
from glare.services import required_signatures as rules
from glare.services import signatures
from glare.tests import base
from glare.tests.fixtures import signing
from glare.tests import sample_artifact

DATA = os.urandom(5 * 1024 * 1024 + 17)
ENTRY = {'id': '8d2f0a1c-5b7e-4c1d-9f3a-2e6b8c4d1a70',
         'fingerprint_sha256': 'ab' * 32, 'subject': 'CN=signer'}
SAMPLE = sample_artifact.SampleArtifact
PACKAGE = murano_package.MuranoPackage


def metadata(key, data=DATA, hash_method='SHA-256', **changes):
    body = signing.raw_body(key, data, ENTRY['id'], hash_method)
    out = {'img_signature': body['signature'],
           'img_signature_hash_method': body['hash_method'],
           'img_signature_key_type': body['key_type'],
           'img_signature_certificate_uuid': body['certificate_id']}
    out.update(changes)
    return out


class TestMetadataClaim(base.TestCase):

    def test_none_without_the_keys(self):
        self.assertIsNone(signatures.metadata_claim({}))
        self.assertIsNone(signatures.metadata_claim(None))
        self.assertIsNone(signatures.metadata_claim({'os': 'linux'}))

    def test_claim(self):
        key = signing.ec_key('ECC_SECP384R1')
        meta = metadata(key, hash_method='SHA-384')
        claim = signatures.metadata_claim(dict(meta, os='linux'))
        self.assertEqual(
            ('raw', ENTRY['id'], 'SHA-384', 'ECC_SECP384R1'),
            (claim.form, claim.certificate_id, claim.hash_method,
             claim.key_type))
        self.assertEqual(meta['img_signature'], signing.b64(claim.signature))

    def test_partial_names_the_missing_keys(self):
        meta = metadata(signing.rsa_key())
        for missing in (['img_signature'],
                        ['img_signature_hash_method',
                         'img_signature_certificate_uuid']):
            err = self.assertRaises(
                crypto.CryptoError, signatures.metadata_claim,
                {k: v for k, v in meta.items() if k not in missing})
            self.assertIn('but not %s: a signature needs all four keys'
                          % ', '.join(missing), str(err))

    def test_bad_values(self):
        meta = metadata(signing.rsa_key())
        for changes, reason in (
                ({'img_signature_key_type': 'DSA'}, 'DSA is not supported'),
                ({'img_signature_key_type': 'dsa'}, 'DSA is not supported'),
                ({'img_signature_hash_method': 'SHA-224'},
                 "img_signature_hash_method 'SHA-224' is not supported"),
                ({'img_signature_key_type': 'ECC_SECT571K1'},
                 "img_signature_key_type 'ECC_SECT571K1' is not "
                 "supported"),
                ({'img_signature': '***'}, 'img_signature is not valid'),
                ({'img_signature': ''}, 'img_signature must be a non-empty'),
                ({'img_signature_key_type': 7}, 'must be a string')):
            err = self.assertRaises(crypto.CryptoError,
                                    signatures.metadata_claim,
                                    dict(meta, **changes))
            self.assertIn(reason, str(err))


class TestUploadSignature(base.TestCase):
    """Verified over the digest the upload's hasher computes."""

    def digests(self, algorithms, data=DATA):
        hasher = hashing.ParallelHasher(algorithms)
        try:
            for i in range(0, len(data), 1 << 20):
                hasher.update(data[i:i + (1 << 20)])
            return hasher.hexdigests()
        finally:
            hasher.close()

    def upload_signature(self, key, meta, cert=None):
        trust = crypto.load_trust(signing.cert_pem(
            cert or signing.certificate(key)))
        return signatures.UploadSignature(
            ENTRY, trust, signatures.metadata_claim(meta))

    def test_every_hash_and_key(self):
        keys = [signing.rsa_key()] + [signing.ec_key(t)
                                      for t in signing.CURVES]
        for key in keys:
            for hash_method in signing.HASHES:
                meta = metadata(key, hash_method=hash_method)
                signed = self.upload_signature(key, meta)
                algorithms = hashing.ALGORITHMS
                if signed.algorithm not in algorithms:
                    algorithms += (signed.algorithm,)
                digests = self.digests(algorithms)
                record = json.loads(signed.record(
                    digests[signed.algorithm]))
                self.assertEqual(
                    (True, ENTRY['id'], ENTRY['fingerprint_sha256'],
                     ENTRY['subject'], hash_method,
                     meta['img_signature_key_type'], 'raw',
                     meta['img_signature'], None),
                    (record['verified'], record['certificate_id'],
                     record['fingerprint_sha256'], record['subject'],
                     record['hash_method'], record['key_type'],
                     record['form'], record['signature'],
                     record['sigstore_bundle']))

    def test_the_upload_computes_sha256_anyway(self):
        signed = self.upload_signature(
            signing.rsa_key(), metadata(signing.rsa_key()))
        self.assertIn(signed.algorithm, hashing.ALGORITHMS)

    def test_other_data_refused(self):
        key = signing.rsa_key()
        signed = self.upload_signature(key, metadata(key,
                                                     hash_method='SHA-512'))
        digests = self.digests(hashing.ALGORITHMS + ('sha512',),
                               DATA + b'!')
        err = self.assertRaises(crypto.CryptoError, signed.record,
                                digests['sha512'])
        self.assertIn('does not match the data and the key', str(err))

    def test_key_type_of_another_key_refused_at_once(self):
        key = signing.ec_key()
        meta = metadata(key, img_signature_key_type='RSA-PSS')
        err = self.assertRaises(crypto.CryptoError, self.upload_signature,
                                key, meta)
        self.assertIn('cannot make RSA-PSS signatures', str(err))


class TestImageMetadata(base.TestCase):

    def test_img_signature_up_to_2048_characters(self):
        field = images.Image.fields['metadata']
        self.assertEqual({'img_signature': 'A' * 2048, 'a': 'b' * 255},
                         field.coerce_value({'img_signature': 'A' * 2048,
                                             'a': 'b' * 255}))
        for value in ({'img_signature': 'A' * 2049}, {'a': 'b' * 256},
                      {'img_signature_key_type': 'b' * 256}):
            self.assertRaises(ValueError, field.coerce_value, value)
        # other types: 255 for every key
        self.assertRaises(
            ValueError,
            objects_base.BaseArtifact.fields['metadata'].coerce_value,
            {'img_signature': 'A' * 256})

    def test_only_the_image_blob_is_verified_from_metadata(self):
        self.assertEqual(('image',), images.Image.METADATA_SIGNED_BLOBS)
        self.assertEqual((), SAMPLE.METADATA_SIGNED_BLOBS)


def make_conf(**required):
    conf = cfg.ConfigOpts()
    glare_conf.register_opts(conf)
    conf(args=[], default_config_files=[], default_config_dirs=[])
    for type_name in ('sample_artifact', 'murano_packages'):
        artifact_type.register_type_opts(conf, type_name)
    for type_name, value in required.items():
        conf.set_override('require_signature', value,
                          group=artifact_type.group_name(type_name))
    return conf


def blob(external=False):
    return {'url': 'file:///x', 'size': 1, 'external': external,
            'status': 'active'}


RECORD = {'verified': True}


class TestRequiredSignatures(base.TestCase):

    def test_unsigned(self):
        values = {'blob': blob(), 'small_blob': blob(external=True),
                  'dict_of_blobs': {'b': blob(), 'a': blob()},
                  'signatures': {'dict_of_blobs/a': RECORD}}
        self.assertEqual([('blob', False), ('dict_of_blobs/b', False),
                          ('small_blob', True)],
                         rules.unsigned(SAMPLE, values))
        self.assertEqual([], rules.unsigned(SAMPLE, {'signatures': {}}))
        values['signatures'] = {'blob': RECORD, 'small_blob': RECORD,
                                'dict_of_blobs/b': RECORD,
                                'dict_of_blobs/a': RECORD}
        self.assertEqual([], rules.unsigned(SAMPLE, values))

    def test_activation(self):
        values = {'blob': blob(), 'signatures': {}}
        rules.check_activation(make_conf(), 'sample_artifact', SAMPLE,
                               values)
        for required in ('activate', 'download'):
            conf = make_conf(sample_artifact=required)
            err = self.assertRaises(
                exception.Conflict, rules.check_activation, conf,
                'sample_artifact', SAMPLE, values)
            self.assertIn('require_signature = %s' % required, str(err))
            self.assertIn('these have none: blob', str(err))
            rules.check_activation(conf, 'sample_artifact', SAMPLE,
                                   {'blob': None, 'signatures': {}})
            rules.check_activation(conf, 'sample_artifact', SAMPLE,
                                   dict(values, signatures={'blob': RECORD}))

    def test_download(self):
        values = {'blob': blob(), 'dict_of_blobs': {'k': blob(True)},
                  'signatures': {}}
        for required in ('none', 'activate'):
            rules.check_download(make_conf(sample_artifact=required),
                                 'sample_artifact', SAMPLE, values, 'blob',
                                 None)
        conf = make_conf(sample_artifact='download')
        err = self.assertRaises(exception.Forbidden, rules.check_download,
                                conf, 'sample_artifact', SAMPLE, values,
                                'blob', None)
        self.assertIn('Blob blob cannot be downloaded', str(err))
        self.assertIn('PUT .../signatures/blob', str(err))
        err = self.assertRaises(exception.Forbidden, rules.check_download,
                                conf, 'sample_artifact', SAMPLE, values,
                                'dict_of_blobs', 'k')
        self.assertIn('dict_of_blobs/k', str(err))
        self.assertIn('external location', str(err))
        rules.check_download(conf, 'sample_artifact', SAMPLE,
                             dict(values, signatures={'blob': RECORD}),
                             'blob', None)

    def test_system_blobs_follow_the_others(self):
        # a Murano package's logo comes out of its package blob: it is
        # vouched for by the package's signature
        values = {'package': blob(), 'resources': {'logo': blob()},
                  'signatures': {}}
        self.assertEqual([('package', False)],
                         rules.unsigned(PACKAGE, values))
        self.assertEqual([('package', False), ('resources/logo', False)],
                         rules.unsigned(PACKAGE, values, system=True))
        conf = make_conf(murano_packages='download')
        err = self.assertRaises(exception.Forbidden, rules.check_download,
                                conf, 'murano_packages', PACKAGE, values,
                                'resources', 'logo')
        self.assertIn("comes from the artifact's other blobs", str(err))
        self.assertIn('these have none: package', str(err))
        values['signatures'] = {'package': RECORD}
        rules.check_download(conf, 'murano_packages', PACKAGE, values,
                             'resources', 'logo')
        rules.check_activation(conf, 'murano_packages', PACKAGE, values)
