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

"""Member notifications (CATALOG §1): artifact.member.create, .update and
.delete, their payload (the member document) and envelope, sent by a real
glare-api to the RabbitMQ at 127.0.0.1:5672 and read back by a consumer
on a queue of the test's own, bound to the notification exchange.

Skipped, with a message, when the broker does not answer (failed with
``GLARE_TEST_REQUIRE_RABBITMQ=1``).
"""

import json
import socket
import time
import uuid

import kombu

from glare.tests.functional import base
from glare.tests.functional import test_notifications
from glare.tests.functional import test_sharing

AMQP_URL = test_notifications.AMQP_URL
WAIT = test_notifications.WAIT
MEMBER_EVENTS = ('artifact.member.create', 'artifact.member.update',
                 'artifact.member.delete')


class Listener:
    """A consumer on an exclusive queue bound to the exchange the
    notifications of topic go to (routing key '<topic>.info', as
    oslo.messaging sends them); messages arrive as the broker pushes them.
    """

    def __init__(self, exchange, topic):
        self.conn = kombu.Connection(AMQP_URL, connect_timeout=5)
        self.channel = self.conn.channel()
        # the exchange as oslo.messaging declares it (amqp_durable_queues
        # and amqp_auto_delete at their defaults): the same declaration
        # from both sides is no conflict
        self.exchange = kombu.Exchange(exchange, type='topic',
                                       durable=False, auto_delete=False)
        self.queue = kombu.Queue(
            'glare-ft-listener-%s' % uuid.uuid4().hex,
            exchange=self.exchange, routing_key=topic + '.info',
            durable=False, auto_delete=True, exclusive=True)
        self.consumer = kombu.Consumer(self.channel, queues=[self.queue],
                                       on_message=self._on_message)
        self.consumer.consume()
        self.received = []

    def _on_message(self, message):
        envelope = json.loads(message.body)
        self.received.append(json.loads(envelope['oslo.message']))
        message.ack()

    def wait_for(self, count, match):
        """The first count notifications for which match(n) holds, in the
        order they were sent; fails after WAIT seconds."""
        deadline = time.monotonic() + WAIT
        while True:
            found = [n for n in self.received if match(n)]
            if len(found) >= count:
                return found[:count]
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError('%d notification(s) within %ss, %d '
                                     'expected: %s' % (
                                         len(found), WAIT, count,
                                         [n['event_type'] for n in found]))
            try:
                self.conn.drain_events(timeout=min(left, 1.0))
            except socket.timeout:
                pass

    def close(self, topic):
        try:
            self.consumer.cancel()
            channel = self.conn.channel()
            # oslo.messaging's own queue for the topic, and the exchange
            # of this class
            channel.queue_delete(topic + '.info')
            channel.exchange_delete(self.exchange.name)
        except Exception:
            pass  # cleanup of a broker that went away
        self.conn.release()


class ListenedServer:
    """A class's own server (SQLite) that sends its notifications to a
    RabbitMQ topic of the class, listened to from before the server
    starts, so that nothing it sends is missed; TOPIC_NAME names it."""

    BACKEND = 'sqlite'
    TOPIC_NAME = None

    @classmethod
    def setUpClass(cls):
        test_notifications.require_rabbitmq(cls())
        cls.TOPIC = 'glare_ft_%s_%s' % (cls.TOPIC_NAME, uuid.uuid4().hex)
        cls.EXCHANGE = 'glare_ft_%s' % uuid.uuid4().hex
        cls.CONFIG = {
            'DEFAULT': {'control_exchange': cls.EXCHANGE},
            'oslo_messaging_notifications': {
                'driver': 'messagingv2',
                'transport_url': test_notifications.TRANSPORT_URL,
                'topics': cls.TOPIC}}
        cls.listener = Listener(cls.EXCHANGE, cls.TOPIC)
        cls.addClassCleanup(cls.listener.close, cls.TOPIC)
        super().setUpClass()


