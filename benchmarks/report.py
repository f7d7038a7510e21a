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

"""What the benchmarks print: progress, and figures against targets."""

import sys


def add_run_options(parser, keep_help, workers=False):
    """The options every benchmark takes: --no-check, --keep (what it keeps:
    keep_help) and, where it starts glare-api with workers, --workers."""
    if workers:
        parser.add_argument('--workers', type=int, default=1,
                            help='[DEFAULT] workers of glare-api (default 1)')
    parser.add_argument('--no-check', action='store_true',
                        help='print the figures only; exit 0 even if a '
                             'target is missed')
    parser.add_argument('--keep', action='store_true', help=keep_help)


def log(msg):
    """Progress, on stderr: stdout holds the results only."""
    print(msg, file=sys.stderr, flush=True)


def check_targets(targets, measured, width=34, digits=1):
    """Print each measured figure against its target.

    targets: {key: (label, unit, op, target)} with op '>=' or '<';
    measured: {key: value}, None for a figure this run skipped.
    Returns the labels of the targets missed.
    """
    print()
    print('%-*s %10s %12s  %s' % (width, 'target', 'measured', 'target', ''))
    missed = []
    for key, (label, unit, op, target) in targets.items():
        value = measured[key]
        if value is None:
            print('%-*s %10s %6s %5g %-5s %s' % (width, label, '-', op,
                                                 target, unit, 'skipped'))
            continue
        ok = value >= target if op == '>=' else value < target
        if not ok:
            missed.append(label)
        print('%-*s %10.*f %6s %5g %-5s %s' % (
            width, label, digits, value, op, target, unit,
            'ok' if ok else 'MISSED'))
    return missed


def exit_status(missed, no_check):
    """1 when a target was missed and the run checks them, else 0."""
    if missed and not no_check:
        print('\nmissed: %s' % ', '.join(missed))
        return 1
    return 0
