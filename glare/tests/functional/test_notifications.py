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

"""Notifications (SPEC §2 [oslo_messaging_notifications]): a real glare-api
sends them to the RabbitMQ at 127.0.0.1:5672, read back with kombu.

The class is skipped, with a message, when that broker does not answer;
with ``GLARE_TEST_REQUIRE_RABBITMQ=1`` (CI) it fails instead.
"""

import json
import os
import time
import uuid

import amqp.exceptions
import kombu

from glare.tests.functional import base

RABBIT_HOST = '127.0.0.1:5672'
TRANSPORT_URL = 'rabbit://guest:guest@%s/' % RABBIT_HOST
AMQP_URL = 'amqp://guest:guest@%s//' % RABBIT_HOST
WAIT = 30
# the keys of the base summary (BaseArtifact.to_notification), issue 6
SUMMARY = ('id', 'name', 'version', 'type_name', 'owner', 'status',
           'visibility', 'created_at', 'updated_at', 'activated_at')


def _unreachable():
    """Why the broker cannot be used, or None."""
    try:
        with kombu.Connection(AMQP_URL, connect_timeout=3) as conn:
            conn.ensure_connection(max_retries=1)
    except Exception as exc:
        return '%s: %s' % (type(exc).__name__, exc)
    return None


def require_rabbitmq(test):
    reason = _unreachable()
    if reason and os.environ.get('GLARE_TEST_REQUIRE_RABBITMQ') == '1':
        test.fail('RabbitMQ at %s is required (GLARE_TEST_REQUIRE_RABBITMQ)'
                  ' but not reachable: %s' % (RABBIT_HOST, reason))
    if reason:
        test.skipTest('RabbitMQ at %s not reachable (user guest): %s' % (
            RABBIT_HOST, reason))


def summary(document, **changes):
    """The payload of a sample_artifact event: the base summary picked out
    of what the API answered, with type_name."""
    document = dict(document, type_name=base.SAMPLE, **changes)
    return {k: document[k] for k in SUMMARY}


class Bus:
    """The notifications of one topic, as oslo.messaging queues them:
    in the queue '<topic>.info', declared by the first notification."""

    def __init__(self, topic):
        self.queue = topic + '.info'
        self.conn = kombu.Connection(AMQP_URL, connect_timeout=5)
        self.channel = None
        self.received = []

    def _get(self):
        if self.channel is None:
            self.channel = self.conn.channel()
        try:
            message = self.channel.basic_get(self.queue, no_ack=True)
        except amqp.exceptions.NotFound:
            # nothing sent yet; the broker closed the channel
            self.channel = None
            return None
        if message is None:
            return None
        envelope = json.loads(message.body)
        return json.loads(envelope['oslo.message'])

    def wait_for(self, count, match):
        """The first count notifications for which match(n) holds, in the
        order they were sent."""
        deadline = time.monotonic() + WAIT
        while True:
            found = [n for n in self.received if match(n)]
            if len(found) >= count:
                return found[:count]
            if time.monotonic() > deadline:
                raise AssertionError('%d notification(s) within %ss, %d '
                                     'expected: %s' % (
                                         len(found), WAIT, count,
                                         [n['event_type'] for n in found]))
            message = self._get()
            if message is None:
                time.sleep(0.05)  # polling the queue; nothing to wait on
            else:
                self.received.append(message)

    def close(self):
        try:
            self.conn.channel().queue_delete(self.queue)
        except Exception:
            pass  # nothing was ever sent
        self.conn.release()


class NotificationTests(base.FunctionalTest):
    """A create → upload → activate → publish → delete flow and quotas."""

    BACKEND = 'sqlite'
    TOPIC = 'glare_ft_%s' % uuid.uuid4().hex
    CONFIG = {'oslo_messaging_notifications': {
        'driver': 'messagingv2', 'transport_url': TRANSPORT_URL,
        'topics': TOPIC}}

    @classmethod
    def setUpClass(cls):
        require_rabbitmq(cls())
        super().setUpClass()
        cls.bus = Bus(cls.TOPIC)
        cls.addClassCleanup(cls.bus.close)

    def about(self, artifact_id):
        return lambda n: n['event_type'].startswith('artifact.') and \
            n['payload'].get('id') == artifact_id

    def assertEnvelope(self, notification, project):
        self.assertEqual('artifact', notification['publisher_id'])
        self.assertEqual('INFO', notification['priority'])
        self.assertEqual(project, notification['_context_project_id'])
        self.assertIsNone(notification['_context_auth_token'])
        self.assertTrue(
            notification['_context_request_id'].startswith('req-'))

    def test_artifact_flow(self):
        created = self.create(str1='hello')
        art_id = created['id']
        data = b'notified blob data'
        resp = self.request('PUT', self.url(art_id) + '/blob',
                            headers=self.user, data=data,
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        uploaded = resp.json()
        activated = self.activate(art_id)
        published = self.publish(art_id)
        resp = self.delete(self.url(art_id), headers=self.admin)
        self.assertEqual(204, resp.status_code, base.brief(resp))

        sent = self.bus.wait_for(6, self.about(art_id))
        self.assertEqual(['artifact.create', 'artifact.upload',
                          'artifact.update', 'artifact.activate',
                          'artifact.publish', 'artifact.delete'],
                         [n['event_type'] for n in sent])
        payloads = [n['payload'] for n in sent]
        self.assertEqual([summary(created), summary(uploaded),
                          summary(activated), summary(activated),
                          summary(published),
                          summary(published, status='deleted')], payloads)
        # the summary: status, visibility and activation as they changed
        self.assertEqual(
            [('drafted', 'private'), ('drafted', 'private'),
             ('active', 'private'), ('active', 'private'),
             ('active', 'public'), ('deleted', 'public')],
            [(p['status'], p['visibility']) for p in payloads])
        self.assertIsNone(payloads[0]['activated_at'])
        self.assertIsNotNone(payloads[3]['activated_at'])
        for p in payloads:
            self.assertEqual((art_id, created['name'], '0.0.0', base.SAMPLE,
                              self.project),
                             (p['id'], p['name'], p['version'],
                              p['type_name'], p['owner']))
        # the type's own fields and blobs are not in it, blob data never
        self.assertEqual(len(data), uploaded['blob']['size'])
        for p in payloads:
            self.assertNotIn('blob', p)
            self.assertNotIn('str1', p)
        for n in sent:
            self.assertNotIn(data.decode(), json.dumps(n))
        for n in sent[:4]:
            self.assertEnvelope(n, self.project)
        admin_project = self.admin['X-Auth-Token'].split(':')[1]
        for n in sent[4:]:
            self.assertEnvelope(n, admin_project)

    def test_set_quotas(self):
        body = [{'project_id': self.project, 'project_quotas': [
            {'quota_name': 'max_artifact_number', 'quota_value': 7}]}]
        resp = self.request('PUT', '/quotas', headers=self.admin,
                            json_body=body)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        (sent,) = self.bus.wait_for(1, lambda n: (
            n['event_type'] == 'artifact.set_quotas' and
            n['payload']['quotas'][0]['project_id'] == self.project))
        self.assertEqual(resp.json(), sent['payload'])
        self.assertEqual('artifact', sent['publisher_id'])
