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

"""External locations get the type's upload checks when the service fetches
the data ([locations] verify_external), and none when it does not."""

import http.server
import threading

from glare.tests.fixtures import image_samples as samples
from glare.tests.functional import base
from glare.tests.functional import test_blobs
from glare.tests.functional import test_type_heat as heat

LOCATION_TYPE = 'application/vnd+openstack.glare-custom-location+json'
HEAT = 'heat_templates'
IMAGES = 'images'


class _Files(http.server.BaseHTTPRequestHandler):
    """GET /<name>: the bytes the test put in FILES[name]."""

    FILES = {'template.yaml': heat.TEMPLATE,
             'not-heat.yaml': heat.NOT_HEAT,
             'raw.img': samples.raw(),
             'qcow2.img': samples.qcow2()}

    def do_GET(self):
        body = self.FILES.get(self.path.lstrip('/'))
        if body is None:
            self.send_error(404)
            return
        self.send_response(200)
        self.send_header('Content-Length', str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _Mixin(test_blobs.BlobMixin):

    @classmethod
    def setUpClass(cls):
        cls.files = http.server.ThreadingHTTPServer(('127.0.0.1', 0), _Files)
        threading.Thread(target=cls.files.serve_forever, daemon=True).start()
        cls.addClassCleanup(cls.files.server_close)
        cls.addClassCleanup(cls.files.shutdown)
        super().setUpClass()

    def file_url(self, name):
        return 'http://127.0.0.1:%d/%s' % (self.files.server_address[1],
                                           name)

    def path(self, type_name, artifact_id, field, key=None):
        return '%s/%s%s' % (self.url(artifact_id, type_name), field,
                            '/' + key if key else '')

    def set_location(self, type_name, artifact_id, field, name, key=None):
        return self.request('PUT', self.path(type_name, artifact_id, field,
                                             key),
                            headers=self.user, content_type=LOCATION_TYPE,
                            json_body={'url': self.file_url(name)})

    def put(self, type_name, artifact_id, field, name, key=None):
        return self.request('PUT', self.path(type_name, artifact_id, field,
                                             key),
                            headers=self.user, data=_Files.FILES[name],
                            content_type='application/octet-stream')


@base.with_backends
class VerifiedLocationChecksTests(_Mixin):
    """verify_external (the default): the fetched data is checked."""

    CONFIG = {'locations': {'allow_private_networks': 'True'}}

    def refused_like_an_upload(self, type_name, field, name, key=None,
                               **fields):
        """The location is refused with the message an upload of the same
        data gets; neither keeps anything."""
        by_url = self.create(type_name=type_name, **fields)['id']
        by_put = self.create(type_name=type_name, **fields)['id']
        before = self.store_files()
        resp = self.set_location(type_name, by_url, field, name, key)
        message = self.assertError(400, resp)['error']['message']
        upload = self.assertError(400, self.put(type_name, by_put, field,
                                                name, key))
        self.assertEqual(upload['error']['message'], message)
        for artifact_id in (by_url, by_put):
            doc = self.show(artifact_id, type_name=type_name)
            self.assertIn(doc[field], (None, {}), field)
        self.assertEqual(before, self.store_files())
        return message

    def test_invalid_heat_template_refused(self):
        message = self.refused_like_an_upload(HEAT, 'template',
                                              'not-heat.yaml')
        self.assertIn('must be a mapping', message)
        self.refused_like_an_upload(HEAT, 'nested_templates',
                                    'not-heat.yaml', key='nested.yaml')

    def test_valid_heat_template_accepted(self):
        af = self.create(type_name=HEAT)['id']
        resp = self.set_location(HEAT, af, 'template', 'template.yaml')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        blob = resp.json()['template']
        self.assertEqual((True, len(heat.TEMPLATE)),
                         (blob['external'], blob['size']))
        self.assertEqual(test_blobs.digests(heat.TEMPLATE)['sha256'],
                         blob['sha256'])
        self.assertEqual('active', self.activate(af, type_name=HEAT)[
            'status'])

    def test_image_contradicting_disk_format_refused(self):
        message = self.refused_like_an_upload(
            IMAGES, 'image', 'raw.img', container_format='bare',
            disk_format='qcow2')
        self.assertIn('format raw, not qcow2', message)

    def test_image_matching_disk_format_accepted(self):
        af = self.create(type_name=IMAGES, container_format='bare',
                         disk_format='qcow2')['id']
        resp = self.set_location(IMAGES, af, 'image', 'qcow2.img')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        doc = resp.json()
        self.assertEqual(len(_Files.FILES['qcow2.img']),
                         doc['image']['size'])
        # what a check reads from data elsewhere is not recorded
        self.assertNotIn('detected_format', doc['metadata'] or {})


class UnverifiedLocationChecksTests(_Mixin, base.FunctionalTest):
    """verify_external = False (upstream mode): nothing is fetched, so
    nothing is checked."""

    BACKEND = 'sqlite'
    CONFIG = {'locations': {'allow_private_networks': 'True',
                            'verify_external': 'False'}}

    def test_invalid_heat_template_accepted_unchecked(self):
        af = self.create(type_name=HEAT)['id']
        resp = self.set_location(HEAT, af, 'template', 'not-heat.yaml')
        self.assertEqual(200, resp.status_code, base.brief(resp))
        self.assertEqual((True, None), (resp.json()['template']['external'],
                                        resp.json()['template']['size']))
