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

"""Policy rules for background tasks and the requests that start them.

A task's target is its project (``owner``, also given as ``project_id``),
its creator (``user_id``) and its ``type``. A task another project cannot
see is answered 404, as if it did not exist.
"""

from glare.policies import base
from glare.policies import blobs

SHOW = base.RULE_PREFIX + 'task_show'
LIST = base.RULE_PREFIX + 'task_list'
LIST_ALL = base.RULE_PREFIX + 'task_list_all'
CANCEL = base.RULE_PREFIX + 'task_cancel'
IMPORT = base.RULE_PREFIX + 'import'
CONVERT = base.RULE_PREFIX + 'convert'

_TASK = '/tasks/{task_id}'
_IMPORT = '/artifacts/{type_name}/{artifact_id}/{field}/import'
_FOLDER_IMPORT = '/artifacts/{type_name}/{artifact_id}/{field}/{key}/import'
_CONVERT = '/artifacts/images/{artifact_id}/image/convert'

_rule = base.rule

rules = [
    _rule(SHOW, base.OWNER_OR_ADMIN,
          "Show a task: its project's members, or an admin.",
          [{'method': 'GET', 'path': _TASK}]),
    _rule(LIST, base.ANYONE,
          "List the tasks of the caller's project.",
          [{'method': 'GET', 'path': '/tasks'}]),
    _rule(LIST_ALL, base.ADMIN,
          'List the tasks of every project (instead of the caller\'s '
          'own).',
          [{'method': 'GET', 'path': '/tasks'}]),
    _rule(CANCEL, base.OWNER_OR_ADMIN,
          "Cancel a pending or running task: its project's members, or an "
          "admin.",
          [{'method': 'DELETE', 'path': _TASK}]),
    _rule(IMPORT, 'rule:' + blobs.UPLOAD,
          'Import blob data from a URL in a background task. The task '
          'stores the data as an upload of the caller would, so the '
          'upload rule is checked too.',
          [{'method': 'POST', 'path': _IMPORT},
           {'method': 'POST', 'path': _FOLDER_IMPORT}]),
    _rule(CONVERT, base.ANYONE,
          'Convert an image to another disk format in a background task '
          '(the target is the source image). The task reads the source '
          'as a download would and creates the new image in the '
          "caller's project as the caller would, so the download rule "
          '(on the source) and the create and upload rules (on the new '
          'image) are checked too.',
          [{'method': 'POST', 'path': _CONVERT}]),
]


def list_rules():
    return rules
