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

"""Task notifications (issue 20): task.create, task.success and
task.failure with the task document as payload, sent by a real glare-api
(its own task workers) to the RabbitMQ at 127.0.0.1:5672; a request
refused up front sends none.

Skipped, with a message, when the broker does not answer (failed with
``GLARE_TEST_REQUIRE_RABBITMQ=1``).
"""

from glare.tests.functional import base
from glare.tests.functional import test_member_notifications as members
from glare.tests.functional import test_tasks

TASK_EVENTS = ('task.create', 'task.success', 'task.failure')


class TaskNotificationTests(members.ListenedServer, test_tasks.TaskHelpers,
                            base.FunctionalTest):
    """The task events of a running server."""

    TOPIC_NAME = 'tasks'

    def events(self, count, task_id):
        return self.listener.wait_for(
            count, lambda n: n['event_type'] in TASK_EVENTS and
            n['payload'].get('id') == task_id)

    def test_success_and_failure(self):
        af = self.create()
        # refused before any task: nothing sent
        self.assertError(400, self.start_import(af['id'], 'blob', {
            'url': 'http://169.254.169.254/'}))
        created = self.imported(af['id'], 'blob', {
            'url': self.url_of('/data/1000')})
        done = self.wait_task(created['id'])
        sent = self.events(2, created['id'])
        self.assertEqual(['task.create', 'task.success'],
                         [n['event_type'] for n in sent])
        self.assertEqual(created['id'], sent[0]['payload']['id'])
        self.assertEqual('pending', sent[0]['payload']['status'])
        self.assertEqual(done, sent[1]['payload'])
        for n in sent:
            # as the caller, whose request id the task keeps
            self.assertEqual(self.project, n['_context_project_id'])
            self.assertIsNone(n['_context_auth_token'])
            self.assertEqual('INFO', n['priority'])

        failed = self.imported(af['id'], 'blob', {
            'url': self.url_of('/missing')})
        done = self.wait_task(failed['id'])
        sent = self.events(2, failed['id'])
        self.assertEqual(['task.create', 'task.failure'],
                         [n['event_type'] for n in sent])
        self.assertEqual(done, sent[1]['payload'])
        self.assertEqual('failure', done['status'])
        # the refused request: no task event but these four
        self.assertEqual(4, len([n for n in self.listener.received
                                 if n['event_type'] in TASK_EVENTS]))
