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

"""Murano application packages."""

import mimetypes
import re

from glare.artifact_types import archives
from glare.artifact_types import yaml_docs
from glare import exception
from glare.objects import base
from glare.objects import fields as glare_fields
from glare.objects import uploads
from glare.objects import validators

MIB = 1024 ** 2
MANIFEST = 'manifest.yaml'
MANIFEST_MAX = yaml_docs.MAX_DOCUMENT_SIZE
#: the largest logo or UI definition kept as a resource
RESOURCE_MAX = 5 * MIB
#: Format values of Murano's package formats (MuranoPL, Heat templates,
#: CSAR), with or without the name, e.g. "1.4", "MuranoPL/1.0"
_FORMAT_RE = re.compile(r'^((MuranoPL|Heat\.HOT|CSAR)/)?\d+(\.\d+){0,2}$')
_FQN_RE = re.compile(r'^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$')
_SPEC_TYPES = (str, int, float)


def _bad(reason):
    raise exception.InvalidData(reason='Murano package: ' + reason)


def _text(manifest, key, required=False):
    value = manifest.get(key)
    if value is None:
        if required:
            _bad('%s has no %s' % (MANIFEST, key))
        return None
    if not isinstance(value, (str, int, float)) or isinstance(value, bool):
        _bad('%s of %s must be text' % (key, MANIFEST))
    return str(value)


def _strings(manifest, key):
    value = manifest.get(key)
    if value is None:
        return None
    if not isinstance(value, list) or not all(
            isinstance(x, str) for x in value):
        _bad('%s of %s must be a list of strings' % (key, MANIFEST))
    return value


def _mapping(manifest, key):
    value = manifest.get(key)
    if value is None:
        return {}
    if not isinstance(value, dict) or not all(
            isinstance(k, str) for k in value):
        _bad('%s of %s must be a mapping' % (key, MANIFEST))
    return value


def read_manifest(pkg):
    """The parsed manifest.yaml of a SafeZip package."""
    raw = pkg.read(MANIFEST, MANIFEST_MAX)
    if raw is None:
        _bad('the archive has no %s at its top level' % MANIFEST)
    try:
        manifest = yaml_docs.parse(raw)[0]
    except yaml_docs.DocumentError as exc:
        _bad('%s: %s' % (MANIFEST, str(exc).splitlines()[0]))
    if not isinstance(manifest, dict):
        _bad('%s must be a mapping' % MANIFEST)
    return manifest


def requirements(manifest):
    """Require (FQN → version spec) as uploads.Requirement objects."""
    out = []
    for fqn, spec in sorted(_mapping(manifest, 'Require').items()):
        if not _FQN_RE.match(fqn):
            _bad('Require names %r, which is not a package name' % fqn)
        if spec is not None and (not isinstance(spec, _SPEC_TYPES) or
                                 isinstance(spec, bool)):
            _bad('the version spec of required %s must be text' % fqn)
        req = uploads.Requirement(MuranoPackage.TYPE_NAME, fqn,
                                  '' if spec is None else str(spec))
        try:
            req.clauses()
        except ValueError as exc:
            _bad('required %s: %s' % (fqn, exc))
        out.append(req)
    return out


def package_values(pkg):
    """The artifact's field values that a package's contents define."""
    manifest = read_manifest(pkg)
    fmt = _text(manifest, 'Format')
    if fmt is not None and not _FORMAT_RE.match(fmt):
        _bad('unknown Format %r' % fmt)
    full_name = _text(manifest, 'FullName', required=True)
    if not _FQN_RE.match(full_name):
        _bad('FullName %r is not a package name (dotted identifiers)' %
             full_name)
    classes = _mapping(manifest, 'Classes')
    for fqn, path in sorted(classes.items()):
        if not isinstance(path, str):
            _bad('the file of class %s must be text' % fqn)
        if not (fmt or '').startswith(('Heat', 'CSAR')) and \
                not pkg.has('Classes/' + path):
            _bad('class %s: file Classes/%s is not in the archive' % (
                fqn, path))
    resources = {}
    for key, folder, default, resource, kind in (
            ('Logo', '', 'logo.png', 'logo', None),
            ('UI', 'UI/', 'ui.yaml', 'ui_definition', 'application/yaml')):
        name = _text(manifest, key)
        if name is not None and not pkg.has(folder + name):
            _bad('%s names %s%s, which is not in the archive' % (
                key, folder, name))
        path = folder + (name or default)
        if pkg.has(path):
            resources[resource] = uploads.BlobData(
                pkg.read(path, RESOURCE_MAX),
                kind or mimetypes.guess_type(path)[0] or
                'application/octet-stream')
    values = {
        'name': full_name,
        'display_name': _text(manifest, 'Name') or full_name,
        'type': _text(manifest, 'Type') or 'Application',
        'class_definitions': sorted(classes),
        'dependencies': requirements(manifest),
        'resources': resources,
    }
    version = _text(manifest, 'Version')
    if version is not None:
        values['version'] = version
    description = _text(manifest, 'Description')
    if description is not None:
        values['description'] = description
    tags = _strings(manifest, 'Tags')
    if tags is not None:
        values['tags'] = tags
    return values


class PackageInspector(archives.SpoolingInspector):
    """Checks an uploaded Murano package and reads its manifest."""

    def inspect_file(self, fileobj):
        pkg = archives.SafeZip(fileobj, 'Murano package')
        try:
            pkg.verify()
            return package_values(pkg)
        finally:
            pkg.close()


class MuranoPackage(base.BaseArtifact):
    """A Murano package with its class definitions and dependencies.

    An uploaded package fills the artifact from its manifest.yaml; its
    Require section becomes links to the newest matching packages, and
    its logo and UI definition become keys of the resources folder.
    """

    # 1.3: the base field signatures (API 1.5); 1.4: the base catalog
    # fields and the read-only star_count, rating and downloads (API 1.6)
    VERSION = '1.4'

    TYPE_NAME = 'murano_packages'
    DISPLAY_TYPE_NAME = 'Murano packages'
    fields = dict(base.BaseArtifact.fields, **{
        'package': glare_fields.Blob(required_on_activate=False,
                                     max_blob_size=100 * MIB,
                                     description='Murano Package binary.'),
        'type': glare_fields.Scalar(
            glare_fields.String, default='Application',
            validators=[validators.AllowedValues(['Application',
                                                  'Library'])],
            description='Package type.'),
        'display_name': glare_fields.Scalar(
            glare_fields.String, mutable=True,
            description='Package name in human-'
                        'readable format.'),
        'categories': glare_fields.List(
            glare_fields.String, mutable=True,
            description='List of categories specified '
                        'for the package.'),
        'class_definitions': glare_fields.List(
            glare_fields.String, validators=[validators.Unique()],
            description='List of class definitions '
                        'in the package.'),
        'inherits': glare_fields.Dict(glare_fields.String),
        'keywords': glare_fields.List(glare_fields.String, mutable=True),
        'dependencies': glare_fields.List(
            glare_fields.Link, required_on_activate=False,
            description='List of package dependencies '
                        'for this package.'),
        'resources': glare_fields.Folder(
            system=True, required_on_activate=False,
            max_blob_size=RESOURCE_MAX,
            max_folder_size=2 * RESOURCE_MAX,
            description='The logo ("logo") and UI '
                        'definition ("ui_definition") '
                        'of the package, taken out of '
                        'it when it is uploaded.'),
    })

    @classmethod
    def pre_upload_hook(cls, context, af, field_name, blob_key, fd):
        if field_name == 'package':
            return PackageInspector(fd)
        return fd
