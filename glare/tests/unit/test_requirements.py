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

"""requirements.txt provides every module Glare's own code imports (issue 11).

A fresh `pip install .` installs only what requirements.txt names and what
those distributions require in turn; a module that came in through the
test requirements alone let CI pass while the installed service could not
start.
"""

import ast
import configparser
import importlib.metadata
import importlib.util
import os
import sys
import unittest

from packaging import requirements as pkg_requirements
from packaging import utils as pkg_utils

import glare

PACKAGE = os.path.dirname(os.path.abspath(glare.__file__))
ROOT = os.path.dirname(PACKAGE)

#: Imported by Glare's code but provided by no distribution: leave out.
NOT_DISTRIBUTIONS = {
    # the uWSGI server's embedded module, importable only inside its
    # workers; glare/api/controllers/blobs.py imports it only there
    'uwsgi',
}

#: Modules a library imports at runtime, on a path Glare uses, without
#: requiring them by default: {module: (the library's module that imports
#: it, why)}. requirements.txt must bring each in, directly or through a
#: requirement's extra.
RUNTIME_NEEDS = {
    'cryptography': (
        'oslo_utils.imageutils._luks',
        "oslo.utils' format inspector, which the images type uses "
        "(glare/artifact_types/image_formats.py), imports its LUKS module, "
        "which imports cryptography; oslo.utils requires it only with its "
        "image-inspection extra"),
}

#: Subpackages of glare/ the service never imports (test_import_rules),
#: each with the setup.cfg extra that provides what it imports:
#: {subpackage: extra}
#: modules the service imports only when an extra is installed (behind
#: an ImportError guard): module -> the setup.cfg extra that provides it
EXTRA_MODULES = {
    # glare.store.api.swift_client_retries, for the swift store's client
    'swiftclient': 'swift',
}

OPTIONAL_PACKAGES = {
    # the openstack artifact member ... commands
    'osc': 'osc',
}


