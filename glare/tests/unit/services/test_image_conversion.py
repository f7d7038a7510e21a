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

"""The conversion task (glare.services.image_conversion) with the real
services on SQLite and a filesystem store: the new image's fields, a retry
after a dead worker, what abandon may remove."""

import datetime
import os
import types
import uuid

import fixtures

from glare import context
from glare.db import api as db_api
from glare.db import migration
from glare.db import models
from glare import exception
from glare.services import composition
from glare.services import image_conversion as conversions
from glare.tests import base
from glare.tests.fixtures import qemu

TASKS = models.Task.__table__
MIB = 1 << 20


def ctx(project, *roles):
    return context.RequestContext(
        user_id='u-' + project, project_id=project,
        roles=list(roles or ('member',)), overwrite=False)


class VersionTest(base.TestCase):

    def test_build_metadata_names_the_format(self):
        for version, fmt, expected in (
                ('1.0.0', 'raw', '1.0.0+raw'),
                ('0.0.0', 'qcow2', '0.0.0+qcow2'),
                ('1.2', 'vmdk', '1.2.0+vmdk'),
                ('2.0.0-rc.1', 'raw', '2.0.0-rc.1+raw'),
                # a conversion of a conversion names the last format only
                ('1.0.0+qcow2', 'raw', '1.0.0+raw'),
                ('1.0.0+b7.vhd', 'vdi', '1.0.0+b7.vdi'),
                ('1.0.0+b7', 'raw', '1.0.0+b7.raw')):
            self.assertEqual(expected,
                             conversions.converted_version(version, fmt))


