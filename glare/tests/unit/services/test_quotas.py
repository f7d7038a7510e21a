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

"""Tests for glare.services.quotas: names, body validation, limits and the
shapes of the quota listings (SPEC §10)."""

import fixtures
from oslo_config import cfg

from glare.artifact_types import all as all_type
from glare.artifact_types import images
from glare import conf as glare_conf
from glare.conf import artifact_type
from glare.db import quotas as quotas_db
from glare import exception
from glare.objects import registry as type_registry
from glare.policies import quotas as rules
from glare.services import quotas
from glare.tests import base
from glare.tests import sample_artifact

COUNT = quotas.COUNT
DATA = quotas.DATA
SAMPLE = 'sample_artifact'


def make_conf(**options):
    """A private ConfigOpts with the types' groups; options 'group.name'."""
    conf = cfg.ConfigOpts()
    glare_conf.register_opts(conf)
    conf(args=[], default_config_files=[], default_config_dirs=[])
    for type_name in ('images', SAMPLE):
        artifact_type.register_type_opts(conf, type_name)
    for key, value in options.items():
        group, _dot, name = key.rpartition('.')
        conf.set_override(name, value, group=group or None)
    return conf


def make_registry():
    return type_registry.TypeRegistry({
        'all': all_type.All, 'images': images.Image,
        SAMPLE: sample_artifact.SampleArtifact})


def entry(name, value):
    return {'quota_name': name, 'quota_value': value}


class FakeContext:
    """Records policy checks; denies the rules in ``deny``."""

    def __init__(self, project_id='p1', deny=()):
        self.project_id = project_id
        self.deny = set(deny)
        self.checks = []

    def can(self, rule, target=None, fatal=True):
        self.checks.append((rule, target))
        if rule in self.deny:
            raise exception.Forbidden('Policy forbids %s' % rule)
        return True


class TestLimits(base.TestCase):

    def test_unlimited_by_default(self):
        self.assertEqual((None, None),
                         quotas.limits(make_conf(), {}, SAMPLE, COUNT))
        self.assertEqual((None, None),
                         quotas.limits(make_conf(), {}, SAMPLE, DATA))

    def test_config(self):
        conf = make_conf(**{COUNT: 10, 'artifact_type:images.' + COUNT: 2,
                            'artifact_type:images.' + DATA: 0})
        self.assertEqual((10, 2), quotas.limits(conf, {}, 'images', COUNT))
        self.assertEqual((10, None), quotas.limits(conf, {}, SAMPLE, COUNT))
        # a per-type value never falls back to [DEFAULT]
        self.assertEqual((None, 0), quotas.limits(conf, {}, 'images', DATA))

    def test_per_type_config_minus_one_is_unlimited(self):
        conf = make_conf(**{COUNT: 10, 'artifact_type:images.' + COUNT: -1})
        self.assertEqual((10, None), quotas.limits(conf, {}, 'images', COUNT))

    def test_project_overrides_take_precedence(self):
        conf = make_conf(**{COUNT: 10, 'artifact_type:images.' + COUNT: 2})
        overrides = {COUNT: -1, COUNT + ':images': 5, COUNT + ':' + SAMPLE: 0,
                     DATA: 7}
        self.assertEqual((None, 5),
                         quotas.limits(conf, overrides, 'images', COUNT))
        self.assertEqual((None, 0),
                         quotas.limits(conf, overrides, SAMPLE, COUNT))
        self.assertEqual((7, None),
                         quotas.limits(conf, overrides, SAMPLE, DATA))
        # another type's override does not apply
        self.assertEqual((10, 2), quotas.limits(
            conf, {COUNT + ':' + SAMPLE: 1}, 'images', COUNT))

    def test_type_without_a_config_group(self):
        conf = make_conf(**{COUNT: 4})
        self.assertEqual((4, None), quotas.limits(conf, {}, 'nope', COUNT))
        self.assertEqual((4, 3), quotas.limits(
            conf, {COUNT + ':nope': 3}, 'nope', COUNT))

    def test_count_quota(self):
        conf = make_conf(**{'artifact_type:images.' + COUNT: 2})
        quota = quotas.count_quota(conf, make_registry(), 'images')
        self.assertIsInstance(quota, quotas_db.CountQuota)
        self.assertEqual(('images', SAMPLE), quota.types)
        self.assertEqual((None, 2), quota.limits({}))
        self.assertEqual((3, None), quota.limits({COUNT: 3,
                                                  COUNT + ':images': -1}))


