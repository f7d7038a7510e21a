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

"""The library internals Glare relies on are still there, as they were.

Each test names one compatibility function (or class) of Glare and checks
the private names, signatures and behaviour of the library it relies on.
A failure here means a library release changed shape: fix the function
named in the test, then move the cap in requirements.txt.
"""

import concurrent.futures
import inspect
import io
import os
import socket
import uuid

import fixtures
import glance_store
from gunicorn import config as gunicorn_config
from gunicorn.http import body as gunicorn_body
from gunicorn.http import errors as gunicorn_errors
from gunicorn.http import unreader as gunicorn_unreader
from gunicorn import util as gunicorn_util
from gunicorn.workers import gthread
from oslo_config import cfg
from oslo_db.sqlalchemy import engines
from oslo_policy import _checks
from oslo_policy import policy as oslo_policy
from oslo_versionedobjects import base as ovo_base
import pecan
from pecan import util as pecan_util
import sqlalchemy as sa
import webob
import yaml

from glare.api import pecan_compat
from glare.artifact_types import yaml_docs
from glare.db import api as db_api
from glare.objects import base as objects_base
from glare import policy
from glare.store import api as store_api
from glare.tests import base


def _listener_names(engine, event):
    return [getattr(fn, '__name__', '')
            for fn in getattr(engine.dispatch, event)]


class _Root:
    """A controller answering 200 with an empty body."""

    @pecan.expose(content_type='text/plain')
    def index(self):
        return ''


class TestPecan(base.TestCase):
    """glare.api.pecan_compat"""

    def test_argspec_cache_wraps_what_pecan_calls(self):
        # cache_controller_argspecs replaces pecan.util._getargspec, the
        # name pecan.util.getargspec calls for every routed method
        self.assertIn('_getargspec(method)',
                      inspect.getsource(pecan_util.getargspec))
        pecan_compat.cache_controller_argspecs()
        pecan_compat.cache_controller_argspecs()  # once only
        cached = pecan_util._getargspec
        self.assertIs(pecan.compat.getargspec, cached.__wrapped__)
        self.assertFalse(hasattr(cached.__wrapped__, 'cache_info'))
        before = cached.cache_info().hits
        pecan_util.getargspec(_Root.index)
        pecan_util.getargspec(_Root.index)
        self.assertGreater(cached.cache_info().hits, before)

    def test_empty_body_hook_is_what_pecan_calls(self):
        hook = pecan.Pecan._handle_empty_response_body
        self.assertEqual(['self', 'state'],
                         list(inspect.signature(hook).parameters))
        self.assertEqual(
            ['self', 'state'], list(inspect.signature(
                pecan_compat.Pecan._handle_empty_response_body).parameters))
        # stock pecan turns an empty 200 into a 204 there; ours leaves it
        stock = pecan.Pecan(_Root(), force_canonical=False)
        self.assertEqual(204, webob.Request.blank('/').get_response(
            stock).status_int)
        ours = pecan_compat.make_app(_Root(), [])
        self.assertEqual(200, webob.Request.blank('/').get_response(
            ours).status_int)

    def test_request_overrides_what_pecan_reads(self):
        # pecan reads these three to negotiate and to pass arguments
        for name in ('accept', 'json', 'params'):
            self.assertTrue(hasattr(pecan.Request, name), name)
        request = pecan_compat.Request.blank(
            '/?a=1', POST={'b': '2'},
            headers={'Accept': 'application/x-unknown'})
        self.assertEqual({'a': '1'}, dict(request.params))
        self.assertRaises(ValueError, getattr, request, 'json')


