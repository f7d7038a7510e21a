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

"""The conversion engine against the real qemu-img, on real images."""

import ctypes
import os
import signal
import struct
import subprocess
import sys
import threading
import time

import fixtures

from glare import exception
from glare.services import conversion
from glare.tests import base
from glare.tests.fixtures import qemu

MIB = 1 << 20


class ConversionTestCase(base.TestCase):

    def setUp(self):
        super().setUp()
        qemu.skip_or_fail(self)
        self.cfg = self.useFixture(base.ConfigFixture())
        self.images = self.useFixture(fixtures.TempDir()).path
        self.work = self.useFixture(fixtures.TempDir()).path
        self.cfg.set_in('image_conversion', work_dir=self.work)

    def path(self, name):
        return os.path.join(self.images, name)

    def conversion(self, path, target, declared=None, sized=True, **kw):
        return conversion.Conversion(
            self.cfg.conf, qemu.chunks(path), target, declared=declared,
            size=os.path.getsize(path) if sized else None, **kw)

    def assertNothingLeft(self):
        self.assertEqual([], os.listdir(self.work))

    def sample_qcow2(self, name='disk.qcow2', size=8 * MIB):
        path = qemu.create(self.path(name), 'qcow2', size)
        qemu.write(path, 'qcow2', 0, MIB, 0x11)
        qemu.write(path, 'qcow2', 5 * MIB, 2 * MIB, 0x22)
        return path


class ConvertTest(ConversionTestCase):

    def test_qcow2_to_raw(self):
        source = self.sample_qcow2()
        seen = []
        job = self.conversion(source, 'raw', declared='qcow2',
                              progress=seen.append)
        with job.run() as out:
            self.assertEqual('raw', out.disk_format)
            self.assertEqual(8 * MIB, out.virtual_size)
            self.assertEqual(8 * MIB, out.size)
            # the scratch copy went as soon as it was converted
            self.assertEqual(['converted'],
                             os.listdir(os.path.dirname(out.path)))
            self.assertTrue(qemu.same_content(source, 'qcow2',
                                              out.path, 'raw'))
            copy = self.path('copy.raw')
            with open(copy, 'wb') as f:
                for chunk in out.chunks():
                    f.write(chunk)
            self.assertEqual(8 * MIB, os.path.getsize(copy))
        self.assertNothingLeft()
        self.assertEqual(sorted(seen), seen)
        self.assertEqual(1.0, seen[-1])
        self.assertEqual(1, seen.count(1.0))
        self.assertTrue(any(0 < v < 1 for v in seen), seen)

    def test_every_target_format(self):
        raw = qemu.create(self.path('disk.raw'), 'raw', 4 * MIB)
        qemu.write(raw, 'raw', MIB, MIB, 0x33)
        names = {'raw': 'raw', 'qcow2': 'qcow2', 'vmdk': 'vmdk',
                 'vdi': 'vdi', 'vhd': 'vpc', 'vhdx': 'vhdx'}
        for target in sorted(set(conversion.TARGETS) - {'raw'}):
            with self.conversion(raw, target, declared='raw').run() as out:
                self.assertEqual(names[target],
                                 qemu.info(out.path, names[target])['format'])
                self.assertTrue(
                    qemu.same_content(raw, 'raw', out.path, names[target]),
                    target)
                # and back: what it made reads as its format
                back = self.conversion(out.path, 'raw', declared=target)
                with back.run() as again:
                    self.assertTrue(qemu.same_content(
                        raw, 'raw', again.path, 'raw'), target)
        self.assertNothingLeft()

    def test_unknown_length_and_sparse_copy(self):
        source = self.sample_qcow2()
        out = self.conversion(source, 'vdi', sized=False).run()
        self.addCleanup(out.close)
        self.assertTrue(qemu.same_content(source, 'qcow2', out.path, 'vdi'))

    def test_scratch_copy_is_sparse(self):
        raw = qemu.create(self.path('disk.raw'), 'raw', 64 * MIB)
        qemu.write(raw, 'raw', 8 * MIB, MIB, 0x55)
        for chunk_size in (MIB, 64 * 1024):
            size, used = self._scratch_copy_of(raw, chunk_size)
            self.assertEqual(64 * MIB, size)
            # the MiB of data (and what the filesystem rounds it up to)
            self.assertLess(used, 4 * MIB, chunk_size)

    def _scratch_copy_of(self, raw, chunk_size):
        """(size, bytes allocated) of the scratch copy while converting."""
        allocated = []
        job = None

        def progress(value):
            copy = os.path.join(job._workdir, 'source')
            if value > conversion.COPY_SHARE and os.path.exists(copy):
                st = os.stat(copy)
                allocated.append((st.st_size, st.st_blocks * 512))

        job = conversion.Conversion(
            self.cfg.conf, qemu.chunks(raw, chunk_size), 'qcow2',
            size=os.path.getsize(raw), progress=progress)
        with job.run() as out:
            self.assertTrue(qemu.same_content(raw, 'raw', out.path,
                                              'qcow2'))
        return allocated[0]

    def test_raw_declared_vhd_reads_as_fixed_vhd(self):
        fixed = qemu.create(self.path('fixed.vhd'), 'vpc', 2 * MIB,
                            'subformat=fixed')
        qemu.write(fixed, 'vpc', 0, MIB, 0x44)
        with self.conversion(fixed, 'qcow2', declared='vhd').run() as out:
            # the footer is not data of the disk
            self.assertEqual(qemu.info(fixed, 'vpc')['virtual-size'],
                             out.virtual_size)
            self.assertTrue(qemu.same_content(fixed, 'vpc', out.path,
                                              'qcow2'))


