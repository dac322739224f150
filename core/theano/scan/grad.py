"""Backpropagation through a Scan: a reverse loop over a compiled one-step gradient graph."""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Callable, Sequence

import numpy as np

from ..compile.function import compiling_device, function
from ..graph.basic import Apply, Variable, clone_get_equiv, clone_replace, graph_inputs
from ..graph.fg import FunctionGraph
from ..graph.op import Op
from ..gradient import DisconnectedType, grad
from ..rewrite.basic import MergeRewriter
from ..tensor.basic import constant, zeros_like
from ..tensor.elemwise import DimShuffle
from ..tensor.math import Dot
from ..tensor.type import TensorType
from .forward import run_loop, run_scan, scan_sources, state_buffers, step_of
from .loop import ADD, ADD_OUTER, CARRY, CARRY_OUT, CONST, DROP, ITEM, SLICE, Converter, run_steps
from .spec import ScanSpec

if TYPE_CHECKING:
    from .op import Scan

_uids = itertools.count()


def _is_float(v: Variable) -> bool:
    return str(getattr(v.type, "dtype", "")).startswith(("float", "complex"))


def _grad_type(v: Variable):
    """The type of the gradient of v: v's own for floats, float64 for integer tensors."""
    t = v.type
    if not isinstance(t, TensorType):
        return TensorType("float64", ())  # an opaque shared state (a random generator): no gradient
    if _is_float(v):
        return t
    return TensorType("float64", t.broadcastable)


def _read_forward_values(inputs: list, step_outs: list, grads: list) -> tuple[list, list[tuple[int, Variable]]]:
    """`grads` (a graph of `inputs`) with each computed step output, and every computation
    equal to one (a tanh's gradient computes the tanh again), replaced by a new input holding
    its value; and [(position of the output, that input)] for the inputs the new graph reads."""
    if not grads:
        return grads, []
    n = len(step_outs)
    memo = clone_get_equiv([], list(step_outs) + list(grads), copy_inputs=False)
    fg = FunctionGraph(inputs, [memo.get(v, v) for v in list(step_outs) + list(grads)], clone=False)
    MergeRewriter().apply(fg)
    ph: dict = {}
    for j, o in enumerate(fg.outputs[:n]):
        if o.owner is not None and o not in ph and isinstance(o.type, TensorType):
            ph[o] = (j, o.type(f"{step_outs[j]}[t]"))
    new = clone_replace(fg.outputs[n:], {o: p for o, (_, p) in ph.items()})
    used = set(graph_inputs(new))
    return new, [(j, p) for j, p in ph.values() if p in used]


def _outer_factors(v: Variable) -> tuple[Variable, Variable] | None:
    """(a, b) when v is the float64 outer product of vectors a and b as the gradient of a
    product writes it, dot(a.dimshuffle(0, 'x'), b.dimshuffle('x', 0)); else None."""
    node = v.owner
    if node is None or not isinstance(node.op, Dot) or v.type.dtype != "float64":
        return None
    factors = []
    for x, pattern in zip(node.inputs, ((0, "x"), ("x", 0))):
        o = x.owner
        if o is None or not isinstance(o.op, DimShuffle) or o.op.new_order != pattern or x.type.dtype != "float64":
            return None
        factors.append(o.inputs[0])
    return factors[0], factors[1]


def _outer_product_updates(grads: list, wrt_positions: list[int], first_free: int, inputs: list
                           ) -> tuple[list, dict[int, tuple[int, int]]]:
    """`grads` (one per inner input in wrt_positions) without the free variables' gradients
    that are outer products a b^T, plus the factors that are neither an input of the step
    (`inputs`) nor already a result; and {position in `grads`: (a, b)} for those gradients,
    each factor a result index of the new list or -1 - k for the step's argument k."""
    pushed = {}
    for pos, j in enumerate(wrt_positions):
        factors = _outer_factors(grads[pos]) if j >= first_free else None
        if factors is not None:
            pushed[pos] = factors
    if not pushed:
        return grads, {}
    results = [g for pos, g in enumerate(grads) if pos not in pushed]
    index = {}
    for k, v in enumerate(results):
        index.setdefault(v, k)
    arg = {}
    for k, v in enumerate(inputs):
        arg.setdefault(v, -1 - k)

    def ref(v: Variable) -> int:
        if v in arg:
            return arg[v]
        if v not in index:
            index[v] = len(results)
            results.append(v)
        return index[v]

    return results, {pos: (ref(a), ref(b)) for pos, (a, b) in pushed.items()}