class TestOsloDB(base.TestCase):
    """glare.db.api: remove_oslo_sqlite_begin, _pool_sqlite_connections"""

    def setUp(self):
        super().setUp()
        tmp = self.useFixture(fixtures.TempDir()).path
        self.engine = engines.create_engine(
            'sqlite:///%s' % os.path.join(tmp, 'compat.sqlite'))
        self.addCleanup(self.engine.dispose)

    def test_sqlite_begin_listener(self):
        # _sqlite_begin relies on oslo.db's marker and its end listeners
        self.assertIn('_sqlite_emit_begin',
                      _listener_names(self.engine, 'begin'))
        self.assertIn('in_transaction"', inspect.getsource(engines))
        for event in ('commit', 'rollback'):
            self.assertIn('_sqlite_end_transaction',
                          _listener_names(self.engine, event))
        db_api.remove_oslo_sqlite_begin(self.engine)
        self.assertNotIn('_sqlite_emit_begin',
                         _listener_names(self.engine, 'begin'))

    def test_sqlite_null_pool_becomes_a_queue_pool(self):
        old = self.engine.pool
        self.assertIsInstance(old, sa.pool.NullPool)
        for name in ('_creator', '_recycle', '_orig_logging_name',
                     '_reset_on_return', '_dialect', 'dispatch'):
            self.assertTrue(hasattr(old, name), name)
        params = dict(inspect.signature(sa.pool.Pool).parameters)
        params.update(inspect.signature(sa.pool.QueuePool).parameters)
        for name in ('pool_size', 'max_overflow', 'recycle', 'logging_name',
                     'reset_on_return', '_dispatch', 'dialect'):
            self.assertIn(name, params)
        db_api.install_engine_hooks(self.engine)
        db_api._pool_sqlite_connections(self.engine)
        self.assertIsInstance(self.engine.pool, sa.pool.QueuePool)
        with self.engine.connect() as conn:
            # the listeners moved with the dispatch: our pragmas ran
            self.assertEqual(1, conn.exec_driver_sql(
                'PRAGMA foreign_keys').scalar())
            self.assertEqual('wal', conn.exec_driver_sql(
                'PRAGMA journal_mode').scalar())


class TestOsloPolicy(base.TestCase):
    """glare.policy._allows_anyone"""

    def test_anyone_rules_parse_to_true_check(self):
        rules = oslo_policy.Rules.from_dict(
            {'empty': '', 'at': '@', 'none': '!', 'role': 'role:admin'})
        self.assertIsInstance(rules['empty'], _checks.TrueCheck)
        self.assertIsInstance(rules['at'], _checks.TrueCheck)
        self.assertTrue(policy._allows_anyone(rules['empty']))
        self.assertTrue(policy._allows_anyone(rules['at']))
        self.assertFalse(policy._allows_anyone(rules['none']))
        self.assertFalse(policy._allows_anyone(rules['role']))
        self.assertFalse(policy._allows_anyone(None))


class TestGlanceStoreFilesystem(base.TestCase):
    """glare.store.api.filesystem_datadir and _FileWriter"""

    def setUp(self):
        super().setUp()
        self.datadir = self.useFixture(fixtures.TempDir()).path
        conf = cfg.ConfigOpts()
        glance_store.register_opts(conf)
        conf([], default_config_files=[], default_config_dirs=[])
        conf.set_override('stores', ['file'], group='glance_store')
        conf.set_override('default_store', 'file', group='glance_store')
        conf.set_override('filesystem_store_datadir', self.datadir,
                          group='glance_store')
        conf.set_override('filesystem_store_file_perm', 640,
                          group='glance_store')
        glance_store.create_stores(conf)
        self.driver = glance_store.get_store_from_scheme('file')

    def test_datadir_and_layout(self):
        self.assertEqual('glance_store._drivers.filesystem',
                         type(self.driver).__module__)
        self.assertFalse(self.driver.multiple_datadirs)
        self.assertEqual(self.datadir,
                         store_api.filesystem_datadir(self.driver))
        # where glance_store's own add() puts data: the layout _FileWriter
        # writes
        data_id = str(uuid.uuid4())
        location = self.driver.add(data_id, io.BytesIO(b'abc'), 3)[0]
        path = os.path.join(self.datadir, data_id)
        self.assertEqual('file://' + path, location)
        self.assertEqual(0o640, os.stat(path).st_mode & 0o777)

    def test_glance_store_reads_and_deletes_what_file_writer_wrote(self):
        data_id = str(uuid.uuid4())
        writer = store_api._FileWriter(
            self.driver, store_api.filesystem_datadir(self.driver), data_id)
        writer.write(b'hello')
        location = writer.finish()
        self.assertEqual(0o640, os.stat(writer.path).st_mode & 0o777)
        loc = glance_store.location.get_location_from_uri(location)
        chunks, size = self.driver.get(loc)
        self.assertEqual((b'hello', 5), (b''.join(chunks), size))
        self.driver.delete(loc)
        self.assertFalse(os.path.exists(writer.path))

    def test_other_drivers_have_no_datadir(self):
        self.assertIsNone(store_api.filesystem_datadir(object()))


