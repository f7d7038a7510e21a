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

"""Notifications (glare.notification) through the in-process API.

oslo.messaging's ``test`` driver keeps what the service sends in memory;
every request goes through the whole stack (``GlareApp``).
"""

import base64
import json
import logging
import os
import shutil
import socket
import tempfile
import threading
import time
from unittest import mock
import uuid

import fixtures
from oslo_config import cfg
import oslo_messaging
from oslo_messaging.notify import _impl_test

from glare import conf as glare_conf
from glare import notification
from glare.services import composition
from glare.tests import base
from glare.tests import hook_artifact
from glare.tests.unit.api import app_fixture

SAMPLE = '/artifacts/sample_artifact'
SECRETS = '/artifacts/secrets'
PATCH = {'Content-Type': 'application/json-patch+json'}
OCTETS = {'Content-Type': 'application/octet-stream'}
LOCATION = {'Content-Type':
            'application/vnd+openstack.glare-custom-location+json'}
MEMBER = {'X-Auth-Token': 'u1:p1:member'}
ADMIN = {'X-Auth-Token': 'root:admin-project:admin'}
TEST_DRIVER = '[oslo_messaging_notifications]\ndriver = test\n'
# the keys of the base summary (BaseArtifact.to_notification), issue 6
SUMMARY = ('id', 'name', 'version', 'type_name', 'owner', 'status',
           'visibility', 'created_at', 'updated_at', 'activated_at')


def summary(document, type_name='sample_artifact', **changes):
    """The base summary of an artifact, picked out of what the API answered
    (type_name added: the document of a concrete type lacks it)."""
    document = dict(document, type_name=type_name, **changes)
    return {k: document[k] for k in SUMMARY}


def _closed_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class NotificationTestBase(base.TestCase):

    CONFIG_TEXT = TEST_DRIVER
    OVERRIDES = {}

    def setUp(self):
        super().setUp()
        # what the service logs, out of the test output
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        _impl_test.reset()
        self.addCleanup(_impl_test.reset)
        built = []
        real_build = composition.build_services

        def build_services(conf):
            built.append(real_build(conf))
            return built[-1]

        self.useFixture(fixtures.MonkeyPatch(
            'glare.services.composition.build_services', build_services))
        self.app = self.useFixture(app_fixture.GlareApp(
            dict({'enabled_artifact_types': ['secrets']}, **self.OVERRIDES),
            config_text=self.CONFIG_TEXT))
        self.notifier = built[0].notifier
        self.addCleanup(self.notifier.flush)

    # -- requests ----------------------------------------------------------
    def request(self, method, path, body=None, headers=None, expect=200):
        hdrs = dict(MEMBER, **(headers or {}))
        if isinstance(body, bytes):
            data = body
        else:
            data = b'' if body is None else json.dumps(body).encode()
            if body is not None:
                hdrs.setdefault('Content-Type', 'application/json')
        resp = self.app.call(method, path, headers=hdrs, body=data)
        self.assertEqual(expect, resp.status, resp.body)
        return json.loads(resp.body) if resp.body else None

    def create(self, path=SAMPLE, **values):
        values.setdefault('name', 'art-' + uuid.uuid4().hex[:8])
        return self.request('POST', path, values, expect=201)

    def patch(self, artifact_id, headers=None, path=SAMPLE, **values):
        ops = [{'op': 'replace', 'path': '/' + k, 'value': v}
               for k, v in values.items()]
        return self.request('PATCH', '%s/%s' % (path, artifact_id), ops,
                            dict(PATCH, **(headers or {})))

    # -- what was sent -----------------------------------------------------
    def sent(self):
        """[(event_type, payload)] sent so far, in order."""
        self.assertTrue(self.notifier.flush())
        return [(m['event_type'], m['payload'])
                for _c, m, _p, _r in _impl_test.NOTIFICATIONS]

    def events(self):
        return [e for e, _p in self.sent()]

    def clear(self):
        self.assertTrue(self.notifier.flush())
        _impl_test.reset()


