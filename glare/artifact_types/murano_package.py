"""Murano application packages."""

from glare.objects import base
from glare.objects import fields as f
from glare.objects import validators as v

MIB = 1024 ** 2


class MuranoPackage(base.BaseArtifact):
    """A Murano package with its class definitions and dependencies."""

    TYPE_NAME = 'murano_packages'
    DISPLAY_TYPE_NAME = 'Murano packages'
    fields = dict(base.BaseArtifact.fields, **{
        'package': f.Blob(required_on_activate=False,
                          max_blob_size=100 * MIB,
                          description='Murano Package binary.'),
        'type': f.Scalar(f.String, default='Application',
                         validators=[v.AllowedValues(['Application',
                                                      'Library'])],
                         description='Package type.'),
        'display_name': f.Scalar(f.String, mutable=True,
                                 description='Package name in human-'
                                             'readable format.'),
        'categories': f.List(f.String, mutable=True,
                             description='List of categories specified '
                                         'for the package.'),
        'class_definitions': f.List(f.String, validators=[v.Unique()],
                                    description='List of class definitions '
                                                'in the package.'),
        'inherits': f.Dict(f.String),
        'keywords': f.List(f.String, mutable=True),
        'dependencies': f.List(f.Link, required_on_activate=False,
                               description='List of package dependencies '
                                           'for this package.'),
    })
