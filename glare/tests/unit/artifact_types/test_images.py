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

"""The images type: format detection, safety checks, reserved metadata."""

import io
import os

from glare.artifact_types import image_formats as formats
from glare.artifact_types import images
from glare import exception
from glare.tests import base as test_base
from glare.tests.fixtures import image_samples as samples

MIB = 1024 * 1024


def detect(data, chunk=64 * 1024):
    detector = formats.Detector()
    for i in range(0, len(data), chunk):
        detector.feed(data[i:i + chunk])
    return detector.finish()


class DetectorTest(test_base.TestCase):

    def assertDetected(self, fmt, size, data):
        for chunk in (1, 7, 512, 64 * 1024, MIB + 3):
            if chunk < 512 and len(data) > 70000:
                continue
            self.assertEqual(formats.Detected(fmt, size),
                             detect(data, chunk), 'chunk %d' % chunk)

    def assertRefused(self, data, reason, chunk=64 * 1024):
        exc = self.assertRaises(exception.InvalidData, detect, data, chunk)
        self.assertIn(reason, str(exc))
        self.assertEqual(400, exc.code)

    # -- good images -------------------------------------------------------
    def test_raw(self):
        self.assertDetected('raw', 65536, samples.raw())
        self.assertDetected('raw', 0, b'')
        self.assertDetected('raw', 12000, b'hello world\n' * 1000)

    def test_qcow2(self):
        self.assertDetected('qcow2', 5 * MIB, samples.qcow2(size=5 * MIB))
        self.assertDetected('qcow2', MIB, samples.qcow2(version=2))

    def test_vmdk_sparse(self):
        self.assertDetected('vmdk', 4096 * 512,
                            samples.vmdk_sparse(sectors=4096))
        self.assertDetected('vmdk', 2048 * 512, samples.vmdk_sparse(
            create_type='streamOptimized'))

    def test_iso(self):
        self.assertDetected('iso', 40 * 2048, samples.iso(blocks=40))

    def test_hybrid_iso_is_an_iso(self):
        self.assertDetected('iso', 32 * 2048, samples.iso(hybrid=True))

    def test_partitioned_disk(self):
        data = samples.mbr() + b'\0' * 4096
        self.assertDetected('gpt', len(data), data)

    def test_vhd_vdi(self):
        self.assertDetected('vhd', 3 * MIB, samples.vhd(size=3 * MIB))
        self.assertDetected('vdi', 2 * MIB, samples.vdi(size=2 * MIB))

    # -- dangerous or malformed ----------------------------------------------
    def test_qcow2_backing_file(self):
        for chunk in (1, 100, 64 * 1024):
            self.assertRefused(samples.qcow2(backing_file='/etc/passwd'),
                               'Image has a backing file', chunk)

    def test_qcow2_external_data_file(self):
        self.assertRefused(samples.qcow2(
            incompatible=samples.QCOW2_EXTERNAL_DATA_FILE), 'data_file')

    def test_qcow2_unknown_features_or_version(self):
        self.assertRefused(samples.qcow2(incompatible=1 << 20),
                           'Unknown QCOW2 features')
        self.assertRefused(samples.qcow2(version=1),
                           'Unsupported qcow2 version')

    def test_vmdk_flat_descriptor_pointing_at_host_file(self):
        for chunk in (1, 7, 64 * 1024):
            self.assertRefused(samples.vmdk_flat_descriptor('/etc/passwd'),
                               'Unsupported subformat', chunk)

    def test_vmdk_sparse_extent_with_path(self):
        self.assertRefused(samples.vmdk_sparse(extent='"/etc/passwd"'),
                           'Invalid extent filenames')

    def test_vmdk_flat_created_as_sparse_name(self):
        self.assertRefused(samples.vmdk_sparse(create_type='monolithicFlat'),
                           'Unsupported subformat')

    def test_qed_banned(self):
        self.assertRefused(samples.qed(), 'not allowed')

    def test_two_formats_in_one(self):
        self.assertRefused(samples.qcow2_and_vdi(),
                           'several formats (qcow2, vdi)')

    def test_truncated_header_claiming_a_format(self):
        self.assertRefused(b'conectix' + b'\0' * 100, 'vhd image cannot be')

    def test_unsafe_image_refused_before_its_end(self):
        detector = formats.Detector()
        detector.feed(samples.qcow2(backing_file='/etc/x'))
        self.assertIsNone(detector.early_verdict())  # under HEAD_SIZE yet
        detector.feed(b'\0' * MIB)
        self.assertRaises(exception.InvalidData, detector.early_verdict)

    # -- memory ----------------------------------------------------------
    def test_memory_stays_bounded(self):
        detector = formats.Detector()
        chunk = os.urandom(MIB)
        most = 0
        for _i in range(64):
            detector.feed(chunk)
            most = max(most, detector.held_bytes)
        self.assertEqual(formats.Detected('raw', 64 * MIB),
                         detector.finish())
        # the first MiB (given at once) and the inspectors' header regions
        self.assertLess(most, 2 * MIB)

    def test_memory_bounded_for_a_sparse_vmdk_with_footer(self):
        data = bytearray(samples.vmdk_sparse())
        data[56:64] = b'\xff' * 8  # grain directory at the end: footer
        detector = formats.Detector()
        detector.feed(bytes(data))
        most = 0
        for _i in range(8):
            detector.feed(b'\0' * MIB)
            most = max(most, detector.held_bytes)
        self.assertLess(most, 3 * MIB)
        # no valid footer at the end
        self.assertRaises(exception.InvalidData, detector.finish)


