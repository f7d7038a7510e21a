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

"""The read-only view over every artifact type."""

from glare.objects import base
from glare.objects import fields as glare_fields


class All(base.BaseArtifact):
    """Every artifact of every type; writes are refused by the service."""

    TYPE_NAME = 'all'
    DISPLAY_TYPE_NAME = 'All Artifacts'
    fields = dict(base.BaseArtifact.fields, **{
        'type_name': glare_fields.Scalar(
            glare_fields.String, system=True, sortable=True,
            filter_ops=(glare_fields.LIKE, glare_fields.EQ, glare_fields.NEQ,
                        glare_fields.IN),
            description='Name of artifact type.'),
    })
