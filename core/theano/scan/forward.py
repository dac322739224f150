"""The forward loop of a Scan as a loop plan (loop.py), and what both of Scan's loops share:
the step a loop calls, its error reporting, the states' buffers and the taps' sources."""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Callable

import numpy as np

from .loop import CARRY, CARRY_OUT, CONST, SLICE, STORE, UNTIL, Converter
from .spec import ScanSpec

if TYPE_CHECKING:
    from .op import Scan

__all__ = ["run_loop", "run_scan", "scan_sources", "state_buffers", "step_of"]


def step_of(fn: Any) -> tuple[Callable[..., list], Callable[[BaseException, Any], BaseException] | None]:
    """What a loop calls each step for the compiled function `fn`, and how an error raised in
    it becomes the error `fn` itself would raise (None: `fn` raises it already).

    A plain host function is entered through its linked graph: the same call as `fn`'s
    (the inner functions trust their inputs and hold no shared values) without the per-call
    wrapping, whose conversion of results the loop's sinks do instead."""
    plain = (not fn._shared and not fn._updated and fn.backend.host_native and fn.profile is None
             and not fn._check_aliasing)
    if not plain:
        return fn, None
    return fn.linked.fn, fn._runtime_error


def run_loop(executor: Callable[..., int], step: Any, sources: list, sinks: list, t0: int, dt: int,
             n: int) -> int:
    """executor(step, ...) with the errors the step raises reported as its function reports them."""
    fn, wrap = step
    try:
        return executor(fn, sources, sinks, t0, dt, n)
    except Exception as e:
        if wrap is None:
            raise
        raise wrap(e, e.__traceback__) from None


def state_buffers(sp: ScanSpec, inits: list, n: int) -> tuple[list[np.ndarray], list[int]]:
    """One buffer per recurrent state: its initial taps, then room for n steps."""
    bufs, lags = [], []
    for k, taps in enumerate(sp.state_taps):
        lag = -min(taps)
        init = np.asarray(inits[k])
        if sp.state_is_single[k]:
            init = init[None]
        if init.shape[0] < lag:
            raise ValueError(f"scan: the initial value of state {k} has {init.shape[0]} entries along its "
                             f"first axis but taps {taps} need {lag}")
        buf = np.empty((lag + n,) + init.shape[1:], dtype=init.dtype)
        buf[:lag] = init[:lag]  # Theano reads a longer initial value from its start
        bufs.append(buf)
        lags.append(lag)
    return bufs, lags


def _store_state(op: Scan, k: int, buf: np.ndarray, lag: int) -> Callable[[int, Any], None]:
    def store(t: int, val: Any) -> None:
        val = np.asarray(val)
        if val.shape != buf.shape[1:]:
            raise ValueError(f"{op}: at step {t} the inner function returned shape {val.shape} for "
                             f"recurrent state {k}, whose initial value has shape {buf.shape[1:]}")
        buf[lag + t] = val
    return store


def _store_stacked(op: Scan, k: int, sink: list, n: int, dtype: str) -> Callable[[int, Any], None]:
    """Writes step t's value of nit-sot output k into row t of its stacked output, which the
    first step allocates (its shape is known only then)."""
    def store(t: int, val: Any) -> None:
        val = np.asarray(val)
        out = sink[1]
        if out is None:
            out = sink[1] = np.empty((n,) + val.shape, dtype=dtype)
        elif val.shape != out.shape[1:]:
            raise ValueError(f"{op}: at step {t} the inner function returned shape {val.shape} for "
                             f"output {k}, while the earlier steps returned {out.shape[1:]}")
        out[t] = val
    return store


def scan_sources(sp: ScanSpec, seqs: list, bufs: list, lags: list) -> list:
    """The loop's sources for the sequences' and the states' taps (in the inner inputs' order)."""
    sources = []
    for s, taps in zip(seqs, sp.seq_taps):
        base = -min(taps)
        sources += [[SLICE, s, base + tap, None] for tap in taps]
    for buf, lag, taps in zip(bufs, lags, sp.state_taps):
        sources += [[SLICE, buf, lag + tap, None] for tap in taps]
    return sources


def run_scan(op: Scan, step: Any, executor: Callable[..., int], n: int, outer: list,
             record: bool = False) -> tuple[list, list | None]:
    """The forward loop: the outer outputs (stacked outputs, then shared states) and, with
    `record`, the shared variables' values at the start of every step and after the last
    (one list per shared variable; the backward loop replays the forward one to learn them)."""
    sp = op.spec
    if n < 0:
        raise ValueError(f"{op}: n_steps must be non-negative, got {n}")
    seqs = outer[: sp.n_seq]
    inits = outer[sp.n_seq: sp.n_seq + sp.n_state]
    shared = list(outer[sp.n_seq + sp.n_state: sp.n_seq + sp.n_state + sp.n_shared])
    free = outer[sp.n_seq + sp.n_state + sp.n_shared:]
    for k, (s, taps) in enumerate(zip(seqs, sp.seq_taps)):
        need = n + max(taps) - min(taps)
        if len(s) < need:
            raise ValueError(f"{op}: sequence {k} has {len(s)} entries but {n} steps with taps {taps} "
                             f"need {need}")
    bufs, lags = state_buffers(sp, inits, n)
    sources = scan_sources(sp, seqs, bufs, lags)
    first_shared = len(sources)
    sources += [[CARRY, v] for v in shared]
    sources += [[CONST, v] for v in free]
    sinks: list = []
    for k in range(sp.n_nitsot):
        sink = [STORE, None, 0, None]
        sink[3] = _store_stacked(op, k, sink, n, op.inner_outputs[k].type.dtype)
        sinks.append(sink)
    sinks += [[STORE, buf, lag, _store_state(op, k, buf, lag)] for k, (buf, lag) in enumerate(zip(bufs, lags))]
    records = [[v] for v in shared] if record else None
    sinks += [[CARRY_OUT, first_shared + k, records[k] if record else None, Converter()]
              for k in range(sp.n_shared)]
    if sp.has_until:
        sinks.append([UNTIL])
    done = run_loop(executor, step, sources, sinks, 0, 1, n)
    out = []
    for kind, k in sp.output_order:
        if kind == "nitsot":
            stacked = sinks[k][1]
            if stacked is None:
                nd = op.inner_outputs[k].type.ndim
                stacked = np.zeros((0,) * (nd + 1), dtype=op.inner_outputs[k].type.dtype)
            out.append(stacked if done == n else stacked[:done].copy())
        else:
            out.append(bufs[k][lags[k]: lags[k] + done].copy())
    out.extend(src[1] for src in sources[first_shared: first_shared + sp.n_shared])
    return out, records
