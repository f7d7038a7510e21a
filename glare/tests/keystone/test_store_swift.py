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

"""glance_store's swift driver on a real Swift behind this run's Keystone.

Each class starts a Swift all-in-one (glare.tests.fixtures.swift_aio)
whose proxy authenticates with Keystone (authtoken + keystoneauth,
operator roles admin, member, service; reseller admin ResellerAdmin),
registers it as the ``object-store`` endpoint
(``/v1/AUTH_$(project_id)s``) while the class runs, and gives the
``glare`` service user the ResellerAdmin role.

- single tenant: the data lives in the service project's account, the
  service user's credentials in a swift reference file (the store suite,
  1 GiB through the large object threshold, delayed delete + scrubber);
- multi-tenant (``swift_store_multi_tenant``): each project's data in its
  own account, written and read with the caller's token; another
  project's token is refused by Swift itself; the scrubber deletes with
  the service's credentials;
- faults: the proxy killed in the middle of an upload and of a download.
"""

import os
import subprocess
import sys
import time

import requests

from glare.tests.fixtures import origin as origin_fixture
from glare.tests.fixtures import swift_aio
from glare.tests.functional import base
from glare.tests.functional import store_suite
from glare.tests.keystone import base as ks_base
from glare.tests.keystone import fixture

MiB = store_suite.MiB
GiB = store_suite.GiB
RESELLER_ADMIN = 'ResellerAdmin'


class KeystoneSwiftMixin(store_suite.StoreMixin):
    """A Swift behind the Keystone of this run, its object-store
    endpoints registered while the class runs."""

    LARGE_OBJECT_SIZE = None
    CHUNK_SIZE = None

    @classmethod
    def setUpClass(cls):
        swift_aio.skip_unless_available(cls(), keystone=True)
        cls.cloud = fixture.cloud()
        super().setUpClass()

    @classmethod
    def start_swift(cls):
        glare = cls.cloud.personas['glare']
        cls.swift = swift_aio.SwiftAIO(keystone={
            'url': cls.cloud.server.url, 'username': 'glare',
            'password': glare.password, 'project_name': 'service'})
        cls.addClassCleanup(cls.swift.destroy)
        cls.swift.start()
        cls.service_id = cls.cloud._create('services', 'service', {
            'type': 'object-store', 'name': 'swift'})
        cls.addClassCleanup(cls.cloud.admin_call, 'DELETE',
                            '/services/' + cls.service_id)
        for interface in fixture.INTERFACES:
            cls.cloud._create('endpoints', 'endpoint', {
                'service_id': cls.service_id, 'interface': interface,
                'region_id': fixture.REGION,
                'url': cls.swift.keystone_proxy_url +
                '/v1/AUTH_$(project_id)s'})
        if RESELLER_ADMIN not in cls.cloud.roles:
            cls.cloud.roles[RESELLER_ADMIN] = cls.cloud._create(
                'roles', 'role', {'name': RESELLER_ADMIN})
        cls.cloud.admin_call('PUT', '/projects/%s/users/%s/roles/%s' % (
            cls.cloud.projects['service'], glare.user_id,
            cls.cloud.roles[RESELLER_ADMIN]), expect=204)

    @classmethod
    def store_options(cls):
        glare = cls.cloud.personas['glare']
        return cls.swift.glance_store_options(
            'glare', glare.password, large_object_size=cls.LARGE_OBJECT_SIZE,
            chunk_size=cls.CHUNK_SIZE, container=cls.CONTAINER)

    # -- Swift's own API, with Keystone tokens -----------------------------
    def account_url(self, project):
        return '%s/v1/AUTH_%s' % (self.swift.keystone_proxy_url, project)

    def swift_call(self, method, path, persona='glare', project='service',
                   **kw):
        return self.session.request(
            method, self.account_url(self.cloud.projects[project]) + path,
            headers=dict(self.cloud.headers(persona), **kw.pop(
                'headers', {})), timeout=60, **kw)

    def objects(self):
        resp = self.swift_call('GET', '/%s?format=json' % self.CONTAINER)
        if resp.status_code == 404:
            return []
        self.assertEqual(200, resp.status_code, resp.text)
        return [o['name'] for o in resp.json()]

    def object_headers(self, name):
        resp = self.swift_call('HEAD', '/%s/%s' % (self.CONTAINER, name))
        self.assertEqual(200, resp.status_code)
        return resp.headers


