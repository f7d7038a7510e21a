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

"""Three API nodes behind HAProxy (glare.tests.fixtures.ha_cluster).

Every class here runs three glare-api processes on one PostgreSQL
database (a few on MySQL/MariaDB) and one store (a directory the nodes
share, or a real Swift reached with the S3 driver), with a real HAProxy in
front; a few run the nodes under uWSGI. The tests speak to
the balancer only, unless they name a node. ``through_balancer`` runs
behaviour mixins of the functional suite (uploads, downloads, ranges,
quotas, uniqueness, sharing, bundles) unchanged through the balancer,
once per store; ``NodeFailureTests`` and ``ExactAcrossNodesTests`` are
what only several nodes can show: a node killed in the middle of an
upload, and quotas and uniqueness under 20 concurrent clients spread
over the nodes.

Skipped without haproxy (``apt-get install haproxy``) unless
``GLARE_TEST_REQUIRE_HAPROXY=1``; skipped (or failed, see
``GLARE_TEST_REQUIRE_BACKENDS``) without the database server; the Swift
classes as the Swift fixture says (``GLARE_TEST_REQUIRE_SWIFT``), and
without boto3; the uWSGI ones without uWSGI.
"""

import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

import requests
import sqlalchemy as sa

from glare.tests.fixtures import db_fixtures
from glare.tests.fixtures import ha_cluster
from glare.tests.functional import base
from glare.tests.functional import test_blob_stores
from glare.tests.functional import test_blobs
from glare.tests.functional import test_bundle_import
from glare.tests.functional import test_concurrency
from glare.tests.functional import test_quotas
from glare.tests.functional import test_sharing
from glare.tests.functional import test_wsgi_servers

THREADS = 20
#: stale_upload_timeout of the nodes: a killed node's upload is dead
#: after this many seconds, and the others' clean-up runs as often
STALE = 2
STORES = ('file', 'swift')
MIB = 1 << 20


class UwsgiNode(test_wsgi_servers.Uwsgi):
    """A node under uWSGI, configured by etc/glare/uwsgi.ini.sample (its
    http-socket, processes and virtualenv changed, as the WSGI server
    tests do), on the cluster's database."""

    def __init__(self, workdir, db_url, workers, config, policy):
        base.GlareServer.__init__(self, workdir, db_url, workers, config,
                                  policy)


NODE_CLASSES = {'glare-api': None, 'uwsgi': UwsgiNode}
STORE_CLASSES = {'file': ha_cluster.FileStore,
                 'swift': ha_cluster.SwiftS3Store,
                 'configured': ha_cluster.ConfiguredStore}


class ClusterTest(base.FunctionalTest):
    """A FunctionalTest whose ``server`` is a Cluster: three nodes on
    PostgreSQL and STORE behind HAProxy."""

    BACKEND = 'postgresql'
    STORE = 'file'
    NODES = 3
    NODE_WORKERS = 1
    #: keyword arguments of the store's class
    STORE_OPTIONS = {}
    #: what runs a node: glare-api (gunicorn) or uwsgi
    SERVER = 'glare-api'

    @classmethod
    def setUpClass(cls):
        # not FunctionalTest's: the cluster replaces its one server
        super(base.FunctionalTest, cls).setUpClass()
        probe = cls()
        ha_cluster.skip_unless_haproxy(probe)
        db_fixtures.skip_unless_reachable(probe, cls.BACKEND)
        store_class = STORE_CLASSES[cls.STORE]
        if hasattr(store_class, 'skip_unless_available'):
            store_class.skip_unless_available(probe)
        node_class = NODE_CLASSES[cls.SERVER]
        if node_class is not None:
            node_class.skip_unless_installed()
        cls.workdir = tempfile.mkdtemp(prefix='glare-ha-')
        if not os.environ.get('GLARE_TEST_KEEP_LOGS'):
            cls.addClassCleanup(shutil.rmtree, cls.workdir, True)
        db_url, drop = db_fixtures.create_database(cls.BACKEND, 'glare_ha_')
        cls.addClassCleanup(drop)
        cls.server = ha_cluster.Cluster(
            cls.workdir, db_url,
            store_class(cls.workdir, **cls.STORE_OPTIONS),
            nodes=cls.NODES, workers=cls.NODE_WORKERS, config=cls.CONFIG,
            policy=cls.POLICY, node_class=node_class)
        cls.addClassCleanup(cls.server.stop)
        cls.server.start()

    def store_files(self):
        """What the shared store holds (file names, Swift objects)."""
        return self.server.store.objects()

    # -- the nodes behind the balancer ---------------------------------------
    @property
    def balancer(self):
        return self.server.balancer

    def served(self):
        """{node: requests HAProxy sent it so far}."""
        return {name: int(row['stot'])
                for name, row in self.balancer.stats().items()}

    def served_since(self, before):
        after = self.served()
        return {name: after[name] - before[name] for name in after}

    def node_request(self, i, method, path, headers=None, **kw):
        """A request to node i directly, around the balancer."""
        return requests.request(method, self.server.nodes[i].url + path,
                                headers=headers, timeout=base.HTTP_TIMEOUT,
                                **kw)


