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

"""GET /catalog[...]: the pages of the web catalog and its static files.

/catalog                          home
/catalog/search?q=                search results
/catalog/types/{type}             a type's artifacts, filtered and sorted
/catalog/artifacts/{type}/{id}    an artifact
/catalog/static/{file}            CSS and JavaScript
"""

import pecan
import webob

from glare.api import method
from glare import exception
from glare.web import catalog as web_catalog
from glare.web import views

#: a page differs with the caller: caches keep one per identity
VARY = ', '.join(web_catalog.IDENTITY_HEADERS)
STATIC_CACHE = 'public, max-age=31536000, immutable'


def _catalog():
    found = getattr(pecan.request, 'web_catalog', None)
    if found is None:
        # [catalog] enabled = False: no catalog, as if the path were unknown
        pecan.abort(404)
    return found


def _read_only(request):
    _catalog()
    if request.method not in ('GET', 'HEAD'):
        method.not_allowed('GET', 'HEAD')
    method.no_body(request)


def _matches(request, etag):
    """Whether If-None-Match names etag (weakly compared) or is "*"."""
    value = request.headers.get('If-None-Match')
    if not value:
        return False
    tags = [t.strip() for t in value.split(',')]
    return '*' in tags or etag in [t[2:] if t.startswith('W/') else t
                                   for t in tags]


def _answer(request, data, content_type, etag, cache_control, vary=None):
    """The answer of a page or file, or its 304 when the visitor's copy
    is current."""
    status = 304 if _matches(request, etag) else 200
    resp = webob.Response(status=status, charset=None)
    resp.headers['Content-Type'] = content_type
    if status == 200:
        resp.body = data
    resp.headers['ETag'] = etag
    resp.headers['Cache-Control'] = cache_control
    if vary:
        resp.headers['Vary'] = vary
    for key, value in web_catalog.SECURITY_HEADERS:
        resp.headers[key] = value
    return resp


def _page(template, ctx, values):
    """A rendered page. Anonymous pages may be kept by shared caches and
    revalidated with their ETag; a signed-in caller's only by its own."""
    catalog = _catalog()
    values.setdefault('nav_types',
                      views.nav_types(pecan.request.app_services, ctx))
    html = catalog.render(template, anonymous=ctx.is_anonymous, **values)
    data = html.encode('utf-8')
    cache = 'public, no-cache' if ctx.is_anonymous else 'private, no-cache'
    return _answer(pecan.request, data, web_catalog.HTML_TYPE,
                   web_catalog.etag_of(data), cache, VARY)


class CatalogController:
    """Dispatches on the path below /catalog."""

    @pecan.expose()
    def _route(self, args, request=None):
        args = method.path_args(args)
        if not args:
            return self.home, []
        handlers = {('search', 1): self.search, ('types', 2): self.type_page,
                    ('artifacts', 3): self.artifact_page,
                    ('static', 2): self.static}
        handler = handlers.get((args[0], len(args)))
        if handler is None:
            pecan.abort(404)
        return handler, args[1:]

    @pecan.expose()
    def home(self):
        _read_only(pecan.request)
        ctx = method.context()
        return _page('home.html', ctx,
                     views.home(pecan.request.app_services, ctx))

    @pecan.expose()
    def search(self):
        _read_only(pecan.request)
        ctx = method.context()
        return _page('search.html', ctx, views.search(
            pecan.request.app_services, ctx, pecan.request.GET))

    @pecan.expose()
    def type_page(self, type_name):
        _read_only(pecan.request)
        ctx = method.context()
        return _page('type.html', ctx, views.type_page(
            pecan.request.app_services, ctx, type_name, pecan.request.GET))

    @pecan.expose()
    def artifact_page(self, type_name, artifact_id):
        _read_only(pecan.request)
        ctx = method.context()
        return _page('artifact.html', ctx, views.artifact_page(
            pecan.request.app_services, ctx, type_name, artifact_id,
            pecan.request.GET))

    @pecan.expose()
    def static(self, name):
        _read_only(pecan.request)
        found = _catalog().static.get(name)
        if found is None:
            raise exception.NotFound('The catalog has no file %s' % name)
        return _answer(pecan.request, found.data, found.content_type,
                       found.etag, STATIC_CACHE)


class CatalogHook(pecan.hooks.PecanHook):
    """Gives the catalog controller the process's Catalog (None when
    [catalog] enabled is off)."""

    def __init__(self, catalog):
        self.catalog = catalog

    def before(self, state):
        state.request.web_catalog = self.catalog
