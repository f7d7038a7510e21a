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

"""Field kinds and the declarative Field with Glare's attributes."""

import datetime
import re

from oslo_utils import strutils
from oslo_utils import timeutils
from oslo_versionedobjects import fields as ovo_fields

from glare.objects import validators as val_lib
from glare.objects import version as glare_version

EQ, NEQ, IN, GT, GTE, LT, LTE, LIKE = (
    'eq', 'neq', 'in', 'gt', 'gte', 'lt', 'lte', 'like')
ALL_OPS = (EQ, NEQ, IN, GT, GTE, LT, LTE, LIKE)
#: the operators that compare an ordered value
ORDER_OPS = (EQ, NEQ, IN, GT, GTE, LT, LTE)
BLOB_STATUSES = ('saving', 'active')
DEFAULT_MAX_BLOB_SIZE = 10 * 1024 * 1024
DEFAULT_MAX_FOLDER_SIZE = 2550 * 1024 * 1024
_LINK_RE = re.compile(r'^/artifacts/[A-Za-z0-9_\-]+/[0-9a-fA-F-]{36}$')


def _is_text(value):
    return isinstance(value, str)


class Kind(ovo_fields.FieldType):
    """A scalar kind: coerces incoming values (strings from the CLI too)."""

    name = None
    json_type = None
    #: what a field of the kind is filtered with unless it says otherwise
    default_ops = (EQ, NEQ, IN)
    #: what the list query can do with the kind at all
    possible_ops = ORDER_OPS

    def coerce(self, obj, attr, value):
        return self.coerce_value(value)

    def coerce_value(self, value):
        raise NotImplementedError()

    def to_primitive(self, obj, attr, value):
        return value

    def from_primitive(self, obj, attr, value):
        return value

    def __repr__(self):
        return self.name


class String(Kind):
    name, json_type = 'String', 'string'
    default_ops = (EQ, NEQ, IN)
    possible_ops = ALL_OPS

    def coerce_value(self, value):
        if isinstance(value, bool) or not isinstance(value, (str, int, float)):
            raise ValueError('a string is expected, not %s' %
                             type(value).__name__)
        value = str(value)
        if '\x00' in value:
            raise ValueError('NUL characters are not allowed')
        return value


class Integer(Kind):
    name, json_type = 'Integer', 'integer'
    default_ops = ORDER_OPS
    _bound = 2 ** 63 - 1

    def coerce_value(self, value):
        if isinstance(value, bool):
            raise ValueError('an integer is expected, not a boolean')
        if isinstance(value, float):
            if not value.is_integer():
                raise ValueError('%r is not an integer' % value)
            value = int(value)
        elif isinstance(value, str):
            try:
                value = int(value.strip())
            except ValueError as exc:
                raise ValueError('%r is not an integer' % value) from exc
        elif not isinstance(value, int):
            raise ValueError('an integer is expected, not %s' %
                             type(value).__name__)
        if not -self._bound <= value <= self._bound:
            raise ValueError('%r is out of range' % value)
        return value


class Float(Kind):
    name, json_type = 'Float', 'number'
    default_ops = ORDER_OPS

    def coerce_value(self, value):
        if isinstance(value, bool):
            raise ValueError('a number is expected, not a boolean')
        if isinstance(value, (int, float, str)):
            try:
                value = float(value)
            except (ValueError, OverflowError) as exc:
                raise ValueError('%r is not a number' % (value,)) from exc
            if value != value or value in (float('inf'), float('-inf')):
                raise ValueError('%r is not a finite number' % (value,))
            return value
        raise ValueError('a number is expected, not %s' % type(value).__name__)


class Boolean(Kind):
    name, json_type = 'Boolean', 'boolean'
    default_ops = (EQ,)
    possible_ops = (EQ, NEQ, IN)

    def coerce_value(self, value):
        if isinstance(value, bool):
            return value
        if isinstance(value, (str, int)) and not isinstance(value, bool):
            try:
                return strutils.bool_from_string(value, strict=True)
            except ValueError:
                pass
        raise ValueError('%r is not a boolean' % (value,))


