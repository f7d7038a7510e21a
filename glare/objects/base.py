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

"""BaseArtifact: the base fields every type has, and the hook points."""

from oslo_versionedobjects import base as ovo_base

from glare.objects import fields as glare_fields
from glare.objects import icons
from glare.objects import validators

STATUSES = ('drafted', 'active', 'deactivated', 'deleted')
VISIBILITIES = ('private', 'shared', 'community', 'public')
#: upstream's operators for the base fields (SPEC §6)
_ID_OPS = (glare_fields.EQ, glare_fields.NEQ, glare_fields.IN)
_NAME_OPS = (
    glare_fields.LIKE, glare_fields.EQ, glare_fields.NEQ, glare_fields.IN)
_DT_OPS = (glare_fields.LT, glare_fields.GT)
#: A library internal (checked in glare/tests/unit/test_library_compat.py):
#: oslo.versionedobjects keeps field ``x`` in the attribute '_obj_x' (its
#: private _get_attrname); from_values, to_values and get read and write it
#: directly, without the setters' coercion the values already had.
FIELD_ATTR_PREFIX = '_obj_'


#: the keys of provided_by and supported_by, with their value checks
CONTACT_KEYS = {
    'name': [validators.MinStrLen(1), validators.MaxStrLen(255)],
    'company': [validators.MinStrLen(1), validators.MaxStrLen(255)],
    'href': [validators.MinStrLen(1), validators.MaxStrLen(2048),
             validators.HttpURL()],
}


def _contact_field(who):
    return glare_fields.Dict(
        glare_fields.String, mutable=True, required_on_activate=False,
        nullable=False,
        # the longest value any key takes; KeyedStrings bounds each key
        element_validators=[validators.MaxStrLen(2048)],
        validators=[validators.KeyedStrings(CONTACT_KEYS)],
        filter_ops=(glare_fields.EQ, glare_fields.NEQ, glare_fields.IN),
        description='Who %s the artifact: name, href (an http(s) URL) and '
                    'company, each optional.' % who)


def _catalog_fields():
    """The generic catalog fields (API 1.6), all mutable."""
    return {
        'provided_by': _contact_field('provides'),
        'supported_by': _contact_field('supports'),
        'license': glare_fields.Scalar(
            glare_fields.String, mutable=True, required_on_activate=False,
            validators=[validators.MinStrLen(1), validators.MaxStrLen(255)],
            filter_ops=_NAME_OPS,
            description='The license of the artifact: an SPDX identifier '
                        'or expression (Apache-2.0, MIT OR GPL-2.0-only) '
                        'or free text.'),
        'icon': glare_fields.Blob(
            max_blob_size=icons.MAX_ICON_SIZE, mutable=True,
            required_on_activate=False, content_check=icons.IconCheck,
            description='An image shown with the artifact: PNG, JPEG or '
                        'SVG, at most 1 MiB, checked by its content when '
                        'uploaded.'),
    }


class GlareObjectRegistry(ovo_base.VersionedObjectRegistry):
    """Registry of artifact classes, kept apart from other projects'."""