class TestGlanceStoreS3(base.TestCase):
    """glare.store.api.s3_stream_unknown_sizes, s3_planned_location and
    s3_multipart_abort (boto3 from test-requirements; the s3 driver
    imports it). Against Swift's s3api: glare/tests/functional/
    test_store_s3.py S3OutageTests."""

    def setUp(self):
        super().setUp()
        try:
            from glance_store._drivers import s3
        except ImportError as exc:
            self.skipTest('the s3 driver does not load: %s' % exc)
        self.s3 = s3

    def test_singlepart_and_multipart(self):
        source = inspect.getsource(self.s3)  # add() is decorated
        self.assertIn('image_size < self.s3_store_large_object_size', source)
        self.assertIn('self._add_singlepart(', source)
        single = inspect.signature(self.s3.Store._add_singlepart).parameters
        multi = inspect.signature(self.s3.Store._add_multipart).parameters
        self.assertEqual(set(single), set(multi))
        # the multipart upload takes an unknown size (0)
        self.assertIn('image_size != 0 and total_bytes',
                      inspect.getsource(self.s3.Store._add_multipart))

    def test_redirect(self):
        calls = []

        class Driver:
            def _add_singlepart(self, **kw):
                calls.append(('single', kw['image_size']))

            def _add_multipart(self, **kw):
                calls.append(('multi', kw['image_size']))
        driver = Driver()
        store_api.s3_stream_unknown_sizes(driver)
        store_api.s3_stream_unknown_sizes(driver)  # once only
        driver._add_singlepart(image_size=0)
        driver._add_singlepart(image_size=5)
        self.assertEqual([('multi', 0), ('single', 5)], calls)


    def s3_driver(self, host):
        conf = cfg.ConfigOpts()
        glance_store.register_opts(conf)
        conf([], default_config_files=[], default_config_dirs=[])
        for name, value in (('stores', ['s3']), ('default_store', 's3'),
                            ('s3_store_host', host),
                            ('s3_store_access_key', 'a:u'),
                            ('s3_store_secret_key', 'k'),
                            ('s3_store_bucket', 'glare')):
            conf.set_override(name, value, group='glance_store')
        glance_store.create_stores(conf)
        return glance_store.get_store_from_scheme('s3')

    def test_planned_location_is_what_add_builds(self):
        data_id = str(uuid.uuid4())
        driver = self.s3_driver('http://127.0.0.1:1/')
        self.assertEqual('s3://127.0.0.1:1/glare/' + data_id,
                         store_api.s3_planned_location(driver, data_id))
        self.assertEqual('b1@s3://127.0.0.1:1/glare/' + data_id,
                         store_api.planned_location('b1', driver, data_id,
                                                    None))
        # read back as the driver reads the locations it returned
        loc = glance_store.location.get_location_from_uri(
            store_api.planned_location(None, driver, data_id, None),
            conf=driver.conf)
        self.assertEqual(('glare', data_id, '127.0.0.1:1'), (
            loc.store_location.bucket, loc.store_location.key,
            loc.store_location.s3serviceurl))
        https = self.s3_driver('https://s3.example.org')
        self.assertEqual('s3+https://s3.example.org/glare/' + data_id,
                         store_api.s3_planned_location(https, data_id))
        # add() (decorated: read in the module) builds its location so
        add = inspect.getsource(self.s3).split('def add(', 1)[1].split(
            '\n    def ', 1)[0]
        self.assertIn("""StoreLocation(store_specs={'scheme': self.scheme,
                                         'bucket': self.bucket,
                                         'key': image_id,
                                         's3serviceurl': self.full_s3_host},
                            conf=self.conf,
                            backend_group=self.backend_group)""", add)
        self.assertIn('return loc.get_uri()', inspect.getsource(
            self.s3.Store._add_multipart))

    def test_delete_and_client(self):
        # the driver's delete() deletes the object only, NotFound when it
        # is not there; _operation_set gives the boto3 client it uses
        delete = inspect.getsource(self.s3).split(
            '    def delete(', 1)[1].split('\n    def ', 1)[0]
        self.assertIn('raise exceptions.NotFound(image=key)', delete)
        self.assertIn('self._operation_set(loc)', delete)
        self.assertNotIn('multipart', delete)
        driver = self.s3_driver('http://127.0.0.1:1')
        loc = glance_store.location.get_location_from_uri(
            's3://127.0.0.1:1/glare/k', conf=driver.conf)
        client, bucket, key = driver._operation_set(loc.store_location)
        self.assertEqual(('glare', 'k'), (bucket, key))
        self.assertTrue(client.can_paginate('list_multipart_uploads'))
        self.assertTrue(callable(client.abort_multipart_upload))


