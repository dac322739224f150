"""The Scan op: a loop whose body is an inner graph, and its gradient (backpropagation
through time), both run by compiling the inner graph with the same device as the outer
function and stepping it from NumPy."""
from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..tensor.type import TensorType

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
        fn = self.inner_function(_current_device())
        sp = self.spec

        single = len(node.outputs) == 1

        def run(n_steps, *outer):
            res = run_scan(self, fn, sp, int(n_steps), list(outer))
            return res[0] if single else tuple(res)

        return run

    def perform(self, node, inputs, output_storage):
        res = run_scan(self, self.inner_function(None), self.spec, int(inputs[0]), list(inputs[1:]))
        for st, r in zip(output_storage, res):
            st[0] = r

    def connection_pattern(self, node):
        return [[False] * len(node.outputs)] + [[True] * len(node.outputs) for _ in node.inputs[1:]]

    def L_op(self, inputs, outputs, output_grads):
        from .grad import scan_grad

        return scan_grad(self, inputs, outputs, output_grads)


def _state_buffers(sp: ScanSpec, inits: list, n: int) -> tuple[list[np.ndarray], list[int]]:
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


def run_scan(op: Scan, fn: Any, sp: ScanSpec, n: int, outer: list,
             on_step: Callable[[list], None] | None = None) -> list:
    """The forward loop; returns the outer outputs (stacked outputs, then shared states).

    on_step, if given, is called after each step with the shared variables' new values
    (the backward loop replays the forward one to learn them)."""
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
    bufs, lags = _state_buffers(sp, inits, n)
    nitsot: list[list] = [[] for _ in range(sp.n_nitsot)]
    done = n
    for t in range(n):
        args = []
        for s, taps in zip(seqs, sp.seq_taps):
            base = t - min(taps)
            args.extend(s[base + tap] for tap in taps)
        for buf, lag, taps in zip(bufs, lags, sp.state_taps):
            args.extend(buf[lag + t + tap] for tap in taps)
        args.extend(shared)
        args.extend(free)
        res = fn(*args)
        if not isinstance(res, list):
            res = [res]
        pos = 0
        for k in range(sp.n_nitsot):
            nitsot[k].append(res[pos])
            pos += 1
        for k, buf in enumerate(bufs):
            val = res[pos]
            pos += 1
            if val.shape != buf.shape[1:]:
                raise ValueError(f"{op}: at step {t} the inner function returned shape {val.shape} for "
                                 f"recurrent state {k}, whose initial value has shape {buf.shape[1:]}")
            buf[lags[k] + t] = val
        for k in range(sp.n_shared):
            shared[k] = res[pos]
            pos += 1
        if on_step is not None:
            on_step(list(shared))
        if sp.has_until and bool(res[pos]):
            done = t + 1
            break
    out = []
    for kind, k in sp.output_order:
        if kind == "nitsot":
            vals = nitsot[k]
            dtype = op.inner_outputs[k].type.dtype
            if vals:
                out.append(np.stack(vals).astype(dtype, copy=False))
            else:
                nd = op.inner_outputs[k].type.ndim
                out.append(np.zeros((0,) * (nd + 1), dtype=dtype))
        else:
            out.append(bufs[k][lags[k]: lags[k] + done].copy())
    out.extend(shared)
    return out
