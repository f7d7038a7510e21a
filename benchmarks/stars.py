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

"""Benchmark concurrent star toggles: the count must end exact.

    python -m benchmarks.stars [--toggles 1000] [--users 50]
                               [--backends sqlite,postgresql,mysql]

For each backend, a real glare-api (benchmarks/server.py: a subprocess on
a free loopback port, noauth, --workers workers) gets one artifact, then
--users users of its project toggle their stars on it at once: one thread
per user, all started together, each sending its share of --toggles
requests (PUT or DELETE .../star, a few of them repeated, which change
nothing: stars are idempotent) back to back on a connection of its own.
One user's requests are sequential, so its last one decides whether it
ends with a star; the users' requests race each other, and every one of
them locks the same artifact row.

Prints the toggles per second and the latency percentiles, then checks
that the artifact's star_count equals the number of users whose last
request was a PUT, and that GET /stars of each user agrees. Exits 1 when a
count is wrong (or a request failed); the throughput is reported, not
checked (it depends on the machine).
"""

import argparse
import random
import sys
import threading
import time

from benchmarks import client as lean_client
from benchmarks import report as report_lib
from benchmarks import seed as seeder
from benchmarks import server as bench_server

TYPE = 'sample_artifact'
PROJECT = 'bench-stars'
BACKENDS = ('sqlite', 'postgresql', 'mysql')


def _headers(user):
    return {'X-Auth-Token': '%s:%s:member' % (user, PROJECT)}


def plan(toggles, users, seed=7):
    """{user: [verb, ...]}: toggles requests in all, about as many per
    user, alternating PUT and DELETE with some sent twice in a row."""
    rng = random.Random(seed)
    out = {}
    for n in range(users):
        count = toggles // users + (1 if n < toggles % users else 0)
        verbs, starred = [], False
        while len(verbs) < count:
            if verbs and rng.random() < 0.2:
                verbs.append(verbs[-1])  # the same again: a no-op
                continue
            starred = not starred
            verbs.append('PUT' if starred else 'DELETE')
        out['bench-user-%03d' % n] = verbs
    return out


def expected_count(verbs_of):
    return sum(1 for verbs in verbs_of.values() if verbs and
               verbs[-1] == 'PUT')


def _percentile(samples, p):
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))]


def measure(url, verbs_of):
    """(latencies in s, elapsed s, failures) of the toggles."""
    session = lean_client.Session()
    resp = session.request('POST', url + '/artifacts/' + TYPE,
                           json={'name': 'starred'},
                           headers=_headers('bench-owner'))
    session.close()
    if resp.status_code != 201:
        raise RuntimeError('create: %s' % resp.text[:300])
    artifact_id = resp.json()['id']
    star = '%s/artifacts/%s/%s/star' % (url, TYPE, artifact_id)
    barrier = threading.Barrier(len(verbs_of) + 1)
    latencies, failures, lock = [], [], threading.Lock()

    def toggle(user, verbs):
        s = lean_client.Session()
        mine = []
        try:
            barrier.wait(60)
            for verb in verbs:
                t0 = time.perf_counter()
                r = s.request(verb, star, headers=_headers(user))
                mine.append(time.perf_counter() - t0)
                if r.status_code != 204:
                    with lock:
                        failures.append('%s %s: %s %s' % (
                            user, verb, r.status_code, r.text[:200]))
        finally:
            s.close()
            with lock:
                latencies.extend(mine)

    threads = [threading.Thread(target=toggle, args=item)
               for item in verbs_of.items()]
    for t in threads:
        t.start()
    barrier.wait(60)
    t0 = time.perf_counter()
    for t in threads:
        t.join()
    return artifact_id, latencies, time.perf_counter() - t0, failures


def check(url, artifact_id, verbs_of):
    """What is wrong with the counts, in words (empty: nothing)."""
    s = lean_client.Session()
    try:
        doc = s.get('%s/artifacts/%s/%s' % (url, TYPE, artifact_id),
                    headers=_headers('bench-owner')).json()
        wrong = []
        want = expected_count(verbs_of)
        if doc.get('star_count') != want:
            wrong.append('star_count is %r, expected %d' % (
                doc.get('star_count'), want))
        for user, verbs in verbs_of.items():
            listed = [st['artifact']['id'] for st in s.get(
                url + '/stars', headers=_headers(user)).json()['stars']]
            starred = bool(verbs) and verbs[-1] == 'PUT'
            if listed != ([artifact_id] if starred else []):
                wrong.append('GET /stars of %s lists %s, its last request '
                             'was %s' % (user, listed, verbs[-1]))
        return wrong
    finally:
        s.close()


def run_backend(backend, args, verbs_of):
    """(result line, problems) of one backend; None when skipped."""
    created, reason = seeder.fresh_database(backend)
    if reason:
        report_lib.log('%s: skipped, server not reachable (%s)' % (
            backend, reason))
        return None
    db_url, cleanup = created or (None, None)
    try:
        with bench_server.Server(workers=args.workers, keep=args.keep,
                                 db_url=db_url) as srv:
            report_lib.log('%s: glare-api %s, %d users, %d toggles' % (
                backend, srv.url, len(verbs_of),
                sum(map(len, verbs_of.values()))))
            artifact_id, lat, elapsed, failures = measure(srv.url, verbs_of)
            problems = failures[:10] + check(srv.url, artifact_id,
                                             verbs_of)[:10]
    finally:
        if cleanup:
            cleanup()
    line = '%-12s %8d %8.0f %8.1f %8.1f %8.1f %8d' % (
        backend, len(lat), len(lat) / elapsed, _percentile(lat, 50) * 1000,
        _percentile(lat, 95) * 1000, _percentile(lat, 99) * 1000,
        expected_count(verbs_of))
    return line, problems


def _args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--toggles', type=int, default=1000,
                   help='star requests in all (default 1000)')
    p.add_argument('--users', type=int, default=50,
                   help='users toggling at once (default 50)')
    p.add_argument('--backends', default='sqlite',
                   help='comma list of %s (default sqlite)' %
                        ','.join(BACKENDS))
    report_lib.add_run_options(
        p, 'keep the temp state dir (config, database, logs)', workers=True)
    args = p.parse_args(argv)
    args.backends = [b for b in args.backends.split(',') if b]
    unknown = sorted(set(args.backends) - set(BACKENDS))
    if unknown:
        p.error('unknown backend(s): %s' % ', '.join(unknown))
    if args.users < 1 or args.toggles < args.users:
        p.error('--toggles must be at least --users, and --users at '
                'least 1')
    return args


def main(argv=None):
    args = _args(argv)
    verbs_of = plan(args.toggles, args.users)
    lines, problems = [], []
    for backend in args.backends:
        out = run_backend(backend, args, verbs_of)
        if out is None:
            continue
        lines.append(out[0])
        problems += ['%s: %s' % (backend, p) for p in out[1]]
    print()
    print('%-12s %8s %8s %8s %8s %8s %8s' % (
        'backend', 'toggles', 'per s', 'p50 ms', 'p95 ms', 'p99 ms',
        'stars'))
    for line in lines:
        print(line)
    if problems:
        print('\nWRONG:\n  ' + '\n  '.join(problems))
        return 1
    print('\nstar_count exact on every backend run')
    return 0


if __name__ == '__main__':
    sys.exit(main())
