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

"""/artifacts/{type}/pull and /artifacts/{type}/{id}/push: federation."""

import pecan

from glare.api import method
from glare import exception

PULL = 'pull'
PUSH = 'push'


def _service():
    return pecan.request.app_services.federation


def _body(request):
    """The JSON body; 400 for any query parameter (what to do is in the
    body: a parameter would be a typo that changes nothing)."""
    names = sorted({name for name in request.GET if name})
    if names:
        raise exception.BadRequest(
            'Unknown query parameter(s) %s; this request takes a JSON body '
            'only' % ', '.join(repr(n) for n in names))
    return method.json_body(request, ('application/json',))


class FederationRoutesController:
    """Handlers of the pull and push routes; ArtifactsController
    dispatches."""

    def handlers(self, args):
        """{method: handler} for the path args (type, 'pull', or type,
        id, 'push'), or None when the path names neither."""
        if len(args) == 2 and args[1] == PULL:
            return {'POST': self.pull}
        if len(args) == 3 and args[2] == PUSH:
            return {'POST': self.push}
        return None

    @pecan.expose()
    def pull(self, type_name, _segment):
        body = _body(pecan.request)
        return method.json_response(_service().pull(
            method.context(), type_name, body))

    @pecan.expose()
    def push(self, type_name, artifact_id, _segment):
        body = _body(pecan.request)
        return method.json_response(_service().push(
            method.context(), type_name, artifact_id, body))
