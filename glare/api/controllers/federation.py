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

"""GET /federation: this catalog's cloud_id and its upstreams' names."""

import pecan

from glare.api import method
from glare.policies import federation as rules


class FederationController(method.LeafController):

    @pecan.expose()
    def index(self):
        request = pecan.request
        method.get_only(request)
        context = method.context()
        context.can(rules.FEDERATION_SHOW, {})
        services = request.app_services
        return method.json_response({
            'cloud_id': services.identity.cloud_id(),
            'max_hops': services.upstreams.max_hops,
            # names and what they allow; never a URL or a credential
            'upstreams': [{'name': u.name, 'types': sorted(u.types),
                           'pull': u.pull, 'push': u.push}
                          for u in services.upstreams],
        })
