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

"""Entity tags of artifacts and the If-Match precondition."""

import hashlib

from glare import exception


class Document(dict):
    """An artifact document with the entity tag of the state it shows."""

    def __init__(self, values, etag):
        super().__init__(values)
        self.etag = etag


def of(values):
    """The strong entity tag of an artifact's current revision.

    Opaque to clients: a digest of the id and the revision counter every
    write bumps (fields, status, blobs), so it changes with each change.
    """
    rating = values.get('rating') or {}
    raw = '%s\x00%d' % (values['id'], values.get('revision') or 0)
    if values.get('star_count') or rating.get('count'):
        # the signals (API 1.6) change the document but are no write to
        # the artifact (no new revision): they are part of its tag
        raw += '\x00%d\x00%d\x00%r' % (values.get('star_count') or 0,
                                       rating.get('count') or 0,
                                       rating.get('average'))
    return '"%s"' % hashlib.sha256(raw.encode('utf-8')).hexdigest()[:32]


def check_if_match(if_match, values):
    """PreconditionFailed unless the artifact's tag is one of if_match.

    if_match: None (no precondition), or the tags of the If-Match header
    as sent (quotes included, "*" for any); weak tags never match it
    (RFC 9110 13.1.1 compares strongly). Call it where the artifact is
    read for the write, under its lock, so that no write slips between
    the check and the change.
    """
    if if_match is None or '*' in if_match:
        return
    if of(values) not in if_match:
        raise exception.PreconditionFailed(
            'The artifact %s has changed since the If-Match entity tag '
            'was read (it is %s now): read it again and retry' % (
                values['id'], of(values)))