class StoreFiles:
    """Put first in a generated class: the mixins' store_files (a look
    at one server's directory) becomes the shared store's."""

    def store_files(self):
        return self.server.store.objects()


def through_balancer(mixin, stores=STORES, server='glare-api',
                     backend='postgresql', **attrs):
    """One ClusterTest per store from a functional behaviour mixin:
    ``<Mixin>Ha<Store>`` in this module (``...Uwsgi`` for nodes under
    uWSGI, ``...Mysql`` on MySQL/MariaDB)."""
    module = sys.modules[__name__]
    for store in stores:
        name = '%sHa%s%s%s' % (
            mixin.__name__, store.capitalize(),
            '' if server == 'glare-api' else server.capitalize(),
            '' if backend == 'postgresql' else backend.capitalize())
        cls = type(name, (StoreFiles, mixin, ClusterTest), dict(
            attrs, STORE=store, SERVER=server, BACKEND=backend,
            __module__=__name__,
            __qualname__=name, __doc__=mixin.__doc__))
        setattr(module, name, cls)
    return mixin


class BalancedUploadTests(test_blobs.UploadTests):
    """UploadTests; a PUT its client gave up on may end at the balancer."""

    def test_short_body_leaves_nothing(self):
        # as UploadTests', but HAProxy may see the client leave before it
        # reached a node: then no node logs the PUT, and the check is
        # that the balancer logged it ended (client abort, 'C...') with
        # nothing changed
        before = self.store_files()
        af = self.create()
        self.upload(af['id'], 'blob', b'keep me')
        files = self.store_files()
        path = self.blob_path(af['id'], 'blob')
        self.raw_put(af['id'], 'blob', {'Content-Length': '100000'},
                     [b'x' * 500], close_early=True)

        def over():
            """The aborted PUT is over where it went."""
            ended = [line for line in self.balancer.log_tail(10 ** 6)
                     .splitlines() if '"PUT %s ' % path in line]
            if len(ended) < 2:
                return False
            # the timers Tq/Tw/Tc/Tr/Ta: Tc -1 means no node was reached
            fields = ended[-1].split()
            self.assertTrue(fields[9].startswith('C'), ended[-1])
            if fields[4].split('/')[2] == '-1':
                return True
            return self.server.log_tail(10 ** 6).count(
                'PUT %s -> ' % path) >= 2

        def restored():
            blob = self.show(af['id'])['blob']
            return over() and blob['status'] == 'active' and \
                self.store_files() == files
        self.assertTrue(self.wait_until(restored), self.show(af['id']))
        self.assertEqual(b'keep me', self.download(af['id'], 'blob').content)
        self.assertEqual(len(before) + 1, len(files))


# The functional scenario, through the balancer
through_balancer(BalancedUploadTests)
through_balancer(test_blobs.RangeTests)
through_balancer(test_blob_stores.DataQuotaTests)
through_balancer(test_bundle_import.ImportTests)
# what does not touch blob data, on one store
through_balancer(test_quotas.QuotaEnforcementTests, stores=('file',))
through_balancer(test_concurrency.ConcurrencyTests, stores=('file',))
through_balancer(test_sharing.SharingTests, stores=('file',))


