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

"""/quotas and /project-quotas[/{project_id}]."""

import pecan

from glare.api import method


def _service():
    return pecan.request.app_services.quotas


def _dispatch(handlers, args):
    verb = pecan.request.method
    if verb not in handlers:
        method.not_allowed(*sorted(handlers))
    return handlers[verb], args


class QuotasController(method.LeafController):
    """PUT /quotas replaces projects' quotas; GET /quotas lists them all."""

    @pecan.expose()
    def index(self):
        # pecan sends /quotas straight here, around _route
        handler, _args = _dispatch({'GET': self.list_all, 'PUT': self.set},
                                   [])
        return handler()

    def list_all(self):
        method.no_body(pecan.request)
        return method.json_response(_service().list_all(method.context()))

    def set(self):
        body = method.json_body(pecan.request, ('application/json',))
        return method.json_response(_service().set(method.context(), body))


class ProjectQuotasController:
    """GET /project-quotas[/{project_id}]: effective quotas of a project."""

    @pecan.expose()
    def _route(self, args, request=None):
        args = method.path_args(args)
        if len(args) > 1:
            pecan.abort(404)
        return _dispatch({'GET': self.show}, args)

    @pecan.expose()
    def index(self):
        # pecan sends /project-quotas straight here, around _route
        handler, _args = _dispatch({'GET': self.show}, [])
        return handler()

    @pecan.expose()
    def show(self, project_id=None):
        method.no_body(pecan.request)
        return method.json_response(_service().list_project(
            method.context(), project_id))
