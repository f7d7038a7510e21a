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
