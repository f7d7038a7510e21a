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

"""POST /artifacts/import: a bundle verified as it streams, its data
staged, its artifacts created at once; and nothing of a failed import
stays: no rows, no store data, no upload records.

Bundles come from real exports; the refused ones are crafted from them
(renamed, edited and re-written with glare.bundles.writer, or tampered
with at the tar level).
"""

import copy
import hashlib
import io
import json
import os
import signal
import socket
import tarfile
import uuid

import sqlalchemy as sa

from glare.bundles import layout
from glare.bundles import writer
from glare.tests.functional import base
from glare.tests.functional import test_bundle_export as export_tests

BUNDLE_TYPE = export_tests.BUNDLE_TYPE
MURANO = export_tests.MURANO
TABLES = ('glare_artifacts', 'glare_artifact_blobs',
          'glare_artifact_properties', 'glare_artifact_tags',
          'glare_artifact_members', 'glare_blob_uploads',
          'glare_store_trash')


def rebuild(bundle, edit=None, rename=True, root=None):
    """The bytes of a bundle holding bundle's artifacts (an
    export_tests.Bundle), every id and name renamed (unless rename is
    False) and edit(record, layers) applied to each artifact first."""
    ids = {i: (str(uuid.uuid4()) if rename else i) for i in bundle.artifacts}
    suffix = '-' + uuid.uuid4().hex[:6]
    arts = []
    for art in bundle.artifacts.values():
        text = json.dumps(art['record'])
        for old, new in ids.items():
            text = text.replace(old, new)
        record = json.loads(text)
        if rename:
            record['artifact']['name'] += suffix
        layers = dict(art['layers'])
        media = {d['annotations']['org.openstack.glare.field']:
                 d['mediaType'] for d in art['manifest']['layers']}
        if edit is not None:
            edit(record, layers)
        arts.append(layout.BundleArtifact(
            record['type_name'], record['type_version'], record['artifact'],
            links=record['links'], origin=record['origin'],
            layers=[layout.Layer(field, media.get(field,
                                                  'application/octet-stream'),
                                 len(data), hashlib.sha256(data).hexdigest(),
                                 lambda d=data: [d])
                    for field, data in layers.items()]))
    return b''.join(writer.write_bundle(
        arts, ids[root or bundle.root])), ids


def tar_entries(data):
    """[(name, bytes)] of a tar, in order."""
    out = []
    with tarfile.open(fileobj=io.BytesIO(data), mode='r:') as tar:
        for member in tar.getmembers():
            out.append((member.name, tar.extractfile(member).read()))
    return out


def make_tar(entries, tweak=None):
    """A tar of (name, bytes) entries; tweak(TarInfo) may change each."""
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode='w', format=tarfile.USTAR_FORMAT
                      ) as tar:
        for name, content in entries:
            info = tarfile.TarInfo(name)
            info.size = len(content)
            info.mode = 0o644
            if tweak is not None:
                tweak(info)
            if not info.isfile():
                info.size = 0
            tar.addfile(info, io.BytesIO(content)
                        if info.isfile() else None)
    return buf.getvalue()


class ImportMixin(export_tests.ExportMixin):

    def import_(self, data, query='', headers=None,
                content_type=BUNDLE_TYPE):
        return self.request('POST', '/artifacts/import' + query,
                            headers=self.user if headers is None
                            else headers, data=data,
                            content_type=content_type)

    def imported(self, data, query='', headers=None):
        resp = self.import_(data, query, headers)
        self.assertEqual(200, resp.status_code, base.brief(resp))
        return resp.json()

    def engine(self):
        engine = sa.create_engine(self.server.db_url,
                                  poolclass=sa.pool.NullPool)
        self.addCleanup(engine.dispose)
        return engine

    def snapshot(self):
        """Row counts of every table an import writes, and store files."""
        with self.engine().connect() as conn:
            counts = {t: conn.execute(sa.text(
                'SELECT COUNT(*) FROM %s' % t)).scalar() for t in TABLES}
        return counts, self.store_files()

    def refused(self, code, data, message=None, query='', headers=None,
                **kw):
        """The import is refused with code, and nothing of it stays."""
        before = self.snapshot()
        body = self.assertError(code, self.import_(data, query, headers,
                                                   **kw), message)
        self.assertEqual(before, self.snapshot())
        return body

    def source(self):
        """A bundle of app → (list) mid → (link1) lib → (link1) app, with
        blobs, a folder and a dict of links (see the export tests)."""
        app = self.create(tags=['t1'], metadata={'k': 'v'}, int1=5,
                          dict_of_str={'a': 'b'})
        lib = self.create(link1=self.link(app['id']))
        mid = self.create(link1=self.link(lib['id']))
        self.set_values(app['id'], list_of_links=[self.link(mid['id'])])
        self.upload(app['id'], 'blob', b'app data' * 100,
                    content_type='text/plain; charset=utf-8')
        self.upload(mid['id'], 'blob', b'shared bytes' * 50)
        self.upload(lib['id'], 'dict_of_blobs', b'k1 data', key='k1')
        self.upload(lib['id'], 'dict_of_blobs', b'shared bytes' * 50,
                    key='k/2')
        return self.export(app['id'])


