"""Heat orchestration templates."""

from glare.objects import base
from glare.objects import fields as f


class HeatTemplate(base.BaseArtifact):
    """A Heat template with its nested templates and environments."""

    TYPE_NAME = 'heat_templates'
    DISPLAY_TYPE_NAME = 'Heat Templates'
    fields = dict(base.BaseArtifact.fields, **{
        'environments': f.Dict(f.Link, mutable=True,
                               description='References to Heat '
                                           'Environments that can be used '
                                           'with current Template.'),
        'template': f.Blob(description='Heat template body.'),
        'nested_templates': f.Folder(description='Dict of nested templates '
                                                 'where key is the name of '
                                                 'template and value is '
                                                 'nested template body.'),
        'default_envs': f.Dict(f.String, mutable=True,
                               description='Default environments that can '
                                           'be applied to the template if '
                                           'no environments specified by '
                                           'user.'),
    })
