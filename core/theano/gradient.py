"""Reverse-mode differentiation: grad, jacobian, hessian, Lop/Rop, and verify_grad."""
from __future__ import annotations

import warnings
from typing import Any, Callable, Sequence

import numpy as np

from .config import config
from .graph.basic import Apply, Constant, Variable, ancestors, io_toposort
from .graph.op import Op
from .graph.sourceinfo import format_frame
from .graph.null_gradients import (DisconnectedType, NullType, _is_disconnected, _is_null,
                                    grad_not_implemented, grad_undefined)
from .graph.basic import graph_inputs
from .tensor.basic import as_tensor_variable
from .tensor.basic import cast
from .tensor.basic import ones_like
from .tensor.basic import patternbroadcast
from .tensor.basic import zeros_like
from .tensor.math import add
from .tensor.math import clip
from .tensor.math import sum as tsum
from .tensor.type import TensorType

__all__ = ["grad", "jacobian", "hessian", "Lop", "Rop", "verify_grad", "DisconnectedType",
           "NullType", "grad_not_implemented", "grad_undefined", "DisconnectedInputError",
           "NullTypeGradError", "GradientError", "zero_grad", "disconnected_grad", "consider_constant",
           "grad_clip", "numeric_grad"]


class DisconnectedInputError(ValueError):
    """grad was asked for an input the cost does not depend on."""


class NullTypeGradError(TypeError):
    """A gradient on the path to a requested input is undefined or not implemented."""


class GradientError(Exception):
    """verify_grad found a symbolic gradient that disagrees with finite differences."""

    def __init__(self, arg: int, err_pos: int, shape: tuple, val1: float, val2: float,
                 abs_err: float, rel_err: float, abs_tol: float, rel_tol: float):
        super().__init__()
        self.arg, self.err_pos, self.shape = arg, err_pos, shape
        self.val1, self.val2 = val1, val2
        self.abs_err, self.rel_err, self.abs_tol, self.rel_tol = abs_err, rel_err, abs_tol, rel_tol

    def __str__(self) -> str:
        return (f"gradient of input {self.arg} disagrees with finite differences at flat position "
                f"{self.err_pos} of shape {self.shape}: symbolic {self.val1!r}, numeric {self.val2!r} "
                f"(abs error {self.abs_err:.3g} > {self.abs_tol:.3g} and rel error {self.rel_err:.3g} > "
                f"{self.rel_tol:.3g})")


def _fit(term: Variable, var: Variable) -> Variable:
    """Make a gradient term have exactly the type of the variable it is the gradient of."""
    if not isinstance(var.type, TensorType) or not isinstance(term.type, TensorType):
        return term
    if term.type.ndim != var.type.ndim:
        raise TypeError(f"a gradient of {var} ({var.type}) has type {term.type}: an op's gradient "
                        f"has the wrong number of dimensions")
    if term.type.dtype != var.type.dtype and var.type.dtype.startswith(("float", "complex")):
        term = cast(term, var.type.dtype)
    if term.type.broadcastable != var.type.broadcastable:
        term = patternbroadcast(term, var.type.broadcastable)
    return term


