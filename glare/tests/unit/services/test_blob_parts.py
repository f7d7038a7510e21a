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

"""The small parts of the blob path: ranges, bodies, digests, slices."""

import hashlib
import io
import os

from glare.api.controllers import blobs as blob_controller
from glare.common import hashing
from glare import exception
from glare.services import blobs
from glare.services import downloads
from glare.services import locations
from glare.store import api as store_api
from glare.tests import base


class ParseRangeTest(base.TestCase):

    def test_ranges(self):
        for header, expected in (('bytes=0-0', (0, 1)),
                                 ('bytes=2-5', (2, 4)),
                                 ('bytes=2-', (2, 8)),
                                 ('bytes=-3', (7, 3)),
                                 ('bytes=-30', (0, 10)),
                                 ('bytes=5-500', (5, 5)),
                                 ('BYTES = 1 - 2', (1, 2))):
            self.assertEqual(expected, downloads.parse_range(header, 10),
                             header)

    def test_ignored(self):
        for header in (None, '', 'bytes=1-2,4-5', 'items=1-2', 'bytes=-',
                       'bytes=5-2', 'bytes=a-b', 'bytes 1-2'):
            self.assertIsNone(downloads.parse_range(header, 10), header)

    def test_unsatisfiable(self):
        for header, size in (('bytes=10-', 10), ('bytes=10-20', 10),
                             ('bytes=-0', 10), ('bytes=0-', 0),
                             ('bytes=-5', 0)):
            exc = self.assertRaises(exception.RequestedRangeNotSatisfiable,
                                    downloads.parse_range, header, size)
            self.assertEqual({'Content-Range': 'bytes */%d' % size},
                             exc.headers)


class LocationBodyTest(base.TestCase):

    def test_valid(self):
        url, kind, sums = locations._parse({
            'url': 'http://x/y', 'md5': 'A' * 32, 'sha1': 'b' * 40,
            'location_type': 'internal'})
        self.assertEqual(('http://x/y', 'internal',
                          {'md5': 'a' * 32, 'sha1': 'b' * 40}),
                         (url, kind, sums))
        self.assertEqual('external',
                         locations._parse({'url': 'http://x'})[1])

    def test_invalid(self):
        for body in ([], 'x', {}, {'url': ''}, {'url': 1},
                     {'url': 'h' * 2049}, {'url': 'http://x', 'md5': 'z'},
                     {'url': 'http://x', 'sha256': 'a' * 63},
                     {'url': 'http://x', 'md5': 5},
                     {'url': 'http://x', 'location_type': 'x'},
                     {'url': 'http://x', 'size': 3}):
            self.assertRaises(exception.BadRequest, locations._parse, body)


class BodyTest(base.TestCase):

    def test_known_length_stops_there(self):
        body = blobs.Body(io.BytesIO(b'abcdefgh'), 5)
        self.assertEqual(b'abc', body.read(3))
        self.assertEqual(b'de', body.read(10))
        self.assertEqual(b'', body.read(10))

    def test_short_body_is_an_error(self):
        body = blobs.Body(io.BytesIO(b'abc'), 5)
        self.assertEqual(b'abc', body.read(10))
        self.assertRaises(exception.BadRequest, body.read, 10)

    def test_unknown_length_reads_to_the_end(self):
        body = blobs.Body(io.BytesIO(b'abc'))
        self.assertEqual(b'abc', body.read(10))
        self.assertEqual(b'', body.read(10))


class ParallelHasherTest(base.TestCase):

    def test_digests_match_hashlib(self):
        data = os.urandom(3 * 1024 * 1024 + 5)
        hasher = hashing.ParallelHasher()
        for i in range(0, len(data), 65536):
            hasher.update(data[i:i + 65536])
        self.assertEqual({name: hashlib.new(name, data).hexdigest()
                          for name in hashing.ALGORITHMS},
                         hasher.hexdigests())
        hasher.close()  # after hexdigests: a no-op

    def test_close_stops_threads(self):
        hasher = hashing.ParallelHasher()
        hasher.update(b'x' * 100)
        hasher.close()
        self.assertFalse(any(d.is_alive() for d in hasher._digests))


class SliceTest(base.TestCase):

    def test_slices(self):
        chunks = [b'abc', b'defg', b'h']
        data = b''.join(chunks)
        for offset in range(len(data) + 1):
            for length in [None] + list(range(len(data) - offset + 1)):
                got = b''.join(store_api._slice(iter(chunks), offset,
                                                length))
                end = None if length is None else offset + length
                self.assertEqual(data[offset:end], got, (offset, length))


class RequestBodyTest(base.TestCase):
    """Which stream an upload reads, by what the WSGI server promises."""

    def test_length_or_terminated_input_is_read_directly(self):
        stream = io.BytesIO(b'x')
        for environ, chunked in (({'wsgi.input': stream}, False),
                                 ({'wsgi.input': stream,
                                   'wsgi.input_terminated': True}, True)):
            self.assertIs(stream,
                          blob_controller.request_body(environ, chunked))

    def test_chunked_without_server_support_is_411(self):
        self.assertRaises(exception.LengthRequired,
                          blob_controller.request_body,
                          {'wsgi.input': io.BytesIO(b'')}, True)
