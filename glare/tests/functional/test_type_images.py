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

"""The images type over HTTP: data checks on upload, reserved metadata,
the fields only an admin or a service may set."""

import threading
import uuid

from glare.tests.fixtures import image_samples as samples
from glare.tests.functional import base

TYPE = 'images'
MIB = 1024 * 1024
QCOW2_BACKING = samples.qcow2(backing_file='/etc/passwd')


@base.with_backends
class ImageDataTests:
    """What an upload to images/{id}/image is checked for."""

    def new_image(self, headers=None, **fields):
        fields.setdefault('container_format', 'bare')
        return self.create(type_name=TYPE, headers=headers, **fields)

    def put_image(self, artifact_id, data, headers=None):
        return self.request('PUT', '%s/image' % self.url(artifact_id, TYPE),
                            headers=self.user if headers is None
                            else headers, data=data,
                            content_type='application/octet-stream')

    def upload_ok(self, artifact_id, data):
        resp = self.put_image(artifact_id, data)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def assertRefused(self, artifact_id, data, message):
        before = self.show(artifact_id, type_name=TYPE)
        resp = self.put_image(artifact_id, data)
        self.assertError(400, resp, message)
        after = self.show(artifact_id, type_name=TYPE)
        for key in ('image', 'metadata', 'disk_format'):
            self.assertEqual(before[key], after[key], key)
        return after

    # -- good data -------------------------------------------------------
    def test_qcow2_recorded_and_activated(self):
        af = self.new_image(disk_format='qcow2', metadata={'a': 'b'})
        data = samples.qcow2(size=5 * MIB)
        up = self.upload_ok(af['id'], data)
        self.assertEqual({'a': 'b', 'detected_format': 'qcow2',
                          'virtual_size': str(5 * MIB)}, up['metadata'])
        self.assertEqual(len(data), up['image']['size'])
        self.assertEqual('active',
                         self.activate(af['id'], type_name=TYPE)['status'])

    def test_raw_iso_vmdk_samples(self):
        for disk, data, fmt, vsize in [
                ('raw', samples.raw(), 'raw', 65536),
                ('raw', samples.mbr() + b'\0' * 4096, 'gpt', 4608),
                ('iso', samples.iso(blocks=40, hybrid=True), 'iso',
                 40 * 2048),
                ('vmdk', samples.vmdk_sparse(sectors=8192), 'vmdk',
                 8192 * 512),
                ('vhd', samples.vhd(size=MIB), 'vhd', MIB),
                ('vdi', samples.vdi(size=2 * MIB), 'vdi', 2 * MIB)]:
            af = self.new_image(disk_format=disk)
            meta = self.upload_ok(af['id'], data)['metadata']
            self.assertEqual({'detected_format': fmt,
                              'virtual_size': str(vsize)}, meta, disk)

    def test_big_raw_image(self):
        af = self.new_image(disk_format='raw')
        up = self.upload_ok(af['id'], b'\x01' * (9 * MIB + 5))
        self.assertEqual(str(9 * MIB + 5), up['metadata']['virtual_size'])

    # -- dangerous data --------------------------------------------------
    def test_qcow2_with_backing_file(self):
        for disk in ('qcow2', 'raw', None):
            af = self.new_image(disk_format=disk)
            after = self.assertRefused(af['id'], QCOW2_BACKING,
                                       'Image has a backing file')
            self.assertIsNone(after['image'])
            self.assertEqual({}, after['metadata'])

    def test_qcow2_with_external_data_file(self):
        af = self.new_image(disk_format='qcow2')
        self.assertRefused(af['id'], samples.qcow2(
            incompatible=samples.QCOW2_EXTERNAL_DATA_FILE),
            'Image has data_file set')

    def test_vmdk_descriptors_pointing_at_host_files(self):
        for disk in ('vmdk', 'raw'):
            af = self.new_image(disk_format=disk)
            self.assertRefused(af['id'],
                               samples.vmdk_flat_descriptor('/etc/passwd'),
                               'Unsupported subformat')
            self.assertRefused(af['id'],
                               samples.vmdk_sparse(extent='"/etc/passwd"'),
                               'Invalid extent filenames')

    def test_chunked_upload_sent_in_tiny_pieces(self):
        # the verdict does not depend on how the bytes arrive
        data = samples.vmdk_flat_descriptor('/etc/shadow')
        af = self.new_image(disk_format='raw')
        pieces = (data[i:i + 5] for i in range(0, len(data), 5))
        resp = self.put_image(af['id'], pieces)
        self.assertError(400, resp, 'Unsupported subformat')

    def test_metadata_patched_during_an_upload_is_kept(self):
        af = self.new_image(disk_format='raw', metadata={'a': '1'})
        resumed = threading.Event()
        patched = {}

        def body():
            yield bytes(MIB)
            patched['doc'] = self.update(af['id'], [
                {'op': 'add', 'path': '/metadata/b', 'value': '2'},
                {'op': 'replace', 'path': '/metadata/a', 'value': '3'}],
                type_name=TYPE)
            resumed.set()
            yield bytes(MIB)

        up = self.upload_ok(af['id'], body())
        self.assertTrue(resumed.is_set())
        self.assertEqual({'a': '3', 'b': '2', 'detected_format': 'raw',
                          'virtual_size': str(2 * MIB)}, up['metadata'])

    def test_refused_while_streaming_a_big_image(self):
        af = self.new_image(disk_format='qcow2')
        self.assertRefused(af['id'], QCOW2_BACKING + b'\0' * (16 * MIB),
                           'Image has a backing file')

    def test_hidden_or_banned_formats(self):
        af = self.new_image(disk_format='qcow2')
        self.assertRefused(af['id'], samples.qcow2_and_vdi(),
                           'several formats')
        self.assertRefused(af['id'], samples.qed(), 'not allowed')

    def test_replacing_good_data_with_bad_keeps_the_good(self):
        af = self.new_image(disk_format='qcow2')
        first = self.upload_ok(af['id'], samples.qcow2(size=MIB))
        after = self.assertRefused(af['id'], QCOW2_BACKING, 'backing file')
        self.assertEqual(first['image']['sha256'], after['image']['sha256'])
        self.assertEqual(str(MIB), after['metadata']['virtual_size'])
        second = self.upload_ok(af['id'], samples.qcow2(size=2 * MIB))
        self.assertEqual(str(2 * MIB), second['metadata']['virtual_size'])

    # -- data against disk_format -----------------------------------------
    def test_data_contradicting_disk_format(self):
        for disk, data, fmt in [('raw', samples.qcow2(), 'qcow2'),
                                ('qcow2', samples.raw(), 'raw'),
                                ('iso', samples.raw(), 'raw'),
                                ('ami', samples.vmdk_sparse(), 'vmdk')]:
            af = self.new_image(disk_format=disk)
            self.assertRefused(af['id'], data,
                               'format %s, not %s' % (fmt, disk))

    def test_disk_format_set_after_upload(self):
        af = self.new_image()
        up = self.upload_ok(af['id'], samples.qcow2())
        self.assertEqual('qcow2', up['metadata']['detected_format'])
        resp = self.patch(self.url(af['id'], TYPE), [
            {'op': 'replace', 'path': '/disk_format', 'value': 'raw'}],
            headers=self.user)
        self.assertError(400, resp, 'format qcow2, not raw')
        self.assertIsNone(self.show(af['id'], type_name=TYPE)['disk_format'])
        self.set_values(af['id'], type_name=TYPE, disk_format='qcow2')
        self.activate(af['id'], type_name=TYPE)

    def test_container_change_brings_the_check(self):
        af = self.new_image(container_format='docker', disk_format='raw')
        up = self.upload_ok(af['id'], samples.qcow2())
        self.assertEqual('qcow2', up['metadata']['detected_format'])
        resp = self.patch(self.url(af['id'], TYPE), [
            {'op': 'replace', 'path': '/container_format',
             'value': 'bare'}], headers=self.user)
        self.assertError(400, resp, 'format qcow2, not raw')

    def test_not_a_disk_container(self):
        af = self.new_image(container_format='ova', disk_format='vmdk')
        up = self.upload_ok(af['id'], samples.raw())
        self.assertEqual('raw', up['metadata']['detected_format'])
        self.activate(af['id'], type_name=TYPE)

    # -- reserved metadata -------------------------------------------------
    def test_reserved_metadata_keys(self):
        url = self.url(type_name=TYPE)
        resp = self.post(url, {'name': 'img', 'metadata': {
            'detected_format': 'raw'}}, headers=self.user)
        self.assertError(403, resp, 'detected_format')
        af = self.new_image(disk_format='raw')
        self.upload_ok(af['id'], samples.raw())
        for op in [
                {'op': 'replace', 'path': '/metadata/detected_format',
                 'value': 'qcow2'},
                {'op': 'remove', 'path': '/metadata/virtual_size'},
                {'op': 'replace', 'path': '/metadata',
                 'value': {'detected_format': 'qcow2'}},
                {'op': 'replace', 'path': '/metadata', 'value': {}}]:
            resp = self.patch(self.url(af['id'], TYPE), [op],
                              headers=self.user)
            self.assertError(403, resp)
        meta = self.update(af['id'], [
            {'op': 'add', 'path': '/metadata/os', 'value': 'linux'}],
            type_name=TYPE)['metadata']
        self.assertEqual({'detected_format': 'raw', 'virtual_size': '65536',
                          'os': 'linux'}, meta)


