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

"""Who may read an artifact: the one rule show, download, links and
sharing all follow."""

from glare.db import members as db_members
from glare.policies import artifacts as rules
from glare import policy

#: visibilities anyone may read by id (anonymous callers too)
OPEN = ('public', 'community')


def sees(context, values):
    """Whether the caller may read the artifact (values: its columns).

    Public and community: anyone. Private: its owner. Shared: its owner
    and its members, whatever their status (the status only decides
    listing). Admins (artifact:get_any_artifact): everything.
    """
    if values['visibility'] in OPEN:
        return True
    project = context.project_id
    if project and values['owner'] == project:
        return True
    if context.can(rules.GET_ANY, policy.policy_target(context, values),
                   fatal=False):
        return True
    return bool(project) and values['visibility'] == 'shared' and \
        db_members.status_of(context, values['id'], project) is not None


def readable(context, rows):
    """The rows (artifact column dicts) the caller may read, in order: as
    sees() decides, with one membership query for all the shared ones."""
    project = context.project_id
    verdicts = []
    for row in rows:
        if row['visibility'] in OPEN or (project and row['owner'] == project
                                         ) or context.can(
                rules.GET_ANY, policy.policy_target(context, row),
                fatal=False):
            verdicts.append(True)
        elif project and row['visibility'] == 'shared':
            verdicts.append(None)  # a member?
        else:
            verdicts.append(False)
    asked = [r['id'] for r, v in zip(rows, verdicts, strict=True) if v is None]
    granted = db_members.granted(context, asked, [project])
    return [r for r, v in zip(rows, verdicts, strict=True)
            if v or (v is None and (r['id'], project) in granted)]


def project_could_read(values, project, is_member):
    """Whether another project could read the artifact. is_member: whether
    it has a member row on it (of any status). Admin rights of that
    project are not counted: they are not known here, and sharing must
    work for any of its users."""
    if values['visibility'] in OPEN or values['owner'] == project:
        return True
    return values['visibility'] == 'shared' and is_member
