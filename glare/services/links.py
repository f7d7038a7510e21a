"""Link fields: checked when written, never when read."""

import re

from glare.db import artifacts as db
from glare import exception
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