def _base_fields():
    text, moment = glare_fields.String, glare_fields.DateTime
    return {
        'id': glare_fields.Scalar(
            text, system=True, nullable=False, sortable=True,
            validators=[validators.UUID()], filter_ops=_ID_OPS,
            description='Artifact UUID.'),
        'name': glare_fields.Scalar(
            text, nullable=False, sortable=True,
            required_on_activate=False,
            validators=[validators.MinStrLen(1)],
            filter_ops=_NAME_OPS,
            description='Artifact Name.'),
        'owner': glare_fields.Scalar(
            text, system=True, nullable=False, sortable=True,
            required_on_activate=False,
            filter_ops=_ID_OPS,
            description='ID of user/tenant who uploaded '
                        'artifact.'),
        'status': glare_fields.Scalar(
            text, nullable=False, sortable=True,
            default='drafted',
            validators=[validators.AllowedValues(STATUSES)],
            filter_ops=_ID_OPS,
            description='Artifact status.'),
        'created_at': glare_fields.Scalar(
            moment, system=True, nullable=False,
            sortable=True, filter_ops=_DT_OPS,
            description='Datetime when artifact has '
                        'been created.'),
        'updated_at': glare_fields.Scalar(
            moment, system=True, nullable=False,
            sortable=True, mutable=True,
            filter_ops=_DT_OPS,
            description='Datetime when artifact has '
                        'been updated last time.'),
        'activated_at': glare_fields.Scalar(
            moment, system=True, sortable=True,
            required_on_activate=False,
            filter_ops=_DT_OPS,
            description='Datetime when artifact has '
                        'became active.'),
        'description': glare_fields.Scalar(
            text, mutable=True, required_on_activate=False,
            default='',
            validators=[validators.MaxStrLen(4096)],
            filter_ops=(),
            description='Artifact description.'),
        'tags': glare_fields.List(
            text, mutable=True, required_on_activate=False,
            nullable=False,
            validators=[validators.Unique(convert_to_set=True)],
            element_validators=[validators.ForbiddenChars([',', '/']),
                                validators.MinStrLen(1)],
            # filtered through tags= and tags-any= (a comma
            # list, all or any of them), whose one operator
            # is neq (none of them / not all of them)
            filter_ops=(glare_fields.NEQ,),
            description='List of tags added to Artifact.'),
        'metadata': glare_fields.Dict(
            text, required_on_activate=False, nullable=False,
            filter_ops=(glare_fields.EQ, glare_fields.NEQ, glare_fields.IN),
            description='Key-value dict with useful '
                        'information about an artifact.'),
        'visibility': glare_fields.Scalar(
            text, nullable=False, sortable=True,
            default='private',
            validators=[validators.AllowedValues(VISIBILITIES)],
            filter_ops=_ID_OPS,
            description='Artifact visibility that '
                        'defines if artifact can be '
                        'available to other users.'),
        'version': glare_fields.Scalar(
            glare_fields.Version, nullable=False, sortable=True,
            required_on_activate=False, default='0.0.0',
            filter_ops=glare_fields.ORDER_OPS,
            description='Artifact version(semver).'),
        # derived from the type, never stored: the list query filters and
        # sorts it through the type names
        'display_type_name': glare_fields.Scalar(
            text, system=True, nullable=False,
            required_on_activate=False,
            sortable=True, filter_ops=_NAME_OPS,
            description='Display name of '
                        'artifact type.'),
        # columns of the artifact's row, written only by imports (API 1.3)
        'origin': glare_fields.Dict(
            text, system=True, default=None, required_on_activate=False,
            filter_ops=(),
            description='Where an imported artifact came from: cloud_id, '
                        'upstream, id (its id there) and digest (of the '
                        'bundle manifest it came in); null for artifacts '
                        'made here.'),
        # kept in the blob rows (their signature column), filled by the
        # service when it verified a signature (API 1.5)
        'signatures': glare_fields.RecordsField(
            glare_fields.SignatureRecord, system=True, nullable=False,
            default={}, required_on_activate=False, filter_ops=(),
            description='The verified signatures of the blobs, by blob '
                        'field (folder entries: "field/key"): who signed '
                        '(certificate_id, fingerprint_sha256, subject), '
                        'how (hash_method, key_type, form) and when '
                        '(verified_at). A blob whose data changes loses '
                        'its record.'),
        **_catalog_fields(),
        # columns of the artifact's row, kept by the service with each
        # star and review write (API 1.6)
        'star_count': glare_fields.Scalar(
            glare_fields.Integer, system=True, nullable=False, default=0,
            required_on_activate=False, sortable=True,
            filter_ops=glare_fields.ORDER_OPS,
            description='How many users starred the artifact.'),
        'rating': glare_fields.Scalar(
            glare_fields.Rating, system=True, nullable=False,
            default={'average': None, 'count': 0},
            required_on_activate=False, sortable=True,
            filter_ops=glare_fields.ORDER_OPS,
            description='The average rating (1 to 5) of the visible '
                        'reviews of the artifact (null without any) and '
                        'their number. Filtered and sorted by the '
                        'average.'),
        # a column of the artifact's row and rows per day, added to by the
        # service's download counts (API 1.6)
        'downloads': glare_fields.Scalar(
            glare_fields.Downloads, system=True, nullable=False,
            default={'total': 0, 'last_30_days': 0},
            required_on_activate=False, sortable=True,
            filter_ops=glare_fields.ORDER_OPS,
            description='How many times the artifact\'s blobs were '
                        'downloaded from their first byte by other projects '
                        'than its own: in all, and in the last 30 days '
                        '(UTC, today included). Counted in memory and '
                        'written every few seconds. Filtered and sorted by '
                        'the total.'),
    }


#: base fields stored as columns of the artifacts table
COLUMN_FIELDS = ('id', 'name', 'owner', 'status', 'created_at',
                 'updated_at', 'activated_at', 'description', 'visibility',
                 'version')
#: base fields kept in columns of their own (several per field), read and
#: written by db code that knows them (not properties)
OWN_COLUMN_FIELDS = ('origin', 'signatures', 'star_count', 'rating',
                     'downloads')
#: fields a user may never put in a create body
CREATE_FORBIDDEN = ('status', 'visibility', 'display_type_name')


