"""What a case is (data), and what running one says (a Result with a status)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from .inputs import Gen

__all__ = ["OpCase", "FunctionCase", "Result", "STATUSES", "PASSED", "FELL_BACK", "FAILED", "XFAIL",
           "XPASS", "SKIPPED", "NOT_CLAIMED", "MISSING"]

# Statuses, in the order the table shows them.
PASSED = "passed"            # ran natively and matched the reference
FELL_BACK = "fell back"      # matched, but some node ran on the reference through a fallback
FAILED = "failed"            # differed from the reference, or raised where it should not
XFAIL = "xfail"              # failed, as the backend's expected-failures file says
XPASS = "xpass"              # listed as an expected failure, yet passed: the file is stale
SKIPPED = "skipped"          # needs something the backend does not declare (a dtype ...)
NOT_CLAIMED = "not claimed"  # the backend's capabilities['claims'] leave this op out
MISSING = "missing"          # the op is not in this theano yet (the suite grows as ops arrive)
STATUSES = (PASSED, FELL_BACK, FAILED, XFAIL, XPASS, SKIPPED, NOT_CLAIMED, MISSING)


@dataclass
class OpCase:
    """One op on one set of inputs.

    op: the row of the table (``exp``, ``sum``, ``dot`` ...); variant: what is special about
    these inputs (``float32-edges``); fn: the dotted name of what builds the graph,
    looked up when the case runs (so a case for an op that does not exist yet reports
    `missing`); build(fn, *inputs) returns the output variable(s); inputs: one generator
    per symbolic input (every input is a function input, never a constant, so constant
    folding cannot compute the answer before the backend runs); grad: whether the
    gradient graph is also compared; tol: a multiplier of the per-dtype tolerance (for
    ops whose implementations legitimately differ more, e.g. long float32 sums);
    broadcastable: per input, the type's pattern (default: length-1 axes broadcast);
    expect_error: the reference raises and so must the backend; atol: an absolute tolerance
    for outputs that only an absolute one describes (log-softmax of a dominating logit is
    -log(1 + a few ulps), whose digits depend on the summation order), used where it is
    larger than the dtype's.
    """

    op: str
    variant: str
    fn: str | None
    build: Callable[..., Any]
    inputs: Sequence[Gen]
    grad: bool = False
    tol: float = 1.0
    broadcastable: Sequence[tuple[bool, ...] | None] | None = None
    group: str = ""
    expect_error: bool = False
    note: str = ""
    atol: float = 0.0

    @property
    def id(self) -> str:
        return f"{self.op}/{self.variant}"


@dataclass
class FunctionCase:
    """A whole-function scenario: run(ctx) compiles functions through ``ctx.function`` and
    records what it sees with ``ctx.observe``; the observations on the checked backend must
    match those on the reference, and every ``ctx.check`` must hold on both."""

    op: str
    variant: str
    run: Callable[[Any], None]
    dtypes: tuple[str, ...] = ("float32",)
    group: str = "function"
    fn: str | None = None
    tol: float = 1.0
    note: str = ""

    @property
    def id(self) -> str:
        return f"{self.op}/{self.variant}"


@dataclass
class Result:
    """The outcome of one case on one backend."""

    case_id: str
    op: str
    group: str
    status: str
    detail: str = ""
    fell_back: list[str] = field(default_factory=list)
    seconds: float = 0.0
    #: why the nodes of fell_back ran through the fallback (node -> reason), where known
    reasons: dict[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.case_id, "op": self.op, "group": self.group, "status": self.status,
                "detail": self.detail, "fell_back": self.fell_back, "reasons": self.reasons,
                "seconds": round(self.seconds, 4)}
