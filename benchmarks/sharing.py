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

"""Benchmark lists under sharing: visibility and membership per request.

    python -m benchmarks.sharing [--backends sqlite,postgresql] [--quick]

For each backend, a real glare-api (a subprocess on a free loopback port,
noauth, anonymous access allowed, one worker; see benchmarks/server.py)
gets a database of --artifacts sample_artifact artifacts owned by
--projects projects, of every visibility (60% private, 20% shared, 5%
community, 15% public, all active), and --members rows of
glare_artifact_members (60% accepted, 30% pending, 10% rejected; 5% of
them on private artifacts, left from when those were shared, which grant
nothing). Both are written straight into the database (benchmarks/seed.py):
creating them over HTTP would take far longer than the measurement.
PostgreSQL runs in a database of its own, created for the run and dropped
after it, and is ANALYZEd after seeding, as autovacuum would soon do;
SQLite gets no ANALYZE, as a deployment's SQLite has none.

Then six lists, each walked from its first page to its last by following
``next`` with limit 25 (walked again until --requests pages were timed):

* member: the default list of a project that is a member of --hot shared
  artifacts (public + its own + shared with it and accepted);
* inbox: the same project's ``?visibility=shared&member_status=pending``;
* community: the same project's ``?visibility=community``;
* owner: the default list of another project, one that shares artifacts;
* anonymous: no project (public only);
* all: the member's ``/artifacts/all``.

Every walk is checked against the list computed from the seeding plan: the
same ids in the same order (created_at desc, id), ``total_count`` right on
every page, ``next`` on every full page. Prints p50/p95/p99 per list and
backend against the target (p95 < 50 ms); exits 1 when one is missed,
unless --no-check, and when a list is wrong (its figures are not reported).
"""

import argparse
import random
import sys
import time
import uuid
from urllib import parse

import sqlalchemy as sa

from benchmarks import client as lean_client
from benchmarks import report as report_lib
from benchmarks import run as bench_run
from benchmarks import seed as seeder
from benchmarks import server as bench_server

TYPE = 'sample_artifact'
MEMBERS_TABLE = 'glare_artifact_members'
LIMIT = 25
PER_NAME = 10  # consecutive artifacts that share a name (and an owner)
TARGET_P95_MS = 50.0
VISIBILITIES = (('private', 60), ('shared', 20), ('community', 5),
                ('public', 15))
MEMBER_STATUSES = (('accepted', 60), ('pending', 30), ('rejected', 10))
#: share of the member rows on private artifacts (left from a shared past)
STALE_MEMBERS = 0.05
BACKENDS = ('sqlite', 'postgresql')


def _project(n):
    return 'project-%04d' % n


