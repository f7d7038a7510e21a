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

"""glare-bundle export --sign-key and verify --cert, as a subprocess
against a live glare-api (SQLite: the command sees the same API whatever
the database), with keys and certificates made in the tests.

The signature (glare.bundles.signing) is checked here with the
cryptography package directly too, over the index the API serves: what
the CLI signs is the server's index, unchanged but for the annotation.
"""

import base64
import datetime
import hashlib
import io
import json
import os
import shutil
import subprocess
import tarfile
import unittest

from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric import padding
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives import serialization

from glare.bundles import signing
from glare.common import crypto
from glare.tests.fixtures import signing as keys
from glare.tests.functional import base
from glare.tests.functional import test_bundle_cli as cli_tests
from glare.tests.functional import test_bundle_export as export_tests
from glare.tests.functional import test_bundle_import as import_tests
from glare.tests.functional import test_bundle_oras as oras_tests

ANN = 'org.openstack.glare.signature'
HASHES = {'SHA-256': hashes.SHA256, 'SHA-384': hashes.SHA384,
          'SHA-512': hashes.SHA512}


def entries(data):
    """[(name, bytes)] of a tar, in order."""
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:') as tar:
        return [(m.name, tar.extractfile(m).read()) for m in tar.getmembers()]


def spki_fingerprint(key):
    return hashlib.sha256(key.public_key().public_bytes(
        serialization.Encoding.DER,
        serialization.PublicFormat.SubjectPublicKeyInfo)).hexdigest()


