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

"""python-muranoclient against a live server, over the v0.1 API."""

import io
import itertools
import zipfile

from glanceclient import exc as glance_exc
from muranoclient.common import exceptions as murano_exc
from muranoclient.glance import client as glare_client
from muranoclient.v1 import artifact_packages
import yaml

from glare.tests.functional import base

MANIFEST = {'Format': 'MuranoPL/1.0', 'Type': 'Application',
            'Author': 'Glare tests', 'Description': 'A test package',
            'Tags': ['test', 'glare']}
LOGO = b'\x89PNG\r\n\x1a\n' + b'logo' * 64
UI = b'Version: 2\nForms: []\n'


def package_zip(fqn, version, extends='io.murano.Application'):
    """A Murano package archive: manifest, one class, logo, UI."""
    klass = {'Namespaces': {'=': fqn.rsplit('.', 1)[0],
                            'std': 'io.murano'},
             'Name': fqn.rsplit('.', 1)[1],
             'Extends': 'std:' + extends.rsplit('.', 1)[1]}
    manifest = dict(MANIFEST, FullName=fqn, Name='App ' + fqn,
                    Version=version, Classes={fqn: 'App.yaml'})
    data = io.BytesIO()
    with zipfile.ZipFile(data, 'w') as zf:
        for name, content in (('manifest.yaml', yaml.safe_dump(manifest)),
                              ('Classes/App.yaml', yaml.safe_dump(klass)),
                              ('logo.png', LOGO), ('UI/ui.yaml', UI)):
            # a fixed date: the same package is the same bytes
            zf.writestr(zipfile.ZipInfo(name, (2020, 1, 1, 0, 0, 0)),
                        content)
    data.seek(0)
    data.name = fqn + '.zip'
    return data


def best_match(packages, tenant):
    """Murano's choice among packages matching a name and version spec:
    the caller's own, then public ones; the highest version first."""
    def version(pkg):
        return tuple(int(p) for p in pkg.version.split('.'))
    own = [p for p in packages if p.owner == tenant]
    public = [p for p in packages if p.visibility == 'public']
    for group in (own, public):
        if group:
            return max(group, key=version)
    return None


