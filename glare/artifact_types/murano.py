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

"""Murano application packages, as Murano stores them through the v0.1 API."""

from glare.objects import base
from glare.objects import fields as glare_fields
from glare.objects import validators

MIB = 1024 ** 2
# a class name is a namespaced identifier: it never holds a comma, so a
# list of class names is kept as one comma-joined string
LIST_SEPARATOR = ','


class Murano(base.BaseArtifact):
    """A Murano package: manifest facts, classes, and the package files.

    ``inherits`` maps a base class to the package's classes derived from
    it; Murano sends it as a dict of lists. Glare's dicts hold scalars, so
    each list is stored as one comma-joined string (class names hold no
    commas); the v0.1 API turns it back into lists both ways (see
    DICT_OF_LISTS), and the v1 API shows the stored strings.
    """

    TYPE_NAME = 'murano'
    DISPLAY_TYPE_NAME = 'Murano Packages'
    #: Dict(String) fields the v0.1 API shows and takes as dicts of lists
    DICT_OF_LISTS = ('inherits',)

    fields = dict(base.BaseArtifact.fields, **{
        'type': glare_fields.Scalar(
            glare_fields.String, sortable=True,
            validators=[validators.AllowedValues(['Application',
                                                  'Library'])],
            description='Package type: Application or '
                        'Library.'),
        'author': glare_fields.Scalar(
            glare_fields.String, required_on_activate=False,
            description='Author of the package.'),
        'display_name': glare_fields.Scalar(
            glare_fields.String, mutable=True, sortable=True,
            filter_ops=(glare_fields.EQ, glare_fields.NEQ, glare_fields.IN,
                        glare_fields.LIKE),
            description='Human-readable name of the '
                        'package.'),
        'enabled': glare_fields.Scalar(
            glare_fields.Boolean, mutable=True, default=True,
            nullable=False, required_on_activate=False,
            description='Whether the package may be used '
                        'in new environments.'),
        'categories': glare_fields.List(
            glare_fields.String, mutable=True,
            required_on_activate=False,
            description='Categories of the package.'),
        'class_definitions': glare_fields.List(
            glare_fields.String, required_on_activate=False,
            validators=[validators.Unique()],
            description='Fully qualified names of '
                        'the classes the package '
                        'defines.'),
        'inherits': glare_fields.Dict(
            glare_fields.String, required_on_activate=False,
            element_validators=[validators.MaxStrLen(16384)],
            description='Base class → comma-joined names '
                        'of the package classes derived '
                        'from it.'),
        'keywords': glare_fields.List(glare_fields.String, mutable=True,
                                      required_on_activate=False,
                                      description='Search keywords.'),
        'archive': glare_fields.Blob(max_blob_size=100 * MIB,
                                     description='The package archive (zip).'),
        'logo': glare_fields.Blob(
            required_on_activate=False, max_blob_size=5 * MIB,
            description='Logo of the package.'),
        'ui_definition': glare_fields.Blob(
            required_on_activate=False,
            max_blob_size=5 * MIB,
            description='UI definition (YAML) of the '
                        'package.'),
    })
