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

"""Pull and push between three real clouds (global <- vendor <-
enterprise): POST /artifacts/{type}/pull and .../{id}/push.

A pull brings an artifact and its dependency closure, verified, all or
nothing, idempotently, with its origin; a push sends one to an upstream
that takes pushes, never back where it came from. Upstreams that
misbehave (a proxy that flips a byte, a server that never answers, TLS,
garbage, a 500, a never-ending or broken body, redirects to private
addresses) and quotas each give one clear answer and leave nothing.
"""

import io
import json
import os
import tarfile
import time
import uuid

import sqlalchemy as sa

from glare.tests.fixtures import murano_packages as pkgs
from glare.tests.fixtures import upstream_fakes
from glare.tests.functional import base
from glare.tests.functional import federation_base
from glare.tests.functional import test_notifications

SAMPLE = base.SAMPLE
MURANO = 'murano_packages'
BUNDLE_TYPE = upstream_fakes.BUNDLE_TYPE
#: every table an import writes
TABLES = ('glare_artifacts', 'glare_artifact_blobs',
          'glare_artifact_properties', 'glare_artifact_tags',
          'glare_artifact_members', 'glare_blob_uploads',
          'glare_store_trash')
LOGO = b'\x89PNG\r\n' + bytes(64)


class FederationMixin:
    """Requests and checks of pulls and pushes on the topology."""

    def setUp(self):
        super().setUp()
        # who publishes at the upstreams: another project than the
        # caller's at enterprise
        self.publisher = base.FunctionalTest.auth('pub-' + self.project)

    # -- requests --------------------------------------------------------
    def pull(self, cloud, upstream, artifact_id, type_name=SAMPLE,
             dependencies=None, headers=None, body=None):
        if body is None:
            body = {'upstream': upstream, 'id': artifact_id}
            if dependencies is not None:
                body['dependencies'] = dependencies
        return self.call(cloud, 'POST', '/artifacts/%s/pull' % type_name,
                         headers, body)

    def pulled(self, cloud, upstream, artifact_id, **kw):
        resp = self.pull(cloud, upstream, artifact_id, **kw)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def push(self, cloud, upstream, artifact_id, type_name=SAMPLE,
             dependencies=None, headers=None):
        body = {'upstream': upstream}
        if dependencies is not None:
            body['dependencies'] = dependencies
        return self.call(cloud, 'POST', '/artifacts/%s/%s/push' % (
            type_name, artifact_id), headers, body)

    def patch(self, cloud, type_name, artifact_id, ops, headers=None):
        sent = dict(headers if headers is not None else self.user)
        sent['Content-Type'] = 'application/json-patch+json'
        resp = self.call(cloud, 'PATCH', '/artifacts/%s/%s' % (
            type_name, artifact_id), sent, data=json.dumps(ops))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def release(self, cloud, artifact_id, type_name=SAMPLE, headers=None,
                public=True):
        """Activate (as the owner, headers) and, if asked, publish."""
        self.patch(cloud, type_name, artifact_id, [
            {'op': 'replace', 'path': '/status', 'value': 'active'}],
            headers)
        if public:
            self.patch(cloud, type_name, artifact_id, [
                {'op': 'replace', 'path': '/visibility',
                 'value': 'public'}], self.admin)

    def show(self, cloud, artifact_id, type_name=SAMPLE, headers=None,
             expect=200):
        resp = self.call(cloud, 'GET', '/artifacts/%s/%s' % (
            type_name, artifact_id), headers)
        self.assertEqual(expect, resp.status_code, base.brief(resp))
        return resp.json()

    def data(self, cloud, artifact_id, field, type_name=SAMPLE,
             headers=None):
        resp = self.call(cloud, 'GET', '/artifacts/%s/%s/%s' % (
            type_name, artifact_id, field), headers)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.content

    def sample(self, cloud, headers=None, blobs=None, public=True,
               **fields):
        """An active sample_artifact with blob data (field -> bytes)."""
        headers = headers if headers is not None else self.publisher
        fields.setdefault('string_required', 'set')
        af = self.create(cloud, SAMPLE, headers, **fields)
        for field, data in (blobs or {}).items():
            self.upload(cloud, af['id'], field, data, headers)
        self.release(cloud, af['id'], headers=headers, public=public)
        return af['id']

    def murano_chain(self, cloud, count, headers=None):
        """count public Murano packages, each requiring the one before
        (the first with a logo): [(id, package bytes)]."""
        headers = headers if headers is not None else self.publisher
        names = ['io.test.Fed%d_%s' % (i, uuid.uuid4().hex[:8])
                 for i in range(count)]
        out = []
        for i, name in enumerate(names):
            extra = {'Require': {names[i - 1]: '>=1'}} if i else {
                'Logo': 'icon.png'}
            data = pkgs.package(name, '1.0.0', files={'icon.png': LOGO},
                                **extra)
            af = self.create(cloud, MURANO, headers)
            self.upload(cloud, af['id'], 'package', data, headers,
                        type_name=MURANO)
            self.release(cloud, af['id'], MURANO, headers)
            out.append((af['id'], data))
        return out

    def manifest_digests(self, cloud, upstream, artifact_id,
                         type_name=SAMPLE):
        """{id: manifest digest} of the bundle upstream exports for
        cloud's service identity there."""
        resp = self.call(upstream, 'GET', '/artifacts/%s/%s/bundle' % (
            type_name, artifact_id), self.as_service(cloud, upstream))
        self.assertEqual(200, resp.status_code, base.brief(resp))
        with tarfile.open(fileobj=io.BytesIO(resp.content)) as tar:
            index = json.load(tar.extractfile('index.json'))
        return {m['annotations']['org.openstack.glare.id']: m['digest']
                for m in index['manifests']}

    # -- state -----------------------------------------------------------
    def snapshot(self, cloud):
        """Row counts of every table an import writes, and the files of
        cloud's store."""
        engine = sa.create_engine(self.db_urls[cloud],
                                  poolclass=sa.pool.NullPool)
        try:
            with engine.connect() as conn:
                counts = {t: conn.execute(sa.text(
                    'SELECT COUNT(*) FROM %s' % t)).scalar()
                    for t in TABLES}
        finally:
            engine.dispose()
        store = os.path.join(self.workdir, cloud, 'state', 'blobs')
        files = sorted(os.listdir(store)) if os.path.isdir(store) else []
        return counts, files

    def refused(self, code, resp, message=None):
        return self.assertError(code, resp, message)

    def assertPulled(self, cloud, upstream, ids, result, digests,
                     type_name=SAMPLE, from_cloud=None):
        """The artifacts of ids came in: private to the caller's
        project, with their origin."""
        self.assertEqual((upstream, False, []), (
            result['upstream'], result['dry_run'], result['skipped']))
        self.assertEqual(sorted(ids),
                         sorted(a['id'] for a in result['imported']))
        for art_id in ids:
            doc = self.show(cloud, art_id, type_name)
            self.assertEqual((self.project, 'private', 'active'), (
                doc['owner'], doc['visibility'], doc['status']))
            self.assertEqual({'cloud_id': 'cloud-%s' % (
                from_cloud or upstream), 'upstream': upstream,
                'id': art_id, 'digest': digests[art_id]}, doc['origin'])
            # no one else's: private to the caller's project
            self.show(cloud, art_id, type_name,
                      base.FunctionalTest.auth('other-' + self.project),
                      expect=404)


