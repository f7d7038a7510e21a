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

"""The blob API on a real Swift (glare.tests.fixtures.swift_aio): the
behaviour mixins each store's test module turns into test classes.

A class mixes ``StoreMixin`` with a store: it starts its Swift in
``start_swift()`` (before its glare-api), gives glance_store's options
(``store_options()``), and says how to look into Swift: ``objects()``
(names in the store's container, through Swift's own API) and
``object_headers(name)``. The suites then check what Glare left there.
"""

import hashlib
import os
import subprocess
import sys

from glare.tests.fixtures import swift_aio
from glare.tests.functional import base
from glare.tests.functional import test_blobs

MiB = 1 << 20
GiB = 1 << 30


class Generated:
    """size bytes made on the fly (a repeated random block): a body with a
    length (requests sends Content-Length) that is never in memory."""

    BLOCK = os.urandom(MiB)

    def __init__(self, size, block=None):
        self.size = size
        self.left = size
        self.block = block or self.BLOCK

    def __len__(self):
        return self.size

    def read(self, n=-1):
        if self.left <= 0:
            return b''
        start = (self.size - self.left) % len(self.block)
        n = self.left if n is None or n < 0 else n
        n = min(n, self.left, len(self.block) - start)
        self.left -= n
        return self.block[start:start + n]

    def chunks(self):
        while True:
            data = self.read(MiB)
            if not data:
                return
            yield data

    @classmethod
    def sha256(cls, size, block=None):
        block = block or cls.BLOCK
        digest = hashlib.sha256()
        left = size
        while left > 0:
            piece = block[:min(left, len(block))]
            digest.update(piece)
            left -= len(piece)
        return digest.hexdigest()


class StoreMixin(test_blobs.BlobMixin):
    """A Swift for the class, started before its glare-api."""

    EXTRA_CONFIG = {}
    CONTAINER = 'glare'

    @classmethod
    def setUpClass(cls):
        swift_aio.skip_unless_available(cls())
        cls.start_swift()
        config = {section: dict(options) for section, options
                  in cls.CONFIG.items()}
        config.setdefault('glance_store', {}).update(cls.store_options())
        for section, options in cls.EXTRA_CONFIG.items():
            config.setdefault(section, {}).update(options)
        # the Keystone suite's base builds its CONFIG from EXTRA_CONFIG
        cls.CONFIG = cls.EXTRA_CONFIG = config
        super().setUpClass()

    @classmethod
    def start_swift(cls):
        cls.swift = swift_aio.SwiftAIO()
        cls.addClassCleanup(cls.swift.destroy)
        cls.swift.start()

    @classmethod
    def store_options(cls):
        raise NotImplementedError

    def objects(self):
        """Names of the objects in the store's container."""
        raise NotImplementedError

    def object_headers(self, name):
        raise NotImplementedError

    # -- what Swift holds ------------------------------------------------
    def stored(self):
        return set(self.objects())

    def objects_of(self, before):
        return sorted(self.stored() - set(before))

    def check_round_trip(self, af_id, data, field='blob', key=None):
        resp = self.download(af_id, field, key)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(data, resp.content)
        self.assertDataHeaders(resp, data)


