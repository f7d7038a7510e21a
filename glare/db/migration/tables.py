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

"""What the migrations after 0001 share: the options of a new table.

Kept apart from glare.db.models on purpose: a migration must make the
same table whatever the models say later.
"""


def table_args(bind):
    """MySQL options of a new table: the artifacts table's own collation
    (0001 picks a no-pad binary one where the server has it), which the
    columns of a foreign key to it must share."""
    args = {'mysql_engine': 'InnoDB', 'mysql_charset': 'utf8mb4',
            'mysql_collate': 'utf8mb4_bin'}
    if bind.dialect.name in ('mysql', 'mariadb'):
        collation = bind.exec_driver_sql(
            "SELECT TABLE_COLLATION FROM information_schema.TABLES WHERE "
            "TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'glare_artifacts'"
        ).scalar()
        if collation:
            args['mysql_collate'] = collation
    return args