@federation_base.with_backends
class PullPushTests(FederationMixin):
    """Pulls into enterprise, pushes from it; enterprise may push to both
    its upstreams, vendor to none."""

    UPSTREAM_OPTIONS = {('enterprise', 'vendor'): {'push': 'True'},
                        ('enterprise', 'global'): {'push': 'True'}}
    TOPIC = 'glare_fed_%s' % uuid.uuid4().hex
    CLOUD_CONFIG = {'enterprise': {'oslo_messaging_notifications': {
        'driver': 'messagingv2',
        'transport_url': test_notifications.TRANSPORT_URL,
        'topics': TOPIC}}}

    def test_a_murano_application_comes_with_its_require_closure(self):
        chain = self.murano_chain('global', 3)
        ids = [i for i, _data in chain]
        top = ids[-1]
        digests = self.manifest_digests('enterprise', 'global', top, MURANO)
        before = self.snapshot('enterprise')
        result = self.pulled('enterprise', 'global', top, type_name=MURANO)
        self.assertPulled('enterprise', 'global', ids, result, digests,
                          MURANO)
        for i, (art_id, data) in enumerate(chain):
            self.assertEqual(data, self.data('enterprise', art_id,
                                             'package', MURANO))
            doc = self.show('enterprise', art_id, MURANO)
            self.assertEqual(
                ['/artifacts/%s/%s' % (MURANO, ids[i - 1])] if i else [],
                doc['dependencies'])
        self.assertEqual(LOGO, self.data('enterprise', ids[0],
                                         'resources/logo', MURANO))
        # a second pull imports nothing and changes nothing
        after = self.snapshot('enterprise')
        self.assertNotEqual(before, after)
        again = self.pulled('enterprise', 'global', top, type_name=MURANO)
        self.assertEqual([], again['imported'])
        self.assertEqual({(i, 'identical') for i in ids},
                         {(s['id'], s['reason']) for s in again['skipped']})
        self.assertEqual(after, self.snapshot('enterprise'))

    def test_links_lists_and_dicts_of_links_come_along(self):
        leaf = self.sample('global', blobs={'blob': b'leaf data' * 100})
        listed = self.sample('global', blobs={
            'dict_of_blobs/k1': b'k1 data', 'dict_of_blobs/k2': b'k2'})
        keyed = self.sample('global', blobs={'blob': b'keyed'})
        app = self.sample('global', blobs={'blob': b'app data'},
                          link1='/artifacts/%s/%s' % (SAMPLE, leaf),
                          list_of_links=['/artifacts/%s/%s' % (SAMPLE,
                                                               listed)],
                          dict_of_links={'k': '/artifacts/%s/%s' % (
                              SAMPLE, keyed)})
        digests = self.manifest_digests('enterprise', 'global', app)
        # without its dependencies, while none is here: refused whole
        before = self.snapshot('enterprise')
        self.refused(409, self.pull('enterprise', 'global', app,
                                    dependencies=False),
                     'does not hold')
        self.assertEqual(before, self.snapshot('enterprise'))
        # one of them alone, then the application with all of them
        result = self.pulled('enterprise', 'global', keyed,
                             dependencies=False)
        self.assertEqual([keyed], [a['id'] for a in result['imported']])
        result = self.pulled('enterprise', 'global', app)
        self.assertEqual(sorted([app, leaf, listed]),
                         sorted(a['id'] for a in result['imported']))
        self.assertEqual([(keyed, 'identical')],
                         [(s['id'], s['reason']) for s in result['skipped']])
        result['skipped'] = []
        result['imported'].append({'id': keyed})
        self.assertPulled('enterprise', 'global', [app, leaf, listed, keyed],
                          result, digests)
        doc = self.show('enterprise', app)
        self.assertEqual(('/artifacts/%s/%s' % (SAMPLE, leaf),
                          ['/artifacts/%s/%s' % (SAMPLE, listed)],
                          {'k': '/artifacts/%s/%s' % (SAMPLE, keyed)}),
                         (doc['link1'], doc['list_of_links'],
                          doc['dict_of_links']))
        self.assertEqual(b'leaf data' * 100,
                         self.data('enterprise', leaf, 'blob'))
        self.assertEqual(b'k1 data', self.data('enterprise', listed,
                                               'dict_of_blobs/k1'))

    def test_bad_requests_and_who_may_pull(self):
        art = self.sample('global')
        path = '/artifacts/%s/pull' % SAMPLE
        for body, message in (
                ([], 'must be a JSON object'),
                ({}, 'must hold "upstream"'),
                ({'upstream': 'global'}, 'must hold "id"'),
                ({'upstream': 'global', 'id': art, 'to': 'x'},
                 'Unknown key(s) in the body: to'),
                ({'upstream': 1, 'id': art}, '"upstream" is a string'),
                ({'upstream': 'global', 'id': 5}, '"id" is a string'),
                ({'upstream': 'global', 'id': art, 'dependencies': 'yes'},
                 '"dependencies" is true or false'),
                ({'upstream': 'global', 'id': 'x'}, 'a UUID'),
                ({'upstream': 'elsewhere', 'id': art},
                 "No upstream catalog is called 'elsewhere' (upstreams: "
                 "vendor, global)")):
            self.refused(400, self.call('enterprise', 'POST', path,
                                        json_body=body), message)
        self.refused(400, self.call('enterprise', 'POST', path + '?x=1',
                                    json_body={}), 'Unknown query')
        self.refused(415, self.call('enterprise', 'POST', path,
                                    data=b'x', headers=dict(
                                        self.user,
                                        **{'Content-Type': 'text/plain'})))
        self.refused(405, self.call('enterprise', 'GET', path))
        self.refused(404, self.pull('enterprise', 'global', art,
                                    type_name='no_such_type'))
        self.refused(403, self.pull('enterprise', 'global', art,
                                    type_name='all'), 'read-only')
        # a reader may not pull (artifact:pull: project member); an
        # anonymous caller neither
        self.refused(403, self.pull('enterprise', 'global', art,
                                    headers=base.FunctionalTest.auth(
                                        self.project, 'reader')),
                     'artifact:pull')
        anonymous = {'X-Identity-Status': 'Invalid'}
        self.assertIn(self.pull('enterprise', 'global', art,
                                headers=anonymous).status_code, (401, 403))
        # what the upstream does not have, or will not show the service
        missing = str(uuid.uuid4())
        self.refused(404, self.pull('enterprise', 'global', missing),
                     'Upstream global has no sample_artifact artifact %s'
                     % missing)
        private = self.sample('global', public=False)
        self.refused(404, self.pull('enterprise', 'global', private),
                     'Upstream global has no')
        # and nothing of those came in
        self.show('enterprise', art, expect=404)

    def test_push_only_where_allowed_and_never_back(self):
        dep = self.sample('enterprise', self.user, public=False,
                          blobs={'blob': b'dep'})
        app = self.sample('enterprise', self.user, public=False,
                          link1='/artifacts/%s/%s' % (SAMPLE, dep))
        # vendor takes no pushes from enterprise... the option's name
        self.refused(403, self.push('vendor', 'global', app),
                     '[upstream:global] push = False')
        # only the owner (or an admin) pushes
        other = base.FunctionalTest.auth('other-' + self.project)
        self.refused(404, self.push('enterprise', 'vendor', app,
                                    headers=other))
        self.patch('enterprise', SAMPLE, app, [
            {'op': 'replace', 'path': '/visibility', 'value': 'public'}],
            self.admin)
        self.refused(403, self.push('enterprise', 'vendor', app,
                                    headers=other), 'artifact:push')
        resp = self.push('enterprise', 'vendor', app)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        result = resp.json()
        self.assertEqual(('vendor', sorted([app, dep]), []), (
            result['upstream'], sorted(a['id'] for a in result['imported']),
            result['skipped']))
        # at vendor: the service's, from cloud-enterprise
        service = self.as_service('enterprise', 'vendor')
        for art_id in (app, dep):
            doc = self.show('vendor', art_id, headers=service)
            self.assertEqual(
                (self.service_project('enterprise', 'vendor'), 'private',
                 'cloud-enterprise', None, art_id),
                (doc['owner'], doc['visibility'], doc['origin']['cloud_id'],
                 doc['origin']['upstream'], doc['origin']['id']))
        self.assertEqual(b'dep', self.data('vendor', dep, 'blob',
                                           headers=service))
        # again: the upstream skips what it has
        resp = self.push('enterprise', 'vendor', app)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(([], {'identical'}), (
            resp.json()['imported'],
            {s['reason'] for s in resp.json()['skipped']}))

        # an artifact of vendor's, pulled into enterprise...
        theirs = self.sample('vendor', blobs={'blob': b'from vendor'})
        self.pulled('enterprise', 'vendor', theirs)
        # ... never goes back to vendor, alone or as a dependency
        before = self.snapshot('vendor')
        self.refused(409, self.push('enterprise', 'vendor', theirs),
                     '%s/%s (it came from that cloud (cloud-vendor))' % (
                         SAMPLE, theirs))
        mine = self.sample('enterprise', self.user, public=False,
                           link1='/artifacts/%s/%s' % (SAMPLE, theirs))
        body = self.refused(409, self.push('enterprise', 'vendor', mine),
                            'never pushed back')
        self.assertEqual([theirs], [a['id'] for a in body['artifacts']])
        self.assertEqual(before, self.snapshot('vendor'))
        # without its dependencies it goes: its link resolves at vendor
        resp = self.push('enterprise', 'vendor', mine, dependencies=False)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual([mine], [a['id'] for a in resp.json()['imported']])
        # to global it may go: it came from vendor, not from global
        resp = self.push('enterprise', 'global', theirs)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        doc = self.show('global', theirs,
                        headers=self.as_service('enterprise', 'global'))
        self.assertEqual('cloud-vendor', doc['origin']['cloud_id'])

    def test_through_vendor_the_origin_names_the_first_cloud(self):
        art = self.sample('global', blobs={'blob': b'made at global'})
        # vendor pulls it (a user of vendor) and publishes it there
        result = self.pulled('vendor', 'global', art)
        self.assertEqual([art], [a['id'] for a in result['imported']])
        self.patch('vendor', SAMPLE, art, [
            {'op': 'replace', 'path': '/visibility', 'value': 'public'}],
            self.admin)
        digest = self.manifest_digests('enterprise', 'vendor', art)[art]
        self.assertNotEqual(
            self.manifest_digests('enterprise', 'global', art)[art], digest)
        result = self.pulled('enterprise', 'vendor', art)
        self.assertPulled('enterprise', 'vendor', [art], result,
                          {art: digest}, from_cloud='global')
        self.assertEqual(b'made at global',
                         self.data('enterprise', art, 'blob'))
        # it goes back neither to vendor (pulled from it) nor to global
        # (made there)
        self.refused(409, self.push('enterprise', 'vendor', art),
                     'it was pulled from upstream vendor')
        self.refused(409, self.push('enterprise', 'global', art),
                     'it came from that cloud (cloud-global)')

    def test_pull_and_push_are_notified(self):
        test_notifications.require_rabbitmq(self)
        bus = test_notifications.Bus(self.TOPIC)
        self.addCleanup(bus.close)
        art = self.sample('global', blobs={'blob': b'notified'})
        self.pulled('enterprise', 'global', art)
        mine = self.sample('enterprise', self.user, public=False)
        resp = self.push('enterprise', 'vendor', mine, dependencies=False)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        # the import's create of the pulled artifact, then the pull
        sent = bus.wait_for(3, lambda n: n['payload'].get('id') == art or
                            n['event_type'] == 'artifact.push')
        self.assertEqual(['artifact.create', 'artifact.pull',
                          'artifact.push'],
                         [n['event_type'] for n in sent])
        pulled, pushed = sent[1]['payload'], sent[2]['payload']
        self.assertEqual(
            {'upstream': 'global', 'type_name': SAMPLE, 'id': art,
             'dependencies': True, 'skipped': []},
            {k: v for k, v in pulled.items() if k != 'imported'})
        self.assertEqual([art], [a['id'] for a in pulled['imported']])
        self.assertEqual(('vendor', mine, False, [mine]), (
            pushed['upstream'], pushed['id'], pushed['dependencies'],
            [a['id'] for a in pushed['imported']]))
        self.assertEqual(self.project, sent[2]['_context_project_id'])


