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

"""Benchmark federated search against the sum of its parts.

    python -m benchmarks.federation [--quick] [--upstreams 2] [--no-check]

Starts real glare-api processes (benchmarks/server.py: SQLite, noauth,
one worker each): --upstreams upstream catalogs (``up1``, ``up2``, ...)
and a ``local`` one that names them in ``[federation] upstreams``, with
the service identity the functional topology uses (keystoneauth1's
admin_token plugin with a noauth token). Each catalog gets --artifacts
public sample_artifact artifacts written straight into its database
(benchmarks/seed.py). Then, for each query below, --requests rounds of
four kinds of request, interleaved so that the machine's noise falls on
all of them alike:

* local: the list at ``local`` without federated=true (the local part);
* upN: the list as ``local`` asks it of upstream N (federated=true, one
  hop, the service's token, the limit applied here);
* upstreams (with more than one): every upN at once, each from a thread
  of its own, timed until the last answer. On a small machine the
  upstreams share CPUs (with --pin, all but the first), and then the
  slowest of them answers later when asked together, as the search asks
  them, than alone;
* federated: ``local``'s list with federated=true.

Queries: ``name=<a name>`` (10 artifacts from each catalog) and
``limit=20`` (the newest 20 of each, merged by created_at).

Federated search should add at most the slowest part's latency and less
than 5 ms of its own. Each round times every part once, one after the
other; the slowest part of a round is the longest of its parts (the local
list, or the upstreams: the search runs them at once). The check is
federated p95 - p95 of the rounds' slowest parts < 5 ms per query. (The
p95 of the longest of two varying times is above the larger of their
two p95s: comparing with the parts' p95s, as a first version of this
benchmark did and as it still prints, counts that difference as the
search's own.) Exits 1 when it is missed, unless --no-check.
"""

import argparse
from concurrent import futures
import functools
import os
import sys
import threading
import time

from benchmarks import client as lean_client
from benchmarks import report as report_lib
from benchmarks import run as bench_run
from benchmarks import seed as seeder
from benchmarks import server as bench_server

TYPE = 'sample_artifact'
TARGET_MS = 5.0
PER_NAME = 10  # seeded artifacts that share a name
USER = {'X-Auth-Token': 'bench-user:bench-project:member'}
HOPS = 'X-Glare-Federation-Hops'
#: the part of all upstreams asked at once (with more than one)
TOGETHER = 'upstreams'


def _service_token(name):
    return 'svc-local:svc-local-at-%s:member' % name


def _public(now):
    def place(i):
        return {'visibility': 'public', 'status': 'active',
                'activated_at': seeder.created_at(i, now)}
    return place


def _federation_config(upstreams):
    config = {'federation': {'upstreams': ','.join(upstreams),
                             'cloud_id': 'cloud-local'}}
    for name, srv in upstreams.items():
        config['upstream:%s' % name] = {
            'url': srv.url, 'auth_type': 'admin_token',
            'endpoint': srv.url, 'token': _service_token(name),
            'timeout': '10'}
    return config


