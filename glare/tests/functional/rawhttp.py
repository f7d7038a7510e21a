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

"""HTTP/1.1 over a raw socket, for requests no HTTP library would send."""

import json
import socket
import time


class Answer:
    """A parsed answer: status, headers (lower-case names), body."""

    def __init__(self, status, headers, body):
        self.status = status
        self.headers = headers
        self.body = body

    def json(self):
        return json.loads(self.body)

    def __repr__(self):
        return '<%s %r %r>' % (self.status, self.headers, self.body[:300])


def read_answer(sock, timeout=10):
    """The answer on sock; None when the server closed without one."""
    sock.settimeout(timeout)
    data = b''
    deadline = time.monotonic() + timeout
    while b'\r\n\r\n' not in data:
        chunk = sock.recv(65536)
        if not chunk:
            return None if not data else _parse(data, b'')
        data += chunk
        if time.monotonic() > deadline:
            raise TimeoutError('no whole answer head: %r' % data)
    head, _sep, body = data.partition(b'\r\n\r\n')
    answer = _parse(head, body)
    length = int(answer.headers.get('content-length', 0))
    while len(answer.body) < length:
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer.body += chunk
    return answer


def _parse(head, body):
    lines = head.decode('latin-1').split('\r\n')
    status = int(lines[0].split(' ')[1])
    headers = {}
    for line in lines[1:]:
        name, _sep, value = line.partition(':')
        headers[name.strip().lower()] = value.strip()
    return Answer(status, headers, body)


def exchange(port, request, timeout=10):
    """Send request (bytes) on a new connection; the answer."""
    with socket.create_connection(('127.0.0.1', port), timeout=timeout) as s:
        s.sendall(request)
        return read_answer(s, timeout)