class TestValidate(base.TestCase):

    def setUp(self):
        super().setUp()
        self.service = quotas.QuotaService(make_conf(), make_registry())

    def assertInvalid(self, body, *contains):
        err = self.assertRaises(exception.BadRequest,
                                self.service.validate, body)
        for text in contains:
            self.assertIn(text, str(err))
        return err

    def test_quota_names(self):
        self.assertEqual({COUNT, DATA, COUNT + ':images', DATA + ':images',
                          COUNT + ':' + SAMPLE, DATA + ':' + SAMPLE},
                         self.service.quota_names())

    def test_valid_bodies(self):
        for body in ([], [{'project_id': 'p', 'project_quotas': []}],
                     [{'project_id': 'p' * 255, 'project_quotas': [
                         entry(COUNT, -1), entry(DATA, 2 ** 63 - 1),
                         entry(COUNT + ':images', 0)]},
                      {'project_id': 'q', 'project_quotas': [
                          entry(DATA + ':' + SAMPLE, 10)]}]):
            self.assertIs(body, self.service.validate(body))

    def test_schema_errors_name_the_item(self):
        def one(**quota):
            return [{'project_id': 'p', 'project_quotas': [quota]}]
        item = 'body[0].project_quotas[0]'
        self.assertInvalid({}, 'at body: ', 'array')
        self.assertInvalid(None, 'at body: ')
        self.assertInvalid(['p'], 'at body[0]: ', 'object')
        self.assertInvalid([{'project_quotas': []}], 'at body[0]: ',
                           "'project_id' is a required property")
        self.assertInvalid([{'project_id': '', 'project_quotas': []}],
                           'at body[0].project_id: ')
        self.assertInvalid([{'project_id': 'x' * 256, 'project_quotas': []}],
                           'at body[0].project_id: ', 'too long')
        self.assertInvalid([{'project_id': 'p', 'project_quotas': [],
                             'extra': 1}], 'at body[0]: ', "'extra'")
        self.assertInvalid(one(quota_name=COUNT, quota_value=-2),
                           item + '.quota_value: ',
                           '-2 is less than the minimum of -1')
        self.assertInvalid(one(quota_name=COUNT, quota_value='1'),
                           item + '.quota_value: ')
        self.assertInvalid(one(quota_name=COUNT, quota_value=1.0),
                           item + '.quota_value: ')
        self.assertInvalid(one(quota_name=COUNT, quota_value=False),
                           item + '.quota_value: ')
        self.assertInvalid(one(quota_name='n' * 256, quota_value=1),
                           item + '.quota_name: ', 'too long')
        self.assertInvalid(one(quota_name=COUNT), item + ': ',
                           "'quota_value' is a required property")
        self.assertInvalid(one(quota_name=COUNT, quota_value=1, x=2),
                           item + ': ')
        self.assertInvalid(one(quota_name=COUNT, quota_value=2 ** 63),
                           item + ': quota_value', 'too large')

    def test_unknown_names(self):
        for name in ('max_bananas', COUNT + ':bananas', COUNT + ':all',
                     COUNT + ':', ':images', 'images', COUNT + ':images:x',
                     'MAX_ARTIFACT_NUMBER'):
            self.assertInvalid(
                [{'project_id': 'p', 'project_quotas': [entry(name, 1)]}],
                'body[0].project_quotas[0]: unknown quota name %r' % name,
                'images, sample_artifact')

    def test_repeats(self):
        self.assertInvalid([{'project_id': 'p', 'project_quotas': [
            entry(COUNT, 1), entry(DATA, 1), entry(COUNT, 2)]}],
            'body[0].project_quotas[2]: quota %s is given twice' % COUNT)
        self.assertInvalid([{'project_id': 'p', 'project_quotas': []},
                            {'project_id': 'q', 'project_quotas': []},
                            {'project_id': 'p', 'project_quotas': []}],
                           'body[2]: project p is given twice')


