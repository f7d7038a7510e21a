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

"""Functional test base: a real glare-api subprocess spoken to over HTTP.

Each test class gets its own server (started in setUpClass) on a free
loopback port, with its own temporary state directory, configuration file,
optional policy file and database. A behaviour class is written once, as a
mixin, and ``with_backends`` turns it into one test class per database
backend: SQLite always, PostgreSQL and MySQL when their servers answer
(``glare.tests.fixtures.db_fixtures``; the class is skipped with a message
otherwise).

Tests isolate themselves inside a class by working in projects of their
own (``self.project``, ``self.new_project()``) and with unique names.

Set ``GLARE_TEST_KEEP_LOGS=1`` to keep each class's temporary directory
(/tmp/glare-functional-*: glare.conf, policy file, glare-api.log).
"""

import json
import os
import shutil
import sys
import tempfile
import threading
import time
import unittest
import uuid

import requests

from glare.tests.fixtures import db_fixtures
from glare.tests.fixtures import processes

BACKENDS = ('sqlite', 'postgresql', 'mysql')
START_TIMEOUT = 60
STOP_TIMEOUT = 20
HTTP_TIMEOUT = 60
SAMPLE = 'sample_artifact'
REQUEST_ID_PREFIX = 'req-'


def brief(resp, size=600):
    """A response for assertion messages: status and the body's start."""
    text = resp.text
    if len(text) > size:
        text = text[:size] + '...'
    return '%s %s: %s' % (resp.request.method, resp.url, text)


def _ini(sections):
    lines = []
    for section, options in sections.items():
        lines.append('[%s]' % section)
        for key, value in options.items():
            if isinstance(value, (list, tuple)):
                value = ','.join(value)
            lines.append('%s = %s' % (key, value))
        lines.append('')
    return '\n'.join(lines)


ServerFailed = processes.ServerFailed
_free_port = processes.free_port


class GlareServer(processes.ServerProcess):
    """One glare-api process (``python -m glare.cmd.api``)."""

    NAME = 'glare-api'
    START_TIMEOUT = START_TIMEOUT
    STOP_TIMEOUT = STOP_TIMEOUT
    #: the port of the next start (None: a free one); a server restarted
    #: behind a balancer must come back where the balancer knows it
    fixed_port = None

    def __init__(self, workdir, db_url, workers=1, config=None, policy=None):
        self.workdir = workdir
        self.db_url = db_url
        self.workers = workers
        self.config = config or {}
        self.policy = policy
        self.port = None
        self.process = None
        self.log_path = os.path.join(workdir, 'glare-api.log')
        self._log = None

    @property
    def url(self):
        return 'http://127.0.0.1:%d' % self.port

    def _write_config(self):
        state = os.path.join(self.workdir, 'state')
        os.makedirs(state, exist_ok=True)
        sections = {
            'DEFAULT': {
                'state_path': state,
                'bind_host': '127.0.0.1',
                'bind_port': self.port,
                'workers': self.workers,
                'custom_artifact_types_modules':
                    'glare.tests.sample_artifact',
                'debug': 'False',
            },
            'api': {'auth_strategy': 'noauth'},
            'database': {'connection': self.db_url},
            'glance_store': {
                'filesystem_store_datadir': os.path.join(state, 'blobs')},
        }
        if self.policy is not None:
            # JSON is YAML: the non-deprecated policy file format
            policy_file = os.path.join(self.workdir, 'policy.yaml')
            with open(policy_file, 'w') as f:
                json.dump(self.policy, f)
            sections['oslo_policy'] = {'policy_file': policy_file}
        for section, options in self.config.items():
            sections.setdefault(section, {}).update(options)
        path = os.path.join(self.workdir, 'glare.conf')
        with open(path, 'w') as f:
            f.write(_ini(sections))
        return path

    def next_port(self):
        return self.fixed_port or _free_port()

    def spawn(self, attempt):
        self.port = self.next_port()
        conf_file = self._write_config()
        env = dict(os.environ)
        env['PYTHONUNBUFFERED'] = '1'
        return [sys.executable, '-m', 'glare.cmd.api', '--config-file',
                conf_file], env

    def ready(self, session):
        resp = session.get(self.url + '/versions', timeout=2)
        if resp.status_code != 300:
            return False
        if self.workers > 1:
            self._wait_for_workers(session)
        return True

    def _wait_for_workers(self, session):
        # /versions is answered by whichever worker booted first; let the
        # others build their application too, so that concurrency tests
        # really meet several processes (a slow boot only costs time)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            with open(self.log_path, 'rb') as f:
                if f.read().count(b'Glare API ready') >= self.workers:
                    return
            time.sleep(0.05)


