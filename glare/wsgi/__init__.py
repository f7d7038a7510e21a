"""The API of one process (build) for glare-api and external WSGI servers."""

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
    """The clean-up thread of a serving process (see start_clean_up)."""
    return composition.start_clean_up(api.services)
