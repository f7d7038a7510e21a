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

"""Quota rules: names, the PUT /quotas body, effective limits, listing."""

from oslo_config import cfg
import jsonschema
import jsonschema.exceptions

from glare.conf import artifact_type
from glare.db import quotas as db
from glare import exception
from glare import notification
from glare.policies import quotas as rules

COUNT = 'max_artifact_number'
DATA = 'max_uploaded_data'
KINDS = (COUNT, DATA)
UNLIMITED = -1

BODY_SCHEMA = {
    '$schema': 'http://json-schema.org/draft-04/schema#',
    'type': 'array',
    'items': {
        'type': 'object',
        'properties': {
            'project_id': {'type': 'string', 'minLength': 1,
                           'maxLength': 255},
            'project_quotas': {
                'type': 'array',
                'items': {
                    'type': 'object',
                    'properties': {
                        'quota_name': {'type': 'string', 'minLength': 1,
                                       'maxLength': 255},
                        'quota_value': {'type': 'integer',
                                        'minimum': UNLIMITED},
                    },
                    'required': ['quota_name', 'quota_value'],
                    'additionalProperties': False,
                },
            },
        },
        'required': ['project_id', 'project_quotas'],
        'additionalProperties': False,
    },
}
_VALIDATOR = jsonschema.Draft4Validator(BODY_SCHEMA)
# quota values are BIGINT columns
_MAX_VALUE = 2 ** 63 - 1
# jsonschema's messages quote the bad value, however long
_MAX_MESSAGE = 300


def type_quota_name(kind, type_name):
    return db.quota_name(kind, type_name)


def config_type_value(conf, type_name, kind):
    """[artifact_type:<type>] kind as set (None when unset)."""
    try:
        return conf[artifact_type.group_name(type_name)][kind]
    except (cfg.NoSuchOptError, cfg.NoSuchGroupError):
        return None


def quota(conf, type_name, kind, quota_cls=db.Quota, **extra):
    """A quota kind of a type as configured ([DEFAULT] kind,
    [artifact_type:<type>] kind), for the database to overlay with the
    project's own quotas in the checking transaction."""
    return quota_cls(kind=kind, type_name=type_name, configured=conf[kind],
                     configured_for_type=config_type_value(conf, type_name,
                                                           kind), **extra)


def limits(conf, overrides, type_name, kind):
    """(global limit, type limit) of a quota kind for one project.

    overrides: the project's quotas ({quota_name: value}); each limit is
    the project's value when set, else the configured one ([DEFAULT] kind,
    [artifact_type:<type>] kind), and None when unlimited (-1 or unset).
    """
    return quota(conf, type_name, kind).limits(overrides)


def count_quota(conf, registry, type_name):
    """The max_artifact_number check of creating an artifact of a type,
    for glare.db.artifacts.create."""
    return quota(conf, type_name, COUNT, db.CountQuota,
                 types=tuple(sorted(registry.concrete())))


def data_quota(conf, type_name):
    """The max_uploaded_data check of an upload to a blob of a type, for
    glare.db.blobs."""
    return quota(conf, type_name, DATA)


def _where(path):
    """body[0].project_quotas[2].quota_value for a schema error's path."""
    return 'body' + ''.join('[%d]' % p if isinstance(p, int) else '.' + p
                            for p in path)


class QuotaService:
    """Project quotas over the configured defaults. No HTTP, no SQL."""

    def __init__(self, conf, registry, notifier=None):
        self.conf = conf
        self.registry = registry
        self.notifier = notifier or notification.Notifier()

    # -- names -------------------------------------------------------------
    def type_names(self):
        """The types quotas may name: every enabled one but 'all'."""
        return sorted(self.registry.concrete())

    def quota_names(self):
        names = set(KINDS)
        for type_name in self.type_names():
            names.update(type_quota_name(k, type_name) for k in KINDS)
        return names

    # -- configured defaults -------------------------------------------------
    def global_quotas(self):
        """The configured quotas: [DEFAULT] ones and those of type groups."""
        out = {kind: self.conf[kind] for kind in KINDS}
        for type_name in self.type_names():
            for kind in KINDS:
                value = config_type_value(self.conf, type_name, kind)
                if value is not None:
                    out[type_quota_name(kind, type_name)] = value
        return out

    # -- validation ----------------------------------------------------------
    def validate(self, body):
        """The PUT /quotas body, checked; BadRequest names the bad item."""
        error = jsonschema.exceptions.best_match(
            _VALIDATOR.iter_errors(body))
        if error is not None:
            message = error.message
            if len(message) > _MAX_MESSAGE:
                message = message[:_MAX_MESSAGE] + '...'
            raise exception.BadRequest('Invalid quotas at %s: %s' % (
                _where(error.absolute_path), message))
        known = self.quota_names()
        projects = set()
        for i, item in enumerate(body):
            if item['project_id'] in projects:
                raise exception.BadRequest(
                    'Invalid quotas at body[%d]: project %s is given twice'
                    % (i, item['project_id']))
            projects.add(item['project_id'])
            names = set()
            for j, quota in enumerate(item['project_quotas']):
                where = 'body[%d].project_quotas[%d]' % (i, j)
                name = quota['quota_name']
                if name not in known:
                    raise exception.BadRequest(
                        'Invalid quotas at %s: unknown quota name %r; quota '
                        'names are %s and %s, alone or followed by '
                        '":<type>" for an enabled type (%s)' % (
                            where, name[:_MAX_MESSAGE], COUNT, DATA,
                            ', '.join(self.type_names())))
                if name in names:
                    raise exception.BadRequest(
                        'Invalid quotas at %s: quota %s is given twice for '
                        'project %s' % (where, name, item['project_id']))
                if quota['quota_value'] > _MAX_VALUE:
                    raise exception.BadRequest(
                        'Invalid quotas at %s: quota_value %d is too large'
                        % (where, quota['quota_value']))
                names.add(name)
        return body

    # -- operations ----------------------------------------------------------
    def set(self, context, body):
        """Replace the quotas of each project in body (admin)."""
        context.can(rules.SET_QUOTAS)
        self.validate(body)
        db.set_project_quotas(context, body)
        # what is stored now: exactly what the body says
        document = {'quotas': [
            _project(item['project_id'], {q['quota_name']: q['quota_value']
                                          for q in item['project_quotas']})
            for item in sorted(body, key=lambda i: i['project_id'])]}
        self.notifier.quotas(context, document)
        return document

    def list_all(self, context):
        """Every project's own quotas and the configured ones (admin)."""
        context.can(rules.LIST_ALL_QUOTAS)
        stored = db.get_all(context)
        return {'quotas': [_project(p, q) for p, q in sorted(stored.items())],
                'global_quotas': self.global_quotas()}

    def list_project(self, context, project_id=None):
        """A project's effective quotas: the configured ones overlaid with
        the project's own. Another project's: admin only."""
        project_id = project_id or context.project_id
        if not project_id:
            raise exception.Forbidden('Anonymous users have no quotas')
        context.can(rules.LIST_PROJECT_QUOTAS, {'project_id': project_id,
                                                'owner': project_id})
        effective = self.global_quotas()
        effective.update(db.get_project(context, project_id))
        return [_project(project_id, effective)]


def _project(project_id, quotas):
    return {'project_id': project_id,
            'project_quotas': [{'quota_name': n, 'quota_value': v}
                               for n, v in sorted(quotas.items())]}
