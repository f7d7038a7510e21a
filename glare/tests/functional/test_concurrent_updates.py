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

"""Concurrent PATCHes of one artifact across API processes: none is lost."""

from concurrent import futures
import threading
from urllib import parse

import requests

from glare.tests.functional import base

N = 50
POOL = 16
V01 = '/v0.1/artifacts/murano/v1'


@base.with_backends
class ConcurrentUpdateTests:

    WORKERS = 3

    def patch_all(self, artifact_id, patches, headers=None, path=None):
        """Send the patches from a bounded thread pool; their responses."""
        headers = headers or self.user
        path = path or self.url(artifact_id)
        local = threading.local()

        def send(ops):
            session = getattr(local, 'session', None)
            if session is None:
                session = local.session = requests.Session()
            return self.patch(path, ops, headers=headers, session=session)
        with futures.ThreadPoolExecutor(POOL) as pool:
            jobs = [pool.submit(send, ops) for ops in patches]
            return [job.result(timeout=base.HTTP_TIMEOUT * 2)
                    for job in jobs]

    def assertAllOk(self, responses):
        bad = [base.brief(r) for r in responses if r.status_code != 200]
        self.assertEqual([], bad)

    def test_concurrent_tag_adds_all_kept(self):
        af = self.create()
        responses = self.patch_all(af['id'], [
            [{'op': 'add', 'path': '/tags/-', 'value': 't%d' % i}]
            for i in range(N)])
        self.assertAllOk(responses)
        self.assertEqual(sorted('t%d' % i for i in range(N)),
                         sorted(self.show(af['id'])['tags']))

    def test_concurrent_metadata_adds_all_kept(self):
        af = self.create()
        responses = self.patch_all(af['id'], [
            [{'op': 'add', 'path': '/metadata/k%d' % i, 'value': 'v'}]
            for i in range(N)])
        self.assertAllOk(responses)
        self.assertEqual({'k%d' % i: 'v' for i in range(N)},
                         self.show(af['id'])['metadata'])

    def test_concurrent_mixed_changes_all_kept(self):
        af = self.create()
        patches = []
        for i in range(N):
            if i % 5 == 0:
                patches.append([{'op': 'replace', 'path': '/description',
                                 'value': 'd%d' % i}])
            else:
                patches.append([
                    {'op': 'add', 'path': '/tags/-', 'value': 't%d' % i},
                    {'op': 'add', 'path': '/list_of_int/-', 'value': i}])
        responses = self.patch_all(af['id'], patches)
        self.assertAllOk(responses)
        shown = self.show(af['id'])
        added = [i for i in range(N) if i % 5]
        self.assertEqual(sorted('t%d' % i for i in added),
                         sorted(shown['tags']))
        self.assertEqual(added, sorted(shown['list_of_int']))
        # the last description written is one that was sent
        self.assertIn(shown['description'],
                      {'d%d' % i for i in range(0, N, 5)})
        # each answer is the artifact with its own change applied
        for ops, resp in zip(patches, responses, strict=True):
            value = ops[0]['value']
            if ops[0]['path'] == '/tags/-':
                self.assertIn(value, resp.json()['tags'])
            else:
                self.assertEqual(value, resp.json()['description'])

    def test_concurrent_adds_past_a_size_limit(self):
        # list_validators holds 3 values at most: the check sees the list
        # as it is when each change is written, so exactly 3 adds win
        af = self.create()
        responses = self.patch_all(af['id'], [
            [{'op': 'add', 'path': '/list_validators/-', 'value': 'v%d' % i}]
            for i in range(12)])
        won = [r.json()['list_validators'][-1] for r in responses
               if r.status_code == 200]
        for resp in responses:
            if resp.status_code != 200:
                self.assertError(400, resp)
        self.assertEqual(3, len(won))
        self.assertEqual(sorted(won),
                         sorted(self.show(af['id'])['list_validators']))

    def test_concurrent_renames_to_one_name_one_wins(self):
        name = self.unique()
        ids = [self.create(version='1.0')['id'] for _i in range(10)]

        def rename(artifact_id):
            with requests.Session() as session:
                return self.patch(self.url(artifact_id), [
                    {'op': 'replace', 'path': '/name', 'value': name}],
                    headers=self.user, session=session)
        with futures.ThreadPoolExecutor(POOL) as pool:
            responses = list(pool.map(rename, ids))
        for resp in responses:
            if resp.status_code != 200:
                self.assertError(409, resp)
        self.assertEqual([200] + [409] * 9,
                         sorted(r.status_code for r in responses))
        self.assertEqual(1, self.list('name=' + name)['total_count'])

    def test_concurrent_v01_tag_adds_all_kept(self):
        # the v0.1 API (Murano's) patches through the same service
        headers = {'X-Auth-Token': parse.quote(self.user['X-Auth-Token'],
                                               safe='')}
        resp = self.post(V01 + '/drafts', {
            'name': self.unique('org.example.A'), 'version': '1.0.0',
            'type': 'Application', 'display_name': 'A'}, headers=headers)
        self.assertEqual(201, resp.status_code, base.brief(resp))
        path = '%s/%s' % (V01, resp.json()['id'])
        responses = self.patch_all(None, [
            [{'op': 'add', 'path': '/tags/-', 'value': 't%d' % i}]
            for i in range(30)], headers=headers, path=path)
        self.assertAllOk(responses)
        resp = self.get(path, headers=headers)
        self.assertEqual(sorted('t%d' % i for i in range(30)),
                         sorted(resp.json()['tags']))