def _inner_positions(sp: ScanSpec, k: int) -> range:
    """The inner inputs of a sequence's taps (k < n_seq) or of a free variable (the last n_free
    outer inputs), k an outer input position after n_steps."""
    if k < sp.n_seq:
        start = sum(len(t) for t in sp.seq_taps[:k])
        return range(start, start + len(sp.seq_taps[k]))
    n_before = sum(map(len, sp.seq_taps)) + sum(map(len, sp.state_taps)) + sp.n_shared
    free = k - (sp.n_seq + sp.n_state + sp.n_shared)
    return range(n_before + free, n_before + free + 1)


class ScanGrad(Op):
    """Gradients of a Scan's sequences, initial states, shared variables and free inputs.

    Inputs: n_steps, the forward Scan's other outer inputs, its stacked outputs, then the
    gradients of all its outputs (stacked outputs, then final values of the shared
    variables it updates). The one-step gradient function maps (step inputs, gradient of
    every step output, the shared updates included) to the gradient of every step input;
    the loop runs it backwards, carrying the gradients of the states and the shared
    variables from step to step.
    """

    __props__ = ("uid",)
    # Like Scan's, the backward loop is a driver calling compiled one-step gradient functions.
    host_side = "the scan gradient loop calls its compiled one-step gradient function per step"

    def __init__(self, scan: Scan, unneeded: frozenset[int] = frozenset()):
        self.scan = scan
        self.uid = next(_uids)
        sp = scan.spec
        # Outer inputs (positions after n_steps) whose gradient nobody reads: sequences and
        # free variables only, whose gradients feed no later step (rewriting.py finds them).
        n_outer = sp.n_seq + sp.n_state + sp.n_shared + sp.n_free
        if any(not (k < sp.n_seq or k >= n_outer - sp.n_free) for k in unneeded):
            raise ValueError(f"ScanGrad: only sequences and free variables may go without a gradient, "
                             f"not outer inputs {sorted(unneeded)}")
        self.unneeded = frozenset(unneeded)
        skipped = {j for k in self.unneeded for j in _inner_positions(sp, k)}
        n_out = sp.n_nitsot + sp.n_state + sp.n_shared
        step_outs = scan.inner_outputs[:n_out]
        self.out_grad_ph = [o.type(f"g_{o}") for o in step_outs]
        # Each output is seeded through a copy of itself: the same variable may be returned
        # twice (`return [h, h]`), or one output may be computed from another (an LSTM's h
        # from its c). Seeding the outputs themselves would keep only one gradient of a
        # repeated variable and would stop the other outputs' gradients from flowing back
        # into an output that is also seeded (a known gradient replaces what flows back).
        known = {o.copy(): g for o, g in zip(step_outs, self.out_grad_ph) if _is_float(o)}
        self.differentiable = [_is_float(v) and j not in skipped for j, v in enumerate(scan.inner_inputs)]
        wrt = [v for v, d in zip(scan.inner_inputs, self.differentiable) if d]
        if known and wrt:
            self.inner_grads = grad(None, wrt, known_grads=known, disconnected_inputs="ignore",
                                    return_disconnected="zero")
        else:
            self.inner_grads = []
        # The loop knows every step output's forward value: the gradient reads it instead of
        # computing the step again (a tanh's gradient reads the tanh, not its argument).
        self.inner_grads, self.fed_values = _read_forward_values(scan.inner_inputs + self.out_grad_ph, step_outs,
                                                                   self.inner_grads)
        # A free variable's gradient that is an outer product a b^T every step (a product's
        # gradient) is added into its sum by the loop (a rank-1 update) from a and b: the step
        # computes neither the product nor the two views it is made of.
        self.inner_grads, self.outer_products = _outer_product_updates(
            self.inner_grads, [j for j, d in enumerate(self.differentiable) if d], len(scan.inner_inputs) - sp.n_free,
            scan.inner_inputs + self.out_grad_ph + [p for _, p in self.fed_values])
        self._fns: dict = {}

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_fns"] = {}
        return d

    def __str__(self) -> str:
        return f"ScanGrad{{{self.scan.name or 'scan_fn'}}}"

    def make_node(self, *inputs):
        sp = self.scan.spec
        outer = inputs[1: 1 + sp.n_seq + sp.n_state + sp.n_shared + sp.n_free]
        return Apply(self, list(inputs), [_grad_type(v)() for v in outer])

    def grad_function(self, device):
        """The one-step gradient graph compiled for `device` (once per device)."""
        fn = self._fns.get(device)
        if fn is None:
            fn = function(self.scan.inner_inputs + self.out_grad_ph + [p for _, p in self.fed_values],
                          self.inner_grads,
                          mode=self.scan.mode, on_unused_input="ignore", trust_input=True,
                          device=device, name=f"{self} step")
            self._fns[device] = fn
        return fn

    def make_py_fn(self, node):
        return self.loop_fn(node, run_steps)

    def loop_fn(self, node: Apply, executor: Callable[..., int]) -> Callable[..., Any]:
        """The node's callable running the backward loop (and the forward replay, when the
        scan updates shared variables) with `executor` (see Scan.loop_fn)."""
        device = compiling_device()
        step = step_of(self.grad_function(device)) if self.inner_grads else None
        fwd = step_of(self.scan.inner_function(device)) if self.scan.spec.n_shared else None
        single = len(node.outputs) == 1

        def run(*inputs):
            res = run_scan_grad(self, step, fwd, executor, list(inputs))
            return res[0] if single else tuple(res)

        return run

    def perform(self, node, inputs, output_storage):
        step = step_of(self.grad_function(None)) if self.inner_grads else None
        fwd = step_of(self.scan.inner_function(None)) if self.scan.spec.n_shared else None
        for st, r in zip(output_storage, run_scan_grad(self, step, fwd, run_steps, list(inputs))):
            st[0] = r


