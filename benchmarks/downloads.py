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

"""Benchmark what counting downloads costs: the same service with
``[stats] count_downloads`` on and off, side by side.

    python -m benchmarks.downloads [--quick] [--no-check]

Starts two glare-api (benchmarks/server.py: SQLite, noauth, one worker
each): ``on`` counts downloads (``flush_interval`` --flush-interval, by
default the service's 10 s) and ``off`` does not; with --pin both run on
the last CPU and this client on the others. Each gets the same
--artifacts public, active sample_artifact artifacts with a 4 KiB blob,
made by one project; another project downloads and shows them.

Each round times --requests downloads of whole blobs (each counts on
``on``), then --requests shows of the same artifacts (on ``on`` they have
downloads by then, whose last 30 days a show reads). The two servers take
turns every 100 requests, the one that goes first changing at each turn,
so that the machine's noise falls on both alike; throughput is all the
requests of a kind over all the time they took. Then the counts are
checked: after a last flush, ``on``'s per-day rows and totals hold
exactly the downloads it served, ``off``'s none.

Target (issue 17): counting costs at most 3% of download and of show
throughput: on / off >= 0.97 for each. Exits 1 when a target is missed
or a count is wrong, unless --no-check (a wrong count always fails).
"""

import argparse
import os
import sys
import time

import requests
import sqlalchemy as sa

from benchmarks import client as lean_client
from benchmarks import report as report_lib
from benchmarks import server as bench_server

TYPE = 'sample_artifact'
OWNER = {'X-Auth-Token': 'bench-owner:bench-owner:member'}
ADMIN = {'X-Auth-Token': 'bench-admin:bench-admin:admin'}
READER = {'X-Auth-Token': 'bench-user:bench-project:member'}
BLOB = b'x' * 4096
TARGET = 0.97
#: requests of one server's turn
CHUNK = 100


def _published(url, n):
    """n public, active artifacts with a 4 KiB blob; their ids."""
    ids = []
    with requests.Session() as s:
        for i in range(n):
            resp = s.post(url + '/artifacts/' + TYPE, headers=OWNER,
                          json={'name': 'dl-%d' % i, 'version': '1.0.0',
                                'string_required': 'x'})
            resp.raise_for_status()
            path = '/artifacts/%s/%s' % (TYPE, resp.json()['id'])
            s.put(url + path + '/blob', data=BLOB, headers=dict(
                OWNER, **{'Content-Type': 'application/octet-stream'})
                  ).raise_for_status()
            patch = {'Content-Type': 'application/json-patch+json'}
            s.patch(url + path, headers=dict(OWNER, **patch), json=[
                {'op': 'replace', 'path': '/status', 'value': 'active'}]
                    ).raise_for_status()
            s.patch(url + path, headers=dict(ADMIN, **patch), json=[
                {'op': 'replace', 'path': '/visibility', 'value': 'public'}]
                    ).raise_for_status()
            ids.append(resp.json()['id'])
    return ids


def _timed(session, urls, expect_size=None):
    """Seconds to GET every url once."""
    t0 = time.perf_counter()
    for url in urls:
        resp = session.get(url, headers=READER)
        if resp.status_code != 200 or (
                expect_size is not None and len(resp.content) != expect_size):
            raise RuntimeError('GET %s -> %s: %s' % (url, resp.status_code,
                                                     resp.content[:300]))
    return time.perf_counter() - t0


def _counts(srv):
    """(sum of the per-day rows, sum of downloads_total) in srv's
    database."""
    engine = sa.create_engine(srv.db_url)
    try:
        with engine.connect() as conn:
            days = conn.execute(sa.text(
                'SELECT COALESCE(SUM(count), 0) FROM '
                'glare_artifact_downloads')).scalar()
            totals = conn.execute(sa.text(
                'SELECT COALESCE(SUM(downloads_total), 0) FROM '
                'glare_artifacts')).scalar()
        return int(days), int(totals)
    finally:
        engine.dispose()


def _cpus(args):
    """(the client's CPUs, the servers' CPU) with --pin, else (None,
    None): both servers share one CPU, the client keeps the others."""
    if not args.pin:
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit('--pin needs at least 2 CPUs')
    return cpus[:-1], cpus[-1:]