class DateTime(Kind):
    name, json_type = 'DateTime', 'string'
    default_ops = (LT, GT)

    def coerce_value(self, value):
        if isinstance(value, datetime.datetime):
            dt = value
        elif isinstance(value, str):
            try:
                dt = timeutils.parse_isotime(value)
            except ValueError as exc:
                raise ValueError(
                    '%r is not an ISO 8601 datetime' % value) from exc
        else:
            raise ValueError('a datetime is expected')
        if dt.tzinfo is not None:
            dt = timeutils.normalize_time(dt)
        return dt

    def to_primitive(self, obj, attr, value):
        return value.strftime('%Y-%m-%dT%H:%M:%SZ')


def format_datetime(value):
    """Storage form of a datetime: sortable text with microseconds."""
    if value is None:
        return None
    return value.replace(tzinfo=None).strftime('%Y-%m-%dT%H:%M:%S.%f')


class Version(String):
    name = 'Version'
    default_ops = ORDER_OPS
    possible_ops = ORDER_OPS

    def coerce_value(self, value):
        return glare_version.normalize(value)


class Link(String):
    """A link to another artifact (/artifacts/<type>/<id>) or an http URL."""

    name = 'Link'
    default_ops = (EQ, NEQ)

    def coerce_value(self, value):
        value = super().coerce_value(value)
        if _LINK_RE.match(value) or value.startswith(('http://', 'https://')):
            return value
        raise ValueError('%r is neither /artifacts/<type>/<id> nor an '
                         'http(s) URL' % value)


class BlobKind(Kind):
    """Blob values are written by the service, never by users directly."""

    name, json_type = 'Blob', 'object'
    default_ops = ()
    possible_ops = ()
    keys = ('url', 'size', 'md5', 'sha1', 'sha256', 'external', 'status',
            'content_type')

    def coerce_value(self, value):
        if not isinstance(value, dict) or set(value) - set(self.keys) - {
                'id'}:
            raise ValueError('invalid blob value')
        return value


class SignatureRecord(Kind):
    """A blob's verified signature (API 1.5): written by the service when
    it verified one, never by users (glare.services.signatures)."""

    name, json_type = 'SignatureRecord', 'object'
    default_ops = ()
    possible_ops = ()
    keys = ('verified', 'certificate_id', 'fingerprint_sha256', 'subject',
            'hash_method', 'key_type', 'verified_at', 'form', 'signature',
            'sigstore_bundle')
    #: the JSON schema of one record (glare.objects.schema)
    json_schema = {
        'type': 'object',
        'properties': {
            'verified': {'type': 'boolean'},
            'certificate_id': {'type': 'string'},
            'fingerprint_sha256': {'type': 'string'},
            'subject': {'type': ['string', 'null']},
            'hash_method': {'type': 'string'},
            'key_type': {'type': 'string'},
            'verified_at': {'type': 'string', 'format': 'date-time'},
            'form': {'type': 'string', 'enum': ['raw', 'sigstore']},
            'signature': {'type': 'string'},
            'sigstore_bundle': {'type': ['object', 'null']},
        },
        'required': list(keys),
        'additionalProperties': False,
    }

    def coerce_value(self, value):
        if not isinstance(value, dict) or set(value) - set(self.keys):
            raise ValueError('invalid signature record')
        return value


class Rating(Kind):
    """An artifact's rating (API 1.6): the average and the number of its
    visible reviews, kept by the service, never written by users. Filtered
    and sorted by the average (glare.services.listing)."""

    name, json_type = 'Rating', 'object'
    default_ops = ORDER_OPS
    possible_ops = ORDER_OPS
    #: the JSON schema of a value (glare.objects.schema)
    json_schema = {
        'type': 'object',
        'properties': {
            'average': {'type': ['number', 'null']},
            'count': {'type': 'integer'},
        },
        'required': ['average', 'count'],
        'additionalProperties': False,
    }

    def coerce_value(self, value):
        if not isinstance(value, dict) or set(value) != {'average',
                                                         'count'}:
            raise ValueError('a rating is {"average", "count"}')
        return value


class Downloads(Kind):
    """An artifact's download counts (API 1.6): every counted download
    and those of the last 30 days, kept by the service, never written by
    users. Filtered and sorted by the total (glare.services.listing)."""

    name, json_type = 'Downloads', 'object'
    default_ops = ORDER_OPS
    possible_ops = ORDER_OPS
    #: the JSON schema of a value (glare.objects.schema)
    json_schema = {
        'type': 'object',
        'properties': {
            'total': {'type': 'integer', 'minimum': 0},
            'last_30_days': {'type': 'integer', 'minimum': 0},
        },
        'required': ['total', 'last_30_days'],
        'additionalProperties': False,
    }

    def coerce_value(self, value):
        if not isinstance(value, dict) or set(value) != {'total',
                                                         'last_30_days'}:
            raise ValueError('downloads are {"total", "last_30_days"}')
        return value


