"""Tests of glare.objects: fields, validators, versions, schemas, types."""

import fixtures
from oslo_config import cfg

from glare import conf as glare_conf
from glare.objects import registry

#: every builtin type (entry points of glare.artifact_types)
BUILTIN_TYPES = ('all', 'heat_environments', 'heat_templates', 'images',
                 'murano', 'murano_packages', 'secrets', 'tosca_templates')
SAMPLE_MODULE = 'glare.tests.sample_artifact'


class ConfFixture(fixtures.Fixture):
    """A private ConfigOpts with glare's options, reading no config file."""

    def _setUp(self):
        self.conf = cfg.ConfigOpts()
        glare_conf.register_opts(self.conf)
        self.conf(args=[], project='glare', default_config_files=[],
                  default_config_dirs=[])
        self.addCleanup(self.conf.reset)

    def set(self, **overrides):
        for name, value in overrides.items():
            self.conf.set_override(name, value)


def load_types(test, enabled=BUILTIN_TYPES, modules=(SAMPLE_MODULE,)):
    """Load (and register) the types through the real TypeRegistry."""
    conf = test.useFixture(ConfFixture())
    conf.set(enabled_artifact_types=list(enabled),
             custom_artifact_types_modules=list(modules))
    return registry.TypeRegistry.load(conf.conf)
