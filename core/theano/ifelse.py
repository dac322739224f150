"""`ifelse(cond, then, else)`: a lazy conditional; only the branch that is taken runs.

Laziness is backend-neutral: the IfElse op holds its two branches as inner graphs over
placeholders, compiled with `theano.function` the first time each is taken. The op's
inputs are the condition followed by the free variables of each branch, so the outer
graph never computes anything that only a branch needs.
"""
from __future__ import annotations

import itertools
from typing import Any, Sequence

from .graph.basic import Apply, Constant, Variable, clone_get_equiv, graph_inputs
from .graph.op import Op
from .compile.function import function
from .graph.null_gradients import DisconnectedType
from .gradient import grad
from .tensor.basic import as_tensor_variable
from .tensor.basic import constant
from .tensor.basic import unbroadcast
import numpy as np

__all__ = ["IfElse", "ifelse"]

_ids = itertools.count()


def _branch(outputs: Sequence[Variable]) -> tuple[list[Variable], list[Variable], list[Variable]]:
    """(outer free variables, their placeholders, the outputs rewritten over the placeholders)."""
    free = [v for v in graph_inputs(outputs) if not isinstance(v, Constant)]
    # Shared variables become ordinary op inputs: an inner function may not take them as
    # explicit inputs, and the outer function must own their values and updates.
    holders = [v.type() for v in free]
    for h, v in zip(holders, free):
        h.name = v.name
    memo = clone_get_equiv([], list(outputs), copy_inputs=False, memo=dict(zip(free, holders)))
    return free, holders, [memo.get(o, o) for o in outputs]


class IfElse(Op):
    """Inputs: condition, then the then-branch's free variables, then the else-branch's.
    Outputs: the taken branch's outputs. Each branch is compiled once, on first use."""

    __props__ = ("name", "key")
    # A driver, like scan's loop: it calls the compiled function of the branch it takes.
    host_side = "it calls the compiled function of the branch its condition selects"

    def __init__(self, then_outs: Sequence[Variable], else_outs: Sequence[Variable],
                 name: str | None = None):
        self.name = name
        self.key = next(_ids)  # each IfElse holds its own inner graphs
        self.then_free, self.then_in, self.then_out = _branch(then_outs)
        self.else_free, self.else_in, self.else_out = _branch(else_outs)
        self.out_types = [_common_type(t, e) for t, e in zip(then_outs, else_outs)]
        self._fns: dict[str, Any] = {}

    @property
    def n_outs(self) -> int:
        return len(self.out_types)

    def make_node(self, cond: Any, *branch_inputs: Any) -> Apply:
        cond = as_tensor_variable(cond)
        if cond.type.ndim != 0:
            raise TypeError(f"ifelse: the condition must be a scalar, got {cond.type}")
        expected = [v.type for v in self.then_in + self.else_in]
        if len(branch_inputs) != len(expected):
            raise ValueError(f"IfElse: {len(expected)} branch inputs expected, {len(branch_inputs)} given")
        ins = []
        for v, t in zip(branch_inputs, expected):
            if v.type != t:
                conv = t.convert_variable(v)
                if conv is None:
                    raise TypeError(f"IfElse: branch input {v} has type {v.type}, {t} expected")
                v = conv
            ins.append(v)
        return Apply(self, [cond] + ins, [t() for t in self.out_types])

    def _compiled(self, which: str, device: str | None = None) -> Any:
        """The branch's function, on `device` (None: the configured one), compiled once."""
        fn = self._fns.get((which, device))
        if fn is None:
            ins, outs = (self.then_in, self.then_out) if which == "then" else (self.else_in, self.else_out)
            fn = function(list(ins), [_cast_out(o, t) for o, t in zip(outs, self.out_types)],
                          on_unused_input="ignore", name=f"ifelse {which} branch", device=device)
            self._fns[(which, device)] = fn
        return fn

    def make_backend_fn(self, node: Apply, backend: Any) -> Any:
        """The node's callable on a device backend: the condition is read on the host, the
        taken branch runs on `backend` with its inputs where they are, and its outputs stay
        on the device (moving every branch input to the host and the taken ones back made a
        branch over two 80 MB matrices take 420 ms a call on OpenCL, more than both sides)."""
        n_then, nout = len(self.then_in), self.n_outs
        device = backend.device

        def fn(cond: Any, *args: Any) -> Any:
            if bool(backend.to_host(cond)):
                outs = self._compiled("then", device).call_on_backend(*args[:n_then])
            else:
                outs = self._compiled("else", device).call_on_backend(*args[n_then:])
            outs = [backend.to_device(o) for o in outs]  # a host result (a shape) moves
            return outs[0] if nout == 1 else tuple(outs)

        return fn

    def make_py_fn(self, node: Apply) -> Any:
        n_then, nout = len(self.then_in), self.n_outs

        def fn(cond: Any, *args: Any) -> Any:
            if bool(cond):
                outs = self._compiled("then")(*args[:n_then])
            else:
                outs = self._compiled("else")(*args[n_then:])
            return outs[0] if nout == 1 else tuple(outs)

        return fn

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        res = self.make_py_fn(node)(*inputs)
        res = (res,) if self.n_outs == 1 else res
        for st, r in zip(output_storage, res):
            st[0] = r

    def do_constant_folding(self, node: Apply) -> bool:
        return False  # folding would run a branch at compile time

    def connection_pattern(self, node: Apply) -> list[list[bool]]:
        return [[False] * self.n_outs] + [[True] * self.n_outs for _ in node.inputs[1:]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
             output_grads: Sequence[Variable]) -> list[Variable]:
        cond, args = inputs[0], list(inputs[1:])
        n_then = len(self.then_in)
        gs = [DisconnectedType()()]
        for is_then, ins, outs, actual in ((True, self.then_in, self.then_out, args[:n_then]),
                                           (False, self.else_in, self.else_out, args[n_then:])):
            for g, v in zip(_branch_grads(ins, outs, actual, output_grads), actual):
                if g is None:
                    gs.append(DisconnectedType()())
                    continue
                # The gradient is itself lazy: the untaken branch's gradient is zero.
                zero = v.zeros_like()
                gs.append(ifelse(cond, g, zero) if is_then else ifelse(cond, zero, g))
        return gs

    def __getstate__(self) -> dict:
        d = dict(self.__dict__)
        d["_fns"] = {}
        return d


