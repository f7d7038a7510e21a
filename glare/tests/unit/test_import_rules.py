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

"""The one-way tiers of DESIGN.md, and config passed rather than imported.

Read from the source (every import statement, function-level ones too),
so that a new edge against the direction fails here rather than in review.
"""

import ast
import os


import glare
from glare.tests import base

PACKAGE = os.path.dirname(os.path.abspath(glare.__file__))

# (tier, tiers it must never import): entry points (cmd, wsgi) on top, then
# api (HTTP), services, then objects / db / store
FORBIDDEN = {
    'cmd': {'api'},
    'api': {'db', 'store', 'cmd', 'wsgi'},
    # the web catalog: another client of the services, beside api
    'web': {'db', 'store', 'cmd', 'wsgi'},
    'services': {'api', 'web', 'cmd', 'wsgi'},
    'objects': {'api', 'web', 'services', 'cmd', 'wsgi'},
    'db': {'api', 'web', 'services', 'cmd', 'wsgi'},
    'store': {'api', 'web', 'services', 'cmd', 'wsgi'},
}

# packages outside the tiers, for another program: the service never
# imports them and they import nothing of Glare's (the OpenStack client's
# commands, glare/osc, installed with the osc extra of setup.cfg)
ISOLATED = ('osc',)

# where oslo.config's global CONF may be read: by the entry points, once,
# to pass it down; (module, the function it is read in or None: at module
# level)
CONF_READERS = {
    ('conf/__init__.py', None),  # defines it
    ('cmd/api.py', 'main'),
    ('cmd/status.py', 'main'),
    ('wsgi/api.py', None),
    ('policy.py', 'get_enforcer'),  # the oslo.policy.enforcer entry point
}


def _sources(tier=None):
    top = os.path.join(PACKAGE, tier) if tier else PACKAGE
    for dirpath, dirnames, filenames in os.walk(top):
        dirnames[:] = [d for d in dirnames if d != 'tests']
        for name in sorted(filenames):
            if name.endswith('.py'):
                path = os.path.join(dirpath, name)
                with open(path) as f:
                    yield os.path.relpath(path, PACKAGE), ast.parse(f.read())


def _imported(tree):
    """(line, glare module) of every import in tree."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.level == 0 \
                and node.module:
            if node.module == 'glare':
                for alias in node.names:
                    yield node.lineno, 'glare.' + alias.name
            else:
                yield node.lineno, node.module


def _tier(module):
    parts = module.split('.')
    return parts[1] if parts[0] == 'glare' and len(parts) > 1 else None


def violations(tier, forbidden):
    found = []
    for path, tree in _sources(tier):
        for line, module in _imported(tree):
            if _tier(module) in forbidden:
                found.append('glare/%s:%d imports %s' % (path, line, module))
    return found


def conf_reads():
    """(module, enclosing function or None, line) of each use of CONF."""
    found = []
    for path, tree in _sources():
        def visit(node, function, path=path):
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.FunctionDef,
                                      ast.AsyncFunctionDef)):
                    visit(child, function or child.name)
                    continue
                if isinstance(child, ast.Attribute) and \
                        child.attr == 'CONF' or \
                        isinstance(child, ast.ImportFrom) and any(
                            a.name == 'CONF' for a in child.names):
                    found.append((path, function, child.lineno))
                visit(child, function)
        visit(tree, None)
    return found


class TestTiers(base.TestCase):

    def test_cmd_imports_nothing_from_api(self):
        self.assertEqual([], violations('cmd', FORBIDDEN['cmd']))

    def test_lower_tiers_never_import_upwards(self):
        for tier in ('api', 'web', 'services', 'objects', 'db', 'store'):
            self.assertEqual([], violations(tier, FORBIDDEN[tier]), tier)

    def test_the_rule_sees_every_kind_of_import(self):
        tree = ast.parse('import glare.api.app\n'
                         'from glare.api import fault\n'
                         'from glare import api\n'
                         'def f():\n    from glare.services import x\n'
                         'from glare import db\n')
        self.assertEqual(
            ['api', 'api', 'api', 'db', 'services'],
            sorted(_tier(module) for _line, module in _imported(tree)))


class TestIsolatedPackages(base.TestCase):

    def test_nothing_else_imports_them(self):
        found = []
        for path, tree in _sources():
            if path.split(os.sep)[0] in ISOLATED:
                continue
            found.extend('glare/%s:%d imports %s' % (path, line, module)
                         for line, module in _imported(tree)
                         if _tier(module) in ISOLATED)
        self.assertEqual([], found)

    def test_they_import_nothing_of_glare(self):
        for package in ISOLATED:
            self.assertTrue(list(_sources(package)), package)
            found = []
            for path, tree in _sources(package):
                found.extend(
                    'glare/%s:%d imports %s' % (path, line, module)
                    for line, module in _imported(tree)
                    if module.split('.')[0] == 'glare'
                    and _tier(module) != package)
            self.assertEqual([], found, package)


class TestConfigIsPassed(base.TestCase):

    def test_only_entry_points_read_the_global_conf(self):
        reads = conf_reads()
        self.assertTrue(reads)  # the entry points do
        self.assertEqual([], [r for r in reads if r[:2] not in CONF_READERS])
