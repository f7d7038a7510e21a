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

"""/trust/certificates[/{id}]: the trust store (API 1.5)."""

import pecan

from glare.api import method
from glare import exception

SEGMENT = 'certificates'
#: the largest POST body taken: a PEM of 64 KiB, JSON-escaped
MAX_BODY = 160 * 1024


def _service():
    return pecan.request.app_services.trust


class TrustController:
    """Dispatches on the path below /trust, answering 405 with Allow."""

    @pecan.expose()
    def _route(self, args, request=None):
        args = method.path_args(args)
        if not args or args[0] != SEGMENT or len(args) > 2:
            pecan.abort(404)
        if len(args) == 1:
            handlers = {'GET': self.list, 'POST': self.create}
        else:
            handlers = {'GET': self.show, 'DELETE': self.delete}
        verb = (request or pecan.request).method
        if verb not in handlers:
            method.not_allowed(*sorted(handlers))
        return handlers[verb], args[1:]

    @pecan.expose()
    def list(self):
        request = pecan.request
        method.no_body(request)
        params = {}
        for name, value in request.GET.items():
            if not name:
                continue  # '?&all_projects=true'
            if name in params:
                raise exception.BadRequest('%s is given more than once'
                                           % name)
            params[name] = value
        return method.json_response(_service().list(method.context(),
                                                    params))

    @pecan.expose()
    def create(self):
        body = method.bounded_json_body(pecan.request, ('application/json',),
                                        MAX_BODY)
        return method.json_response(
            _service().create(method.context(), body), 201)

    @pecan.expose()
    def show(self, entry_id):
        method.no_body(pecan.request)
        return method.json_response(_service().show(method.context(),
                                                    entry_id))

    @pecan.expose()
    def delete(self, entry_id):
        method.no_body(pecan.request)
        _service().delete(method.context(), entry_id)
        return method.json_response(None, 204)
