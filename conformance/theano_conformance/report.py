"""Turning results into the per-op table people read and the JSON machines read."""
from __future__ import annotations

import platform
from collections import Counter, OrderedDict
from typing import Any, Sequence

from .case import FAILED, FELL_BACK, MISSING, NOT_CLAIMED, PASSED, SKIPPED, STATUSES, XFAIL, XPASS, Result

__all__ = ["op_summary", "op_status", "render_table", "to_json", "exit_code"]

# Which status speaks for an op whose cases disagree: the most urgent first.
_PRECEDENCE = (FAILED, XPASS, FELL_BACK, XFAIL, PASSED, SKIPPED, NOT_CLAIMED, MISSING)


def _one_line(detail: str, limit: int = 600) -> str:
    """A detail on one line for the table (the JSON keeps it whole)."""
    s = " | ".join(part.strip() for part in detail.splitlines() if part.strip())
    return s if len(s) <= limit else s[:limit] + " ..."


def _with_reason(node: str, reasons: dict[str, str]) -> str:
    return f"{node} ({reasons[node]})" if reasons.get(node) else node


def op_status(counts: Counter) -> str:
    for s in _PRECEDENCE:
        if counts.get(s):
            return s
    return MISSING


def op_summary(results: Sequence[Result]) -> "OrderedDict[str, dict[str, Any]]":
    """Per op, in first-seen order: its group, a count per status, and the op's status."""
    ops: "OrderedDict[str, dict[str, Any]]" = OrderedDict()
    for r in results:
        row = ops.setdefault(r.op, {"group": r.group, "counts": Counter(), "fell_back": set(), "reasons": {}})
        row["counts"][r.status] += 1
        row["fell_back"].update(r.fell_back)
        row["reasons"].update(r.reasons)
    for row in ops.values():
        row["status"] = op_status(row["counts"])
    return ops


def exit_code(results: Sequence[Result], strict: bool = False) -> int:
    """1 on any failure (and, when strict, on an expected failure that passed), else 0."""
    bad = {FAILED, XPASS} if strict else {FAILED}
    return 1 if any(r.status in bad for r in results) else 0


_COLUMNS = [(PASSED, "pass"), (FELL_BACK, "fallbk"), (FAILED, "FAIL"), (XFAIL, "xfail"), (XPASS, "xpass"),
            (SKIPPED, "skip"), (NOT_CLAIMED, "n/clm"), (MISSING, "miss")]


def render_table(results: Sequence[Result], target: Any = None, reference: str = "numpy",
                 verbose: bool = False) -> str:
    """The text report: a table per op, then failures with their first mismatch, fallbacks,
    skip reasons, missing ops, and a summary line."""
    ops = op_summary(results)
    lines = []
    if target is not None:
        lines.append(f"theano conformance: backend {target.name!r} on device {target.device!r} "
                     f"({target.distribution or '?'} {target.version}); reference: {reference!r}")
    width = max([len(o) for o in ops] + [10])
    head = f"{'op':<{width}}  {'group':<12} {'status':<11}" + "".join(f"{lbl:>7}" for _, lbl in _COLUMNS)
    lines += [head, "-" * len(head)]
    shown_missing = []
    for op, row in ops.items():
        if row["status"] == MISSING and not verbose:
            shown_missing.append(op)
            continue
        c = row["counts"]
        lines.append(f"{op:<{width}}  {row['group']:<12} {row['status']:<11}"
                     + "".join(f"{(c.get(s) or '.'):>7}" for s, _ in _COLUMNS))
    if shown_missing:
        lines.append(f"({len(shown_missing)} ops not in this theano yet, listed below; --verbose shows "
                     f"them in the table)")
    failures = [r for r in results if r.status == FAILED]
    if failures:
        lines += ["", f"FAILURES ({len(failures)})"]
        for r in failures:
            lines.append(f"  {r.case_id}: {_one_line(r.detail)}")
    xpass = [r for r in results if r.status == XPASS]
    if xpass:
        lines += ["", f"EXPECTED FAILURES THAT PASSED ({len(xpass)}): remove them from the backend's file"]
        lines += [f"  {r.case_id}" for r in xpass]
    fb = [(op, sorted(row["fell_back"])) for op, row in ops.items() if row["fell_back"]]
    if fb:
        lines += ["", "FELL BACK TO THE REFERENCE (op: nodes that ran through the fallback)"]
        lines += [f"  {op}: {', '.join(_with_reason(n, ops[op]['reasons']) for n in nodes)}" for op, nodes in fb]
    xf = [r for r in results if r.status == XFAIL]
    if xf and verbose:
        lines += ["", f"EXPECTED FAILURES ({len(xf)})"]
        lines += [f"  {r.case_id}: {_one_line(r.detail)}" for r in xf]
    skips = Counter(r.detail for r in results if r.status == SKIPPED)
    if skips:
        lines += ["", "SKIPPED BY CAPABILITY"]
        lines += [f"  {n:>4} case(s): {why}" for why, n in skips.most_common()]
    nc = [op for op, row in ops.items() if row["status"] == NOT_CLAIMED]
    if nc:
        lines += ["", f"NOT CLAIMED by the backend ({len(nc)} ops): {', '.join(nc)}"]
    miss = [op for op, row in ops.items() if row["status"] == MISSING]
    if miss:
        lines += ["", f"MISSING from this theano ({len(miss)} ops): {', '.join(miss)}"]
    total = Counter(r.status for r in results)
    lines += ["", f"{len(results)} cases, {len(ops)} ops: "
              + ", ".join(f"{total[s]} {s}" for s in STATUSES if total.get(s))]
    return "\n".join(lines)


def to_json(results: Sequence[Result], target: Any = None, reference: str = "numpy") -> dict[str, Any]:
    """What --json writes: the backend, every case's result, and the per-op summary."""
    import numpy

    try:
        from importlib.metadata import version

        theano_version = version("theano-core")
    except Exception:
        theano_version = "?"
    ops = op_summary(results)
    return {
        "format": "theano-conformance/1",
        "backend": getattr(target, "name", None),
        "device": getattr(target, "device", None),
        "backend_version": getattr(target, "version", None),
        "distribution": getattr(target, "distribution", None),
        "reference": reference,
        "theano_version": theano_version,
        "numpy_version": numpy.__version__,
        "platform": platform.platform(),
        "summary": dict(Counter(r.status for r in results)),
        "ops": {op: {"group": row["group"], "status": row["status"], "counts": dict(row["counts"]),
                     "fell_back": sorted(row["fell_back"]),
                     "reasons": dict(sorted(row["reasons"].items()))} for op, row in ops.items()},
        "cases": [r.as_dict() for r in results],
    }
