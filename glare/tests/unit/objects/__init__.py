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