class TestQuotaService(base.TestCase):

    def setUp(self):
        super().setUp()
        conf = make_conf(**{COUNT: 100, 'artifact_type:images.' + DATA: 50})
        self.service = quotas.QuotaService(conf, make_registry())
        self.stored = {'p1': {COUNT + ':images': 3, DATA: 10},
                       'p0': {COUNT: -1}}
        self.written = []
        self.useFixture(fixtures.MockPatchObject(
            quotas_db, 'get_all', lambda ctx: {
                p: dict(q) for p, q in sorted(self.stored.items())}))
        self.useFixture(fixtures.MockPatchObject(
            quotas_db, 'get_project',
            lambda ctx, p: dict(self.stored.get(p, {}))))

        def set_project_quotas(ctx, values):
            self.written.append(values)
            for item in values:
                self.stored[item['project_id']] = {
                    q['quota_name']: q['quota_value']
                    for q in item['project_quotas']}
        self.useFixture(fixtures.MockPatchObject(
            quotas_db, 'set_project_quotas', set_project_quotas))

    def test_global_quotas(self):
        self.assertEqual({COUNT: 100, DATA: -1, DATA + ':images': 50},
                         self.service.global_quotas())

    def test_list_all(self):
        ctx = FakeContext()
        self.assertEqual({
            'quotas': [
                {'project_id': 'p0', 'project_quotas': [entry(COUNT, -1)]},
                {'project_id': 'p1', 'project_quotas': [
                    entry(COUNT + ':images', 3), entry(DATA, 10)]}],
            'global_quotas': {COUNT: 100, DATA: -1, DATA + ':images': 50},
        }, self.service.list_all(ctx))
        self.assertEqual([rules.LIST_ALL_QUOTAS],
                         [rule for rule, _t in ctx.checks])

    def test_list_all_is_policy_checked(self):
        self.assertRaises(exception.Forbidden, self.service.list_all,
                          FakeContext(deny=[rules.LIST_ALL_QUOTAS]))

    def test_list_project_effective_values(self):
        ctx = FakeContext('p1')
        expected = [{'project_id': 'p1', 'project_quotas': [
            entry(COUNT, 100), entry(COUNT + ':images', 3), entry(DATA, 10),
            entry(DATA + ':images', 50)]}]
        self.assertEqual(expected, self.service.list_project(ctx))
        self.assertEqual(expected, self.service.list_project(ctx, 'p1'))
        self.assertEqual(
            [(rules.LIST_PROJECT_QUOTAS, {'project_id': 'p1',
                                          'owner': 'p1'})] * 2, ctx.checks)

    def test_list_project_without_overrides(self):
        self.assertEqual([{'project_id': 'p9', 'project_quotas': [
            entry(COUNT, 100), entry(DATA, -1), entry(DATA + ':images', 50)]}],
            self.service.list_project(FakeContext('p9')))

    def test_list_another_project_checks_its_id(self):
        ctx = FakeContext('p1', deny=[rules.LIST_PROJECT_QUOTAS])
        self.assertRaises(exception.Forbidden, self.service.list_project,
                          ctx, 'p0')
        self.assertEqual([(rules.LIST_PROJECT_QUOTAS,
                           {'project_id': 'p0', 'owner': 'p0'})],
                         ctx.checks)

    def test_anonymous_has_no_project_quotas(self):
        self.assertRaises(exception.Forbidden, self.service.list_project,
                          FakeContext(None))

    def test_set_replaces_and_answers_the_touched_projects(self):
        ctx = FakeContext()
        body = [{'project_id': 'p1', 'project_quotas': [entry(COUNT, 5)]},
                {'project_id': 'p2', 'project_quotas': []}]
        self.assertEqual({'quotas': [
            {'project_id': 'p1', 'project_quotas': [entry(COUNT, 5)]},
            {'project_id': 'p2', 'project_quotas': []}]},
            self.service.set(ctx, body))
        self.assertEqual([body], self.written)
        self.assertEqual([rules.SET_QUOTAS], [r for r, _t in ctx.checks])

    def test_set_checks_policy_before_the_body(self):
        ctx = FakeContext(deny=[rules.SET_QUOTAS])
        self.assertRaises(exception.Forbidden, self.service.set, ctx,
                          'not even a list')
        self.assertEqual([], self.written)

    def test_set_refuses_a_bad_body_whole(self):
        body = [{'project_id': 'p1', 'project_quotas': [entry(COUNT, 5)]},
                {'project_id': 'p2', 'project_quotas': [entry('x', 1)]}]
        self.assertRaises(exception.BadRequest, self.service.set,
                          FakeContext(), body)
        self.assertEqual([], self.written)
