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

"""Field validators: each checks a value and describes itself in schema."""

import re
import urllib.parse
import uuid

from glare.objects import version as glare_version


class Validator:
    """Checks one value; raises ValueError with a user-facing reason."""

    #: kinds ('String', 'Integer', 'List', ...) this validator applies to
    kinds = ()

    def __call__(self, value):
        raise NotImplementedError()

    def to_jsonschema(self):
        return {}

    def __repr__(self):
        return '%s(%s)' % (type(self).__name__, ','.join(
            '%s=%r' % kv for kv in sorted(vars(self).items())))


class UUID(Validator):
    kinds = ('String',)
    _pattern = ('^([0-9a-fA-F]){8}-([0-9a-fA-F]){4}-([0-9a-fA-F]){4}'
                '-([0-9a-fA-F]){4}-([0-9a-fA-F]){12}$')

    def __call__(self, value):
        try:
            uuid.UUID(value, version=4)
        except (ValueError, AttributeError, TypeError) as exc:
            raise ValueError('%r is not a UUID' % (value,)) from exc
        if not re.match(self._pattern, value):
            raise ValueError('%r is not a UUID' % (value,))

    def to_jsonschema(self):
        return {'pattern': self._pattern}


class AllowedValues(Validator):
    kinds = ('String', 'Integer', 'Float')

    def __init__(self, allowed_values):
        self.allowed_values = list(allowed_values)

    def __call__(self, value):
        if value not in self.allowed_values:
            raise ValueError('%r is not one of the allowed values %s' %
                             (value, self.allowed_values))

    def to_jsonschema(self):
        return {'enum': list(self.allowed_values)}


class Regex(Validator):
    kinds = ('String',)

    def __init__(self, pattern):
        self.pattern = pattern
        self._re = re.compile(pattern)

    def __call__(self, value):
        if not self._re.match(value):
            raise ValueError('%r does not match %s' % (value, self.pattern))

    def to_jsonschema(self):
        return {'pattern': self.pattern}

    def __repr__(self):
        return 'Regex(pattern=%r)' % self.pattern


class _Size(Validator):
    """Compares len(value) (or value) with a bound."""

    bound_kind = None
    schema_key = None

    def __init__(self, size):
        self.size = size

    def measure(self, value):
        return len(value)

    def __call__(self, value):
        n = self.measure(value)
        if self.bound_kind == 'max' and n > self.size:
            raise ValueError('%s exceeds the maximum of %s' %
                             (self.describe(n), self.size))
        if self.bound_kind == 'min' and n < self.size:
            raise ValueError('%s is below the minimum of %s' %
                             (self.describe(n), self.size))

    def describe(self, n):
        return 'size %s' % n

    def to_jsonschema(self):
        return {self.schema_key: self.size}


class MaxStrLen(_Size):
    kinds = ('String',)
    bound_kind, schema_key = 'max', 'maxLength'

    def describe(self, n):
        return 'length %s' % n


class MinStrLen(_Size):
    kinds = ('String',)
    bound_kind, schema_key = 'min', 'minLength'

    def describe(self, n):
        return 'length %s' % n


class MaxNumberSize(_Size):
    kinds = ('Integer', 'Float')
    bound_kind, schema_key = 'max', 'maximum'

    def measure(self, value):
        return value

    def describe(self, n):
        return 'value %s' % n


class MinNumberSize(_Size):
    kinds = ('Integer', 'Float')
    bound_kind, schema_key = 'min', 'minimum'

    def measure(self, value):
        return value

    def describe(self, n):
        return 'value %s' % n


class MaxListSize(_Size):
    kinds = ('List',)
    bound_kind, schema_key = 'max', 'maxItems'

    def describe(self, n):
        return 'list size %s' % n


class MinListSize(_Size):
    kinds = ('List',)
    bound_kind, schema_key = 'min', 'minItems'

    def describe(self, n):
        return 'list size %s' % n


class MaxDictSize(_Size):
    kinds = ('Dict', 'Folder')
    bound_kind, schema_key = 'max', 'maxProperties'

    def describe(self, n):
        return 'dict size %s' % n


class MinDictSize(_Size):
    kinds = ('Dict', 'Folder')
    bound_kind, schema_key = 'min', 'minProperties'

    def describe(self, n):
        return 'dict size %s' % n


class ForbiddenChars(Validator):
    kinds = ('String',)

    def __init__(self, forbidden_chars):
        self.forbidden_chars = list(forbidden_chars)

    def __call__(self, value):
        for c in self.forbidden_chars:
            if c in value:
                raise ValueError('%r contains the forbidden character %r' %
                                 (value, c))

    def to_jsonschema(self):
        return {'pattern': '^[^%s]*$' % ''.join(
            re.escape(c) for c in self.forbidden_chars)}


