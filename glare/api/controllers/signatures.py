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

"""/artifacts/{type}/{id}/signatures/{field}[/{key}]: signing a blob."""

import pecan

from glare.api import method
from glare.common import crypto
from glare.services import signatures

SEGMENT = 'signatures'
#: the media types a signature comes in: the raw form, a Sigstore bundle
RAW_TYPE = 'application/json'
BODY_TYPES = (RAW_TYPE, crypto.SIGSTORE_MEDIA_TYPE)
#: the largest body taken (a bundle with a few transparency log entries
#: is a few KiB)
MAX_BODY = 64 * 1024


def _service():
    return pecan.request.app_services.signatures


class SignaturesController:
    """Handlers of the signature routes; ArtifactsController dispatches."""

    def handlers(self, args):
        """{method: handler} for the path args (type, id, 'signatures',
        field[, key...]), or None when the path names no signature
        route."""
        if len(args) < 4:
            return None
        return {'PUT': self.sign}

    @pecan.expose()
    def sign(self, type_name, artifact_id, _segment, field_name, key=None):
        request = pecan.request
        body = method.bounded_json_body(request, BODY_TYPES, MAX_BODY)
        form = signatures.SIGSTORE if (request.content_type or '').lower() \
            == crypto.SIGSTORE_MEDIA_TYPE else signatures.RAW
        return method.json_response(_service().sign(
            method.context(), type_name, artifact_id, field_name,
            key or None, body, form))
