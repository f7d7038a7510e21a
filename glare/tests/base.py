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

"""The unit tests' TestCase and its fixtures: warnings, config, policy."""

import logging
import os
import warnings

import fixtures
from oslo_config import cfg
from sqlalchemy import exc as sa_exc
import testtools

from glare import conf as glare_conf
from glare import policy


class WarningsFixture(fixtures.Fixture):
    """Deprecations from SQLAlchemy, alembic, oslo and Glare fail a test.

    Python attributes a warning to the module named by its stack level:
    the caller of the deprecated thing, for warnings issued by the library
    that owns it. A deprecated SQLAlchemy or oslo call in Glare therefore
    raises, as does one in oslo.db or alembic (their next release may
    remove what they rely on; such a case gets a precise exception in
    IGNORED, saying why). SQLAlchemy's own warnings (SAWarning: a query or
    mapping that does not mean what it says) raise wherever they come from.
    Ignore filters for one exact warning (with a message) that were in
    place before, such as those Glare installs as it is imported for
    library warnings its users cannot act on, keep their precedence. All
    filters in place before are restored at clean-up.
    """

    #: the modules whose use of deprecated things is an error
    MODULES = r'(sqlalchemy|alembic|oslo_[a-z_]+|glare)(\.|$)'
    #: categories that are errors when attributed to MODULES
    DEPRECATIONS = (DeprecationWarning, PendingDeprecationWarning)
    #: categories that are errors wherever they are attributed
    ALWAYS = (sa_exc.SAWarning, sa_exc.SADeprecationWarning,
              sa_exc.SAPendingDeprecationWarning)
    #: (message regex, category, module regex) of warnings that are known
    #: and not this test run's to fix; each says why it is here
    IGNORED = ()

    def _setUp(self):
        # catch_warnings saves the filters and puts them back on exit
        saved = warnings.catch_warnings()
        saved.__enter__()
        self.addCleanup(saved.__exit__, None, None, None)
        # (the default filters hold plain strings, filterwarnings regexes)
        precise = [(getattr(message, 'pattern', message), category,
                    getattr(module, 'pattern', module) or '', lineno)
                   for action, message, category, module, lineno
                   in warnings.filters
                   if action == 'ignore' and message is not None]
        for category in self.DEPRECATIONS:
            warnings.filterwarnings('error', category=category,
                                    module=self.MODULES)
        for category in self.ALWAYS:
            warnings.filterwarnings('error', category=category)
        # inserted last, so they take precedence over the errors above
        for message, category, module, lineno in reversed(precise):
            warnings.filterwarnings('ignore', message=message,
                                    category=category, module=module,
                                    lineno=lineno)
        for message, category, module in self.IGNORED:
            warnings.filterwarnings('ignore', message=message,
                                    category=category, module=module)


class ConfigFixture(fixtures.Fixture):
    """A private ConfigOpts with Glare's options, reading no config file.

    ``conf`` is the ConfigOpts (never the global ``glare.conf.CONF``);
    ``set(**overrides)`` and ``set_in(group, **overrides)`` override
    options; everything is undone at clean-up.
    """

    def __init__(self, args=()):
        super().__init__()
        self.args = list(args)

    def _setUp(self):
        self.conf = cfg.ConfigOpts()
        glare_conf.register_opts(self.conf)
        self.conf(args=self.args, project='glare', default_config_files=[],
                  default_config_dirs=[])
        self.addCleanup(self.conf.reset)

    def set(self, **overrides):
        """Override [DEFAULT] options."""
        self.set_in(None, **overrides)

    def set_in(self, group, **overrides):
        """Override options of a group (None: [DEFAULT])."""
        for name, value in overrides.items():
            self.conf.set_override(name, value, group=group)


class PolicyFixture(fixtures.Fixture):
    """A fresh glare.policy enforcer for one test, forgotten afterwards.

    The enforcer reads a temporary policy file holding ``content`` (YAML
    or JSON; ``write()`` replaces it) over the rules in code, plus
    ``rules`` ({name: check string}) applied on top. ``conf`` defaults to
    a ConfigOpts of its own, so that no config file or directory of the
    machine running the tests is read.
    """

    def __init__(self, content='{}', rules=None, conf=None):
        super().__init__()
        self.content = content
        self.rules = rules
        self.conf = conf

    def _setUp(self):
        tmp = self.useFixture(fixtures.TempDir()).path
        self.path = os.path.join(tmp, 'policy.yaml')
        self.write(self.content)
        if self.conf is None:
            self.conf = cfg.ConfigOpts()
            self.conf(args=[], default_config_files=[],
                      default_config_dirs=[])
        policy.reset()
        self.addCleanup(policy.reset)
        self.enforcer = policy.init(conf=self.conf, policy_file=self.path,
                                    rules=self.rules)

    def write(self, content):
        """Replace the policy file; the mtime moves so oslo.policy sees it."""
        mtime = os.path.getmtime(self.path) + 10 if os.path.exists(
            self.path) else None
        with open(self.path, 'w') as f:
            f.write(content)
        if mtime:
            os.utime(self.path, (mtime, mtime))


class TestCase(testtools.TestCase):
    """Base of the unit tests: deprecation warnings are errors; what the
    code logs is kept with each test (shown when it fails), not printed
    into the run's output."""

    def setUp(self):
        super().setUp()
        self.useFixture(WarningsFixture())
        self.useFixture(fixtures.FakeLogger(level=logging.INFO))