def _as_dtype(a: Any, like: Any) -> np.ndarray:
    like = np.asarray(like)
    return np.asarray(a).astype(like.dtype if like.dtype.kind in "fc" else "float64", copy=False)


def _cast_slice(array: np.ndarray, offset: int, dtype: Any) -> Callable[[int], np.ndarray]:
    return lambda t: np.asarray(array[offset + t], dtype=dtype)


def _add_into(array: np.ndarray, offset: int | None) -> Callable[[int, Any], None]:
    """array[offset + t] += g (offset None: array += g), NumPy's broadcasting and casting."""
    if offset is None:
        def add_all(t: int, g: Any) -> None:
            array[...] += g
        return add_all

    def add(t: int, g: Any) -> None:
        array[offset + t] += g
    return add


def _add_outer_into(array: np.ndarray) -> Callable[[int, Any, Any], None]:
    """array += outer(a, b), NumPy's broadcasting and casting."""
    def add(t: int, a: Any, b: Any) -> None:
        array[...] += np.multiply.outer(a, b)
    return add


def _grad_source(array: np.ndarray, offset: int, dtype: Any) -> list:
    """A SLICE source of an output's gradient, cast to that output's dtype when it differs."""
    if dtype is None or np.dtype(dtype) == array.dtype:
        return [SLICE, array, offset, None]
    return [SLICE, array, offset, _cast_slice(array, offset, dtype)]


