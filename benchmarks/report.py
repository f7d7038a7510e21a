"""What the benchmarks print: progress, and figures against targets."""

import sys


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
