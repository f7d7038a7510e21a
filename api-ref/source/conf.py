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

# Sphinx configuration of the Glare API reference (os-api-ref).
#
# Build: sphinx-build -W -b html api-ref/source api-ref/build/html

project = 'Glare API Reference'
copyright = '2016-present, OpenStack Foundation'

extensions = ['os_api_ref']

master_doc = 'index'
source_suffix = {'.rst': 'restructuredtext'}
exclude_patterns = ['v1/*.inc']
pygments_style = 'native'

try:
    import openstackdocstheme  # noqa: F401
except ImportError:
    html_theme = 'alabaster'
else:
    extensions.append('openstackdocstheme')
    html_theme = 'openstackdocs'
    html_theme_options = {'sidebar_mode': 'toc'}
    openstackdocs_repo_name = 'openstack/glare'
    openstackdocs_bug_project = 'glare'
    openstackdocs_bug_tag = 'api-ref'
    openstackdocs_auto_name = False


def _no_path_params_yet(app, env, docnames):
    # os-api-ref keeps the path parameters of the last rest_method on the
    # environment; index.rst has parameter tables before any rest_method.
    if not hasattr(env, 'path_params'):
        env.path_params = []


def setup(app):
    app.connect('env-before-read-docs', _no_path_params_yet)