class TestArtifactEvents(NotificationTestBase):

    def test_create(self):
        doc = self.create(str1='hello')
        self.assertEqual([('artifact.create', summary(doc))], self.sent())
        _ctxt, message, priority, _retry = _impl_test.NOTIFICATIONS[0]
        self.assertEqual('INFO', priority)
        self.assertEqual('artifact', message['publisher_id'])

    def test_payload_is_the_artifact_summary(self):
        doc = self.create(name='summary', version='1.2')
        (_e, payload), = self.sent()
        for key, value in [('id', doc['id']), ('name', 'summary'),
                           ('version', '1.2.0'),
                           ('type_name', 'sample_artifact'),
                           ('owner', 'p1'), ('status', 'drafted'),
                           ('visibility', 'private')]:
            self.assertEqual(value, payload[key], key)
        self.assertEqual(sorted(SUMMARY), sorted(payload))
        self.assertEqual(summary(doc), payload)
        self.assertIsNone(payload['activated_at'])
        json.dumps(payload)  # what the bus carries

    def test_context_is_redacted(self):
        self.create()
        self.assertTrue(self.notifier.flush())
        ctxt, _m, _p, _r = _impl_test.NOTIFICATIONS[0]
        self.assertEqual('p1', ctxt.project_id)
        self.assertEqual('u1', ctxt.user_id)
        self.assertIsNone(ctxt.auth_token)
        self.assertTrue(ctxt.request_id.startswith('req-'))

    def test_update(self):
        doc = self.create()
        self.clear()
        new = self.patch(doc['id'], str1='changed')
        self.assertEqual([('artifact.update', summary(new))], self.sent())
        self.assertEqual('changed', new['str1'])
        self.assertNotIn('str1', self.sent()[0][1])  # not in the summary

    def test_patch_changing_nothing_emits_nothing(self):
        doc = self.create(str1='same')
        self.clear()
        self.patch(doc['id'], str1='same')
        self.assertEqual([], self.sent())

    def test_activate_with_fields_emits_update_then_activate(self):
        doc = self.create()
        self.clear()
        new = self.patch(doc['id'], string_required='x', status='active')
        payload = summary(new)
        self.assertEqual([('artifact.update', payload),
                          ('artifact.activate', payload)], self.sent())
        self.assertEqual('active', payload['status'])
        self.assertIsNotNone(payload['activated_at'])

    def test_activate_alone(self):
        doc = self.create(string_required='x')
        self.clear()
        self.patch(doc['id'], status='active')
        self.assertEqual(['artifact.activate'], self.events())

    def test_deactivate_reactivate_publish(self):
        doc = self.create(string_required='x')
        self.patch(doc['id'], status='active')
        self.clear()
        answers = [
            self.patch(doc['id'], headers=ADMIN, status='deactivated'),
            self.patch(doc['id'], headers=ADMIN, status='active'),
            self.patch(doc['id'], headers=ADMIN, visibility='public')]
        sent = self.sent()
        self.assertEqual(['artifact.deactivate', 'artifact.reactivate',
                          'artifact.publish'], [e for e, _p in sent])
        self.assertEqual([summary(a) for a in answers],
                         [p for _e, p in sent])
        self.assertEqual([('deactivated', 'private'), ('active', 'private'),
                          ('active', 'public')],
                         [(p['status'], p['visibility']) for _e, p in sent])

    def test_delete(self):
        doc = self.create(str1='bye')
        self.clear()
        self.request('DELETE', '%s/%s' % (SAMPLE, doc['id']), expect=204)
        (event, payload), = self.sent()
        self.assertEqual('artifact.delete', event)
        self.assertEqual(summary(doc, status='deleted'), payload)

    def test_failed_request_emits_nothing(self):
        doc = self.create()
        self.clear()
        self.request('POST', SAMPLE, {'name': 'x', 'status': 'active'},
                     expect=400)
        self.request('PATCH', '%s/%s' % (SAMPLE, doc['id']),
                     [{'op': 'replace', 'path': '/status',
                       'value': 'active'}], PATCH, expect=403)
        self.request('DELETE', '%s/%s' % (SAMPLE, doc['id']),
                     headers={'X-Auth-Token': 'u2:p2:member'}, expect=404)
        self.assertEqual([], self.sent())


