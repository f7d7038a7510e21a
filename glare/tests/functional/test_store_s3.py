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

"""glance_store's S3 driver against a real S3 API: Swift's s3api
middleware (tempauth: access key "account:user", secret its key) in the
Swift all-in-one of glare.tests.fixtures.swift_aio.

The store needs boto3 (test-requirements; operators install
``glare[s3]``). The objects are looked at with Swift's own API: the
bucket is the container ``glare`` of the account AUTH_glare; a multipart
upload leaves a static large object (SLO) manifest there and its parts in
``glare+segments``.
"""

import os
import time
import uuid

import requests

from glare.store import api as store_api
from glare.tests import base as unit_base
from glare.tests.functional import base
from glare.tests.functional import store_suite

MiB = store_suite.MiB


class S3Mixin(store_suite.StoreMixin):

    @classmethod
    def store_options(cls):
        return cls.swift.s3_options(bucket=cls.CONTAINER)

    def objects(self):
        return self.swift.objects(container=self.CONTAINER)

    def object_headers(self, name):
        url, token = self.swift.tempauth_token()
        resp = self.session.head('%s/%s/%s' % (url, self.CONTAINER, name),
                                 headers={'X-Auth-Token': token}, timeout=60)
        self.assertEqual(200, resp.status_code)
        return resp.headers


@base.with_backends
class S3StoreTests(S3Mixin, store_suite.StoreSuite):
    """The blob API on glance_store's S3 store, Swift's s3api behind it."""

    def test_unknown_length_goes_in_parts(self):
        # glance_store would gather a chunked upload in memory for one
        # put_object; Glare has it sent as a multipart upload (an SLO)
        before = self.stored()
        af = self.create()
        data = os.urandom(3 * MiB + 1)
        self.upload(af['id'], 'blob', iter([data[:MiB], data[MiB:]]))
        added = self.objects_of(before)
        self.assertEqual(1, len(added), added)
        self.assertEqual('True', self.object_headers(added[0]).get(
            'X-Static-Large-Object'))
        self.check_round_trip(af['id'], data)


class S3LargeObjectTests(S3Mixin, store_suite.LargeObjectSuite,
                         base.FunctionalTest):
    """A multipart upload (glance_store's s3_store_large_object_size
    crossed): Swift keeps the parts as segments of an SLO."""

    BACKEND = 'sqlite'
    SEGMENT = 64 * MiB

    @classmethod
    def store_options(cls):
        return dict(super().store_options(),
                    s3_store_large_object_size='128',
                    s3_store_large_object_chunk_size='64')

    def assertManifest(self, added):
        self.assertEqual(1, len(added), added)
        self.assertEqual('True', self.object_headers(added[0]).get(
            'X-Static-Large-Object'))
        segments = self.swift.objects(container=self.CONTAINER +
                                      '+segments')
        self.assertEqual(self.LARGE // self.SEGMENT, len(
            [s for s in segments if s.startswith(added[0] + '/')]),
            segments)


class S3DelayedDeleteTests(S3Mixin, store_suite.DelayedDeleteSuite,
                           base.FunctionalTest):
    BACKEND = 'sqlite'


