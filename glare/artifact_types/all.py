"""The read-only view over every artifact type."""

from glare.objects import base
from glare.objects import fields as f


class All(base.BaseArtifact):
    """Every artifact of every type; writes are refused by the service."""

    TYPE_NAME = 'all'
    DISPLAY_TYPE_NAME = 'All Artifacts'
    fields = dict(base.BaseArtifact.fields, **{
        'type_name': f.Scalar(f.String, system=True, sortable=True,
                              filter_ops=(f.LIKE, f.EQ, f.NEQ, f.IN),
                              description='Name of artifact type.'),
    })
