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

"""POST /artifacts/images/{id}/image/convert over HTTP: the real qemu-img
run by the task workers of a real glare-api."""

import hashlib
import io
import json
import os
import shutil
import signal
import struct
import tarfile
import tempfile
import time

from glare.services import task_run
from glare.tests.fixtures import qemu
from glare.tests.functional import base
from glare.tests.functional import test_task_workers

TYPE = 'images'
MIB = 1 << 20
#: a role that may read what it is shown, but not create (POLICY)
OBSERVER = 'observer'
NO_DATA = 'no-data'
TASK_TIMEOUT = 120


class ConversionHelpers:
    """Images, conversions and their tasks over HTTP (mixed into a
    FunctionalTest): each class has its own scratch directory."""

    POLICY = {'artifact:create': 'not role:%s' % OBSERVER,
              # a role that may create images but not give them data
              'artifact:property:images.image:write': 'not role:%s'
                                                      % NO_DATA}

    @classmethod
    def setUpClass(cls):
        cls.scratch = tempfile.mkdtemp(prefix='glare-ft-convert-')
        cls.addClassCleanup(shutil.rmtree, cls.scratch, True)
        cls.CONFIG = dict(cls.CONFIG,
                          image_conversion={'work_dir': cls.scratch})
        super().setUpClass()

    def setUp(self):
        super().setUp()
        qemu.skip_or_fail(self)
        self.files = tempfile.mkdtemp(prefix='glare-ft-images-')
        self.addCleanup(shutil.rmtree, self.files, True)

    # -- helpers -----------------------------------------------------------
    def path(self, name):
        return os.path.join(self.files, name)

    def sample_qcow2(self, name='disk.qcow2', size=16 * MIB):
        path = qemu.create(self.path(name), 'qcow2', size)
        qemu.write(path, 'qcow2', 0, MIB, 0x11)
        qemu.write(path, 'qcow2', 9 * MIB, 3 * MIB, 0x22)
        return path

    def new_image(self, path, disk_format, headers=None, **fields):
        headers = self.user if headers is None else headers
        fields.setdefault('container_format', 'bare')
        af = self.create(type_name=TYPE, headers=headers,
                         disk_format=disk_format, **fields)
        with open(path, 'rb') as f:
            resp = self.request('PUT', '%s/image' % self.url(af['id'], TYPE),
                                headers=headers, data=f,
                                content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def convert(self, artifact_id, disk_format, headers=None, expect=202):
        resp = self.post('%s/image/convert' % self.url(artifact_id, TYPE),
                         {'disk_format': disk_format},
                         headers=self.user if headers is None else headers)
        if expect != 202:
            return resp
        self.assertEqual(202, resp.status_code, base.brief(resp))
        task = resp.json()
        self.assertEqual('convert', task['type'])
        self.assertTrue(resp.headers['Location'].endswith(
            '/tasks/%s' % task['id']))
        return task

    def task(self, task_id, headers=None):
        resp = self.get('/tasks/%s' % task_id,
                        headers=self.user if headers is None else headers)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def wait(self, task_id, headers=None, until=('success', 'failure')):
        """(the task once its status is one of until, the progresses
        seen)."""
        deadline = time.monotonic() + TASK_TIMEOUT
        seen = []
        while time.monotonic() < deadline:
            task = self.task(task_id, headers)
            seen.append(task['progress'])
            if task['status'] in until:
                return task, seen
            time.sleep(0.05)
        self.fail('task %s still %s after %d s' % (
            task_id, task['status'], TASK_TIMEOUT))

    def download(self, artifact_id, name, headers=None):
        resp = self.session.get(
            self.server.url + '%s/image' % self.url(artifact_id, TYPE),
            headers=self.user if headers is None else headers, stream=True,
            timeout=base.HTTP_TIMEOUT)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        sha256 = hashlib.sha256()
        path = self.path(name)
        with open(path, 'wb') as f:
            for chunk in resp.iter_content(MIB):
                sha256.update(chunk)
                f.write(chunk)
        return path, sha256.hexdigest()

    def named(self, name, headers=None):
        """The images named so that the caller sees, any version."""
        return self.list('name=%s&limit=100' % name, headers=headers,
                         type_name=TYPE)['artifacts']

    def assertScratchEmpty(self):
        self.assertEqual([], os.listdir(self.scratch))

    def converted(self, task, source_id, headers=None):
        """The new image a successful task made: checked and returned."""
        self.assertEqual('success', task['status'], task)
        self.assertEqual(1.0, task['progress'])
        new = self.show(task['artifact'], headers=headers, type_name=TYPE)
        self.assertEqual('/artifacts/images/%s' % source_id,
                         new['converted_from'])
        self.assertEqual('drafted', new['status'])
        self.assertEqual('private', new['visibility'])
        self.assertIn(new['id'], task['message'])
        return new


@base.with_backends
class ConversionTests(ConversionHelpers):
    """Conversions: the new image, its data, refusals, cancellation."""

    def test_qcow2_to_raw_and_back(self):
        source = self.sample_qcow2()
        name = self.unique('img')
        af = self.new_image(source, 'qcow2', name=name, version='1.2.0',
                            min_ram=512, tags=['linux'],
                            description='a test image',
                            metadata={'owner_note': 'x'})
        task = self.convert(af['id'], 'raw')
        self.assertEqual('pending', task['status'])
        self.assertIsNone(task['artifact'])
        task, seen = self.wait(task['id'])
        self.assertEqual(sorted(seen), seen)
        raw = self.converted(task, af['id'])
        self.assertEqual(name, raw['name'])
        self.assertEqual('1.2.0+raw', raw['version'])
        self.assertEqual('raw', raw['disk_format'])
        self.assertEqual('bare', raw['container_format'])
        self.assertEqual(self.project, raw['owner'])
        self.assertEqual(512, raw['min_ram'])
        self.assertEqual(['linux'], raw['tags'])
        self.assertEqual('a test image', raw['description'])
        # the recorded format and size are the new data's
        self.assertEqual({'owner_note': 'x', 'detected_format': 'raw',
                          'virtual_size': str(16 * MIB)}, raw['metadata'])
        self.assertEqual(16 * MIB, raw['image']['size'])
        raw_path, raw_sha = self.download(raw['id'], 'got.raw')
        self.assertEqual(raw['image']['sha256'], raw_sha)
        self.assertTrue(qemu.same_content(source, 'qcow2', raw_path, 'raw'))

        # and back to qcow2, from the converted image
        task, _seen = self.wait(self.convert(raw['id'], 'qcow2')['id'])
        back = self.converted(task, raw['id'])
        self.assertEqual('1.2.0+qcow2', back['version'])
        self.assertEqual('qcow2', back['disk_format'])
        back_path, back_sha = self.download(back['id'], 'back.qcow2')
        self.assertEqual(back['image']['sha256'], back_sha)
        self.assertTrue(qemu.same_content(source, 'qcow2', back_path,
                                          'qcow2'))
        self.assertTrue(qemu.same_content(raw_path, 'raw', back_path,
                                          'qcow2'))
        # the source is untouched, and may go: the link is a record
        self.assertEqual(af['image'], self.show(af['id'],
                                                type_name=TYPE)['image'])
        resp = self.delete(self.url(af['id'], TYPE), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertScratchEmpty()

    def test_converted_image_activates(self):
        af = self.new_image(self.sample_qcow2(), 'qcow2')
        task, _seen = self.wait(self.convert(af['id'], 'vmdk')['id'])
        new = self.converted(task, af['id'])
        self.assertEqual('vmdk', new['metadata']['detected_format'])
        self.assertEqual('active',
                         self.activate(new['id'], type_name=TYPE)['status'])

    def bundled(self, artifact_id):
        """How many artifacts the bundle export of the image holds."""
        resp = self.get('%s/bundle' % self.url(artifact_id, TYPE),
                        headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        with tarfile.open(fileobj=io.BytesIO(resp.content)) as tar:
            index = json.load(tar.extractfile('index.json'))
        return len(index['manifests'])

    def test_converted_from_is_a_record_not_a_dependency(self):
        af = self.new_image(self.sample_qcow2(), 'qcow2')
        task, _seen = self.wait(self.convert(af['id'], 'raw')['id'])
        new = self.converted(task, af['id'])
        self.activate(new['id'], type_name=TYPE)
        # a bundle of the converted image does not take its source along
        self.assertEqual(1, self.bundled(new['id']))
        # nor does the source wait for its conversions to go
        resp = self.delete(self.url(af['id'], TYPE), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual(1, self.bundled(new['id']))
        self.assertEqual('/artifacts/images/%s' % af['id'], self.show(
            new['id'], type_name=TYPE)['converted_from'])

    def test_same_version_converted_twice(self):
        af = self.new_image(self.sample_qcow2(), 'qcow2', version='2.0.0')
        first, _ = self.wait(self.convert(af['id'], 'raw')['id'])
        self.converted(first, af['id'])
        again, _ = self.wait(self.convert(af['id'], 'raw')['id'])
        self.assertEqual('failure', again['status'])
        self.assertIn('2.0.0+raw', again['message'])
        self.assertEqual(2, len(self.named(af['name'])))
        self.assertScratchEmpty()

    # -- refusals ----------------------------------------------------------
    def test_request_refusals(self):
        af = self.new_image(self.sample_qcow2(), 'qcow2')
        path = '%s/image/convert' % self.url(af['id'], TYPE)
        for body, code, words in (
                ({'disk_format': 'qed'}, 400, 'Unknown disk format'),
                ({'disk_format': 'iso'}, 400, 'not converted to iso'),
                ({'disk_format': 7}, 400, 'Unknown disk format'),
                ({'format': 'raw'}, 400, 'one key'),
                ({'disk_format': 'raw', 'x': 1}, 400, 'one key'),
                (['raw'], 400, 'one key'),
                ({'disk_format': 'qcow2'}, 409, 'already is in format qcow2')):
            self.assertError(code, self.post(path, body, headers=self.user),
                             words)
        resp = self.request('POST', path, headers=self.user, data='raw',
                            content_type='text/plain')
        self.assertError(415, resp)
        # not an image, no data, not a disk
        sample = self.create()
        self.assertError(400, self.post(
            '%s/blob/convert' % self.url(sample['id']),
            {'disk_format': 'raw'}, headers=self.user), 'Only images')
        empty = self.create(type_name=TYPE, disk_format='qcow2',
                            container_format='bare')
        self.assertError(404, self.convert(empty['id'], 'raw', expect=404),
                         'no data')
        ova = self.new_image(self.sample_qcow2('in.ova'), 'vmdk',
                             container_format='ova')
        self.assertError(400, self.convert(ova['id'], 'raw', expect=400),
                         'container_format ova')
        self.assertEqual([], self.get('/tasks', headers=self.user).json()[
            'tasks'])
        self.assertEqual(1, len(self.named(af['name'])))

    def test_data_qemu_finds_unsafe(self):
        """A qcow2 marked corrupt passes the upload's checks; qemu-img
        info, the conversion's second look, refuses it."""
        path = self.sample_qcow2()
        with open(path, 'r+b') as f:
            f.seek(72)  # incompatible features; bit 1: corrupt
            features = struct.unpack('>Q', f.read(8))[0]
            f.seek(72)
            f.write(struct.pack('>Q', features | 2))
        af = self.new_image(path, 'qcow2')
        task, _seen = self.wait(self.convert(af['id'], 'raw')['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn('unsafe: it is marked corrupt', task['message'])
        self.assertEqual([af['id']], [a['id'] for a in self.named(
            af['name'])])
        self.assertScratchEmpty()

    def test_unsafe_data_in_the_store(self):
        """Data in the store that uploads refuse (kept from before the
        checks): a qcow2 with a backing file is not converted."""
        blobs = os.path.join(self.server.workdir, 'state', 'blobs')
        before = set(os.listdir(blobs))
        source = self.sample_qcow2()
        af = self.new_image(source, 'qcow2')
        stored = set(os.listdir(blobs)) - before
        self.assertEqual(1, len(stored))
        stored = os.path.join(blobs, stored.pop())
        backing = qemu.create(self.path('child.qcow2'), 'qcow2', 16 * MIB,
                              backing='/etc/hostname')
        with open(backing, 'rb') as f:
            unsafe = f.read()
        size = os.path.getsize(stored)
        self.assertLess(len(unsafe), size)
        with open(stored, 'wb') as f:
            f.write(unsafe.ljust(size, b'\0'))
        task, _seen = self.wait(self.convert(af['id'], 'raw')['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn('backing file', task['message'])
        self.assertEqual(1, len(self.named(af['name'])))
        self.assertScratchEmpty()

    def test_quota_refuses_the_result(self):
        """The result is stored as an upload of the caller: the project's
        data quota counts it, and a result over it leaves nothing."""
        source = self.sample_qcow2()
        af = self.new_image(source, 'qcow2')
        stored = af['image']['size']
        resp = self.request('PUT', '/quotas', headers=self.admin, json_body=[
            {'project_id': self.project, 'project_quotas': [
                {'quota_name': 'max_uploaded_data',
                 'quota_value': stored + 8 * MIB}]}])
        self.assertEqual(200, resp.status_code, base.brief(resp))
        task, _seen = self.wait(self.convert(af['id'], 'raw')['id'])
        self.assertEqual('failure', task['status'])
        self.assertIn('quota', task['message'].lower())
        self.assertEqual([af['id']], [a['id'] for a in self.named(
            af['name'])])
        self.assertScratchEmpty()

    # -- cancellation --------------------------------------------------------
    def test_cancel_while_running(self):
        raw = qemu.create(self.path('big.raw'), 'raw', 256 * MIB)
        for n in range(4):
            qemu.write(raw, 'raw', n * 64 * MIB, 48 * MIB, 0x60 + n)
        af = self.new_image(raw, 'raw')
        task = self.convert(af['id'], 'qcow2')
        running, _seen = self.wait(task['id'], until=(
            'running', 'success', 'failure'))
        self.assertEqual('running', running['status'])
        # qemu-img held while the task is cancelled: a loaded machine
        # could otherwise let it finish first; given the time to write
        # its progress again (which learns of the cancellation) once it
        # goes on
        qemu_img = self.converting()
        os.kill(qemu_img, signal.SIGSTOP)
        try:
            resp = self.delete('/tasks/%s' % task['id'], headers=self.user)
            self.assertEqual(202, resp.status_code, base.brief(resp))
            time.sleep(task_run.PROGRESS_EVERY + 0.2)
        finally:
            os.kill(qemu_img, signal.SIGCONT)
        ended, _seen = self.wait(task['id'])
        self.assertEqual('failure', ended['status'])
        self.assertEqual('Cancelled', ended['message'])
        self.assertEqual([af['id']], [a['id'] for a in self.named(
            af['name'])])
        if ended['artifact']:
            resp = self.get(self.url(ended['artifact'], TYPE),
                            headers=self.admin)
            self.assertError(404, resp)
        self.assertScratchEmpty()

    def converting(self, timeout=30):
        """The pid of the qemu-img converting in this class's scratch
        directory, as soon as it runs."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for pid in os.listdir('/proc'):
                if not pid.isdigit():
                    continue
                try:
                    with open('/proc/%s/cmdline' % pid, 'rb') as f:
                        argv = f.read().split(b'\0')
                except OSError:
                    continue
                if argv and os.path.basename(argv[0]) == b'qemu-img' and \
                        b'convert' in argv and any(
                            a.startswith(os.fsencode(self.scratch))
                            for a in argv):
                    return int(pid)
            time.sleep(0.005)
        self.fail('no qemu-img convert in %s' % self.scratch)

    def store_files(self):
        path = os.path.join(self.server.workdir, 'state', 'blobs')
        return set(os.listdir(path)) if os.path.isdir(path) else set()

    def test_raw_output_with_holes(self):
        # holes at the start, between the data and at the end, where the
        # last MiB is partial: stored as holes, read back as qemu-img made
        # it, the three digests its own
        size = 24 * MIB + 3 * 512
        source = qemu.create(self.path('holes.qcow2'), 'qcow2', size)
        qemu.write(source, 'qcow2', 5 * MIB + 512, MIB + 512, 0x21)
        qemu.write(source, 'qcow2', 12 * MIB, 3 * MIB, 0x22)
        expected = qemu.convert(source, 'qcow2', self.path('q.raw'), 'raw')
        with open(expected, 'rb') as f:
            data = f.read()
        af = self.new_image(source, 'qcow2')
        before = self.store_files()
        task, _seen = self.wait(self.convert(af['id'], 'raw')['id'])
        new = self.converted(task, af['id'])
        self.assertEqual(size, new['image']['size'])
        for name in ('md5', 'sha1', 'sha256'):
            self.assertEqual(hashlib.new(name, data).hexdigest(),
                             new['image'][name], name)
        path, _sha = self.download(new['id'], 'got.raw')
        with open(path, 'rb') as f:
            self.assertEqual(data, f.read())
        # ranges across the edges of holes
        url = '%s/image' % self.url(new['id'], TYPE)
        for first, last in ((5 * MIB + 500, 5 * MIB + 520),
                             (15 * MIB - 3, 15 * MIB + 3),
                             (size - 700, size - 1)):
            resp = self.get(url, headers=dict(
                self.user, Range='bytes=%d-%d' % (first, last)))
            self.assertEqual(206, resp.status_code, base.brief(resp))
            self.assertEqual(data[first:last + 1], resp.content)
        # the store's file is the data's size, its zeros mostly holes
        added = self.store_files() - before
        self.assertEqual(1, len(added), added)
        st = os.stat(os.path.join(self.server.workdir, 'state', 'blobs',
                                  added.pop()))
        self.assertEqual(size, st.st_size)
        self.assertLess(st.st_blocks * 512, 12 * MIB)
        if os.stat(self.scratch).st_dev == st.st_dev:
            # the store took qemu-img's file rather than a copy
            with open(self.server.log_path, errors='replace') as f:
                self.assertIn('moved into place at the end', f.read())
        self.assertScratchEmpty()

    def test_cancel_while_storing(self):
        # 3 GiB of raw output, nearly all holes: seconds of digests
        source = qemu.create(self.path('empty.qcow2'), 'qcow2', 3 << 30)
        qemu.write(source, 'qcow2', 0, MIB, 0x31)
        af = self.new_image(source, 'qcow2')
        before = self.store_files()
        task = self.convert(af['id'], 'raw')
        deadline = time.monotonic() + TASK_TIMEOUT
        while time.monotonic() < deadline:
            seen = self.task(task['id'])
            # past the conversion: storing
            if seen['status'] in ('success', 'failure') or (
                    seen['status'] == 'running' and seen['progress'] > 0.7):
                break
            time.sleep(0.02)
        self.assertEqual('running', seen['status'], seen)
        resp = self.delete('/tasks/%s' % task['id'], headers=self.user)
        self.assertEqual(202, resp.status_code, base.brief(resp))
        ended, _seen = self.wait(task['id'])
        self.assertEqual('failure', ended['status'], ended)
        self.assertEqual('Cancelled', ended['message'])
        self.assertEqual([af['id']], [a['id'] for a in self.named(
            af['name'])])
        self.assertError(404, self.get(self.url(ended['artifact'], TYPE),
                                       headers=self.admin))
        # nothing of the partial data is left in the store
        self.assertEqual(before, self.store_files())
        self.assertScratchEmpty()

    # -- who may convert -----------------------------------------------------
    def test_another_project_converts_a_public_image(self):
        af = self.new_image(self.sample_qcow2(), 'qcow2')
        self.activate(af['id'], type_name=TYPE)
        self.publish(af['id'], type_name=TYPE)
        other = self.new_project()
        member = self.auth(other)
        task, _seen = self.wait(self.convert(af['id'], 'raw',
                                             headers=member)['id'],
                                headers=member)
        new = self.converted(task, af['id'], headers=member)
        self.assertEqual(other, new['owner'])
        # the task and the new image are the other project's
        self.assertError(404, self.get('/tasks/%s' % task['id'],
                                       headers=self.user))
        self.assertError(404, self.get(self.url(new['id'], TYPE),
                                       headers=self.user))

    def test_reader_that_may_not_create(self):
        af = self.new_image(self.sample_qcow2(), 'qcow2')
        self.activate(af['id'], type_name=TYPE)
        self.publish(af['id'], type_name=TYPE)
        observer = self.auth(self.new_project(), OBSERVER)
        self.assertEqual(af['id'], self.show(af['id'], headers=observer,
                                             type_name=TYPE)['id'])
        self.assertError(403, self.convert(af['id'], 'raw', headers=observer,
                                           expect=403))
        self.assertEqual([], self.get('/tasks', headers=observer).json()[
            'tasks'])
        # one that may create an image but not upload to it
        no_data = self.auth(self.new_project(), 'member', NO_DATA)
        self.assertError(403, self.convert(af['id'], 'raw', headers=no_data,
                                           expect=403), 'image')
        self.assertEqual([], self.get('/tasks', headers=no_data).json()[
            'tasks'])
        # a project that cannot see a private image is told it is not there
        private = self.new_image(self.sample_qcow2('b.qcow2'), 'qcow2')
        stranger = self.auth(self.new_project())
        self.assertError(404, self.convert(private['id'], 'raw',
                                           headers=stranger, expect=404))


class KilledWorkerTest(test_task_workers._Workers, ConversionHelpers,
                       base.FunctionalTest):
    """glare-worker processes only ([tasks] workers = 0 in glare-api): the
    one converting is killed (SIGKILL, its whole process group); its
    qemu-img dies with it, another worker runs the task again once the
    lease expired, removes the image and the scratch directory the dead
    attempt left, and makes one image. SQLite: the claims on each backend
    are the task framework's tests."""

    BACKEND = 'sqlite'
    CONFIG = {'DEFAULT': {'stale_upload_timeout': 2},
              'tasks': {'workers': 0, 'lease_seconds': 3,
                        'poll_interval': 0.2, 'max_attempts': 3}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.start_workers()

    def qemu_img_in_scratch(self):
        """Pids of the processes whose command line names the scratch
        directory (qemu-img, converting)."""
        pids = []
        for pid in os.listdir('/proc'):
            if not pid.isdigit():
                continue
            try:
                with open('/proc/%s/cmdline' % pid, 'rb') as f:
                    cmdline = f.read()
                with open('/proc/%s/stat' % pid) as f:
                    state = f.read().rsplit(')', 1)[1].split()[0]
            except OSError:
                continue
            if self.scratch.encode() in cmdline and state != 'Z':
                pids.append(int(pid))
        return pids

    def test_a_killed_worker_leaves_nothing_behind(self):
        raw = qemu.create(self.path('big.raw'), 'raw', 512 * MIB)
        for n in range(8):
            qemu.write(raw, 'raw', n * 64 * MIB, 24 * MIB, 0x40 + n)
        af = self.new_image(raw, 'raw')
        task = self.convert(af['id'], 'qcow2')
        # killed while qemu-img converts
        deadline = time.monotonic() + TASK_TIMEOUT
        converting = []
        while not converting:
            self.assertLess(time.monotonic(), deadline)
            time.sleep(0.02)
            converting = self.qemu_img_in_scratch()
        log_line = ('Task %s (convert) started' % task['id']).encode()
        (victim,) = [w for w in self.workers
                     if log_line in self._read(w.log_path)]
        os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(20)
        self.workers.remove(victim)
        self.addCleanup(self.workers.append, self.start_worker(
            len(self.workers) + 20))
        for _ in range(500):
            if not set(converting) & set(self.qemu_img_in_scratch()):
                break
            time.sleep(0.02)
        self.assertEqual([], sorted(set(converting) &
                                    set(self.qemu_img_in_scratch())))
        done, _seen = self.wait(task['id'])
        self.assertEqual('success', done['status'], done)
        new = self.converted(done, af['id'])
        # one image made, the dead attempt's removed
        self.assertEqual(sorted([af['id'], new['id']]),
                         sorted(a['id'] for a in self.named(af['name'])))
        path, _sha = self.download(new['id'], 'new.qcow2')
        self.assertTrue(qemu.same_content(raw, 'raw', path, 'qcow2'))
        self.assertScratchEmpty()
