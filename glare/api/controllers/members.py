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

"""/artifacts/{type}/{id}/members[/{project_id}]: sharing with projects."""

from oslo_utils import strutils
import pecan

from glare.api import method
from glare import exception

SEGMENT = 'members'


def _service():
    return pecan.request.app_services.sharing


def with_dependencies_param(request):
    """?with_dependencies=true|false (absent: false), else 400."""
    values = request.GET.getall('with_dependencies')
    if not values:
        return False
    if len(values) > 1:
        raise exception.BadRequest('with_dependencies is given more than '
                                   'once')
    try:
        return strutils.bool_from_string(values[0], strict=True)
    except ValueError as exc:
        raise exception.BadRequest('with_dependencies is true or false, '
                                   'not %r' % (values[0],)) from exc


class MembersController:
    """Handlers of the member routes; ArtifactsController dispatches."""

    def handlers(self, args):
        """{method: handler} for the path args (type, id, 'members'[,
        project id]), or None when the path names no member route."""
        if len(args) == 3:
            return {'GET': self.index, 'POST': self.add}
        if len(args) == 4:
            return {'GET': self.show, 'PUT': self.update,
                    'DELETE': self.delete}
        return None

    @pecan.expose()
    def index(self, type_name, artifact_id, _segment):
        method.no_body(pecan.request)
        return method.json_response(_service().list_members(
            method.context(), type_name, artifact_id))

    @pecan.expose()
    def add(self, type_name, artifact_id, _segment):
        body = method.json_body(pecan.request, ('application/json',))
        return method.json_response(_service().add_member(
            method.context(), type_name, artifact_id, body,
            with_dependencies=with_dependencies_param(pecan.request)), 201)

    @pecan.expose()
    def show(self, type_name, artifact_id, _segment, member):
        method.no_body(pecan.request)
        return method.json_response(_service().show_member(
            method.context(), type_name, artifact_id, member))

    @pecan.expose()
    def update(self, type_name, artifact_id, _segment, member):
        body = method.json_body(pecan.request, ('application/json',))
        return method.json_response(_service().update_member(
            method.context(), type_name, artifact_id, member, body))

    @pecan.expose()
    def delete(self, type_name, artifact_id, _segment, member):
        method.no_body(pecan.request)
        _service().delete_member(method.context(), type_name, artifact_id,
                                 member)
        return method.json_response(None, 204)
