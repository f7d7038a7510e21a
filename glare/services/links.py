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

"""Link fields: checked when written, never when read."""

import re

from glare.db import artifacts as db
from glare import exception
from glare.objects import uploads
from glare.policies import artifacts as rules

_INTERNAL = re.compile(r'^/artifacts/([^/]+)/([0-9a-fA-F-]{36})$')


def _link_values(field, value):
    if value is None:
        return []
    if field.container == 'List':
        return list(value)
    if field.container == 'Dict':
        return list(value.values())
    return [value]


def check(context, cls, values):
    """Every internal link in values points at an artifact the caller sees."""
    for name, value in values.items():
        field = cls.fields.get(name)
        if field is None or field.kind.name != 'Link':
            continue
        for link in _link_values(field, value):
            m = _INTERNAL.match(link)
            if not m:
                continue  # an http(s) URL: recorded as given
            type_name, artifact_id = m.groups()
            row = db.get_summary(context, artifact_id.lower())
            if row is None or row['status'] == 'deleted' or (
                    row['type_name'] != type_name) or not _visible(
                    context, row):
                raise exception.BadRequest(
                    'Field %s links to %s, which does not exist or is not '
                    'visible to you' % (name, link))


def _visible(context, row):
    if row['visibility'] == 'public' or (
            context.project_id and row['owner'] == context.project_id):
        return True
    return context.can(rules.GET_ANY, dict(row,
                                           project_id=context.project_id),
                       fatal=False)


def resolve(context, requirement):
    """The link to the newest active artifact meeting a Requirement.

    Only artifacts the caller can see count; at equal versions the caller's
    own wins over a public one. BadRequest names what is missing.
    """
    try:
        accepts = requirement.matcher()
    except ValueError as exc:
        raise exception.BadRequest('Requirement %s: %s' % (requirement.name,
                                                           exc)) from exc
    best = None
    for row in db.active_versions(context, requirement.type_name,
                                  requirement.name):
        if not _visible(context, row):
            continue
        version = uploads.parse_version(row['version'])
        if not accepts(version):
            continue
        key = (version, row['owner'] == context.project_id)
        if best is None or key > best[0]:
            best = (key, row)
    if best is None:
        raise exception.BadRequest(
            'Required %s %s is missing: no active %s artifact you can see '
            'named %s matches version %s' % (
                requirement.type_name, requirement.name,
                requirement.type_name, requirement.name,
                requirement.spec or '0 (any 0.x.y)'))
    return '/artifacts/%s/%s' % (requirement.type_name, best[1]['id'])


def resolve_all(context, value):
    """value with every Requirement in it (alone, in a list or dict values)
    replaced by its link."""
    if isinstance(value, uploads.Requirement):
        return resolve(context, value)
    if isinstance(value, (list, tuple)):
        return [resolve_all(context, v) for v in value]
    if isinstance(value, dict):
        return {k: resolve_all(context, v) for k, v in value.items()}
    return value
