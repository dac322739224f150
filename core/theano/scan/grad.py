"""Backpropagation through a Scan: a reverse loop over a compiled one-step gradient graph."""
from __future__ import annotations

import itertools
from typing import Any, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from .op import Scan, ScanSpec, _current_device, _state_buffers

_uids = itertools.count()


def _is_float(v: Variable) -> bool:
    return getattr(v.type, "dtype", "").startswith(("float", "complex"))


class ScanGrad(Op):
    """Gradients of a Scan's sequences, initial states and free inputs.

    Inputs: the forward Scan's outer inputs (without n_steps), its stacked outputs, and the
    gradients of those outputs. The one-step gradient function maps (step inputs, gradient of
    the step's outputs) to the gradient of every step input; the loop accumulates them.
    """

    __props__ = ("uid",)

    def __init__(self, scan: Scan):
        from ..gradient import grad

        self.scan = scan
        self.uid = next(_uids)
        sp = scan.spec
        n_main = sp.n_nitsot + sp.n_state
        self.out_grad_ph = [o.type(f"g_{o}") for o in scan.inner_outputs[:n_main]]
        known = {o: g for o, g in zip(scan.inner_outputs[:n_main], self.out_grad_ph) if _is_float(o)}
        wrt = scan.inner_inputs
        self.differentiable = [_is_float(v) for v in wrt]
        if known:
            grads = grad(None, [v for v, d in zip(wrt, self.differentiable) if d], known_grads=known,
                         disconnected_inputs="ignore", return_disconnected="zero")
        else:
            grads = []
        it = iter(grads)
        from ..tensor.basic import zeros_like

        self.inner_grads = [next(it) if d else zeros_like(v, dtype="float64")
                            for v, d in zip(wrt, self.differentiable)]
        self._fns: dict = {}

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_fns"] = {}
        return d

    def __str__(self) -> str:
        return f"ScanGrad{{{self.scan.name or 'scan_fn'}}}"

    def make_node(self, *inputs):
        sp = self.scan.spec
        outer = inputs[: sp.n_seq + sp.n_state + sp.n_shared + sp.n_free]
        outs = []
        for k, v in enumerate(outer):
            t = v.type
            if not _is_float(v) or (sp.n_seq + sp.n_state <= k < sp.n_seq + sp.n_state + sp.n_shared):
                t = type(t)("float64", t.broadcastable) if hasattr(t, "broadcastable") else t
            outs.append(t())
        return Apply(self, list(inputs), outs)

    def grad_function(self, device):
        fn = self._fns.get(device)
        if fn is None:
            from ..compile.function import function

            fn = function(self.scan.inner_inputs + self.out_grad_ph, self.inner_grads,
                          mode=self.scan.mode, on_unused_input="ignore", trust_input=True,
                          device=device, name=f"{self} step")
            self._fns[device] = fn
        return fn

    def make_py_fn(self, node):
        fn = self.grad_function(_current_device())
        single = len(node.outputs) == 1

        def run(*inputs):
            res = run_scan_grad(self, fn, list(inputs))
            return res[0] if single else tuple(res)

        return run

    def perform(self, node, inputs, output_storage):
        for st, r in zip(output_storage, run_scan_grad(self, self.grad_function(None), list(inputs))):
            st[0] = r


