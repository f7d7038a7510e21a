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

"""Virtual machine images: their data is checked as it is uploaded.

An upload to ``image`` goes through the format inspector of oslo.utils
(:mod:`glare.artifact_types.image_formats`): a dangerous image is refused,
data that contradicts ``disk_format`` too, and the detected format and
virtual size are recorded in ``metadata`` (``detected_format``,
``virtual_size``: keys only Glare writes). The administrator guide, "Image
data checks", tells the whole story.

Signed images, as Glance takes them: when the metadata holds the four keys
``img_signature`` (base64), ``img_signature_hash_method``,
``img_signature_key_type`` and ``img_signature_certificate_uuid`` (a trust
store entry) before the data is uploaded, the upload is verified as it
streams (glare.services.blobs, glare.services.signatures) and the
signature recorded with the data; data that does not match is refused.
``img_signature`` values may be up to 2,048 characters long, the other
metadata values 255.

``converted_from`` (read-only) links an image made by a conversion
(``POST /artifacts/images/{id}/image/convert``,
glare.services.image_conversion) to the image it was converted from.
"""

from glare.artifact_types import image_formats as formats
from glare.objects import base
from glare.objects import fields as glare_fields
from glare.objects import uploads
from glare.objects import validators

GIB = 1024 ** 3
#: the longest value of metadata key img_signature (base64): the one
#: exception to the 255 characters of metadata values; RSA-4096 makes 684
#: characters, RSA-8192 1,368
MAX_SIGNATURE_CHARS = 2048


def _metadata_field():
    """The base metadata field, but for the longer values of the key
    img_signature (a signature in base64: RSA-4096 makes 684
    characters)."""
    declared = base.BaseArtifact.fields['metadata']
    return glare_fields.Dict(
        glare_fields.String, required_on_activate=False, nullable=False,
        filter_ops=declared.filter_ops,
        element_validators=[validators.MaxStrLen(
            MAX_SIGNATURE_CHARS)],
        validators=[validators.MaxDictSize(declared.max_size),
                    validators.MaxDictValueLen(255, {
                        'img_signature': MAX_SIGNATURE_CHARS})],
        description=declared.description + ' Images: the value of '
        'img_signature may be up to %d characters long (a Glance-style '
        'signature of the image data), the others 255.' %
        MAX_SIGNATURE_CHARS)


class Image(base.BaseArtifact):
    """A VM image with its disk and container formats."""

    # 1.4: the read-only link converted_from (image conversion, issue 20)
    VERSION = '1.4'

    TYPE_NAME = 'images'
    DISPLAY_TYPE_NAME = 'Images'
    METADATA_SIGNED_BLOBS = ('image',)
    fields = dict(base.BaseArtifact.fields, **{
        'metadata': _metadata_field(),
        'container_format': glare_fields.Scalar(
            glare_fields.String, validators=[validators.AllowedValues(
                ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker'])],
            description='Image container format.'),
        'disk_format': glare_fields.Scalar(
            glare_fields.String, validators=[validators.AllowedValues(
                ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2',
                 'vdi', 'iso'])],
            description='Image disk format.'),
        'min_ram': glare_fields.Scalar(
            glare_fields.Integer, required_on_activate=False,
            validators=[validators.MinNumberSize(0)],
            description='Minimal RAM required to boot image.'),
        'min_disk': glare_fields.Scalar(
            glare_fields.Integer, required_on_activate=False,
            validators=[validators.MinNumberSize(0)],
            description='Minimal disk space required to '
                        'boot image.'),
        'image': glare_fields.Blob(
            max_blob_size=1000 * GIB, required_on_activate=False,
            description='Image binary.'),
        'kernel_id': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False,
            validators=[validators.UUID()],
            description='ID of image stored in Glare that '
                        'should be used as the kernel '
                        'when booting an AMI-style image.'),
        'ramdisk_id': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False,
            validators=[validators.UUID()],
            description='ID of image stored in Glare '
                        'that should be used as the '
                        'ramdisk when booting an '
                        'AMI-style image.'),
        'instance_uuid': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False,
            description='Metadata which can be used '
                        'to record which instance '
                        'this image is associated '
                        'with.'),
        'architecture': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False,
            description='Operating system '
                        'architecture.'),
        'os_distro': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False,
            description='Common name of operating '
                        'system distribution.'),
        'os_version': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False,
            description='Operating system version.'),
        'converted_from': glare_fields.Scalar(
            glare_fields.Link, system=True, required_on_activate=False,
            description='The image this one was converted from '
                        '(/artifacts/images/<id>), set by the service '
                        'when POST .../image/convert made it; null for '
                        'an image made otherwise. A record of where the '
                        'data came from, not a dependency: the source '
                        'may be deleted.'),
    })

    # -- data checks -------------------------------------------------------
    @classmethod
    def pre_create_hook(cls, context, af):
        formats.check_user_metadata(af.get('metadata'))

    @classmethod
    def pre_update_hook(cls, context, af, patch=None):
        formats.check_patch(patch, has_data=af.get('image') is not None)
        if base.patched_fields(patch) & {'disk_format', 'container_format'}:
            cls._check_formats(af)

    @classmethod
    def pre_activate_hook(cls, context, af):
        cls._check_formats(af)

    @classmethod
    def pre_upload_hook(cls, context, af, field_name, blob_key, fd):
        if field_name != 'image':
            return fd
        return ImageDataInspector(fd, af)

    @staticmethod
    def _check_formats(af):
        """The formats of the image agree with its recorded data format.

        Nothing to check without a recorded format: no data yet, data at
        an external location, or data uploaded before Glare checked it.
        """
        formats.check(af.get('container_format'), af.get('disk_format'),
                      (af.get('metadata') or {}).get(
                          formats.DETECTED_FORMAT))


class ImageDataInspector(uploads.UploadInspector):
    """Detects the format of image data as it streams; refuses unsafe or
    contradicting data; records the format and virtual size."""

    def __init__(self, fd, af):
        super().__init__(fd)
        self.detector = formats.Detector()
        self.container_format = af.get('container_format')
        self.disk_format = af.get('disk_format')

    def inspect(self, chunk):
        self.detector.feed(chunk)
        early = self.detector.early_verdict()
        if early is not None:
            # refuse a bad image now rather than after its last byte
            self._check(early)

    def finish(self):
        detected = self.detector.finish()
        self._check(detected)
        # merged into metadata as it is when the upload commits
        virtual_size = detected.virtual_size
        return {'metadata': {
            formats.DETECTED_FORMAT: detected.format,
            formats.VIRTUAL_SIZE: None if virtual_size is None
            else str(virtual_size)}}

    def _check(self, detected):
        formats.check(self.container_format, self.disk_format,
                      detected.format)
