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

"""The API of one process (build) for glare-api and external WSGI servers."""

import atexit
import collections

from glare.api import app as api_app
from glare.db import api as db_api
from glare import policy
from glare.services import composition

#: what build() makes: the WSGI application and the services behind it
API = collections.namedtuple('API', 'application services')


def build(conf):
    """The composition root of an API process: everything, over conf.

    Sets up the database facade and the policy enforcer, builds the
    services and the middleware stack over them. Starts no thread: the
    process entry point calls start_background_work once it serves.
    """
    db_api.configure(conf)
    policy.init(conf)
    services = composition.build_services(conf)
    return API(api_app.build_app(conf, services), services)


def start_background_work(api):
    """The threads of a serving process: the clean-up (see
    start_clean_up), the download counts' flush and the task workers
    (composition.start_tasks: by default a thread that starts a child
    task process when there is work, see [tasks] isolation). The counts are
    written once more when the process exits (stop_background_work, or
    at interpreter exit under any WSGI server)."""
    api.services.stats.start()
    atexit.register(api.services.stats.stop)
    api.services.task_pool = composition.start_tasks(api.services)
    return composition.start_clean_up(api.services)


#: seconds a stopping worker waits for its interrupted tasks to undo
#: their work and give themselves back
TASK_STOP_TIMEOUT = 10


def stop_background_work(api):
    """Write the download counts not written yet (a stopping worker);
    returns how many were written. The tasks running in the process are
    interrupted and given back, for another worker to run at once."""
    pool = getattr(api.services, 'task_pool', None)
    if pool is not None:
        pool.stop(TASK_STOP_TIMEOUT, interrupt=True)
    return api.services.stats.stop()
