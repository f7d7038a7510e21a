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

"""Sharing an artifact with named projects: its members and their answers.

Members exist on shared artifacts. A member of any status may read the
artifact; its status (pending, accepted, rejected) only decides whether
the artifact is in the member's default lists. Sharing is link-aware: a
project never becomes a member of an artifact whose dependencies it could
not read.
"""

import re

from oslo_log import log as logging

from glare.db import api as db_api
from glare.db import members as db
from glare import exception
from glare.policies import members as rules
from glare import policy
from glare.services import access
from glare.services import closure
from glare.services import dependents

LOG = logging.getLogger(__name__)

STATUSES = db.STATUSES
MAX_MEMBER_LEN = 255
#: a project id: no whitespace, no control characters
_MEMBER_ID = re.compile(r'[^\s\x00-\x1f\x7f-\x9f]+')
#: dependencies named in one refusal
SHOWN = 25
#: the artifacts' own timestamp form
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


def member_id(value):
    """A member project id from a request, else BadRequest."""
    if not isinstance(value, str) or not value:
        raise exception.BadRequest('member must be a non-empty string: the '
                                   'id of a project')
    if len(value) > MAX_MEMBER_LEN:
        raise exception.BadRequest('member must be at most %d characters'
                                   % MAX_MEMBER_LEN)
    if not _MEMBER_ID.fullmatch(value):
        raise exception.BadRequest('member must not hold whitespace or '
                                   'control characters')
    return value


def _object(body, key, what):
    if not isinstance(body, dict):
        raise exception.BadRequest('The body must be a JSON object %s' % what)
    extra = sorted(set(body) - {key})
    if extra:
        raise exception.BadRequest('Unknown key(s) in the body: %s; it '
                                   'holds only "%s"' % (', '.join(extra),
                                                        key))
    if key not in body:
        raise exception.BadRequest('The body must hold "%s"' % key)
    return body[key]


def member_document(row, type_name):
    """The member document of the API."""
    out = dict(row, type_name=type_name)
    for key in ('created_at', 'updated_at'):
        out[key] = row[key].strftime(TIME_FORMAT)
    return {k: out[k] for k in ('artifact_id', 'type_name', 'member',
                                'status', 'created_at', 'updated_at')}


def describe(context, dep):
    """A dependency as a 409 names it: name and version only of what the
    caller may read itself."""
    out = {'type_name': dep['type_name'], 'id': dep['id']}
    if access.sees(context, dep):
        out.update(name=dep['name'], version=dep['version'])
    return out


def member_ids(context, artifact_id):
    """The projects an artifact has member rows for."""
    return [r['member'] for r in db.list_members(context, artifact_id)]


def check_members_follow(context, fields_of, values):
    """Conflict when the members of a shared artifact could not read what
    it links to (transitively), as values would have it.

    Checked when the links of a shared artifact change, and when an
    artifact becomes shared again with its member rows: no member ever
    holds an artifact whose dependencies it cannot read. Links that no
    longer resolve are not this check's concern (links.check refuses new
    ones). Three queries and the closure's.
    """
    members = member_ids(context, values['id'])
    if not members:
        return
    found, _unresolved = closure.closure(context, fields_of, values)
    shared = [i for i, d in found.items() if d['visibility'] == 'shared']
    granted = db.granted(context, shared, members)
    blocked = {}
    for dep_id, dep in sorted(found.items()):
        for member in members:
            if not access.project_could_read(dep, member,
                                             (dep_id, member) in granted):
                blocked.setdefault(dep_id, []).append(member)
    if not blocked:
        return
    named = [dict(describe(context, found[i]),
                  members=blocked[i]) for i in sorted(blocked)]
    exc = exception.Conflict(
        'Artifact %s is shared with projects that could not read artifacts '
        'it would link to: %s. Share those with them first' % (
            values['id'], ', '.join(
                '%s/%s (%s)' % (d['type_name'], d['id'],
                                ', '.join(d['members'][:SHOWN]))
                for d in named[:SHOWN])))
    exc.body_extra = {'dependencies': named}
    raise exc


def check_dependents_keep(context, link_fields, values, members, action):
    """Conflict when members would lose an artifact that shared artifacts
    they are members of link to.

    action: what is refused, in words ("Removing project X", "Making it
    private"). The caller fixes those dependents first (their members or
    links); the member itself may always leave.
    """
    rows, total = dependents.shared_with(context, link_fields, values,
                                         members)
    if not total:
        return
    shown = access.readable(context, rows)
    text = ', '.join('%s/%s (%s %s)' % (r['type_name'], r['id'], r['name'],
                                        r['version']) for r in shown)
    if total > len(shown):
        text += (' and ' if shown else '') + '%d you may not see' % (
            total - len(shown))
    exc = exception.Conflict(
        '%s would break %d shared artifact%s that link%s to artifact %s for '
        'their members: %s. Remove those members or links first' % (
            action, total, '' if total == 1 else 's',
            's' if total == 1 else '', values['id'], text))
    exc.body_extra = {'dependents': [dependents.describe(r) for r in shown],
                      'dependents_count': total}
    raise exc


