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

"""The deployment's cloud_id: [federation] cloud_id, else a uuid made
once and kept in the database (the same on every API node)."""

import threading
import uuid

from glare import context as glare_context
from glare.db import settings

SETTING = 'cloud_id'


class CloudIdentity:
    """cloud_id(), read from the database once per process."""

    def __init__(self, conf):
        self._value = conf.federation.cloud_id or None
        self._lock = threading.Lock()

    def cloud_id(self):
        if self._value is None:
            with self._lock:
                if self._value is None:
                    self._value = settings.keep(
                        glare_context.get_admin_context(), SETTING,
                        str(uuid.uuid4()))
        return self._value