class KeystoneSwiftTest(KeystoneSwiftMixin, ks_base.KeystoneTest):
    pass


class SwiftStoreTests(KeystoneSwiftTest, store_suite.StoreSuite):
    """Single-tenant Swift: the store suite, data in the service's
    account."""

    def test_range_is_asked_of_swift(self):
        before = self.stored()
        af = self.create()
        data = os.urandom(3 * MiB)
        self.upload(af['id'], 'blob', data)
        name = self.objects_of(before)[0]
        resp = self.request('GET', self.blob_path(af['id'], 'blob'),
                            headers=dict(self.user, Range='bytes=-10'))
        self.assertEqual(206, resp.status_code)
        self.assertEqual(data[-10:], resp.content)
        # Swift answered a Range (206): Glare did not read 3 MiB to skip
        with open(self.swift.procs['proxy-keystone'].log_path) as f:
            gets = [line for line in f if ' GET ' in line and name in line]
        self.assertIn(' 206 ', gets[-1])


class SwiftLargeObjectTests(KeystoneSwiftTest,
                            store_suite.LargeObjectSuite):
    """1 GiB, Content-Length: over swift_store_large_object_size, written
    as segments of swift_store_large_object_chunk_size and a DLO manifest
    (glance_store's "MB" there are 1024000 bytes: 256 of them make
    segments of 250 MiB, the fifth one 24 MiB)."""

    LARGE_OBJECT_SIZE = 512
    CHUNK_SIZE = 256
    SEGMENT = 256 * 1024 * 1000

    def assertManifest(self, added):
        manifests = [n for n in added
                     if 'X-Object-Manifest' in self.object_headers(n)]
        self.assertEqual(1, len(manifests), added)
        self.assertEqual(5, len(added) - 1, added)  # the segments
        self.assertEqual(str(GiB), self.object_headers(
            manifests[0])['Content-Length'])


class SwiftDelayedDeleteTests(KeystoneSwiftTest,
                              store_suite.DelayedDeleteSuite):
    pass


