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

# Sphinx configuration of the Glare release notes (reno).
#
# Build from the root of the tree (tox -e releasenotes does):
#   sphinx-build -a -E -W -d releasenotes/build/doctrees -b html \
#       releasenotes/source releasenotes/build/html
# reno reads the notes from git history: a note that is not committed yet
# does not show.

project = 'Glare Release Notes'
copyright = '2016-present, OpenStack Foundation'

extensions = ['reno.sphinxext']

master_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
pygments_style = 'native'

try:
    import openstackdocstheme  # noqa: F401
except ImportError:
    html_theme = 'alabaster'
else:
    extensions.append('openstackdocstheme')
    html_theme = 'openstackdocs'
    openstackdocs_repo_name = 'openstack/glare'
    openstackdocs_bug_project = 'glare'
    openstackdocs_bug_tag = 'releasenotes'
    openstackdocs_auto_name = False
