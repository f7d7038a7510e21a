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

"""Glare, the OpenStack artifact repository."""

# First, so that no library import warns before the filter is in place.
from glare.common import warnings_filter as _warnings_filter

_warnings_filter.install()

try:
    # oslo.messaging pulls in oslo.service, whose default backend is
    # eventlet; Glare runs on native threads, so pick that backend first.
    from oslo_service import backend as _service_backend
    _service_backend.register_backend_default_hook(
        lambda: _service_backend.BackendType.THREADING)
except ImportError:  # oslo.service absent: nothing will ask for eventlet
    pass
