"""Notifications (glare.notification) through the in-process API.

oslo.messaging's ``test`` driver keeps what the service sends in memory;
every request goes through the whole stack (``GlareApp``).
"""

import json
import logging
import socket
import threading
import time
from unittest import mock
import uuid

import fixtures
from oslo_config import cfg
import oslo_messaging
from oslo_messaging.notify import _impl_test
import testtools

from glare.api import app as glare_app
from glare import conf as glare_conf
from glare import notification
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


def _closed_port():
    with socket.socket() as s:
        s.bind(('127.0.0.1', 0))
        return s.getsockname()[1]


class NotificationTestBase(testtools.TestCase):

    CONFIG_TEXT = TEST_DRIVER
    OVERRIDES = {}

    def setUp(self):
        super().setUp()
        # what the service logs, out of the test output
        self.log = self.useFixture(fixtures.FakeLogger(level=logging.INFO))
        _impl_test.reset()
        self.addCleanup(_impl_test.reset)
        built = []
        real_build = glare_app.build_services

        def build_services(conf):
            built.append(real_build(conf))
            return built[-1]

        self.useFixture(fixtures.MonkeyPatch(
            'glare.api.app.build_services', build_services))
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
        self.assertEqual([('artifact.create',
                           dict(doc, type_name='sample_artifact'))],
                         self.sent())
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
        for key in ('created_at', 'updated_at', 'activated_at', 'tags',
                    'metadata', 'description', 'blob'):
            self.assertIn(key, payload)
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
        self.assertEqual([('artifact.update',
                           dict(new, type_name='sample_artifact'))],
                         self.sent())
        self.assertEqual('changed', self.sent()[0][1]['str1'])

    def test_patch_changing_nothing_emits_nothing(self):
        doc = self.create(str1='same')
        self.clear()
        self.patch(doc['id'], str1='same')
        self.assertEqual([], self.sent())

    def test_activate_with_fields_emits_update_then_activate(self):
        doc = self.create()
        self.clear()
        new = self.patch(doc['id'], string_required='x', status='active')
        payload = dict(new, type_name='sample_artifact')
        self.assertEqual([('artifact.update', payload),
                          ('artifact.activate', payload)], self.sent())
        self.assertEqual('active', payload['status'])

    def test_activate_alone(self):
        doc = self.create(string_required='x')
        self.clear()
        self.patch(doc['id'], status='active')
        self.assertEqual(['artifact.activate'], self.events())

    def test_deactivate_reactivate_publish(self):
        doc = self.create(string_required='x')
        self.patch(doc['id'], status='active')
        self.clear()
        self.patch(doc['id'], headers=ADMIN, status='deactivated')
        self.patch(doc['id'], headers=ADMIN, status='active')
        self.patch(doc['id'], headers=ADMIN, visibility='public')
        sent = self.sent()
        self.assertEqual(['artifact.deactivate', 'artifact.reactivate',
                          'artifact.publish'], [e for e, _p in sent])
        self.assertEqual([('deactivated', 'private'), ('active', 'private'),
                          ('active', 'public')],
                         [(p['status'], p['visibility']) for _e, p in sent])

    def test_delete(self):
        doc = self.create(str1='bye')
        self.clear()
        self.request('DELETE', '%s/%s' % (SAMPLE, doc['id']), expect=204)
        (event, payload), = self.sent()
        self.assertEqual('artifact.delete', event)
        self.assertEqual(dict(doc, status='deleted',
                              type_name='sample_artifact'), payload)

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
        self.assertEqual(dict(new, type_name='sample_artifact'), payload)
        self.assertEqual(14, payload['blob']['size'])
        self.assertEqual('active', payload['blob']['status'])
        self.assertNotIn('some blob data', json.dumps(payload))

    def test_upload_to_folder(self):
        doc = self.create()
        self.clear()
        self.request('PUT', '%s/%s/dict_of_blobs/a/b' % (SAMPLE, doc['id']),
                     b'data', OCTETS)
        (event, payload), = self.sent()
        self.assertEqual('artifact.upload', event)
        self.assertEqual(4, payload['dict_of_blobs']['a/b']['size'])

    def test_set_location_and_delete_blob(self):
        doc = self.create()
        self.clear()
        url = 'https://203.0.113.5/data.img'
        self.request('PUT', '%s/%s/blob' % (SAMPLE, doc['id']),
                     {'url': url, 'md5': 'a' * 32}, LOCATION)
        self.request('DELETE', '%s/%s/blob' % (SAMPLE, doc['id']))
        (e1, p1), (e2, p2) = self.sent()
        self.assertEqual(('artifact.set_location', 'artifact.delete_blob'),
                         (e1, e2))
        self.assertEqual({'url': url, 'external': True, 'md5': 'a' * 32},
                         {k: p1['blob'][k] for k in ('url', 'external',
                                                     'md5')})
        self.assertIsNone(p2['blob'])

    def test_secret_payload_carries_no_secret(self):
        secret = b'TOP-SECRET-VALUE-0123456789'
        doc = self.create(SECRETS, secret_type='passphrase')
        self.request('PUT', '%s/%s/payload' % (SECRETS, doc['id']), secret,
                     OCTETS)
        self.patch(doc['id'], path=SECRETS, status='active')
        self.request('DELETE', '%s/%s' % (SECRETS, doc['id']), expect=204)
        sent = self.sent()
        self.assertEqual(['artifact.create', 'artifact.upload',
                          'artifact.activate', 'artifact.delete'],
                         [e for e, _p in sent])
        for _ctxt, message, _p, _r in _impl_test.NOTIFICATIONS:
            text = json.dumps(message, default=str)
            self.assertNotIn(secret.decode(), text)
            self.assertNotIn('VkFMVUU', text)  # nor any base64 of it
        blob = sent[1][1]['payload']
        self.assertEqual(len(secret), blob['size'])
        self.assertEqual(64, len(blob['sha256']))
        self.assertEqual('/artifacts/secrets/%s/payload' % doc['id'],
                         blob['url'])
        self.assertEqual('secrets', sent[1][1]['type_name'])


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


class TestEnabled(testtools.TestCase):

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
        self.assertEqual(11, len(notification.EVENTS))
        self.assertIn('artifact.set_quotas', notification.EVENTS)
        self.assertIn('artifact.delete_blob', notification.EVENTS)