def run_scan_grad(op: ScanGrad, fn: Any, inputs: list) -> list[np.ndarray]:
    sc = op.scan
    sp: ScanSpec = sc.spec
    n_outer = sp.n_seq + sp.n_state + sp.n_shared + sp.n_free
    outer = inputs[:n_outer]
    n_main = len(sp.output_order)
    fwd_outs = inputs[n_outer: n_outer + n_main]
    out_grads = inputs[n_outer + n_main:]
    seqs = outer[: sp.n_seq]
    inits = outer[sp.n_seq: sp.n_seq + sp.n_state]
    shared = outer[sp.n_seq + sp.n_state: sp.n_seq + sp.n_state + sp.n_shared]
    free = outer[sp.n_seq + sp.n_state + sp.n_shared:]
    # Forward values of the states at every step, from the initial values and the outputs.
    state_vals = {}
    nitsot_grads = {}
    for (kind, k), val, g in zip(sp.output_order, fwd_outs, out_grads):
        if kind == "state":
            state_vals[k] = (val, g)
        else:
            nitsot_grads[k] = g
    n = next((len(v) for v, _ in state_vals.values()), None)
    if n is None:
        n = len(next(iter(nitsot_grads.values()))) if nitsot_grads else 0
    bufs, lags = _state_buffers(sp, inits, n)
    for k, (val, _) in state_vals.items():
        bufs[k][lags[k]: lags[k] + n] = val
    g_seqs = [np.zeros(np.shape(s), dtype="float64") for s in seqs]
    g_bufs = [np.zeros(b.shape, dtype="float64") for b in bufs]
    for k, (_, g) in state_vals.items():
        g_bufs[k][lags[k]: lags[k] + n] += g
    g_free = [np.zeros(np.shape(f), dtype="float64") for f in free]
    first = 0 if sp.truncate_gradient < 0 else max(0, n - sp.truncate_gradient)
    for t in reversed(range(first, n)):
        args = []
        for s, taps in zip(seqs, sp.seq_taps):
            base = t - min(taps)
            args.extend(s[base + tap] for tap in taps)
        for buf, lag, taps in zip(bufs, lags, sp.state_taps):
            args.extend(buf[lag + t + tap] for tap in taps)
        args.extend(shared)
        args.extend(free)
        g_out = []
        for k in range(sp.n_nitsot):
            g_out.append(np.asarray(nitsot_grads[k][t], dtype=sc.inner_outputs[k].type.dtype))
        for k in range(sp.n_state):
            g_out.append(np.asarray(g_bufs[k][lags[k] + t], dtype=sc.inner_outputs[sp.n_nitsot + k].type.dtype))
        res = fn(*args, *g_out)
        res = res if isinstance(res, list) else [res]
        pos = 0
        for k, taps in enumerate(sp.seq_taps):
            base = t - min(taps)
            for tap in taps:
                g_seqs[k][base + tap] += res[pos]
                pos += 1
        for k, taps in enumerate(sp.state_taps):
            for tap in taps:
                g_bufs[k][lags[k] + t + tap] += res[pos]
                pos += 1
        pos += sp.n_shared
        for k in range(sp.n_free):
            g_free[k] += res[pos]
            pos += 1
    out = []
    for k, s in enumerate(seqs):
        out.append(g_seqs[k].astype(np.asarray(s).dtype if np.asarray(s).dtype.kind in "fc" else "float64"))
    for k, init in enumerate(inits):
        g = g_bufs[k][: lags[k]]
        init = np.asarray(init)
        if sp.state_is_single[k]:
            g = g[0]
        else:
            full = np.zeros(init.shape, dtype="float64")
            full[init.shape[0] - lags[k]:] = g
            g = full
        out.append(g.astype(init.dtype if init.dtype.kind in "fc" else "float64"))
    for s in shared:
        out.append(np.zeros(np.shape(s), dtype="float64"))
    for k, f in enumerate(free):
        f = np.asarray(f)
        out.append(g_free[k].astype(f.dtype if f.dtype.kind in "fc" else "float64"))
    return out


def scan_grad(op: Scan, inputs: Sequence[Variable], outputs: Sequence[Variable],
              output_grads: Sequence[Variable]) -> list:
    from ..gradient import DisconnectedType
    from ..tensor.basic import zeros_like

    sp = op.spec
    n_main = len(sp.output_order)
    grads = []
    for o, g in zip(outputs[:n_main], output_grads[:n_main]):
        if g is None or isinstance(g.type, DisconnectedType):
            g = zeros_like(o)
        grads.append(g)
    gop = ScanGrad(op)
    res = gop(*inputs[1:], *outputs[:n_main], *grads)
    res = res if isinstance(res, list) else [res]
    out: list = [DisconnectedType()()]
    n_seq, n_state = sp.n_seq, sp.n_state
    for k, (v, g) in enumerate(zip(inputs[1:], res)):
        if n_seq + n_state <= k < n_seq + n_state + sp.n_shared or not _is_float(v):
            out.append(DisconnectedType()())
        else:
            out.append(g)
    return out
