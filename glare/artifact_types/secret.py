"""Secrets (not enabled by default)."""

from glare.objects import base
from glare.objects import fields as f
from glare.objects import validators as v


class Secret(base.BaseArtifact):
    """A secret payload with its key metadata."""

    TYPE_NAME = 'secrets'
    DISPLAY_TYPE_NAME = 'Secrets'
    fields = dict(base.BaseArtifact.fields, **{
        'payload': f.Blob(description='The secret\'s data to be stored.'),
        'payload_content_encoding': f.Scalar(
            f.String, required_on_activate=False, default='base64',
            filter_ops=(), validators=[v.AllowedValues(['base64'])],
            description='Required if payload is encoded. The encoding used '
                        'for the payload.'),
        'secret_type': f.Scalar(
            f.String, required_on_activate=False, default='opaque',
            sortable=True, filter_ops=(f.EQ,),
            validators=[v.AllowedValues(['symmetric', 'public', 'private',
                                         'passphrase', 'certificate',
                                         'opaque'])],
            description='Used to indicate the type of secret being '
                        'stored.'),
        'algorithm': f.Scalar(f.String, required_on_activate=False,
                              filter_ops=(f.EQ,),
                              description='Metadata provided by a user or '
                                          'system for informational '
                                          'purposes.'),
        'bit_length': f.Scalar(f.Integer, required_on_activate=False,
                               sortable=True,
                               validators=[v.MinNumberSize(1)],
                               description='Metadata provided by a user or '
                                           'system for informational '
                                           'purposes.'),
        'mode': f.Scalar(f.String, required_on_activate=False,
                         filter_ops=(f.EQ,),
                         description='Metadata provided by a user or '
                                     'system for informational purposes.'),
    })