class RefusedTest(ConversionTestCase):

    def assertRefused(self, exc_class, words, job):
        exc = self.assertRaises(exc_class, job.run)
        if exc_class is exception.NotConvertible:
            self.assertIn('The image cannot be converted: ', str(exc))
        for word in words:
            self.assertIn(word, str(exc))
        self.assertNothingLeft()
        return exc

    def test_backing_file(self):
        base_raw = qemu.create(self.path('base.raw'), 'raw', MIB)
        child = qemu.create(self.path('child.qcow2'), 'qcow2', MIB,
                            backing=base_raw)
        self.assertRefused(exception.NotConvertible, ['unsafe', 'backing'],
                           self.conversion(child, 'raw', declared='qcow2'))

    def test_external_data_file(self):
        image = qemu.create(self.path('ext.qcow2'), 'qcow2', MIB,
                            'data_file=' + self.path('ext.data'))
        self.assertRefused(exception.NotConvertible, ['unsafe', 'data'],
                           self.conversion(image, 'raw', declared='qcow2'))

    def test_qemu_reports_what_uploads_refuse(self):
        """The second look (qemu-img info) on its own, over qemu's reports
        of real images: backing file, data file, other VMDK files."""
        base_raw = qemu.create(self.path('base.raw'), 'raw', MIB)
        child = qemu.create(self.path('child.qcow2'), 'qcow2', MIB,
                            backing=base_raw)
        ext = qemu.create(self.path('ext.qcow2'), 'qcow2', MIB,
                          'data_file=' + self.path('ext.data'))
        flat = qemu.create(self.path('flat.vmdk'), 'vmdk', MIB,
                           'subformat=monolithicFlat')
        sparse = qemu.create(self.path('one.vmdk'), 'vmdk', MIB)
        self.assertEqual(['it has a backing file'],
                         conversion._unsafe(qemu.info(child, 'qcow2'), child))
        self.assertEqual(['it has an external data file'],
                         conversion._unsafe(qemu.info(ext, 'qcow2'), ext))
        self.assertIn('its VMDK subformat monolithicFlat is not one file',
                      conversion._unsafe(qemu.info(flat, 'vmdk'), flat))
        self.assertEqual([], conversion._unsafe(qemu.info(sparse, 'vmdk'),
                                                sparse))
        self.assertEqual(['it names other files'], conversion._unsafe(
            qemu.info(sparse, 'vmdk'), self.path('elsewhere.vmdk')))

    def test_same_format_is_a_conflict(self):
        source = self.sample_qcow2()
        self.assertRefused(exception.Conflict, ['already', 'qcow2'],
                           self.conversion(source, 'qcow2'))
        raw = qemu.create(self.path('disk.raw'), 'raw', MIB)
        # ami data is raw data
        self.assertRefused(exception.Conflict, ['already', 'raw'],
                           self.conversion(raw, 'raw', declared='ami'))

    def test_unknown_and_unsupported_targets(self):
        source = self.sample_qcow2()
        for target, words in (('qed', ['Unknown disk format', 'vhdx']),
                              (None, ['Unknown disk format']),
                              ('iso', ['not converted to iso', 'raw']),
                              ('ami', ['not converted to ami'])):
            exc = self.assertRaises(exception.BadRequest,
                                    self.conversion, source, target)
            for word in words:
                self.assertIn(word, str(exc))
        self.assertNothingLeft()

    def test_data_contradicting_its_disk_format(self):
        source = self.sample_qcow2()
        self.assertRefused(exception.NotConvertible, ['qcow2', 'not vmdk'],
                           self.conversion(source, 'raw', declared='vmdk'))

    def test_unreadable_image(self):
        """Data the detector accepts that qemu-img cannot convert: an L1
        entry pointing at an unaligned L2 table."""
        source = self.sample_qcow2()
        with open(source, 'r+b') as f:
            l1_offset = struct.unpack('>Q', f.read(48)[40:48])[0]
            f.seek(l1_offset)
            f.write(struct.pack('>Q', (1 << 63) | 0x12345))
        exc = self.assertRefused(exception.NotConvertible, ['cannot convert'],
                                 self.conversion(source, 'raw'))
        # qemu's message, without the scratch directory in it
        self.assertIn('unaligned', str(exc))
        self.assertNotIn(self.work, str(exc))

    def test_virtual_size_over_the_limit(self):
        self.cfg.set_in('image_conversion', max_virtual_size_gb=1)
        big = qemu.create(self.path('big.qcow2'), 'qcow2', 2 << 30)
        self.assertRefused(exception.NotConvertible, ['virtual size', '1 GiB'],
                           self.conversion(big, 'vdi'))

    def test_raw_output_over_the_blob_limit(self):
        source = self.sample_qcow2()
        self.assertRefused(exception.RequestEntityTooLarge,
                           ['as raw would be %d bytes' % (8 * MIB)],
                           self.conversion(source, 'raw', max_size=MIB))
        self.assertRefused(exception.RequestEntityTooLarge,
                           ['converted image would be'],
                           self.conversion(source, 'vdi', max_size=4096))

    def test_source_length_differs(self):
        source = self.sample_qcow2()
        job = conversion.Conversion(self.cfg.conf, qemu.chunks(source),
                                    'raw', size=MIB)
        self.assertRefused(exception.NotConvertible, ['longer than'], job)
        job = conversion.Conversion(
            self.cfg.conf, qemu.chunks(source), 'raw',
            size=os.path.getsize(source) + 1)
        self.assertRefused(exception.NotConvertible, ['not %d' % (
            os.path.getsize(source) + 1)], job)

    def test_missing_qemu_img(self):
        self.cfg.set_in('image_conversion', qemu_img='no-such-qemu-img')
        self.assertRefused(exception.ServiceUnavailable, ['not available'],
                           self.conversion(self.sample_qcow2(), 'raw'))


