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

"""What Glare changes in pecan's behaviour, each change in one named place.

Three are subclasses or hooks through pecan's public interfaces
(``Request``, ``ErrorsHook``, the ``Pecan`` arguments); two reach into
its internals (``Pecan._handle_empty_response_body`` and
``pecan.util._getargspec``): glare/tests/unit/test_library_compat.py fails
when a pecan release changes what these two rely on, and requirements.txt
caps pecan at the versions checked.
"""

import functools

import pecan
from pecan import util as pecan_util
from webob import acceptparse
import webob.exc


class Request(pecan.Request):
    """pecan's request without what pecan must not do for Glare.

    The controllers read their bodies themselves (glare.api.method) and
    Accept only selects the API version (done before pecan), so pecan must
    neither negotiate a content type on Accept (it answered 406 to any
    Accept it did not know, the version media types included) nor parse
    bodies into controller arguments (a deeply nested JSON body was a 500).
    """

    @property
    def accept(self):
        return acceptparse.create_accept_header(None)

    @property
    def json(self):
        raise ValueError('controllers parse their own bodies')

    @property
    def params(self):
        return self.GET


class ErrorsHook(pecan.hooks.PecanHook):
    """pecan's own HTTP errors (no route, undecodable query) leave as
    exceptions, so that the fault middleware renders them as JSON."""

    def on_error(self, state, exc):
        if isinstance(exc, webob.exc.HTTPException) and exc.code >= 400:
            raise exc


def cache_controller_argspecs():
    """Inspect each controller method's signature once, not per request.

    Replaces pecan.util._getargspec (pecan.compat.getargspec, which
    pecan.util.getargspec calls for every routed method) with an LRU-cached
    wrapper of itself; safe to call more than once. pecan inspects the
    controller twice per request, building a new namedtuple class each
    time: 80 us a request, 9% of a show in cProfile. Controllers are
    long-lived objects whose signatures never change.
    """
    if not hasattr(pecan_util._getargspec, 'cache_info'):
        pecan_util._getargspec = functools.lru_cache(maxsize=1024)(
            pecan_util._getargspec)


class Pecan(pecan.Pecan):
    """pecan, leaving response statuses to the controllers.

    Overrides pecan.Pecan._handle_empty_response_body(state), which
    pecan's __call__ runs on every response: pecan turns a 200 without a
    body into a 204, and to find out whether a body is empty it read it: a
    whole blob download went into memory (a 300 MB download took a worker
    from 111 MB to 687 MB), an empty blob answered 204. The controllers
    say 204 themselves when they mean it (glare.api.method.json_response).
    """

    def _handle_empty_response_body(self, state):
        pass


def make_app(root, hooks):
    """The pecan application of root with hooks, and Glare's changes."""
    cache_controller_argspecs()
    return Pecan(root, hooks=list(hooks) + [ErrorsHook()],
                 request_cls=Request,
                 force_canonical=False,
                 guess_content_type_from_ext=False)
