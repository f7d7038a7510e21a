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

# Sphinx configuration of the Glare documentation.
#
# Build from the root of the tree (tox -e docs does):
#   sphinx-build -W -b html doc/source doc/build/html
# Glare itself must be importable: the configuration and policy references
# are generated from its oslo.config and oslo.policy entry points.

import os

_ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), '..', '..'))

project = 'Glare'
copyright = '2016-present, OpenStack Foundation'

extensions = [
    'oslo_config.sphinxext',
    'oslo_config.sphinxconfiggen',
    'oslo_policy.sphinxext',
    'oslo_policy.sphinxpolicygen',
]

master_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
pygments_style = 'native'

# Samples written to _static/ at the start of every build (ignored by git):
# the configuration pages include them and offer them for download.
config_generator_config_file = [
    (os.path.join(_ROOT, 'etc/glare/glare-config-generator.conf'),
     '_static/glare'),
]
policy_generator_config_file = [
    (os.path.join(_ROOT, 'etc/glare/glare-policy-generator.conf'),
     '_static/glare'),
]

try:
    import openstackdocstheme  # noqa: F401
except ImportError:
    html_theme = 'alabaster'
else:
    extensions.append('openstackdocstheme')
    html_theme = 'openstackdocs'
    openstackdocs_repo_name = 'openstack/glare'
    openstackdocs_bug_project = 'glare'
    openstackdocs_bug_tag = 'doc'
    openstackdocs_auto_name = False
