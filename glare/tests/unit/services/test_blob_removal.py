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

"""Which blobs a DELETE may empty, decided on the locked artifact row;
and the fetched data of an external location as a file."""

import types


from glare.common import hashing
from glare import exception
from glare.services import blobs
from glare.services import locations
from glare.tests import base


def _blob(mutable, required):
    field = types.SimpleNamespace(mutable=mutable,
                                  required_on_activate=required)
    return types.SimpleNamespace(name='b', field=field, values={})


class RemovableTest(base.TestCase):

    def setUp(self):
        super().setUp()
        conf = types.SimpleNamespace(stale_upload_timeout=300)
        self.service = blobs.BlobService(conf, None, None, None)

    def check(self, blob, status):
        self.service.removal_rule(blob).check(status)

    def test_drafted_any_field(self):
        for mutable in (True, False):
            for required in (True, False):
                self.check(_blob(mutable, required), 'drafted')

    def test_active_mutable_unless_required(self):
        self.check(_blob(True, False), 'active')
        exc = self.assertRaises(exception.Forbidden, self.check,
                                _blob(True, True), 'active')
        self.assertIn('required', str(exc))
        self.assertRaises(exception.Forbidden, self.check,
                          _blob(False, False), 'active')

    def test_deactivated_and_deleted_never(self):
        for status in ('deactivated', 'deleted'):
            self.assertRaises(exception.Forbidden, self.check,
                              _blob(True, False), status)


class FetchedTest(base.TestCase):

    def test_reads_hash_the_raw_chunks_once(self):
        chunks = [b'abc', b'defgh', b'', b'ij']
        hasher = hashing.ParallelHasher()
        self.addCleanup(hasher.close)
        data = locations._Fetched(iter(chunks), hasher)
        out = [data.read(2), data.read(2), data.read(-1)]
        self.assertEqual([b'ab', b'c', b'defghij'], out)
        self.assertEqual(b'', data.read(4))
        self.assertEqual(10, data.size)
        self.assertEqual(hashing.digests_of(b'abcdefghij')['sha256'],
                         hasher.hexdigests()['sha256'])
