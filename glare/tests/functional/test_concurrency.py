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

"""Uniqueness under concurrent requests to several API processes
(SPEC §12.4: database constraints, not check-then-act)."""



from glare.tests.functional import base

THREADS = 20


@base.with_backends
class ConcurrencyTests:

    WORKERS = 4

    def test_concurrent_creates_of_one_name_one_wins(self):
        body = {'name': self.unique(), 'version': '1.0'}

        def create(session):
            resp = self.post(self.url(), body, headers=self.user,
                             session=session)
            if resp.status_code == 409:
                self.assertError(409, resp)
            return resp.status_code
        statuses = self.fire([create] * THREADS)
        self.assertEqual([201] + [409] * (THREADS - 1), sorted(statuses))
        page = self.list('name=' + body['name'])
        self.assertEqual(1, page['total_count'])

    def test_concurrent_creates_in_different_projects_all_win(self):
        body = {'name': self.unique(), 'version': '1.0'}
        users = [self.auth(self.new_project()) for _i in range(THREADS)]

        def create(headers):
            return lambda session: self.post(
                self.url(), body, headers=headers,
                session=session).status_code
        statuses = self.fire([create(h) for h in users])
        self.assertEqual([201] * THREADS, statuses)
        self.assertEqual(THREADS, self.list(
            'name=' + body['name'], headers=self.admin)['total_count'])

    def test_concurrent_publishes_one_wins(self):
        name = self.unique()
        ids = []
        for _i in range(THREADS):
            owner = self.auth(self.new_project())
            af = self.create(name=name, version='2.0', headers=owner)
            self.activate(af['id'], headers=owner)
            ids.append(af['id'])

        def publish(artifact_id):
            def call(session):
                resp = self.patch(self.url(artifact_id), [
                    {'op': 'replace', 'path': '/visibility',
                     'value': 'public'}], headers=self.admin,
                    session=session)
                if resp.status_code == 409:
                    self.assertError(409, resp)
                return resp.status_code
            return call
        statuses = self.fire([publish(i) for i in ids])
        self.assertEqual([200] + [409] * (THREADS - 1), sorted(statuses))
        winner = ids[statuses.index(200)]
        public = self.list('name=%s&visibility=public' % name,
                           headers=self.admin)
        self.assertEqual([winner], [a['id'] for a in public['artifacts']])
        self.assertEqual(THREADS - 1, self.list(
            'name=%s&visibility=private' % name,
            headers=self.admin)['total_count'])