def grad(cost: Variable | None, wrt: Any, consider_constant: Sequence[Variable] | None = None,
         disconnected_inputs: str = "raise", add_names: bool = True,
         known_grads: dict | None = None, return_disconnected: str = "zero",
         null_gradients: str = "raise") -> Any:
    """Symbolic gradient of the scalar `cost` with respect to `wrt` (a variable or a list).

    `known_grads` maps variables to gradients already known (cost may then be None);
    `consider_constant` stops backpropagation at the listed variables;
    `disconnected_inputs` ('raise', 'warn', 'ignore') says what to do for an input the
    cost does not depend on, and `return_disconnected` ('zero', 'None', 'Disconnected')
    what to return for it.
    """
    if disconnected_inputs not in ("raise", "warn", "ignore"):
        raise ValueError(f"disconnected_inputs must be 'raise', 'warn' or 'ignore', got {disconnected_inputs!r}")
    single = not isinstance(wrt, (list, tuple))
    wrt_list = [wrt] if single else list(wrt)
    for w in wrt_list:
        if not isinstance(w, Variable):
            raise TypeError(f"grad: wrt must be Variables, got {type(w).__name__}")
    known_grads = dict(known_grads or {})
    if cost is None and not known_grads:
        raise ValueError("grad: cost is None and no known_grads were given")
    roots: dict[Variable, Variable] = {}
    if cost is not None:
        if not isinstance(cost, Variable):
            cost = as_tensor_variable(cost)
        if getattr(cost.type, "ndim", 0) != 0:
            raise TypeError(f"grad: cost must be a scalar, got {cost} of type {cost.type}; sum it or "
                            f"use known_grads / theano.gradient.jacobian")
        if cost.type.dtype.startswith(("int", "uint", "bool")):
            roots[cost] = zeros_like(cost, dtype=config.floatX)
        else:
            roots[cost] = ones_like(cost)
    for v, g in known_grads.items():
        if not isinstance(g, Variable):
            raise TypeError(f"grad: known_grads[{v}] must be a Variable, got {type(g).__name__}")
        if not isinstance(g.type, (NullType, DisconnectedType)) and \
                not str(getattr(g.type, "dtype", "float")).startswith(("float", "complex")):
            raise TypeError(f"grad: known_grads[{v}] has type {g.type}; gradients must be "
                            f"floating-point, NullType or DisconnectedType")
        roots[v] = _fit(g, v) if hasattr(v.type, "ndim") and hasattr(g.type, "ndim") else g
    consider = set(consider_constant or ())

    # Variables that depend on some wrt: only those need gradients.
    outputs = list(roots)
    nodes = io_toposort(wrt_list, outputs) if wrt_list else []
    all_nodes = io_toposort([], outputs)
    wrt_set = set(wrt_list)
    depends: set[Variable] = set(wrt_list)
    for node in all_nodes:
        if any(i in depends for i in node.inputs):
            depends.update(node.outputs)
    del nodes

    grads: dict[Variable, list[Variable]] = {}
    for v, g in roots.items():
        grads.setdefault(v, []).append(g)

    def total(v: Variable) -> Variable | None:
        terms = grads.get(v)
        if not terms:
            return None
        for t in terms:
            if _is_null(t):
                return t
        if len(terms) == 1:
            return terms[0]
        if hasattr(v.type, "sum_gradient_terms"):  # non-tensor types (sparse) add their own way
            return v.type.sum_gradient_terms(terms)
        s = add(*terms)
        return _fit(s, v)

    for node in reversed(all_nodes):
        if not any(o in depends for o in node.outputs):
            continue
        if not any(o in grads for o in node.outputs):
            continue
        needed = [i in depends and i not in consider for i in node.inputs]
        if not any(needed):
            continue
        out_grads = []
        for o in node.outputs:
            g = total(o)
            if g is None:
                g = DisconnectedType()() if not hasattr(o.type, "ndim") else zeros_like(o) \
                    if o.type.dtype.startswith(("float", "complex")) else zeros_like(o, dtype=config.floatX)
            elif _is_null(g):
                raise NullTypeGradError(f"grad: {g.type.why_null}")
            out_grads.append(g)
        try:
            in_grads = node.op.L_op(node.inputs, node.outputs, out_grads)
        except NotImplementedError as e:
            raise NullTypeGradError(f"grad: {node.op} (built at {format_frame(node.tag.trace)}) "
                                    f"cannot be differentiated: {e}") from None
        if len(in_grads) != len(node.inputs):
            raise ValueError(f"{node.op}.L_op returned {len(in_grads)} gradients for "
                             f"{len(node.inputs)} inputs")
        for i, g, need in zip(node.inputs, in_grads, needed):
            # A known gradient replaces, rather than adds to, what flows back into a
            # variable (Theano's rule: known_grads seeds grad_dict, which is never revisited).
            if not need or _is_disconnected(g) or i in known_grads:
                continue
            if _is_null(g):
                grads.setdefault(i, []).append(g)
                continue
            grads.setdefault(i, []).append(_fit(g, i))

    results = []
    for w in wrt_list:
        g = total(w)
        if g is not None and _is_null(g):
            raise NullTypeGradError(f"grad of {cost} with respect to {w}: {g.type.why_null}")
        if g is None:
            msg = (f"grad: the cost {cost} does not depend on {w} ({w.type}); pass "
                   f"disconnected_inputs='ignore' to get zeros")
            if disconnected_inputs == "raise" and w not in consider:
                raise DisconnectedInputError(msg)
            if disconnected_inputs == "warn":
                warnings.warn(msg, stacklevel=2)
            if return_disconnected == "None":
                results.append(None)
                continue
            if return_disconnected == "Disconnected":
                results.append(DisconnectedType()())
                continue
            g = zeros_like(w) if w.type.dtype.startswith(("float", "complex")) else \
                zeros_like(w, dtype=config.floatX)
        elif w.type.dtype.startswith(("int", "uint", "bool")):
            g = zeros_like(w, dtype=config.floatX)
        if add_names and cost is not None and getattr(cost, "name", None) and getattr(w, "name", None):
            g.name = f"(d{cost.name}/d{w.name})"
        results.append(g)
    return results[0] if single else results


