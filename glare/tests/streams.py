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

"""Request bodies for upload tests, and reading a stream to its end."""


class Pieces:
    """A body handing out the given pieces, one per read, whatever size is
    asked for (as a socket may)."""

    def __init__(self, *pieces):
        self._pieces = list(pieces)

    def read(self, size=-1):
        return self._pieces.pop(0) if self._pieces else b''


def drain(fd, size=65536):
    """Everything fd.read(size) gives until it gives b''."""
    out = []
    while True:
        chunk = fd.read(size)
        if not chunk:
            return b''.join(out)
        out.append(chunk)