def _branch_grads(ins: list[Variable], outs: list[Variable], actual: list[Variable],
                  output_grads: Sequence[Variable]) -> list[Variable | None]:
    """Gradients of one branch's inputs, as expressions over the actual inputs; None where an
    input is not differentiable (integers) or the branch does not depend on it."""
    wrt = [h for h in ins if getattr(h.type, "dtype", "").startswith(("float", "complex"))]
    # Each output is seeded through a copy of itself: seeding the output would replace, not
    # add to, the gradient flowing into it from the other outputs (a branch returning
    # [x, 2 * x], or [h, tanh(h)]), and would keep only one gradient of a repeated variable.
    known: dict[Variable, Variable] = {}
    for o, g in zip(outs, output_grads):
        if isinstance(g.type, DisconnectedType):
            continue
        k = _seed(o)
        known[k] = known[k] + g if k in known else g
    if not wrt or not known:
        return [None] * len(ins)
    gl = grad(None, wrt, known_grads=known, disconnected_inputs="ignore", return_disconnected="None")
    by_holder = dict(zip(wrt, gl))
    memo = dict(zip(ins, actual))
    res: list[Variable | None] = []
    for h in ins:
        g = by_holder.get(h)
        if g is None:
            res.append(None)
            continue
        eq = clone_get_equiv([], [g], copy_inputs=False, memo=dict(memo))
        res.append(eq.get(g, g))
    return res


def _seed(o: Variable) -> Variable:
    """A new variable equal to o (a tensor copy) through which o's known gradient flows; o
    itself for types without a copy (sparse), whose outputs then only add up when repeated."""
    copy = getattr(o, "copy", None)
    return copy() if callable(copy) else o


def _common_type(a: Variable, b: Variable) -> Any:
    """The output type of a branch pair: equal dtype and rank, broadcastable where both are."""
    ta, tb = a.type, b.type
    if ta == tb:
        return ta
    if getattr(ta, "dtype", None) != getattr(tb, "dtype", None) or getattr(ta, "ndim", None) != \
            getattr(tb, "ndim", None) or not hasattr(ta, "broadcastable"):
        raise TypeError(f"ifelse: the two branches must have the same type; then-branch {a} is "
                        f"{ta}, else-branch {b} is {tb} (cast one of them)")
    return ta.clone(broadcastable=[x and y for x, y in zip(ta.broadcastable, tb.broadcastable)])


def _cast_out(v: Variable, t: Any) -> Variable:
    if v.type == t:
        return v
    return unbroadcast(v, *[k for k, (x, y) in enumerate(zip(v.type.broadcastable, t.broadcastable))
                            if x and not y])


def ifelse(condition: Any, then_branch: Any, else_branch: Any, name: str | None = None) -> Any:
    """`then_branch` if the scalar `condition` is true, else `else_branch`; only one is computed.
    The branches are variables or lists of variables of the same types."""
    single = not isinstance(then_branch, (list, tuple))
    thens = [then_branch] if single else list(then_branch)
    elses = [else_branch] if not isinstance(else_branch, (list, tuple)) else list(else_branch)
    if len(thens) != len(elses):
        raise ValueError(f"ifelse: the then-branch has {len(thens)} outputs and the else-branch "
                         f"{len(elses)}; they must have as many")
    if not thens:
        raise ValueError("ifelse: the branches are empty")
    thens = [v if isinstance(v, Variable) else as_tensor_variable(v) for v in thens]
    elses = [v if isinstance(v, Variable) else as_tensor_variable(v) for v in elses]
    # Python numbers become constants of their own dtype: match the other branch's dtype.
    for k, (t, e) in enumerate(zip(thens, elses)):
        if isinstance(t, Constant) and not isinstance(e, Constant) and t.type.dtype != e.type.dtype:
            thens[k] = _cast_const(t, e)
        elif isinstance(e, Constant) and not isinstance(t, Constant) and t.type.dtype != e.type.dtype:
            elses[k] = _cast_const(e, t)
    op = IfElse(thens, elses, name=name)
    outs = op(condition, *(op.then_free + op.else_free))
    outs = [outs] if not isinstance(outs, list) else outs
    return outs[0] if single else outs


def _cast_const(c: Variable, like: Variable) -> Variable:
    data = np.asarray(c.data)
    cast = data.astype(like.type.dtype)
    if not np.all(cast == data):
        raise TypeError(f"ifelse: constant {c} cannot be represented as {like.type.dtype}")
    while cast.ndim < like.type.ndim:
        cast = cast[None]
    out = constant(cast)
    return out
