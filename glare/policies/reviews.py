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

"""Policy rules for stars and reviews of artifacts (API 1.6).

Each is checked once the artifact is known to be visible to the caller
(glare.services.access): nobody stars or reviews what they cannot read.
"""

from glare.policies import base

STAR = base.RULE_PREFIX + 'star'
STAR_LIST = base.RULE_PREFIX + 'star_list'
REVIEW_LIST = base.RULE_PREFIX + 'review_list'
REVIEW_CREATE = base.RULE_PREFIX + 'review_create'
REVIEW_UPDATE = base.RULE_PREFIX + 'review_update'
REVIEW_DELETE = base.RULE_PREFIX + 'review_delete'
REVIEW_HIDE = base.RULE_PREFIX + 'review_hide'

#: the target's "author": the user who wrote the review
AUTHOR = 'user_id:%(author)s'

_STAR = '/artifacts/{type_name}/{artifact_id}/star'
_REVIEWS = '/artifacts/{type_name}/{artifact_id}/reviews'
_REVIEW = _REVIEWS + '/{review_id}'

_rule = base.rule

rules = [
    _rule(STAR, base.ANYONE,
          'Star an artifact the caller can read, or remove its star.',
          [{'method': 'PUT', 'path': _STAR},
           {'method': 'DELETE', 'path': _STAR}]),
    _rule(STAR_LIST, base.ANYONE,
          "List the caller's starred artifacts.",
          [{'method': 'GET', 'path': '/stars'}]),
    _rule(REVIEW_LIST, base.ANYONE,
          'List or show the reviews of an artifact the caller can read.',
          [{'method': 'GET', 'path': _REVIEWS},
           {'method': 'GET', 'path': _REVIEW}]),
    _rule(REVIEW_CREATE, base.ANYONE,
          'Review an artifact the caller can read (one review per user).',
          [{'method': 'POST', 'path': _REVIEWS}]),
    _rule(REVIEW_UPDATE, AUTHOR,
          'Edit a review (its author).',
          [{'method': 'PUT', 'path': _REVIEW}]),
    _rule(REVIEW_DELETE, '%s or %s' % (AUTHOR, base.ADMIN),
          'Delete a review (its author, or an admin).',
          [{'method': 'DELETE', 'path': _REVIEW}]),
    _rule(REVIEW_HIDE, base.OWNER_OR_ADMIN,
          "Hide a review of an artifact or show it again (the artifact's "
          "owner project, or an admin); those it allows also see every "
          "hidden review.",
          [{'method': 'PATCH', 'path': _REVIEW}]),
]


def list_rules():
    return rules
