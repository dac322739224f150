"""Scan and its gradient on the C backend: the core's loop plan (theano.scan.loop) run by
scan_loop.c, which steps the compiled inner function without a Python frame per step.

Both ops stay host-side drivers (their nodes are host plans, never fallbacks); only the
executor of their loop changes. Without a C compiler the core's Python executor runs."""
from __future__ import annotations

from typing import Any

from theano.backend import HOST_RUNNER, Plan, host_side
from theano.graph.basic import Apply
from theano.scan.grad import ScanGrad
from theano.scan.op import Scan

from .lowering import lower
from .toolchain import CompileError

__all__: list[str] = []


@lower.register(Scan, ScanGrad)
def _lower_scan(op: Any, node: Apply, backend: Any) -> Plan | None:
    try:
        ext = backend._extension("scan_loop.c", "_theano_c_scan")
    except CompileError:
        return None  # the core's host plan: the same loop in Python
    # Still the host runner (a driver, not a kernel); the reason says which loop runs.
    return Plan(HOST_RUNNER, fn=op.loop_fn(node, ext.run_steps), host=True,
                why=f"{host_side(op)} (the loop itself runs in C)")