class ConversionTaskTest(base.TestCase):

    def setUp(self):
        super().setUp()
        qemu.skip_or_fail(self)
        tmp = self.useFixture(fixtures.TempDir()).path
        self.tmp = tmp
        config = self.useFixture(base.ConfigFixture())
        config.set(state_path=os.path.join(tmp, 'state'))
        config.set_in('database', connection='sqlite:///%s/glare.sqlite'
                      % tmp)
        config.set_in('tasks', lease_seconds=2, max_attempts=3)
        config.set_in('image_conversion',
                      work_dir=os.path.join(tmp, 'scratch'))
        self.conf = config.conf
        db_api.reset()
        self.addCleanup(db_api.reset)
        migration.upgrade(self.conf)
        db_api.configure(self.conf)
        self.engine = db_api.get_engine()
        self.addCleanup(self.engine.dispose)
        self.policy = self.useFixture(base.PolicyFixture(rules={
            'artifact:property:images.os_distro:read': 'role:admin'}))
        self.services = composition.build_services(self.conf)
        self.alice = ctx('p1')

    def image(self, who=None, **fields):
        """An image with a small qcow2 uploaded; its document."""
        who = who or self.alice
        fields.setdefault('name', 'img-' + uuid.uuid4().hex[:8])
        af = self.services.artifacts.create(who, 'images', dict(
            fields, disk_format='qcow2', container_format='bare'))
        path = qemu.create(os.path.join(self.tmp, af['id'] + '.qcow2'),
                           'qcow2', 4 * MIB)
        qemu.write(path, 'qcow2', MIB, MIB, 0x31)
        with open(path, 'rb') as f:
            return self.services.blobs.upload(
                who, 'images', af['id'], 'image', None, f,
                os.path.getsize(path), False, 'application/octet-stream')

    def claim(self):
        runs = self.services.tasks.claim(1)
        self.assertEqual(1, len(runs))
        return runs[0]

    def expire(self, task_id):
        """As if the worker holding the task died a while ago."""
        with self.engine.begin() as conn:
            conn.execute(TASKS.update().where(TASKS.c.id == task_id).values(
                lease_expires_at=db_api.now() - datetime.timedelta(
                    seconds=1)))

    def gone(self, artifact_id):
        admin = context.get_admin_context()
        self.assertRaises(exception.NotFound, self.services.artifacts.load,
                          admin, 'images', artifact_id)

    def test_new_image_fields(self):
        source = self.image(
            version='3.1.0', os_distro='debian', os_version='12',
            min_disk=2, tags=['a', 'b'], metadata={'k': 'v'})
        # a signature for the next upload (of the source): an upload with
        # these keys is verified, and this one would fail
        self.services.artifacts.update(self.alice, 'images', source['id'], [
            {'op': 'add', 'path': '/metadata/%s' % key, 'value': value}
            for key, value in (('img_signature', 'c2ln'),
                               ('img_signature_hash_method', 'SHA-256'),
                               ('img_signature_key_type', 'RSA-PSS'),
                               ('img_signature_certificate_uuid',
                                str(uuid.uuid4())))])
        task = self.services.conversion.request(
            self.alice, 'images', source['id'], 'image', None,
            {'disk_format': 'vdi'})
        done = self.services.tasks.execute(self.claim())
        self.assertEqual('success', done['status'], done)
        new = self.services.artifacts.show(self.alice, 'images',
                                           done['artifact'])
        self.assertEqual(task['id'], done['id'])
        self.assertEqual(
            (source['name'], '3.1.0+vdi', 'vdi', 'bare', 'p1', 'drafted',
             '/artifacts/images/%s' % source['id'], '12', 2, ['a', 'b']),
            (new['name'], new['version'], new['disk_format'],
             new['container_format'], new['owner'], new['status'],
             new['converted_from'], new['os_version'], new['min_disk'],
             new['tags']))
        # a signature of the source's data signs nothing here; a field
        # the caller may not read is not copied
        self.assertEqual({'k': 'v', 'detected_format': 'vdi',
                          'virtual_size': str(4 * MIB)}, new['metadata'])
        admin_view = self.services.artifacts.show(
            ctx('adm', 'admin'), 'images', new['id'])
        self.assertIsNone(admin_view['os_distro'])
        self.assertEqual('debian', self.services.artifacts.show(
            ctx('adm', 'admin'), 'images', source['id'])['os_distro'])
        self.assertEqual('active', new['image']['status'])
        self.assertEqual([], os.listdir(os.path.join(self.tmp, 'scratch')))

    def test_retry_after_a_dead_worker_removes_its_image(self):
        source = self.image()
        self.services.conversion.request(
            self.alice, 'images', source['id'], 'image', None,
            {'disk_format': 'raw'})
        # the first attempt created its image, then its worker died
        first = self.claim()
        left = str(uuid.uuid4())
        first.set_artifact('images', left)
        self.services.artifacts.create(
            first.context, 'images', {'name': source['name'],
                                      'version': '0.0.0+raw'},
            system={'converted_from': conversions.link(source['id'])},
            artifact_id=left)
        self.expire(first.id)
        second = self.claim()
        self.assertEqual(2, second.attempt)
        done = self.services.tasks.execute(second)
        self.assertEqual('success', done['status'], done)
        self.assertNotEqual(left, done['artifact'])
        self.gone(left)
        new = self.services.artifacts.show(self.alice, 'images',
                                           done['artifact'])
        self.assertEqual('0.0.0+raw', new['version'])

    def test_abandon_removes_only_its_own_image(self):
        source = self.image()
        other = self.services.artifacts.create(self.alice, 'images', {
            'name': 'unrelated'})
        elsewhere = self.services.artifacts.create(
            ctx('p2'), 'images', {'name': 'theirs'},
            system={'converted_from': conversions.link(source['id'])})
        mine = self.services.artifacts.create(
            self.alice, 'images', {'name': 'mine'},
            system={'converted_from': conversions.link(source['id'])})
        service = self.services.conversion

        def run(artifact_id, type_name='images'):
            return types.SimpleNamespace(
                id='t', artifact_id=artifact_id, type_name=type_name,
                owner='p1', input={'source': source['id'],
                                   'disk_format': 'raw'})

        for kept in (source['id'], other['id'], elsewhere['id'], None,
                     str(uuid.uuid4())):
            service.abandon(run(kept))
        service.abandon(run(mine['id'], type_name='sample_artifact'))
        admin = context.get_admin_context()
        for kept in (source, other, elsewhere, mine):
            self.services.artifacts.load(admin, 'images', kept['id'])
        service.abandon(run(mine['id']))
        self.gone(mine['id'])
        # idempotent
        service.abandon(run(mine['id']))

    def test_converted_from_is_not_a_dependency(self):
        source = self.image()
        self.services.conversion.request(
            self.alice, 'images', source['id'], 'image', None,
            {'disk_format': 'raw'})
        done = self.services.tasks.execute(self.claim())
        self.services.artifacts.update(self.alice, 'images', done['artifact'],
                                       [{'op': 'replace', 'path': '/status',
                                         'value': 'active'}])
        self.services.artifacts.delete(self.alice, 'images', source['id'])
        self.assertEqual(conversions.link(source['id']),
                         self.services.artifacts.show(
                             self.alice, 'images',
                             done['artifact'])['converted_from'])

    def test_system_values_only_for_system_fields(self):
        for system in ({'name': 'x'}, {'id': str(uuid.uuid4())},
                       {'owner': 'p9'}, {'image': None}, {'nope': 1}):
            self.assertRaises(ValueError, self.services.artifacts.create,
                              self.alice, 'images', {'name': 'n'},
                              system=system)
        self.assertRaises(exception.BadRequest,
                          self.services.artifacts.create, self.alice,
                          'images', {'name': 'n'},
                          system={'converted_from': 'not a link'})
        # and no request may set it
        self.assertRaises(exception.Forbidden,
                          self.services.artifacts.create, self.alice,
                          'images', {'name': 'n', 'converted_from':
                                     '/artifacts/images/%s' % uuid.uuid4()})
