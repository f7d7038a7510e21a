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

"""Pin each artifact type's field set to its VERSION (DESIGN pattern 4).

Field names, kinds and attributes are part of the API and of stored data:
changing them needs a new type VERSION. A fingerprint is VERSION plus a hash
of the sorted (name, repr(field)) pairs, as oslo.versionedobjects computes
it; repr(field) carries the kind and every attribute but the description.

When this test fails after a deliberate change: bump the type's VERSION,
then put the new fingerprint printed by the failure in EXPECTED.
"""

from importlib import metadata

from oslo_versionedobjects import fixture

from glare.objects import base
from glare.objects import fields as glare_fields
from glare.objects import registry
from glare.tests import base as test_base
from glare.tests import sample_artifact
from glare.tests.unit import objects as helpers

# Re-pinned without a bump when the base fields' filter_ops went back to
# upstream 1.0's (issue 11): TYPES.md and the v0.1 clients (murano/v1) pin
# these versions. Re-pinned again without a bump for the read-only base
# field origin (API 1.3): it came in the same unreleased change set as the
# 1.1 bump of every type (API 1.2). Every type one minor up for the
# read-only base field signatures (API 1.5). images re-pinned without a
# bump for its metadata's longer img_signature values (Glance-style image
# signatures), in the same unreleased change set (API 1.5). Every type
# one minor up for the base catalog fields provided_by, supported_by,
# license and icon and the read-only star_count, rating and downloads
# (API 1.6). images one minor up for its read-only link converted_from
# (image conversion, issue 20).
EXPECTED = {
    'all': '1.3-182488b49ebf9b8014c2c311a7d792db',
    'heat_environments': '1.3-e04c8c230c08871d1982c6246198715f',
    'heat_templates': '1.3-c619e414f63ef5b9ae78d485c5b7fc7f',
    'images': '1.4-14ba497d3dd392a26b1a81ae496c0871',
    'murano': '1.3-4ff1fcce43f3390b1e60049bcd553648',
    'murano_packages': '1.4-27d0e04d077363301dc3da1a721748c8',
    'sample_artifact': '1.3-5a0b96d6fa93e2aa9d4cd8cca2d62885',
    'secrets': '1.3-52b816a7ec6e5717ce59461b53daa470',
    'tosca_templates': '1.3-4839afa71ecb25b0db970250e5dfd384',
}


def fingerprints(types):
    """{type name: 'VERSION-md5'} for {type name: class}."""
    checker = fixture.ObjectVersionChecker(
        obj_classes={name: [cls] for name, cls in types.items()})
    return checker.get_hashes()


def problems(expected, actual):
    """What is wrong, in words a developer can act on."""
    out = []
    for name in sorted(set(expected) | set(actual)):
        want, got = expected.get(name), actual.get(name)
        if want == got:
            continue
        if want is None:
            out.append('type %s has no expected fingerprint: add %r: %r' %
                       (name, name, got))
        elif got is None:
            out.append('type %s is no longer loaded: remove its '
                       'fingerprint' % name)
        elif want.split('-')[0] == got.split('-')[0]:
            out.append('type %s changed its field set without a VERSION '
                       'bump (still %s): bump VERSION, then set its '
                       'fingerprint to the new one' % (
                           name, got.split('-')[0]))
        else:
            out.append('type %s is now version %s: set its fingerprint to '
                       '%r' % (name, got.split('-')[0], got))
    return out


class TestObjectVersions(test_base.TestCase):

    def setUp(self):
        super().setUp()
        # loading registers the classes in GlareObjectRegistry
        self.types = dict(helpers.load_types(self).items())

    def test_versions(self):
        actual = fingerprints(self.types)
        self.assertEqual([], problems(EXPECTED, actual),
                         'actual fingerprints: %s' % actual)

    def test_every_builtin_type_is_pinned(self):
        # Glare's own: a type package installed next to it has its own
        names = {ep.name for ep in metadata.entry_points(
            group=registry.NAMESPACE) if ep.dist.name == 'glare'}
        self.assertEqual(set(helpers.BUILTIN_TYPES), names)
        self.assertEqual(sorted(names | {'sample_artifact'}),
                         sorted(EXPECTED))

    def test_pinned_classes_are_registered(self):
        registered = base.GlareObjectRegistry.obj_classes()
        for name, cls in self.types.items():
            self.assertIn(cls, registered[cls.obj_name()], name)


class TestChecker(test_base.TestCase):
    """The check above catches what it is meant to catch."""

    def _variant(self, version=sample_artifact.SampleArtifact.VERSION,
                 **extra_fields):
        return type('SampleArtifact', (sample_artifact.SampleArtifact,), {
            'VERSION': version,
            'fields': dict(sample_artifact.SampleArtifact.fields,
                           **extra_fields)})

    def _problems(self, cls):
        return problems({'sample_artifact': EXPECTED['sample_artifact']},
                        fingerprints({'sample_artifact': cls}))

    def test_unchanged(self):
        self.assertEqual([], self._problems(self._variant()))

    def test_description_is_not_part_of_the_field_set(self):
        fields = dict(sample_artifact.SampleArtifact.fields,
                      int1=glare_fields.Scalar(
                          glare_fields.Integer, required_on_activate=False,
                          sortable=True, description='new words'))
        cls = type('SampleArtifact', (sample_artifact.SampleArtifact,),
                   {'fields': fields})
        self.assertEqual([], self._problems(cls))

    def test_new_field_without_version_bump(self):
        found = self._problems(self._variant(new=glare_fields.Scalar(
            glare_fields.String)))
        self.assertEqual(1, len(found))
        self.assertIn('sample_artifact changed its field set without a '
                      'VERSION bump (still 1.3)', found[0])

    def test_changed_attribute_without_version_bump(self):
        fields = dict(sample_artifact.SampleArtifact.fields)
        for name, changed in (
                ('int1', glare_fields.Scalar(
                    glare_fields.Integer, required_on_activate=False)),
                ('str1', glare_fields.Scalar(
                    glare_fields.String, required_on_activate=False,
                    sortable=True)),
                ('small_blob', glare_fields.Blob(max_blob_size=11,
                                                 required_on_activate=False,
                                                 mutable=True)),
                ('list_of_int', glare_fields.List(
                    glare_fields.String, required_on_activate=False,
                    filter_ops=(glare_fields.EQ, glare_fields.IN)))):
            cls = type('SampleArtifact', (sample_artifact.SampleArtifact,),
                       {'fields': dict(fields, **{name: changed})})
            found = self._problems(cls)
            self.assertEqual(1, len(found), name)
            self.assertIn('without a VERSION bump', found[0])

    def test_removed_field_without_version_bump(self):
        fields = dict(sample_artifact.SampleArtifact.fields)
        del fields['int2']
        cls = type('SampleArtifact', (sample_artifact.SampleArtifact,),
                   {'fields': fields})
        self.assertIn('without a VERSION bump', self._problems(cls)[0])

    def test_version_bump_asks_for_the_new_fingerprint(self):
        cls = self._variant(
            '1.4', new=glare_fields.Scalar(glare_fields.String))
        found = self._problems(cls)
        self.assertEqual(1, len(found))
        self.assertIn('sample_artifact is now version 1.4: set its '
                      "fingerprint to '1.4-", found[0])

    def test_new_and_removed_types(self):
        self.assertEqual(
            ["type new has no expected fingerprint: add 'new': '1.0-x'",
             'type old is no longer loaded: remove its fingerprint'],
            problems({'old': '1.0-y'}, {'new': '1.0-x'}))
