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

"""What every store shares: the reader type."""


class Reader:
    """Data from a location: iterate for chunks, close() when done.

    ``file`` is an open file positioned at the first byte when the data is
    a local file, so that the WSGI server can sendfile() it; ``length`` is
    the number of bytes this reader yields.
    """

    def __init__(self, chunks, length, file=None):
        self._chunks = chunks
        self.length = length
        self.file = file

    def __iter__(self):
        return iter(self._chunks)

    def close(self):
        for thing in (self._chunks, self.file):
            close = getattr(thing, 'close', None)
            if close is not None:
                close()