@base.with_backends
class ImageProtectedFieldsTests:
    """kernel_id, ramdisk_id, instance_uuid: admin or service only."""

    FIELDS = ('kernel_id', 'ramdisk_id', 'instance_uuid')

    def test_member_cannot_set(self):
        url = self.url(type_name=TYPE)
        mine = self.create(type_name=TYPE)
        for field in self.FIELDS:
            value = str(uuid.uuid4())
            self.assertError(403, self.post(
                url, {'name': 'img', field: value}, headers=self.user))
            self.assertError(403, self.patch(self.url(mine['id'], TYPE), [
                {'op': 'replace', 'path': '/' + field, 'value': value}],
                headers=self.user))
        self.assertEqual(1, self.count_own(TYPE))

    def test_admin_and_service_can_set(self):
        service = self.auth(self.new_project(), 'service')
        for who in (self.admin, service):
            values = {f: str(uuid.uuid4()) for f in self.FIELDS}
            af = self.create(type_name=TYPE, headers=who, **values)
            for field in self.FIELDS:
                self.assertEqual(values[field], af[field])
            new = {f: str(uuid.uuid4()) for f in self.FIELDS}
            patched = self.set_values(af['id'], headers=who,
                                      type_name=TYPE, **new)
            for field in self.FIELDS:
                self.assertEqual(new[field], patched[field])

    def test_admin_sets_them_on_a_members_image(self):
        mine = self.create(type_name=TYPE)
        ramdisk = str(uuid.uuid4())
        self.set_values(mine['id'], headers=self.admin, type_name=TYPE,
                        ramdisk_id=ramdisk, instance_uuid='i-1')
        got = self.show(mine['id'], type_name=TYPE)
        self.assertEqual((ramdisk, 'i-1'),
                         (got['ramdisk_id'], got['instance_uuid']))
        # the owner still changes everything else
        self.assertEqual('x', self.set_values(
            mine['id'], type_name=TYPE, os_distro='x')['os_distro'])
