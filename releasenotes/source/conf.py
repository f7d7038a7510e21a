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