class TestGlanceStoreSwift(base.TestCase):
    """glare.store.api.planned_location, add_size_hint,
    swift_segments_delete and swift_client_retries (python-swiftclient
    from test-requirements; the swift driver imports it)."""

    def setUp(self):
        super().setUp()
        try:
            import swiftclient  # noqa: F401
        except ImportError:
            self.skipTest('python-swiftclient is not installed')
        from glance_store._drivers.swift import store as swift_store
        self.swift_store = swift_store
        workdir = self.useFixture(fixtures.TempDir()).path
        ref = os.path.join(workdir, 'swift.conf')
        with open(ref, 'w') as f:
            f.write('[ref1]\nauth_address = http://127.0.0.1:1/v3\n'
                    'auth_version = 3\nuser = service:glare\nkey = k\n')
        conf = cfg.ConfigOpts()
        glance_store.register_opts(conf)
        conf([], default_config_files=[], default_config_dirs=[])
        for name, value in (('stores', ['swift']), ('default_store', 'swift'),
                            ('swift_store_config_file', ref),
                            ('default_swift_reference', 'ref1'),
                            ('swift_store_container', 'glare'),
                            ('swift_store_large_object_size', 2)):
            conf.set_override(name, value, group='glance_store')
        glance_store.create_stores(conf)
        self.driver = glance_store.get_store_from_scheme('swift')

    def test_planned_location_is_what_add_writes(self):
        data_id = str(uuid.uuid4())
        self.assertEqual('swift+config://ref1/glare/' + data_id,
                         store_api.planned_location(None, self.driver,
                                                    data_id, None))
        self.assertEqual(
            'b1@swift+config://ref1/glare/' + data_id,
            store_api.planned_location('b1', self.driver, data_id, None))
        # add() (decorated: read in the module) builds it the same way
        source = inspect.getsource(self.swift_store)
        self.assertIn('self.create_location(image_id, context=context)',
                      source)
        self.assertIn('is_multiple_swift_store_accounts_enabled', source)
        self.assertIn('"%s-%05d" % (location.obj, chunk_id)', source)

    def test_size_hint(self):
        threshold = self.driver.large_object_size
        self.assertEqual(2 * 1024 * 1000, threshold)
        self.assertEqual(5, store_api.add_size_hint(self.driver, 5))
        self.assertEqual(0, store_api.add_size_hint(self.driver, threshold))
        self.assertEqual(7, store_api.add_size_hint(object(), 7))
        # the segments of data of unknown size are sent chunked
        source = inspect.getsource(self.swift_store)
        self.assertIn('content_length = None', source)

    def test_no_random_access_of_its_own(self):
        # swift_range_get reads ranges itself while the driver cannot
        from glance_store import capabilities
        self.assertFalse(self.driver.is_capable(
            capabilities.BitMasks.READ_OFFSET))

    def test_connection_and_multi_tenant_store(self):
        self.assertEqual(['self', 'location', 'context'], list(
            inspect.signature(self.driver.get_connection.__func__
                              ).parameters))
        self.assertTrue(hasattr(self.swift_store, 'MultiTenantStore'))
        self.assertIn('delete_container', inspect.getsource(
            self.swift_store.MultiTenantStore.delete))

    def test_client_retries(self):
        import swiftclient
        self.addCleanup(setattr, swiftclient, 'Connection',
                        swiftclient.Connection)
        # other tests of this process may have built Stores already
        original = getattr(swiftclient.Connection, 'glare_base',
                           swiftclient.Connection)
        self.assertIn('retries', inspect.signature(
            original.__init__).parameters)
        store_api.swift_client_retries(1)
        store_api.swift_client_retries(2)  # again: not stacked
        conn = swiftclient.Connection(preauthurl='http://127.0.0.1:1/v1/a',
                                      preauthtoken='t')
        self.assertEqual(2, conn.retries)
        self.assertIs(original, swiftclient.Connection.glare_base)
        self.assertEqual(4, swiftclient.Connection(
            preauthurl='http://x/v1/a', preauthtoken='t', retries=4).retries)
        # the driver calls the package attribute
        self.assertIn('swiftclient.Connection(', inspect.getsource(
            self.swift_store))