class MultiTenantTests(KeystoneSwiftTest):
    """swift_store_multi_tenant: each project's data in its own account,
    one container per upload (``glare_<upload id>``)."""

    EXTRA_CONFIG = {'DEFAULT': {'delayed_delete': 'True'},
                    'locations': {'allowed_networks': '127.0.0.1/32'},
                    'tasks': {'poll_interval': '0.2'}}

    @classmethod
    def store_options(cls):
        return {
            'stores': 'swift', 'default_store': 'swift',
            'swift_store_multi_tenant': 'True',
            'swift_store_container': cls.CONTAINER,
            'swift_store_create_container_on_put': 'True',
            # trusts would need a swift reference for the trustee; the
            # caller's token is used as it is
            'swift_store_use_trusts': 'False',
        }

    def containers(self, project, persona):
        resp = self.swift_call('GET', '?format=json', persona=persona,
                               project=project)
        if resp.status_code == 404:
            return []
        self.assertEqual(200, resp.status_code, resp.text)
        return sorted(c['name'] for c in resp.json()
                      if c['name'].startswith(self.CONTAINER + '_'))

    def own(self):
        return self.containers('project-a', 'member-a')

    def upload_a(self, data, af=None):
        af = af or self.create()
        before = self.own()
        self.upload(af['id'], 'blob', data)
        added = sorted(set(self.own()) - set(before))
        self.assertEqual(1, len(added), added)
        return af, added[0]

    def test_data_lands_in_the_callers_account(self):
        before_service = self.containers('service', 'glare')
        data = os.urandom(2 * MiB + 3)
        af, container = self.upload_a(data)
        listing = self.swift_call(
            'GET', '/%s?format=json' % container, persona='member-a',
            project='project-a').json()
        self.assertEqual(1, len(listing), listing)
        self.assertEqual(len(data), listing[0]['bytes'])
        # nothing in the service's own account
        self.assertEqual(before_service, self.containers('service', 'glare'))
        self.check_round_trip(af['id'], data)
        resp = self.request('GET', self.blob_path(af['id'], 'blob'),
                            headers=dict(self.user, Range='bytes=5-9'))
        self.assertEqual(206, resp.status_code)
        self.assertEqual(data[5:10], resp.content)

    def test_chunked_upload_in_segments(self):
        data = os.urandom(MiB + 5)
        af = self.create()
        before = self.own()
        self.upload(af['id'], 'blob', iter([data[:1000], data[1000:]]))
        added = sorted(set(self.own()) - set(before))
        self.assertEqual(1, len(added))
        self.check_round_trip(af['id'], data)

    def test_another_project_cannot_read_it_in_swift(self):
        af, container = self.upload_a(b'project A only')
        name = self.swift_call('GET', '/%s?format=json' % container,
                               persona='member-a', project='project-a'
                               ).json()[0]['name']
        path = '/%s/%s' % (container, name)
        self.assertEqual(200, self.swift_call(
            'GET', path, persona='member-a', project='project-a'
        ).status_code)
        for method, where in (('GET', path), ('GET', '/' + container),
                              ('GET', ''), ('DELETE', path)):
            resp = self.swift_call(method, where, persona='member-b',
                                   project='project-a')
            self.assertEqual(403, resp.status_code,
                             '%s %s: %s' % (method, where, resp.text))
        # ...nor through Glare while the artifact is private
        self.assertError(404, self.download(af['id'], 'blob',
                                            headers=self.user_b))

    def test_public_artifact_read_by_another_project(self):
        data = os.urandom(300000)
        af, _container = self.upload_a(data)
        self.assertEqual('active', self.activate(af['id'])['status'])
        self.assertEqual('public', self.publish(af['id'])['visibility'])
        # Swift refuses B's token on A's account: Glare, which decided B
        # may read it, reads with the service's credentials
        resp = self.download(af['id'], 'blob', headers=self.user_b)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(data, resp.content)

    def test_replace_and_delete_remove_the_container(self):
        before = self.own()
        af, first = self.upload_a(b'one')
        _af, second = self.upload_a(b'two', af)
        self.assertEqual([second], sorted(set(self.own()) - set(before)))
        self.assertNotEqual(first, second)
        resp = self.delete(self.blob_path(af['id'], 'blob'),
                           headers=self.user)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(before, self.own())

    def test_an_import_stores_with_the_service_credentials(self):
        # a task has no token: the store acts with [store_credentials],
        # so the data lands in the service's account (tasks.rst)
        origin = origin_fixture.Origin().start()
        self.addCleanup(origin.stop)
        before, before_service = self.own(), self.containers('service',
                                                             'glare')
        af = self.create()
        size = 2 * MiB + 11
        resp = self.post(self.blob_path(af['id'], 'blob') + '/import',
                         {'url': origin.url('/data/%d' % size)},
                         headers=self.user)
        self.assertEqual(202, resp.status_code, base.brief(resp))
        task_path = '/tasks/' + resp.json()['id']
        deadline = time.monotonic() + 60
        while True:
            doc = self.get(task_path, headers=self.user).json()
            if doc['status'] in ('success', 'failure'):
                break
            self.assertLess(time.monotonic(), deadline, doc)
            time.sleep(0.1)
        self.assertEqual('success', doc['status'], doc)
        self.assertEqual(before, self.own())
        added = sorted(set(self.containers('service', 'glare')) -
                       set(before_service))
        self.assertEqual(1, len(added), added)
        self.check_round_trip(af['id'], origin_fixture.data(size))
        # the owner reads it back through Glare, another project cannot
        self.assertError(404, self.download(af['id'], 'blob',
                                            headers=self.user_b))

    def test_scrubber_deletes_with_service_credentials(self):
        before = self.own()
        af, container = self.upload_a(b'kept until scrubbed')
        resp = self.delete(self.url(af['id']), headers=self.user)
        self.assertEqual(204, resp.status_code, base.brief(resp))
        self.assertIn(container, self.own())
        proc = subprocess.run(
            [sys.executable, '-m', 'glare.cmd.scrubber', '--config-file',
             os.path.join(self.server.workdir, 'glare.conf'), '--nodaemon'],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=120,
            check=False)
        output = proc.stdout.decode('utf-8', 'replace')
        self.assertEqual(0, proc.returncode, output)
        self.assertIn('1 deleted artifact(s) purged, 0 failed', output)
        self.assertEqual(before, self.own())