def patched_fields(patch):
    """Names of the fields a JSON patch writes to or moves from (its
    'test' operations change nothing): for pre_update_hook, which gets
    the patch."""
    names = set()
    for op in patch or ():
        if not isinstance(op, dict) or op.get('op') == 'test':
            continue
        for key in ('path', 'from'):
            path = op.get(key)
            if isinstance(path, str) and path.startswith('/'):
                names.add(path[1:].split('/')[0])
    return names


class BaseArtifact(ovo_base.VersionedObject):
    """An artifact type: fields plus optional hooks.

    Types declare; services decide. Hooks are class methods so a type needs
    no state; they get the request context and the artifact object.
    """

    OBJ_PROJECT_NAMESPACE = 'glare'
    # 1.1: visibility takes shared and community (API 1.2), and the
    # read-only origin of imported artifacts (API 1.3); 1.2: the
    # read-only signatures of the blobs (API 1.5); 1.3: the catalog fields
    # provided_by, supported_by, license and icon, and the read-only
    # star_count, rating and downloads (API 1.6)
    VERSION = '1.3'
    fields = _base_fields()

    #: the public name of the type (URL segment); set by each type
    TYPE_NAME = None
    #: human readable name shown as display_type_name
    DISPLAY_TYPE_NAME = None
    #: blob fields whose uploads are verified, as the data streams, with
    #: the Glance-style signature the artifact's metadata gives
    #: (img_signature, img_signature_hash_method, img_signature_key_type,
    #: img_signature_certificate_uuid; glare.services.signatures)
    METADATA_SIGNED_BLOBS = ()

    @classmethod
    def get_type_name(cls):
        return cls.TYPE_NAME

    @classmethod
    def get_display_type_name(cls):
        return cls.DISPLAY_TYPE_NAME or cls.get_type_name()

    @classmethod
    def get_version(cls):
        return cls.VERSION

    # -- value access used by services ------------------------------------
    @classmethod
    def from_values(cls, values):
        """Build an object from already coerced values (no validation)."""
        obj = cls()
        obj.set_values(values)
        return obj

    def set_values(self, values):
        """Set fields to already coerced values (no validation); keys that
        are not fields are ignored."""
        for name in self.fields:
            if name in values:
                setattr(self, FIELD_ATTR_PREFIX + name, values[name])

    def to_values(self):
        return {name: getattr(self, FIELD_ATTR_PREFIX + name, None)
                for name in self.fields}

    def get(self, name, default=None):
        return getattr(self, FIELD_ATTR_PREFIX + name, default)

    @classmethod
    def format_output(cls, values):
        """Hook: add presentation-only keys to an artifact document."""
        return values

    @classmethod
    def extra_schema_properties(cls):
        """Hook: schema of the keys format_output adds."""
        return {}

    @classmethod
    def format_all(cls, values):
        """Hook: render an artifact for /artifacts/all."""
        return values

    @classmethod
    def to_notification(cls, values):
        return {k: values.get(k) for k in (
            'id', 'name', 'version', 'type_name', 'owner', 'status',
            'visibility', 'created_at', 'updated_at', 'activated_at')}

    # -- hooks ----------------------------------------------------------
    @classmethod
    def pre_create_hook(cls, context, af):
        pass

    @classmethod
    def post_create_hook(cls, context, af):
        pass

    @classmethod
    def pre_update_hook(cls, context, af, patch=None):
        pass

    @classmethod
    def post_update_hook(cls, context, af):
        pass

    @classmethod
    def pre_activate_hook(cls, context, af):
        pass

    @classmethod
    def post_activate_hook(cls, context, af):
        pass

    @classmethod
    def pre_reactivate_hook(cls, context, af):
        pass

    @classmethod
    def post_reactivate_hook(cls, context, af):
        pass

    @classmethod
    def pre_deactivate_hook(cls, context, af):
        pass

    @classmethod
    def post_deactivate_hook(cls, context, af):
        pass

    @classmethod
    def pre_publish_hook(cls, context, af):
        pass

    @classmethod
    def post_publish_hook(cls, context, af):
        pass

    @classmethod
    def pre_delete_hook(cls, context, af):
        pass

    @classmethod
    def post_delete_hook(cls, context, af):
        pass

    @classmethod
    def pre_upload_hook(cls, context, af, field_name, blob_key, fd):
        return fd

    @classmethod
    def post_upload_hook(cls, context, af, field_name, blob_key):
        pass

    @classmethod
    def pre_add_location_hook(cls, context, af, field_name, blob_key,
                              location):
        pass

    @classmethod
    def post_add_location_hook(cls, context, af, field_name, blob_key):
        pass

    @classmethod
    def pre_download_hook(cls, context, af, field_name, blob_key):
        pass

    @classmethod
    def post_download_hook(cls, context, af, field_name, blob_key, fd):
        return fd