class TestVersionedObjects(base.TestCase):
    """glare.objects.base.FIELD_ATTR_PREFIX"""

    def test_field_storage_attribute(self):
        self.assertEqual(objects_base.FIELD_ATTR_PREFIX + 'name',
                         ovo_base._get_attrname('name'))

        class CompatArtifact(objects_base.BaseArtifact):
            TYPE_NAME = 'compat_artifact'

        # as glare.objects.registry registers each type
        cls = objects_base.GlareObjectRegistry.register_if(True)(
            CompatArtifact)
        obj = cls()
        obj.name = 'x'  # through oslo.versionedobjects' setter
        self.assertEqual('x', obj.get('name'))
        self.assertEqual('y', cls.from_values({'name': 'y'}).name)


class TestPyYAML(base.TestCase):
    """glare.artifact_types.yaml_docs._Parser"""

    def test_libyaml_parser(self):
        if not yaml.__with_libyaml__:
            self.skipTest('PyYAML built without libyaml')
        # the C parser alone (no constructor), from PyYAML's private module
        self.assertIs(yaml._yaml.CParser, yaml_docs._Parser)


class TestGunicorn(base.TestCase):
    """glare.cmd.server's worker extends gunicorn's gthread worker and its
    body readers (checked against gunicorn 27; requirements.txt caps it)."""

    OVERRIDDEN = ('accept', 'on_client_socket_readable', 'finish_request',
                  'murder_pending', 'murder_keepalived', 'handle',
                  'handle_request', 'handle_error', 'set_accept_enabled')

    def test_thread_worker_methods_we_override(self):
        for name in self.OVERRIDDEN:
            self.assertTrue(callable(getattr(gthread.ThreadWorker, name,
                                             None)), name)
        self.assertEqual(['self', 'req', 'conn'], list(inspect.signature(
            gthread.ThreadWorker.handle_request).parameters))
        self.assertEqual(['self', 'req', 'client', 'addr', 'exc'], list(
            inspect.signature(gthread.ThreadWorker.handle_error).parameters))

    def test_thread_worker_state_we_read(self):
        # the worker's own bookkeeping, kept in step by our accept/close
        source = inspect.getsource(gthread.ThreadWorker)
        for attribute in ('self.nr_conns', 'self.keepalived_conns',
                          'self.poller', 'self.tpool'):
            self.assertIn(attribute, source)
        self.assertIsInstance(gthread.STOP_KEEPALIVE_LINGER, (int, float))
        # a pool with nothing queued lets a kept-alive client go on
        with concurrent.futures.ThreadPoolExecutor(1) as pool:
            self.assertTrue(pool._work_queue.empty())

    def test_connection(self):
        self.assertEqual(['self', 'cfg', 'sock', 'client', 'server'],
                         list(inspect.signature(
                             gthread.TConn.__init__).parameters))
        sock, other = socket.socketpair()
        self.addCleanup(sock.close)
        self.addCleanup(other.close)
        conn = gthread.TConn(gunicorn_config.Config(), sock, None, None)
        self.assertIsNone(conn.parser)
        self.assertTrue(callable(conn.init))
        self.assertFalse(conn.is_http2)

    def test_bodies_and_readers(self):
        self.assertTrue(callable(gunicorn_body.Body._read_reader))
        reader = gunicorn_unreader.IterUnreader([b'abc'])
        reader.unread(b'xy')
        self.assertEqual(b'xy', reader.take_buffered())
        self.assertTrue(hasattr(reader, 'buf'))
        length = gunicorn_body.LengthReader(reader, 3)
        self.assertEqual((3, reader), (length.length, length.unreader))
        for error in (gunicorn_errors.NoMoreData,
                      gunicorn_errors.ParseException):
            self.assertTrue(issubclass(error, Exception), error)
        self.assertTrue(callable(gunicorn_util.write_nonblock))

    def test_settings_we_set(self):
        settings = gunicorn_config.Config().settings
        for name in ('control_socket_disable', 'post_worker_init',
                     'http_protocols', 'limit_request_line', 'threads',
                     'keepalive', 'worker_class'):
            self.assertIn(name, settings)
