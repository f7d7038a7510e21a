"""Heat environments."""

from glare.objects import base
from glare.objects import fields as f


class HeatEnvironment(base.BaseArtifact):
    """A Heat environment file."""

    TYPE_NAME = 'heat_environments'
    DISPLAY_TYPE_NAME = 'Heat Environments'
    fields = dict(base.BaseArtifact.fields, **{
        'environment': f.Blob(description='Heat Environment text body.'),
    })
