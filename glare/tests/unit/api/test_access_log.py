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

"""The access log: one line per request on glare.api.access (issue 6)."""

import functools
import json
import logging
import re

import fixtures
from oslo_config import cfg
from oslo_context import context as oslo_context
from oslo_log import formatters
from oslo_log import log as oslo_log

from glare.tests import base
from glare.tests.unit.api import app_fixture
from glare.tests.unit.api import test_keystone_auth

TYPE = 'sample_artifact'
TOKEN = 'alice:secret-project:member'
LINE = re.compile(r'^(?P<rid>\S+) (?P<method>[A-Z]+) (?P<uri>\S+) -> '
                  r'(?P<status>\d{3}|-), (?P<size>\d+|-) bytes, '
                  r'(?P<ms>\d+\.\d) ms, client (?P<client>\S+)$')


def _formatter_conf():
    # oslo.log's own formatter, stamping each line with the request id of
    # the context it finds, as the service's log does
    conf = cfg.ConfigOpts()
    oslo_log.register_options(conf)
    conf(args=[], default_config_files=[], default_config_dirs=[])
    conf.set_override('logging_context_format_string',
                      '%(request_id)s %(message)s')
    conf.set_override('logging_default_format_string', 'NONE %(message)s')
    return conf


class AccessLogMixin:

    def capture(self):
        formatter = functools.partial(formatters.ContextFormatter,
                                      config=_formatter_conf())
        self.logger = self.useFixture(fixtures.FakeLogger(
            name='glare.api.access', level=logging.INFO,
            format='%(message)s', formatter=formatter))

    def lines(self):
        out = []
        for text in self.logger.output.splitlines():
            match = LINE.match(text)
            self.assertIsNotNone(match, 'not an access line: %r' % text)
            out.append(match.groupdict())
        return out

    def assertOneLine(self, resp, method, uri, before=0):
        """The request of resp logged exactly one line, the last one."""
        lines = self.lines()
        self.assertEqual(before + 1, len(lines), self.logger.output)
        line = lines[-1]
        rid = app_fixture.header(resp, 'x-openstack-request-id')
        self.assertTrue(rid.startswith('req-'), rid)
        self.assertEqual(rid, line['rid'])
        self.assertEqual(str(resp.status), line['status'])
        self.assertEqual(str(len(resp.body)), line['size'])
        self.assertEqual((method, uri, '127.0.0.1'),
                         (line['method'], line['uri'], line['client']))
        return line


class TestAccessLog(AccessLogMixin, base.TestCase):

    def setUp(self):
        super().setUp()
        self.app = self.useFixture(app_fixture.GlareApp())
        self.capture()

    def call(self, method, path, query='', body=b'', headers=None):
        headers = dict({'X-Auth-Token': TOKEN}, **(headers or {}))
        if body:
            headers.setdefault('Content-Type', 'application/json')
        return self.app.call(method, path, query=query, headers=headers,
                             body=body)

    def test_one_line_per_request_with_its_own_id(self):
        # a context an earlier request left in this thread must not
        # stamp the line
        oslo_context.RequestContext(request_id='req-earlier',
                                    overwrite=True)
        resp = self.call('POST', '/artifacts/' + TYPE, body=b'{"name": "a"}')
        self.assertEqual(201, resp.status, resp.body)
        self.assertOneLine(resp, 'POST', '/artifacts/' + TYPE)
        resp = self.call('GET', '/artifacts/' + TYPE, query='name=a&limit=5')
        self.assertEqual(200, resp.status, resp.body)
        self.assertOneLine(resp, 'GET', '/artifacts/%s?name=a&limit=5' % TYPE,
                           before=1)
        missing = '/artifacts/%s/0b6b0ea5-1c7e-4c6e-a7b3-7b2d5f1a9c3e' % TYPE
        resp = self.call('GET', missing)
        self.assertEqual(404, resp.status, resp.body)
        self.assertOneLine(resp, 'GET', missing, before=2)
        ids = [line['rid'] for line in self.lines()]
        self.assertEqual(3, len(set(ids)), ids)
        self.assertNotIn('req-earlier', ids)

    def test_public_paths(self):
        resp = self.call('GET', '/versions')
        self.assertEqual(300, resp.status)
        self.assertOneLine(resp, 'GET', '/versions')

    def test_streamed_download_logged_once_when_closed(self):
        resp = self.call('POST', '/artifacts/' + TYPE, body=b'{"name": "d"}')
        path = '/artifacts/%s/%s/blob' % (TYPE, json.loads(resp.body)['id'])
        data = b'x' * 100000
        resp = self.call('PUT', path, body=data, headers={
            'Content-Type': 'application/octet-stream'})
        self.assertEqual(200, resp.status, resp.body)
        resp = self.call('GET', path)
        self.assertEqual(200, resp.status)
        self.assertEqual(data, resp.body)
        line = self.assertOneLine(resp, 'GET', path, before=2)
        self.assertEqual(str(len(data)), line['size'])

    def test_no_header_values_and_escaped_path(self):
        resp = self.call('GET', '/artifacts/%s/a%%20b%%0Ac' % TYPE,
                         headers={'X-Roles': 'admin'})
        self.assertEqual(404, resp.status, resp.body)
        self.assertOneLine(resp, 'GET', '/artifacts/%s/a%%20b%%0Ac' % TYPE)
        self.assertNotIn('secret-project', self.logger.output)
        self.assertNotIn(TOKEN, self.logger.output)


class TestAccessLogKeystone(AccessLogMixin, base.TestCase):

    def test_rejected_request(self):
        # no token: auth_token refuses it without asking a Keystone
        app = test_keystone_auth.keystone_app(self)
        self.capture()
        oslo_context.RequestContext(request_id='req-earlier',
                                    overwrite=True)
        resp = app.call('GET', '/artifacts/' + TYPE)
        self.assertEqual(401, resp.status, resp.body)
        self.assertOneLine(resp, 'GET', '/artifacts/' + TYPE)
