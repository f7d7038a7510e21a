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

"""The sample_artifact test type: one field of every kind."""

from glare import exception
from glare.objects import base
from glare.objects import fields as glare_fields
from glare.objects import validators


class SampleArtifact(base.BaseArtifact):
    """Test type exercising every field kind, attribute and validator."""

    TYPE_NAME = 'sample_artifact'
    DISPLAY_TYPE_NAME = 'Sample Artifact'
    # 1.2: the base field signatures (API 1.5); 1.3: the base catalog
    # fields and the read-only star_count, rating and downloads (API 1.6)
    VERSION = '1.3'
    fields = dict(base.BaseArtifact.fields, **{
        'blob': glare_fields.Blob(required_on_activate=False, mutable=True,
                                  description='I am Blob'),
        'small_blob': glare_fields.Blob(
            max_blob_size=10, required_on_activate=False,
            mutable=True),
        'link1': glare_fields.Scalar(
            glare_fields.Link, required_on_activate=False),
        'link2': glare_fields.Scalar(
            glare_fields.Link, required_on_activate=False),
        'bool1': glare_fields.Scalar(
            glare_fields.Boolean, required_on_activate=False,
            filter_ops=(glare_fields.EQ,), default=False),
        'bool2': glare_fields.Scalar(
            glare_fields.Boolean, required_on_activate=False,
            filter_ops=(glare_fields.EQ,), default=False),
        'int1': glare_fields.Scalar(
            glare_fields.Integer, required_on_activate=False,
            sortable=True),
        'int2': glare_fields.Scalar(
            glare_fields.Integer, required_on_activate=False,
            sortable=True),
        'float1': glare_fields.Scalar(
            glare_fields.Float, required_on_activate=False,
            sortable=True),
        'float2': glare_fields.Scalar(
            glare_fields.Float, required_on_activate=False,
            sortable=True),
        'str1': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False, sortable=True,
            filter_ops=(glare_fields.LIKE, glare_fields.EQ, glare_fields.NEQ,
                        glare_fields.IN)),
        'list_of_str': glare_fields.List(
            glare_fields.String, required_on_activate=False,
            filter_ops=(glare_fields.EQ, glare_fields.IN)),
        'list_of_int': glare_fields.List(
            glare_fields.Integer, required_on_activate=False,
            filter_ops=(glare_fields.EQ, glare_fields.IN)),
        'dict_of_str': glare_fields.Dict(
            glare_fields.String, required_on_activate=False,
            filter_ops=(glare_fields.EQ, glare_fields.IN)),
        'dict_of_int': glare_fields.Dict(
            glare_fields.Integer, required_on_activate=False,
            filter_ops=(glare_fields.EQ, glare_fields.IN)),
        'dict_of_links': glare_fields.Dict(glare_fields.Link, mutable=True,
                                           required_on_activate=False,
                                           filter_ops=(glare_fields.EQ,)),
        'list_of_links': glare_fields.List(glare_fields.Link, mutable=True,
                                           required_on_activate=False,
                                           filter_ops=(glare_fields.EQ,)),
        'dict_of_blobs': glare_fields.Folder(
            required_on_activate=False,
            max_folder_size=2000,
            validators=[validators.MaxDictKeyLen(1000)]),
        'string_mutable': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False,
            mutable=True),
        'string_regex': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False,
            validators=[validators.Regex('^([0-9a-fA-F]){8}$')]),
        'string_required': glare_fields.Scalar(
            glare_fields.String, required_on_activate=True),
        'string_validators': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False,
            validators=[validators.AllowedValues(['aa', 'bb', 'c' * 11]),
                        validators.MaxStrLen(10)]),
        'int_validators': glare_fields.Scalar(
            glare_fields.Integer, required_on_activate=False,
            validators=[validators.MinNumberSize(10),
                        validators.MaxNumberSize(20)]),
        'list_validators': glare_fields.List(
            glare_fields.String, required_on_activate=False,
            filter_ops=(), max_size=3,
            validators=[validators.Unique()]),
        'dict_validators': glare_fields.Dict(
            glare_fields.String, required_on_activate=False, default=None,
            filter_ops=(), max_size=3,
            validators=[validators.AllowedDictKeys(
                ['abc', 'def', 'ghi', 'jkl'])]),
        'system_attribute': glare_fields.Scalar(
            glare_fields.String, system=True, sortable=True,
            default='default'),
        'metadata_attribute': glare_fields.Scalar(
            glare_fields.String, default='default',
            metadata={'metadata1': 'value1',
                      'metadata2': 'blahblahblah'}),
    })

    @classmethod
    def format_output(cls, values):
        values['__some_meta_information__'] = (values.get('name') or
                                                '').upper()
        return values

    @classmethod
    def format_all(cls, values):
        return cls.format_output(values)

    @classmethod
    def extra_schema_properties(cls):
        return {'__some_meta_information__': {
            'type': ['string', 'null'], 'glareType': 'String',
            'readOnly': True, 'filter_ops': []}}

    @classmethod
    def pre_upload_hook(cls, context, af, field_name, blob_key, fd):
        # the test suite checks that a hook can reject data before the store
        return _RejectInvalid(fd)


class _RejectInvalid:
    """Wraps an upload stream; refuses the exact payload b'invalid_data'."""

    _bad = b'invalid_data'

    def __init__(self, fd):
        self._fd = fd
        self._head = b''

    def read(self, size=-1):
        chunk = self._fd.read(size)
        if len(self._head) <= len(self._bad):
            self._head += chunk[:len(self._bad) + 1]
            if not chunk and self._head == self._bad:
                raise exception.BadRequest('Invalid data: %r' % self._bad)
        return chunk
