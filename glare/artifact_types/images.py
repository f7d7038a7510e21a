"""Virtual machine images."""

from glare.objects import base
from glare.objects import fields as f
from glare.objects import validators as v

GIB = 1024 ** 3


class Image(base.BaseArtifact):
    """A VM image with its disk and container formats."""

    TYPE_NAME = 'images'
    DISPLAY_TYPE_NAME = 'Images'
    fields = dict(base.BaseArtifact.fields, **{
        'container_format': f.Scalar(
            f.String, validators=[v.AllowedValues(
                ['ami', 'ari', 'aki', 'bare', 'ovf', 'ova', 'docker'])],
            description='Image container format.'),
        'disk_format': f.Scalar(
            f.String, validators=[v.AllowedValues(
                ['ami', 'ari', 'aki', 'vhd', 'vhdx', 'vmdk', 'raw', 'qcow2',
                 'vdi', 'iso'])],
            description='Image disk format.'),
        'min_ram': f.Scalar(f.Integer, required_on_activate=False,
                            validators=[v.MinNumberSize(0)],
                            description='Minimal RAM required to boot image.'),
        'min_disk': f.Scalar(f.Integer, required_on_activate=False,
                             validators=[v.MinNumberSize(0)],
                             description='Minimal disk space required to '
                                         'boot image.'),
        'image': f.Blob(max_blob_size=1000 * GIB, required_on_activate=False,
                        description='Image binary.'),
        'kernel_id': f.Scalar(f.String, required_on_activate=False,
                              validators=[v.UUID()],
                              description='ID of image stored in Glare that '
                                          'should be used as the kernel '
                                          'when booting an AMI-style image.'),
        'ramdisk_id': f.Scalar(f.String, required_on_activate=False,
                               validators=[v.UUID()],
                               description='ID of image stored in Glare '
                                           'that should be used as the '
                                           'ramdisk when booting an '
                                           'AMI-style image.'),
        'instance_uuid': f.Scalar(f.String, required_on_activate=False,
                                  description='Metadata which can be used '
                                              'to record which instance '
                                              'this image is associated '
                                              'with.'),
        'architecture': f.Scalar(f.String, required_on_activate=False,
                                 description='Operating system '
                                             'architecture.'),
        'os_distro': f.Scalar(f.String, required_on_activate=False,
                              description='Common name of operating '
                                          'system distribution.'),
        'os_version': f.Scalar(f.String, required_on_activate=False,
                               description='Operating system version.'),
    })