class SharedStateTests(test_blobs.BlobMixin):
    """What one node writes, every node reads."""

    def test_requests_spread_over_every_node(self):
        before = self.served()
        name = self.unique('spread')
        ids = [self.create(name=name, version='1.%d' % i)['id']
               for i in range(9)]
        for artifact_id in ids:
            self.show(artifact_id)
        spread = self.served_since(before)
        self.assertEqual(18, sum(spread.values()), spread)
        for count in spread.values():
            self.assertGreater(count, 0, spread)
        # each node sees every artifact, whoever created it
        for i in range(len(self.server.nodes)):
            resp = self.node_request(
                i, 'GET', self.url() + '?limit=100&name=' + name,
                headers=self.user)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.assertEqual(sorted(ids), sorted(
                a['id'] for a in resp.json()['artifacts']))

    def test_data_uploaded_through_one_node_reads_on_every_node(self):
        data = os.urandom(3 * MIB + 17)
        af = self.create()
        self.upload(af['id'], 'blob', data)
        self.upload(af['id'], 'dict_of_blobs', b'folder data', key='k/1')
        for i in range(len(self.server.nodes)):
            resp = self.node_request(i, 'GET', self.blob_path(af['id'],
                                                              'blob'),
                                     headers=self.user)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            self.assertEqual(data, resp.content)
            self.assertDataHeaders(resp, data)
            resp = self.node_request(
                i, 'GET', self.blob_path(af['id'], 'dict_of_blobs', 'k/1'),
                headers=self.user, stream=True)
            self.assertEqual(b'folder data', resp.raw.read())
            resp = self.node_request(i, 'GET', self.blob_path(
                af['id'], 'blob'), headers=dict(self.user,
                                                Range='bytes=100-199'))
            self.assertEqual(206, resp.status_code, base.brief(resp))
            self.assertEqual(data[100:200], resp.content)

    def test_every_node_names_the_same_cloud(self):
        ids = set()
        for i in range(len(self.server.nodes)):
            resp = self.node_request(i, 'GET', '/federation',
                                     headers=self.user)
            self.assertEqual(200, resp.status_code, base.brief(resp))
            ids.add(resp.json()['cloud_id'])
        self.assertEqual(1, len(ids), ids)


for _store in STORES:
    through_balancer(SharedStateTests, stores=(_store,))
# the nodes under uWSGI (etc/glare/uwsgi.ini.sample), the file store
through_balancer(SharedStateTests, stores=('file',), server='uwsgi')