class TestBlobEvents(NotificationTestBase):

    OVERRIDES = {'locations.verify_external': False,
                 'locations.allow_private_networks': True}

    def test_upload(self):
        doc = self.create()
        self.clear()
        new = self.request('PUT', '%s/%s/blob' % (SAMPLE, doc['id']),
                           b'some blob data', OCTETS)
        (event, payload), = self.sent()
        self.assertEqual('artifact.upload', event)
        self.assertEqual(summary(new), payload)
        self.assertEqual(14, new['blob']['size'])
        self.assertNotIn('blob', payload)  # blobs are not in the summary
        self.assertNotIn('some blob data', json.dumps(payload))

    def test_upload_to_folder(self):
        doc = self.create()
        self.clear()
        new = self.request('PUT', '%s/%s/dict_of_blobs/a/b' % (
            SAMPLE, doc['id']), b'data', OCTETS)
        self.assertEqual(4, new['dict_of_blobs']['a/b']['size'])
        self.assertEqual([('artifact.upload', summary(new))], self.sent())

    def test_set_location_and_delete_blob(self):
        doc = self.create()
        self.clear()
        url = 'https://203.0.113.5/data.img'
        located = self.request('PUT', '%s/%s/blob' % (SAMPLE, doc['id']),
                               {'url': url, 'md5': 'a' * 32}, LOCATION)
        removed = self.request('DELETE', '%s/%s/blob' % (SAMPLE, doc['id']))
        self.assertEqual(url, located['blob']['url'])
        self.assertIsNone(removed['blob'])
        self.assertEqual([('artifact.set_location', summary(located)),
                          ('artifact.delete_blob', summary(removed))],
                         self.sent())

    def test_secret_payload_carries_no_secret(self):
        secret = b'TOP-SECRET-VALUE-0123456789'
        doc = self.create(SECRETS, secret_type='passphrase')
        # base64 (payload_content_encoding), stored decoded
        uploaded = self.request('PUT', '%s/%s/payload' % (
            SECRETS, doc['id']), base64.b64encode(secret), OCTETS)
        active = self.patch(doc['id'], path=SECRETS, status='active')
        self.request('DELETE', '%s/%s' % (SECRETS, doc['id']), expect=204)
        sent = self.sent()
        self.assertEqual([
            ('artifact.create', summary(doc, 'secrets')),
            ('artifact.upload', summary(uploaded, 'secrets')),
            ('artifact.activate', summary(active, 'secrets')),
            ('artifact.delete', summary(active, 'secrets',
                                        status='deleted'))], sent)
        self.assertEqual(len(secret), uploaded['payload']['size'])
        for _ctxt, message, _p, _r in _impl_test.NOTIFICATIONS:
            self.assertNotIn('payload', message['payload'])
            text = json.dumps(message, default=str)
            self.assertNotIn(secret.decode(), text)
            self.assertNotIn('VkFMVUU', text)  # nor any base64 of it
            self.assertNotIn(base64.b64encode(secret).decode(), text)


class TestTypeSummary(NotificationTestBase):
    """A type's own to_notification shapes its payload: hook_artifact's
    adds its field str1 to the base summary."""

    HOOKS = '/artifacts/hook_artifact'
    OVERRIDES = {'custom_artifact_types_modules': [
        app_fixture.SAMPLE_MODULE, 'glare.tests.hook_artifact']}

    def setUp(self):
        super().setUp()
        hook_artifact.reset()
        self.addCleanup(hook_artifact.reset)

    def hooked(self, document, **changes):
        expected = summary(document, 'hook_artifact', **changes)
        expected['str1'] = document['str1']
        return expected

    def test_override_shapes_the_payload(self):
        doc = self.create(self.HOOKS, str1='first', int1=1)
        new = self.patch(doc['id'], path=self.HOOKS, str1='second')
        active = self.patch(doc['id'], path=self.HOOKS, status='active')
        self.request('DELETE', '%s/%s' % (self.HOOKS, doc['id']),
                     expect=204)
        sent = self.sent()
        self.assertEqual([('artifact.create', self.hooked(doc)),
                          ('artifact.update', self.hooked(new)),
                          ('artifact.activate', self.hooked(active)),
                          ('artifact.delete', self.hooked(
                              active, status='deleted'))], sent)
        self.assertEqual(['first', 'second', 'second', 'second'],
                         [p['str1'] for _e, p in sent])
        for _e, payload in sent:
            self.assertNotIn('int1', payload)  # only what the hook adds

    def test_hook_gets_the_rendered_document(self):
        seen = []
        real = hook_artifact.HookArtifact.to_notification.__func__

        def to_notification(cls, values):
            seen.append((cls, dict(values)))
            return real(cls, values)

        with mock.patch.object(hook_artifact.HookArtifact, 'to_notification',
                               classmethod(to_notification)):
            doc = self.create(self.HOOKS, str1='x')
        self.assertEqual([('artifact.create', self.hooked(doc))],
                         self.sent())
        (cls, values), = seen
        self.assertIs(hook_artifact.HookArtifact, cls)
        self.assertEqual(dict(doc, type_name='hook_artifact'), values)

    def test_other_types_keep_the_base_summary(self):
        doc = self.create(str1='hello')
        self.assertEqual([('artifact.create', summary(doc))], self.sent())

    def test_failing_hook_does_not_fail_the_request(self):
        with mock.patch.object(hook_artifact.HookArtifact, 'to_notification',
                               side_effect=RuntimeError('hook broke')):
            doc = self.create(self.HOOKS, str1='x')
        self.assertEqual([], self.sent())
        self.assertIn('Could not emit create of a hook_artifact artifact',
                      self.log.output)
        # the next notification goes out
        self.patch(doc['id'], path=self.HOOKS, str1='y')
        self.assertEqual(['artifact.update'], self.events())


