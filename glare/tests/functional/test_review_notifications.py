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

"""Review notifications (API 1.6): artifact.review.create, .update and
.delete with the review document as payload, sent by a real glare-api to
the RabbitMQ at 127.0.0.1:5672; stars and refused writes send none.

Skipped, with a message, when the broker does not answer (failed with
``GLARE_TEST_REQUIRE_RABBITMQ=1``).
"""

from glare.tests.functional import base
from glare.tests.functional import test_member_notifications as members
from glare.tests.functional import test_reviews

REVIEW_EVENTS = ('artifact.review.create', 'artifact.review.update',
                 'artifact.review.delete')


class ReviewNotificationTests(members.ListenedServer,
                              test_reviews.ReviewHelpers,
                              base.FunctionalTest):
    """The review events of a running server."""

    TOPIC_NAME = 'reviews'

    def test_review_lifecycle(self):
        af = self.create()
        self.star(af['id'])
        # refused: nothing sent
        self.assertError(400, self.post_review(af['id'], {'rating': 9}))
        doc = self.review(af['id'], 4, 'fine')
        self.assertError(409, self.post_review(af['id'], {'rating': 2}))
        path = self.reviews_path(af['id'], doc['id'])
        edited = self.request('PUT', path, headers=self.user,
                              json_body={'rating': 5}).json()
        hidden = self.request('PATCH', path, headers=self.admin,
                              json_body={'hidden': True}).json()
        resp = self.delete(path, headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))

        sent = self.listener.wait_for(
            4, lambda n: n['event_type'] in REVIEW_EVENTS and
            n['payload'].get('artifact_id') == af['id'])
        self.assertEqual(['artifact.review.create', 'artifact.review.update',
                          'artifact.review.update', 'artifact.review.delete'],
                         [n['event_type'] for n in sent])
        self.assertEqual([doc, edited, hidden, hidden],
                         [n['payload'] for n in sent])
        self.assertEqual(self.project, sent[0]['_context_project_id'])
        # no star events at all
        self.assertEqual([], [n for n in self.listener.received
                              if 'star' in n['event_type']])
