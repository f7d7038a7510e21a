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

"""Conditional requests: ETag out, If-Match and If-None-Match in."""

import re

import webob

from glare.api import errors
from glare import exception

# RFC 9110 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE
_TAG = re.compile(r'\s*(W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(,|$)')


def _tags(value, header):
    """[(weak?, opaque tag)] of a list header, or "*"; else 400."""
    value = value.strip()
    if value == '*':
        return '*'
    out, pos = [], 0
    while pos < len(value):
        if value[pos] in ', \t':  # empty list elements are allowed
            pos += 1
            continue
        match = _TAG.match(value, pos)
        if match is None:
            raise exception.BadRequest(
                '%s must be "*" or a list of entity tags such as "abc"'
                % header)
        out.append((bool(match.group(1)), match.group(2)))
        pos = match.end()
    if not out:
        raise exception.BadRequest('%s names no entity tag' % header)
    return out


def if_match(request):
    """The strong tags of an If-Match header ("*" in it for any), or None.

    A weak tag never matches a strong comparison, so it is left out.
    """
    value = request.headers.get('If-Match')
    if value is None:
        return None
    tags = _tags(value, 'If-Match')
    if tags == '*':
        return ['*']
    return [tag for weak, tag in tags if not weak]


def with_etag(response, document):
    """Set the ETag of an artifact document's state, if it has one."""
    etag = getattr(document, 'etag', None)
    if etag:
        response.headers['ETag'] = etag
    return response


def not_modified(request, document):
    """A 304 when If-None-Match names the document's tag (weakly), else
    None."""
    value = request.headers.get('If-None-Match')
    etag = getattr(document, 'etag', None)
    if value is None or not etag:
        return None
    tags = _tags(value, 'If-None-Match')
    if tags != '*' and etag not in [tag for _weak, tag in tags]:
        return None
    # the headers a 200 would have had, without the body
    response = webob.Response(status=304, charset=None)
    response.headers['Content-Type'] = errors.JSON_TYPE
    response.headers['ETag'] = etag
    return response
