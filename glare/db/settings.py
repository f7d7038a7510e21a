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

"""Settings: named values the deployment keeps (one row each)."""

from oslo_db import exception as db_exc
import sqlalchemy as sa

from glare.db import api
from glare.db import models

SETTINGS = models.Setting.__table__


@api.reader
def get(context, conn, name):
    """The value of a setting, or None."""
    return conn.execute(sa.select(SETTINGS.c.value).where(
        SETTINGS.c.name == name)).scalar()


@api.writer
def _insert(context, session, name, value):
    session.execute(SETTINGS.insert().values(name=name, value=value))


def keep(context, name, value):
    """The setting's value: the one stored, else value, stored now. Two
    nodes that race each store theirs; one insert wins and both return
    its value."""
    stored = get(context, name)
    if stored is not None:
        return stored
    try:
        _insert(context, name, value)
    except db_exc.DBDuplicateEntry:
        pass
    return get(context, name)
