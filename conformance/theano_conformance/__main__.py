"""``python -m theano_conformance --backend NAME [--json out.json]``: run the suite, print the table.

Exit status: 0 when nothing failed, 1 on any failed case (and, with --strict, on an
expected failure that passed), 2 when the backend cannot be used here.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from typing import Sequence

__all__ = ["main"]


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m theano_conformance",
                                description="Run the theano conformance suite on an installed backend and "
                                            "compare every case with the NumPy reference backend.")
    p.add_argument("--backend", "-b", default="numpy",
                   help="backend name or device string (numpy, c, opencl, cuda0 ...); default: numpy")
    p.add_argument("--json", metavar="PATH", help="also write the results as JSON (for CI and coverage_table.py)")
    p.add_argument("-k", dest="patterns", action="append", metavar="GLOB",
                   help="only cases whose op or id matches the glob (repeatable), e.g. -k 'exp' -k 'dot/*'")
    p.add_argument("--reference", default="numpy", help="the reference device (default: numpy)")
    p.add_argument("--strict", action="store_true",
                   help="also fail when a case listed as an expected failure passes")
    p.add_argument("--list", action="store_true", help="list the case ids and exit")
    p.add_argument("--jobs", "-j", type=int, default=1, metavar="N",
                   help="run the cases in N worker processes (compiling dominates: one per CPU "
                        "keeps them all busy); the results are the same as with one")
    p.add_argument("--coverage", action="store_true",
                   help="print the per-op coverage table (native, fallback, FAIL ...; every fallback "
                        "with its reason) after the run, as docs/coverage.md shows it")
    p.add_argument("--verbose", "-v", action="store_true",
                   help="show missing ops in the table and the expected failures' details")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    from .catalog import all_cases
    from .coverage import coverage_markdown
    from .report import exit_code, render_table, to_json
    from .parallel import run_selected_in_processes
    from .runner import run_cases, select
    from .target import Target

    cases = select(all_cases(), args.patterns)
    if args.list:
        for c in cases:
            print(c.id)
        return 0
    from theano.backend.registry import UnknownDeviceError

    try:
        target = Target.resolve(args.backend)
        Target.resolve(args.reference)
    except (UnknownDeviceError, FileNotFoundError) as e:
        print(f"theano_conformance: {e}", file=sys.stderr)
        return 2
    if not cases:
        print(f"theano_conformance: no case matches {args.patterns}", file=sys.stderr)
        return 2
    t0 = time.perf_counter()
    if args.jobs > 1:
        results = run_selected_in_processes(len(cases), args.backend, args.reference, args.patterns,
                                            args.jobs)
    else:
        results = run_cases(cases, target, args.reference)
    print(render_table(results, target, args.reference, verbose=args.verbose))
    print(f"({time.perf_counter() - t0:.1f} s)")
    if args.json or args.coverage:
        report = to_json(results, target, args.reference)
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(report, fh, indent=1)
    if args.coverage:
        print(coverage_markdown([report]))
    return exit_code(results, strict=args.strict)


if __name__ == "__main__":
    sys.exit(main())
