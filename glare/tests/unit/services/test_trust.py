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

"""The trust store service over a real SQLite database: the entries a
signature may use (usable, with_fingerprint) and the record's shape."""

import datetime
import json
import uuid

from glare.common import crypto
from glare import context
from glare.db import trust as trust_db
from glare import exception
from glare.objects import fields as glare_fields
from glare.services import signatures
from glare.services import trust
from glare.tests import base
from glare.tests.fixtures import signing
from glare.tests.unit.db import test_artifacts_codec as codec


def ctx(project, *roles):
    return context.RequestContext(user_id='u-' + project, project_id=project,
                                  roles=list(roles or ('member',)),
                                  overwrite=False)


class TestTrustService(codec._Codec, base.TestCase):

    backend = 'sqlite'

    def setUp(self):
        super().setUp()
        self.useFixture(base.PolicyFixture())
        self.service = trust.TrustService()
        self.alice, self.bob = ctx('p1'), ctx('p2')
        self.admin = ctx('adm', 'admin')

    def add(self, who, key, **body):
        body.setdefault('name', 'n')
        body.setdefault('pem', signing.cert_pem(signing.certificate(key)))
        return self.service.create(who, body)

    def test_usable_entries_of_the_owner_and_global_ones(self):
        key = signing.ec_key()
        mine = self.add(self.alice, key)
        entry, material = self.service.usable(self.alice, mine['id'], 'p1')
        self.assertEqual(mine['fingerprint_sha256'],
                         material.fingerprint_sha256)
        self.assertIn('BEGIN CERTIFICATE', entry['pem'])
        # another owner's artifact: as if the entry did not exist
        err = self.assertRaises(crypto.CryptoError, self.service.usable,
                                self.bob, mine['id'], 'p2')
        self.assertEqual('no trust store entry %s' % mine['id'], str(err))
        glob = self.add(self.admin, signing.ec_key(tag='g'), scope='global')
        self.assertEqual(glob['id'], self.service.usable(
            self.bob, glob['id'], 'p2')[0]['id'])
        for bad in ('nope', None, 7, str(uuid.uuid4())):
            self.assertRaises(crypto.CryptoError, self.service.usable,
                              self.alice, bad, 'p1')

    def insert_expired(self, owner, key):
        """An entry whose certificate expired after it was added (as the
        API would have kept it)."""
        now = signing.utcnow()
        cert = signing.certificate(
            key, not_before=now - datetime.timedelta(days=3),
            not_after=now - datetime.timedelta(days=1))
        return trust_db.create(self.context, {
            'id': str(uuid.uuid4()), 'name': 'old', 'owner': owner,
            'scope': 'project' if owner else 'global',
            'kind': 'certificate', 'pem': signing.cert_pem(cert),
            'fingerprint_sha256': signing.fingerprint(cert),
            'subject': 'CN=old', 'not_before': None, 'not_after': None})

    def test_expired_since_it_was_added(self):
        old = self.insert_expired('p1', signing.ec_key())
        err = self.assertRaises(crypto.CryptoError, self.service.usable,
                                self.alice, old['id'], 'p1')
        self.assertIn('trust store entry %s: the certificate expired on'
                      % old['id'], str(err))
        # still listed and shown: the owner sees why and removes it
        self.assertEqual(old['id'], self.service.show(self.alice,
                                                      old['id'])['id'])

    def test_with_fingerprint(self):
        key = signing.ec_key()
        pem = signing.cert_pem(signing.certificate(key))
        glob = self.add(self.admin, key, pem=pem, scope='global')
        mine = self.add(self.alice, key, pem=pem)
        fingerprint = mine['fingerprint_sha256']
        # the project's own entry first, then the global one
        self.assertEqual(mine['id'], self.service.with_fingerprint(
            self.alice, fingerprint, 'p1')[0]['id'])
        self.assertEqual(glob['id'], self.service.with_fingerprint(
            self.bob, fingerprint.upper(), 'p2')[0]['id'])
        err = self.assertRaises(crypto.CryptoError,
                                self.service.with_fingerprint, self.bob,
                                'ab' * 32, 'p2')
        self.assertIn('no trust store entry has the key of fingerprint '
                      '%s' % ('ab' * 32), str(err))
        # only expired ones: the reason
        old_key = signing.ec_key(tag='old')
        old = self.insert_expired('p2', old_key)
        err = self.assertRaises(crypto.CryptoError,
                                self.service.with_fingerprint, self.bob,
                                old['fingerprint_sha256'], 'p2')
        self.assertIn('expired', str(err))
        self.assertRaises(crypto.CryptoError, self.service.with_fingerprint,
                          self.bob, None, 'p2')

    def test_scopes_and_policy(self):
        key = signing.ec_key()
        pem = signing.public_pem(key)
        self.assertRaises(exception.Forbidden, self.add, self.alice, key,
                          pem=pem, scope='global')
        reader = ctx('p1', 'reader')
        self.assertRaises(exception.Forbidden, self.add, reader, key,
                          pem=pem)
        entry = self.add(self.alice, key, pem=pem)
        self.assertRaises(exception.Conflict, self.add, self.alice, key,
                          pem=pem)
        self.assertRaises(exception.NotFound, self.service.show, self.bob,
                          entry['id'])
        self.assertRaises(exception.NotFound, self.service.delete, self.bob,
                          entry['id'])
        self.assertEqual([entry['id']], list(
            e['id'] for e in self.service.list(self.alice, {})[
                'certificates']))
        self.assertEqual([], self.service.list(self.bob, {})['certificates'])
        self.service.delete(self.alice, entry['id'])
        self.assertRaises(exception.NotFound, self.service.show, self.alice,
                          entry['id'])

    def test_record_shape(self):
        entry = self.add(self.alice, signing.ec_key())
        record = signatures.make_record(entry, 'SHA-256', 'ECC_SECP256R1',
                                        'raw', b'\x01\x02')
        self.assertEqual(set(glare_fields.SignatureRecord.keys), set(record))
        self.assertEqual(('AQI=', entry['id'], None), (
            record['signature'], record['certificate_id'],
            record['sigstore_bundle']))
        self.assertEqual(record, json.loads(signatures.encode(record)))
