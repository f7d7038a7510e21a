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

"""Stars and reviews: what users think of the artifacts they can read.

A star is a user's bookmark, a review their rating (1 to 5) with an
optional plain-text comment, one of each per user and artifact. The
artifact's star_count and rating are counters on its row, kept in the
transaction of each write (glare.db.reviews). Nobody stars, reviews or
reads the reviews of an artifact they cannot see: they get the 404 of an
artifact that does not exist. A hidden review leaves the rating and the
listing of others; its author, the artifact's owner project and admins
still list it, marked "hidden": true.
"""

import uuid

from oslo_log import log as logging

from glare.db import api as db_api
from glare.db import artifacts as db_artifacts
from glare.db import reviews as db
from glare import exception
from glare.objects import registry as type_registry
from glare.policies import artifacts as artifact_rules
from glare.policies import reviews as rules
from glare import policy

LOG = logging.getLogger(__name__)

MAX_COMMENT = 4096
RATINGS = range(1, 6)
#: the artifacts' own timestamp form
TIME_FORMAT = '%Y-%m-%dT%H:%M:%SZ'


def _body(body, required, optional=()):
    """The keys of a JSON object body, else BadRequest naming what is
    wrong."""
    if not isinstance(body, dict):
        raise exception.BadRequest('The body must be a JSON object')
    extra = sorted(set(body) - set(required) - set(optional))
    if extra:
        raise exception.BadRequest(
            'Unknown key(s) in the body: %s; it holds %s' % (
                ', '.join(extra), ', '.join(
                    '"%s"' % k for k in tuple(required) + tuple(optional))))
    for key in required:
        if key not in body:
            raise exception.BadRequest('The body must hold "%s"' % key)
    return body


def rating_of(value):
    """A rating from a request: an integer 1 to 5 (not a string, a
    boolean or a number with a fraction)."""
    if isinstance(value, bool) or not isinstance(value, int) or \
            value not in RATINGS:
        raise exception.BadRequest('rating must be an integer from 1 to 5, '
                                   'not %s' % _shown(value))
    return value


def comment_of(value):
    """A comment from a request: a string of at most MAX_COMMENT
    characters, or null; kept exactly as sent."""
    if value is None:
        return None
    if not isinstance(value, str):
        raise exception.BadRequest('comment must be a string or null, not '
                                   '%s' % _shown(value))
    if len(value) > MAX_COMMENT:
        raise exception.BadRequest('comment must be at most %d characters '
                                   '(it has %d)' % (MAX_COMMENT, len(value)))
    if '\x00' in value:
        raise exception.BadRequest('comment must not hold NUL characters')
    return value


def _shown(value):
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + '...'


def review_document(row, type_name):
    """The review document of the API."""
    out = dict(row, type_name=type_name, hidden=bool(row['hidden']))
    for key in ('created_at', 'updated_at'):
        out[key] = row[key].strftime(TIME_FORMAT)
    return out


def _check_id(review_id):
    try:
        return str(uuid.UUID(review_id))
    except (ValueError, TypeError, AttributeError):
        return None