class SharingService:
    """Members of shared artifacts. No HTTP, no SQL here."""

    def __init__(self, conf, artifacts, notifier, validator=None):
        self.conf = conf
        self.artifacts = artifacts
        self.notifier = notifier
        # glare.services.projects.ProjectValidator, or None: no check
        self.validator = validator

    # -- helpers -------------------------------------------------------------
    def _load(self, context, type_name, artifact_id, write=False):
        if write:
            self.artifacts.writable_type(context, type_name)
        return self.artifacts.load(context, type_name, artifact_id)

    @staticmethod
    def _target(context, values, member=None):
        """The policy target; "member" only when there is one (a None
        would be compared as 'None', which an anonymous caller's project
        also reads as)."""
        if member is None:
            return policy.policy_target(context, values)
        return policy.policy_target(context, values, member=member)

    @staticmethod
    def _check_shared(values):
        if values['status'] == 'deleted':
            raise exception.Forbidden('Artifact %s is deleted' %
                                      values['id'])
        if values['visibility'] != 'shared':
            raise exception.Forbidden(
                'Artifact %s is %s: only shared artifacts have members' % (
                    values['id'], values['visibility']))

    def _visible_row(self, context, values, member):
        """The member row the caller may see, else 404 (no leak)."""
        if context.project_id and context.can(
                rules.MEMBER_LIST, self._target(context, values, member),
                fatal=False):
            rows = db.list_members(context, values['id'], member)
            if rows:
                return rows[0]
        raise exception.NotFound('Artifact %s has no member %s' % (
            values['id'], member))

    def _refused(self, exc, member):
        """The API error of a member write the database refused."""
        artifact_id = exc.artifact_id
        if exc.reason == 'gone':
            return exception.ArtifactNotFound(id=artifact_id)
        if exc.reason == 'not_shared':
            return exception.Forbidden(
                'Artifact %s is no longer shared: only shared artifacts '
                'have members' % artifact_id)
        if exc.reason == 'duplicate':
            return exception.Conflict(
                'Project %s is already a member of artifact %s' % (
                    member, artifact_id))
        if exc.reason == 'too_many':
            return exception.RequestEntityTooLarge(
                'Artifact %s has the most members allowed (%d, [sharing] '
                'max_members_per_artifact)' % (
                    artifact_id, self.conf.sharing.max_members_per_artifact))
        return exception.NotFound('Artifact %s has no member %s' % (
            artifact_id, member))

    # -- reading -------------------------------------------------------------
    def list_members(self, context, type_name, artifact_id):
        values = self._load(context, type_name, artifact_id)
        project = context.project_id
        rows = None
        if project and context.can(rules.MEMBER_LIST,
                                   self._target(context, values),
                                   fatal=False):
            rows = db.list_members(context, values['id'])
        elif project and context.can(
                rules.MEMBER_LIST, self._target(context, values, project),
                fatal=False):
            # a member sees its own row only
            rows = db.list_members(context, values['id'], project) or None
        if rows is None:
            raise exception.Forbidden('Only the owner of artifact %s and its '
                                      'members may list its members'
                                      % values['id'])
        return {'members': [member_document(r, values['type_name'])
                            for r in rows]}

    def show_member(self, context, type_name, artifact_id, member):
        values = self._load(context, type_name, artifact_id)
        return member_document(self._visible_row(context, values, member),
                               values['type_name'])

    # -- writing -------------------------------------------------------------
    def add_member(self, context, type_name, artifact_id, body,
                   with_dependencies=False):
        member = member_id(_object(body, 'member', '{"member": '
                                   '"<project id>"}'))
        values = self._load(context, type_name, artifact_id, write=True)
        context.can(rules.MEMBER_ADD, self._target(context, values, member))
        self._check_shared(values)
        if member == values['owner']:
            raise exception.BadRequest(
                'Project %s owns artifact %s: it cannot be a member of it'
                % (member, values['id']))
        if self.validator is not None:
            self.validator.check(context, member)
        share_first, also = self._dependencies(context, values, member,
                                               with_dependencies)
        now = db_api.now()
        try:
            row = db.add(context, values['id'], member, now,
                         self.conf.sharing.max_members_per_artifact,
                         share_first=[d['id'] for d in share_first],
                         also=[d['id'] for d in also])
        except db.Refused as exc:
            raise self._refused(exc, member) from exc
        document = member_document(row, values['type_name'])
        self._notify_dependencies(context, member, now, share_first, also)
        self.notifier.member(context, 'create', document)
        LOG.info('Artifact %s shared with project %s', values['id'], member)
        return document

    def update_member(self, context, type_name, artifact_id, member, body):
        status = _object(body, 'status', '{"status": "accepted|rejected|'
                                         'pending"}')
        if status not in STATUSES:
            raise exception.BadRequest('status must be one of %s, not %r' % (
                ', '.join(STATUSES), status))
        values = self._load(context, type_name, artifact_id, write=True)
        self._visible_row(context, values, member)
        context.can(rules.MEMBER_UPDATE, self._target(context, values,
                                                      member))
        self._check_shared(values)
        try:
            row = db.set_status(context, values['id'], member, status,
                                db_api.now())
        except db.Refused as exc:
            raise self._refused(exc, member) from exc
        document = member_document(row, values['type_name'])
        self.notifier.member(context, 'update', document)
        return document

    def delete_member(self, context, type_name, artifact_id, member):
        values = self._load(context, type_name, artifact_id, write=True)
        row = self._visible_row(context, values, member)
        context.can(rules.MEMBER_DELETE, self._target(context, values,
                                                      member))
        if member != context.project_id and \
                values['visibility'] == 'shared':
            check_dependents_keep(context, self.artifacts.link_fields,
                                  values, [member],
                                  'Removing project %s' % member)
        try:
            db.remove(context, values['id'], member)
        except db.Refused as exc:
            raise self._refused(exc, member) from exc
        self.notifier.member(context, 'delete',
                             member_document(row, values['type_name']))
        LOG.info('Project %s is no longer a member of artifact %s',
                 member, values['id'])

    # -- link-aware sharing --------------------------------------------------
    def _dependencies(self, context, values, member, with_dependencies):
        """([private ones to share], [shared ones]) of the artifacts the
        new member could not read that values links to, transitively.

        Conflict naming them without with_dependencies, or naming those
        the caller may not share (or that no longer resolve) with it.
        """
        found, unresolved = closure.closure(context,
                                            self.artifacts.fields_of, values)
        if unresolved:
            self._conflict(context, values, [], unresolved)
        granted = db.granted(context, [
            i for i, d in found.items() if d['visibility'] == 'shared'],
            [member])
        missing = [d for i, d in sorted(found.items())
                   if not access.project_could_read(d, member,
                                                    (i, member) in granted)]
        if not missing:
            return [], []
        if not with_dependencies:
            self._conflict(context, values, missing, [], member=member)
        refused = [d for d in missing if not self._may_share(context, d)]
        if refused:
            self._conflict(context, values, refused, [], member=member,
                           owned=False)
        return ([d for d in missing if d['visibility'] == 'private'],
                [d for d in missing if d['visibility'] == 'shared'])

    @staticmethod
    def _may_share(context, dep):
        if dep['visibility'] not in ('private', 'shared') or \
                dep['status'] == 'deleted':
            return False
        return context.can(rules.MEMBER_ADD,
                           policy.policy_target(context, dep), fatal=False)

    def _conflict(self, context, values, deps, unresolved, member=None,
                  owned=True):
        named = [describe(context, d) for d in deps] + [
            {'type_name': u.type_name, 'id': u.id, 'unresolved': True,
             'linked_from': '%s (field %s)' % (u.from_id, u.field)}
            for u in unresolved]
        text = ', '.join(
            '%s/%s%s' % (d['type_name'], d['id'],
                         ' (%s %s)' % (d['name'], d['version'])
                         if 'name' in d else '')
            for d in named[:SHOWN])
        if len(named) > SHOWN:
            text += ' and %d more' % (len(named) - SHOWN)
        if unresolved:
            why = ('Artifact %s links to artifacts that no longer resolve: '
                   '%s. Fix its links before sharing it' % (values['id'],
                                                             text))
        elif owned:
            why = ('Project %s could not read artifacts that artifact %s '
                   'needs: %s. Share them too (?with_dependencies=true '
                   'shares those you own)' % (member, values['id'], text))
        else:
            why = ('Artifact %s needs artifacts that project %s could not '
                   'read and that you may not share: %s' % (
                       values['id'], member, text))
        exc = exception.Conflict(why)
        exc.body_extra = {'dependencies': named}
        raise exc

    def _notify_dependencies(self, context, member, now, share_first, also):
        for dep in share_first:
            self.notifier.artifact(
                context, 'share', dep['type_name'],
                lambda d=dep: self.artifacts.render(
                    context, d['type_name'],
                    dict(d, visibility='shared', updated_at=now)),
                self.artifacts.registry.get(dep['type_name']))
        for dep in list(share_first) + list(also):
            self.notifier.member(context, 'create', member_document(
                {'artifact_id': dep['id'], 'member': member,
                 'status': 'pending', 'created_at': now, 'updated_at': now},
                dep['type_name']))