class FunctionalTest(unittest.TestCase):
    """A test class with its own running glare-api.

    Subclasses (through ``with_backends``) set BACKEND; a class may set
    WORKERS, CONFIG ({section: {option: value}}) and POLICY (rule →
    check string, written to a policy file).
    """

    BACKEND = None
    WORKERS = 1
    CONFIG = {}
    POLICY = None
    maxDiff = None

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.BACKEND != 'sqlite':
            # skips the whole class (or fails it when the backend is in
            # GLARE_TEST_REQUIRE_BACKENDS); needs an instance for that
            db_fixtures.skip_unless_reachable(cls(), cls.BACKEND)
        cls.workdir = tempfile.mkdtemp(prefix='glare-functional-')
        if not os.environ.get('GLARE_TEST_KEEP_LOGS'):
            cls.addClassCleanup(shutil.rmtree, cls.workdir, True)
        if cls.BACKEND == 'sqlite':
            db_url = 'sqlite:///%s' % os.path.join(cls.workdir, 'state',
                                                   'glare.sqlite')
        else:
            db_url, drop = db_fixtures.create_database(cls.BACKEND,
                                                       'glare_ft_')
            cls.addClassCleanup(drop)
        cls.server = GlareServer(cls.workdir, db_url, cls.WORKERS,
                                 cls.CONFIG, cls.POLICY)
        cls.addClassCleanup(cls.server.stop, wait=False)
        cls.server.start()

    def setUp(self):
        super().setUp()
        self.session = requests.Session()
        self.addCleanup(self.session.close)
        self.project = self.new_project()
        self.user = self.auth(self.project)
        self.admin = self.auth(self.new_project('admin'), 'admin')

    # -- identities ------------------------------------------------------
    @staticmethod
    def new_project(prefix='p'):
        return '%s-%s' % (prefix, uuid.uuid4().hex[:12])

    @staticmethod
    def auth(project, *roles, user=None):
        """Headers of a noauth token user:project:roles."""
        roles = roles or ('member',)
        return {'X-Auth-Token': '%s:%s:%s' % (
            user or 'u-' + project, project, ','.join(roles))}

    @staticmethod
    def unique(prefix='af'):
        return '%s-%s' % (prefix, uuid.uuid4().hex[:10])

    # -- HTTP ----------------------------------------------------------------
    def request(self, method, path, headers=None, json_body=None,
                data=None, content_type=None, session=None):
        """One HTTP request; checks what every response must carry."""
        hdrs = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body)
            hdrs.setdefault('Content-Type', content_type or
                            'application/json')
        elif content_type is not None:
            hdrs['Content-Type'] = content_type
        resp = (session or self.session).request(
            method, self.server.url + path, headers=hdrs, data=data,
            timeout=HTTP_TIMEOUT, allow_redirects=False)
        rid = resp.headers.get('x-openstack-request-id', '')
        self.assertTrue(rid.startswith(REQUEST_ID_PREFIX),
                        '%s %s answered %s without x-openstack-request-id: '
                        '%r' % (method, path, resp.status_code,
                                dict(resp.headers)))
        return resp

    def get(self, path, headers=None, **kw):
        return self.request('GET', path, headers=headers, **kw)

    def post(self, path, body=None, headers=None, **kw):
        return self.request('POST', path, headers=headers, json_body=body,
                            **kw)

    def patch(self, path, ops=None, headers=None, **kw):
        kw.setdefault('content_type', 'application/json-patch+json')
        return self.request('PATCH', path, headers=headers, json_body=ops,
                            **kw)

    def delete(self, path, headers=None, **kw):
        return self.request('DELETE', path, headers=headers, **kw)

    # -- artifacts -------------------------------------------------------
    def url(self, artifact_id=None, type_name=SAMPLE):
        path = '/artifacts/%s' % type_name
        return path + ('/%s' % artifact_id if artifact_id else '')

    def create(self, body=None, headers=None, type_name=SAMPLE, **fields):
        """Create an artifact (201 expected); returns its body."""
        body = dict(body or {}, **fields)
        body.setdefault('name', self.unique())
        resp = self.post(self.url(type_name=type_name), body,
                         headers=self.user if headers is None else headers)
        self.assertEqual(201, resp.status_code, brief(resp))
        return resp.json()

    def show(self, artifact_id, headers=None, type_name=SAMPLE):
        resp = self.get(self.url(artifact_id, type_name),
                        headers=self.user if headers is None else headers)
        self.assertEqual(200, resp.status_code, brief(resp))
        return resp.json()

    def update(self, artifact_id, ops, headers=None, type_name=SAMPLE,
               expect=200):
        resp = self.patch(self.url(artifact_id, type_name), ops,
                          headers=self.user if headers is None else headers)
        self.assertEqual(expect, resp.status_code, brief(resp))
        return resp.json()

    def set_values(self, artifact_id, headers=None, type_name=SAMPLE,
                   expect=200, **values):
        """PATCH replacing each given field (status, visibility too)."""
        ops = [{'op': 'replace', 'path': '/' + k, 'value': v}
               for k, v in values.items()]
        return self.update(artifact_id, ops, headers, type_name, expect)

    def activate(self, artifact_id, headers=None, type_name=SAMPLE):
        """Set string_required (sample type) and activate."""
        ops = [{'op': 'replace', 'path': '/status', 'value': 'active'}]
        if type_name == SAMPLE:
            ops.insert(0, {'op': 'replace', 'path': '/string_required',
                           'value': 'set'})
        return self.update(artifact_id, ops, headers, type_name)

    def publish(self, artifact_id, type_name=SAMPLE):
        return self.set_values(artifact_id, headers=self.admin,
                               type_name=type_name, visibility='public')

    def list_ids(self, query, headers=None, type_name=SAMPLE):
        """Ids of one page of /artifacts/{type}?query, in order."""
        return [a['id'] for a in self.list(query, headers,
                                           type_name)['artifacts']]

    def list(self, query='', headers=None, type_name=SAMPLE):
        path = self.url(type_name=type_name)
        if query:
            path += '?' + query
        resp = self.get(path, headers=self.user if headers is None
                        else headers)
        self.assertEqual(200, resp.status_code, brief(resp))
        return resp.json()

    def count_own(self, type_name=SAMPLE):
        """How many artifacts the test's project owns (public ones of
        other tests, visible to everyone, left out)."""
        return self.list('limit=0&owner=' + self.project,
                         type_name=type_name)['total_count']

    def fire(self, calls):
        """Run calls (each takes a requests.Session) at once, one thread
        each; return their results in order."""
        barrier = threading.Barrier(len(calls))
        results = [None] * len(calls)
        errors = []

        def run(i, call):
            with requests.Session() as session:
                try:
                    barrier.wait(30)
                    results[i] = call(session)
                except BaseException as exc:  # re-raised below
                    errors.append(exc)

        threads = [threading.Thread(target=run, args=(i, call))
                   for i, call in enumerate(calls)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(HTTP_TIMEOUT * 2)
        self.assertFalse(any(t.is_alive() for t in threads),
                         'requests did not finish')
        if errors:
            raise errors[0]
        return results

    # -- assertions ------------------------------------------------------
    def assertError(self, code, resp, message_contains=None):
        """resp is the JSON error document of status code."""
        self.assertEqual(code, resp.status_code, brief(resp))
        self.assertEqual('application/json; charset=UTF-8',
                         resp.headers.get('Content-Type'), brief(resp))
        body = resp.json()
        self.assertEqual(code, body.get('code'), body)
        for key in ('title', 'explanation'):
            self.assertIsInstance(body.get(key), str, body)
        self.assertIsInstance(body.get('error'), dict, body)
        self.assertIsInstance(body['error'].get('message'), str, body)
        self.assertIsInstance(body['error'].get('type'), str, body)
        if message_contains is not None:
            self.assertIn(message_contains, body['error']['message'], body)
        return body


def with_backends(mixin):
    """Class decorator: one TestCase per backend from a behaviour mixin.

    ``@with_backends class ListTests:`` (a plain class, never collected
    itself) adds ``ListTestsSqlite``, ``ListTestsPostgresql`` and
    ``ListTestsMysql`` to the mixin's module.
    """
    module = sys.modules[mixin.__module__]
    for backend in BACKENDS:
        name = '%s%s' % (mixin.__name__, backend.capitalize())
        cls = type(name, (mixin, FunctionalTest), {
            'BACKEND': backend, '__module__': mixin.__module__,
            '__qualname__': name, '__doc__': mixin.__doc__})
        setattr(module, name, cls)
    return mixin