class ProxyOutageTests(KeystoneSwiftTest):
    """The Swift proxy killed (SIGKILL) in the middle of an upload and of
    a download. The clean-up runs every STALE seconds."""

    STALE = 2
    # a chunked upload goes in segments of 1024000 bytes (glance_store's
    # "MB"); the 96 MiB of the download test in one object (Swift's DLO
    # reads more than 10 segments at one a second: rate_limit_after_segment)
    LARGE_OBJECT_SIZE = 128
    CHUNK_SIZE = 1
    # one retry (1 s) instead of swiftclient's five (31 s) per request
    EXTRA_CONFIG = {'DEFAULT': {'stale_upload_timeout': str(STALE),
                                'swift_client_retries': '1'}}

    def setUp(self):
        super().setUp()
        # each test leaves the proxy up
        self.addCleanup(self._proxy_up)

    def _proxy_up(self):
        if 'proxy-keystone' not in self.swift.procs:
            self.swift.start_proxy('keystone')

    def wait_for(self, check, timeout=60, what='condition'):
        deadline = time.monotonic() + timeout
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail('no %s within %ss' % (what, timeout))
            time.sleep(0.5)

    def test_proxy_killed_mid_upload(self):
        before = self.stored()
        af = self.create()

        def body():
            # chunked: glance_store writes segments as the data comes
            for _ in range(6):
                yield b'x' * MiB
            # the segments so far are in Swift; then Swift goes away
            self.wait_for(lambda: len(self.stored() - before) >= 3,
                          what='segments in Swift')
            self.swift.stop_proxy('keystone')
            yield b'y' * MiB
        resp = self.request('PUT', self.blob_path(af['id'], 'blob'),
                            headers=self.user, data=body(),
                            content_type='application/octet-stream')
        err = self.assertError(503, resp)
        self.assertEqual('ServiceUnavailable', err['error']['type'])
        self.assertEqual('application/json',
                         resp.headers['Content-Type'].split(';')[0])
        # nothing half-written in the catalog: no value, or an upload in
        # progress until the clean-up undoes it
        blob = self.show(af['id'])['blob']
        self.assertTrue(blob is None or blob['status'] == 'saving', blob)
        self.assertEqual('drafted', self.show(af['id'])['status'])

        # Swift back: the clean-up (stale upload) deletes what it kept
        self.swift.start_proxy('keystone')
        self.assertTrue(self.stored() - before)  # the orphan segments
        self.wait_for(lambda: self.show(af['id'])['blob'] is None,
                      what='upload undone')
        self.wait_for(lambda: not (self.stored() - before),
                      what='orphan segments removed')
        # and the blob takes data again
        self.upload(af['id'], 'blob', b'after the outage')
        self.check_round_trip(af['id'], b'after the outage')

    def test_proxy_killed_mid_download(self):
        data = store_suite.Generated(96 * MiB)
        af = self.create(type_name='images', container_format='bare',
                         disk_format='raw')
        path = self.url(af['id'], 'images') + '/image'
        resp = self.request('PUT', path, headers=self.user, data=data,
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        size = 96 * MiB

        received = 0
        with requests.get(self.server.url + path, headers=self.user,
                          stream=True, timeout=120) as resp:
            self.assertEqual(200, resp.status_code)
            self.assertEqual(str(size), resp.headers['Content-Length'])
            chunks = resp.iter_content(MiB)
            received += len(next(chunks))
            self.swift.stop_proxy('keystone')
            try:
                for chunk in chunks:
                    received += len(chunk)
            except requests.RequestException:
                pass  # the connection ended early: what it must do
        # never a body that looks whole
        self.assertLess(received, size)

        # a new download while Swift is down: Glare's JSON 503
        resp = self.request('GET', path, headers=self.user)
        err = self.assertError(503, resp)
        self.assertEqual('ServiceUnavailable', err['error']['type'])

        self.swift.start_proxy('keystone')
        resp = self.request('GET', path, headers=self.user)
        self.assertEqual(200, resp.status_code)
        self.assertEqual(store_suite.Generated.sha256(size),
                         resp.headers['X-Openstack-Glare-Content-SHA256'])
        self.assertEqual(size, len(resp.content))