class S3OutageTests(S3Mixin, base.FunctionalTest):
    """The Swift proxy behind the S3 API killed mid-upload and
    mid-download."""

    BACKEND = 'sqlite'
    EXTRA_CONFIG = {'DEFAULT': {'stale_upload_timeout': '2'}}

    def setUp(self):
        super().setUp()
        self.addCleanup(self._proxy_up)

    def _proxy_up(self):
        if 'proxy-tempauth' not in self.swift.procs:
            self.swift.start_proxy('tempauth')

    def wait_for(self, check, timeout=60, what='condition'):
        deadline = time.monotonic() + timeout
        while not check():
            if time.monotonic() > deadline:
                self.fail('no %s within %ss' % (what, timeout))
            time.sleep(0.5)

    def test_proxy_killed_mid_upload(self):
        # the sample type's blobs stop at 10 MiB
        af = self.create(type_name='images', container_format='bare',
                         disk_format='raw')
        path = self.url(af['id'], 'images') + '/image'
        segments = self.CONTAINER + '+segments'
        before = set(self.swift.objects(container=segments))

        def body():
            # chunked: a multipart upload of 10 MiB parts (glance_store's
            # default s3_store_large_object_chunk_size)
            for _ in range(12):
                yield b'x' * MiB
            self.wait_for(lambda: set(self.swift.objects(
                container=segments)) - before, what='a part in Swift')
            self.swift.stop_proxy('tempauth')
            yield b'y' * MiB
        resp = self.request('PUT', path, headers=self.user, data=body(),
                            content_type='application/octet-stream')
        err = self.assertError(503, resp)
        self.assertEqual('ServiceUnavailable', err['error']['type'])

        def shown():
            return self.show(af['id'], type_name='images')
        self.assertEqual('drafted', shown()['status'])
        self.wait_for(lambda: shown()['image'] is None,
                      what='upload undone')
        self.swift.start_proxy('tempauth')
        # the parts sent before the proxy died: the clean-up, which
        # could not delete them while it was down, aborts the unfinished
        # multipart upload once it is back
        self.wait_for(lambda: not set(self.swift.objects(
            container=segments)) - before, what='removal of the parts')
        resp = self.request('PUT', path, headers=self.user,
                            data=b'after the outage',
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(b'after the outage', self.request(
            'GET', path, headers=self.user).content)

    # -- glare.store.api against the s3api, in this process --------------
    def stores(self):
        """glare.store.api.Stores over the S3 store of the server."""
        config = unit_base.ConfigFixture()
        config.setUp()
        self.addCleanup(config.cleanUp)
        config.set_in('glance_store', **self.store_options())
        return store_api.Stores(config.conf)

    def segments(self, key):
        """The parts (and upload markers) s3api keeps of key."""
        return [o for o in self.swift.objects(
            container=self.CONTAINER + '+segments')
            if o.startswith(key + '/')]

    def test_planned_location_is_where_add_writes(self):
        stores = self.stores()
        # a single PUT (known small size) and a multipart upload (unknown
        # size: s3_stream_unknown_sizes)
        for size, data in ((5, b'hello'), (None, os.urandom(MiB + 1))):
            data_id = str(uuid.uuid4())
            writer = stores.writer('s3', data_id, size)
            planned = writer.location
            self.assertTrue(planned.endswith('/%s/%s' % (self.CONTAINER,
                                                         data_id)), planned)
            writer.write(data)
            self.assertEqual(planned, writer.finish())
            self.assertIn(data_id, self.objects())
            self.assertEqual(data, b''.join(stores.open(planned)))
            stores.delete(planned)
            self.assertNotIn(data_id, self.objects())

    def test_delete_aborts_unfinished_multipart_uploads(self):
        stores = self.stores()
        key, other = str(uuid.uuid4()), None
        writer = stores.writer('s3', key, 1)  # the bucket exists after it
        writer.write(b'x')
        location = writer.finish()
        stores.delete(location)
        driver, loc = stores._location(location)
        client, bucket, _key = driver._operation_set(loc.store_location)
        other = key + '-other'  # under the same prefix: not aborted

        def start(name):
            upload = client.create_multipart_upload(Bucket=bucket, Key=name)
            client.upload_part(Bucket=bucket, Key=name, PartNumber=1,
                               UploadId=upload['UploadId'], Body=b'p' * 100)
            return upload['UploadId']
        start(key)
        start(key)
        other_id = start(other)
        self.addCleanup(client.abort_multipart_upload, Bucket=bucket,
                        Key=other, UploadId=other_id)
        self.assertTrue(self.segments(key))

        def unfinished():
            return sorted(u['Key'] for u in client.list_multipart_uploads(
                Bucket=bucket, Prefix=key).get('Uploads', ()))
        self.assertEqual([key, key, other], unfinished())
        # no object: its parts were all there was, not an error
        stores.delete(location)
        self.assertEqual([other], unfinished())
        self.assertEqual([], self.segments(key))
        self.assertTrue(self.segments(other))
        self.assertNotIn(key, self.objects())
        # nothing at all: not an error either
        stores.delete(location)

    def test_proxy_killed_mid_download(self):
        size = 96 * MiB
        af = self.create(type_name='images', container_format='bare',
                         disk_format='raw')
        path = self.url(af['id'], 'images') + '/image'
        resp = self.request('PUT', path, headers=self.user,
                            data=store_suite.Generated(size),
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        received = 0
        with requests.get(self.server.url + path, headers=self.user,
                          stream=True, timeout=120) as resp:
            self.assertEqual(200, resp.status_code)
            chunks = resp.iter_content(MiB)
            received += len(next(chunks))
            self.swift.stop_proxy('tempauth')
            try:
                for chunk in chunks:
                    received += len(chunk)
            except requests.RequestException:
                pass
        self.assertLess(received, size)
        err = self.assertError(503, self.request('GET', path,
                                                 headers=self.user))
        self.assertEqual('ServiceUnavailable', err['error']['type'])
        self.swift.start_proxy('tempauth')
        resp = self.request('GET', path, headers=self.user)
        self.assertEqual(200, resp.status_code)
        self.assertEqual(size, len(resp.content))
