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

"""Tests of glare.objects: fields, validators, versions, schemas, types."""

from glare.objects import registry
from glare.tests import base

#: every builtin type (entry points of glare.artifact_types)
BUILTIN_TYPES = ('all', 'heat_environments', 'heat_templates', 'images',
                 'murano', 'murano_packages', 'secrets', 'tosca_templates')
SAMPLE_MODULE = 'glare.tests.sample_artifact'


def load_types(test, enabled=BUILTIN_TYPES, modules=(SAMPLE_MODULE,)):
    """Load (and register) the types through the real TypeRegistry."""
    conf = test.useFixture(base.ConfigFixture())
    conf.set(enabled_artifact_types=list(enabled),
             custom_artifact_types_modules=list(modules))
    return registry.TypeRegistry.load(conf.conf)