def _forward_value(sp: ScanSpec, j: int, nitsot_vals: dict, bufs: list, lags: list, traj: list | None) -> list:
    """The source of step output j's forward value: its stacked output's row, its state's
    next row, or the shared variable's value after the step."""
    if j < sp.n_nitsot:
        return [SLICE, nitsot_vals[j], 0, None]
    if j < sp.n_nitsot + sp.n_state:
        k = j - sp.n_nitsot
        return [SLICE, bufs[k], lags[k], None]
    return [ITEM, traj[j - sp.n_nitsot - sp.n_state], 1]


def run_scan_grad(op: ScanGrad, step: Any, fwd: Any, executor: Callable[..., int],
                  inputs: list) -> list[np.ndarray]:
    """The backward loop: gradients of the Scan's outer inputs (without n_steps)."""
    sc = op.scan
    sp: ScanSpec = sc.spec
    n_steps = int(inputs[0])
    n_outer = sp.n_seq + sp.n_state + sp.n_shared + sp.n_free
    outer = inputs[1: 1 + n_outer]
    n_main = len(sp.output_order)
    fwd_outs = inputs[1 + n_outer: 1 + n_outer + n_main]
    out_grads = inputs[1 + n_outer + n_main:]
    main_grads, shared_final_grads = out_grads[:n_main], out_grads[n_main:]
    seqs = outer[: sp.n_seq]
    inits = outer[sp.n_seq: sp.n_seq + sp.n_state]
    shared = outer[sp.n_seq + sp.n_state: sp.n_seq + sp.n_state + sp.n_shared]
    free = outer[sp.n_seq + sp.n_state + sp.n_shared:]
    state_vals, nitsot_grads, nitsot_vals = {}, {}, {}
    for (kind, k), val, g in zip(sp.output_order, fwd_outs, main_grads):
        if kind == "state":
            state_vals[k] = (val, g)
        else:
            nitsot_grads[k] = np.asarray(g)
            nitsot_vals[k] = np.asarray(val)
    if sp.n_shared:
        # The step function reads the shared variables' values of that step, which only a
        # replay of the forward loop knows.
        _, traj = run_scan(sc, fwd, executor, n_steps, list(outer), record=True)
        n = len(traj[0]) - 1
    else:
        traj = None
        n = len(fwd_outs[0]) if fwd_outs else 0
    bufs, lags = state_buffers(sp, inits, n)
    for k, (val, _) in state_vals.items():
        bufs[k][lags[k]: lags[k] + n] = val
    g_seqs = [np.zeros(np.shape(s), dtype="float64") for s in seqs]
    g_bufs = [np.zeros(b.shape, dtype="float64") for b in bufs]
    for k, (_, g) in state_vals.items():
        g_bufs[k][lags[k]: lags[k] + n] += g
    g_shared = [np.zeros(np.shape(s), dtype="float64") + np.asarray(g)
                for s, g in zip(shared, shared_final_grads)]
    g_free = [np.zeros(np.shape(f), dtype="float64") for f in free]
    first = 0 if sp.truncate_gradient < 0 else max(0, n - sp.truncate_gradient)
    out_dtypes = [getattr(o.type, "dtype", None) for o in sc.inner_outputs[: sp.n_nitsot + sp.n_state + sp.n_shared]]
    if step is not None and n > first:
        # Step t reads the forward values of step t and the gradients of its outputs (the
        # stacked outputs' entries, the states' gradients accumulated so far, the shared
        # variables' gradients carried from step t + 1) and adds the gradients of its inputs.
        sources = scan_sources(sp, seqs, bufs, lags)
        sources += ([[ITEM, traj[k], 0] for k in range(sp.n_shared)] if traj is not None
                    else [[CONST, v] for v in shared])
        sources += [[CONST, v] for v in free]
        sources += [_grad_source(nitsot_grads[k], 0, out_dtypes[k]) for k in range(sp.n_nitsot)]
        sources += [_grad_source(g_bufs[k], lags[k], out_dtypes[sp.n_nitsot + k]) for k in range(sp.n_state)]
        first_carry = len(sources)
        shared_dtypes = out_dtypes[sp.n_nitsot + sp.n_state:]
        sources += [[CARRY, g if d is None else np.asarray(g, dtype=d)] for g, d in zip(g_shared, shared_dtypes)]
        sources += [_forward_value(sp, j, nitsot_vals, bufs, lags, traj) for j, _ in op.fed_values]
        sinks = []
        diff = iter(op.differentiable)
        # the free variables' positions among the step's gradients (they come last)
        positions = iter(range(sum(op.differentiable) - sum(op.differentiable[len(op.differentiable) - sp.n_free:]),
                               sum(op.differentiable)))
        for k, taps in enumerate(sp.seq_taps):
            base = -min(taps)
            sinks += [[ADD, g_seqs[k], base + tap, _add_into(g_seqs[k], base + tap)]
                      for tap in taps if next(diff)]
        for k, taps in enumerate(sp.state_taps):
            sinks += [[ADD, g_bufs[k], lags[k] + tap, _add_into(g_bufs[k], lags[k] + tap)]
                      for tap in taps if next(diff)]
        # The shared variable's value at step t feeds step t and, through its update, every
        # later step: its gradient is carried like a state's.
        sinks += [[CARRY_OUT, first_carry + k, None, Converter(d)]
                  for k, d in enumerate(shared_dtypes) if next(diff)]
        outer_sinks = []
        for k in range(sp.n_free):
            if next(diff):
                pos = next(positions)
                if pos in op.outer_products:
                    a, b = op.outer_products[pos]
                    outer_sinks.append([ADD_OUTER, g_free[k], a, b, _add_outer_into(g_free[k])])
                else:
                    sinks.append([ADD, g_free[k], None, _add_into(g_free[k], None)])
        sinks += [[DROP]] * (len(op.inner_grads) - len(sinks)) + outer_sinks
        run_loop(executor, step, sources, sinks, n - 1, -1, n - first)
        for k, d in enumerate(shared_dtypes):
            # a shared variable without a gradient (an integer or a random state) carries none
            g_shared[k] = (np.asarray(sources[first_carry + k][1], dtype="float64")
                           if op.differentiable[len(op.differentiable) - sp.n_free - sp.n_shared + k]
                           else np.zeros_like(g_shared[k]))
    if first > 0:
        g_shared = [np.zeros_like(g) for g in g_shared]
    out = [_as_dtype(g, s) for g, s in zip(g_seqs, seqs)]
    for k, init in enumerate(inits):
        g = g_bufs[k][: lags[k]]
        init = np.asarray(init)
        if sp.state_is_single[k]:
            g = g[0]
        else:
            full = np.zeros(init.shape, dtype="float64")
            full[: lags[k]] = g
            g = full
        out.append(_as_dtype(g, init))
    out += [_as_dtype(g, s) for g, s in zip(g_shared, shared)]
    out += [_as_dtype(g, f) for g, f in zip(g_free, free)]
    return out


def scan_grad(op: Scan, inputs: Sequence[Variable], outputs: Sequence[Variable],
              output_grads: Sequence[Variable]) -> list:
    """Scan.L_op: one ScanGrad node computes the gradients of all the Scan's inputs."""
    grads = []
    for o, g in zip(outputs, output_grads):
        if not isinstance(o.type, TensorType):
            g = constant(np.float64(0))  # an opaque shared state carries no gradient
        elif g is None or isinstance(g.type, DisconnectedType):
            g = zeros_like(o) if _is_float(o) else zeros_like(o, dtype="float64")
        grads.append(g)
    n_main = len(op.spec.output_order)
    gop = ScanGrad(op)
    res = gop(inputs[0], *inputs[1:], *outputs[:n_main], *grads)
    res = res if isinstance(res, list) else [res]
    out: list = [DisconnectedType()()]
    for v, g in zip(inputs[1:], res):
        out.append(g if _is_float(v) else DisconnectedType()())
    return out
