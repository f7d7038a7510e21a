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

"""ETag on artifact answers, If-Match on PATCH, If-None-Match on GET."""

import re

from glare.tests.functional import base

LOCATION_TYPE = 'application/vnd+openstack.glare-custom-location+json'
STRONG = re.compile(r'^"[\x21\x23-\x7e]+"$')
THREADS = 12


def tag_op(value):
    return [{'op': 'add', 'path': '/tags/-', 'value': value}]


@base.with_backends
class ETagTests:

    WORKERS = 2
    # a location is taken as given: nothing to fetch in these tests
    CONFIG = {'locations': {'verify_external': 'False',
                            'allow_private_networks': 'True'}}

    def etag(self, resp, status=200):
        self.assertEqual(status, resp.status_code, base.brief(resp))
        etag = resp.headers.get('ETag')
        self.assertIsNotNone(etag, base.brief(resp))
        self.assertRegex(etag, STRONG)
        return etag

    def shown(self, artifact_id):
        resp = self.get(self.url(artifact_id), headers=self.user)
        return self.etag(resp), resp.json()

    def patch_if(self, artifact_id, ops, if_match, headers=None):
        hdrs = dict(headers or self.user)
        if if_match is not None:
            hdrs['If-Match'] = if_match
        return self.patch(self.url(artifact_id), ops, headers=hdrs)

    def create_tagged(self):
        resp = self.post(self.url(), {'name': self.unique()},
                         headers=self.user)
        return self.etag(resp, 201), resp.json()

    def test_etag_on_every_answer_changes_with_every_change(self):
        etag, af = self.create_tagged()
        self.assertEqual(etag, self.shown(af['id'])[0])
        seen = [etag]

        def changed(resp):
            new = self.etag(resp)
            self.assertNotIn(new, seen, base.brief(resp))
            seen.append(new)
            # the answer's tag is the one a GET gives now
            self.assertEqual(new, self.shown(af['id'])[0])

        changed(self.patch(self.url(af['id']), tag_op('a'),
                           headers=self.user))
        blob_path = self.url(af['id']) + '/blob'
        changed(self.request('PUT', blob_path, headers=self.user,
                             data=b'data', content_type='text/plain'))
        # the same data again is a new upload all the same
        changed(self.request('PUT', blob_path, headers=self.user,
                             data=b'data', content_type='text/plain'))
        folder = self.url(af['id']) + '/dict_of_blobs/k'
        changed(self.request('PUT', folder, headers=self.user,
                             json_body={'url': 'http://example.com/x'},
                             content_type=LOCATION_TYPE))
        changed(self.delete(folder, headers=self.user))
        changed(self.patch(self.url(af['id']), [
            {'op': 'replace', 'path': '/string_required', 'value': 's'},
            {'op': 'replace', 'path': '/status', 'value': 'active'}],
            headers=self.user))
        changed(self.patch(self.url(af['id']), [
            {'op': 'replace', 'path': '/status', 'value': 'deactivated'}],
            headers=self.admin))
        # a patch that changes nothing keeps the tag
        resp = self.patch(self.url(af['id']), [], headers=self.admin)
        self.assertEqual(seen[-1], self.etag(resp))
        # /artifacts/all shows the same artifact at the same revision
        resp = self.get('/artifacts/all/%s' % af['id'], headers=self.user)
        self.assertEqual(seen[-1], self.etag(resp))

    def test_stale_if_match_is_412_and_changes_nothing(self):
        etag, af = self.create_tagged()
        fresh = self.etag(self.patch(self.url(af['id']), tag_op('a'),
                                     headers=self.user))
        before = self.shown(af['id'])
        resp = self.patch_if(af['id'], tag_op('b'), etag)
        body = self.assertError(412, resp, 'has changed')
        self.assertEqual('Precondition Failed', body['title'])
        self.assertEqual(before, self.shown(af['id']))
        # a list naming the current tag passes, and so does "*"
        resp = self.patch_if(af['id'], tag_op('b'), '%s, %s' % (etag, fresh))
        fresher = self.etag(resp)
        self.assertEqual(['a', 'b'], resp.json()['tags'])
        resp = self.patch_if(af['id'], tag_op('c'), '*')
        self.assertNotEqual(fresher, self.etag(resp))
        self.assertEqual(['a', 'b', 'c'], resp.json()['tags'])
        # a weak tag never matches If-Match (strong comparison)
        self.assertError(412, self.patch_if(af['id'], tag_op('d'),
                                            'W/' + fresher))
        self.assertEqual(['a', 'b', 'c'], self.show(af['id'])['tags'])

    def test_stale_if_match_on_a_lifecycle_change(self):
        etag, af = self.create_tagged()
        self.update(af['id'], [{'op': 'replace', 'path': '/string_required',
                                'value': 's'}])
        self.assertError(412, self.patch_if(af['id'], [
            {'op': 'replace', 'path': '/status', 'value': 'active'}], etag))
        self.assertEqual('drafted', self.show(af['id'])['status'])

    def test_malformed_if_match_is_400(self):
        etag, af = self.create_tagged()
        for value in ('abc', '"a" "b"', 'W/abc', '"a', ',', '"a", *'):
            self.assertError(400, self.patch_if(af['id'], tag_op(value),
                                                value), 'If-Match')
        self.assertEqual(([], etag), (self.show(af['id'])['tags'],
                                      self.shown(af['id'])[0]))

    def test_if_match_on_a_missing_artifact_is_404(self):
        missing = '00000000-0000-4000-8000-000000000000'
        self.assertError(404, self.patch_if(missing, tag_op('a'), '*'))

    def test_concurrent_patches_with_one_if_match_one_wins(self):
        etag, af = self.create_tagged()

        def send(i):
            def call(session):
                resp = self.patch(self.url(af['id']), tag_op('t%d' % i),
                                  headers=dict(self.user, **{
                                      'If-Match': etag}), session=session)
                if resp.status_code != 200:
                    self.assertError(412, resp)
                return resp
            return call
        responses = self.fire([send(i) for i in range(THREADS)])
        statuses = sorted(r.status_code for r in responses)
        self.assertEqual([200] + [412] * (THREADS - 1), statuses)
        winner = [r for r in responses if r.status_code == 200][0]
        self.assertEqual(winner.json()['tags'], self.show(af['id'])['tags'])
        self.assertEqual(1, len(winner.json()['tags']))

    def test_if_none_match_on_get(self):
        etag, af = self.create_tagged()
        for value in (etag, 'W/' + etag, '"other", ' + etag, '*'):
            resp = self.get(self.url(af['id']), headers=dict(
                self.user, **{'If-None-Match': value}))
            self.assertEqual(304, resp.status_code, value)
            self.assertEqual(b'', resp.content)
            self.assertEqual(etag, resp.headers['ETag'])
        resp = self.get(self.url(af['id']), headers=dict(
            self.user, **{'If-None-Match': '"other"'}))
        self.assertEqual(etag, self.etag(resp))
        self.assertEqual(af['id'], resp.json()['id'])
        self.assertError(400, self.get(self.url(af['id']), headers=dict(
            self.user, **{'If-None-Match': 'bare'})))
        # an artifact the caller cannot see stays a 404 whatever the tag
        self.assertError(404, self.get(self.url(af['id']), headers=dict(
            self.auth(self.new_project()), **{'If-None-Match': '*'})))
