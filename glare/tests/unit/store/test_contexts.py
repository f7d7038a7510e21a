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

"""The store interface's handling of failures and contexts, without a
real store: the reader of a store that fails or stops early, errors of
the drivers' own clients, the service's credentials and catalog."""

from unittest import mock

from glare import exception
from glare.store import api as store_api
from glare.store import base as store_base
from glare.store import credentials
from glare.tests import base


class ClientError(Exception):
    """Shaped like swiftclient's ClientException: an http_status."""

    def __init__(self, status):
        super().__init__('HTTP %s' % status)
        self.http_status = status


def _chunks(*items):
    for item in items:
        if isinstance(item, Exception):
            raise item
        yield item


class TestReader(base.TestCase):

    def test_whole_data(self):
        reader = store_base.Reader(_chunks(b'ab', b'cd'), 4)
        self.assertEqual(b'abcd', b''.join(reader))

    def test_store_failing_mid_stream_is_a_503(self):
        reader = store_base.Reader(_chunks(b'ab', ConnectionError('gone')),
                                   4)
        it = iter(reader)
        self.assertEqual(b'ab', next(it))
        self.assertRaises(exception.ServiceUnavailable, next, it)

    def test_store_ending_early_is_a_503_not_a_short_body(self):
        reader = store_base.Reader(_chunks(b'ab'), 4)
        error = self.assertRaises(exception.ServiceUnavailable, b''.join,
                                  reader)
        self.assertIn('2 of 4', str(error))

    def test_closed_reader_just_ends(self):
        reader = store_base.Reader(_chunks(b'ab', b'cd'), 4)
        it = iter(reader)
        next(it)
        reader.close()
        self.assertEqual(b'', b''.join(reader))

    def test_glare_errors_pass_unchanged(self):
        reader = store_base.Reader(_chunks(exception.NotFound('x')), 1)
        self.assertRaises(exception.NotFound, b''.join, reader)


class TestTranslate(base.TestCase):

    def test_client_errors_are_503(self):
        for exc in (ClientError(500), ConnectionError('refused'),
                    ValueError('odd')):
            self.assertIsInstance(store_api.translate(exc),
                                  exception.ServiceUnavailable)

    def test_refused_token(self):
        for status in (401, 403):
            out = store_api.translate(ClientError(status))
            self.assertIsInstance(out, exception.ServiceUnavailable)
            self.assertIn('refused', str(out))

    def test_glare_errors_unchanged(self):
        exc = exception.NotFound('x')
        self.assertIs(exc, store_api.translate(exc))


class _Stores(store_api.Stores):
    """Stores without glance_store: only the context choice."""

    def __init__(self, service):
        self.service = mock.Mock()
        self.service.context.return_value = service


class TestContexts(base.TestCase):

    def setUp(self):
        super().setUp()
        self.service = credentials.StoreContext('svc', 'u', 'p', [])
        self.stores = _Stores(self.service)
        self.user = mock.Mock(auth_token='user-token')

    def test_caller_context_first(self):
        seen = []
        self.stores._with_context(self.user, seen.append)
        self.assertEqual([self.user], seen)

    def test_no_token_means_the_service(self):
        seen = []
        self.stores._with_context(mock.Mock(auth_token=None), seen.append)
        self.stores._with_context(None, seen.append)
        self.assertEqual([self.service, self.service], seen)

    def test_refused_caller_retried_with_the_service(self):
        seen = []

        def call(ctx):
            seen.append(ctx)
            if ctx is self.user:
                raise ClientError(403)
            return 'data'
        self.assertEqual('data', self.stores._with_context(self.user, call))
        self.assertEqual([self.user, self.service], seen)

    def test_other_failures_not_retried(self):
        seen = []

        def call(ctx):
            seen.append(ctx)
            raise ClientError(503)
        self.assertRaises(ClientError, self.stores._with_context, self.user,
                          call)
        self.assertEqual([self.user], seen)

    def test_without_service_credentials_the_refusal_stands(self):
        self.stores.service.context.return_value = None

        def call(ctx):
            raise ClientError(403)
        self.assertRaises(ClientError, self.stores._with_context, self.user,
                          call)


class TestServiceCredentials(base.TestCase):

    def test_v2_catalog(self):
        catalog = [{'type': 'object-store', 'name': 'swift', 'endpoints': [
            {'interface': 'public', 'region_id': 'R1', 'url': 'http://p'},
            {'interface': 'internal', 'region_id': 'R1', 'url': 'http://i'},
            {'interface': 'public', 'region_id': 'R2', 'url': 'http://q'},
        ]}]
        out = credentials.v2_catalog(catalog)
        self.assertEqual([{'type': 'object-store', 'name': 'swift',
                           'endpoints': [
                               {'region': 'R1', 'publicURL': 'http://p',
                                'internalURL': 'http://i'},
                               {'region': 'R2', 'publicURL': 'http://q'}]}],
                         out)

    def test_off_unless_multi_tenant(self):
        conf = self.useFixture(base.ConfigFixture()).conf
        service = credentials.ServiceCredentials(conf)
        self.assertFalse(service.enabled)
        self.assertIsNone(service.context())

    def test_multi_tenant_needs_credentials(self):
        conf = self.useFixture(base.ConfigFixture()).conf
        conf.set_override('swift_store_multi_tenant', True,
                          group='glance_store')
        error = self.assertRaises(exception.ConfigurationError,
                                  credentials.ServiceCredentials, conf)
        self.assertIn('store_credentials', str(error))