class CancelTest(ConversionTestCase):

    def test_cancel_mid_convert(self):
        raw = qemu.create(self.path('big.raw'), 'raw', 256 * MIB)
        for n in range(4):
            qemu.write(raw, 'raw', n * (64 * MIB), 16 * MIB, 0x50 + n)
        converting = threading.Event()
        seen, pids = [], []
        job = None

        def progress(value):
            seen.append(value)
            if value > conversion.COPY_SHARE:
                pids.append(job._process.pid)
                converting.set()

        job = self.conversion(raw, 'qcow2', progress=progress)
        outcome = []

        def run():
            try:
                outcome.append(job.run())
            except BaseException as exc:
                outcome.append(exc)

        runner = threading.Thread(target=run)
        runner.start()
        self.assertTrue(converting.wait(60))
        job.cancel()
        runner.join(60)
        self.assertFalse(runner.is_alive())
        self.assertIsInstance(outcome[0], conversion.Cancelled)
        self.assertNothingLeft()
        self.assertLess(seen[-1], 1.0)
        self.assertEqual(sorted(seen), seen)
        # qemu-img is gone (killed and reaped)
        self.assertRaises(ProcessLookupError, os.kill, pids[0], 0)

    def test_cancel_while_copying(self):
        source = self.sample_qcow2()
        job = None

        def feed():
            for n, chunk in enumerate(qemu.chunks(source, 64 * 1024)):
                if n == 2:
                    job.cancel()
                yield chunk

        job = conversion.Conversion(self.cfg.conf, feed(), 'raw')
        self.assertRaises(conversion.Cancelled, job.run)
        self.assertNothingLeft()

    def test_cancel_before_run(self):
        job = self.conversion(self.sample_qcow2(), 'raw')
        job.cancel()
        self.assertRaises(conversion.Cancelled, job.run)
        self.assertNothingLeft()


