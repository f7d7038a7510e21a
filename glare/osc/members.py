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

"""``openstack artifact member add|list|show|set|delete``.

The members of a shared artifact (API microversion 1.2): the projects an
owner shares it with, each ``pending`` until that project accepts or
rejects it. The requests go through a keystoneauth adapter on the session
python-glareclient's plugin was given (the same token, endpoint, region
and interface), made to hand back error responses instead of raising, so
that the API's own message reaches the user.

An artifact is named as in python-glareclient's commands: by id (``--id``
says it is one; without it, a value shaped like an id is tried as one
first), else by name and ``--artifact-version`` (default ``latest``, the
highest version of that name). Name lookups include shared artifacts of
any member status, so that a project can accept an invitation by the
artifact's name; when several artifacts of others and one's own match,
the command lists them and asks for an id.
"""

import logging
import re
from urllib import parse

from glareclient.osc.v1 import TypeMapperAction
from keystoneauth1 import adapter
from osc_lib.command import command
from osc_lib import exceptions

LOG = logging.getLogger(__name__)

STATUSES = ('accepted', 'rejected', 'pending')
#: the member document, in the order a one-row result shows it
MEMBER_FIELDS = ('artifact_id', 'type_name', 'member', 'status',
                 'created_at', 'updated_at')
#: the columns of ``member list``
LIST_FIELDS = ('member', 'status', 'created_at', 'updated_at')
#: how many artifacts of one name a lookup reads to tell they are several
NAME_LOOKUP_LIMIT = 20
_ID_SHAPE = re.compile(r'^[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}$')
_MAX_TEXT_ERROR = 500


def _quote(value):
    return parse.quote(value, safe='')


def _artifact_path(type_name, artifact_id=None):
    path = '/artifacts/%s' % _quote(type_name)
    return path + ('/%s' % _quote(artifact_id) if artifact_id else '')


def _members_path(type_name, artifact_id, project=None):
    path = _artifact_path(type_name, artifact_id) + '/members'
    return path + ('/%s' % _quote(project) if project else '')


def _describe(dep):
    """One artifact named in an error body, as a line."""
    if not isinstance(dep, dict):
        return '  %s' % (dep,)
    return '  %s %s (name %s, version %s)' % (
        dep.get('type_name'), dep.get('id'), dep.get('name'),
        dep.get('version'))


def error_message(resp, hint=None):
    """What the user reads for an HTTP error response.

    The message of Glare's JSON error document, the status and the
    request id, worded as the OpenStack client words the errors of
    python-glareclient's commands ("... (HTTP 404) (Request-ID: req-...)");
    then the artifacts a 409 names (``dependencies``), one a line, and the
    hint, if any.
    """
    try:
        doc = resp.json()
    except ValueError:
        doc = None
    message = None
    if isinstance(doc, dict):
        error = doc.get('error')
        if isinstance(error, dict):
            message = error.get('message')
        message = message or doc.get('explanation') or doc.get('title')
    if not isinstance(message, str) or not message.strip():
        text = (resp.text or '').strip()
        message = text[:_MAX_TEXT_ERROR] if text else resp.reason
    first = '%s (HTTP %d)' % (message, resp.status_code)
    request_id = resp.headers.get('x-openstack-request-id')
    if request_id:
        first += ' (Request-ID: %s)' % request_id
    lines = [first]
    deps = doc.get('dependencies') if isinstance(doc, dict) else None
    if isinstance(deps, list) and deps:
        lines.append('Linked artifacts the member could not read:')
        lines.extend(_describe(dep) for dep in deps)
        if hint:
            lines.append(hint)
    return '\n'.join(lines)


class Api:
    """Glare's HTTP API through the OpenStack client's session."""

    def __init__(self, client):
        http = client.http_client
        session = getattr(http, 'session', None)
        if session is None:
            raise exceptions.CommandError(
                'The artifact client has no keystoneauth session; these '
                'commands run under the openstack command only')
        self.adapter = adapter.Adapter(
            session=session, auth=http.auth,
            service_type=http.service_type or 'artifact',
            service_name=http.service_name, interface=http.interface,
            region_name=http.region_name,
            endpoint_override=http.endpoint_override,
            user_agent=http.user_agent,
            global_request_id=http.global_request_id,
            raise_exc=False)

    def call(self, method, path, body=None, params=None, allow=(),
             hint=None):
        """The response; a CommandError for an error status not in allow.
        """
        kwargs = {'headers': {'Accept': 'application/json'},
                  'raise_exc': False}
        if body is not None:
            kwargs['json'] = body
        if params:
            kwargs['params'] = params
        resp = self.adapter.request(path, method, **kwargs)
        if resp.status_code >= 400 and resp.status_code not in allow:
            raise exceptions.CommandError(error_message(resp, hint))
        return resp

    def document(self, method, path, **kwargs):
        """The JSON document a successful request answers with."""
        resp = self.call(method, path, **kwargs)
        try:
            return resp.json()
        except ValueError as exc:
            raise exceptions.CommandError(
                '%s %s answered %d with a body that is not JSON' % (
                    method, path, resp.status_code)) from exc

    def artifact_id(self, type_name, ref, version=None, by_id=False):
        """The id of the artifact ref names (see the module's docstring)."""
        if by_id:
            return ref
        not_found = None
        if version is None and _ID_SHAPE.match(ref):
            not_found = self.call('GET', _artifact_path(type_name, ref),
                                  allow=(404,))
            if not_found.status_code != 404:
                return ref
        return self._id_by_name(type_name, ref, version or 'latest',
                                not_found)

    def _id_by_name(self, type_name, name, version, not_found=None):
        # not the API's version=latest: it keeps one artifact per name,
        # hiding others' of the same name and version
        params = {'name': 'eq:' + name, 'member_status': 'all',
                  'sort': 'version:desc', 'limit': NAME_LOOKUP_LIMIT}
        if version != 'latest':
            params['version'] = 'eq:' + version
        found = self.document('GET', _artifact_path(type_name),
                              params=params).get('artifacts') or []
        if found and version == 'latest':
            found = [af for af in found
                     if af.get('version') == found[0].get('version')]
        if not found and not_found is not None:
            # shaped like an id and no artifact's name: the API's 404
            raise exceptions.CommandError(error_message(not_found))
        if not found:
            raise exceptions.CommandError(
                'Artifact with name=%s and version=%s not found.' % (
                    name, version))
        if len(found) > 1:
            rows = ['  %s (owner %s, visibility %s%s)' % (
                af.get('id'), af.get('owner'), af.get('visibility'),
                ', type %s' % af.get('type_name') if type_name == 'all'
                else '') for af in found]
            raise exceptions.CommandError(
                'More than one artifact has name=%s and version=%s; give '
                'the id of one of them:\n%s' % (name, version,
                                                '\n'.join(rows)))
        return found[0]['id']


