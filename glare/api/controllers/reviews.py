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

"""/artifacts/{type}/{id}/star, .../reviews[/{review_id}] and /stars."""

import pecan

from glare.api import method
from glare import exception

STAR = 'star'
REVIEWS = 'reviews'


def _service():
    return pecan.request.app_services.reviews


def _one(request, name):
    """A query parameter given at most once (None: absent), else 400."""
    values = request.GET.getall(name)
    if len(values) > 1:
        raise exception.BadRequest('%s is given more than once' % name)
    return values[0] if values else None


def _page(request):
    """(limit, marker) of a paged list; other parameters are refused."""
    unknown = sorted(set(request.GET) - {'limit', 'marker'})
    if unknown:
        raise exception.BadRequest('Unknown query parameter(s): %s; this '
                                   'list takes limit and marker' %
                                   ', '.join(unknown))
    return _service().limit(_one(request, 'limit')), _one(request, 'marker')


class StarController:
    """PUT and DELETE .../star; ArtifactsController dispatches."""

    def handlers(self, args):
        if len(args) != 3:
            return None
        return {'PUT': self.star, 'DELETE': self.unstar}

    @pecan.expose()
    def star(self, type_name, artifact_id, _segment):
        method.no_body(pecan.request)
        _service().star(method.context(), type_name, artifact_id)
        return method.json_response(None, 204)

    @pecan.expose()
    def unstar(self, type_name, artifact_id, _segment):
        method.no_body(pecan.request)
        _service().unstar(method.context(), type_name, artifact_id)
        return method.json_response(None, 204)


class ReviewsController:
    """The review routes; ArtifactsController dispatches."""

    def handlers(self, args):
        if len(args) == 3:
            return {'GET': self.index, 'POST': self.create}
        if len(args) == 4:
            return {'GET': self.show, 'PUT': self.update,
                    'PATCH': self.hide, 'DELETE': self.delete}
        return None

    @pecan.expose()
    def index(self, type_name, artifact_id, _segment):
        method.no_body(pecan.request)
        limit, marker = _page(pecan.request)
        return method.json_response(_service().list_reviews(
            method.context(), type_name, artifact_id, limit, marker))

    @pecan.expose()
    def create(self, type_name, artifact_id, _segment):
        body = method.json_body(pecan.request, ('application/json',))
        return method.json_response(_service().create_review(
            method.context(), type_name, artifact_id, body), 201)

    @pecan.expose()
    def show(self, type_name, artifact_id, _segment, review_id):
        method.no_body(pecan.request)
        return method.json_response(_service().show_review(
            method.context(), type_name, artifact_id, review_id))

    @pecan.expose()
    def update(self, type_name, artifact_id, _segment, review_id):
        body = method.json_body(pecan.request, ('application/json',))
        return method.json_response(_service().update_review(
            method.context(), type_name, artifact_id, review_id, body))

    @pecan.expose()
    def hide(self, type_name, artifact_id, _segment, review_id):
        body = method.json_body(pecan.request, ('application/json',))
        return method.json_response(_service().hide_review(
            method.context(), type_name, artifact_id, review_id, body))

    @pecan.expose()
    def delete(self, type_name, artifact_id, _segment, review_id):
        method.no_body(pecan.request)
        _service().delete_review(method.context(), type_name, artifact_id,
                                 review_id)
        return method.json_response(None, 204)


class StarsController(method.LeafController):
    """GET /stars: the caller's starred artifacts."""

    @pecan.expose()
    def index(self):
        request = pecan.request
        method.get_only(request)
        limit, marker = _page(request)
        return method.json_response(_service().list_stars(
            method.context(), limit, marker))
