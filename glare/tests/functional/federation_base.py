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

"""Three real glare-api deployments on loopback, federated as a tree.

``global`` at the top; ``vendor`` with global as its upstream;
``enterprise`` with vendor and global as upstreams. Each has its own
database (of the class's backend) and its own file store. Every cloud
calls its upstreams with its own service identity there: the noauth
token ``svc-<cloud>:<project>:member`` through keystoneauth1's
admin_token plugin (auth_type = admin_token), the project being
``FederationTest.service_project(cloud, upstream)``; a class may give
an upstream ``auth_type = none`` instead (anonymous: public artifacts
only) through UPSTREAM_OPTIONS.

A test class sets CLOUD_CONFIG ({cloud: {section: {option: value}}}) and
UPSTREAM_OPTIONS ({(cloud, upstream): {option: value}}) to change the
topology's options, and may restart a cloud with other options
(restart_cloud).
"""

import json
import os
import shutil
import sys
import tempfile
import unittest
import uuid

import requests

from glare.tests.fixtures import db_fixtures
from glare.tests.functional import base

#: the clouds, started in this order, and their upstreams
TOPOLOGY = (
    ('global', ()),
    ('vendor', ('global',)),
    ('enterprise', ('vendor', 'global')),
)


class CloudServer(base.GlareServer):
    """A glare-api that keeps the port it is given, if any: restarted,
    it is still where the clouds that name it as upstream look."""

    def __init__(self, *args, port=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.kept_port = port

    def spawn(self, attempt):
        argv, env = super().spawn(attempt)
        if self.kept_port is not None:
            self.port = self.kept_port
            self._write_config()
        return argv, env


class FederationTest(unittest.TestCase):
    """A test class with three running, federated glare-api."""

    BACKEND = 'sqlite'
    CLOUD_CONFIG = {}
    UPSTREAM_OPTIONS = {}
    maxDiff = None

    @staticmethod
    def service_project(cloud, upstream):
        """The project cloud's service identity has at upstream."""
        return 'svc-%s-at-%s' % (cloud, upstream)

    @classmethod
    def _db_url(cls, name):
        if cls.BACKEND == 'sqlite':
            return 'sqlite:///%s' % os.path.join(cls.workdir, name, 'state',
                                                 'glare.sqlite')
        db_url, drop = db_fixtures.create_database(cls.BACKEND,
                                                   'glare_fed_')
        cls.addClassCleanup(drop)
        return db_url

    @classmethod
    def upstream_url(cls, upstream):
        """The URL of upstream: a cloud of TOPOLOGY, else one of the
        class's extra_upstreams (a test's own server standing in for an
        upstream: a proxy, a server that never answers)."""
        if upstream in cls.clouds:
            return cls.clouds[upstream].url
        return cls.extra_upstreams[upstream]

    @classmethod
    def upstream_group(cls, cloud, upstream, extra=None):
        """The [upstream:<upstream>] options of cloud."""
        project = cls.service_project(cloud, upstream)
        url = cls.upstream_url(upstream)
        options = {
            'url': url,
            'auth_type': 'admin_token',
            'endpoint': url,
            'token': 'svc-%s:%s:member' % (cloud, project),
            'timeout': '5',
        }
        options.update(cls.UPSTREAM_OPTIONS.get((cloud, upstream), {}))
        options.update(extra or {})
        return {k: v for k, v in options.items() if v is not None}

    @classmethod
    def cloud_config(cls, name, upstreams, extra=None):
        config = {'federation': {'upstreams': ','.join(upstreams),
                                 'cloud_id': 'cloud-%s' % name}}
        for upstream in upstreams:
            if upstream in cls.clouds or upstream in cls.extra_upstreams:
                config['upstream:%s' % upstream] = cls.upstream_group(
                    name, upstream)
            # else: a server of the test's own, its group in extra
        for section, options in cls.CLOUD_CONFIG.get(name, {}).items():
            config.setdefault(section, {}).update(options)
        for section, options in (extra or {}).items():
            config.setdefault(section, {}).update(options)
        return config

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        if cls.BACKEND != 'sqlite':
            db_fixtures.skip_unless_reachable(cls(), cls.BACKEND)
        cls.workdir = tempfile.mkdtemp(prefix='glare-federation-')
        if not os.environ.get('GLARE_TEST_KEEP_LOGS'):
            cls.addClassCleanup(shutil.rmtree, cls.workdir, True)
        cls.clouds = {}
        cls.extra_upstreams = {}
        cls.db_urls = {}
        for name, upstreams in TOPOLOGY:
            os.makedirs(os.path.join(cls.workdir, name))
            cls.db_urls[name] = cls._db_url(name)
            cls.start_cloud(name, upstreams)

    @classmethod
    def start_cloud(cls, name, upstreams, extra=None, port=None):
        server = CloudServer(os.path.join(cls.workdir, name),
                             cls.db_urls[name], 1,
                             cls.cloud_config(name, upstreams, extra),
                             port=port)
        cls.clouds[name] = server
        cls.addClassCleanup(server.stop, wait=False)
        server.start()
        return server

    @classmethod
    def restart_cloud(cls, name, upstreams, extra=None, keep_port=False):
        """Stop cloud name and start it again (same database and store)
        with these upstreams (names of TOPOLOGY, or of servers whose
        [upstream:<name>] group extra gives) and extra options. Its port
        changes, so the clouds that name it as upstream need a restart
        too, unless keep_port."""
        port = cls.clouds[name].port if keep_port else None
        cls.clouds[name].stop()
        return cls.start_cloud(name, upstreams, extra, port=port)

    @classmethod
    def topology_upstreams(cls, name):
        return dict(TOPOLOGY)[name]

    def setUp(self):
        super().setUp()
        self.session = requests.Session()
        self.addCleanup(self.session.close)
        self.project = 'p-' + uuid.uuid4().hex[:10]
        self.user = base.FunctionalTest.auth(self.project)
        self.admin = base.FunctionalTest.auth('admin-' + self.project,
                                              'admin')

    def as_service(self, cloud, upstream):
        """Headers of cloud's service identity at upstream."""
        return base.FunctionalTest.auth(self.service_project(cloud, upstream),
                                        user='svc-%s' % cloud)

    def call(self, cloud, method, path, headers=None, json_body=None,
             **kw):
        """A request to cloud (a name of TOPOLOGY)."""
        sent = dict(headers if headers is not None else self.user)
        sent.setdefault('OpenStack-API-Version', 'artifact 1.4')
        if json_body is not None:
            kw['json'] = json_body
        return self.session.request(method, self.clouds[cloud].url + path,
                                    headers=sent, timeout=60, **kw)

    def create(self, cloud, type_name='sample_artifact', headers=None,
               **fields):
        fields.setdefault('name', 'af-' + uuid.uuid4().hex[:10])
        resp = self.call(cloud, 'POST', '/artifacts/%s' % type_name,
                         headers, fields)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        return resp.json()

    def upload(self, cloud, artifact_id, field, data, headers=None,
               type_name='sample_artifact'):
        sent = dict(headers if headers is not None else self.user)
        sent['Content-Type'] = 'application/octet-stream'
        resp = self.call(cloud, 'PUT', '/artifacts/%s/%s/%s' % (
            type_name, artifact_id, field), sent, data=data)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def publish(self, cloud, artifact_id, type_name='sample_artifact'):
        """Activate (as its owner is allowed) and publish (as admin)."""
        for ops, headers in (
                ([{'op': 'replace', 'path': '/status', 'value': 'active'}],
                 None),
                ([{'op': 'replace', 'path': '/visibility',
                   'value': 'public'}], self.admin)):
            sent = dict(headers if headers is not None else self.user)
            sent['Content-Type'] = 'application/json-patch+json'
            resp = self.call(cloud, 'PATCH', '/artifacts/%s/%s' % (
                type_name, artifact_id), sent, data=json.dumps(ops))
            self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def assertError(self, code, resp, message_contains=None):
        return base.FunctionalTest.assertError(self, code, resp,
                                               message_contains)


def with_backends(mixin):
    """One FederationTest class per backend from a behaviour mixin (as
    base.with_backends does for one server)."""
    module = sys.modules[mixin.__module__]
    for backend in base.BACKENDS:
        name = '%s%s' % (mixin.__name__, backend.capitalize())
        cls = type(name, (mixin, FederationTest), {
            'BACKEND': backend, '__module__': mixin.__module__,
            '__qualname__': name, '__doc__': mixin.__doc__})
        setattr(module, name, cls)
    return mixin
