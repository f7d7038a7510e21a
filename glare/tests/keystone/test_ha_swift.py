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

"""Three API nodes behind HAProxy on glance_store's swift driver.

The HA tests of the functional suite (glare/tests/functional/test_ha.py)
with the store the issue names: a real Swift behind this run's Keystone
(test_store_swift's single-tenant set-up: the data in the service
project's account), the nodes with ``auth_strategy = keystone`` on one
PostgreSQL database, Keystone tokens through the balancer. Uploads above
4 "MB" are written as Swift segments and a DLO manifest, so the node
killed in the middle of an upload has left segments, which the survivors'
clean-up must delete.
"""

from glare.tests.functional import test_ha
from glare.tests.keystone import base as ks_base
from glare.tests.keystone import test_store_swift


class KeystoneSwiftClusterTest(test_store_swift.KeystoneSwiftMixin,
                               ks_base.KeystoneTest, test_ha.ClusterTest):
    """KeystoneTest's set-up, with ClusterTest's cluster in place of its
    one server (the Swift store is in CONFIG: STORE 'configured')."""

    BACKEND = 'postgresql'
    STORE = 'configured'
    # glance_store's units: 1 "MB" = 1024000 bytes
    LARGE_OBJECT_SIZE = 4
    CHUNK_SIZE = 1
    EXTRA_CONFIG = {'DEFAULT': {'stale_upload_timeout':
                                str(test_ha.STALE)}}

    def store_files(self):
        return sorted(self.objects())


class SwiftSharedStateTests(test_ha.SharedStateTests,
                            KeystoneSwiftClusterTest):
    pass


class SwiftNodeFailureTests(test_ha.NodeFailureTests,
                            KeystoneSwiftClusterTest):
    pass


class SwiftExactAcrossNodesTests(test_ha.ExactAcrossNodesTests,
                                 KeystoneSwiftClusterTest):
    pass
