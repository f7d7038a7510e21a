"""TOSCA templates."""

from glare.objects import base
from glare.objects import fields as f


class TOSCATemplate(base.BaseArtifact):
    """A TOSCA template."""

    TYPE_NAME = 'tosca_templates'
    DISPLAY_TYPE_NAME = 'TOSCA Templates'
    fields = dict(base.BaseArtifact.fields, **{
        'template_format': f.Scalar(f.String,
                                    description='TOSCA template format.'),
        'template': f.Blob(description='TOSCA template body.'),
    })
