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

"""Signature records in blob rows (API 1.5): read into the signatures
field, written only over the data that was verified, dropped with the
data. On SQLite, and on PostgreSQL and MySQL when reachable."""

import json
import uuid

import sqlalchemy as sa

from glare.db import blobs as blobs_db
from glare import exception
from glare.tests import base
from glare.tests.unit.db import test_artifacts_codec as codec

RECORD = {'verified': True, 'certificate_id': 'c', 'form': 'raw'}
RULE = blobs_db.WriteRule('blob', ('drafted', 'active'))


class _SignatureRows:

    add_blob = codec._Blobs.add_blob

    def record(self, **values):
        return json.dumps(dict(RECORD, **values))

    def signature_of(self, blob_id):
        with self.engine.connect() as conn:
            return conn.execute(sa.select(codec.BLOBS.c.signature).where(
                codec.BLOBS.c.id == blob_id)).scalar()

    def revision(self, artifact_id):
        return self.get(artifact_id)['revision']

    def test_records_are_read_with_the_blobs(self):
        artifact_id = self.create()['id']
        self.assertEqual({}, self.get(artifact_id)['signatures'])
        self.add_blob(artifact_id, 'blob', signature=self.record())
        self.add_blob(artifact_id, 'folder', 'dir/a', signature=self.record(
            certificate_id='d'))
        self.add_blob(artifact_id, 'folder', 'b')
        # a blob being uploaded: its old data's record is not shown
        self.add_blob(artifact_id, 'folder', 'c', status='saving',
                      signature=self.record())
        read = self.get(artifact_id)
        self.assertEqual({'blob': RECORD,
                          'folder/dir/a': dict(RECORD, certificate_id='d')},
                         read['signatures'])
        self.assertNotIn('signature', read['blob'])

    def test_set_signature_over_the_data_verified(self):
        artifact_id = self.create()['id']
        blob = self.add_blob(artifact_id, 'blob')
        before = self.revision(artifact_id)
        blobs_db.set_signature(self.context, artifact_id, blob['id'],
                               blob['sha256'], self.record())
        self.assertEqual(RECORD, json.loads(self.signature_of(blob['id'])))
        self.assertEqual(before + 1, self.revision(artifact_id))
        # drafted: replaced
        blobs_db.set_signature(self.context, artifact_id, blob['id'],
                               blob['sha256'], self.record(form='sigstore'))
        self.assertEqual('sigstore',
                         json.loads(self.signature_of(blob['id']))['form'])

    def test_the_data_changed_meanwhile(self):
        artifact_id = self.create()['id']
        blob = self.add_blob(artifact_id, 'blob')
        saving = self.add_blob(artifact_id, 'folder', 'k', status='saving')
        external = self.add_blob(artifact_id, 'folder', 'x', external=True)
        other = self.add_blob(self.create()['id'], 'blob')
        for blob_id, sha256 in ((blob['id'], 'other'),
                                (saving['id'], saving['sha256']),
                                (external['id'], external['sha256']),
                                (other['id'], other['sha256']),
                                (str(uuid.uuid4()), blob['sha256'])):
            err = self.assertRaises(
                exception.Conflict, blobs_db.set_signature, self.context,
                artifact_id, blob_id, sha256, self.record())
            self.assertIn('changed while', str(err))
        for row in (blob, saving, external, other):
            self.assertIsNone(self.signature_of(row['id']))

    def test_statuses(self):
        active = self.create(status='active')['id']
        blob = self.add_blob(active, 'blob')
        blobs_db.set_signature(self.context, active, blob['id'],
                               blob['sha256'], self.record())
        err = self.assertRaises(
            exception.Conflict, blobs_db.set_signature, self.context,
            active, blob['id'], blob['sha256'], self.record(form='x'))
        self.assertIn('signed already', str(err))
        self.assertEqual(RECORD, json.loads(self.signature_of(blob['id'])))
        for status in ('deactivated', 'deleted'):
            artifact_id = self.create(status=status)['id']
            row = self.add_blob(artifact_id, 'blob')
            self.assertRaises(exception.Forbidden, blobs_db.set_signature,
                              self.context, artifact_id, row['id'],
                              row['sha256'], self.record())
        self.assertRaises(exception.ArtifactNotFound, blobs_db.set_signature,
                          self.context, str(uuid.uuid4()), blob['id'],
                          blob['sha256'], self.record())

    def upload(self, artifact_id, values=None, finish=True):
        upload_id = str(uuid.uuid4())
        blobs_db.begin_upload(self.context, dict(
            id=upload_id, artifact_id=artifact_id, blob_name='blob',
            key_name='', type_name=codec.TYPE, owner='p1', store='file',
            location=None), blobs_db.Limits(), 0, RULE)
        if finish:
            blobs_db.finish_upload(self.context, upload_id, dict(
                dict(size=1, md5='m2', sha1='x', sha256='new',
                     url='file:///new'), **(values or {})), RULE)
        else:
            blobs_db.abort_upload(self.context, upload_id)

    def test_new_data_drops_the_record(self):
        artifact_id = self.create()['id']
        blob = self.add_blob(artifact_id, 'blob', signature=self.record())
        # an upload that ends without data: the record stays with the data
        self.upload(artifact_id, finish=False)
        self.assertEqual(RECORD, json.loads(self.signature_of(blob['id'])))
        self.upload(artifact_id)
        self.assertIsNone(self.signature_of(blob['id']))
        self.assertEqual({}, self.get(artifact_id)['signatures'])
        # the record of a signature verified as the data streamed
        self.upload(artifact_id, {'signature': self.record(form='glance')})
        self.assertEqual({'blob': dict(RECORD, form='glance')},
                         self.get(artifact_id)['signatures'])

    def test_removed_data_takes_its_record(self):
        artifact_id = self.create()['id']
        self.add_blob(artifact_id, 'blob', signature=self.record())
        blobs_db.delete_blob(self.context, artifact_id, 'blob', '', RULE)
        blobs_db.add_location(self.context, artifact_id, 'blob', '', dict(
            url='http://example.com/x', external=True, size=None),
            RULE)
        self.assertEqual({}, self.get(artifact_id)['signatures'])


class SQLiteSignatureRowsTest(_SignatureRows, codec._Codec, base.TestCase):
    backend = 'sqlite'


class PostgreSQLSignatureRowsTest(_SignatureRows, codec._Codec,
                                  base.TestCase):
    backend = 'postgresql'


class MySQLSignatureRowsTest(_SignatureRows, codec._Codec, base.TestCase):
    backend = 'mysql'