def run(args):
    servers = {}
    client_cpus, server_cpus = _cpus(args)
    if client_cpus:
        os.sched_setaffinity(0, client_cpus)
    try:
        for name, on in (('on', True), ('off', False)):
            srv = bench_server.Server(keep=args.keep, cpus=server_cpus,
                                      config={'stats': {
                                          'count_downloads': str(on).lower(),
                                          'flush_interval': str(
                                              args.flush_interval)}})
            servers[name] = srv.start()
            report_lib.log('%s: glare-api %s, state in %s' % (
                name, srv.url, srv.state))
        urls = {}
        for name, srv in servers.items():
            ids = _published(srv.url, args.artifacts)
            paths = ['/artifacts/%s/%s' % (TYPE, i) for i in ids]
            reps = -(-args.requests // len(paths))
            urls[name] = {
                'download': [srv.url + p + '/blob'
                             for p in paths * reps][:args.requests],
                'show': [srv.url + p for p in paths * reps][:args.requests]}
        session = lean_client.Session()
        spent = {(n, k): 0.0 for n in servers for k in ('download', 'show')}
        served = 0
        try:
            for name in servers:  # warm both
                _timed(session, urls[name]['download'][:50], len(BLOB))
                _timed(session, urls[name]['show'][:50])
            served += min(50, args.requests)
            # the two servers take turns every CHUNK requests, the one
            # first changing at each turn: what the machine does meanwhile
            # falls on both alike
            turn = 0
            for _rnd in range(args.rounds):
                for kind in ('download', 'show'):
                    size = len(BLOB) if kind == 'download' else None
                    for lo in range(0, args.requests, CHUNK):
                        order = ['on', 'off'] if turn % 2 == 0 \
                            else ['off', 'on']
                        turn += 1
                        for name in order:
                            spent[(name, kind)] += _timed(
                                session, urls[name][kind][lo:lo + CHUNK],
                                size)
                served += args.requests
        finally:
            session.close()
        total = args.rounds * args.requests
        rates = {key: total / took for key, took in spent.items()}
        # stopping writes the last counts (SIGTERM), then the rows
        # must hold every download the counting server served
        for srv in servers.values():
            srv.stop()
        counted = {name: _counts(srv) for name, srv in servers.items()}
        return rates, served, counted
    finally:
        for srv in servers.values():
            srv.stop()
            srv.cleanup()


def report(rates, served, counted):
    print()
    print('%-10s %14s %14s %8s' % ('', 'on (req/s)', 'off (req/s)',
                                   'on/off'))
    measured, targets = {}, {}
    for kind in ('download', 'show'):
        on, off = rates[('on', kind)], rates[('off', kind)]
        print('%-10s %14.1f %14.1f %8.3f' % (kind, on, off, on / off))
        targets[kind] = ('%s: counting on / off' % kind, '', '>=', TARGET)
        measured[kind] = on / off
    print()
    print('downloads served by "on": %d; its per-day rows: %d, its totals: '
          '%d; "off": %s' % (served, counted['on'][0], counted['on'][1],
                             counted['off']))
    wrong = counted['on'] != (served, served) or counted['off'] != (0, 0)
    return report_lib.check_targets(targets, measured, digits=3), wrong


def _args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--quick', action='store_true',
                   help='1000 requests per round, 3 rounds')
    p.add_argument('--artifacts', type=int, default=20,
                   help='artifacts on each server (default 20)')
    p.add_argument('--requests', type=int,
                   help='downloads (and shows) per round (default 3000)')
    p.add_argument('--rounds', type=int,
                   help='rounds on each server (default 6)')
    p.add_argument('--flush-interval', type=int, default=10,
                   help='[stats] flush_interval of "on" (default 10, the '
                        "service's default)")
    p.add_argument('--pin', action='store_true',
                   help='both servers on the last CPU, this client on the '
                        'others')
    report_lib.add_run_options(p, 'keep the temp state dirs (config, '
                               'database, logs)')
    args = p.parse_args(argv)
    for name, full, small in (('requests', 3000, 1000), ('rounds', 6, 3)):
        if getattr(args, name) is None:
            setattr(args, name, small if args.quick else full)
    return args


def main(argv=None):
    args = _args(argv)
    missed, wrong = report(*run(args))
    if wrong:
        print('\nthe counts are wrong')
        return 1
    return report_lib.exit_status(missed, args.no_check)


if __name__ == '__main__':
    sys.exit(main())