@base.with_backends
class ImportTests(ImportMixin):

    CONFIG = {'locations': {'allowed_networks': '127.0.0.1/32'}}

    def test_round_trip_keeps_ids_links_data_and_records_origin(self):
        bundle = self.source()
        data = self.get(self.bundle_path(bundle.root),
                        headers=self.user).content
        digests = {d['annotations']['org.openstack.glare.id']: d['digest']
                   for d in bundle.index['manifests']}
        # the originals go; another project imports them
        for art_id in bundle.artifacts:
            resp = self.delete(self.url(art_id), headers=self.admin)
            self.assertEqual(204, resp.status_code, base.brief(resp))
        other = self.auth(self.new_project())
        out = self.imported(data, headers=other)
        self.assertEqual((False, []), (out['dry_run'], out['skipped']))
        # the exporting cloud names itself in the records (API 1.4)
        cloud_id = self.get('/federation', headers=other).json()['cloud_id']
        self.assertEqual(sorted(bundle.artifacts),
                         sorted(a['id'] for a in out['imported']))
        for art_id, art in bundle.artifacts.items():
            doc = self.show(art_id, headers=other)
            was = art['record']['artifact']
            self.assertEqual({'cloud_id': cloud_id, 'upstream': None,
                              'id': art_id, 'digest': digests[art_id]},
                             doc['origin'])
            changed = {'owner', 'updated_at', 'origin'}
            self.assertEqual({k: v for k, v in was.items()
                              if k not in changed},
                             {k: v for k, v in doc.items()
                              if k not in changed})
            self.assertNotEqual(was['owner'], doc['owner'])
            for field, content in art['layers'].items():
                name, _sep, key = field.partition('/')
                resp = self.download(art_id, name, key or None,
                                     headers=other)
                self.assertEqual(200, resp.status_code, base.brief(resp))
                self.assertEqual(content, resp.content)
                self.assertEqual(hashlib.md5(content).hexdigest(),
                                 resp.headers['Content-MD5'])
        # the links still lead where they did: the bundle exports again
        again = self.export(bundle.root, headers=other)
        self.assertEqual(set(bundle.artifacts), set(again.artifacts))
        # idempotent: the same bundle again imports nothing
        before = self.snapshot()
        out = self.imported(data, headers=other)
        self.assertEqual([], out['imported'])
        self.assertEqual({'identical'}, {s['reason']
                                          for s in out['skipped']})
        self.assertEqual(before, self.snapshot())

    def test_dry_run_writes_nothing(self):
        data, ids = rebuild(self.source())
        before = self.snapshot()
        out = self.imported(data, '?dry_run=true')
        self.assertTrue(out['dry_run'])
        self.assertEqual(sorted(ids.values()),
                         sorted(a['id'] for a in out['imported']))
        self.assertEqual(before, self.snapshot())
        out = self.imported(data, '?dry_run=false')
        self.assertEqual(3, len(out['imported']))

    def test_conflicts_fail_or_skip(self):
        bundle = self.source()
        data, ids = rebuild(bundle)
        self.imported(data)

        def edit(record, _layers):
            record['artifact']['description'] = 'other text'
        # the same ids with other content: refused whole, or skipped
        body = self.refused(409, self._renamed(bundle, ids, edit),
                            'exist already')
        self.assertEqual({'exists with other content (or was changed '
                          'since it was imported)'},
                         {a['reason'] for a in body['artifacts']})
        out = self.imported(self._renamed(bundle, ids, edit),
                            '?on_conflict=skip')
        self.assertEqual({'different'}, {s['reason']
                                          for s in out['skipped']})
        # an id another project owns is never skipped
        self.refused(409, self._renamed(bundle, ids), 'the id is taken',
                     query='?on_conflict=skip',
                     headers=self.auth(self.new_project()))
        self.refused(400, data, 'on_conflict', query='?on_conflict=merge')

    def test_an_imported_artifact_changed_since_is_not_identical(self):
        bundle = self.source()
        data, ids = rebuild(bundle)
        self.imported(data)
        # the same bundle again: identical, skipped
        out = self.imported(data)
        self.assertEqual({'identical'}, {s['reason']
                                         for s in out['skipped']})
        changed = ids[bundle.root]
        self.set_values(changed, description='changed here')
        body = self.refused(409, data, 'exist already')
        self.assertEqual([changed], [a['id'] for a in body['artifacts']])
        out = self.imported(data, '?on_conflict=skip')
        self.assertIn({'id': changed, 'reason': 'different'},
                      [{k: s[k] for k in ('id', 'reason')}
                       for s in out['skipped']])

    @staticmethod
    def _renamed(bundle, ids, edit=None):
        """bundle rewritten with the ids an earlier rebuild gave it."""
        renamed = copy.copy(bundle)
        renamed.artifacts = {}
        for old, art in bundle.artifacts.items():
            text = json.dumps(art['record'])
            for o, n in ids.items():
                text = text.replace(o, n)
            renamed.artifacts[ids[old]] = dict(art,
                                               record=json.loads(text))
        renamed.root = ids[bundle.root]
        return rebuild(renamed, edit, rename=False)[0]

    def test_status_visibility_and_rights(self):
        af = self.create()
        self.upload(af['id'], 'blob', b'active data')
        self.activate(af['id'])
        bundle = self.export(af['id'])
        data, ids = rebuild(bundle)
        # public: admins only, checked before the body is read
        self.refused(403, data, 'publish', query='?visibility=public')
        out = self.imported(data)
        doc = self.show(out['imported'][0]['id'])
        self.assertEqual(('active', 'private'), (doc['status'],
                                                 doc['visibility']))
        data, ids = rebuild(bundle)
        out = self.imported(data, '?visibility=public', headers=self.admin)
        self.assertEqual('public', self.show(
            out['imported'][0]['id'], headers=self.admin)['visibility'])

        def deactivated(record, _layers):
            record['artifact']['status'] = 'deactivated'
        self.refused(403, rebuild(bundle, deactivated)[0])
        self.imported(rebuild(bundle, deactivated)[0], headers=self.admin)

        def deleted(record, _layers):
            record['artifact']['status'] = 'deleted'
        self.refused(400, rebuild(bundle, deleted)[0], 'status')

    def test_links_outside_the_bundle(self):
        dep = self.create()
        app = self.create(link1=self.link(dep['id']))
        bundle = self.export(app['id'], query='?dependencies=none')
        # the dependency is here and readable: the link is kept
        out = self.imported(rebuild(bundle)[0])
        new_id = out['imported'][0]['id']
        self.assertEqual(self.link(dep['id']), self.show(new_id)['link1'])
        # another project cannot read it: 409 naming it
        body = self.refused(409, rebuild(bundle)[0], dep['id'],
                            headers=self.auth(self.new_project()))
        self.assertEqual([dep['id']], [a['id'] for a in body['artifacts']])

    def test_external_blob_record(self):
        af = self.create()
        resp = self.set_location(af['id'], 'blob', {
            'url': self.origin_url()})
        self.assertEqual(200, resp.status_code, base.brief(resp))
        data, ids = rebuild(self.export(af['id']))
        out = self.imported(data)
        blob = self.show(out['imported'][0]['id'])['blob']
        self.assertEqual((True, self.origin_url()), (blob['external'],
                                                     blob['url']))

        def private(record, _layers):
            record['artifact']['blob']['url'] = 'http://10.1.2.3/data'
        self.refused(400, rebuild(self.export(af['id']), private)[0],
                     'not allowed')

    def test_murano_packages_keep_their_require_links(self):
        ids = self.murano_chain('I', 2)
        bundle = self.export(ids[1][0], type_name=MURANO)
        data, renamed = rebuild(bundle)
        other = self.auth(self.new_project())
        resp = self.import_(data, headers=other,
                            content_type='application/x-tar')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        top = self.show(renamed[ids[1][0]], headers=other, type_name=MURANO)
        self.assertEqual('active', top['status'])
        self.assertEqual([self.link(renamed[ids[0][0]], MURANO)],
                         top['dependencies'])
        for old_id, package in ids:
            resp = self.request('GET', self.url(renamed[old_id], MURANO) +
                                '/package', headers=other)
            self.assertEqual(package, resp.content)
        base_doc = self.show(renamed[ids[0][0]], headers=other,
                             type_name=MURANO)
        self.assertEqual(['logo'], list(base_doc['resources']))

    def test_active_heat_template_without_nested_templates(self):
        # nested_templates is required on activation; an empty folder is
        # set (as activation counts it), not missing
        heat = 'heat_templates'
        af = self.create(type_name=heat, name=self.unique())
        template = (b'heat_template_version: 2018-08-31\n'
                    b'resources: {}\n')
        resp = self.request('PUT', self.url(af['id'], heat) + '/template',
                            headers=self.user, data=template,
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.activate(af['id'], type_name=heat)
        self.assertEqual({}, self.show(af['id'],
                                       type_name=heat)['nested_templates'])
        data, renamed = rebuild(self.export(af['id'], type_name=heat))
        other = self.auth(self.new_project())
        self.imported(data, headers=other)
        copy_ = self.show(renamed[af['id']], headers=other, type_name=heat)
        self.assertEqual(('active', {}), (copy_['status'],
                                          copy_['nested_templates']))

    def test_bad_requests(self):
        data, _ids = rebuild(self.source())
        self.refused(415, data, content_type='application/json')
        self.refused(400, data, 'Unknown query parameter', query='?force=1')
        self.refused(400, data, 'dry_run', query='?dry_run=maybe')
        self.refused(400, data, 'visibility', query='?visibility=shared')
        resp = self.get('/artifacts/import', headers=self.user)
        self.assertError(405, resp)
        self.assertEqual('POST', resp.headers['Allow'])


@base.with_backends
class RefusedImportTests(ImportMixin):
    """Every bundle the reader or the service refuses: 4xx, and nothing
    of it stays."""

    CONFIG = {'locations': {'allowed_networks': '127.0.0.1/32'}}

    def setUp(self):
        super().setUp()
        if not hasattr(type(self), 'bundle'):
            type(self).bundle = self.source()

    def edited(self, edit, root=None):
        return rebuild(self.bundle, edit, root=root)[0]

    def test_tampered_layer_data(self):
        data, _ids = rebuild(self.bundle)
        entries = tar_entries(data)
        # the last layer's bytes change, its name (its digest) does not
        name, content = entries[-1]
        entries[-1] = (name, b'X' + content[1:])
        self.refused(400, make_tar(entries), 'does not match')

    def test_truncated_and_trailing_garbage(self):
        data, _ids = rebuild(self.bundle)
        self.refused(400, data[:len(data) - 2000], 'truncated')
        self.refused(400, data[:3000], 'truncated')
        self.refused(400, data + b'garbage', 'follows')

    def test_duplicate_entry(self):
        entries = tar_entries(rebuild(self.bundle)[0])
        self.refused(400, make_tar(entries[:3] + entries[2:]), 'twice')

    def test_paths_that_escape_and_special_entries(self):
        entries = tar_entries(rebuild(self.bundle)[0])
        for bad in ('../blobs/sha256/' + 'a' * 64, '/etc/passwd',
                    'blobs/sha256/../../x', './index.json'):
            self.refused(400, make_tar(entries[:2] + [(bad, b'x')] +
                                       entries[2:]))
        for kind in (tarfile.SYMTYPE, tarfile.LNKTYPE, tarfile.CHRTYPE,
                     tarfile.BLKTYPE, tarfile.DIRTYPE, tarfile.FIFOTYPE):
            def tweak(info, kind=kind):
                if info.name == 'index.json':
                    info.type = kind
                    info.linkname = '/etc/passwd'
            self.refused(400, make_tar(entries, tweak), 'regular files')

    def test_unknown_media_types_and_layout(self):
        entries = tar_entries(rebuild(self.bundle)[0])
        index = json.loads(entries[1][1])
        index['mediaType'] = 'application/vnd.docker.distribution.' \
                             'manifest.list.v2+json'
        bad = layout.canonical_json(index)
        self.refused(400, make_tar([entries[0], ('index.json', bad)] +
                                   entries[2:]), 'media type')
        self.refused(400, make_tar([('oci-layout', b'{"imageLayout'
                                     b'Version":"2.0.0"}')] + entries[1:]))
        self.refused(400, b'not a tar at all' * 100)
        self.refused(400, b'')
        # an entry over the 4 MiB a JSON entry may hold
        huge = b'{"a":"' + b'x' * (4 << 20) + b'"}'
        self.refused(400, make_tar([entries[0], ('index.json', huge)] +
                                   entries[2:]), 'limit')

    def test_unknown_type_and_newer_type_version(self):
        def other_type(record, _layers):
            record['type_name'] = 'no_such_type'
        # the index names the type too: the writer takes it from the record
        self.refused(400, self.edited(other_type), 'no artifact type')

        def newer(record, _layers):
            record['type_version'] = '1.4'
        self.refused(400, self.edited(newer), 'newer')

        def older(record, _layers):
            record['type_version'] = '1.0'
            record['artifact'].pop('int2')
        self.imported(self.edited(older))

    def test_record_that_does_not_match_its_manifest(self):
        def wrong_size(record, layers):
            if record['artifact']['blob']:
                record['artifact']['blob']['size'] += 1
        self.refused(400, self.edited(wrong_size), 'in the manifest')

        def no_layer(record, layers):
            layers.pop('blob', None)
        self.refused(400, self.edited(no_layer), 'no layer')

        def extra_layer(record, layers):
            layers['small_blob'] = b'surprise'
        self.refused(400, self.edited(extra_layer), 'no stored blob')

        def wrong_md5(record, layers):
            if record['artifact']['blob']:
                record['artifact']['blob']['md5'] = '0' * 32
        # found once the data is staged: staged data is deleted too
        self.refused(400, self.edited(wrong_md5), 'md5')

        def links_lie(record, layers):
            record['links'] = {}
        self.refused(400, self.edited(links_lie), 'links')

    def test_values_the_type_refuses(self):
        for field, value, message in (
                ('int1', 'abc', 'int1'), ('string_regex', 'zz',
                                          'string_regex'),
                ('list_validators', ['a', 'a'], 'list_validators'),
                ('link2', 'ftp://x/y', 'link2'),
                ('version', 'x.y.z', 'version'),
                ('tags', ['a/b'], 'tags'),
                ('created_at', 'yesterday', 'created_at')):
            def edit(record, _layers, field=field, value=value):
                record['artifact'][field] = value
            self.refused(400, self.edited(edit), message)

    def test_name_and_version_taken(self):
        # the project has its own artifact of that name and version
        data, ids = rebuild(self.bundle)
        bundle = export_tests.Bundle(self, data)
        doc = bundle.record(bundle.root)['artifact']
        self.create(name=doc['name'], version=doc['version'])
        self.refused(409, data, 'already exists')

    def test_oversize_blob(self):
        def big(record, layers):
            data = b'y' * 11  # small_blob holds 10 bytes
            layers['small_blob'] = data
            record['artifact']['small_blob'] = dict(
                record['artifact']['blob'] or {
                    'url': '/x', 'external': False, 'status': 'active',
                    'content_type': 'application/octet-stream'},
                size=len(data), md5=None, sha1=None,
                sha256=hashlib.sha256(data).hexdigest())
        self.refused(413, self.edited(big), 'small_blob')

    def test_failure_after_data_was_staged(self):
        data, _ids = rebuild(self.bundle)
        entries = tar_entries(data)
        # the first layers stage fine; the last one is corrupt
        name, content = entries[-1]
        self.assertGreater(len(entries), 9)
        entries[-1] = (name, content[:-1] + b'!')
        self.refused(400, make_tar(entries), 'does not match')
        self.assertNotIn('Traceback', self.server.log_tail(100000))


@base.with_backends
class RecordChecksumsTests(ImportMixin):
    """[bundles] verify_legacy_checksums = False: sha256 checked as ever,
    md5 and sha1 taken from the record."""

    CONFIG = {'bundles': {'verify_legacy_checksums': 'False'}}

    def setUp(self):
        super().setUp()
        self.bundle = self.source()

    def blob_of(self, doc):
        return {h: doc['blob'][h] for h in ('md5', 'sha1', 'sha256')}

    def test_taken_from_the_record(self):
        was = self.show(self.bundle.root)
        other = self.auth(self.new_project())
        data, ids = rebuild(self.bundle)
        self.imported(data, headers=other)
        self.assertEqual(self.blob_of(was), self.blob_of(
            self.show(ids[self.bundle.root], headers=other)))

        # what the record states is what the blob shows: not recomputed
        def other_md5(record, _layers):
            if record['artifact']['blob']:
                record['artifact']['blob']['md5'] = 'a' * 32
        data, ids = rebuild(self.bundle, other_md5)
        self.imported(data, headers=other)
        self.assertEqual('a' * 32, self.show(ids[self.bundle.root],
                                             headers=other)['blob']['md5'])

    def test_a_record_without_them_and_bad_data_are_refused(self):
        def no_sha1(record, _layers):
            if record['artifact']['blob']:
                record['artifact']['blob']['sha1'] = None
        self.refused(400, rebuild(self.bundle, no_sha1)[0],
                     'has no sha1, and this service takes them from the '
                     'record')
        entries = tar_entries(rebuild(self.bundle)[0])
        name, content = entries[-1]
        entries[-1] = (name, b'X' + content[1:])
        self.refused(400, make_tar(entries), 'does not match')


@base.with_backends
class ImportQuotaTests(ImportMixin):

    CONFIG = {'artifact_type:sample_artifact': {
        'max_uploaded_data': '3000', 'max_artifact_number': '4'}}

    def test_quotas(self):
        bundle = self.source()  # 3 artifacts, 2007 bytes
        # the project's count: 6 artifacts of 4 allowed; found before any
        # data is staged, as in a dry run
        for query in ('', '?dry_run=true'):
            self.refused(403, rebuild(bundle)[0], 'max_artifact_number',
                         query=query)
        # the project's data: 1500 + 2007 bytes of 3000
        project = self.auth(self.new_project())
        af = self.create(headers=project)
        self.upload(af['id'], 'blob', b'z' * 1500, headers=project)
        for query in ('', '?dry_run=true'):
            body = self.refused(413, rebuild(bundle)[0], 'max_uploaded_data',
                                headers=project, query=query)
            # what the import needs and what the project uses, not the
            # sum of both as used
            self.assertIn('uses 1500 of its 3000 bytes',
                          body['error']['message'])
        # another project has room for them
        project = self.auth(self.new_project())
        out = self.imported(rebuild(bundle)[0], headers=project)
        self.assertEqual(3, len(out['imported']))
        self.create(headers=project)
        self.refused(403, rebuild(bundle)[0], 'max_artifact_number',
                     headers=project)


STALE = 2


@base.with_backends
class ImportCrashTests(ImportMixin):
    """The server dies mid-import: after a restart the clean-up removes
    what the import had staged."""

    CONFIG = {'DEFAULT': {'stale_upload_timeout': str(STALE)}}

    def test_killed_mid_import_leaves_nothing(self):
        af = self.create(type_name='images')
        big = os.urandom(8 << 20)
        resp = self.request('PUT', self.url(af['id'], 'images') + '/image',
                            headers=self.user, data=big,
                            content_type='application/octet-stream')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        data, ids = rebuild(self.export(af['id'], type_name='images'))
        before = self.snapshot()
        sock = socket.create_connection(('127.0.0.1', self.server.port))
        self.addCleanup(sock.close)
        lines = ['POST /artifacts/import HTTP/1.1', 'Host: 127.0.0.1',
                 'Content-Length: %d' % len(data),
                 'Content-Type: %s' % BUNDLE_TYPE]
        lines += ['%s: %s' % kv for kv in self.user.items()]
        # everything but the last 2 MiB of the image's data
        sock.sendall(('\r\n'.join(lines) + '\r\n\r\n').encode() +
                     data[:len(data) - (2 << 20)])

        def staged():
            counts, files = self.snapshot()
            return counts['glare_blob_uploads'] == 1 and \
                len(set(files) - set(before[1])) == 1
        self.assertTrue(self.wait_until(staged), self.snapshot())
        os.killpg(self.server.process.pid, signal.SIGKILL)
        self.server.stop()
        sock.close()
        self.assertNotEqual(before, self.snapshot())
        self.server.start()
        # the restarted server's clean-up undoes the staged upload once
        # its heartbeat is STALE seconds old
        self.assertTrue(self.wait_until(lambda: self.snapshot() == before,
                                        timeout=STALE * 10),
                        (before, self.snapshot()))
        self.assertError(404, self.get(self.url(ids[af['id']], 'images'),
                                       headers=self.user))
        # and the bundle imports whole afterwards
        out = self.imported(data)
        self.assertEqual([ids[af['id']]], [a['id'] for a in out['imported']])
        self.assertIn('dead upload(s) undone', self.server.log_tail(100000))
