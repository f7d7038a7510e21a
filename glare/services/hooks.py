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

"""Calling type hooks: a failing hook is the caller's 4xx, never a 500."""

from oslo_log import log as logging

from glare.common import chunking
from glare import exception

LOG = logging.getLogger(__name__)


def call(hook, *args, **kwargs):
    try:
        return hook(*args, **kwargs)
    except exception.GlareException:
        raise
    except Exception as exc:
        LOG.warning('Hook %s failed: %s', getattr(hook, '__qualname__', hook),
                    exc)
        raise exception.BadRequest('%s failed: %s' % (
            getattr(hook, '__name__', 'hook'), exc)) from exc


def chunks(fd, size=chunking.CHUNK_SIZE):
    """The data of the reader a pre_upload_hook returned, chunk by chunk.

    The reader parses the client's data as it goes: an error of its own
    (not Glare's) is that data failing to parse, the caller's 400.
    """
    while True:
        try:
            chunk = fd.read(size)
        except exception.GlareException:
            raise
        except Exception as exc:
            LOG.warning('Reading uploaded data failed: %s', exc)
            raise exception.BadRequest(
                'Reading the data failed: %s' % exc) from exc
        if not chunk:
            return
        yield chunk