class TestTypeSummaryProtected(NotificationTestBase):
    """The hook sees the document the caller is answered: a field property
    protection hides from the caller is not there for it either."""

    HOOKS = TestTypeSummary.HOOKS
    OVERRIDES = TestTypeSummary.OVERRIDES

    def setUp(self):
        policy_dir = tempfile.mkdtemp()
        self.addCleanup(shutil.rmtree, policy_dir)
        policy_file = os.path.join(policy_dir, 'policy.yaml')
        with open(policy_file, 'w') as f:
            json.dump({'artifact:property:hook_artifact.str1:read':
                       'role:admin'}, f)
        self.CONFIG_TEXT = TEST_DRIVER + (
            '[oslo_policy]\npolicy_file = %s\n' % policy_file)
        super().setUp()

    def test_hidden_field_stays_hidden(self):
        doc = self.create(self.HOOKS, str1='hidden value')
        self.assertNotIn('str1', doc)
        by_admin = self.patch(doc['id'], headers=ADMIN, path=self.HOOKS,
                              str1='seen by admin')
        self.assertEqual('seen by admin', by_admin['str1'])
        (_e1, p1), (_e2, p2) = self.sent()
        self.assertIsNone(p1['str1'])
        self.assertNotIn('hidden value', json.dumps(p1))
        self.assertEqual('seen by admin', p2['str1'])


class TestQuotaEvents(NotificationTestBase):

    def test_set_quotas(self):
        body = [{'project_id': 'p1', 'project_quotas': [
            {'quota_name': 'max_artifact_number', 'quota_value': 10}]}]
        answer = self.request('PUT', '/quotas', body, ADMIN)
        self.assertEqual([('artifact.set_quotas', answer)], self.sent())

    def test_refused_quotas_emit_nothing(self):
        self.request('PUT', '/quotas', [{'project_id': 'p1'}], ADMIN,
                     expect=400)
        self.request('PUT', '/quotas', [], MEMBER, expect=403)
        self.assertEqual([], self.sent())


class TestPublisherId(NotificationTestBase):

    CONFIG_TEXT = TEST_DRIVER + '[DEFAULT]\nglare_publisher_id = glare.h1\n'

    def test_configured_publisher_id(self):
        self.create()
        self.notifier.flush()
        self.assertEqual(['glare.h1'], [
            m['publisher_id'] for _c, m, _p, _r in _impl_test.NOTIFICATIONS])


class TestNotificationsOff(NotificationTestBase):
    """The default: no driver. Nothing is built, queued or sent."""

    CONFIG_TEXT = ''

    def _everything(self):
        doc = self.create()
        self.patch(doc['id'], string_required='x', status='active')
        self.patch(doc['id'], headers=ADMIN, visibility='public')
        self.request('PUT', '%s/%s/blob' % (SAMPLE, self.create()['id']),
                     b'data', OCTETS)
        self.request('DELETE', '%s/%s' % (SAMPLE, self.create()['id']),
                     expect=204)
        self.request('PUT', '/quotas', [{'project_id': 'p1',
                                         'project_quotas': []}], ADMIN)

    def test_no_payload_built(self):
        payload = self.useFixture(fixtures.MockPatchObject(
            notification, 'artifact_payload',
            side_effect=AssertionError('payload built'))).mock
        render = mock.Mock(side_effect=AssertionError('rendered'))
        with mock.patch.object(notification.Notifier, '_emit',
                               side_effect=AssertionError('emitted')):
            self._everything()
            self.notifier.artifact(None, 'delete', 'sample_artifact', render)
        payload.assert_not_called()
        render.assert_not_called()
        self.assertFalse(self.notifier.enabled)
        self.assertIsNone(self.notifier._notifier)  # no transport either
        self.assertIsNone(self.notifier._thread)
        self.assertEqual([], _impl_test.NOTIFICATIONS)


