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

"""Every logger at DEBUG: requests still answer, and the log holds no
traceback (a policy check logged from inside the log formatter recursed)."""

from glare.tests.functional import base
from glare.tests.functional import test_blobs

# every logger the service or its libraries write to, at DEBUG, the way an
# operator turns debugging on for all of them
LOGGERS = ('amqp', 'boto', 'sqlalchemy', 'suds', 'oslo.messaging',
           'oslo_messaging', 'iso8601', 'requests', 'urllib3',
           'websocket', 'keystonemiddleware', 'keystoneauth', 'routes',
           'stevedore', 'taskflow', 'oslo.cache', 'oslo_cache',
           'oslo_policy', 'oslo_db', 'oslo_context', 'oslo_config',
           'oslo_middleware', 'oslo_concurrency', 'alembic', 'pecan',
           'glance_store', 'glare', 'gunicorn', 'dogpile', 'py.warnings')
ANONYMOUS = {'X-Identity-Status': 'Confirmed', 'X-User-Id': 'nobody'}


@base.with_backends
class DebugLoggingTests(test_blobs.BlobMixin):

    CONFIG = {'DEFAULT': {
        'debug': 'True',
        'allow_anonymous_access': 'True',
        'default_log_levels': ','.join('%s=DEBUG' % name
                                       for name in LOGGERS)}}

    def setUp(self):
        super().setUp()
        self.other = self.auth(self.new_project())

    def assertNo5xx(self, resp):
        self.assertLess(resp.status_code, 500, base.brief(resp))
        return resp

    def assertCleanLog(self):
        log = self.server.log_tail(size=200 * 1024 * 1024)
        for needle in ('RecursionError', 'Traceback', 'Unexpected error'):
            at = log.find(needle)
            self.assertEqual(-1, at, log[max(0, at - 2000):at + 2000])

    def test_debug_lines_are_written(self):
        # the setting took effect: the policy library's own debug lines
        # are in the log (the ones that used to recurse)
        self.create()
        log = self.server.log_tail(size=200 * 1024 * 1024)
        for needle in ('DEBUG oslo_policy', 'DEBUG sqlalchemy',
                       'DEBUG glance_store'):
            self.assertTrue(needle in log, 'no %r in the log' % needle)

    def test_every_caller_every_call(self):
        callers = {'owner': self.user, 'other': self.other,
                   'admin': self.admin, 'anonymous': ANONYMOUS}
        af = self.create(string_required='r')
        url = self.url(af['id'])
        for who, headers in callers.items():
            with self.subTest(caller=who):
                created = self.assertNo5xx(self.post(
                    self.url(), {'name': self.unique()}, headers=headers))
                self.assertNo5xx(self.get(self.url(), headers=headers))
                self.assertNo5xx(self.get(self.url(type_name='all'),
                                          headers=headers))
                self.assertNo5xx(self.get(url, headers=headers))
                self.assertNo5xx(self.patch(url, [
                    {'op': 'add', 'path': '/tags/-', 'value': who}],
                    headers=headers))
                self.assertNo5xx(self.put_data(af['id'], 'blob',
                                               b'data of ' + who.encode(),
                                               headers=headers))
                self.assertNo5xx(self.download(af['id'], 'blob',
                                               headers=headers))
                self.assertNo5xx(self.get('/schemas/sample_artifact',
                                          headers=headers))
                if created.status_code == 201:
                    self.assertNo5xx(self.delete(
                        self.url(created.json()['id']), headers=headers))
        # what each caller may do still holds
        shown = self.show(af['id'])
        self.assertEqual(['admin', 'owner'], sorted(shown['tags']))
        self.assertEqual(b'data of admin',
                         self.download(af['id'], 'blob').content)
        self.assertError(404, self.get(url, headers=self.other))
        self.assertError(403, self.post(self.url(), {'name': 'x'},
                                        headers=ANONYMOUS))
        self.assertCleanLog()

    def test_public_artifact_lifecycle(self):
        af = self.create(string_required='r')
        self.upload(af['id'], 'blob', b'public data')
        self.activate(af['id'])
        self.publish(af['id'])
        for headers in (self.other, ANONYMOUS):
            self.assertEqual(b'public data', self.download(
                af['id'], 'blob', headers=headers).content)
            self.assertEqual(af['id'], self.show(af['id'],
                                                 headers=headers)['id'])
        self.assertEqual('deactivated', self.set_values(
            af['id'], headers=self.admin, status='deactivated')['status'])
        resp = self.delete(self.url(af['id']), headers=self.admin)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertCleanLog()