class MismatchTest(test_base.TestCase):

    def test_compatible(self):
        for disk, detected in [('raw', 'raw'), ('raw', 'gpt'),
                               ('raw', 'iso'), ('ami', 'raw'),
                               ('aki', 'raw'), ('ari', 'raw'),
                               ('iso', 'iso'), ('qcow2', 'qcow2'),
                               ('vmdk', 'vmdk'), ('vhd', 'vhd'),
                               ('vhd', 'raw'), ('vhdx', 'vhdx'),
                               ('vdi', 'vdi')]:
            self.assertIsNone(formats.mismatch('bare', disk, detected),
                              (disk, detected))

    def test_contradicting(self):
        for disk, detected in [('raw', 'qcow2'), ('raw', 'vmdk'),
                               ('ami', 'qcow2'), ('qcow2', 'raw'),
                               ('vmdk', 'raw'), ('iso', 'raw'),
                               ('vdi', 'qcow2'), ('raw', 'luks'),
                               ('qcow2', 'luks')]:
            self.assertIn('not %s' % disk,
                          formats.mismatch('bare', disk, detected))
        self.assertRaises(exception.InvalidData, formats.check, 'bare',
                          'raw', 'qcow2')

    def test_unknown_or_not_a_disk(self):
        for args in [(None, 'raw', 'qcow2'), ('bare', None, 'qcow2'),
                     ('bare', 'raw', None), ('ova', 'vmdk', 'raw'),
                     ('docker', 'raw', 'qcow2'), ('ovf', 'vmdk', 'raw')]:
            self.assertIsNone(formats.mismatch(*args), args)

    def test_every_disk_format_has_a_rule(self):
        allowed = images.Image.fields['disk_format'].validators[0]
        self.assertEqual(sorted(formats.COMPATIBLE),
                         sorted(allowed.allowed_values))


def image(**values):
    base = dict(container_format='bare', disk_format=None, metadata={},
                image=None)
    base.update(values)
    return images.Image.from_values(base)


class ReservedMetadataTest(test_base.TestCase):

    def update(self, ops, **values):
        # the hook returns nothing; it raises to refuse the patch
        return images.Image.pre_update_hook(None, image(**values), ops)

    def test_create_refuses_reserved_keys(self):
        for key in ('detected_format', 'virtual_size'):
            self.assertRaises(exception.Forbidden,
                              images.Image.pre_create_hook, None,
                              image(metadata={key: 'raw'}))
        images.Image.pre_create_hook(None, image(metadata={'a': 'b'}))

    def test_patch_of_a_reserved_key(self):
        for op in [
                {'op': 'add', 'path': '/metadata/detected_format',
                 'value': 'raw'},
                {'op': 'replace', 'path': '/metadata/virtual_size',
                 'value': '1'},
                {'op': 'remove', 'path': '/metadata/detected_format'},
                {'op': 'move', 'from': '/metadata/detected_format',
                 'path': '/metadata/x'},
                {'op': 'copy', 'from': '/metadata/x',
                 'path': '/metadata/detected_format'}]:
            for data in (None, {'status': 'active'}):
                self.assertRaises(exception.Forbidden, self.update, [op],
                                  image=data)

    def test_other_keys_and_reads_are_fine(self):
        data = {'status': 'active'}
        ops = [{'op': 'add', 'path': '/metadata/x', 'value': 'y'},
               {'op': 'test', 'path': '/metadata/detected_format',
                'value': 'raw'},
               {'op': 'copy', 'from': '/metadata/detected_format',
                'path': '/metadata/y'}]
        self.assertIsNone(self.update(ops, image=data))

    def test_whole_metadata(self):
        op = {'op': 'replace', 'path': '/metadata', 'value': {'a': 'b'}}
        # no data yet: nothing recorded to keep
        self.assertIsNone(self.update([op]))
        self.assertRaises(exception.Forbidden, self.update, [op],
                          image={'status': 'active'})


