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

"""The head check of the poller and the server layer's error answers."""

import json


from glare.cmd import server
from glare.cmd import server_errors
from glare.tests import base


def _state(data, scanned=0, line_cap=4094):
    return server._head_state(bytearray(data), scanned, line_cap)


class TestHeadState(base.TestCase):

    def test_whole_or_not(self):
        self.assertIsNone(_state(b''))
        self.assertIsNone(_state(b'GET / HTTP/1.1\r\nHost: h\r\n'))
        self.assertEqual('done', _state(b'GET / HTTP/1.1\r\nHost: h\r\n\r\n'))
        # the end found across what was scanned before
        self.assertEqual('done', _state(b'GET / HTTP/1.1\r\n\r\n', 16))

    def test_refused_at_once(self):
        # a bare LF, a request line over the limit: the parser answers
        self.assertEqual('done', _state(b'GET / HTTP/1.1\nHost'))
        self.assertEqual('done', _state(b'\n'))
        self.assertEqual('done', _state(b'GET /' + b'a' * 5000))
        self.assertIsNone(_state(b'GET /' + b'a' * 5000, line_cap=0))
        self.assertIsNone(_state(b'\r\nGET / HTTP/1.1\r\n'))

    def test_too_large(self):
        line = b'GET / HTTP/1.1\r\n'
        big = line + b'X: ' + b'a' * server.MAX_HEAD + b'\r\n'
        self.assertEqual('large', _state(big))
        self.assertEqual('large', _state(big + b'\r\n'))

    def test_a_byte_at_a_time(self):
        head = b'GET / HTTP/1.1\r\nHost: h\r\n\r\n'
        buf = bytearray()
        states = []
        for i in range(len(head)):
            buf += head[i:i + 1]
            states.append(server._head_state(buf, i, 4094))
        self.assertEqual([None] * (len(head) - 1) + ['done'], states)


class TestResponse(base.TestCase):

    def _parse(self, data):
        head, _sep, body = data.partition(b'\r\n\r\n')
        lines = head.decode('latin-1').split('\r\n')
        headers = dict(line.split(': ', 1) for line in lines[1:])
        self.assertEqual(str(len(body)), headers['Content-Length'])
        return lines[0], headers, json.loads(body)

    def test_v1(self):
        status, headers, doc = self._parse(server_errors.response(
            414, 'URI Too Long', 'Request Line is too large', '/x'))
        self.assertEqual('HTTP/1.1 414 URI Too Long', status)
        self.assertEqual('application/json; charset=UTF-8',
                         headers['Content-Type'])
        self.assertEqual('close', headers['Connection'])
        self.assertTrue(headers['x-openstack-request-id'].startswith('req-'))
        self.assertEqual({'code': 414, 'title': 'URI Too Long',
                          'explanation': 'Request Line is too large',
                          'error': {'message': 'Request Line is too large',
                                    'type': 'RequestURITooLong'}}, doc)

    def test_v01(self):
        _status, _headers, doc = self._parse(server_errors.response(
            400, 'Bad Request', 'bad', '/v0.1/artifacts'))
        self.assertEqual({'badRequest': {'message': 'bad', 'code': 400}},
                         doc)

    def test_server_errors_say_nothing_of_the_cause(self):
        _status, _headers, doc = self._parse(server_errors.response(
            500, 'Internal Server Error', 'secret detail'))
        self.assertNotIn('secret', json.dumps(doc))
        self.assertEqual('GlareException', doc['error']['type'])

    def test_path_of(self):
        self.assertEqual('/v0.1/a', server_errors.path_of(
            b'GET /v0.1/a?x=1 HTTP/1.1\r\n'))
        self.assertEqual('/v0.1/a', server_errors.path_of(
            b'\r\nGET http://h:1/v0.1/a HTTP/1.1'))
        self.assertEqual('', server_errors.path_of(b'GARBAGE'))
        self.assertEqual('', server_errors.path_of(b''))
