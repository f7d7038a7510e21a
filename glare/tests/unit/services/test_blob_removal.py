"""Which blobs a DELETE may empty, decided on the locked artifact row;
and the fetched data of an external location as a file."""

import types

import testtools

from glare.common import hashing
from glare import exception
from glare.services import blobs
from glare.services import locations


def _blob(mutable, required):
    field = types.SimpleNamespace(mutable=mutable,
                                  required_on_activate=required)
    return types.SimpleNamespace(name='b', field=field, values={})


class RemovableTest(testtools.TestCase):

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


class FetchedTest(testtools.TestCase):

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