class FormatChangesTest(test_base.TestCase):

    def test_patch_contradicting_recorded_format(self):
        af = image(disk_format='raw', image={'status': 'active'},
                   metadata={'detected_format': 'qcow2'})
        exc = self.assertRaises(
            exception.InvalidData, images.Image.pre_update_hook, None, af,
            [{'op': 'replace', 'path': '/disk_format', 'value': 'raw'}])
        self.assertIn('format qcow2, not raw', str(exc))
        self.assertRaises(
            exception.InvalidData, images.Image.pre_activate_hook, None, af)

    def test_other_patches_not_held_up(self):
        af = image(disk_format='raw', image={'status': 'active'},
                   metadata={'detected_format': 'qcow2'})
        # the hooks return nothing; they raise InvalidData to refuse
        self.assertIsNone(images.Image.pre_update_hook(None, af, [
            {'op': 'replace', 'path': '/min_ram', 'value': 1}]))

    def test_agreeing_or_unknown(self):
        for container, disk, meta in [
                ('bare', 'qcow2', {'detected_format': 'qcow2'}),
                ('bare', 'raw', {}),  # external location: never read
                ('docker', 'raw', {'detected_format': 'qcow2'})]:
            af = image(container_format=container, disk_format=disk,
                       metadata=meta)
            # the hooks return nothing; they raise InvalidData to refuse
            self.assertIsNone(images.Image.pre_activate_hook(None, af))
            self.assertIsNone(images.Image.pre_update_hook(None, af, [
                {'op': 'replace', 'path': '/container_format',
                 'value': container}]))


class UploadInspectorTest(test_base.TestCase):

    def upload(self, data, chunk=64 * 1024, **values):
        fd = images.Image.pre_upload_hook(None, image(**values), 'image',
                                          None, io.BytesIO(data))
        self.assertIsInstance(fd, images.ImageDataInspector)
        while fd.read(chunk):
            pass
        return fd.finish()

    def test_records_format_and_virtual_size(self):
        # the keys to merge into metadata as it is when the upload commits
        self.assertEqual(
            {'metadata': {'detected_format': 'qcow2',
                          'virtual_size': str(3 * MIB)}},
            self.upload(samples.qcow2(size=3 * MIB), disk_format='qcow2',
                        metadata={'a': 'b', 'virtual_size': 'old'}))

    def test_disk_format_unset_records(self):
        self.assertEqual(
            {'metadata': {'detected_format': 'qcow2',
                          'virtual_size': str(MIB)}},
            self.upload(samples.qcow2(), container_format=None))

    def test_size_unknown_is_left_out(self):
        data = bytearray(samples.iso())
        data[32768] = 2  # not the primary volume descriptor
        # None: an older upload's recorded size is removed
        self.assertEqual({'metadata': {'detected_format': 'iso',
                                       'virtual_size': None}},
                         self.upload(bytes(data), disk_format='iso'))

    def test_contradiction_refused(self):
        exc = self.assertRaises(exception.InvalidData, self.upload,
                                samples.qcow2(), disk_format='raw')
        self.assertIn('format qcow2, not raw', str(exc))
        self.assertRaises(exception.InvalidData, self.upload,
                          samples.raw(), disk_format='qcow2')

    def test_contradiction_refused_before_the_end(self):
        data = samples.qcow2() + b'\0' * (2 * MIB)
        self.assertRaises(exception.InvalidData, self.upload, data,
                          disk_format='raw')

    def test_not_a_disk_container(self):
        self.assertEqual(
            'raw', self.upload(samples.raw(), container_format='ova',
                               disk_format='vmdk')['metadata'][
                                   'detected_format'])
        # what is dangerous stays refused whatever the label
        self.assertRaises(exception.InvalidData, self.upload,
                          samples.qcow2(backing_file='/etc/passwd'),
                          container_format='docker', disk_format='raw')

    def test_other_blob_fields_untouched(self):
        fd = object()
        self.assertIs(fd, images.Image.pre_upload_hook(None, image(), 'x',
                                                       None, fd))
