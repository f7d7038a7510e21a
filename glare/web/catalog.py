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

"""The web catalog's renderer: templates, static files and page headers."""

import hashlib
import os
from urllib import parse

import jinja2
import pecan

HERE = os.path.dirname(os.path.abspath(__file__))
#: where the catalog is mounted (glare.api.controllers.root)
PREFIX = '/catalog'
HTML_TYPE = 'text/html; charset=UTF-8'
#: no inline script or style, nothing from another origin, no framing
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; "
       "img-src 'self' data:; object-src 'none'; frame-ancestors 'none'; "
       "base-uri 'none'; form-action 'self'")
#: the headers of every catalog answer, pages and errors alike
SECURITY_HEADERS = (
    ('Content-Security-Policy', CSP),
    ('X-Content-Type-Options', 'nosniff'),
    ('Referrer-Policy', 'same-origin'),
    ('X-Frame-Options', 'DENY'),
)
#: the request headers that make a caller someone: a page differs with them
IDENTITY_HEADERS = ('X-Auth-Token', 'X-Identity-Status', 'X-Project-Id',
                    'X-Tenant-Id', 'X-User-Id', 'X-Roles')
_STATIC_TYPES = {'.css': 'text/css; charset=UTF-8',
                 '.js': 'text/javascript; charset=UTF-8',
                 '.svg': 'image/svg+xml'}
_SAFE_SCHEMES = ('http', 'https')


def etag_of(data):
    return '"%s"' % hashlib.sha256(data).hexdigest()[:32]


def safe_href(url):
    """url when it is an absolute http(s) URL, else None: a link an
    artifact holds never becomes javascript:, data: or a relative path."""
    if not isinstance(url, str) or any(c in url for c in '\x00\r\n\t '):
        return None
    try:
        parts = parse.urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in _SAFE_SCHEMES or not parts.netloc:
        return None
    return url


def human_size(size):
    if size is None:
        return ''
    value = float(size)
    for unit in ('bytes', 'KiB', 'MiB', 'GiB', 'TiB'):
        if value < 1024 or unit == 'TiB':
            return ('%d %s' % (value, unit) if unit == 'bytes'
                    else '%.1f %s' % (value, unit))
        value /= 1024
    return str(size)


def quote(segment):
    return parse.quote(str(segment), safe='')


class StaticFile:
    def __init__(self, data, content_type):
        self.data = data
        self.content_type = content_type
        self.etag = etag_of(data)


class Catalog:
    """What the catalog's pages need, built once per process: the
    options, the templates and the static files (read into memory: a
    few kilobytes)."""

    def __init__(self, conf):
        self.title = conf.catalog.title
        # a field the policy hides from the caller is missing from its
        # document: missing keys render as nothing
        self.env = jinja2.Environment(
            loader=jinja2.FileSystemLoader(os.path.join(HERE, 'templates')),
            autoescape=True, auto_reload=False, trim_blocks=True,
            lstrip_blocks=True, undefined=jinja2.ChainableUndefined)
        self.env.filters.update(safe_href=safe_href, size=human_size,
                                q=quote)
        self.static = {}
        static_dir = os.path.join(HERE, 'static')
        for name in sorted(os.listdir(static_dir)):
            ext = os.path.splitext(name)[1]
            if ext in _STATIC_TYPES:
                with open(os.path.join(static_dir, name), 'rb') as f:
                    self.static[name] = StaticFile(f.read(),
                                                   _STATIC_TYPES[ext])
        # the static files' URLs carry their tag: they are cached for good
        self.asset_tags = {name: f.etag.strip('"')[:12]
                           for name, f in self.static.items()}

    def render(self, template, **values):
        values.setdefault('title', self.title)
        if 'root' not in values:
            values['root'] = pecan.request.script_name or ''
        values.setdefault('assets', self.asset_tags)
        return self.env.get_template(template).render(**values)
