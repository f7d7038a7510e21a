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

"""Glance-style signed images and require_signature, over real HTTP.

An image whose metadata holds img_signature, img_signature_hash_method,
img_signature_key_type and img_signature_certificate_uuid (a trust store
entry) before its data is uploaded has the upload verified as it streams;
data that does not match is refused and nothing of it kept. Then the
enforcement of [artifact_type:<type>] require_signature: activation,
reactivation and downloads (v1 and the Murano v0.1 route). Keys and
certificates are made here (glare.tests.fixtures.signing) and by the
openssl command line tool.
"""

import hashlib
import os
import shutil
import socket
import subprocess
import tempfile
import unittest

from glare.tests.fixtures import signing
from glare.tests.functional import base
from glare.tests.functional import test_locations
from glare.tests.functional import test_signatures

TYPE = 'images'
MIB = 1024 * 1024
# a raw disk: a first sector of zeros (no partition table) and noise
DATA = bytes(64 * 1024) + os.urandom(3 * MIB + 321)
OTHER = DATA[:-1] + bytes([DATA[-1] ^ 0xff])
KEYS = ('img_signature', 'img_signature_hash_method',
        'img_signature_key_type', 'img_signature_certificate_uuid')
V01 = '/v0.1/artifacts/murano/v1'


def signature_metadata(key, data, entry_id, hash_method='SHA-256',
                       key_type=None, signature=None):
    """The four Glance image properties of a signature of data."""
    body = signing.raw_body(key, data, entry_id, hash_method, key_type,
                            signature)
    return dict(zip(KEYS, (body['signature'], body['hash_method'],
                           body['key_type'], body['certificate_id']),
                    strict=True))


def pieces(data, size=100 * 1024):
    """data as a generator: requests sends it chunked."""
    for i in range(0, len(data), size):
        yield data[i:i + size]


class ImageMixin(test_signatures.SigningMixin):
    """Images, their uploads and their signatures."""

    def new_image(self, metadata=None, headers=None):
        return self.create(type_name=TYPE, headers=headers,
                           container_format='bare', disk_format='raw',
                           metadata=metadata or {})

    def image_path(self, artifact_id, tail='image'):
        return '%s/%s' % (self.url(artifact_id, TYPE), tail)

    def put_image(self, artifact_id, data, headers=None):
        return self.request('PUT', self.image_path(artifact_id),
                            headers=self.user if headers is None
                            else headers, data=data,
                            content_type='application/octet-stream')

    def upload_image(self, artifact_id, data, **kwargs):
        resp = self.put_image(artifact_id, data, **kwargs)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def show_image(self, artifact_id, headers=None):
        return self.show(artifact_id, headers=headers, type_name=TYPE)

    def set_metadata(self, artifact_id, values, expect=200):
        ops = [{'op': 'add', 'path': '/metadata/' + k, 'value': v}
               for k, v in values.items()]
        resp = self.patch(self.url(artifact_id, TYPE), ops,
                          headers=self.user)
        if expect != 200:
            return resp
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def sign_image(self, artifact_id, body, headers=None):
        resp = self.request(
            'PUT', self.image_path(artifact_id, 'signatures/image'),
            headers=self.user if headers is None else headers,
            json_body=body)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def assertImageRecord(self, doc, entry_id, hash_method, key_type,
                          metadata):
        self.assertEqual(['image'], list(doc['signatures']))
        record = doc['signatures']['image']
        self.assertEqual(test_signatures.RECORD_KEYS, set(record))
        entry = self.entry(entry_id).json()
        self.assertEqual(
            (True, entry_id, entry['fingerprint_sha256'], entry['subject'],
             hash_method, key_type, 'raw', metadata['img_signature'], None),
            (record['verified'], record['certificate_id'],
             record['fingerprint_sha256'], record['subject'],
             record['hash_method'], record['key_type'], record['form'],
             record['signature'], record['sigstore_bundle']))

    def assertImageData(self, doc, data):
        self.assertEqual((len(data), hashlib.sha256(data).hexdigest(),
                          hashlib.md5(data).hexdigest()),
                         (doc['image']['size'], doc['image']['sha256'],
                          doc['image']['md5']))

    def assertRefusedUpload(self, artifact_id, data, reason, code=400):
        """The upload is refused naming reason; nothing of it is kept: no
        new file in the store, the image as it was, still drafted."""
        before = self.show_image(artifact_id)
        files = self.store_files()
        err = self.assertError(code, self.put_image(artifact_id, data),
                               reason)
        after = self.show_image(artifact_id)
        for key in ('image', 'signatures', 'metadata', 'status'):
            self.assertEqual(before[key], after[key], key)
        self.assertEqual(files, self.store_files())
        return err


