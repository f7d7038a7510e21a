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

"""The dependents query: one statement, through the property index."""


from glare.db import links
from glare.tests.unit.db import test_query_plan

FIELDS = {'sample_artifact': ['dict_of_links', 'link1', 'list_of_links'],
          'murano_packages': ['dependencies']}
LINK = '/artifacts/murano_packages/0b5ad3a6-5d4e-4b43-9d89-0b3b1b3c9a11'


class TestDependentsQuery(test_query_plan.SQLitePlanTest):

    def test_properties_by_index_artifacts_by_id(self):
        plan = self.plan(links.dependents_query(
            [LINK, LINK.upper()], FIELDS, 'x', 10))
        props = [p for p in plan if 'glare_artifact_properties' in p]
        self.assertEqual(1, len(props), plan)
        self.assertIn('ix_glare_prop_name_string (name=? AND string_value=?)',
                      props[0])
        artifacts = [p for p in plan if 'glare_artifacts ' in p + ' ']
        self.assertEqual(1, len(artifacts), plan)
        self.assertIn('(id=?)', artifacts[0], plan)

    def test_long_links_are_looked_up_where_they_are_stored(self):
        long_link = '/artifacts/%s/%s' % ('t' * 250, LINK[-36:])
        sql = str(links.dependents_query([long_link], FIELDS, 'x', 10)
                  .compile(self.engine))
        self.assertIn('glare_artifact_properties.text_value IN', sql)
        sql = str(links.dependents_query([LINK], FIELDS, 'x', 10)
                  .compile(self.engine))
        self.assertIn('glare_artifact_properties.string_value IN', sql)