class Unique(Validator):
    """List elements unique: strict raises, otherwise duplicates drop."""

    kinds = ('List',)

    def __init__(self, convert_to_set=False):
        self.convert_to_set = convert_to_set

    def __call__(self, value):
        if self.convert_to_set:
            return
        if len(set(map(_hashable, value))) != len(value):
            raise ValueError('list %r has duplicate elements' % (value,))

    def normalize(self, value):
        if not self.convert_to_set:
            return value
        seen, out = set(), []
        for v in value:
            h = _hashable(v)
            if h not in seen:
                seen.add(h)
                out.append(v)
        return out

    def to_jsonschema(self):
        return {'uniqueItems': True}


def _hashable(v):
    return repr(v) if isinstance(v, (dict, list)) else v


class AllowedDictKeys(Validator):
    kinds = ('Dict', 'Folder')

    def __init__(self, allowed_keys):
        self.allowed_keys = sorted(allowed_keys)

    def __call__(self, value):
        bad = sorted(set(value) - set(self.allowed_keys))
        if bad:
            raise ValueError('keys %s are not allowed (allowed: %s)' %
                             (bad, self.allowed_keys))

    def to_jsonschema(self):
        return {'properties': {k: {} for k in self.allowed_keys},
                'additionalProperties': False}


class RequiredDictKeys(Validator):
    kinds = ('Dict', 'Folder')

    def __init__(self, required_keys):
        self.required_keys = sorted(required_keys)

    def __call__(self, value):
        missing = sorted(set(self.required_keys) - set(value))
        if missing:
            raise ValueError('required keys %s are missing' % missing)

    def to_jsonschema(self):
        return {'required': list(self.required_keys)}


class MaxDictKeyLen(Validator):
    kinds = ('Dict', 'Folder')

    def __init__(self, size):
        self.size = size

    def __call__(self, value):
        for k in value:
            if len(k) > self.size:
                raise ValueError('key %r is longer than %s' % (k, self.size))

    def to_jsonschema(self):
        return {'propertyNames': {'maxLength': self.size}}


class MaxDictValueLen(Validator):
    """The values of a dict of strings are at most size characters long,
    but for the keys of longer, which may be longer: {key: their
    maximum}. The dict's element validators must allow the longest."""
    kinds = ('Dict',)

    def __init__(self, size, longer=None):
        self.size = size
        self.longer = dict(longer or {})

    def __call__(self, value):
        for k, v in value.items():
            limit = self.longer.get(k, self.size)
            if isinstance(v, str) and len(v) > limit:
                raise ValueError('the value of key %r is %d characters '
                                 'long, more than its maximum of %d' % (
                                     k, len(v), limit))

    def to_jsonschema(self):
        def bounded(n):
            return {'type': ['string', 'null'], 'maxLength': n}
        out = {'additionalProperties': bounded(self.size)}
        if self.longer:
            out['properties'] = {k: bounded(n)
                                 for k, n in sorted(self.longer.items())}
        return out


class MinDictKeyLen(Validator):
    kinds = ('Dict', 'Folder')

    def __init__(self, size):
        self.size = size

    def __call__(self, value):
        for k in value:
            if len(k) < self.size:
                raise ValueError('key %r is shorter than %s' % (k, self.size))

    def to_jsonschema(self):
        return {'propertyNames': {'minLength': self.size}}


class Version(Validator):
    """A semver-coercible string."""

    kinds = ('String',)

    def __call__(self, value):
        glare_version.parse(value)

    def to_jsonschema(self):
        return {'pattern': glare_version.PATTERN}


class HttpURL(Validator):
    """An absolute http or https URL with a host."""

    kinds = ('String',)
    _pattern = '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s/?#]+\\S*$'

    def __call__(self, value):
        try:
            parts = urllib.parse.urlsplit(value)
            parts.port  # noqa: B018 - raises ValueError when malformed
        except ValueError as exc:
            raise ValueError('%r is not an http(s) URL' % (value,)) from exc
        if parts.scheme not in ('http', 'https') or not parts.hostname or \
                not re.match(self._pattern, value):
            raise ValueError('%r is not an http(s) URL' % (value,))

    def to_jsonschema(self):
        return {'format': 'uri', 'pattern': self._pattern}


class KeyedStrings(Validator):
    """A dict of strings with known keys only, each value checked by the
    validators of its key: {key: [validators]}."""

    kinds = ('Dict',)

    def __init__(self, keys):
        self.keys = {k: list(v) for k, v in sorted(keys.items())}

    def __call__(self, value):
        bad = sorted(set(value) - set(self.keys))
        if bad:
            raise ValueError('keys %s are not allowed (allowed: %s)' %
                             (bad, sorted(self.keys)))
        for key, item in value.items():
            for check in self.keys[key]:
                try:
                    check(item)
                except ValueError as exc:
                    raise ValueError('%s: %s' % (key, exc)) from exc

    def to_jsonschema(self):
        properties = {}
        for key, checks in self.keys.items():
            prop = {'type': 'string'}
            for check in checks:
                prop.update(check.to_jsonschema())
            properties[key] = prop
        return {'properties': properties, 'additionalProperties': False}