# -- gradient-shaping ops ----------------------------------------------------------------

class _ViewOp(Op):
    """Identity on values; `kind` decides what happens to the gradient."""

    __props__ = ("kind", "bounds")
    view_map = {0: [0]}

    def __init__(self, kind: str, bounds: tuple = ()):
        self.kind, self.bounds = kind, tuple(bounds)

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node):
        return lambda x: x

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = inputs[0]

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, gouts):
        if self.kind == "zero":
            return [zeros_like(inputs[0])]
        if self.kind == "disconnected":
            return [DisconnectedType()()]
        if self.kind == "clip":
            return [clip(gouts[0], *self.bounds)]
        return [gouts[0]]

    def connection_pattern(self, node):
        return [[self.kind != "disconnected"]]


def zero_grad(x: Variable) -> Variable:
    """`x`, through which gradients are zero."""
    return _ViewOp("zero")(x)


def disconnected_grad(x: Variable) -> Variable:
    """`x`, through which the graph is disconnected for gradients."""
    return _ViewOp("disconnected")(x)


def consider_constant(x: Variable) -> Variable:
    """`x` treated as a constant by grad."""
    return _ViewOp("disconnected")(x)


def grad_clip(x: Variable, lower_bound: float, upper_bound: float) -> Variable:
    """`x`, whose gradient is clipped to [lower_bound, upper_bound]."""
    return _ViewOp("clip", (lower_bound, upper_bound))(x)


# -- Jacobians and Hessians -------------------------------------------------------------------

class MapRows(Op):
    """Evaluates an inner graph of an index i for i in range(n) and stacks the results.

    Inputs: n, then the outer variables the inner graph reads. Used by jacobian; the
    inner function is compiled once per node, with the mode of the enclosing function.
    """

    __props__ = ("key",)

    def __init__(self, index: Variable, free: Sequence[Variable], outputs: Sequence[Variable]):
        self.index, self.free, self.inner_outputs = index, list(free), list(outputs)
        self.key = id(self)
        self._fn = None

    def make_node(self, n, *free):
        outs = [TensorType(o.type.dtype, (False,) + o.type.broadcastable)() for o in self.inner_outputs]
        return Apply(self, [as_tensor_variable(n)] + list(free), outs)

    def _compiled(self):
        if self._fn is None:
            # cycle: gradient -> compile.function -> tensor -> gradient
            from .compile.function import function

            self._fn = function([self.index] + self.free, self.inner_outputs, on_unused_input="ignore")
        return self._fn

    def perform(self, node, inputs, output_storage):
        fn = self._compiled()
        n, free = int(inputs[0]), inputs[1:]
        rows = [fn(np.asarray(i, dtype="int64"), *free) for i in range(n)]
        for k, (st, o) in enumerate(zip(output_storage, node.outputs)):
            if rows:
                st[0] = np.stack([np.asarray(r[k]) for r in rows]).astype(o.type.dtype)
            else:
                shape = (0,) + tuple(1 for _ in o.type.broadcastable[1:])
                st[0] = np.zeros(shape, dtype=o.type.dtype)

    def __getstate__(self):
        d = dict(self.__dict__)
        d["_fn"] = None
        return d