class Plan:
    """Who owns what, what is shared with whom: decided before seeding,
    so that every list's right answer is known."""

    def __init__(self, artifacts, members, projects, hot, seed=13):
        if projects < 3:
            raise ValueError('at least 3 projects')
        rng = random.Random(seed)
        self.count = artifacts
        self.ids = [str(uuid.UUID(int=rng.getrandbits(128), version=4))
                    for _i in range(artifacts)]
        self.owners = [_project((i // PER_NAME) % projects)
                       for i in range(artifacts)]
        names, weights = zip(*VISIBILITIES, strict=True)
        self.visibility = rng.choices(names, weights, k=artifacts)
        #: the member project measured, and the owner project measured
        self.member, self.owner = _project(1), _project(2)
        self.members = {}  # (artifact index, project) -> status
        shared = [i for i, v in enumerate(self.visibility) if v == 'shared']
        private = [i for i, v in enumerate(self.visibility)
                   if v == 'private']
        statuses, weights = zip(*MEMBER_STATUSES, strict=True)

        def add(i, project):
            if project == self.owners[i] or (i, project) in self.members:
                return False
            self.members[(i, project)] = rng.choices(statuses, weights)[0]
            return True

        hot = min(hot, members, len(shared))
        while sum(1 for _i, p in self.members if p == self.member) < hot:
            add(rng.choice(shared), self.member)
        stale = int(members * STALE_MEMBERS) if private else 0
        while len(self.members) < members - stale:
            add(rng.choice(shared), _project(rng.randrange(projects)))
        while len(self.members) < members:
            add(rng.choice(private), _project(rng.randrange(projects)))

    def placement(self, now):
        def place(i):
            created = seeder.created_at(i, now)
            return {'id': self.ids[i], 'owner': self.owners[i],
                    'visibility': self.visibility[i], 'status': 'active',
                    'activated_at': created}
        return place

    def member_rows(self, now):
        return [{'artifact_id': self.ids[i], 'member': project,
                 'status': status, 'created_at': now, 'updated_at': now}
                for (i, project), status in sorted(self.members.items())]

    def memberships(self, project, status):
        return {i for (i, p), s in self.members.items()
                if p == project and s == status}

    def expected(self, case):
        """The ids a case lists, in the list's order (newest first)."""
        vis, own = self.visibility, self.owners
        if case.anonymous:
            keep = [i for i in range(self.count) if vis[i] == 'public']
        elif case.params.get('visibility') == 'community':
            keep = [i for i in range(self.count) if vis[i] == 'community']
        else:
            status = case.params.get('member_status', 'accepted')
            granted = self.memberships(case.project, status)
            keep = [i for i in range(self.count)
                    if own[i] == case.project or vis[i] == 'public' or
                    (vis[i] == 'shared' and i in granted)]
            if case.params.get('visibility'):
                keep = [i for i in keep
                        if vis[i] == case.params['visibility']]
        return [self.ids[i] for i in sorted(keep, reverse=True)]


class Case:
    def __init__(self, key, label, project, params=None, path=TYPE):
        self.key = key
        self.label = label
        self.project = project
        self.anonymous = project is None
        self.params = dict(params or {})
        self.path = path

    @property
    def headers(self):
        if self.anonymous:
            # noauth: an unconfirmed identity is the anonymous caller
            return {'X-Identity-Status': 'Invalid'}
        return {'X-Project-Id': self.project,
                'X-User-Id': 'user-' + self.project, 'X-Roles': 'member'}

    def first_url(self, base):
        query = dict(self.params, limit=LIMIT)
        return '%s/artifacts/%s?%s' % (base, self.path,
                                       parse.urlencode(query))


def cases(plan):
    return [
        Case('member', 'member: default list', plan.member),
        Case('inbox', 'member: shared, pending (inbox)', plan.member,
             {'visibility': 'shared', 'member_status': 'pending'}),
        Case('community', 'member: visibility=community', plan.member,
             {'visibility': 'community'}),
        Case('owner', 'owner: default list', plan.owner),
        Case('anonymous', 'anonymous: default list', None),
        Case('all', 'member: /artifacts/all', plan.member, path='all'),
    ]


class WrongList(AssertionError):
    pass


def walk(session, base, case, latencies):
    """Follow next from the first page to the last; the ids and the
    total_count of every page."""
    url, ids, totals = case.first_url(base), [], set()
    while url:
        t0 = time.perf_counter()
        resp = session.get(url, headers=case.headers)
        latencies.append(time.perf_counter() - t0)
        if resp.status_code != 200:
            raise WrongList('%s: GET %s -> %s: %s' % (
                case.label, url, resp.status_code, resp.text[:300]))
        body = resp.json()
        page = [a['id'] for a in body['artifacts']]
        totals.add(body.get('total_count'))
        ids += page
        if len(page) == LIMIT and 'next' not in body:
            raise WrongList('%s: a full page without next (%s)' % (
                case.label, url))
        url = base + body['next'] if 'next' in body else None
    return ids, totals


def check(case, expected, ids, totals):
    if totals != {len(expected)}:
        raise WrongList('%s: total_count %s, expected %d' % (
            case.label, sorted(totals, key=str), len(expected)))
    if ids != expected:
        missing = len(set(expected) - set(ids))
        extra = len(set(ids) - set(expected))
        raise WrongList('%s: %d listed, %d expected; %d missing, %d not '
                        'expected, %s' % (
                            case.label, len(ids), len(expected), missing,
                            extra, 'duplicates' if len(set(ids)) < len(ids)
                            else 'same set, other order' if not
                            (missing or extra) else 'differing sets'))


def _seed(db_url, plan, backend, log):
    now = seeder.utcnow()
    log('  seeding %d artifacts' % plan.count)
    took = seeder.seed(db_url, plan.count, placement=plan.placement(now),
                       prefix='share', log=log if plan.count >= 50000
                       else None)
    rows = plan.member_rows(now)
    log('  seeded in %.1fs; %d member rows' % (took, len(rows)))
    took = seeder.insert_rows(db_url, MEMBERS_TABLE, rows)
    log('  member rows in %.1fs' % took)
    if backend == 'postgresql':
        # what autovacuum does soon after a bulk load
        engine = sa.create_engine(db_url, isolation_level='AUTOCOMMIT')
        try:
            with engine.connect() as conn:
                conn.exec_driver_sql('ANALYZE')
        finally:
            engine.dispose()


def measure(backend, db_url, plan, args):
    """{case key: (latencies, pages per walk, total)} for one backend."""
    log = report_lib.log
    server = bench_server.Server(
        workers=args.workers, keep=args.keep, db_url=db_url,
        config={'DEFAULT': {'allow_anonymous_access': 'True'}})
    results = {}
    with server as srv:
        log('%s: glare-api %s, state in %s' % (backend, srv.url, srv.state))
        _seed(srv.db_url, plan, backend, log)
        s = lean_client.Session()
        try:
            for case in cases(plan):
                expected = plan.expected(case)
                # untimed: the first page once, as a running service would
                # have it in its caches
                s.get(case.first_url(srv.url), headers=case.headers)
                latencies, walks = [], 0
                try:
                    while walks == 0 or len(latencies) < args.requests:
                        ids, totals = walk(s, srv.url, case, latencies)
                        check(case, expected, ids, totals)
                        walks += 1
                except WrongList as exc:
                    log('  WRONG: %s' % exc)
                    results[case.key] = exc
                    continue
                pages = len(latencies) // walks
                log('  %-34s %5d listed, %4d pages x %d walks' % (
                    case.label, len(expected), pages, walks))
                results[case.key] = (latencies, pages, len(expected))
        except OSError as exc:
            raise RuntimeError('%s: %s; is glare-api (pid %s) still up?\n%s'
                               % (backend, exc, srv.proc.pid,
                                  srv.log_tail())) from exc
        finally:
            s.close()
    return results


def run(args):
    plan = Plan(args.artifacts, args.members, args.projects, args.hot,
                args.seed)
    report_lib.log('plan: %d artifacts, %d projects, %d member rows; the '
                   'member %s: %d rows (%d accepted, %d pending)' % (
                       plan.count, args.projects, len(plan.members),
                       plan.member,
                       sum(1 for _i, p in plan.members if p == plan.member),
                       len(plan.memberships(plan.member, 'accepted')),
                       len(plan.memberships(plan.member, 'pending'))))
    out = {}
    for backend in args.backends:
        if backend == 'sqlite':
            out[backend] = measure(backend, None, plan, args)
            continue
        created, reason = seeder.fresh_database(backend)
        if reason:
            report_lib.log('postgresql: skipped, server not reachable (%s)'
                           % reason.splitlines()[0])
            out[backend] = None
            continue
        url, cleanup = created
        try:
            out[backend] = measure(backend, url, plan, args)
        finally:
            cleanup()
    return plan, out


def report(plan, out):
    print()
    print('%-12s %-34s %7s %6s %6s %7s %7s %7s' % (
        'backend', 'list (limit %d, paged by next)' % LIMIT, 'listed',
        'pages', 'reqs', 'p50 ms', 'p95 ms', 'p99 ms'))
    targets, measured, wrong = {}, {}, []
    for backend, results in out.items():
        for case in cases(plan):
            key = '%s/%s' % (backend, case.key)
            targets[key] = ('%s, %s: p95' % (backend, case.key), 'ms', '<',
                            TARGET_P95_MS)
            if results is None:
                measured[key] = None
                continue
            if isinstance(results[case.key], WrongList):
                wrong.append('%s: %s' % (backend, results[case.key]))
                measured[key] = None
                continue
            latencies, pages, total = results[case.key]
            ms = [bench_run._percentile(latencies, p) * 1000.0
                  for p in (50, 95, 99)]
            measured[key] = ms[1]
            print('%-12s %-34s %7d %6d %6d %7.2f %7.2f %7.2f' % (
                backend, case.label, total, pages, len(latencies), *ms))
    missed = report_lib.check_targets(targets, measured)
    for text in wrong:
        print('\nWRONG LIST (not timed), %s' % text)
    return missed, wrong


def _args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--backends', default=','.join(BACKENDS),
                   help='comma list of sqlite, postgresql (default both; '
                        'PostgreSQL from GLARE_TEST_PG_URL, default '
                        'postgres@127.0.0.1:5432/test, in a database made '
                        'for the run)')
    p.add_argument('--quick', action='store_true',
                   help='10,000 artifacts, 1000 member rows, 100 projects')
    p.add_argument('--artifacts', type=int,
                   help='artifacts seeded (default 100000)')
    p.add_argument('--members', type=int,
                   help='member rows seeded (default 10000)')
    p.add_argument('--projects', type=int,
                   help='projects owning them (default 1000)')
    p.add_argument('--hot', type=int,
                   help='member rows of the member project measured '
                        '(default 400)')
    p.add_argument('--requests', type=int, default=200,
                   help='timed requests per list at least: a list is '
                        'walked again until there are (default 200)')
    p.add_argument('--seed', type=int, default=13,
                   help='of the pseudo-random plan (default 13)')
    report_lib.add_run_options(
        p, 'keep the temp state dirs (config, logs, SQLite)', workers=True)
    args = p.parse_args(argv)
    for name, full, small in (('artifacts', 100000, 10000),
                              ('members', 10000, 1000),
                              ('projects', 1000, 100), ('hot', 400, 60)):
        if getattr(args, name) is None:
            setattr(args, name, small if args.quick else full)
    args.backends = [b.strip() for b in args.backends.split(',')
                     if b.strip()]
    for b in args.backends:
        if b not in BACKENDS:
            p.error('unknown backend %r (%s)' % (b, ', '.join(BACKENDS)))
    if args.projects < 3:
        p.error('--projects must be at least 3')
    return args


def main(argv=None):
    args = _args(argv)
    plan, out = run(args)
    missed, wrong = report(plan, out)
    # a wrong list fails the run even with --no-check: its figures would
    # be those of another query
    return 1 if wrong else report_lib.exit_status(missed, args.no_check)


if __name__ == '__main__':
    sys.exit(main())
