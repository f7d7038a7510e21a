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

"""Semantic versions: coercion, ordering keys and their database encoding."""

import re

import semantic_version

PATTERN = (r'^([0-9]+)\.([0-9]+)\.([0-9]+)(?:-([0-9A-Za-z-]+'
           r'(?:\.[0-9A-Za-z-]+)*))?(?:\+[0-9A-Za-z-]+(?:\.[0-9A-Za-z-]+)*)?$')
MAX_COMPONENT = 65535
#: size of the version_suffix column
MAX_SUFFIX_LEN = 255
#: joins encoded pre-release identifiers; it must sort below every
#: identifier character ([0-9A-Za-z-]) so that 'rc' < 'rc-1' still holds
#: when more identifiers follow 'rc' ('1.0.0-rc.1' < '1.0.0-rc-1')
_SEP = '!'
_NUM_LEN_WIDTH = 3


def parse(value):
    """Coerce a version string ('1', '0.0', '1.2.3-rc1') to semver."""
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError('version must be a string, not %s' %
                         type(value).__name__)
    text = str(value).strip()
    if not text or len(text) > 255 or '\x00' in text:
        raise ValueError('%r is not a valid version' % (value,))
    try:
        v = semantic_version.Version.coerce(text)
    except ValueError as exc:
        raise ValueError('%r is not a valid version' % (value,)) from exc
    for part in (v.major, v.minor, v.patch):
        if part > MAX_COMPONENT:
            raise ValueError('version component %s of %r exceeds %s' %
                             (part, value, MAX_COMPONENT))
    if len(suffix(v)) > MAX_SUFFIX_LEN:
        raise ValueError('the pre-release part of %r is too long' % (value,))
    return v


def normalize(value):
    return str(parse(value))


def prefix(v):
    """Numeric part packed into one sortable integer."""
    return (v.major << 32) | (v.minor << 16) | v.patch


def suffix(v):
    """Sortable text for the pre-release part.

    A release sorts after all its pre-releases, so it gets '~' (above every
    identifier character). Numeric identifiers (no leading zeros in semver)
    carry their digit count first so that they compare numerically as text,
    whatever their size.
    """
    if not v.prerelease:
        return '~'
    parts = []
    for ident in v.prerelease:
        if ident.isdigit():
            # numeric identifiers have lower precedence than alphanumeric
            parts.append('0%0*d%s' % (_NUM_LEN_WIDTH, len(ident), ident))
        else:
            parts.append('1' + ident)
    return _SEP.join(parts)


def db_columns(value):
    v = parse(value)
    return {'version_prefix': prefix(v), 'version_suffix': suffix(v),
            'version_meta': '.'.join(v.build) if v.build else ''}


def from_db(version_prefix, version_suffix, version_meta):
    major = version_prefix >> 32
    minor = (version_prefix >> 16) & 0xFFFF
    patch = version_prefix & 0xFFFF
    text = '%d.%d.%d' % (major, minor, patch)
    if version_suffix and version_suffix != '~':
        idents = []
        for part in version_suffix.split(_SEP):
            idents.append(part[1 + _NUM_LEN_WIDTH:] if part[0] == '0'
                          else part[1:])
        text += '-' + '.'.join(idents)
    if version_meta:
        text += '+' + version_meta
    return text


def is_valid(value):
    try:
        parse(value)
    except ValueError:
        return False
    return bool(re.match(PATTERN, normalize(value)))