class BundleSigningTests(cli_tests.CLIMixin, base.FunctionalTest):

    # -- files ---------------------------------------------------------------
    def key_file(self, key, name, password=None, traditional=False):
        fmt = serialization.PrivateFormat.TraditionalOpenSSL if traditional \
            else serialization.PrivateFormat.PKCS8
        encryption = serialization.NoEncryption() if password is None else \
            serialization.BestAvailableEncryption(password)
        return self.write(name, key.private_bytes(
            serialization.Encoding.PEM, fmt, encryption))

    def cert_file(self, key, name, **kwargs):
        return self.write(name, keys.cert_pem(keys.certificate(
            key, **kwargs)).encode())

    def signed_export(self, artifact_id, key_path, *extra, name='s.tar'):
        proc = self.cli(*self.noauth(), 'export', base.SAMPLE, artifact_id,
                        '-o', self.path(name), '--sign-key', key_path,
                        *extra)
        return self.path(name), proc.stderr.decode()

    def verify(self, path, *extra, expect=0):
        return self.cli('verify', path, *extra, expect=expect)

    # -- export --sign-key / verify --cert -----------------------------------
    def test_rsa_and_ec_keys_sign_the_index_the_server_wrote(self):
        app, lib = self.tree()
        served = self.api_bundle(app['id'])
        # (key, password, its file, traditional PEM, --hash-method)
        cases = (
            (keys.rsa_key(), None, None, False, None),
            (keys.rsa_key(3072, tag='cli'), b'rsa pass', b'rsa pass', True,
             'SHA-512'),
            (keys.ec_key('ECC_SECP256R1'), None, None, True, None),
            # the password is the file's first line
            (keys.ec_key('ECC_SECP384R1'), b'ec pass', b'ec pass\nmore\n',
             False, 'SHA-384'),
            (keys.ec_key('ECC_SECP521R1'), b'p521', b'p521\r\n', False,
             'SHA-512'))
        for i, (key, password, password_file, traditional,
                method) in enumerate(cases):
            key_path = self.key_file(key, 'key%d.pem' % i, password,
                                     traditional)
            extra = []
            if password is not None:
                extra += ['--sign-key-password-file',
                          self.write('pw%d' % i, password_file)]
            if method is not None:
                extra += ['--hash-method', method]
            method = method or 'SHA-256'
            key_type = crypto.key_types(key.public_key())[0]
            path, said = self.signed_export(app['id'], key_path, *extra,
                                            name='s%d.tar' % i)
            fingerprint = spki_fingerprint(key)
            self.assertIn('index signed by key %s (%s, %s)' % (
                fingerprint, key_type, method), said)
            data = self.read(os.path.basename(path))
            got, want = entries(data), entries(served)
            # every entry but the index is the server's, in its order
            self.assertEqual([n for n, _d in want], [n for n, _d in got])
            self.assertEqual(want[:1] + want[2:], got[:1] + got[2:])
            index = json.loads(got[1][1])
            self.assertEqual(export_tests.canonical(index), got[1][1])
            value = json.loads(index['annotations'].pop(ANN))
            # without its annotation the index is the server's, byte for
            # byte: that is what the signature covers
            self.assertEqual(want[1][1], export_tests.canonical(index))
            self.assertEqual({'fingerprint_sha256': fingerprint,
                              'hash_method': method, 'key_type': key_type,
                              'signature': value['signature']}, value)
            raw = base64.b64decode(value['signature'])
            algorithm = HASHES[method]()
            if key_type == 'RSA-PSS':
                key.public_key().verify(raw, want[1][1], padding.PSS(
                    mgf=padding.MGF1(algorithm),
                    salt_length=padding.PSS.AUTO), algorithm)
            else:
                key.public_key().verify(raw, want[1][1],
                                        ec.ECDSA(algorithm))
            # verify --cert: a certificate of the key, or the bare key
            cert = self.cert_file(key, 'cert%d.pem' % i)
            out = self.verify(path, '--cert', cert).stdout.decode()
            self.assertIn('valid bundle of 2 artifact(s)', out)
            self.assertIn('index signed by key %s (%s, %s), verified with '
                          '%s' % (fingerprint, key_type, method, cert), out)
            bare = self.write('pub%d.pem' % i, keys.public_pem(key).encode())
            self.verify(path, '--cert', bare)
            out = self.verify(path).stdout.decode()
            self.assertIn('not checked (give --cert)', out)

    def test_a_signed_bundle_imports_and_goes_through_a_registry(self):
        app, lib = self.tree()
        # lib's text blob signed through the API (a blob signature, which
        # an importer without the certificate drops)
        text = b'lib data' * 1000
        resp = self.post('/trust/certificates', {
            'name': 'signer', 'pem': keys.cert_pem(keys.certificate(
                keys.rsa_key()))}, headers=self.user)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        resp = self.request('PUT', self.url(lib['id']) + '/signatures/blob',
                            headers=self.user, json_body=keys.raw_body(
                                keys.rsa_key(), text, resp.json()['id']))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        key = keys.ec_key()
        path, _said = self.signed_export(
            app['id'], self.key_file(key, 'k.pem'))
        cert = self.cert_file(key, 'c.pem')
        # the API takes a bundle with a signed index (into a project that
        # has not these ids)
        other = self.new_project()
        data, ids = self.renamed_signed(app['id'], key)
        self.write('renamed.tar', data)
        proc = self.cli(*self.noauth(other), 'import', self.path(
            'renamed.tar'))
        out = proc.stdout.decode()
        self.assertIn('2 imported, 0 skipped', out)
        self.assertIn('signature dropped: %s/%s blob: no trust store entry '
                      'has the key of fingerprint' % (base.SAMPLE,
                                                      ids[lib['id']]), out)
        self.verify(self.path('renamed.tar'), '--cert', cert)
        if self.registry is None:
            return  # the registry part: test_bundle_cli says why it skips
        ref = self.ref(repo='glare/' + self.unique('s').lower())
        self.cli('push', path, ref, '--insecure')
        self.cli('pull', ref, self.path('pulled.tar'), '--insecure')
        # the signature comes back: the very bytes
        self.assertEqual(self.read('s.tar'), self.read('pulled.tar'))
        self.verify(self.path('pulled.tar'), '--cert', cert)

    def renamed_signed(self, artifact_id, key):
        """The bundle of artifact_id with new ids, signed with key."""
        bundle = export_tests.Bundle(self, self.api_bundle(artifact_id))
        data, ids = import_tests.rebuild(bundle)
        return b''.join(signing.sign_stream(
            [data], lambda index: signing.sign_index(index, key))), ids

    def test_verify_cert_refusals_are_one_line(self):
        app, lib = self.tree()
        key = keys.rsa_key()
        path, _said = self.signed_export(app['id'],
                                         self.key_file(key, 'k.pem'))
        good = self.cert_file(key, 'good.pem')
        signed = self.read('s.tar')
        # an unsigned bundle given --cert
        unsigned = self.exported(app['id'], 'plain.tar')
        self.fails('verify', unsigned, '--cert', good,
                   message='the bundle is not signed')
        # another key
        other = self.cert_file(keys.ec_key(tag='other'), 'other.pem')
        self.fails('verify', path, '--cert', other,
                   message='signed by another key')
        # the index changed after signing (still canonical JSON): a
        # manifest's annotation
        parts = entries(signed)
        index = json.loads(parts[1][1])
        index['manifests'][0]['annotations'][
            'org.openstack.glare.name'] = 'renamed'
        self.write('tampered.tar', oras_tests.tar_of(
            [parts[0], ('index.json', export_tests.canonical(index))] +
            parts[2:]))
        self.fails('verify', self.path('tampered.tar'), '--cert', good,
                   message='the index was changed after it was signed')
        # the signature damaged
        index = json.loads(parts[1][1])
        value = json.loads(index['annotations'][ANN])
        value['signature'] = keys.b64(keys.flip_bit(base64.b64decode(
            value['signature'])))
        index['annotations'][ANN] = json.dumps(value)
        self.write('damaged.tar', oras_tests.tar_of(
            [parts[0], ('index.json', export_tests.canonical(index))] +
            parts[2:]))
        self.fails('verify', self.path('damaged.tar'), '--cert', good,
                   message='does not verify with this key')
        # a malformed annotation: refused with or without --cert
        index['annotations'][ANN] = 'not json'
        self.write('malformed.tar', oras_tests.tar_of(
            [parts[0], ('index.json', export_tests.canonical(index))] +
            parts[2:]))
        for extra in ((), ('--cert', good)):
            self.fails('verify', self.path('malformed.tar'), *extra,
                       message='%s of index.json is malformed' % ANN)
        # a layer changed: the digests the signed index names
        last = parts[-1]
        self.write('layer.tar', oras_tests.tar_of(
            parts[:-1] + [(last[0], keys.flip_bit(last[1]))]))
        self.fails('verify', self.path('layer.tar'), '--cert', good,
                   message='does not match its name')
        # certificates that cannot be used
        now = keys.utcnow()
        day = datetime.timedelta(days=1)
        expired = self.cert_file(key, 'expired.pem', not_before=now - 3 * day,
                                 not_after=now - day)
        self.fails('verify', path, '--cert', expired,
                   message='cannot use the certificate %s: the certificate '
                   'expired on' % expired)
        self.fails('verify', path, '--cert', self.key_file(key, 'priv.pem'),
                   message='holds a private key')
        self.fails('verify', path, '--cert', self.path('nothing.pem'),
                   message='cannot read the certificate')

    def test_sign_key_refusals_are_one_line_and_leave_no_file(self):
        app, lib = self.tree()
        rsa = keys.rsa_key()
        locked = self.key_file(rsa, 'locked.pem', b'right')
        wrong = self.write('wrong', b'wrong\n')
        empty = self.write('empty', b'')
        out = self.path('out.tar')
        export = (*self.noauth(), 'export', base.SAMPLE, app['id'], '-o',
                  out)
        for extra, message in (
                (('--sign-key', self.path('missing.pem')),
                 'cannot read the signing key'),
                (('--sign-key', locked), 'its password is needed (give '
                 '--sign-key-password-file)'),
                (('--sign-key', locked, '--sign-key-password-file', wrong),
                 'the password is wrong'),
                (('--sign-key', locked, '--sign-key-password-file', empty),
                 'is empty'),
                (('--sign-key', self.key_file(rsa, 'plain.pem'),
                  '--sign-key-password-file', wrong), 'not encrypted'),
                (('--sign-key', self.key_file(keys.dsa_key(), 'dsa.pem')),
                 'DSA keys are not supported'),
                (('--sign-key', self.cert_file(rsa, 'cert.pem')),
                 'not a PEM private key'),
                (('--sign-key-password-file', wrong),
                 '--sign-key-password-file goes with --sign-key')):
            line = self.fails(*export, *extra, message=message)
            self.assertNotIn('MII', line)  # no PEM material is shown
            self.assertFalse(os.path.exists(out), extra)
        proc = self.cli(*export, '--sign-key', locked, '--hash-method',
                        'MD5', expect=2)
        self.assertIn(b'invalid choice', proc.stderr)
        self.assertFalse(os.path.exists(out))
        # the right password
        self.cli(*export, '--sign-key', locked, '--sign-key-password-file',
                 self.write('right', b'right\n'))
        self.verify(out, '--cert', self.cert_file(rsa, 'c.pem'))

    @unittest.skipUnless(shutil.which('openssl'), 'needs openssl')
    def test_keys_made_with_openssl_as_the_guide_says(self):
        """doc/source/user/signing.rst, Signed bundle indexes: an
        encrypted EC key and its certificate made by openssl; an RSA key
        too."""
        app, lib = self.tree()

        def openssl(*args):
            subprocess.run(('openssl',) + args, cwd=self.tmp, check=True,
                           capture_output=True, timeout=120)
        self.write('pass.txt', b'correct horse\n')
        openssl('genpkey', '-algorithm', 'EC', '-pkeyopt',
                'ec_paramgen_curve:P-256', '-aes-256-cbc', '-pass',
                'file:pass.txt', '-out', 'bundle-key.pem')
        openssl('req', '-x509', '-new', '-key', 'bundle-key.pem', '-passin',
                'file:pass.txt', '-out', 'bundle-cert.pem', '-days', '365',
                '-subj', '/O=Example/CN=bundle signing')
        openssl('genpkey', '-algorithm', 'RSA', '-pkeyopt',
                'rsa_keygen_bits:3072', '-out', 'rsa-key.pem')
        openssl('pkey', '-in', 'rsa-key.pem', '-pubout', '-out',
                'rsa-pub.pem')
        path, said = self.signed_export(
            app['id'], self.path('bundle-key.pem'),
            '--sign-key-password-file', self.path('pass.txt'),
            name='web.tar')
        self.assertIn('index signed by key ', said)
        self.assertIn('(ECC_SECP256R1, SHA-256)', said)
        out = self.verify(path, '--cert', self.path('bundle-cert.pem'))
        self.assertIn('verified with %s' % self.path('bundle-cert.pem'),
                      out.stdout.decode())
        path, said = self.signed_export(
            app['id'], self.path('rsa-key.pem'), '--hash-method', 'SHA-384',
            name='rsa.tar')
        self.assertIn('(RSA-PSS, SHA-384)', said)
        self.verify(path, '--cert', self.path('rsa-pub.pem'))
        self.fails('verify', path, '--cert', self.path('bundle-cert.pem'),
                   message='signed by another key')