def _member_row(doc):
    return MEMBER_FIELDS, tuple(doc.get(name) for name in MEMBER_FIELDS)


class _MemberCommand:
    """The arguments naming the artifact (and the member project, when
    project_help says what it is), shared by every command."""

    artifact_help = 'Name or id of the artifact.'
    project_help = 'Id of the member project.'

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        self.add_artifact_arguments(parser)
        if self.project_help:
            parser.add_argument('project', metavar='<PROJECT_ID>',
                                help=self.project_help)
        return parser

    def add_artifact_arguments(self, parser):
        parser.add_argument(
            'type_name', metavar='<TYPE_NAME>', action=TypeMapperAction,
            help='Name of artifact type.')
        parser.add_argument(
            'name', metavar='<ARTIFACT>', help=self.artifact_help)
        parser.add_argument(
            '--artifact-version', '-V', metavar='<VERSION>', default=None,
            help='Version of the artifact, when it is named by name '
                 '(default: latest).')
        parser.add_argument(
            '--id', '-i', action='store_true',
            help='<ARTIFACT> is an id: no lookup by name.')

    def resolve(self, parsed_args):
        """(Api, the artifact's id) for the parsed arguments."""
        api = Api(self.app.client_manager.artifact)
        return api, api.artifact_id(
            parsed_args.type_name, parsed_args.name,
            parsed_args.artifact_version, parsed_args.id)


class AddMember(_MemberCommand, command.ShowOne):
    """Share an artifact with a project (the artifact must be shared)"""

    artifact_help = 'Name or id of the artifact to share.'
    project_help = 'Id of the project to add.'

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--with-dependencies', action='store_true',
            help='Also share with the project the artifacts this one '
                 'links to that it could not read and you own (each '
                 'private one becomes shared).')
        return parser

    def take_action(self, parsed_args):
        LOG.debug('take_action(%s)', parsed_args)
        api, af_id = self.resolve(parsed_args)
        params = ({'with_dependencies': 'true'}
                  if parsed_args.with_dependencies else None)
        hint = (None if parsed_args.with_dependencies else
                'Add --with-dependencies to share those you own as well.')
        doc = api.document(
            'POST', _members_path(parsed_args.type_name, af_id),
            body={'member': parsed_args.project}, params=params, hint=hint)
        return _member_row(doc)


class ListMembers(_MemberCommand, command.Lister):
    """List the members of an artifact (a member sees only itself)"""

    project_help = None

    def take_action(self, parsed_args):
        LOG.debug('take_action(%s)', parsed_args)
        api, af_id = self.resolve(parsed_args)
        doc = api.document('GET', _members_path(parsed_args.type_name,
                                                af_id))
        headers = [name.capitalize().replace('_', ' ')
                   for name in LIST_FIELDS]
        rows = [tuple(member.get(name) for name in LIST_FIELDS)
                for member in doc.get('members') or []]
        return headers, rows


class ShowMember(_MemberCommand, command.ShowOne):
    """Show one member of an artifact"""

    def take_action(self, parsed_args):
        LOG.debug('take_action(%s)', parsed_args)
        api, af_id = self.resolve(parsed_args)
        return _member_row(api.document('GET', _members_path(
            parsed_args.type_name, af_id, parsed_args.project)))


class SetMember(_MemberCommand, command.ShowOne):
    """Accept, reject or reset a membership (as the member project)"""

    def get_parser(self, prog_name):
        parser = super().get_parser(prog_name)
        parser.add_argument(
            '--status', required=True, choices=STATUSES,
            help='The new status: accepted lists the artifact in the '
                 "member's default lists, rejected and pending do not.")
        return parser

    def take_action(self, parsed_args):
        LOG.debug('take_action(%s)', parsed_args)
        api, af_id = self.resolve(parsed_args)
        return _member_row(api.document(
            'PUT', _members_path(parsed_args.type_name, af_id,
                                 parsed_args.project),
            body={'status': parsed_args.status}))


class DeleteMember(_MemberCommand, command.Command):
    """Remove a member (the owner), or leave a shared artifact (the
    member)"""

    def take_action(self, parsed_args):
        LOG.debug('take_action(%s)', parsed_args)
        api, af_id = self.resolve(parsed_args)
        api.call('DELETE', _members_path(parsed_args.type_name, af_id,
                                         parsed_args.project))
