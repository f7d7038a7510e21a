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

"""POST /artifacts/images/{id}/image/convert: 202 and a task."""

import pecan

from glare.api.controllers import tasks as task_api
from glare.api import method


@task_api.blob_action('convert')
def convert(type_name, artifact_id, field_name, key=None):
    """{"disk_format": ...}: a task that makes the converted image."""
    body = method.json_body(pecan.request, ('application/json',))
    return task_api.accepted(pecan.request.app_services.conversion.request(
        method.context(), type_name, artifact_id, field_name, key, body))
