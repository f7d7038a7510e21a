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

"""The bodies of pulls and pushes, and the push's request body."""

import unittest

import requests
from urllib3 import exceptions as urllib3_exc

from glare import exception
from glare.services import federation
from glare.services import upstreams

ID = '0567f972-feab-463e-93c7-3e0e9beb4a96'


class RequestBodyTests(unittest.TestCase):

    def pull(self, body):
        return federation.request_body(body, federation.PULL_BODY,
                                       federation.PULL_EXAMPLE)

    def refused(self, body, message, allowed=federation.PULL_BODY):
        with self.assertRaises(exception.BadRequest) as caught:
            federation.request_body(body, allowed, 'an example')
        self.assertIn(message, str(caught.exception))

    def test_dependencies_default_to_true_and_ids_are_canonical(self):
        self.assertEqual({'upstream': 'global', 'id': ID,
                          'dependencies': True},
                         self.pull({'upstream': 'global', 'id': ID}))
        self.assertEqual({'upstream': 'global', 'id': ID,
                          'dependencies': False},
                         self.pull({'upstream': 'global', 'id': ID.upper(),
                                    'dependencies': False}))
        self.assertEqual({'upstream': 'v', 'dependencies': True},
                         federation.request_body(
                             {'upstream': 'v'}, federation.PUSH_BODY, ''))

    def test_refusals_name_what_is_wrong(self):
        self.refused([], 'must be a JSON object')
        self.refused(None, 'must be a JSON object')
        self.refused({'id': ID}, 'must hold "upstream"')
        self.refused({'upstream': 'g', 'id': ID, 'b': 1, 'a': 2},
                     'Unknown key(s) in the body: a, b')
        self.refused({'upstream': 'g', 'id': ID}, 'Unknown key(s) in the '
                     'body: id', federation.PUSH_BODY)
        self.refused({'upstream': True, 'id': ID}, '"upstream" is a string, '
                     'not true')
        self.refused({'upstream': 'g', 'id': ID, 'dependencies': 1},
                     '"dependencies" is true or false, not 1')
        self.refused({'upstream': 'g', 'id': ID, 'dependencies': None},
                     '"dependencies" is true or false, not null')
        self.refused({'upstream': 'g', 'id': 'x' * 500}, 'a UUID')


class SentTests(unittest.TestCase):

    def test_counts_and_keeps_the_exports_own_failure(self):
        def chunks():
            yield b'abc'
            raise OSError('the store went away')
        sent = federation._Sent(chunks(), 10)
        self.assertEqual(10, len(sent))
        it = iter(sent)
        self.assertEqual(b'abc', next(it))
        self.assertRaises(OSError, next, it)
        self.assertEqual(3, sent.bytes)
        self.assertIsInstance(sent.error, OSError)

    def test_close_closes_an_unread_export(self):
        closed = []

        def chunks():
            try:
                yield b'x'
            finally:
                closed.append(True)
        gen = chunks()
        next(gen)
        federation._Sent(gen, 1).close()
        self.assertEqual([True], closed)


class StalledTests(unittest.TestCase):
    """requests reports a read timeout of a streamed body as a
    ConnectionError around urllib3's ReadTimeoutError."""

    def test_kinds(self):
        read_timeout = urllib3_exc.ReadTimeoutError(None, '/x', 'timed out')
        self.assertTrue(upstreams._stalled(requests.ReadTimeout()))
        self.assertTrue(upstreams._stalled(
            requests.ConnectionError(read_timeout)))
        self.assertFalse(upstreams._stalled(requests.ConnectionError(
            urllib3_exc.ProtocolError('Connection broken'))))
        self.assertFalse(upstreams._stalled(
            requests.exceptions.ChunkedEncodingError()))
