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

"""The [catalog] options."""

from glare.conf import opts
from glare.tests import base


class CatalogOptionsTest(base.TestCase):

    def test_defaults(self):
        conf = self.useFixture(base.ConfigFixture()).conf
        self.assertTrue(conf.catalog.enabled)
        self.assertEqual('Glare artifact catalog', conf.catalog.title)

    def test_listed_for_the_sample(self):
        listed = {str(group): {o.name for o in group_opts}
                  for group, group_opts in opts.list_opts()}
        self.assertEqual({'enabled', 'title'}, listed['catalog'])