class TestNoopDriver(TestNotificationsOff):

    CONFIG_TEXT = '[oslo_messaging_notifications]\ndriver = noop\n'


class TestFailures(NotificationTestBase):

    def test_sending_error_does_not_fail_the_request(self):
        real_info = oslo_messaging.Notifier.info
        calls = []

        def info(notifier, ctxt, event_type, payload):
            calls.append(event_type)
            if len(calls) == 1:
                raise RuntimeError('bus on fire')
            return real_info(notifier, ctxt, event_type, payload)

        with mock.patch.object(oslo_messaging.Notifier, 'info', info):
            first = self.create(name='lost')
            self.create(name='kept')
            self.assertTrue(self.notifier.flush())
        self.assertEqual(['artifact.create'] * 2, calls)
        self.assertIn('Could not send notification artifact.create',
                      self.log.output)
        # the sender thread lives on: the second one went out
        (_e, payload), = self.sent()
        self.assertEqual('kept', payload['name'])
        self.assertNotEqual(first['id'], payload['id'])

    def test_payload_error_does_not_fail_the_request(self):
        with mock.patch.object(notification, 'artifact_payload',
                               side_effect=KeyError('oops')):
            self.create()
        self.assertEqual([], self.sent())
        self.assertIn('Could not emit create of a sample_artifact artifact',
                      self.log.output)

    def test_requests_never_wait_for_the_bus(self):
        gate = threading.Event()
        self.addCleanup(gate.set)
        with mock.patch.object(notification, 'QUEUE_SIZE', 2):
            notifier = notification.Notifier(self.app.conf)
        with mock.patch.object(notifier._notifier, 'info',
                               side_effect=lambda *a: gate.wait(30)):
            started = time.monotonic()
            for _i in range(5):
                notifier.artifact(None, 'create', 'sample_artifact',
                                  {'id': 'x'})
            self.assertLess(time.monotonic() - started, 5)
            # one is being sent, two wait: the others are dropped
            self.assertIn(notifier._dropped, (2, 3))
            self.assertIn('notification(s) dropped so far', self.log.output)
            gate.set()
            self.assertTrue(notifier.flush())


class TestBrokerDown(NotificationTestBase):
    """A real messaging driver whose broker is not there."""

    CONFIG_TEXT = ('[oslo_messaging_notifications]\n'
                   'driver = messagingv2\n'
                   'transport_url = rabbit://guest:guest@127.0.0.1:%d/\n'
                   'retry = 0\n' % _closed_port())

    def test_requests_succeed(self):
        started = time.monotonic()
        doc = self.create()
        self.patch(doc['id'], str1='still fine')
        self.request('DELETE', '%s/%s' % (SAMPLE, doc['id']), expect=204)
        self.assertLess(time.monotonic() - started, 10)
        self.assertTrue(self.notifier.flush(30))
        # oslo.messaging's driver logged each failure
        self.assertEqual(3, self.log.output.count(
            'Could not send notification to notifications'))


class TestEnabled(base.TestCase):

    def _conf(self, text):
        conf = cfg.ConfigOpts()
        glare_conf.register_opts(conf)
        path = self.useFixture(fixtures.TempDir()).join('glare.conf')
        with open(path, 'w') as f:
            f.write(text)
        conf(args=[], default_config_files=[path], default_config_dirs=[])
        return conf

    def test_drivers(self):
        for text, expected in [
                ('', []),
                ('[oslo_messaging_notifications]\ndriver = noop\n', []),
                (TEST_DRIVER, ['test']),
                ('[oslo_messaging_notifications]\ndriver = log\n'
                 'driver = noop\ndriver = messagingv2\n',
                 ['log', 'messagingv2'])]:
            conf = self._conf(text)
            self.assertEqual(expected, notification.drivers(conf), text)
            self.assertEqual(bool(expected),
                             notification.Notifier(conf).enabled, text)

    def test_without_conf(self):
        self.assertFalse(notification.Notifier().enabled)
        self.assertTrue(notification.Notifier().flush())

    def test_event_names(self):
        self.assertEqual(26, len(notification.EVENTS))
        for event in ('create', 'success', 'failure'):
            self.assertIn('task.' + event, notification.EVENTS)
        self.assertIn('artifact.set_quotas', notification.EVENTS)
        for event in ('share', 'unshare', 'communitize', 'decommunitize',
                      'member.create', 'member.update', 'member.delete',
                      'pull', 'push'):
            self.assertIn('artifact.' + event, notification.EVENTS)
        self.assertIn('artifact.delete_blob', notification.EVENTS)
