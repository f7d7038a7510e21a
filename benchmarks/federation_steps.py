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

"""The CPU of a federated search's own steps on real answers, in process.

    python -m benchmarks.federation_steps [--rounds 3000]

Starts one glare-api (benchmarks/server.py) with 20,000 public
sample_artifact artifacts (as benchmarks.federation seeds each catalog),
takes its answers as a federated search's upstream call gets them
(``federated=true``, one hop, the service's token) and its plain list
(the local list's body), then runs glare.services.federated_search's
steps on them in this process, two upstreams (the second answer is the
first under another cloud_id), ``--rounds`` times, and prints the thread
CPU of each part in ms per search:

* calls: what the two calls' threads do with their answers (parse,
  origins, sort keys);
* while waiting: what the search does between the local list and the
  upstreams' answers (the local entries encoded, their sort keys);
* after the last answer: dedupe, merge, the answer encoded.

The HTTP of the calls is not in it (benchmarks.federation measures the
whole search). CPU only: on a busy machine the figures grow alike.
"""

import argparse
import json
import sys
import time

from benchmarks import federation as fed
from benchmarks import report as report_lib
from benchmarks import seed as seeder
from benchmarks import server as bench_server
from glare.services import federated_search as fs

ARTIFACTS = 20000
UPSTREAMS = ('up1', 'up2')


def answers(args):
    """{query key: (the upstream's answer bytes, the local list body)}."""
    srv = bench_server.Server(keep=args.keep)
    try:
        srv.start()
        took = seeder.seed(srv.db_url, ARTIFACTS, prefix='bench',
                           placement=fed._public(seeder.utcnow()))
        report_lib.log('%d public artifacts seeded in %.1fs' % (ARTIFACTS,
                                                               took))
        queries = fed.queries(argparse.Namespace(artifacts=ARTIFACTS))
        reqs = {}
        for key, _label, params in queries:
            parts = {part: (url, query, headers) for part, url, query, headers
                     in fed._requests(srv, {'up1': srv}, params)}
            url, query, headers = parts['up1']
            up = fed.lean_client.Session()
            try:
                answer = up.get(url, params=query, headers=headers)
                answer.raise_for_status()
                url, query, headers = parts['local']
                local = up.get(url, params=query, headers=headers)
                local.raise_for_status()
            finally:
                up.close()
            reqs[key] = (answer.content, local.json())
        return reqs
    finally:
        srv.stop()
        srv.cleanup()


def steps(data, local_body, rounds):
    """{part: ms of thread CPU per search}."""
    cloud_id = json.loads(data)['cloud_id']
    ups = [data, data.replace(cloud_id.encode(), b'bench-up2')]
    keys = fs.sort_keys([])
    spent = {'calls': 0.0, 'while waiting': 0.0, 'after the last answer': 0.0}
    warm = min(200, rounds)
    for i in range(warm + rounds):
        body = dict(local_body)
        t0 = time.thread_time()
        sources = []
        for name, answer in zip(UPSTREAMS, ups, strict=True):
            source = fs.upstream_source(name, fs.parse_answer(answer))
            fs.put_sort_keys(keys, source.entries)
            sources.append(source)
        t1 = time.thread_time()
        body['artifacts'] = fs.local_entries(keys, body['artifacts'])
        t2 = time.thread_time()
        fs.dedupe('bench-local', body['artifacts'], sources)
        body['artifacts'] = fs.merge(
            keys, [body['artifacts']] + [s.entries for s in sources])
        body['upstreams'] = {s.path: s.describe() for s in sources}
        fs.encode(body)
        t3 = time.thread_time()
        if i >= warm:
            spent['calls'] += t1 - t0
            spent['while waiting'] += t2 - t1
            spent['after the last answer'] += t3 - t2
    return {part: s * 1000.0 / rounds for part, s in spent.items()}


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    p.add_argument('--rounds', type=int, default=3000,
                   help='searches per query (default 3000)')
    p.add_argument('--keep', action='store_true',
                   help='keep the temp state dir (config, database, logs)')
    args = p.parse_args(argv)
    reqs = answers(args)
    print()
    print('%-26s %-22s %8s' % ('query', 'part', 'CPU ms'))
    for key, label, _params in fed.queries(
            argparse.Namespace(artifacts=ARTIFACTS)):
        data, local = reqs[key]
        for part, ms in steps(data, local, args.rounds).items():
            print('%-26s %-22s %8.3f' % (label, part, ms))
        print('%-26s %-22s %8d' % (label, 'answer bytes (one up)',
                                   len(data)))
    return 0


if __name__ == '__main__':
    sys.exit(main())
