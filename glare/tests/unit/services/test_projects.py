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

"""ProjectValidator without a Keystone: the disabled path, the cache, and
the 503 when Keystone cannot be reached (a closed port, a port that never
answers). Real answers of a real Keystone: glare/tests/keystone."""

import socket
import time

import fixtures

from glare import exception
from glare.services import projects
from glare.tests import base
from glare.tests.fixtures import config_files
from glare.tests.fixtures import processes

SECRET = 'validator-secret-not-in-messages'


def _password_sharing(auth_url, **extra):
    return dict({
        'validate_members': True, 'auth_type': 'v3password',
        'auth_url': auth_url, 'username': 'glare', 'password': SECRET,
        'user_domain_id': 'default', 'project_name': 'service',
        'project_domain_id': 'default'}, **extra)


class Clock:

    def __init__(self):
        self.now = 1000.0

    def __call__(self):
        return self.now


class DisabledTest(base.TestCase):

    def test_check_does_nothing(self):
        conf = self.useFixture(config_files.ConfigFile({})).conf
        validator = projects.ProjectValidator(conf)
        self.assertFalse(validator.enabled)
        for project_id in ('0' * 32, 'no-such-project', '', None):
            self.assertIsNone(validator.check(None, project_id))

    def test_no_network_even_with_credentials(self):
        # credentials for a Keystone that is not there: never asked
        conf = self.useFixture(config_files.ConfigFile({'sharing': dict(
            _password_sharing('http://127.0.0.1:%d/v3' %
                              processes.free_port()),
            validate_members=False)})).conf
        validator = projects.ProjectValidator(conf)
        self.assertIsNone(validator.session)
        self.assertIsNone(validator.check(None, 'abc'))


class RecentProjectsTest(base.TestCase):

    def setUp(self):
        super().setUp()
        self.clock = Clock()

    def test_expires(self):
        recent = projects._RecentProjects(10, 60, self.clock)
        recent.add('p1')
        self.assertIn('p1', recent)
        self.clock.now += 59.9
        self.assertIn('p1', recent)
        self.clock.now += 0.1
        self.assertNotIn('p1', recent)
        self.assertEqual(0, len(recent))

    def test_confirming_again_extends(self):
        recent = projects._RecentProjects(10, 60, self.clock)
        recent.add('p1')
        self.clock.now += 50
        recent.add('p1')
        self.clock.now += 50
        self.assertIn('p1', recent)

    def test_bounded_size_drops_least_recent(self):
        recent = projects._RecentProjects(3, 60, self.clock)
        for name in ('p1', 'p2', 'p3'):
            recent.add(name)
        recent.add('p1')  # confirmed again: now the newest
        recent.add('p4')
        self.assertEqual(3, len(recent))
        self.assertNotIn('p2', recent)
        for name in ('p1', 'p3', 'p4'):
            self.assertIn(name, recent)

    def test_zero_keeps_nothing(self):
        for size, ttl in ((0, 60), (10, 0)):
            recent = projects._RecentProjects(size, ttl, self.clock)
            recent.add('p1')
            self.assertNotIn('p1', recent)


class UnreachableTest(base.TestCase):
    """A 503 naming no credential, in bounded time, never a 500."""

    def setUp(self):
        super().setUp()
        self.log = self.useFixture(fixtures.FakeLogger(projects.__name__))

    def validator(self, auth_url, **extra):
        conf = self.useFixture(config_files.ConfigFile(
            {'sharing': _password_sharing(auth_url, **extra)})).conf
        return projects.ProjectValidator(conf)

    def assertUnavailable(self, validator, project_id='a' * 32):
        exc = self.assertRaises(exception.ServiceUnavailable,
                                validator.check, None, project_id)
        self.assertEqual(503, exc.code)
        self.assertIn('cannot be reached', str(exc))
        self.assertNotIn(SECRET, str(exc))
        self.assertNotIn(SECRET, self.log.output)
        self.assertIn('[sharing]', self.log.output)
        return exc

    def test_closed_port(self):
        port = processes.free_port()
        validator = self.validator('http://127.0.0.1:%d/v3' % port)
        self.assertUnavailable(validator)
        # not remembered: the next check asks again
        self.assertUnavailable(validator)

    def test_closed_port_generic_plugin(self):
        conf = self.useFixture(config_files.ConfigFile({
            'sharing': _password_sharing(
                'http://127.0.0.1:%d' % processes.free_port(),
                auth_type='password')})).conf
        self.assertUnavailable(projects.ProjectValidator(conf))

    def test_silent_server_times_out(self):
        # accepts connections (the kernel does, from the backlog) and
        # never answers
        silent = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.addCleanup(silent.close)
        silent.bind(('127.0.0.1', 0))
        silent.listen(16)
        validator = self.validator(
            'http://127.0.0.1:%d/v3' % silent.getsockname()[1], timeout=1)
        start = time.monotonic()
        self.assertUnavailable(validator)
        self.assertLess(time.monotonic() - start, 10)

    def test_bad_id_refused_before_asking(self):
        validator = self.validator(
            'http://127.0.0.1:%d/v3' % processes.free_port())
        for project_id in ('', None, 42):
            self.assertRaises(exception.BadRequest, validator.check, None,
                              project_id)
        self.assertEqual('', self.log.output)
