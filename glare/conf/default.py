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

"""Options of the [DEFAULT] group."""

import os

from oslo_config import cfg


def _default_state_path():
    # Per-user data directory (XDG) so that the embedded default works
    # without root and without any config file.
    base = (os.environ.get('XDG_DATA_HOME')
            or os.path.join(os.path.expanduser('~'), '.local', 'share'))
    return os.path.join(base, 'glare')


DEFAULT_TYPES = ['heat_templates', 'heat_environments', 'murano_packages',
                 'tosca_templates', 'images', 'murano']

server_opts = [
    cfg.HostAddressOpt('bind_host', default='127.0.0.1',
                       help='Address the API server listens on.'),
    cfg.PortOpt('bind_port', default=9494,
                help='Port the API server listens on.'),
    cfg.IntOpt('workers', default=1, min=1,
               help='Number of API worker processes.'),
    # glare-api's own HTTP server (an external WSGI server or a proxy in
    # front has its own equivalents)
    cfg.IntOpt('client_header_timeout', default=20, min=1,
               help='Seconds a client has to send the request line and '
                    'headers of a request, counted from the connection '
                    '(or, on a kept-alive connection, from the first byte '
                    'of the request). A client still sending after that '
                    'gets a 408; a connection that sent nothing is '
                    'closed. Heads are read without holding a worker '
                    'thread, so slow clients cannot starve the service. '
                    'glare-api only.'),
    cfg.IntOpt('client_body_timeout', default=60, min=1,
               help='Longest pause, in seconds, while receiving a request '
                    'body (an upload): past it the request ends with a '
                    '408 and the connection closes. glare-api only.'),
    cfg.IntOpt('max_discarded_body_size', default=32 * 1024 * 1024, min=0,
               help='When the service answers before reading a request '
                    'body (a 413 for an upload over a size limit or '
                    'quota, for example), glare-api reads and drops up to '
                    'this many bytes of the rest of the body, so that a '
                    'client which sends its whole body before reading the '
                    'answer reads it. A longer body ends with the '
                    'connection closed. glare-api only.'),
    cfg.IntOpt('discard_body_timeout', default=10, min=0,
               help='Seconds glare-api spends at most reading and dropping '
                    'an unread request body (see max_discarded_body_size).'
                    ' glare-api only.'),
]

artifact_opts = [
    cfg.ListOpt('enabled_artifact_types', default=DEFAULT_TYPES,
                help='Names of the artifact types (entry points of the '
                     '"glare.artifact_types" namespace) the service serves. '
                     'The "all" pseudo type is always enabled.'),
    cfg.ListOpt('custom_artifact_types_modules', default=[],
                help='Python modules whose artifact classes are registered '
                     'as well, for compatibility with types written for '
                     'earlier Glare releases.'),
    cfg.BoolOpt('allow_anonymous_access', default=False,
                help='Let anonymous callers read public artifacts (lists, '
                     'details, schemas, blob downloads); any write of '
                     'theirs is refused with 403. When off, an anonymous '
                     'call gets 401. With [api] auth_strategy = keystone '
                     'a caller is anonymous without a valid token, or with '
                     'a token scoped to no project. With noauth a caller '
                     'is anonymous when it sends identity headers with an '
                     'X-Identity-Status other than Confirmed (such as '
                     '"X-Identity-Status: Anonymous" alone) or with no '
                     'X-Project-Id or X-Tenant-Id; a request with no '
                     'identity header at all runs as the local admin '
                     'instead, and an X-Auth-Token of the form '
                     'user:project:roles names its caller.'),
    cfg.IntOpt('default_api_limit', default=25, min=0,
               help='Page size of artifact lists when the request sets no '
                    'limit.'),
    cfg.IntOpt('max_api_limit', default=1000, min=0,
               help='Largest page size a request may ask for.'),
    cfg.IntOpt('max_uploaded_data', default=-1, min=-1,
               help='Default quota: total bytes of blob data a project may '
                    'store. -1 means unlimited.'),
    cfg.IntOpt('max_artifact_number', default=-1, min=-1,
               help='Default quota: number of artifacts a project may own. '
                    '-1 means unlimited.'),
    cfg.BoolOpt('delayed_delete', default=False,
                help='Keep deleted artifacts and their data in status '
                     '"deleted" until glare-scrubber purges them, instead '
                     'of removing them at once.'),
    cfg.IntOpt('stale_upload_timeout', default=15, min=1,
               help='Seconds after which an upload whose API process '
                    'stopped beating is taken for dead. The process serving '
                    'an upload beats every fifth of this time, whether data '
                    'arrives or not, so an upload is dead after five '
                    'missed heartbeats. A new upload to the same blob then '
                    'takes its place at once, and the clean-ups of the API '
                    '(every this many seconds) and of glare-scrubber undo '
                    'it: its partial data is deleted and the blob gets '
                    'its previous value back. The clocks of the hosts '
                    'running glare-api and glare-scrubber must agree to '
                    'well within this time.'),
    cfg.StrOpt('glare_publisher_id', default='artifact',
               help='Publisher id of the notifications the service emits.'),
]

state_opts = [
    cfg.StrOpt('state_path', default=_default_state_path(),
               sample_default='$XDG_DATA_HOME/glare or '
                              '$HOME/.local/share/glare',
               help='Directory of the embedded default setup: its '
                    'SQLite database and its filesystem blob store live '
                    'under it. Other options refer to it as $state_path.'),
    cfg.BoolOpt('auto_create_schema', default=True,
                help='Create the database schema when the service '
                     'starts on an empty database. Production deployments '
                     'set this to False and run "glare-db-manage upgrade".'),
]

ALL_OPTS = server_opts + artifact_opts + state_opts


def register_opts(conf):
    conf.register_opts(ALL_OPTS)


def list_opts():
    return [('DEFAULT', ALL_OPTS)]