class Field(ovo_fields.Field):
    """A field declaration carrying Glare's attributes.

    ``kind`` is a scalar kind instance; lists and dicts use ``element``.
    """

    container = None  # None for scalars, 'List', 'Dict' or 'Folder'

    def __init__(self, kind, *, mutable=False, required_on_activate=True,
                 system=False, nullable=True, default=None, sortable=False,
                 filter_ops=None, validators=None, description=None,
                 metadata=None, max_size=255, element_validators=None,
                 max_blob_size=DEFAULT_MAX_BLOB_SIZE,
                 max_folder_size=DEFAULT_MAX_FOLDER_SIZE,
                 content_check=None):
        if isinstance(kind, type):
            kind = kind()
        self.kind = kind
        self.mutable = mutable
        self.required_on_activate = required_on_activate
        self.system = system
        self.sortable = sortable and self.container is None and \
            not isinstance(kind, BlobKind)
        # blobs are never filterable, whatever the declaration says (like
        # sortable); any other field lists only what the query can do
        self.filter_ops = () if isinstance(kind, BlobKind) else \
            self._check_ops(self.default_ops() if filter_ops is None
                            else filter_ops)
        self.validators = list(validators or [])
        self.element_validators = list(element_validators or [])
        self.description = description
        self.metadata = metadata or {}
        self.max_size = max_size
        self.max_blob_size = max_blob_size
        self.max_folder_size = max_folder_size
        #: a blob's own check of its data: an uploads.ContentCheck class,
        #: called with the stream and max_blob_size (glare.services.blobs)
        self.content_check = content_check
        self._add_implicit_validators()
        super().__init__(kind, nullable=nullable, default=default)

    # -- declaration helpers -------------------------------------------
    def default_ops(self):
        """The operators of a field that does not name its own."""
        return self.kind.default_ops

    def possible_ops(self):
        """What the list query can filter the field with (SPEC §7)."""
        return self.kind.possible_ops

    def _check_ops(self, ops):
        # the schema advertises filter_ops and the list query accepts
        # exactly them: a type may not declare one the query cannot do
        ops = tuple(ops)
        wrong = [op for op in ops if op not in self.possible_ops()]
        if wrong or len(set(ops)) != len(ops):
            raise ValueError(
                'filter_ops %s: %s fields can be filtered with %s only' % (
                    ', '.join(ops), self.glare_type,
                    ', '.join(self.possible_ops()) or 'no operator'))
        return ops

    def _add_implicit_validators(self):
        target = self.element_validators if self.container else \
            self.validators
        if isinstance(self.kind, String) and not isinstance(
                self.kind, (Version,)) and not any(
                isinstance(v, val_lib.MaxStrLen) for v in target):
            target.append(val_lib.MaxStrLen(255))
        if self.container == 'List' and not any(
                isinstance(v, val_lib.MaxListSize) for v in self.validators):
            self.validators.append(val_lib.MaxListSize(self.max_size))
        if self.container in ('Dict',) and not any(
                isinstance(v, val_lib.MaxDictSize) for v in self.validators):
            self.validators.append(val_lib.MaxDictSize(self.max_size))

    @property
    def is_blob(self):
        return isinstance(self.kind, BlobKind) and self.container in (
            None, 'Folder')

    @property
    def is_folder(self):
        return self.container == 'Folder'

    @property
    def glare_type(self):
        if self.container == 'Folder':
            return 'BlobDict'
        base = 'String' if isinstance(self.kind, Version) else self.kind.name
        return base + (self.container or '')

    def get_default(self):
        d = self._default
        if d is ovo_fields.UnspecifiedDefault:
            d = None
        if isinstance(d, (list, dict)):
            return type(d)(d)
        return d

    # -- values --------------------------------------------------------
    def coerce(self, obj, attr, value):
        return self.coerce_value(value)

    def coerce_value(self, value):
        """Turn an incoming value into the stored value, or ValueError."""
        if value is None:
            if not self.nullable:
                raise ValueError('null is not allowed')
            return None
        value = self._coerce_container(value)
        for v in self.validators:
            v(value)
        return value

    def _coerce_scalar(self, value):
        value = self.kind.coerce_value(value)
        for v in (self.element_validators if self.container else
                  self.validators):
            v(value)
        return value

    def _coerce_container(self, value):
        return self.kind.coerce_value(value)

    def to_primitive(self, obj, attr, value):
        return self.primitive(value)

    def primitive(self, value):
        if value is None:
            return None
        return self.kind.to_primitive(None, None, value)

    def __repr__(self):
        attrs = ('mutable', 'required_on_activate', 'system', 'nullable',
                 'sortable', 'filter_ops', 'validators',
                 'element_validators', 'max_size', 'max_blob_size',
                 'max_folder_size', 'metadata')
        described = ','.join('%s=%r' % (a, getattr(self, a)) for a in attrs)
        if self.content_check is not None:
            # only where set: the fingerprints of other fields stay
            described += ',content_check=%s' % self.content_check.__name__
        return '%s%s(%r,default=%r,%s)' % (
            self.container or '', type(self).__name__, self.kind,
            self.get_default(), described)