class BadUpstreamTests(FederationMixin, federation_base.FederationTest):
    """enterprise with upstreams that misbehave, besides vendor and
    global: each failure is one clear answer, and nothing of the pull
    stays."""

    BACKEND = 'sqlite'
    TIMEOUT = 2
    # anonymous callers read public artifacts at global (the "anonymous"
    # upstream: auth_type none)
    CLOUD_CONFIG = {'global': {'DEFAULT': {
        'allow_anonymous_access': 'True'}}}

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        target = cls.clouds['global'].url
        cls.proxy = upstream_fakes.UpstreamProxy(target).start()
        cls.addClassCleanup(cls.proxy.stop)
        cls.ca = upstream_fakes.TestCA(cls.workdir)
        cls.tls = upstream_fakes.UpstreamProxy(
            target, cls.ca.server_context()).start()
        cls.addClassCleanup(cls.tls.stop)
        cls.tarpit = upstream_fakes.TarPit()
        cls.addClassCleanup(cls.tarpit.stop)
        modes = ('corrupt', 'swap', 'closure', 'stall', 'breakoff',
                 'endless', 'garbage', 'garbage-bundle', 'error500',
                 'redirect-private', 'redirect-metadata')
        cls.extra_upstreams.update({m: cls.proxy.url(m) for m in modes})
        cls.extra_upstreams.update(
            tarpit=cls.tarpit.url, tls=cls.tls.url('pass'),
            tlsnoca=cls.tls.url('pass'), nopull=target, images=target,
            anonymous=cls.proxy.url('anonymous'))
        cls.UPSTREAM_OPTIONS = dict(cls.UPSTREAM_OPTIONS)
        for name in cls.extra_upstreams:
            cls.UPSTREAM_OPTIONS[('enterprise', name)] = {
                'timeout': str(cls.TIMEOUT)}
        cls.UPSTREAM_OPTIONS[('enterprise', 'tls')].update(
            cafile=cls.ca.ca_file)
        cls.UPSTREAM_OPTIONS[('enterprise', 'nopull')].update(pull='False')
        cls.UPSTREAM_OPTIONS[('enterprise', 'images')].update(
            types='images')
        cls.UPSTREAM_OPTIONS[('enterprise', 'anonymous')].update(
            auth_type='none')
        for name in ('error500', 'tarpit'):
            cls.UPSTREAM_OPTIONS[('enterprise', name)].update(push='True')
        cls.restart_cloud('enterprise', cls.enterprise_upstreams())

    @classmethod
    def enterprise_upstreams(cls):
        return ('vendor', 'global') + tuple(sorted(cls.extra_upstreams))

    def published(self, data):
        return self.sample('global', blobs={'blob': data})

    def failed(self, code, upstream, art, message, cloud='enterprise'):
        """The pull from upstream is refused with code naming message,
        and nothing of it stays."""
        before = self.snapshot(cloud)
        started = time.monotonic()
        body = self.refused(code, self.pull(cloud, upstream, art), message)
        self.assertEqual(before, self.snapshot(cloud))
        self.show(cloud, art, expect=404)
        return body, time.monotonic() - started

    def test_a_byte_flipped_in_transit_fails_the_pull(self):
        marker = b'flip me in transit ' + uuid.uuid4().hex.encode()
        art = self.published(marker * 50)
        self.proxy.httpd.marker = marker
        flipped = self.proxy.httpd.flipped
        self.failed(502, 'corrupt', art, 'does not match its name')
        self.assertEqual(flipped + 1, self.proxy.httpd.flipped)
        # the same bundle untouched: pulled
        self.pulled('enterprise', 'global', art)
        self.assertEqual(marker * 50, self.data('enterprise', art, 'blob'))

    def test_an_upstream_that_never_answers_times_out(self):
        art = self.published(b'x')
        _body, took = self.failed(
            504, 'tarpit', art, 'upstream tarpit: no answer within %d'
            % self.TIMEOUT)
        self.assertLess(took, self.TIMEOUT + 5)

    def test_a_body_that_stalls_or_breaks_off(self):
        art = self.published(os.urandom(256 * 1024))
        _body, took = self.failed(504, 'stall', art, 'stalled')
        self.assertLess(took, self.TIMEOUT + 5)
        self.failed(502, 'breakoff', art, 'broke off')

    def test_garbage_errors_and_never_ending_bodies(self):
        art = self.published(b'y' * 1000)
        self.failed(502, 'garbage', art, 'answered text/html, not a bundle')
        self.failed(502, 'garbage-bundle', art, 'does not verify')
        self.failed(502, 'error500', art,
                    '500 the upstream database is away')
        closed = self.proxy.httpd.endless_closed
        _body, took = self.failed(502, 'endless', art,
                                  'follow the end of the archive')
        self.assertLess(took, 30)
        # the pull stopped reading it: the connection is closed
        deadline = time.monotonic() + 10
        while self.proxy.httpd.endless_closed == closed and \
                time.monotonic() < deadline:
            time.sleep(0.05)
        self.assertEqual(closed + 1, self.proxy.httpd.endless_closed)

    def test_a_bundle_of_something_else_than_asked_for(self):
        art = self.published(b'asked for')
        other = self.published(b'sent instead')
        self.proxy.httpd.swap = (art, other)
        self.failed(502, 'swap', art, 'its root is artifact %s/%s, not the '
                    'artifact %s/%s asked for' % (SAMPLE, other, SAMPLE, art))
        app = self.sample('global', link1='/artifacts/%s/%s' % (SAMPLE,
                                                                 other))
        before = self.snapshot('enterprise')
        self.refused(502, self.pull('enterprise', 'closure', app,
                                    dependencies=False),
                     'it holds 2 artifacts, not only the one asked for')
        self.assertEqual(before, self.snapshot('enterprise'))

    def test_redirects_are_not_followed(self):
        art = self.published(b'z')
        for upstream, where in (('redirect-private', '10.0.0.1'),
                                ('redirect-metadata', '169.254.169.254')):
            self.failed(502, upstream, art, 'with a redirect to %s; '
                        'redirects are not followed' % where)

    def test_tls_is_verified_with_the_configured_ca(self):
        art = self.published(b'over TLS')
        self.failed(502, 'tlsnoca', art, 'upstream tlsnoca: TLS failed')
        result = self.pulled('enterprise', 'tls', art)
        self.assertEqual([art], [a['id'] for a in result['imported']])
        doc = self.show('enterprise', art)
        self.assertEqual(('cloud-global', 'tls'), (
            doc['origin']['cloud_id'], doc['origin']['upstream']))
        self.assertEqual(b'over TLS', self.data('enterprise', art, 'blob'))

    def test_options_of_the_upstream(self):
        art = self.published(b'o')
        self.failed(403, 'nopull', art, '[upstream:nopull] pull = False')
        self.failed(403, 'images', art,
                    'Upstream images is not used for sample_artifact '
                    'artifacts: [upstream:images] types = images')

    def test_anonymous_at_the_upstream_pulls_public_artifacts_only(self):
        public = self.published(b'p')
        private = self.sample('global', public=False)
        self.failed(404, 'anonymous', private, 'Upstream anonymous has no')
        result = self.pulled('enterprise', 'anonymous', public)
        self.assertEqual([public], [a['id'] for a in result['imported']])

    def test_a_bundle_over_the_callers_quota(self):
        art = self.published(b'q' * 5000)
        resp = self.call('enterprise', 'PUT', '/quotas', self.admin, [
            {'project_id': self.project, 'project_quotas': [
                {'quota_name': 'max_uploaded_data', 'quota_value': 4000}]}])
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.failed(413, 'global', art, 'max_uploaded_data')

    def test_push_only_to_an_upstream_with_push_true(self):
        mine = self.sample('enterprise', self.user, public=False,
                           blobs={'blob': b'pushed'})
        before = self.snapshot('vendor')
        self.refused(403, self.push('enterprise', 'vendor', mine),
                     'Upstream vendor does not take pushes: '
                     '[upstream:vendor] push = False')
        self.assertEqual(before, self.snapshot('vendor'))
        self.restart_cloud('enterprise', self.enterprise_upstreams(), {
            'upstream:vendor': {'push': 'True'}})
        resp = self.push('enterprise', 'vendor', mine)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual(b'pushed', self.data(
            'vendor', mine, 'blob',
            headers=self.as_service('enterprise', 'vendor')))
        # an upstream that answers 500, one that never answers
        for upstream, code in (('error500', 502), ('tarpit', 504)):
            self.refused(code, self.push('enterprise', upstream, mine),
                         'upstream %s' % upstream)