class NodeKiller(test_blobs.BlobMixin):
    """Helpers of the tests that kill a node mid-upload."""

    CONFIG = {'DEFAULT': {'stale_upload_timeout': str(STALE)}}
    LENGTH = 8 * MIB  # the sample blob holds 10 MiB
    SENT = 3 * MIB

    def start_upload(self, artifact_id):
        """A PUT of LENGTH bytes through the balancer, SENT of them sent
        and some written to the store: (its socket, the node serving
        it)."""
        before = self.store_files()
        sock = socket.create_connection(('127.0.0.1', self.server.port))
        self.addCleanup(sock.close)
        lines = ['PUT %s HTTP/1.1' % self.blob_path(artifact_id, 'blob'),
                 'Host: 127.0.0.1', 'Content-Length: %d' % self.LENGTH,
                 'Content-Type: application/octet-stream']
        lines += ['%s: %s' % kv for kv in self.user.items()]
        sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode() +
                     b'u' * self.SENT)
        self.assertTrue(self.wait_until(
            lambda: (self.show(artifact_id)['blob'] or {}).get('status')
            == 'saving'), self.show(artifact_id))
        self.assertTrue(self.wait_until(
            lambda: self.uploads(artifact_id) == 1), 'no upload record')
        self.assertTrue(self.wait_until(
            lambda: set(self.store_files()) - set(before)),
            'nothing written to the store')
        # the one node with a request in progress (the shows are over)
        busy = [name for name, row in self.balancer.stats().items()
                if int(row['scur']) > 0]
        self.assertEqual(1, len(busy), self.balancer.stats())
        return sock, busy[0]

    def uploads(self, artifact_id):
        """How many upload records the artifact has in the database."""
        engine = sa.create_engine(self.server.db_url,
                                  poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                return conn.execute(sa.text(
                    'SELECT COUNT(*) FROM glare_blob_uploads WHERE '
                    'artifact_id = :a'), {'a': artifact_id}).scalar()
        finally:
            engine.dispose()

    @staticmethod
    def answer(sock, timeout=30):
        """(status, the raw answer) read on sock until the balancer
        closes it; ('closed', b'') when it closed without an answer."""
        sock.settimeout(timeout)
        data = b''
        try:
            while True:
                chunk = sock.recv(65536)
                if not chunk:
                    break
                data += chunk
        except ConnectionResetError:
            pass
        if not data:
            return 'closed', b''
        return int(data.split(b' ', 2)[1]), data

    def scrub(self):
        """glare-scrubber, once, with a node's configuration."""
        conf = os.path.join(self.server.nodes[0].workdir, 'glare.conf')
        out = subprocess.run(
            [sys.executable, '-m', 'glare.cmd.scrubber', '--config-file',
             conf, '--nodaemon'], capture_output=True, timeout=120,
            check=False)
        self.assertEqual(0, out.returncode, out)
        return out.stdout.decode() + out.stderr.decode()

    def kill_mid_upload(self):
        """A node killed in the middle of an upload replacing a blob's
        value, checked up to the survivors' clean-up and a scrubber run:
        (the artifact, its old data, the store's objects before the old
        data and before the kill, the node killed)."""
        af = self.create()
        old = b'old data ' * 1000
        before = self.store_files()
        self.upload(af['id'], 'blob', old)
        kept = self.store_files()
        self.assertEqual(1, len(set(kept) - set(before)), kept)
        sock, node = self.start_upload(af['id'])
        self.server.kill(int(node[len('node'):]))
        killed = time.monotonic()
        # the client sees a failure, never a success: HAProxy's 502, in
        # Glare's JSON error document
        status, raw = self.answer(sock)
        sock.close()
        self.assertEqual(502, status, raw[:500])
        head, _sep, body = raw.partition(b'\r\n\r\n')
        self.assertIn(b'content-type: application/json; charset=utf-8',
                      head.lower())
        self.assertIn(b'x-openstack-request-id: req-', head.lower())
        self.assertEqual(502, json.loads(body)['code'])
        self.balancer.wait_for(node, 'DOWN')

        # the others serve on: every request answered, none by the dead
        before_req = self.served()
        for _i in range(10):
            self.show(af['id'])
            self.create()
        spread = self.served_since(before_req)
        self.assertEqual(0, spread[node], spread)
        self.assertEqual(2, sum(1 for c in spread.values() if c), spread)

        # the dead upload is undone by the others' clean-up: its blob has
        # its old value back
        # (the clean-up logs once it has deleted what it could)
        def undone():
            blob = self.show(af['id'])['blob']
            return blob['status'] == 'active' and self.uploads(
                af['id']) == 0 and 'dead upload(s) undone' in \
                self.server.log_tail(10 ** 6)
        self.assertTrue(self.wait_until(undone, timeout=STALE * 15),
                        self.show(af['id']))
        self.assertLess(time.monotonic() - killed, STALE * 15)
        self.scrub()
        return af, old, before, kept, node

    @staticmethod
    def committed(objects):
        """The objects that are whole data (not the parts of an S3
        multipart upload; NodeFailurePartsTests checks a killed upload
        leaves none)."""
        return [o for o in objects if '+segments/' not in o]



class NodeFailureTests(NodeKiller):
    """A node dies (SIGKILL, master and workers) in the middle of an
    upload: that upload fails, nothing of it stays once the others
    cleaned up, and the other nodes serve on."""

    def test_node_killed_mid_upload(self):
        af, old, before, kept, node = self.kill_mid_upload()
        self.assertEqual(kept, self.committed(self.store_files()))
        resp = self.download(af['id'], 'blob')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(old, resp.content)
        self.assertDataHeaders(resp, old)
        # and the blob takes a new upload through the survivors
        new = os.urandom(2 * MIB)
        self.upload(af['id'], 'blob', new)
        self.assertEqual(new, self.download(af['id'], 'blob').content)
        self.assertEqual(1, len(set(self.committed(self.store_files())) -
                                set(before)), self.store_files())

        # the node comes back; HAProxy sends it requests again
        i = int(node[len('node'):])
        self.server.restart(i)
        self.balancer.wait_for(node, 'UP')
        before_req = self.served()
        for _i in range(9):
            self.show(af['id'])
        self.assertGreater(self.served_since(before_req)[node], 0)
        log = self.server.log_tail(10 ** 6)
        at = log.find('Traceback')
        self.assertEqual(-1, at, log[max(at - 3000, 0):at + 5000])


through_balancer(NodeFailureTests, stores=('file',))
through_balancer(NodeFailureTests, stores=('file',), server='uwsgi')
# S3 multipart above 5 MiB: the killed upload has sent parts to Swift
through_balancer(NodeFailureTests, stores=('swift',),
                 STORE_OPTIONS={'large_object_size': 5}, SENT=6 * MIB)


class NodeFailurePartsTests(NodeKiller):
    """What a node killed in the middle of an S3 multipart upload left in
    Swift: nothing once the others cleaned up. The upload record holds
    the S3 location from the start (glare.store.api.s3_planned_location)
    and deleting it aborts the key's unfinished multipart uploads
    (s3_multipart_abort), which removes their parts."""

    def test_killed_multipart_upload_leaves_no_parts(self):
        _af, _old, _before, kept, _node = self.kill_mid_upload()
        self.assertEqual(kept, self.store_files())


through_balancer(NodeFailurePartsTests, stores=('swift',),
                 STORE_OPTIONS={'large_object_size': 5}, SENT=6 * MIB)


class ExactAcrossNodesTests(test_quotas.QuotaClient, test_blobs.BlobMixin):
    """Quotas and uniqueness hold exactly when 20 concurrent clients
    reach all three nodes at once."""

    def fire_spread(self, calls):
        """fire(calls), checking the requests went to every node."""
        before = self.served()
        results = self.fire(calls)
        spread = self.served_since(before)
        for count in spread.values():
            self.assertGreater(count, 0, spread)
        return results

    def test_count_quota(self):
        self.set_quotas((self.project, {test_quotas.COUNT: 10}))

        def create(session):
            return self.try_create(session=session).status_code
        statuses = self.fire_spread([create] * THREADS)
        self.assertEqual([201] * 10 + [403] * 10, sorted(statuses))
        self.assertEqual(10, self.count_own())

    def test_name_and_version_unique(self):
        body = {'name': self.unique(), 'version': '1.0'}

        def create(session):
            resp = self.post(self.url(), body, headers=self.user,
                             session=session)
            if resp.status_code != 201:
                self.assertError(409, resp)
            return resp.status_code
        statuses = self.fire_spread([create] * THREADS)
        self.assertEqual([201] + [409] * (THREADS - 1), sorted(statuses))
        self.assertEqual(1, self.list('name=' + body['name'])['total_count'])

    def test_data_quota(self):
        size = 100 * 1024
        self.set_quotas((self.project, {test_quotas.DATA: 7 * size + 10}))
        ids = [self.create()['id'] for _i in range(THREADS)]

        def put(artifact_id, session):
            resp = self.request('PUT', self.blob_path(artifact_id, 'blob'),
                                headers=self.user, data=os.urandom(size),
                                content_type='application/octet-stream',
                                session=session)
            if resp.status_code != 200:
                self.assertError(413, resp)
            return resp.status_code
        statuses = self.fire_spread([functools.partial(put, i)
                                     for i in ids])
        self.assertEqual([200] * 7 + [413] * 13, sorted(statuses))
        stored = [(a['blob'] or {}).get('size') for a in self.list(
            'limit=100&owner=' + self.project)['artifacts']]
        self.assertEqual(7 * size, sum(s or 0 for s in stored))
        # the losers left nothing in the store
        self.assertEqual(7, len(self.store_files()) - self.files_before)

    def setUp(self):
        super().setUp()
        self.files_before = len(self.store_files())


for _store in STORES:
    through_balancer(ExactAcrossNodesTests, stores=(_store,))
through_balancer(ExactAcrossNodesTests, stores=('file',), server='uwsgi')
# the same locks on MySQL/MariaDB
through_balancer(ExactAcrossNodesTests, stores=('file',), backend='mysql')
through_balancer(NodeFailureTests, stores=('file',), backend='mysql')

