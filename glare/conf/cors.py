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

"""The [cors] group: oslo.middleware options with Glare's headers."""

from oslo_middleware import cors

# Headers a browser client must be allowed to send or read for the API to
# be usable cross-origin: identity, request id, microversion, checksums.
ALLOW_HEADERS = ['X-Auth-Token', 'X-Identity-Status', 'X-Roles',
                 'X-User-Id', 'X-Project-Id', 'X-Tenant-Id',
                 'X-OpenStack-Request-ID', 'OpenStack-API-Version',
                 'Content-MD5', 'Content-Type', 'Accept']
EXPOSE_HEADERS = ['X-OpenStack-Request-ID', 'OpenStack-API-Version',
                  'Vary', 'Content-MD5', 'X-Openstack-Glare-Content-SHA1',
                  'X-Openstack-Glare-Content-SHA256', 'Location',
                  'X-Glare-Bundle-Digest']
ALLOW_METHODS = ['GET', 'PUT', 'POST', 'DELETE', 'PATCH', 'HEAD']


def set_defaults():
    cors.set_defaults(allow_headers=ALLOW_HEADERS,
                      expose_headers=EXPOSE_HEADERS,
                      allow_methods=ALLOW_METHODS)


def register_opts(conf):
    set_defaults()
    conf.register_opts(cors.CORS_OPTS, group='cors')


def list_opts():
    # Listed by the oslo.middleware.cors namespace; see set_defaults.
    return []