@base.with_backends
class MuranoClientTests:
    """The client's artifacts controller and Murano's package repo."""

    def client(self, headers=None):
        token = (headers or self.user)['X-Auth-Token']
        return glare_client.Client(self.server.url, type_name='murano',
                                   type_version=1, token=token)

    def repo(self, project=None, headers=None):
        return artifact_packages.ArtifactRepo(self.client(headers),
                                              tenant=project or self.project)

    def import_package(self, fqn, version='1.0.0', repo=None, **kwargs):
        data = package_zip(fqn, version)
        # the client sends dict_keys on Python 3: give it a list
        kwargs.setdefault('class_definitions', [fqn])
        return (repo or self.repo()).create(fqn, data, **kwargs)

    def test_create_get_update_publish_delete(self):
        artifacts = self.client().artifacts
        fqn = 'org.example.' + self.unique('App').replace('-', '')
        draft = artifacts.create(
            fqn, '1.2.0', type='Application', display_name='My app',
            author='me', class_definitions=[fqn], tags=['a'],
            inherits={'io.murano.Application': [fqn]},
            categories=['Web'], keywords=['my', 'app'])
        self.assertEqual('creating', draft.state)
        self.assertEqual('murano', draft.type_name)
        self.assertEqual(self.project, draft.owner)
        props = draft.type_specific_properties
        self.assertEqual({'io.murano.Application': [fqn]}, props['inherits'])
        self.assertTrue(props['enabled'])
        self.assertEqual([draft.id], [a.id for a in artifacts.drafts(
            filters={'name': fqn})])
        self.assertEqual([], list(artifacts.list(filters={'name': fqn})))

        artifacts.upload_blob(draft.id, 'archive', io.BytesIO(b'zip' * 100))
        artifacts.upload_blob(draft.id, 'logo', io.BytesIO(LOGO))
        artifacts.upload_blob(draft.id, 'ui_definition', io.BytesIO(UI))
        active = artifacts.active(draft.id)
        self.assertEqual('active', active.state)
        self.assertIsNotNone(active.published_at)
        self.assertEqual(b'zip' * 100,
                         b''.join(artifacts.download_blob(draft.id,
                                                          'archive')))
        self.assertEqual(LOGO, b''.join(artifacts.download_blob(draft.id,
                                                                'logo')))
        self.assertEqual(UI, b''.join(artifacts.download_blob(
            draft.id, 'ui_definition')))

        updated = artifacts.update(draft.id, display_name='Renamed',
                                   enabled=False)
        self.assertEqual('Renamed',
                         updated.type_specific_properties['display_name'])
        self.assertFalse(updated.type_specific_properties['enabled'])
        self.assertEqual(updated.id, artifacts.get(draft.id).id)
        # class definitions are immutable once active
        self.assertRaises(glance_exc.HTTPForbidden, artifacts.update,
                          draft.id, class_definitions=['x.Y'])

        artifacts.delete(draft.id)
        self.assertRaises(glance_exc.HTTPNotFound, artifacts.get, draft.id)

    def test_errors_reach_the_client_as_http_errors(self):
        artifacts = self.client().artifacts
        self.assertRaises(glance_exc.HTTPNotFound, artifacts.get,
                          '00000000-0000-4000-8000-000000000000')
        try:
            artifacts.create('x', '1.0', type='Plugin', display_name='x')
        except glance_exc.HTTPBadRequest as exc:
            self.assertIn('type', str(exc.details))
        else:
            self.fail('a bad type was accepted')
        draft = artifacts.create(self.unique(), '1.0', type='Library',
                                 display_name='x')
        # no archive yet: cannot be published
        self.assertRaises(glance_exc.HTTPForbidden, artifacts.active,
                          draft.id)

    def test_package_repo_import_list_filters_and_paging(self):
        repo = self.repo()
        prefix = 'org.example.' + self.unique('p').replace('-', '')
        made = [self.import_package('%s.App%d' % (prefix, i),
                                    '1.%d.0' % i) for i in range(5)]
        self.assertEqual(['active'] * 5, [p.state for p in made])
        first = made[0]
        props = first.type_specific_properties
        self.assertEqual('Application', props['type'])
        self.assertEqual('Glare tests', props['author'])
        self.assertEqual({'io.murano.Application': ['%s.App0' % prefix]},
                         props['inherits'])
        self.assertIn('glare', props['keywords'])
        self.assertEqual(
            b''.join(repo.download(first.id)),
            package_zip('%s.App0' % prefix, '1.0.0').getvalue())
        self.assertEqual(LOGO, b''.join(repo.get_logo(first.id)))

        # paging: pages of 2 follow the next links to the end
        mine = list(repo.list(owner=self.project, page_size=2))
        self.assertEqual(sorted(p.id for p in made),
                         sorted(p.id for p in mine))
        self.assertEqual(sorted(p.name for p in mine),
                         [p.name for p in mine])  # sort name:asc
        self.assertEqual(
            2, len(list(itertools.islice(repo.list(owner=self.project,
                                                   page_size=2), 2))))
        # Murano's filters
        fqn = '%s.App3' % prefix
        by = {'class_definitions': fqn, 'name': fqn, 'display_name':
              'App ' + fqn, 'type': 'Application', 'tags': 'glare',
              'keywords': 'App', 'categories': None,
              'inherits': 'io.murano.Application', 'enabled': True}
        for key, value in by.items():
            if value is None:
                continue
            found = {p.id for p in repo.list(owner=self.project,
                                             **{key: value})}
            expect = {made[3].id} if key in (
                'class_definitions', 'name', 'display_name') else \
                {p.id for p in made}
            self.assertEqual(expect, found, key)
        repo.toggle_active(made[3].id)
        self.assertEqual([], list(repo.list(name=fqn, enabled=True)))
        self.assertEqual([made[3].id],
                         [p.id for p in repo.list(name=fqn, enabled=False)])
        # a second import of the same name and version is refused
        self.assertRaises(murano_exc.HTTPConflict, self.import_package,
                          fqn, '1.3.0')

    def test_version_operators(self):
        repo = self.repo()
        fqn = 'org.example.' + self.unique('V').replace('-', '')
        ids = {v: self.import_package(fqn, v).id
               for v in ('1.0.0', '1.5.0', '2.0.0')}

        def versions(*spec):
            return sorted(p.version for p in repo.list(name=fqn,
                                                       version=list(spec)))
        self.assertEqual(['1.5.0'], versions('eq:1.5.0'))
        self.assertEqual(['1.0.0', '2.0.0'], versions('ne:1.5.0'))
        self.assertEqual(['1.5.0', '2.0.0'], versions('gt:1.0.0'))
        self.assertEqual(['1.0.0', '1.5.0'], versions('le:1.5.0'))
        self.assertEqual(['1.5.0'], versions('ge:1.1.0', 'lt:2.0.0'))
        self.assertEqual(['1.0.0'], versions('lt:1.5.0'))
        self.assertEqual(['2.0.0'], versions('latest'))
        self.assertEqual(3, len(ids))

    def test_murano_package_lookup_prefers_own_then_public(self):
        fqn = 'org.example.' + self.unique('L').replace('-', '')
        other = self.new_project()
        other_repo = self.repo(other, self.auth(other))
        public = self.import_package(fqn, '1.1.0', repo=other_repo)
        self.client(self.admin).artifacts.update(public.id,
                                                 visibility='public')
        self.import_package(fqn, '1.2.0', repo=other_repo)  # private
        spec = ['ge:1.0.0', 'lt:2.0.0']

        found = list(self.repo().list(name=fqn, version=spec))
        self.assertEqual([public.id], [p.id for p in found])
        self.assertEqual(public.id, best_match(found, self.project).id)

        own = self.import_package(fqn, '1.0.0')
        found = list(self.repo().list(name=fqn, version=spec))
        self.assertEqual({public.id, own.id}, {p.id for p in found})
        self.assertEqual(own.id, best_match(found, self.project).id)
        self.assertIsNone(best_match(
            list(self.repo().list(name=fqn, version=['ge:2.0.0'])),
            self.project))

    def test_public_on_import_needs_the_publish_rule(self):
        fqn = 'org.example.' + self.unique('P').replace('-', '')
        self.assertRaises(glance_exc.HTTPForbidden, self.import_package,
                          fqn, visibility='public')
        admin_project = self.new_project('admin')
        repo = self.repo(admin_project, self.auth(admin_project, 'admin'))
        pkg = self.import_package(fqn, repo=repo, visibility='public')
        self.assertEqual(('active', 'public'), (pkg.state, pkg.visibility))
        self.assertIn(pkg.id, [p.id for p in self.repo().list(name=fqn)])
