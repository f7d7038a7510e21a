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

"""What the API's fault middleware asks of the tiers below about a failure."""

from glare.db import api as db_api


def unavailable(exc):
    """The 503 GlareException when exc is a lost database connection that
    escaped the database layer (logged once per outage), else None."""
    if db_api.lost_connection(exc):
        return db_api.unavailable(exc)
    return None
