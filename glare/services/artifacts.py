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

"""Artifact rules: create, show, list, update, lifecycle and delete."""

import copy
import dataclasses
import uuid

from oslo_log import log as logging

from glare.conf import artifact_type
from glare.db import api as db_api
from glare.db import artifacts as db
from glare.db import fulltext
from glare import exception
from glare import notification
from glare.objects import base
from glare.objects import registry as type_registry
from glare.objects import schema
from glare.policies import artifacts as rules
from glare import policy
from glare.services import access
from glare.services import dependents
from glare.services import etags
from glare.services import hooks
from glare.services import lifecycle
from glare.services import listing
from glare.services import patching
from glare.services import quotas
from glare.services import render
from glare.services import required_signatures
from glare.services import sharing

LOG = logging.getLogger(__name__)


#: how often a patch is read and decided again when other writes of the
#: artifact keep coming in between (each one of those wins)
_UPDATE_ATTEMPTS = 100


def _check_id(artifact_id):
    try:
        uuid.UUID(artifact_id)
    except (ValueError, TypeError, AttributeError) as exc:
        raise exception.ArtifactNotFound(id=artifact_id) from exc


class ArtifactService:
    """The domain rules for artifact metadata. No HTTP, no SQL here."""

    def __init__(self, conf, registry, trash=None, notifier=None):
        self.conf = conf
        self.registry = registry
        self.notifier = notifier or notification.Notifier()
        # glare.services.blobs.Trash: deletes the data of purged artifacts
        self.trash = trash
        #: {type name: its field declarations}, for glare.db.artifacts
        self.fields_of = {name: cls.fields for name, cls in registry.items()}
        self._schemas = {name: schema.type_schema(cls)
                         for name, cls in registry.items()}
        self.link_fields = dependents.link_fields(
            registry, skip=(type_registry.ALL,))
        self._add_format_all_keys()
        self._display_names = listing.DisplayNames(
            {name: cls.get_display_type_name()
             for name, cls in registry.concrete().items()})

    def _add_format_all_keys(self):
        # /artifacts/all shows the keys each type's format_all adds, and
        # python-glareclient looks every key it shows up in /schemas/all
        # (a KeyError in the client otherwise)
        view = self._schemas.get(type_registry.ALL)
        if view is None:
            return
        props = view['properties']
        for name, cls in self.registry.items():
            if name == type_registry.ALL:
                continue
            for key, prop in cls.extra_schema_properties().items():
                props.setdefault(key, copy.deepcopy(prop))

    # -- types -----------------------------------------------------------
    def get_type(self, type_name):
        cls = self.registry.get(type_name)
        if cls is None:
            raise exception.TypeNotFound(type_name=type_name)
        return cls

    def writable_type(self, context, type_name):
        cls = self.get_type(type_name)
        if type_name == type_registry.ALL:
            raise exception.Forbidden('Type "all" is read-only')
        if context.is_anonymous or context.read_only:
            raise exception.Forbidden('Anonymous or read-only users cannot '
                                      'modify artifacts')
        return cls

    def schemas(self, context, type_name=None):
        if type_name is None:
            context.can(rules.TYPE_LIST, {})
            return dict(self._schemas)
        self.get_type(type_name)
        context.can(rules.TYPE_GET, {'type_name': type_name})
        return {type_name: self._schemas[type_name]}

    # -- reading -----------------------------------------------------------
    @staticmethod
    def target(context, values):
        # for glare.services.blobs, until it calls policy.policy_target
        return policy.policy_target(context, values)

    @staticmethod
    def _sees(context, values):
        return access.sees(context, values)

    def load(self, context, type_name, artifact_id):
        """An artifact the caller may see, else 404."""
        self.get_type(type_name)
        _check_id(artifact_id)
        values = db.get(context, self.fields_of,
                        artifact_id.lower(),
                        None if type_name == type_registry.ALL else type_name)
        if not self._sees(context, values):
            raise exception.ArtifactNotFound(id=artifact_id)
        return values

    def show(self, context, type_name, artifact_id):
        values = self.load(context, type_name, artifact_id)
        context.can(rules.GET, policy.policy_target(context, values))
        return self.render(context, type_name, values)

    def render(self, context, type_name, values):
        cls = self.registry.get(values['type_name']) or base.BaseArtifact
        view = self.registry.get(type_registry.ALL) \
            if type_name == type_registry.ALL else None
        return etags.Document(render.artifact(context, cls, values, view),
                              etags.of(values))

    def list(self, context, type_name, params):
        return self.prepare_list(context, type_name, params)[1]()

    @staticmethod
    def listable(context, type_name):
        """Whether the policy lets the caller list the type."""
        return context.can(rules.LIST, policy.policy_target(
            context, type_name=type_name), fatal=False)

    def prepare_list(self, context, type_name, params):
        """(spec, run) of a list: the policy and the query are checked
        now (their 4xx before any database work), run() reads the page
        and returns the list body."""
        cls = self.get_type(type_name)
        context.can(rules.LIST,
                    policy.policy_target(context, type_name=type_name))
        see_all = context.can(rules.GET_ANY, policy.policy_target(
            context, owner=None, visibility='private', status='active',
            type_name=type_name),
            fatal=False) if not context.is_anonymous else False
        spec = listing.build_spec(
            cls.fields, params,
            None if type_name == type_registry.ALL else type_name,
            context.project_id, see_all, self.conf, self._display_names)
        self._check_readable(context, type_name, spec)
        if spec.marker is not None:
            try:
                spec.marker = str(uuid.UUID(spec.marker))
            except ValueError as exc:
                raise exception.BadRequest(
                    'marker must be an artifact id') from exc

        def run():
            rows, total = db.list_artifacts(context, self.fields_of, spec)
            artifacts = [self.render(context, type_name, v) for v in rows]
            body = {'type_name': type_name, 'artifacts': artifacts,
                    'total_count': total,
                    'schema': '/schemas/%s' % type_name}
            body.update(listing.page_links(type_name, params, artifacts,
                                           spec.limit))
            return body
        return spec, run

    def _check_readable(self, context, type_name, spec):
        """Filtering, sorting or searching on a field would reveal its
        values."""
        read_protected = policy.protected_fields(type_name)[0]
        if spec.text is not None:
            self._check_searchable(context, type_name, spec)
        if not read_protected:
            return
        used = {f.field for f in spec.filters} | {s.field for s in spec.sorts}
        target = policy.policy_target(
            context, owner=context.project_id, visibility='private',
            status='active', type_name=type_name)
        for name in sorted(used & set(read_protected)):
            if not policy.can_read_field(context, type_name, name, target):
                raise exception.Forbidden('You may not filter or sort on '
                                          'field %s' % name)

    def _check_searchable(self, context, type_name, spec):
        """q looks in every string field: when the caller may not read
        one of them, in those of the name, tags, keywords and description
        only (and not at all when one of these is the one)."""
        types = list(self.registry.concrete()) if type_name == \
            type_registry.ALL else [type_name]
        hidden = set()
        for name in types:
            target = policy.policy_target(
                context, owner=context.project_id, visibility='private',
                status='active', type_name=name)
            hidden.update(
                f for f in policy.protected_fields(name)[0]
                if not policy.can_read_field(context, name, f, target))
        if not hidden:
            return
        own_parts = hidden & fulltext.OWN_PART_FIELDS
        if own_parts:
            raise exception.Forbidden('You may not search: you may not '
                                      'read field %s' % sorted(own_parts)[0])
        spec.text = dataclasses.replace(spec.text, other=False)

    # -- writing -----------------------------------------------------------
    def create(self, context, type_name, body, system=None,
               artifact_id=None):
        """Create a drafted artifact from a request's body.

        Another service creating an artifact may give the values of the
        type's own system fields (system: {name: value}, e.g. images'
        converted_from) and the new artifact's id (a uuid it chose).
        """
        cls = self.writable_type(context, type_name)
        if not isinstance(body, dict):
            raise exception.BadRequest('The artifact must be a JSON object')
        context.can(rules.CREATE, policy.policy_target(
            context, type_name=type_name, owner=context.project_id))
        values = patching.create_values(context, cls, body)
        values.update(patching.system_values(cls, system or {}))
        now = db_api.now()
        values.update(id=artifact_id or str(uuid.uuid4()),
                      owner=context.project_id,
                      status='drafted', visibility='private',
                      created_at=now, updated_at=now, activated_at=None)
        # the one typed object of this artifact: both hooks get it
        artifact = cls.from_values(values)
        hooks.call(cls.pre_create_hook, context, artifact)
        values = artifact.to_values()
        db.create(context, type_name, cls.fields, values,
                  count_quota=quotas.count_quota(self.conf, self.registry,
                                                 type_name))
        values['type_name'] = type_name
        hooks.call(cls.post_create_hook, context, artifact)
        LOG.info('Artifact %s of type %s created', values['id'], type_name)
        document = self.render(context, type_name, values)
        self.notifier.artifact(context, 'create', type_name, document, cls)
        return document

    def update(self, context, type_name, artifact_id, patch, if_match=None):
        """Apply a JSON patch to the artifact as it is when it is written.

        if_match: the entity tags of an If-Match precondition, or None.
        Everything that reads the artifact to decide the change (the
        precondition, the patch, the rules, the pre-hooks) decides on the
        artifact as read, and the database writes the change only if no
        other write came in between (its revision); else it is read and
        decided again: concurrent patches of one artifact, in any API
        process, apply one after the other and none is lost.
        """
        cls = self.writable_type(context, type_name)
        _check_id(artifact_id)
        for _attempt in range(_UPDATE_ATTEMPTS):
            current = db.get(context, self.fields_of, artifact_id.lower(),
                             type_name)
            if not self._sees(context, current):
                raise exception.ArtifactNotFound(id=artifact_id)
            etags.check_if_match(if_match, current)
            changes, applied, artifact = self._changes(context, cls, current,
                                                       patch)
            if not changes:
                new, changed = current, False
                break
            if self._sharing_affected(cls, current, changes):
                sharing.check_members_follow(context, self.fields_of,
                                             dict(current, **changes))
            if current['visibility'] == 'shared' and \
                    changes.get('visibility') == 'private':
                sharing.check_dependents_keep(
                    context, self.link_fields, current,
                    sharing.member_ids(context, current['id']),
                    'Making it private')
            try:
                new = db.update_read(context, cls.fields, current, changes)
            except db.Stale:
                continue
            changed = True
            break
        else:
            raise exception.Conflict('Artifact %s kept changing while this '
                                     'change was made; retry it'
                                     % artifact_id)
        if not changed:
            return self.render(context, type_name, new)
        for name in applied:
            hooks.call(lifecycle.hook(cls, 'post', name), context, artifact)
        document = self.render(context, type_name, new)
        self.notifier.artifact(context, applied, type_name, document, cls)
        return document

    def _sharing_affected(self, cls, current, changes):
        """Whether a change may give members links they cannot follow."""
        if changes.get('visibility', current['visibility']) != 'shared':
            return False
        return 'visibility' in changes or bool(
            set(changes) & set(self.link_fields.get(cls.get_type_name(),
                                                     ())))

    def _changes(self, context, cls, current, patch):
        """({field: value}, events, artifact) of a patch; checks, pre-hooks.

        events: 'update' when fields change, then each transition's name.
        artifact: the artifact's typed object, made once and changed in place
        by the patch, the pre-hooks and the transitions: the artifact as
        it is written (None when the patch changes nothing).
        """
        target = policy.policy_target(context, current)
        change = patching.apply(context, cls, current, patch)
        if not change.fields and not change.transitions:
            return {}, [], None
        if change.fields:
            context.can(rules.UPDATE, target)
            patching.check_field_changes(context, cls, current, change)
        for t in change.transitions:
            context.can(t.rule, target)
        artifact = cls.from_values(dict(current, **change.fields))
        if change.fields:
            hooks.call(cls.pre_update_hook, context, artifact, patch)
        now = db_api.now()
        for t in change.transitions:
            t.check(cls, artifact)
            if t.name in ('activate', 'reactivate'):
                required_signatures.check_activation(
                    self.conf, cls.get_type_name(), cls, artifact)
            hooks.call(lifecycle.hook(cls, 'pre', t.name), context, artifact)
            artifact.set_values(t.changes(now))
        artifact.set_values({'updated_at': now})
        changes = {k: v for k, v in artifact.to_values().items()
                   if current.get(k) != v}
        changes['updated_at'] = now
        events = [t.name for t in change.transitions]
        if change.fields:
            events.insert(0, 'update')
        return changes, events, artifact

    def delete(self, context, type_name, artifact_id, force=False):
        """Delete an artifact; Conflict while active artifacts link to it,
        unless an admin forces it."""
        cls = self.writable_type(context, type_name)
        values = self.load(context, type_name, artifact_id)
        if values['status'] == 'deleted':
            raise exception.Forbidden('Artifact %s is already deleted' %
                                      artifact_id)
        target = policy.policy_target(context, values)
        context.can(rules.DELETE, target)
        if force and not context.can(rules.DELETE_FORCE, target,
                                     fatal=False):
            raise exception.Forbidden('Only an admin may force the delete '
                                      'of an artifact (force=true)')
        if render.blobs_saving(cls, values):
            raise exception.Conflict('A blob of artifact %s is being '
                                     'uploaded' % artifact_id)
        if not force:
            dependents.check_none(context, self.link_fields, values,
                                  access.readable)
        artifact = cls.from_values(values)
        hooks.call(cls.pre_delete_hook, context, artifact)
        if self._delayed_delete(type_name):
            db.update(context, type_name, cls.fields, values['id'], values,
                      {'status': 'deleted', 'updated_at': db_api.now()})
        else:
            self.purge(context, values['id'])
        hooks.call(cls.post_delete_hook, context, artifact)
        self.notifier.artifact(context, 'delete', type_name, lambda: (
            self.render(context, type_name, dict(values, status='deleted'))),
            cls)
        LOG.info('Artifact %s of type %s deleted', values['id'], type_name)

    def purge(self, context, artifact_id):
        """Remove an artifact's records, then the data it stored."""
        trashed = db.delete(context, artifact_id)
        if trashed and self.trash is not None:
            self.trash.empty(context, trashed)

    def _delayed_delete(self, type_name):
        return bool(artifact_type.type_option(self.conf, type_name,
                                              'delayed_delete'))
