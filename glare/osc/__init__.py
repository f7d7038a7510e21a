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

"""OpenStack client commands for Glare features python-glareclient lacks.

The ``openstack artifact ...`` commands come from python-glareclient's
plugin; the commands here join them in its ``openstack.artifact.v1``
entry-point group (setup.cfg) and speak through the session that plugin
already built, so they need no login of their own. They come with Glare's
``osc`` extra (``pip install glare[osc]``); nothing in the service imports
this package, and it imports nothing from the service.
"""