def queries(args):
    name = '%s-%05d' % ('bench', (args.artifacts // PER_NAME) // 2)
    return [('name', 'name=, 10 from each', [('name', name)]),
            ('newest', 'limit=20, newest of each', [('limit', '20')])]


def _requests(srv_local, upstreams, params):
    """[(part, url, query, headers)] of one round."""
    base = '/artifacts/%s' % TYPE
    limit = dict(params).get('limit', '20')
    asked = [(k, v) for k, v in params if k != 'limit'] + [
        ('limit', limit), ('federated', 'true')]
    out = [('local', srv_local.url + base, params, USER)]
    for name, srv in upstreams.items():
        out.append((name, srv.url + base, asked, {
            'X-Auth-Token': _service_token(name), HOPS: '1',
            'OpenStack-API-Version': 'artifact 1.4'}))
    out.append(('federated', srv_local.url + base,
                params + [('federated', 'true')], USER))
    return out


class Together:
    """The upstreams' requests at once, each from a thread of its own, as
    a federated search sends them: upstreams that share CPUs (all but
    one of them on a 2-CPU machine) answer together later than each
    alone, and that is the slowest part the search waits for."""

    def __init__(self, reqs):
        self.reqs = reqs
        self.pool = futures.ThreadPoolExecutor(len(reqs))
        self.local = threading.local()
        self.sessions = []

    def _get(self, url, query, headers):
        session = getattr(self.local, 'session', None)
        if session is None:
            session = self.local.session = lean_client.Session()
            self.sessions.append(session)
        return session.get(url, params=query, headers=headers)

    def get(self):
        """The answers, in the order of the requests."""
        calls = [self.pool.submit(self._get, url, query, headers)
                 for url, query, headers in self.reqs]
        return [call.result() for call in calls]

    def close(self):
        self.pool.shutdown()
        for session in self.sessions:
            session.close()


def _parts(reqs, session, together):
    """[(part, fetch)]: fetch() sends the part's request(s) and returns
    [response]."""
    parts = [(part, functools.partial(
        lambda u, q, h: [session.get(u, params=q, headers=h)], url, query,
        headers)) for part, url, query, headers in reqs]
    if together is not None:
        parts.insert(-1, (TOGETHER, together.get))
    return parts


def measure(args, srv_local, upstreams, session):
    """{query key: {part: [seconds]}} and the entries each part listed."""
    out, counts = {}, {}
    for key, _label, params in queries(args):
        reqs = _requests(srv_local, upstreams, params)
        together = Together([(u, q, h) for part, u, q, h in reqs
                             if part in upstreams]) \
            if len(upstreams) > 1 else None
        try:
            out[key] = _measure_query(args, key, _parts(
                reqs, session, together), counts)
        finally:
            if together is not None:
                together.close()
    return out, counts


def _measure_query(args, key, parts, counts):
    times = {part: [] for part, _fetch in parts}
    for _warm in range(20):
        for _part, fetch in parts:
            for resp in fetch():
                resp.raise_for_status()
    for i in range(args.requests):
        # rotate the order: no part always runs right after another
        shift = i % len(parts)
        for part, fetch in parts[shift:] + parts[:shift]:
            t0 = time.perf_counter()
            answers = fetch()
            times[part].append(time.perf_counter() - t0)
            listed = 0
            for resp in answers:
                if resp.status_code != 200:
                    raise RuntimeError('%s: %s -> %s: %s' % (
                        key, part, resp.status_code, resp.text[:300]))
                body = resp.json()
                listed += len(body['artifacts'])
                if part == 'federated':
                    bad = {n: s for n, s in body['upstreams'].items()
                           if s['status'] != 'ok'}
                    if bad:
                        raise RuntimeError('%s: upstreams failed: %s' % (
                            key, bad))
            counts[(key, part)] = listed
    return times


def _group_cpu(pgid):
    """CPU seconds (user + system) used so far by the processes of a
    process group (glare-api's master and workers), from /proc."""
    total = 0
    for pid in os.listdir('/proc'):
        if not pid.isdigit():
            continue
        try:
            with open('/proc/%s/stat' % pid) as f:
                stat = f.read()
        except OSError:
            continue
        # the fields after the command's closing parenthesis
        fields = stat[stat.rindex(')') + 2:].split()
        if int(fields[2]) == pgid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf('SC_CLK_TCK')


def cpu_per_request(args, srv_local, upstreams, session):
    """{query key: (local list, federated) CPU ms of the local glare-api
    per request}: what the search costs it, whatever else the machine
    runs."""
    out = {}
    for key, _label, params in queries(args):
        reqs = {part: (url, query, headers) for part, url, query, headers
                in _requests(srv_local, upstreams, params)}
        cpu = []
        for part in ('local', 'federated'):
            url, query, headers = reqs[part]
            before = _group_cpu(srv_local.proc.pid)
            for _i in range(args.requests):
                session.get(url, params=query, headers=headers
                            ).raise_for_status()
            cpu.append((_group_cpu(srv_local.proc.pid) - before) * 1000.0 /
                       args.requests)
        out[key] = tuple(cpu)
    return out


def _cpus(args):
    """(CPUs of the local catalog, CPUs of the upstreams): with --pin,
    the first CPU for the local one and the others for the upstreams, so
    that the upstreams' work does not take the local one's CPU (as in a
    real federation, where they run elsewhere)."""
    if not args.pin:
        return None, None
    cpus = sorted(os.sched_getaffinity(0))
    if len(cpus) < 2:
        raise SystemExit('--pin needs at least 2 CPUs')
    return cpus[:1], cpus[1:]


def run(args):
    servers = []
    local_cpus, upstream_cpus = _cpus(args)
    try:
        upstreams = {}
        for n in range(1, args.upstreams + 1):
            srv = bench_server.Server(workers=args.workers, keep=args.keep,
                                      cpus=upstream_cpus)
            servers.append(srv)
            upstreams['up%d' % n] = srv.start()
        local = bench_server.Server(workers=args.workers, keep=args.keep,
                                    config=_federation_config(upstreams),
                                    cpus=local_cpus)
        servers.append(local)
        local.start()
        for name, srv in [('local', local)] + list(upstreams.items()):
            report_lib.log('%s: glare-api %s, state in %s' % (
                name, srv.url, srv.state))
            took = seeder.seed(srv.db_url, args.artifacts, prefix='bench',
                               placement=_public(seeder.utcnow()))
            report_lib.log('  %d public artifacts seeded in %.1fs' % (
                args.artifacts, took))
        session = lean_client.Session()
        try:
            times, counts = measure(args, local, upstreams, session)
            report_lib.log('CPU of the local glare-api per request')
            cpu = cpu_per_request(args, local, upstreams, session)
            if session.reconnects:
                report_lib.log('%d requests sent again on a new connection '
                               '(a server closed one)' % session.reconnects)
            return times, counts, cpu
        finally:
            session.close()
    finally:
        for srv in reversed(servers):
            srv.stop()
            srv.cleanup()


def report(args, times, counts, cpu):
    print()
    print('%-26s %-10s %7s %6s %7s %7s %7s' % (
        'query', 'part', 'listed', 'reqs', 'p50 ms', 'p95 ms', 'p99 ms'))
    targets, measured = {}, {}
    for key, label, _params in queries(args):
        p95 = {}
        for part, samples in times[key].items():
            ms = [bench_run._percentile(samples, p) * 1000.0
                  for p in (50, 95, 99)]
            p95[part] = ms[1]
            print('%-26s %-10s %7d %6d %7.2f %7.2f %7.2f' % (
                label, part, counts[(key, part)], len(samples), *ms))
        print('%-26s %-10s local list %.2f ms of CPU, federated %.2f' % (
            label, 'cpu/req', *cpu[key]))
        others = [k for k in times[key] if k != 'federated']
        slowest = [max(times[key][k][i] for k in others)
                   for i in range(len(times[key]['federated']))]
        slowest_p95 = bench_run._percentile(slowest, 95) * 1000.0
        print('%-26s %-10s p95 %.2f ms; federated p95 over it %.2f ms, '
              'over the parts\' largest p95 %.2f ms' % (
                  label, 'slowest', slowest_p95,
                  p95['federated'] - slowest_p95,
                  p95['federated'] - max(p95[k] for k in others)))
        targets[key] = ('%s: federated p95 - slowest' % key, 'ms', '<',
                        TARGET_MS)
        measured[key] = p95['federated'] - slowest_p95
    return report_lib.check_targets(targets, measured, digits=2)


def _args(argv):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--quick', action='store_true',
                   help='2000 artifacts per catalog, 200 rounds')
    p.add_argument('--artifacts', type=int,
                   help='public artifacts seeded into each catalog '
                        '(default 20000)')
    p.add_argument('--requests', type=int,
                   help='rounds per query; each times every part once '
                        '(default 1000)')
    p.add_argument('--upstreams', type=int, default=2,
                   help='upstream catalogs of the local one (default 2)')
    p.add_argument('--pin', action='store_true',
                   help='run the local catalog on the first CPU and the '
                        'upstreams on the others (they share them)')
    report_lib.add_run_options(
        p, 'keep the temp state dirs (config, database, logs)',
        workers=True)
    args = p.parse_args(argv)
    for name, full, small in (('artifacts', 20000, 2000),
                              ('requests', 1000, 200)):
        if getattr(args, name) is None:
            setattr(args, name, small if args.quick else full)
    if args.upstreams < 1:
        p.error('--upstreams must be at least 1')
    if args.artifacts < 2 * PER_NAME:
        p.error('--artifacts must be at least %d' % (2 * PER_NAME))
    return args


def main(argv=None):
    args = _args(argv)
    times, counts, cpu = run(args)
    return report_lib.exit_status(report(args, times, counts, cpu),
                                  args.no_check)


if __name__ == '__main__':
    sys.exit(main())
