"""The Scan op: a loop whose body is an inner graph, run by compiling the inner graph with the
same device as the outer function and stepping it through a loop plan (loop.py)."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..tensor.type import TensorType
from .loop import (CARRY, CARRY_OUT, CONST, SLICE, STORE, UNTIL, Converter, run_steps)

_uids = itertools.count()


@dataclass
class ScanSpec:
    """The layout of a Scan's inner inputs and outputs.

    Inner inputs, in order: one per (sequence, tap), one per (state, tap), one per shared
    state, one per free variable. Inner outputs: the nit-sot outputs (not fed back), the
    states' new values, the shared states' new values, then the `until` condition if any.
    Outer inputs: n_steps, sequences, state initial values, shared variables, free variables.
    """

    seq_taps: list[list[int]]
    state_taps: list[list[int]]
    state_is_single: list[bool]  # taps == [-1] with an initial value of the state's own shape
    n_nitsot: int
    n_shared: int
    n_free: int
    has_until: bool
    truncate_gradient: int = -1
    output_order: list[tuple[str, int]] = field(default_factory=list)  # ('nitsot'|'state', k)

    @property
    def n_seq(self) -> int:
        return len(self.seq_taps)

    @property
    def n_state(self) -> int:
        return len(self.state_taps)


def _current_device() -> str | None:
    from ..compile.function import compiling_device

    return compiling_device()


class Scan(Op):
    """Runs `inner_outputs` of `inner_inputs` for n_steps steps (see ScanSpec)."""

    __props__ = ("uid",)
    # The loop is a driver: each step calls the inner function, compiled for the device.
    host_side = "the scan loop calls its compiled inner function once per step"

    def __init__(self, inner_inputs: Sequence[Variable], inner_outputs: Sequence[Variable],
                 spec: ScanSpec, mode: Any = None, name: str | None = None):
        self.inner_inputs = list(inner_inputs)
        self.inner_outputs = list(inner_outputs)
        self.spec = spec
        self.mode = mode
        self.name = name
        self.uid = next(_uids)
        self._fns: dict = {}

    def __str__(self) -> str:
        return f"Scan{{{self.name or 'scan_fn'}}}"

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_fns"] = {}
        return d

    def make_node(self, n_steps, *outer):
        from ..tensor.basic import as_tensor_variable

        sp = self.spec
        n_steps = as_tensor_variable(n_steps)
        outer = list(outer)
        seqs = outer[: sp.n_seq]
        inits = outer[sp.n_seq: sp.n_seq + sp.n_state]
        outs = []
        nitsot_inner = self.inner_outputs[: sp.n_nitsot]
        for kind, k in sp.output_order:
            if kind == "nitsot":
                t = nitsot_inner[k].type
            else:
                t = self.inner_outputs[sp.n_nitsot + k].type
            outs.append(TensorType(t.dtype, (False,) + t.broadcastable)())
        shared = outer[sp.n_seq + sp.n_state: sp.n_seq + sp.n_state + sp.n_shared]
        outs.extend(s.type() for s in shared)
        del seqs, inits
        return Apply(self, [n_steps] + outer, outs)

    def inner_function(self, device: str | None = None):
        """The inner graph compiled for `device` (once per device)."""
        key = device
        fn = self._fns.get(key)
        if fn is None:
            from ..compile.function import function

            fn = function(self.inner_inputs, self.inner_outputs, mode=self.mode, on_unused_input="ignore",
                          trust_input=True, device=device, name=f"{self} inner function")
            self._fns[key] = fn
        return fn

    def make_py_fn(self, node):
        return self.loop_fn(node, run_steps)

    def loop_fn(self, node: Apply, executor: Callable[..., int]) -> Callable[..., Any]:
        """The node's callable running the loop with `executor` (`loop.run_steps` or a
        backend's equivalent) over the inner function compiled for the current device."""
        step = step_of(self.inner_function(_current_device()))
        single = len(node.outputs) == 1

        def run(n_steps, *outer):
            res = run_scan(self, step, executor, int(n_steps), list(outer))[0]
            return res[0] if single else tuple(res)

        return run

    def perform(self, node, inputs, output_storage):
        res = run_scan(self, step_of(self.inner_function(None)), run_steps, int(inputs[0]), list(inputs[1:]))[0]
        for st, r in zip(output_storage, res):
            st[0] = r

    def connection_pattern(self, node):
        return [[False] * len(node.outputs)] + [[True] * len(node.outputs) for _ in node.inputs[1:]]

    def L_op(self, inputs, outputs, output_grads):
        from .grad import scan_grad

        return scan_grad(self, inputs, outputs, output_grads)


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