def jacobian(expression: Variable, wrt: Any, consider_constant: Sequence[Variable] | None = None,
             disconnected_inputs: str = "raise") -> Any:
    """The Jacobian of a vector (or scalar) expression with respect to `wrt`:
    J[i, ...] = d expression[i] / d wrt[...]."""
    expression = as_tensor_variable(expression)
    single = not isinstance(wrt, (list, tuple))
    wrt_list = [wrt] if single else list(wrt)
    if expression.type.ndim == 0:
        res = grad(expression, wrt_list, consider_constant=consider_constant,
                   disconnected_inputs=disconnected_inputs)
        return res[0] if single else res
    if expression.type.ndim != 1:
        raise TypeError(f"jacobian: the expression must be a scalar or a vector, got {expression.type}; "
                        f"flatten it first")
    i = TensorType("int64", ())("i")
    rows = grad(expression[i], wrt_list, consider_constant=consider_constant,
                disconnected_inputs=disconnected_inputs)
    free = [v for v in graph_inputs(rows) if v is not i and not isinstance(v, Constant)]
    op = MapRows(i, free, rows)
    out = op(expression.shape[0], *free)
    out = out if isinstance(out, list) else [out]
    return out[0] if single else out


def hessian(cost: Variable, wrt: Any, consider_constant: Sequence[Variable] | None = None,
            disconnected_inputs: str = "raise") -> Any:
    """The Hessian of the scalar `cost` with respect to each vector in `wrt`."""
    single = not isinstance(wrt, (list, tuple))
    wrt_list = [wrt] if single else list(wrt)
    res = []
    for w in wrt_list:
        if w.type.ndim != 1:
            raise TypeError(f"hessian: wrt must be vectors, got {w} of type {w.type}")
        g = grad(cost, w, consider_constant=consider_constant, disconnected_inputs=disconnected_inputs)
        res.append(jacobian(g, w, consider_constant=consider_constant,
                            disconnected_inputs=disconnected_inputs))
    return res[0] if single else res


def Lop(f: Any, wrt: Any, eval_points: Any, consider_constant=None, disconnected_inputs="raise") -> Any:
    """The vector-Jacobian product eval_points^T * d f / d wrt."""
    fs = f if isinstance(f, (list, tuple)) else [f]
    es = eval_points if isinstance(eval_points, (list, tuple)) else [eval_points]
    res = grad(None, wrt if isinstance(wrt, (list, tuple)) else [wrt],
               known_grads=dict(zip(fs, es)), consider_constant=consider_constant,
               disconnected_inputs=disconnected_inputs)
    return res if isinstance(wrt, (list, tuple)) else res[0]


def Rop(f: Any, wrt: Any, eval_points: Any) -> Any:
    """The Jacobian-vector product d f / d wrt * eval_points, through the ops' R_op."""
    fs = f if isinstance(f, (list, tuple)) else [f]
    ws = wrt if isinstance(wrt, (list, tuple)) else [wrt]
    es = eval_points if isinstance(eval_points, (list, tuple)) else [eval_points]
    seen: dict[Variable, Variable | None] = dict(zip(ws, es))
    for node in io_toposort(ws, fs):
        ev = [seen.get(i) for i in node.inputs]
        if all(e is None for e in ev):
            continue
        try:
            outs = node.op.R_op(node.inputs, ev)
        except NotImplementedError:
            raise NotImplementedError(f"Rop: {node.op} has no R_op") from None
        for o, e in zip(node.outputs, outs):
            seen[o] = e
    res = []
    for fv in fs:
        e = seen.get(fv)
        if e is None:
            e = zeros_like(fv)
        res.append(e)
    return res if isinstance(f, (list, tuple)) else res[0]


# -- numerical checking --------------------------------------------------------------------------