@base.with_backends
class SignedImageTests(ImageMixin):
    """Uploads verified against the image's metadata signature."""

    def test_rsa_pss_sha256_and_sha512(self):
        key = signing.rsa_key()
        entry_id = self.trusted(key)
        for hash_method, send in (('SHA-256', DATA), ('SHA-512', pieces)):
            meta = signature_metadata(key, DATA, entry_id, hash_method)
            af = self.new_image(dict(meta, os='linux'))
            up = self.upload_image(
                af['id'], pieces(DATA) if send is pieces else DATA)
            self.assertImageRecord(up, entry_id, hash_method, 'RSA-PSS',
                                   meta)
            self.assertImageData(up, DATA)
            # the image checks ran too; the keys stay in the metadata
            self.assertEqual(dict(meta, os='linux', detected_format='raw',
                                  virtual_size=str(len(DATA))),
                             up['metadata'])
            shown = self.show_image(af['id'])
            self.assertEqual(up['signatures'], shown['signatures'])
            self.assertEqual(DATA, self.get(self.image_path(af['id']),
                                            headers=self.user).content)

    def test_ecdsa_p256_and_p384(self):
        for key_type, hash_method in (('ECC_SECP256R1', 'SHA-256'),
                                      ('ECC_SECP384R1', 'SHA-384')):
            key = signing.ec_key(key_type)
            cert, _ca = signing.ca_issued(key, 'image signer')
            entry_id = self.add_entry(signing.cert_pem(cert))['id']
            meta = signature_metadata(key, DATA, entry_id, hash_method)
            af = self.new_image(meta)
            up = self.upload_image(af['id'], pieces(DATA))
            self.assertImageRecord(up, entry_id, hash_method, key_type,
                                   meta)
            self.assertIn('CN=image signer',
                          up['signatures']['image']['subject'])
        # a bare public key, the metadata set by a patch before the upload
        key = signing.ec_key('ECC_SECP384R1', tag='bare')
        entry_id = self.add_entry(signing.public_pem(key))['id']
        af = self.new_image()
        meta = signature_metadata(key, DATA, entry_id, 'SHA-512')
        self.set_metadata(af['id'], meta)
        up = self.upload_image(af['id'], DATA)
        self.assertImageRecord(up, entry_id, 'SHA-512', 'ECC_SECP384R1',
                               meta)

    def test_wrong_signature_nothing_kept(self):
        key = signing.rsa_key()
        entry_id = self.trusted(key)
        meta = signature_metadata(key, OTHER, entry_id)
        af = self.new_image(meta)
        for data in (DATA, pieces(DATA)):
            err = self.assertRefusedUpload(af['id'], data, 'does not match')
            self.assertIn('nothing was kept', err['error']['message'])
        doc = self.show_image(af['id'])
        self.assertEqual((None, {}, 'drafted'),
                         (doc['image'], doc['signatures'], doc['status']))
        self.assertEqual(meta, doc['metadata'])
        # the same metadata verifies the data it was made for
        up = self.upload_image(af['id'], OTHER)
        self.assertImageRecord(up, entry_id, 'SHA-256', 'RSA-PSS', meta)
        # re-uploadable after a refusal: the right signature for DATA
        meta = signature_metadata(key, DATA, entry_id, 'SHA-384')
        af = self.new_image(signature_metadata(key, OTHER, entry_id))
        self.assertRefusedUpload(af['id'], DATA, 'does not match')
        self.set_metadata(af['id'], meta)
        up = self.upload_image(af['id'], DATA)
        self.assertImageRecord(up, entry_id, 'SHA-384', 'RSA-PSS', meta)
        # a refused new upload over signed data keeps the data and its
        # record, as any refused upload keeps the blob's value
        self.set_metadata(af['id'], signature_metadata(
            key, DATA + b'x', entry_id, 'SHA-384'))
        self.assertRefusedUpload(af['id'], DATA, 'does not match')
        # a flipped bit, the wrong hash method, the wrong key
        for meta, reason in (
                (signature_metadata(key, DATA, entry_id, signature=(
                    signing.flip_bit(signing.sign(key, DATA)))),
                 'does not match'),
                (dict(signature_metadata(key, DATA, entry_id),
                      img_signature_hash_method='SHA-512'),
                 'does not match'),
                (signature_metadata(signing.rsa_key(tag='other'), DATA,
                                    entry_id), 'does not match')):
            self.assertRefusedUpload(self.new_image(meta)['id'], DATA,
                                     reason)

    def test_partial_and_bad_metadata(self):
        key = signing.rsa_key()
        entry_id = self.trusted(key)
        meta = signature_metadata(key, DATA, entry_id)
        for missing in ((KEYS[1],), (KEYS[0], KEYS[3]), KEYS[1:]):
            af = self.new_image({k: v for k, v in meta.items()
                                 if k not in missing})
            err = self.assertRefusedUpload(af['id'], DATA, 'but not %s' %
                                           ', '.join(missing))
            self.assertIn('needs all four keys', err['error']['message'])
        other_project = self.auth(self.new_project())
        other_entry = self.trusted(key, headers=other_project)
        ec = signing.ec_key()
        ec_entry = self.trusted(ec)
        deleted = self.trusted(signing.rsa_key(tag='deleted'))
        for changes, reason in (
                ({'img_signature_hash_method': 'SHA-224'},
                 "img_signature_hash_method 'SHA-224' is not supported"),
                ({'img_signature_key_type': 'ECC_SECT571K1'},
                 "img_signature_key_type 'ECC_SECT571K1' is not supported"),
                ({'img_signature_key_type': 'DSA'},
                 'DSA is not supported'),
                ({'img_signature': 'not base64!'},
                 'img_signature is not valid base64'),
                ({'img_signature_certificate_uuid': 'nothing'},
                 'no trust store entry nothing'),
                ({'img_signature_certificate_uuid': other_entry},
                 'no trust store entry %s' % other_entry),
                # an ECC key makes no RSA-PSS signatures
                ({'img_signature_certificate_uuid': ec_entry},
                 'cannot make RSA-PSS signatures')):
            af = self.new_image(dict(meta, **changes))
            err = self.assertRefusedUpload(af['id'], DATA, reason)
            self.assertIn('nothing was uploaded', err['error']['message'])
        # an entry deleted since the metadata was set
        af = self.new_image(dict(meta, img_signature_certificate_uuid=deleted))
        resp = self.delete('%s/%s' % (test_signatures.TRUST, deleted),
                           headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertRefusedUpload(af['id'], DATA, 'no trust store entry')
        # refused before the data is read: the answer comes while most
        # of the body is still to be sent
        af = self.new_image({KEYS[0]: meta[KEYS[0]]})
        self.assertEqual(400, self.answer_to_a_started_upload(af['id']))
        self.assertIsNone(self.show_image(af['id'])['image'])
        self.assertEqual({KEYS[0]: meta[KEYS[0]]},
                         self.show_image(af['id'])['metadata'])

    def answer_to_a_started_upload(self, artifact_id):
        """The status of a PUT announcing 10 MiB that sends 1 KiB."""
        head = ['PUT %s HTTP/1.1' % self.image_path(artifact_id),
                'Host: 127.0.0.1', 'Content-Type: application/octet-stream',
                'Content-Length: %d' % (10 * MIB)]
        head += ['%s: %s' % kv for kv in self.user.items()]
        with socket.create_connection(('127.0.0.1', self.server.port),
                                      timeout=30) as sock:
            sock.sendall(('\r\n'.join(head) + '\r\n\r\n').encode())
            sock.sendall(b'x' * 1024)
            answer = b''
            while b'\r\n' not in answer:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                answer += chunk
        return int(answer.split(b' ', 2)[1])

    def test_metadata_value_lengths(self):
        key = signing.rsa_key(4096)
        entry_id = self.trusted(key)
        meta = signature_metadata(key, DATA, entry_id, 'SHA-512')
        self.assertEqual(684, len(meta['img_signature']))
        af = self.new_image(meta)
        self.assertImageRecord(self.upload_image(af['id'], DATA), entry_id,
                               'SHA-512', 'RSA-PSS', meta)
        # 2,048 characters taken, 2,049 refused; the other keys keep 255
        longest = 'A' * 2048
        af = self.new_image({'img_signature': longest})
        self.assertEqual(longest, af['metadata']['img_signature'])
        self.assertEqual(longest,
                         self.show_image(af['id'])['metadata'][
                             'img_signature'])
        err = self.assertError(400, self.post(self.url(type_name=TYPE), {
            'name': self.unique(), 'metadata': {
                'img_signature': longest + 'A'}}, headers=self.user))
        self.assertIn('2048', err['error']['message'])
        self.assertError(400, self.set_metadata(
            af['id'], {'img_signature': longest + 'A'}, expect=400), '2048')
        self.assertEqual(longest, self.show_image(af['id'])['metadata'][
            'img_signature'])
        for other in ('img_signature_hash_method', 'description', 'x'):
            self.assertError(400, self.set_metadata(
                af['id'], {other: 'a' * 256}, expect=400), '255')
            self.set_metadata(af['id'], {other: 'a' * 255})
        # other types keep 255 for every key
        self.assertError(400, self.post(self.url(), {
            'name': self.unique(), 'metadata': {
                'img_signature': 'a' * 256}}, headers=self.user), '255')
        # the schema says so
        schema = self.get('/schemas/images', headers=self.user).json()[
            'schemas']['images']['properties']['metadata']
        self.assertEqual(2048, schema['properties']['img_signature'][
            'maxLength'])
        self.assertEqual(255, schema['additionalProperties']['maxLength'])

    @unittest.skipUnless(shutil.which('openssl'), 'needs openssl')
    def test_signature_made_with_openssl(self):
        """The steps of doc/source/user/signing.rst, "Signed images"."""
        tmp = tempfile.mkdtemp(prefix='glare-openssl-')
        self.addCleanup(shutil.rmtree, tmp, True)

        def openssl(*args):
            return subprocess.run(('openssl',) + args, cwd=tmp, check=True,
                                  capture_output=True, timeout=120).stdout

        with open(os.path.join(tmp, 'disk.raw'), 'wb') as f:
            f.write(DATA)
        openssl('req', '-x509', '-newkey', 'rsa:3072', '-nodes',
                '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '365',
                '-subj', '/O=Example/CN=image signing')
        openssl('dgst', '-sha256', '-sigopt', 'rsa_padding_mode:pss',
                '-sign', 'key.pem', '-out', 'disk.sig', 'disk.raw')
        signature = openssl('base64', '-A', '-in', 'disk.sig').decode()
        with open(os.path.join(tmp, 'cert.pem')) as f:
            entry = self.add_entry(f.read())
        meta = {'img_signature': signature,
                'img_signature_hash_method': 'SHA-256',
                'img_signature_key_type': 'RSA-PSS',
                'img_signature_certificate_uuid': entry['id']}
        af = self.new_image(meta)
        up = self.upload_image(af['id'], pieces(DATA))
        self.assertImageRecord(up, entry['id'], 'SHA-256', 'RSA-PSS', meta)
        self.assertEqual('CN=image signing,O=Example',
                         up['signatures']['image']['subject'])
        # ECDSA on P-384, with SHA-384
        openssl('ecparam', '-name', 'secp384r1', '-genkey', '-noout',
                '-out', 'ec-key.pem')
        openssl('ec', '-in', 'ec-key.pem', '-pubout', '-out', 'ec-pub.pem')
        openssl('dgst', '-sha384', '-sign', 'ec-key.pem', '-out',
                'disk-ec.sig', 'disk.raw')
        with open(os.path.join(tmp, 'ec-pub.pem')) as f:
            ec_entry = self.add_entry(f.read())
        meta = {'img_signature': openssl('base64', '-A', '-in',
                                         'disk-ec.sig').decode(),
                'img_signature_hash_method': 'SHA-384',
                'img_signature_key_type': 'ECC_SECP384R1',
                'img_signature_certificate_uuid': ec_entry['id']}
        af = self.new_image(meta)
        up = self.upload_image(af['id'], DATA)
        self.assertImageRecord(up, ec_entry['id'], 'SHA-384',
                               'ECC_SECP384R1', meta)

    def test_keys_set_after_the_upload_verify_nothing(self):
        # the keys speak for the next upload only: set once the data is
        # there they change nothing (PUT .../signatures/image signs it)
        key = signing.ec_key()
        entry_id = self.trusted(key)
        af = self.new_image()
        self.upload_image(af['id'], DATA)
        meta = signature_metadata(key, OTHER, entry_id)
        doc = self.set_metadata(af['id'], meta)
        self.assertEqual({}, doc['signatures'])
        doc = self.sign_image(af['id'], signing.raw_body(key, DATA,
                                                         entry_id))
        self.assertEqual(['image'], list(doc['signatures']))
        # an external location is not verified by the keys either
        af = self.new_image(signature_metadata(key, DATA, entry_id))
        resp = self.request('PUT', self.image_path(af['id']),
                            headers=self.user,
                            json_body={'url': self.origin_url()},
                            content_type=test_locations.LOCATION_TYPE)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual({}, resp.json()['signatures'])

    CONFIG = {'locations': {'allowed_networks': '127.0.0.1/32'}}


@base.with_backends
class RequiredSignatureTests(ImageMixin):
    """[artifact_type:<type>] require_signature: images need signatures
    to be activated, sample artifacts and Murano packages (v0.1) to be
    downloaded too."""

    CONFIG = {
        'locations': {'allowed_networks': '127.0.0.1/32'},
        'artifact_type:images': {'require_signature': 'activate'},
        'artifact_type:sample_artifact': {'require_signature': 'download'},
        'artifact_type:murano': {'require_signature': 'download'},
    }

    def activate_image(self, artifact_id, expect=200, headers=None):
        resp = self.patch(self.url(artifact_id, TYPE), [
            {'op': 'replace', 'path': '/status', 'value': 'active'}],
            headers=self.user if headers is None else headers)
        if expect != 200:
            return self.assertError(expect, resp)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def test_activation_waits_for_a_signature(self):
        key = signing.rsa_key()
        entry_id = self.trusted(key)
        af = self.new_image()
        # no data: nothing to sign
        self.assertEqual('active', self.activate_image(af['id'])['status'])
        af = self.new_image()
        self.upload_image(af['id'], DATA)
        err = self.activate_image(af['id'], expect=409)
        self.assertIn('these have none: image', err['error']['message'])
        self.assertIn('require_signature = activate',
                      err['error']['message'])
        self.assertEqual('drafted', self.show_image(af['id'])['status'])
        # downloads are not refused under "activate"
        self.assertEqual(DATA, self.get(self.image_path(af['id']),
                                        headers=self.user).content)
        self.sign_image(af['id'], signing.raw_body(key, DATA, entry_id))
        self.assertEqual('active', self.activate_image(af['id'])['status'])
        # signed as it was uploaded: activated at once
        af = self.new_image(signature_metadata(key, DATA, entry_id))
        self.upload_image(af['id'], DATA)
        doc = self.activate_image(af['id'])
        self.assertEqual(('active', ['image']),
                         (doc['status'], list(doc['signatures'])))
        # reactivated as it was deactivated, signed
        self.set_values(af['id'], headers=self.admin, type_name=TYPE,
                        status='deactivated')
        self.assertEqual('active', self.activate_image(
            af['id'], headers=self.admin)['status'])

    def test_sample_activation_names_every_unsigned_blob(self):
        key = signing.ec_key()
        entry_id = self.trusted(key)
        af = self.create(string_required='set')
        resp = self.set_location(af['id'], 'blob', {'url': self.origin_url()})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.upload(af['id'], 'small_blob', b'small')
        self.upload(af['id'], 'dict_of_blobs', b'a', 'a')
        self.upload(af['id'], 'dict_of_blobs', b'b', 'b/c')
        self.signed(af['id'], 'dict_of_blobs',
                    signing.raw_body(key, b'a', entry_id), key='a')

        def activation_refused():
            return self.assertError(409, self.patch(self.url(af['id']), [
                {'op': 'replace', 'path': '/status', 'value': 'active'}],
                headers=self.user))['error']['message']

        self.assertIn('these have none: blob (an external location: it '
                      'cannot be signed), dict_of_blobs/b/c, small_blob',
                      activation_refused())
        # an external location is never signed: only removing it helps
        resp = self.delete(self.blob_path(af['id'], 'blob'),
                           headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.signed(af['id'], 'small_blob',
                    signing.raw_body(key, b'small', entry_id))
        self.assertIn('these have none: dict_of_blobs/b/c',
                      activation_refused())
        self.signed(af['id'], 'dict_of_blobs',
                    signing.raw_body(key, b'b', entry_id), key='b/c')
        self.assertEqual('active', self.activate(af['id'])['status'])

    def test_downloads_of_unsigned_blobs_refused(self):
        key = signing.ec_key()
        entry_id = self.trusted(key)
        af = self.create(string_required='set')
        self.upload(af['id'], 'blob', b'blob data')
        self.upload(af['id'], 'dict_of_blobs', b'entry', 'k')
        for field, key_name in (('blob', None), ('dict_of_blobs', 'k')):
            label = field + ('/' + key_name if key_name else '')
            err = self.assertError(403, self.download(af['id'], field,
                                                      key_name))
            self.assertIn('Blob %s cannot be downloaded: it has no '
                          'verified signature' % label,
                          err['error']['message'])
            # an administrator neither
            self.assertError(403, self.download(af['id'], field, key_name,
                                                headers=self.admin))
        self.signed(af['id'], 'blob',
                    signing.raw_body(key, b'blob data', entry_id))
        resp = self.download(af['id'], 'blob')
        self.assertEqual((200, b'blob data'), (resp.status_code,
                                               resp.content))
        # a range too
        resp = self.request('GET', self.blob_path(af['id'], 'blob'),
                            headers=dict(self.user, Range='bytes=1-3'))
        self.assertEqual((206, b'lob'), (resp.status_code, resp.content))
        self.assertError(403, self.download(af['id'], 'dict_of_blobs', 'k'))
        self.signed(af['id'], 'dict_of_blobs',
                    signing.raw_body(key, b'entry', entry_id), key='k')
        self.assertEqual(b'entry', self.download(af['id'], 'dict_of_blobs',
                                                 'k').content)
        # through /artifacts/all too
        resp = self.get('/artifacts/all/%s/blob' % af['id'],
                        headers=self.user)
        self.assertEqual(b'blob data', resp.content)
        # active: new data in the mutable blob is unsigned again
        self.activate(af['id'])
        self.upload(af['id'], 'blob', b'new data')
        self.assertError(403, self.download(af['id'], 'blob'),
                         'no verified signature')
        self.assertError(403, self.get('/artifacts/all/%s/blob' % af['id'],
                                       headers=self.user),
                         'no verified signature')
        # deactivated with an unsigned blob: reactivated once it is signed
        self.set_values(af['id'], headers=self.admin, status='deactivated')
        err = self.assertError(409, self.patch(self.url(af['id']), [
            {'op': 'replace', 'path': '/status', 'value': 'active'}],
            headers=self.admin))
        self.assertIn('these have none: blob', err['error']['message'])
        self.signed(af['id'], 'blob',
                    signing.raw_body(key, b'new data', entry_id))
        doc = self.set_values(af['id'], headers=self.admin,
                              status='active')
        self.assertEqual('active', doc['status'])
        self.assertEqual(b'new data', self.download(af['id'],
                                                    'blob').content)

    def test_external_blob_not_downloaded(self):
        af = self.create(string_required='set')
        resp = self.set_location(af['id'], 'blob', {'url': self.origin_url()})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertError(403, self.download(af['id'], 'blob'),
                         'an external location, which cannot be signed')

    def test_murano_v01_download(self):
        key = signing.ec_key()
        entry_id = self.trusted(key)
        resp = self.post(V01 + '/drafts', {
            'name': self.unique('org.example.A'), 'version': '1.0.0',
            'type': 'Application', 'display_name': 'A'},
            headers=self.user)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        doc = resp.json()
        archive = '%s/%s/archive' % (V01, doc['id'])
        resp = self.request('PUT', archive, self.user, data=b'package',
                            content_type='application/zip')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        resp = self.get(archive + '/download', self.user)
        self.assertEqual(403, resp.status_code, base.brief(resp))
        self.assertIn('archive cannot be downloaded', resp.text)
        self.assertNotIn('Traceback', resp.text)
        # publishing (activation) waits for the signature too
        resp = self.post('%s/%s/publish' % (V01, doc['id']), None,
                         headers=self.user)
        self.assertEqual(409, resp.status_code, base.brief(resp))
        self.assertIn('these have none: archive', resp.text)
        resp = self.request(
            'PUT', '/artifacts/murano/%s/signatures/archive' % doc['id'],
            headers=self.user, json_body=signing.raw_body(
                key, b'package', entry_id))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        resp = self.get(archive + '/download', self.user)
        self.assertEqual((200, b'package'), (resp.status_code,
                                             resp.content))