class StoreSuite(StoreMixin):
    """Upload, download, Range, replace, delete, folders, quotas."""

    def test_upload_with_length_lands_in_swift(self):
        before = self.stored()
        af = self.create()
        data = os.urandom(3 * MiB + 17)
        out = self.upload(af['id'], 'blob', data)
        self.assertEqual(len(data), out['blob']['size'])
        self.assertEqual('active', out['blob']['status'])
        added = self.objects_of(before)
        self.assertEqual(1, len(added), added)
        self.assertEqual(str(len(data)),
                         self.object_headers(added[0])['Content-Length'])
        self.check_round_trip(af['id'], data)

    def test_chunked_upload(self):
        before = self.stored()
        af = self.create()
        data = os.urandom(2 * MiB + 5)
        parts = [data[i:i + 65536] for i in range(0, len(data), 65536)]
        out = self.upload(af['id'], 'blob', iter(parts))
        self.assertEqual(len(data), out['blob']['size'])
        self.assertEqual(hashlib.sha256(data).hexdigest(),
                         out['blob']['sha256'])
        self.assertTrue(self.objects_of(before))
        self.check_round_trip(af['id'], data)

    def test_ranges(self):
        af = self.create()
        data = os.urandom(MiB + 333)
        self.upload(af['id'], 'blob', data)
        for header, part in (('bytes=0-9', data[:10]),
                             ('bytes=1000-', data[1000:]),
                             ('bytes=-100', data[-100:]),
                             ('bytes=524288-524299', data[524288:524300])):
            resp = self.request('GET', self.blob_path(af['id'], 'blob'),
                                headers=dict(self.user, Range=header))
            self.assertEqual(206, resp.status_code, base.brief(resp))
            self.assertEqual(part, resp.content, header)
            self.assertEqual(str(len(part)), resp.headers['Content-Length'])
        resp = self.request('GET', self.blob_path(af['id'], 'blob'),
                            headers=dict(self.user,
                                         Range='bytes=%d-' % (len(data) + 5)))
        self.assertError(416, resp)

    def test_replace_delete_and_reupload(self):
        before = self.stored()
        af = self.create()
        self.upload(af['id'], 'blob', b'first version')
        first = self.objects_of(before)
        self.assertEqual(1, len(first))
        self.upload(af['id'], 'blob', b'second version')
        second = self.objects_of(before)
        self.assertEqual(1, len(second))
        self.assertNotEqual(first, second)  # the old object is gone
        self.check_round_trip(af['id'], b'second version')
        resp = self.delete(self.blob_path(af['id'], 'blob'),
                           headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual([], self.objects_of(before))
        self.assertError(404, self.download(af['id'], 'blob'))
        self.upload(af['id'], 'blob', b'third version')
        self.check_round_trip(af['id'], b'third version')
        resp = self.delete(self.url(af['id']), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual([], self.objects_of(before))

    def test_folders(self):
        before = self.stored()
        af = self.create()
        items = {'one': os.urandom(300), 'two': os.urandom(600)}
        for key, data in items.items():
            self.upload(af['id'], 'dict_of_blobs', data, key=key)
        self.assertEqual(2, len(self.objects_of(before)))
        for key, data in items.items():
            self.check_round_trip(af['id'], data, 'dict_of_blobs', key)
        resp = self.delete(self.blob_path(af['id'], 'dict_of_blobs', 'one'),
                           headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(1, len(self.objects_of(before)))
        self.assertError(404, self.download(af['id'], 'dict_of_blobs', 'one'))
        self.check_round_trip(af['id'], items['two'], 'dict_of_blobs', 'two')

    def set_data_quota(self, value):
        resp = self.request('PUT', '/quotas', headers=self.admin, json_body=[
            {'project_id': self.project, 'project_quotas': [
                {'quota_name': 'max_uploaded_data:sample_artifact',
                 'quota_value': value}]}])
        self.assertEqual(200, resp.status_code, base.brief(resp))

    def test_quota_refusal_leaves_nothing(self):
        # counted from what the project holds now (the Keystone suite's
        # projects outlive a test)
        used = 0
        for af in self.list('limit=1000&owner=' + self.project)['artifacts']:
            blobs = [af['blob']] + list((af['dict_of_blobs'] or {}).values())
            used += sum((b or {}).get('size') or 0 for b in blobs)
        self.set_data_quota(used + 3000)
        self.addCleanup(self.set_data_quota, -1)
        before = self.stored()
        af = self.create()
        self.upload(af['id'], 'blob', b'x' * 2000)
        other = self.create()
        # a known length over the quota: refused before Swift sees a byte
        self.assertError(413, self.put_data(other['id'], 'blob',
                                            b'y' * 1001))
        # a chunked stream found over the quota on the way: the part
        # already sent to Swift is removed
        self.assertError(413, self.put_data(
            other['id'], 'blob', iter([b'y' * 700, b'y' * 700])))
        self.assertEqual(1, len(self.objects_of(before)))
        self.assertIsNone(self.show(other['id'])['blob'])
        self.upload(other['id'], 'blob', b'y' * 1000)
        self.assertEqual(2, len(self.objects_of(before)))


class LargeObjectSuite(StoreMixin):
    """LARGE bytes through the large object threshold of the store:
    Swift gets segments and a manifest, and Glare streams both ways."""

    LARGE = GiB
    #: where two segments meet (a Range test across it)
    SEGMENT = 256 * MiB
    EXTRA_CONFIG = {'DEFAULT': {'max_uploaded_data': str(2 * GiB)}}

    def assertManifest(self, added):
        """The objects an upload of LARGE bytes added: segments and a
        manifest of the store's kind."""
        raise NotImplementedError

    def test_large_upload(self):
        before = self.stored()
        # the sample type's blobs stop at 10 MiB; images' at 1000 GiB
        af = self.create(type_name='images', container_format='bare',
                         disk_format='raw')
        path = self.url(af['id'], 'images') + '/image'
        body = Generated(self.LARGE)
        resp = self.request('PUT', path,
                            headers=self.user, data=body,
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        blob = resp.json()['image']
        self.assertEqual(self.LARGE, blob['size'])
        self.assertEqual(Generated.sha256(self.LARGE), blob['sha256'])
        self.assertManifest(self.objects_of(before))

        # the download streams: hashed as it comes, never held whole
        digest = hashlib.sha256()
        size = 0
        with self.session.get(self.server.url + path, headers=self.user, stream=True,
                              timeout=120) as resp:
            self.assertEqual(200, resp.status_code)
            self.assertEqual(str(self.LARGE), resp.headers['Content-Length'])
            for chunk in resp.iter_content(MiB):
                digest.update(chunk)
                size += len(chunk)
        self.assertEqual(self.LARGE, size)
        self.assertEqual(blob['sha256'], digest.hexdigest())
        # a range across the border of two segments
        resp = self.request('GET', path, headers=dict(self.user, Range='bytes=%d-%d' % (
                                self.SEGMENT - 10, self.SEGMENT + 9)))
        self.assertEqual(206, resp.status_code, base.brief(resp))
        block = Generated.BLOCK
        self.assertEqual((block * 2)[len(block) - 10:len(block) + 10],
                         resp.content)
        # deleting removes the segments with the manifest
        resp = self.delete(self.url(af['id'], 'images'), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual([], self.objects_of(before))


class DelayedDeleteSuite(StoreMixin):
    """delayed_delete: a deleted artifact keeps its Swift objects until
    glare-scrubber purges it."""

    EXTRA_CONFIG = {'DEFAULT': {'delayed_delete': 'True'}}

    def scrub(self):
        proc = subprocess.run(
            [sys.executable, '-m', 'glare.cmd.scrubber', '--config-file',
             os.path.join(self.server.workdir, 'glare.conf'),
             '--nodaemon'], stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT, timeout=120, check=False)
        output = proc.stdout.decode('utf-8', 'replace')
        self.assertEqual(0, proc.returncode, output)
        return output

    def test_scrubber_deletes_the_objects(self):
        before = self.stored()
        af = self.create()
        self.upload(af['id'], 'blob', b'kept until scrubbed')
        self.upload(af['id'], 'dict_of_blobs', b'a folder item', key='k')
        self.assertEqual(2, len(self.objects_of(before)))
        resp = self.delete(self.url(af['id']), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertEqual('deleted', self.show(af['id'])['status'])
        self.assertEqual(2, len(self.objects_of(before)))
        self.scrub()
        self.assertEqual([], self.objects_of(before))
        self.assertError(404, self.get(self.url(af['id']),
                                       headers=self.admin))

