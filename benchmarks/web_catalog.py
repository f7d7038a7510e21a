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

"""Benchmark the web catalog's pages at 10,000 artifacts: server time.

    python -m benchmarks.web_catalog [--artifacts 10000] [--requests 40]
                                     [--backends sqlite,postgresql,mysql]
                                     [--no-check] [--keep]

For each backend, a real glare-api (benchmarks/server.py: noauth,
anonymous access allowed) gets --artifacts sample_artifact rows written
straight into the database (benchmarks/seed.py): half of them public
and active, a tenth of the rest community, the others private drafts, 10
versions per name. A few artifacts made over HTTP get a blob, a
dependency, stars and reviews.

Each page is then asked --requests times in a row (after 3 warm-up
requests), by an anonymous visitor (X-Identity-Status: Anonymous) and by
the local admin (no identity header: sees every artifact): home, a type
page (default, sorted by downloads with a tag, latest versions only), an
artifact page, a search. The server time of each request is read from
the access log (the time glare-api spent on it, from the request to the
last byte of the answer); the client's time is shown too.

Prints p50 and p95 per page, then checks the target: p95 server time
< 100 ms for every page (CATALOG.md section 6). Exits 1 when one is
missed, unless --no-check.
"""

import argparse
import os
import re
import sys
import time

import requests

from benchmarks import report as report_lib
from benchmarks import run as bench_run
from benchmarks import seed as seeder
from benchmarks import server as bench_server

TYPE = seeder.TYPE_NAME
TARGET_MS = 100.0
BACKENDS = ('sqlite', 'postgresql', 'mysql')
ANONYMOUS = {'X-Identity-Status': 'Anonymous'}
ADMIN = {}
_ACCESS = re.compile(r'"?GET (\S+) -> (\d+), \S+ bytes, ([\d.]+) ms')


def placement(i):
    """Half public and active; of the rest, a tenth community (active),
    the others private drafts."""
    if i % 2 == 0:
        return {'visibility': 'public', 'status': 'active',
                'activated_at': seeder.utcnow()}
    if i % 20 == 1:
        return {'visibility': 'community', 'status': 'active',
                'activated_at': seeder.utcnow()}
    return {}


def _ok(resp, what):
    if resp.status_code >= 300:
        raise RuntimeError('%s: %s %s' % (what, resp.status_code,
                                          resp.text[:300]))
    return resp


def make_showcase(url, session):
    """An artifact with a blob, a dependency, stars and reviews (its page
    is the one measured); returns its id."""
    owner = {'X-Auth-Token': 'bench-owner:bench-project:member'}

    def create(name, **fields):
        a = _ok(session.post('%s/artifacts/%s' % (url, TYPE), headers=owner,
                             json=dict(name=name, string_required='x',
                                       **fields)), 'create').json()
        return a['id']

    def publish(artifact_id):
        path = '%s/artifacts/%s/%s' % (url, TYPE, artifact_id)
        patch = {'Content-Type': 'application/json-patch+json'}
        _ok(session.patch(path, headers=dict(owner, **patch), json=[
            {'op': 'replace', 'path': '/status', 'value': 'active'}]),
            'activate')
        _ok(session.patch(path, headers=patch, json=[
            {'op': 'replace', 'path': '/visibility', 'value': 'public'}]),
            'publish')

    dep = create('bench-dependency', version='1.0.0')
    _ok(session.put('%s/artifacts/%s/%s/blob' % (url, TYPE, dep),
                    headers=dict(owner, **{
                        'Content-Type': 'application/octet-stream'}),
                    data=os.urandom(64 * 1024)), 'upload')
    publish(dep)
    showcase = create('bench-showcase', description='The measured page.',
                      tags=['bench', 'showcase'], license='Apache-2.0',
                      link1='/artifacts/%s/%s' % (TYPE, dep))
    publish(showcase)
    for n in range(10):
        user = {'X-Auth-Token': 'fan-%d:fans-%d:member' % (n, n)}
        _ok(session.put('%s/artifacts/%s/%s/star' % (url, TYPE, dep),
                        headers=user), 'star')
        _ok(session.post('%s/artifacts/%s/%s/reviews' % (url, TYPE, dep),
                         headers=user, json={'rating': 1 + n % 5,
                                             'comment': 'review %d' % n}),
            'review')
    return dep