def top_level_imports(path):
    """Names of the top-level modules a file imports (absolute imports)."""
    with open(path, encoding='utf-8') as f:
        tree = ast.parse(f.read(), path)
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names.update(alias.name.split('.')[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names.add(node.module.split('.')[0])
    return names


def runtime_imports(top=PACKAGE):
    """{module: [files]} of the third-party modules Glare's code imports
    (everything under glare/ but glare/tests and the optional packages);
    with top, of the code under that directory."""
    found = {}
    for dirpath, dirnames, filenames in os.walk(top):
        if dirpath == PACKAGE:
            dirnames[:] = [d for d in dirnames if d != 'tests'
                           and d not in OPTIONAL_PACKAGES]
        for name in filenames:
            if not name.endswith('.py'):
                continue
            path = os.path.join(dirpath, name)
            for module in top_level_imports(path):
                if module in sys.stdlib_module_names or module == 'glare':
                    continue
                found.setdefault(module, []).append(
                    os.path.relpath(path, ROOT))
    return found


def declared():
    """The requirements of requirements.txt."""
    reqs = []
    with open(os.path.join(ROOT, 'requirements.txt')) as f:
        for line in f:
            line = line.split('#', 1)[0].strip()
            if line:
                reqs.append(pkg_requirements.Requirement(line))
    return reqs


def declared_extra(extra):
    """The requirements of an extra of setup.cfg ([extras])."""
    config = configparser.ConfigParser()
    config.read(os.path.join(ROOT, 'setup.cfg'))
    lines = config.get('extras', extra, fallback='').splitlines()
    return [pkg_requirements.Requirement(line.split('#', 1)[0].strip())
            for line in lines if line.split('#', 1)[0].strip()]


def installed_closure(reqs):
    """Canonical names of every distribution reqs bring in, with extras,
    as far as the installed distributions' metadata tells."""
    seen = set()
    todo = [(r.name, frozenset(r.extras)) for r in reqs]
    names = set()
    while todo:
        name, extras = todo.pop()
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        names.add(pkg_utils.canonicalize_name(name))
        try:
            requires = importlib.metadata.requires(name) or []
        except importlib.metadata.PackageNotFoundError:
            continue
        for spec in requires:
            req = pkg_requirements.Requirement(spec)
            if req.marker is None or any(
                    req.marker.evaluate({'extra': extra})
                    for extra in extras | {''}):
                todo.append((req.name, frozenset(req.extras)))
    return names


class RequirementsTests(unittest.TestCase):

    def setUp(self):
        self.providers = importlib.metadata.packages_distributions()
        self.declared = {pkg_utils.canonicalize_name(r.name)
                         for r in declared()}

    def dists(self, module):
        return {pkg_utils.canonicalize_name(d)
                for d in self.providers.get(module, [])}

    def test_every_runtime_import_is_declared(self):
        imports = runtime_imports()
        # the walk sees the code: a few imports every part of Glare makes
        self.assertTrue({'oslo_config', 'sqlalchemy', 'pecan',
                         'gunicorn'} <= set(imports))
        missing = []
        for module, files in sorted(imports.items()):
            if module in NOT_DISTRIBUTIONS or module in EXTRA_MODULES:
                continue
            dists = self.dists(module)
            if not dists & self.declared:
                missing.append('%s (distribution %s; imported by %s)' % (
                    module, ', '.join(sorted(dists)) or 'not installed',
                    ', '.join(sorted(files))))
        self.assertEqual([], missing,
                         'not provided by a distribution named in '
                         'requirements.txt')

    def test_extra_modules_are_declared_in_their_extra(self):
        for module, extra in sorted(EXTRA_MODULES.items()):
            with self.subTest(module=module):
                names = {pkg_utils.canonicalize_name(r.name)
                         for r in declared_extra(extra)}
                dists = self.dists(module)
                if not dists:
                    self.skipTest('%s is not installed' % module)
                self.assertTrue(dists & names, '%s (%s) is not in [extras] '
                                '%s' % (module, ', '.join(dists), extra))

    def test_optional_packages_imports_are_declared_in_their_extra(self):
        for package, extra in sorted(OPTIONAL_PACKAGES.items()):
            with self.subTest(package=package):
                reqs = declared_extra(extra)
                self.assertTrue(reqs, 'setup.cfg has no [extras] %s' % extra)
                names = self.declared | {
                    pkg_utils.canonicalize_name(r.name) for r in reqs}
                imports = runtime_imports(os.path.join(PACKAGE, package))
                self.assertTrue(imports, package)
                missing = sorted(
                    module for module in imports
                    if module not in NOT_DISTRIBUTIONS
                    and not self.dists(module) & names)
                self.assertEqual([], missing,
                                 'imported by glare/%s, not provided by '
                                 'requirements.txt or the %s extra'
                                 % (package, extra))
                for req in reqs:
                    self.assertTrue(
                        any(s.operator == '>=' for s in req.specifier),
                        str(req))

    def test_optional_packages_are_left_out_of_the_runtime_walk(self):
        # what only an extra provides must not count as a requirement
        files = [f for found in runtime_imports().values() for f in found]
        for package in OPTIONAL_PACKAGES:
            self.assertTrue(os.path.isdir(os.path.join(PACKAGE, package)))
            self.assertEqual([], [f for f in files if f.startswith(
                os.path.join('glare', package) + os.sep)])

    def test_runtime_needs_of_libraries_are_brought_in(self):
        closure = installed_closure(declared())
        for module, (_importer, why) in sorted(RUNTIME_NEEDS.items()):
            with self.subTest(module=module):
                dists = self.dists(module)
                self.assertTrue(dists, '%s is not installed' % module)
                self.assertTrue(dists & closure,
                                'requirements.txt does not bring in %s: %s'
                                % (module, why))

    def test_runtime_needs_are_still_needed(self):
        # an entry whose library stopped importing the module goes
        for module, (importer, why) in sorted(RUNTIME_NEEDS.items()):
            with self.subTest(module=module):
                spec = importlib.util.find_spec(importer)
                self.assertIsNotNone(spec, importer)
                self.assertIn(module, top_level_imports(spec.origin), why)

    def test_declared_lines_are_bounded_below(self):
        # each requirement carries the lower bound it is tested with
        for req in declared():
            with self.subTest(requirement=str(req)):
                self.assertTrue(any(s.operator == '>=' for s in req.specifier),
                                str(req))

    def test_import_walk_sees_imports_inside_functions(self):
        # uwsgi is imported inside a function: the walk is not top-level only
        self.assertIn('uwsgi', runtime_imports())