class CheckRequestTest(base.TestCase):

    def test_refusals(self):
        check = conversion.check_request
        self.assertRaises(exception.BadRequest, check, 'bare', 'qcow2',
                          'qcow2', 'nope')
        exc = self.assertRaises(exception.BadRequest, check, 'ova', 'vmdk',
                                None, 'raw')
        self.assertIn('container_format ova', str(exc))
        self.assertRaises(exception.BadRequest, check, 'bare', None, None,
                          'raw')
        self.assertRaises(exception.Conflict, check, 'bare', 'qcow2', None,
                          'qcow2')
        self.assertRaises(exception.Conflict, check, 'ami', 'ami', 'raw',
                          'raw')
        self.assertRaises(exception.Conflict, check, 'bare', 'iso', None,
                          'raw')
        # the detected format is what counts
        self.assertRaises(exception.Conflict, check, 'bare', 'raw', 'gpt',
                          'raw')
        self.assertRaises(exception.NotConvertible, check, 'bare', 'raw',
                          'luks', 'qcow2')
        self.assertIsNone(check('bare', 'vhd', 'raw', 'raw'))
        self.assertIsNone(check('bare', 'qcow2', 'qcow2', 'raw'))
        self.assertIsNone(check('bare', 'raw', None, 'vhdx'))


_DYING_WORKER = '''
import sys
from oslo_config import cfg
from glare import conf
from glare.services import conversion
from glare.tests.fixtures import qemu

opts = cfg.ConfigOpts()
conf.register_opts(opts)
opts(args=[], default_config_files=[], default_config_dirs=[])
opts.set_override('work_dir', sys.argv[1], group='image_conversion')
job = None


def progress(value):
    if value > conversion.COPY_SHARE:
        sys.stdout.write('%d\\n' % job._process.pid)
        sys.stdout.flush()
        sys.stdin.read()  # until the test kills this process


job = conversion.Conversion(opts, qemu.chunks(sys.argv[2]), 'qcow2',
                            progress=progress)
job.run()
'''


class DeadWorkerTest(ConversionTestCase):
    """A worker killed mid-convert: its qemu-img dies with it, and the
    next conversion removes its scratch directory."""

    def test_qemu_img_dies_with_its_process(self):
        raw = qemu.create(self.path('big.raw'), 'raw', 64 * MIB)
        qemu.write(raw, 'raw', 0, 32 * MIB, 0x70)
        # qemu-img, orphaned, becomes this process's child: its end is
        # seen (SIGKILL at once, rather than SIGPIPE at its next progress
        # line or the end of the conversion)
        _child_subreaper(True)
        self.addCleanup(_child_subreaper, False)
        worker = subprocess.Popen(
            [sys.executable, '-c', _DYING_WORKER, self.work, raw],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.DEVNULL)
        self.addCleanup(worker.wait)
        self.addCleanup(worker.kill)
        qemu_pid = int(worker.stdout.readline())
        # held where it is: a loaded machine could let it finish its
        # conversion before the worker is killed (SIGKILL ends a stopped
        # process all the same)
        os.kill(qemu_pid, signal.SIGSTOP)
        left = os.listdir(self.work)
        self.assertEqual(1, len(left))
        self.assertTrue(left[0].startswith(
            'glare-convert-%d-' % worker.pid))
        worker.kill()
        worker.wait()
        status = None
        for _ in range(1500):
            pid, status = os.waitpid(qemu_pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.02)
        self.assertTrue(os.WIFSIGNALED(status), status)
        self.assertEqual(signal.SIGKILL, os.WTERMSIG(status))
        # the scratch directory outlived its process, until the next one
        self.assertEqual(left, os.listdir(self.work))
        source = self.sample_qcow2()
        with self.conversion(source, 'raw').run() as out:
            self.assertEqual([os.path.basename(os.path.dirname(out.path))],
                             os.listdir(self.work))
        self.assertNothingLeft()


def _child_subreaper(on):
    """prctl(PR_SET_CHILD_SUBREAPER): orphans of this process's children
    become its own."""
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1 if on else 0, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), 'prctl(PR_SET_CHILD_SUBREAPER)')