def pages(artifact_id):
    return [
        ('home', '/catalog'),
        ('type page', '/catalog/types/%s' % TYPE),
        ('type page, tag + downloads',
         '/catalog/types/%s?tag=tag-7&sort=downloads' % TYPE),
        ('type page, latest, by name',
         '/catalog/types/%s?latest=1&sort=name' % TYPE),
        ('artifact page', '/catalog/artifacts/%s/%s' % (TYPE, artifact_id)),
        ('search', '/catalog/search?q=%22tag+7%22'),
    ]


class AccessLog:
    """The server times of the requests logged since the last read."""

    def __init__(self, path):
        self.path = path
        self.offset = 0

    def read(self):
        with open(self.path, errors='replace') as f:
            f.seek(self.offset)
            text = f.read()
            self.offset = f.tell()
        return [(m.group(1), int(m.group(2)), float(m.group(3)))
                for m in _ACCESS.finditer(text)]


def measure(url, session, log, path, headers, count):
    for _i in range(3):
        _ok(session.get(url + path, headers=headers), path)
    time.sleep(0.05)
    log.read()
    client = []
    for _i in range(count):
        t0 = time.perf_counter()
        _ok(session.get(url + path, headers=headers), path)
        client.append((time.perf_counter() - t0) * 1000)
    time.sleep(0.2)  # the last lines reach the file
    server = [ms for logged, status, ms in log.read()
              if logged == path and status == 200]
    if len(server) != count:
        raise RuntimeError('%d of %d requests of %s in the access log' % (
            len(server), count, path))
    return server, client


def run_backend(backend, args):
    """[(page, server p50, p95, client p50, p95)] of one backend, or None
    when its server is not reachable."""
    created, reason = seeder.fresh_database(backend)
    if reason:
        report_lib.log('%s: skipped, server not reachable (%s)' % (
            backend, reason))
        return None
    db_url, cleanup = created or (None, None)
    config = {'DEFAULT': {'allow_anonymous_access': 'True'}}
    rows = []
    try:
        with bench_server.Server(keep=args.keep, config=config,
                                 db_url=db_url) as server:
            report_lib.log('%s: seeding %d artifacts' % (backend,
                                                         args.artifacts))
            seeder.seed(server.db_url, args.artifacts, placement=placement)
            with requests.Session() as session:
                showcase = make_showcase(server.url, session)
                log = AccessLog(os.path.join(server.state, 'glare-api.log'))
                for who, headers in (('anonymous', ANONYMOUS),
                                     ('admin', ADMIN)):
                    for label, path in pages(showcase):
                        report_lib.log('  %s: %s' % (who, label))
                        srv, cli = measure(server.url, session, log, path,
                                           headers, args.requests)
                        rows.append(('%s %s, %s' % (backend, who, label),
                                     bench_run._percentile(srv, 50),
                                     bench_run._percentile(srv, 95),
                                     bench_run._percentile(cli, 50),
                                     bench_run._percentile(cli, 95)))
    finally:
        if cleanup:
            cleanup()
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--artifacts', type=int, default=10000)
    parser.add_argument('--requests', type=int, default=40)
    parser.add_argument('--backends', default='sqlite',
                        help='comma list of %s (default sqlite)' %
                             ','.join(BACKENDS))
    report_lib.add_run_options(parser, 'keep the server state dir')
    args = parser.parse_args(argv)
    backends = [b for b in args.backends.split(',') if b]
    unknown = sorted(set(backends) - set(BACKENDS))
    if unknown:
        parser.error('unknown backend(s): %s' % ', '.join(unknown))
    rows = []
    for backend in backends:
        rows += run_backend(backend, args) or []
    print('web catalog pages at %d artifacts, %d requests each' % (
        args.artifacts, args.requests))
    print('%-50s %9s %9s %9s %9s' % ('page', 'srv p50', 'srv p95',
                                     'cli p50', 'cli p95'))
    for key, s50, s95, c50, c95 in rows:
        print('%-50s %7.1fms %7.1fms %7.1fms %7.1fms' % (key, s50, s95, c50,
                                                         c95))
    measured = {row[0]: row[2] for row in rows}
    targets = {key: (key + ': p95', 'ms', '<', TARGET_MS)
               for key in measured}
    missed = report_lib.check_targets(targets, measured, width=56)
    return report_lib.exit_status(missed, args.no_check)


if __name__ == '__main__':
    sys.exit(main())