class ScalarField(Field):
    def _coerce_container(self, value):
        value = self.kind.coerce_value(value)
        return value


def _element_default_ops(kind):
    # a list or dict of links: eq only; of other scalars: eq and in
    return (EQ,) if isinstance(kind, Link) else (EQ, IN)


class ListField(Field):
    container = 'List'

    def default_ops(self):
        return _element_default_ops(self.kind)

    def __init__(self, kind, **kwargs):
        kwargs.setdefault('default', [])
        super().__init__(kind, **kwargs)

    def _coerce_container(self, value):
        if isinstance(value, str):
            # the CLI sends lists as comma separated strings
            value = [v for v in value.split(',')] if value else []
        if not isinstance(value, (list, tuple)):
            raise ValueError('a list is expected, not %s' %
                             type(value).__name__)
        out = [self._coerce_scalar(v) for v in value]
        for v in self.validators:
            if isinstance(v, val_lib.Unique):
                out = v.normalize(out)
        return out

    def primitive(self, value):
        if value is None:
            return None
        return [self.kind.to_primitive(None, None, v) for v in value]


class DictField(Field):
    container = 'Dict'

    def default_ops(self):
        return _element_default_ops(self.kind)

    def possible_ops(self):
        # the same operators serve dict=key and dict.key=value, and keys
        # are only ever compared for equality
        return tuple(op for op in (EQ, NEQ, IN)
                     if op in self.kind.possible_ops)

    def __init__(self, kind, **kwargs):
        kwargs.setdefault('default', {})
        super().__init__(kind, **kwargs)

    def _coerce_container(self, value):
        if not isinstance(value, dict):
            raise ValueError('a dict is expected, not %s' %
                             type(value).__name__)
        out = {}
        for k, v in value.items():
            if not isinstance(k, str) or not k or len(k) > 255 or \
                    '\x00' in k:
                raise ValueError('dict keys must be strings of 1..255 '
                                 'characters')
            out[k] = self._coerce_scalar(v)
        return out

    def primitive(self, value):
        if value is None:
            return None
        return {k: self.kind.to_primitive(None, None, v)
                for k, v in value.items()}


class RecordsField(DictField):
    """A read-only dict the service fills, one entry per blob or folder
    entry (signatures): no bound on its size, as folders have none."""

    def _add_implicit_validators(self):
        pass


class FolderField(DictField):
    container = 'Folder'

    def default_ops(self):
        return ()


# -- declaration API used by artifact types ------------------------------

def Scalar(kind, **kwargs):  # noqa: N802 - reads like a type in declarations
    return ScalarField(kind, **kwargs)


def List(kind, **kwargs):  # noqa: N802
    return ListField(kind, **kwargs)


def Dict(kind, **kwargs):  # noqa: N802
    return DictField(kind, **kwargs)


def Blob(max_blob_size=DEFAULT_MAX_BLOB_SIZE, **kwargs):  # noqa: N802
    return ScalarField(BlobKind, max_blob_size=max_blob_size, **kwargs)


def Folder(max_folder_size=DEFAULT_MAX_FOLDER_SIZE,  # noqa: N802
           max_blob_size=DEFAULT_MAX_BLOB_SIZE, **kwargs):
    return FolderField(BlobKind, max_folder_size=max_folder_size,
                       max_blob_size=max_blob_size, **kwargs)
