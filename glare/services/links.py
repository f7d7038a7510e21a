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

from glare.db import artifacts as db
from glare import exception
from glare.objects import uploads
from glare.services import access
from glare.services import closure


def check(context, cls, values):
    """Every internal link in values points at an artifact the caller sees."""
    for name, value in values.items():
        field = cls.fields.get(name)
        if field is None or field.is_blob or field.kind.name != 'Link':
            continue
        for link in closure.link_values(field, value):
            target = closure.internal_link(link)
            if target is None:
                continue  # an http(s) URL: recorded as given
            type_name, artifact_id = target
            row = db.get_summary(context, artifact_id)
            if row is None or row['status'] == 'deleted' or (
                    row['type_name'] != type_name) or not access.sees(
                    context, row):
                raise exception.BadRequest(
                    'Field %s links to %s, which does not exist or is not '
                    'visible to you' % (name, link))


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
    for row in access.readable(context, db.active_versions(
            context, requirement.type_name, requirement.name)):
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
