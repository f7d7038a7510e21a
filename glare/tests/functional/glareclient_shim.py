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

"""Run the glare or openstack CLI with two Python 3 fixes to glareclient.

``python -m glare.tests.functional.glareclient_shim glare ARGS...`` runs
python-glareclient's ``glare`` shell, ``... openstack ARGS...`` the
OpenStack client; both in this process, after patching (in memory only,
never on disk) two bugs python-glareclient 0.5.3 has on Python 3. They
break the client on its own side, whatever the server answers, and the
user documentation (doc/source/user/clients.rst) describes them:

1. ``download`` fails with ``'generator' object has no attribute
   'next'``: ``ResponseBlobWrapper.next`` calls ``self.iter.next()``,
   the Python 2 spelling. The fix calls ``next(self.iter)``; the checksum
   check against ``Content-MD5`` is kept as it was.
2. ``list`` fails with ``RuntimeError: generator raised StopIteration``
   once it has yielded ``--limit`` rows (PEP 479 turned the ``raise
   StopIteration`` in its paging generator into an error). The fix ends
   the listing there instead; ``--limit 0`` avoids the bug without it.

Everything else (requests, headers, paging, error handling, including the
client's other Python 3 bugs) is the unmodified client.
"""

import errno
import sys

from glareclient.common import utils
from glareclient.v1 import artifacts


def _blob_next(self):
    try:
        data = next(self.iter)
    except StopIteration as exc:
        if self.verify_md5 and self.blob_md5.hexdigest() != self.hash_md5:
            raise IOError(errno.EPIPE,
                          'Checksum mismatch: %s (expected %s)' %
                          (self.blob_md5.hexdigest(), self.hash_md5)) from exc
        raise
    if self.verify_md5:
        self.blob_md5.update(data)
    return data


_original_list = artifacts.Controller.list


def _list(self, *args, **kwargs):
    try:
        yield from _original_list(self, *args, **kwargs)
    except RuntimeError as exc:
        # PEP 479: the client's "raise StopIteration" after --limit rows
        if not isinstance(exc.__cause__, StopIteration):
            raise


def patch():
    utils.ResponseBlobWrapper.next = _blob_next
    utils.ResponseBlobWrapper.__next__ = _blob_next
    artifacts.Controller.list = _list


def main(argv):
    patch()
    program, args = argv[0], argv[1:]
    if program == 'glare':
        from glareclient import shell
        return shell.main(args)
    if program == 'openstack':
        from openstackclient import shell
        return shell.main(args)
    sys.stderr.write('usage: glareclient_shim glare|openstack ARGS...\n')
    return 2


if __name__ == '__main__':
    sys.exit(main(sys.argv[1:]))
