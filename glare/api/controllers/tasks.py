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

"""/tasks[/{id}], and the blob actions that start a task
(POST /artifacts/{type}/{id}/{field}[/{key}]/{action})."""

import pecan

from glare.api import method
from glare import exception

#: POST .../{field}[/{key}]/{action} → handler(type_name, artifact_id,
#: field_name, key): the blob actions ArtifactsController dispatches
#: (each answers 202 with accepted(task document))
BLOB_ACTIONS = {}


def _services():
    return pecan.request.app_services


class _Action:
    """A blob action as the exposed controller method pecan calls."""

    def __init__(self, handler):
        self._handler = handler

    @pecan.expose()
    def post(self, type_name, artifact_id, field_name, key=None):
        return self._handler(type_name, artifact_id, field_name, key)


def blob_action(name):
    """Decorator: handler(type_name, artifact_id, field_name, key) serves
    POST /artifacts/{type}/{id}/{field}[/{key}]/{name}."""
    def register(handler):
        if name in BLOB_ACTIONS:
            raise ValueError('Blob action %s is registered already' % name)
        BLOB_ACTIONS[name] = _Action(handler).post
        return handler
    return register


def accepted(document):
    """202 with a task document and its Location (/tasks/{id})."""
    resp = method.json_response(document, 202)
    resp.headers['Location'] = '%s/tasks/%s' % (
        pecan.request.application_url, document['id'])
    return resp


def _one(request, name):
    values = request.GET.getall(name)
    if len(values) > 1:
        raise exception.BadRequest('%s is given more than once' % name)
    return values[0] if values else None


@blob_action('import')
def import_blob(type_name, artifact_id, field_name, key=None):
    """POST .../{field}[/{key}]/import {"url", "sha256"?}: 202 + task."""
    body = method.json_body(pecan.request, ('application/json',))
    return accepted(_services().url_import.request(
        method.context(), type_name, artifact_id, field_name, key, body))


class TasksController:
    """GET /tasks, GET and DELETE /tasks/{id}."""

    @pecan.expose()
    def _route(self, args, request=None):
        request = request or pecan.request
        args = method.path_args(args)
        if not args:
            handlers = {'GET': self.index}
        elif len(args) == 1:
            handlers = {'GET': self.show, 'DELETE': self.cancel}
        else:
            pecan.abort(404)
        if request.method not in handlers:
            method.not_allowed(*sorted(handlers))
        return handlers[request.method], args

    @pecan.expose()
    def index(self):
        request = pecan.request
        # pecan sends /tasks straight here, around _route
        method.get_only(request)
        unknown = sorted(set(request.GET) - {'status', 'limit', 'marker'})
        if unknown:
            raise exception.BadRequest(
                'Unknown query parameter(s): %s; this list takes status, '
                'limit and marker' % ', '.join(unknown))
        return method.json_response(_services().tasks.list(
            method.context(), status=_one(request, 'status'),
            limit=_one(request, 'limit'), marker=_one(request, 'marker')))

    @pecan.expose()
    def show(self, task_id):
        method.no_body(pecan.request)
        return method.json_response(_services().tasks.show(
            method.context(), task_id))

    @pecan.expose()
    def cancel(self, task_id):
        method.no_body(pecan.request)
        return method.json_response(_services().tasks.cancel(
            method.context(), task_id), 202)