class ReviewService:
    """Stars and reviews. No HTTP, no SQL here."""

    def __init__(self, conf, artifacts, notifier):
        self.conf = conf
        self.artifacts = artifacts
        self.notifier = notifier

    # -- helpers -------------------------------------------------------------
    def _load(self, context, type_name, artifact_id, write=False):
        """The artifact the caller may see (404 otherwise, the body of a
        missing one); for a write, a caller with a user and a project."""
        if write:
            self.artifacts.writable_type(context, type_name)
            if not context.user_id:
                raise exception.Forbidden('Stars and reviews belong to a '
                                          'user: the request has none')
        values = self.artifacts.load(context, type_name, artifact_id)
        if values['status'] == 'deleted':
            raise exception.ArtifactNotFound(id=artifact_id)
        return values

    @staticmethod
    def _target(context, values, review=None):
        if review is None:
            return policy.policy_target(context, values)
        return policy.policy_target(context, values,
                                    author=review['user_id'])

    @staticmethod
    def _refused(exc, artifact_id, review_id=None):
        """The API error of a write the database refused."""
        if exc.reason == 'gone':
            return exception.ArtifactNotFound(id=artifact_id)
        if exc.reason == 'duplicate':
            return exception.Conflict(
                'You have reviewed artifact %s already: edit your review '
                '(PUT .../reviews/<review id>) instead' % artifact_id)
        return exception.NotFound('Artifact %s has no review %s' % (
            artifact_id, review_id))

    def _sees_hidden(self, context, values):
        """Whether the caller lists every hidden review (the owner
        project, admins)."""
        return bool(context.project_id) and context.can(
            rules.REVIEW_HIDE, self._target(context, values), fatal=False)

    def _visible(self, context, values, review_id):
        """A review the caller may see, else 404."""
        checked = _check_id(review_id)
        try:
            if checked is None:
                raise db.Refused('missing')
            row = db.get_review(context, values['id'], checked)
        except db.Refused as exc:
            raise self._refused(exc, values['id'], review_id) from exc
        if row['hidden'] and not (
                (context.user_id and row['user_id'] == context.user_id) or
                self._sees_hidden(context, values)):
            raise self._refused(db.Refused('missing'), values['id'], review_id)
        return row

    def _notify(self, context, event, document):
        self.notifier.review(context, event, document)

    # -- stars -------------------------------------------------------------
    def star(self, context, type_name, artifact_id):
        values = self._load(context, type_name, artifact_id, write=True)
        context.can(rules.STAR, self._target(context, values))
        try:
            db.star(context, values['id'], context.user_id, db_api.now())
        except db.Refused as exc:
            raise self._refused(exc, artifact_id) from exc

    def unstar(self, context, type_name, artifact_id):
        values = self._load(context, type_name, artifact_id, write=True)
        context.can(rules.STAR, self._target(context, values))
        try:
            db.unstar(context, values['id'], context.user_id)
        except db.Refused as exc:
            raise self._refused(exc, artifact_id) from exc

    def list_stars(self, context, limit, marker=None):
        """{"stars": [{"artifact", "starred_at"}]} of the caller's stars
        on artifacts it can read, newest first, and the page links."""
        context.can(rules.STAR_LIST, policy.policy_target(context))
        if not context.user_id or context.is_anonymous:
            raise exception.Forbidden('Anonymous users have no stars')
        if marker is not None:
            marker = _check_id(marker) or marker
        see_all = context.can(artifact_rules.GET_ANY, policy.policy_target(
            context, owner=None, visibility='private', status='active'),
            fatal=False)
        try:
            page = db.starred(context, context.user_id, context.project_id,
                              see_all, limit, marker)
        except db.Refused as exc:
            raise exception.NotFound('You have no star on artifact %s' %
                                     marker) from exc
        found = db_artifacts.get_many(context, self.artifacts.fields_of,
                                      [i for i, _at in page])
        stars = [{'artifact': self.artifacts.render(
                      context, type_registry.ALL, found[i]),
                  'starred_at': at.strftime(TIME_FORMAT)}
                 for i, at in page if i in found]
        body = {'stars': stars, 'first': '/stars' + (
            '?limit=%d' % limit if limit != self._default_limit() else '')}
        if limit and len(page) == limit:
            body['next'] = '/stars?limit=%d&marker=%s' % (limit, page[-1][0])
        return body

    def _default_limit(self):
        return min(self.conf.default_api_limit, self.conf.max_api_limit)

    def limit(self, raw):
        """The limit of a page from a query parameter (None: default)."""
        if raw is None:
            return self._default_limit()
        try:
            value = int(raw)
        except ValueError as exc:
            raise exception.BadRequest('limit must be an integer, not %r'
                                       % raw) from exc
        if value < 0:
            raise exception.BadRequest('limit must not be negative')
        return min(value, self.conf.max_api_limit)

    # -- reviews -----------------------------------------------------------
    def list_reviews(self, context, type_name, artifact_id, limit,
                     marker=None):
        values = self._load(context, type_name, artifact_id)
        context.can(rules.REVIEW_LIST, self._target(context, values))
        hidden_for = True if self._sees_hidden(context, values) else (
            context.user_id if context.project_id else None)
        try:
            rows = db.list_reviews(context, values['id'], limit,
                                   _check_id(marker) or marker
                                   if marker is not None else None,
                                   hidden_for)
        except db.Refused as exc:
            raise exception.NotFound('marker %s is no review listed for '
                                     'artifact %s' % (marker, artifact_id)
                                     ) from exc
        base = '/artifacts/%s/%s/reviews' % (type_name, values['id'])
        body = {'reviews': [review_document(r, values['type_name'])
                            for r in rows],
                'first': base + ('?limit=%d' % limit
                                 if limit != self._default_limit() else '')}
        if limit and len(rows) == limit:
            body['next'] = '%s?limit=%d&marker=%s' % (base, limit,
                                                      rows[-1]['id'])
        return body

    def show_review(self, context, type_name, artifact_id, review_id):
        values = self._load(context, type_name, artifact_id)
        context.can(rules.REVIEW_LIST, self._target(context, values))
        return review_document(self._visible(context, values, review_id),
                               values['type_name'])

    def create_review(self, context, type_name, artifact_id, body):
        body = _body(body, ('rating',), ('comment',))
        rating = rating_of(body['rating'])
        comment = comment_of(body.get('comment'))
        values = self._load(context, type_name, artifact_id, write=True)
        context.can(rules.REVIEW_CREATE, self._target(context, values))
        now = db_api.now()
        review = {'id': str(uuid.uuid4()), 'artifact_id': values['id'],
                  'user_id': context.user_id,
                  'project_id': context.project_id, 'rating': rating,
                  'comment': comment, 'hidden': False, 'created_at': now,
                  'updated_at': now}
        try:
            row = db.add_review(context, review)
        except db.Refused as exc:
            raise self._refused(exc, artifact_id) from exc
        document = review_document(row, values['type_name'])
        self._notify(context, 'create', document)
        return document

    def update_review(self, context, type_name, artifact_id, review_id,
                      body):
        """Replace the caller's own review's rating and comment."""
        body = _body(body, ('rating',), ('comment',))
        changes = {'rating': rating_of(body['rating']),
                   'comment': comment_of(body.get('comment'))}
        values = self._load(context, type_name, artifact_id, write=True)
        row = self._visible(context, values, review_id)
        context.can(rules.REVIEW_UPDATE, self._target(context, values, row))
        changes['updated_at'] = db_api.now()
        return self._write(context, values, row, changes, 'update')

    def hide_review(self, context, type_name, artifact_id, review_id, body):
        """Hide or show a review again (the artifact's owner, admins)."""
        hidden = _body(body, ('hidden',))['hidden']
        if not isinstance(hidden, bool):
            raise exception.BadRequest('hidden must be true or false, not '
                                       '%s' % _shown(hidden))
        values = self._load(context, type_name, artifact_id, write=True)
        row = self._visible(context, values, review_id)
        context.can(rules.REVIEW_HIDE, self._target(context, values, row))
        return self._write(context, values, row, {'hidden': hidden},
                           'update')

    def _write(self, context, values, row, changes, event):
        try:
            _before, after = db.update_review(context, values['id'],
                                              row['id'], changes)
        except db.Refused as exc:
            raise self._refused(exc, values['id'], row['id']) from exc
        document = review_document(after, values['type_name'])
        self._notify(context, event, document)
        return document

    def delete_review(self, context, type_name, artifact_id, review_id):
        values = self._load(context, type_name, artifact_id, write=True)
        row = self._visible(context, values, review_id)
        context.can(rules.REVIEW_DELETE, self._target(context, values, row))
        try:
            before = db.delete_review(context, values['id'], row['id'])
        except db.Refused as exc:
            raise self._refused(exc, values['id'], review_id) from exc
        self._notify(context, 'delete',
                     review_document(before, values['type_name']))
        LOG.info('Review %s of artifact %s deleted', review_id,
                 values['id'])