def numeric_grad(f: Callable[..., Any], pt: Sequence[np.ndarray], eps: float) -> list[np.ndarray]:
    """Central finite differences of the scalar function f at pt."""
    grads = []
    for k, x in enumerate(pt):
        g = np.zeros_like(x, dtype="float64")
        flat = x.reshape(-1)
        gflat = g.reshape(-1)
        for j in range(flat.size):
            orig = flat[j]
            flat[j] = orig + eps
            fp = float(f(*pt))
            flat[j] = orig - eps
            fm = float(f(*pt))
            flat[j] = orig
            gflat[j] = (fp - fm) / (2 * eps)
        grads.append(g)
    return grads


def verify_grad(fun: Callable[..., Variable], pt: Sequence[Any], n_tests: int = 2, rng: Any = None,
                eps: float | None = None, out_type: str | None = None, abs_tol: float | None = None,
                rel_tol: float | None = None, mode: Any = None, cast_to_output_type: bool = False,
                no_debug_ref: bool = True) -> None:
    """Check the symbolic gradient of `fun` at the point `pt` against finite differences.

    `fun` takes tensor variables (one per entry of pt) and returns a tensor; its output is
    projected on a random direction to get a scalar. Raises GradientError on a mismatch.
    """
    # cycle: gradient -> compile.function -> tensor -> gradient
    from .compile.function import function
    # cycle: gradient -> compile.sharedvalue (compile's __init__) -> tensor -> gradient
    from .compile.sharedvalue import shared
    if rng is None:
        rng = np.random.RandomState(42)
    pt = [np.array(p, order="C") for p in pt]  # numeric_grad perturbs through reshape(-1) views
    for p in pt:
        if p.dtype.kind not in "fc":
            raise TypeError(f"verify_grad: points must be floating-point arrays, got {p.dtype}")
    dtype = str(np.result_type(*pt))
    if eps is None:
        eps = {"float64": 1e-7, "float32": 1e-2, "float16": 1e-1}.get(dtype, 1e-7)
    tol = {"float64": 1e-4, "float32": 1e-2, "float16": 5e-2}.get(dtype, 1e-4)
    abs_tol = tol if abs_tol is None else abs_tol
    rel_tol = tol if rel_tol is None else rel_tol
    inputs = [TensorType(p.dtype, [False] * p.ndim)(f"input{k}") for k, p in enumerate(pt)]
    out = as_tensor_variable(fun(*inputs))
    f_out = function(inputs, out, mode=mode, on_unused_input="ignore")
    out_val = np.asarray(f_out(*pt))

    def projection() -> np.ndarray:
        if out_val.ndim:
            return rng.rand(*out_val.shape).astype(out.type.dtype)
        return np.asarray(rng.rand() + 0.5, dtype=out.type.dtype)

    # The random direction is a shared value, as in Theano: the cost and its gradient compile
    # once, and each test sets a new direction (a constant would compile both per test).
    proj_var = shared(projection(), name="random_projection", borrow=True)
    cost = tsum(out * proj_var)
    f_cost = function(inputs, cost, mode=mode, on_unused_input="ignore")
    sym = function(inputs, grad(cost, inputs, disconnected_inputs="ignore"), mode=mode,
                   on_unused_input="ignore")
    for test in range(n_tests):
        if test:
            proj_var.set_value(projection(), borrow=True)
        # Finite differences in float64 where the op allows it, for accuracy.
        num = numeric_grad(lambda *a: f_cost(*[x.astype(p.dtype) for x, p in zip(a, pt)]),
                           [p.astype("float64") if p.dtype.kind == "f" else p.copy() for p in pt], eps)
        analytic = sym(*pt)
        for k, (a, n) in enumerate(zip(analytic, num)):
            a = np.asarray(a, dtype="float64")
            abs_err = np.abs(a - n)
            rel_err = abs_err / np.maximum(np.abs(a) + np.abs(n), 1e-8)
            bad = (abs_err > abs_tol) & (rel_err > rel_tol)
            if np.any(bad):
                pos = int(np.argmax(np.where(bad, rel_err, -1).reshape(-1))) if bad.size else 0
                raise GradientError(k, pos, a.shape, float(a.reshape(-1)[pos]), float(n.reshape(-1)[pos]),
                                    float(abs_err.reshape(-1)[pos]), float(rel_err.reshape(-1)[pos]),
                                    abs_tol, rel_tol)