class MemberNotificationTests(ListenedServer, test_sharing.SharingHelpers,
                              base.FunctionalTest):
    """The member events of a running server."""

    TOPIC_NAME = 'members'

    def setUp(self):
        super().setUp()
        self.member = self.new_project('m')
        self.member_h = self.auth(self.member)

    def events(self, count, artifact_id=None, member=None):
        """The first count member events about the artifact (and member)."""
        def match(n):
            payload = n.get('payload') or {}
            return (n['event_type'] in MEMBER_EVENTS and
                    (artifact_id is None or
                     payload.get('artifact_id') == artifact_id) and
                    (member is None or payload.get('member') == member))
        return self.listener.wait_for(count, match)

    def assertEnvelope(self, notification, headers, resp):
        self.assertEqual('artifact', notification['publisher_id'])
        self.assertEqual('INFO', notification['priority'])
        self.assertEqual(self.project_of(headers),
                         notification['_context_project_id'])
        self.assertIsNone(notification['_context_auth_token'])
        self.assertEqual(resp.headers['x-openstack-request-id'],
                         notification['_context_request_id'])

    def test_member_lifecycle(self):
        af = self.shared()
        steps = []  # (event, payload expected, headers, response)
        resp = self.post_member(af['id'], self.member)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        steps.append(('create', resp.json(), self.user, resp))
        for status, headers in (('accepted', self.member_h),
                                ('rejected', self.admin),
                                ('pending', self.member_h)):
            resp = self.put_status(af['id'], self.member, status, headers)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            steps.append(('update', resp.json(), headers, resp))
        # the member leaves: the payload is the row as it was
        last = steps[-1][1]
        resp = self.delete(self.members_path(af['id'], self.member),
                           headers=self.member_h)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        steps.append(('delete', last, self.member_h, resp))
        # the owner removes another
        other = self.new_project('o')
        resp = self.post_member(af['id'], other)
        steps.append(('create', resp.json(), self.user, resp))
        resp = self.delete(self.members_path(af['id'], other),
                           headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        steps.append(('delete', steps[-1][1], self.user, resp))

        sent = self.events(len(steps), af['id'])
        self.assertEqual(['artifact.member.' + s[0] for s in steps],
                         [n['event_type'] for n in sent])
        for (_event, payload, headers, resp), n in zip(steps, sent,
                                                       strict=True):
            self.assertEqual(payload, n['payload'])
            self.assertEnvelope(n, headers, resp)
        self.assertEqual(['pending', 'accepted', 'rejected', 'pending',
                          'pending', 'pending', 'pending'],
                         [n['payload']['status'] for n in sent])

    def test_payload_is_the_member_document(self):
        af = self.shared()
        doc = self.add_member(af['id'], self.member)
        (sent,) = self.events(1, af['id'], self.member)
        self.assertEqual(test_sharing.MEMBER_KEYS, set(sent['payload']))
        self.assertEqual(doc, sent['payload'])
        self.assertEqual(base.SAMPLE, sent['payload']['type_name'])
        # no artifact fields, no token
        text = json.dumps(sent)
        self.assertNotIn(af['name'], text)
        self.assertNotIn(self.user['X-Auth-Token'], text)

    def test_failed_operations_send_nothing(self):
        af = self.shared({self.member: 'accepted'})
        stranger = self.auth(self.new_project('s'))
        failures = [
            (409, self.post_member(af['id'], self.member)),
            (400, self.post_member(af['id'], self.project)),
            (400, self.post_member(af['id'], '')),
            (403, self.post_member(af['id'], self.new_project(),
                                   self.member_h)),
            (404, self.post_member(af['id'], self.new_project(), stranger)),
            (400, self.put_status(af['id'], self.member, 'approved',
                                  self.member_h)),
            (403, self.put_status(af['id'], self.member, 'pending',
                                  self.user)),
            (404, self.put_status(af['id'], self.member, 'pending',
                                  stranger)),
            (404, self.delete(self.members_path(af['id'], self.member),
                              headers=stranger)),
            (404, self.delete(self.members_path(af['id'],
                                                self.new_project()),
                              headers=self.user)),
        ]
        for code, resp in failures:
            self.assertError(code, resp)
        # a link-aware refusal writes nothing, so says nothing
        dep = self.create()
        linked = self.shared(link1=self.link(dep['id']))
        self.assertError(409, self.post_member(linked['id'], self.member))
        # and neither does the round trip shared -> private -> shared
        self.set_values(af['id'], visibility='private')
        self.share(af['id'])
        # a last operation that succeeds: everything before it was sent
        marker = self.new_project('marker')
        self.add_member(af['id'], marker)
        sent = self.events(3, af['id'])
        self.assertEqual(
            [('artifact.member.create', self.member),
             ('artifact.member.update', self.member),
             ('artifact.member.create', marker)],
            [(n['event_type'], n['payload']['member']) for n in sent])
        self.assertEqual([], [n for n in self.listener.received
                              if n['event_type'] in MEMBER_EVENTS and
                              n['payload'].get('artifact_id') in (
                                  linked['id'], dep['id'])])

    def test_with_dependencies_one_event_per_artifact(self):
        deep = self.create()
        dep = self.create(link1=self.link(deep['id']))
        af = self.shared(list_of_links=[self.link(dep['id'])])
        resp = self.post_member(af['id'], self.member,
                                query='with_dependencies=true')
        self.assertEqual(201, resp.status_code, base.brief(resp))
        for artifact_id in (af['id'], dep['id'], deep['id']):
            (sent,) = self.events(1, artifact_id, self.member)
            self.assertEqual('artifact.member.create', sent['event_type'])
            shown = self.get(self.members_path(artifact_id, self.member),
                             headers=self.user)
            self.assertEqual(200, shown.status_code, base.brief(shown))
            self.assertEqual(shown.json(), sent['payload'])
            self.assertEnvelope(sent, self.user, resp)
        # exactly one each: the events of a later request come after
        marker = self.new_project('marker')
        self.add_member(af['id'], marker, query='with_dependencies=true')
        for artifact_id in (af['id'], dep['id'], deep['id']):
            self.events(1, artifact_id, marker)
        creates = [n['payload']['artifact_id'] for n in self.listener.received
                   if n['event_type'] == 'artifact.member.create' and
                   n['payload'].get('member') == self.member]
        self.assertEqual(sorted([af['id'], dep['id'], deep['id']]),
                         sorted(creates))

    def test_deleting_the_artifact(self):
        af = self.shared({self.member: 'accepted'})
        resp = self.delete(self.url(af['id']), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        # the artifact's own event is sent; the member rows go with it
        (sent,) = self.listener.wait_for(1, lambda n: (
            n['event_type'] == 'artifact.delete' and
            n['payload'].get('id') == af['id']))
        self.assertEqual('shared', sent['payload']['visibility'])

    def test_visibility_events(self):
        af = self.create(string_required='r')
        steps = [(self.user, 'shared', 'artifact.share'),
                 (self.user, 'private', 'artifact.unshare'),
                 (self.user, 'community', 'artifact.communitize'),
                 (self.admin, 'shared', 'artifact.decommunitize')]
        self.activate(af['id'])
        for headers, visibility, _event in steps:
            self.set_values(af['id'], headers=headers, visibility=visibility)
        names = [s[2] for s in steps]
        sent = self.listener.wait_for(len(steps), lambda n: (
            n['event_type'] in names and
            n['payload'].get('id') == af['id']))
        self.assertEqual(names, [n['event_type'] for n in sent])
        self.assertEqual([s[1] for s in steps],
                         [n['payload']['visibility'] for n in sent])
        # a dependency shared on the way says so too
        dep = self.create()
        linked = self.shared(link1=self.link(dep['id']))
        self.add_member(linked['id'], self.member,
                        query='with_dependencies=true')
        (sent,) = self.listener.wait_for(1, lambda n: (
            n['event_type'] == 'artifact.share' and
            n['payload'].get('id') == dep['id']))
        self.assertEqual(('shared', self.project),
                         (sent['payload']['visibility'],
                          sent['payload']['owner']))
