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

"""The out-of-tree example type package, made loadable without pip.

``glare/tests/fixtures/glare_example_type`` is a package of its own (the
worked example of the guide to writing artifact types). The tests do not
install it into the running environment: :func:`make_distribution` writes
the ``*.dist-info`` directory pip would write, its ``entry_points.txt``
taken from the package's pyproject.toml, so that importlib.metadata, and
through it stevedore, finds the entry point exactly as it finds an
installed package's.
"""

import os

FIXTURE_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)),
                           'fixtures', 'glare_example_type')
PYPROJECT = os.path.join(FIXTURE_DIR, 'pyproject.toml')
DIST_NAME = 'glare-example-type'
MODULE = 'glare_example_type'
TYPE_NAME = 'example_notes'
NAMESPACE = 'glare.artifact_types'


def _project_table(section):
    """{key: string value} of one table of pyproject.toml.

    Enough TOML for this file (string values only): tomllib is not in
    Python 3.10.
    """
    header = '[%s]' % section
    values, inside = {}, False
    with open(PYPROJECT) as fd:
        for line in fd:
            line = line.strip()
            if line.startswith('['):
                inside = line == header
            elif inside and '=' in line and not line.startswith('#'):
                key, _eq, value = line.partition('=')
                values[key.strip().strip('"')] = value.strip().strip('"')
    return values


def entry_points():
    """The package's declared glare.artifact_types entry points."""
    return _project_table('project.entry-points."%s"' % NAMESPACE)


def version():
    return _project_table('project')['version']


def make_distribution(dest, extra_entry_points=None):
    """Write the package's dist-info under ``dest``.

    Returns the sys.path entries that make it importable and discoverable:
    ``dest`` (the metadata) and the package's source directory (the code).
    ``extra_entry_points`` ({name: 'module:attr'}) adds entry points of
    this distribution, e.g. broken ones.
    """
    info = os.path.join(dest, '%s-%s.dist-info' % (
        DIST_NAME.replace('-', '_'), version()))
    os.makedirs(info)
    with open(os.path.join(info, 'METADATA'), 'w') as fd:
        fd.write('Metadata-Version: 2.1\nName: %s\nVersion: %s\n' % (
            DIST_NAME, version()))
    points = dict(entry_points(), **(extra_entry_points or {}))
    with open(os.path.join(info, 'entry_points.txt'), 'w') as fd:
        fd.write('[%s]\n' % NAMESPACE)
        for name, target in sorted(points.items()):
            fd.write('%s = %s\n' % (name, target))
    with open(os.path.join(info, 'top_level.txt'), 'w') as fd:
        fd.write(MODULE + '\n')
    return [dest, FIXTURE_DIR]
