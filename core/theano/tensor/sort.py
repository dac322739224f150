"""Sorting along an axis: sort (differentiable), argsort, and the k largest or smallest
entries (topk, argtopk, topk_and_argtopk)."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..scalar import basic as scal
from .basic import NotScalarConstantError, as_tensor_variable, get_scalar_constant_value
from .type import TensorType
from ..graph.null_gradients import DisconnectedType
from ..graph.null_gradients import grad_undefined
from .advanced_subtensor import AdvancedIncSubtensor
from .advanced_subtensor import AdvancedSubtensor
from .basic import arange
from .basic import cast
from .basic import zeros_like
from .math import abs_

__all__ = ["SortOp", "ArgSortOp", "sort", "argsort", "TopKOp", "topk", "argtopk", "topk_and_argtopk"]

_KINDS = ("quicksort", "mergesort", "heapsort", "stable")


def _static_axis(x: Variable, axis: Any, fname: str) -> int:
    if isinstance(axis, Variable):
        try:
            axis = int(get_scalar_constant_value(axis))
        except NotScalarConstantError:
            raise TypeError(f"{fname}: the axis must be known when the graph is built, got {axis}") from None
    axis = int(axis)
    if not -x.type.ndim <= axis < x.type.ndim:
        raise ValueError(f"{fname}: axis {axis} is out of range for {x} of type {x.type}")
    return axis % x.type.ndim


def _check(kind: str, order: Any, fname: str) -> None:
    if kind not in _KINDS:
        raise ValueError(f"{fname}: kind must be one of {', '.join(_KINDS)}, got {kind!r}")
    if order is not None:
        raise ValueError(f"{fname}: order is only meaningful for structured arrays; it must be None")


class SortOp(Op):
    """x sorted along `axis` (numpy.sort)."""

    __props__ = ("kind", "axis")

    def __init__(self, kind: str, axis: int, order: Any = None):
        _check(kind, order, "sort")
        self.kind, self.axis, self.order = kind, int(axis), None

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.type.dtype in scal.complex_dtypes:
            raise TypeError(f"sort: complex tensors have no order, got {x.type}")
        if not 0 <= self.axis < x.type.ndim:
            raise ValueError(f"sort: axis {self.axis} out of range for {x.type}")
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node):
        kind, axis = self.kind, self.axis
        return lambda x: np.sort(x, axis=axis, kind=kind)

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(inputs[0])

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, gouts):
        (x,), (gz,) = inputs, gouts
        # out = x[perm] along the axis, so gx[perm] = gz: scatter gz back through the
        # permutation (the indices are distinct, so inc writes each place once).
        perm = ArgSortOp(self.kind, self.axis)(x)
        index = _along_axis_index(x, perm, self.axis)
        inc = AdvancedIncSubtensor(tuple("?" for _ in index))
        return [inc(zeros_like(x), gz, *index)]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        perm = ArgSortOp(self.kind, self.axis)(inputs[0])
        index = _along_axis_index(inputs[0], perm, self.axis)
        return [AdvancedSubtensor(tuple("?" for _ in index))(eval_points[0], *index)]


def _along_axis_index(x: Variable, idx: Variable, axis: int) -> list[Variable]:
    """The NumPy index that picks x[..., idx[...], ...] along `axis` (take_along_axis):
    a broadcastable arange for every other axis."""
    nd = x.type.ndim
    out = []
    for k in range(nd):
        if k == axis:
            out.append(idx)
        else:
            pattern = ["x"] * nd
            pattern[k] = 0
            out.append(arange(x.shape[k]).dimshuffle(pattern))
    return out


class ArgSortOp(Op):
    """The indices that sort x along `axis` (numpy.argsort), as int64."""

    __props__ = ("kind", "axis")

    def __init__(self, kind: str, axis: int, order: Any = None):
        _check(kind, order, "argsort")
        self.kind, self.axis, self.order = kind, int(axis), None

    def make_node(self, x):
        x = as_tensor_variable(x)
        if x.type.dtype in scal.complex_dtypes:
            raise TypeError(f"argsort: complex tensors have no order, got {x.type}")
        if not 0 <= self.axis < x.type.ndim:
            raise ValueError(f"argsort: axis {self.axis} out of range for {x.type}")
        return Apply(self, [x], [TensorType("int64", x.type.broadcastable)()])

    def make_py_fn(self, node):
        kind, axis = self.kind, self.axis
        return lambda x: np.argsort(x, axis=axis, kind=kind).astype("int64", copy=False)

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(inputs[0])

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def grad(self, inputs, gouts):
        # Piecewise constant in x: the gradient is zero where it exists.
        return [zeros_like(inputs[0], dtype="float64" if inputs[0].type.dtype in scal.discrete_dtypes
                           else None)]


def sort(a: Any, axis: Any = -1, kind: str = "quicksort", order: Any = None) -> Variable:
    """a sorted along axis (axis=None sorts the flattened array)."""
    a = as_tensor_variable(a)
    if axis is None:
        a, axis = a.flatten(), 0
    if a.type.ndim == 0:
        raise ValueError("sort: cannot sort a scalar; use axis=None or a tensor with dimensions")
    return SortOp(kind, _static_axis(a, axis, "sort"), order)(a)


def argsort(a: Any, axis: Any = -1, kind: str = "quicksort", order: Any = None) -> Variable:
    """The int64 indices that sort a along axis (axis=None: of the flattened array)."""
    a = as_tensor_variable(a)
    if axis is None:
        a, axis = a.flatten(), 0
    if a.type.ndim == 0:
        raise ValueError("argsort: cannot sort a scalar; use axis=None or a tensor with dimensions")
    return ArgSortOp(kind, _static_axis(a, axis, "argsort"), order)(a)


# -- top-k ---------------------------------------------------------------------------------------

class TopKOp(Op):
    """The |kth| largest (kth > 0) or smallest (kth < 0) entries of x along `axis`, and/or their
    int indices. `sorted`: largest first (smallest first for kth < 0); otherwise in no
    particular order (what a partial sort gives, and cheaper)."""

    __props__ = ("axis", "sorted", "idx_dtype", "return_values", "return_indices")

    def __init__(self, axis: int = -1, sorted: bool = True, idx_dtype: str = "int64",  # noqa: A002
                 return_values: bool = True, return_indices: bool = True):
        if idx_dtype not in scal.integer_dtypes:
            raise TypeError(f"topk: idx_dtype must be an integer dtype, got {idx_dtype!r}")
        if not (return_values or return_indices):
            raise ValueError("topk: at least one of return_values and return_indices must be true")
        self.axis, self.sorted, self.idx_dtype = int(axis), bool(sorted), idx_dtype
        self.return_values, self.return_indices = bool(return_values), bool(return_indices)

    def make_node(self, x, kth):
        x, kth = as_tensor_variable(x), as_tensor_variable(kth)
        if x.type.ndim == 0:
            raise ValueError("topk: x must have at least one dimension, got a scalar")
        if x.type.dtype in scal.complex_dtypes:
            raise TypeError(f"topk: complex tensors have no order, got {x.type}")
        if kth.type.ndim != 0 or kth.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"topk: kth must be an integer scalar, got {kth.type}")
        if not -x.type.ndim <= self.axis < x.type.ndim:
            raise ValueError(f"topk: axis {self.axis} is out of range for {x.type}")
        bcast = list(x.type.broadcastable)
        bcast[self.axis] = False
        outs = []
        if self.return_values:
            outs.append(TensorType(x.type.dtype, bcast)())
        if self.return_indices:
            outs.append(TensorType(self.idx_dtype, bcast)())
        return Apply(self, [x, kth], outs)

    def make_py_fn(self, node):
        axis, want_sorted, idx_dtype = self.axis, self.sorted, self.idx_dtype
        rv, ri = self.return_values, self.return_indices

        def fn(x, kth):
            k = int(kth)
            n = x.shape[axis]
            if k == 0 or abs(k) > n:
                raise ValueError(f"topk: kth={k} must be non-zero and at most the length {n} of "
                                 f"axis {axis} of x (shape {x.shape})")
            m = abs(k)
            # A partial sort puts the m wanted entries in the last (largest) or first places.
            part = np.argpartition(x, n - m if k > 0 else m - 1, axis=axis)
            idx = np.take(part, np.arange(n - m, n) if k > 0 else np.arange(m), axis=axis)
            vals = np.take_along_axis(x, idx, axis=axis)
            if want_sorted:
                order = np.argsort(-vals if k > 0 and vals.dtype.kind == "f" else vals, axis=axis,
                                   kind="stable")
                if k > 0 and vals.dtype.kind != "f":  # no negation for unsigned/bool: reverse
                    order = np.flip(order, axis=axis)
                idx = np.take_along_axis(idx, order, axis=axis)
                vals = np.take_along_axis(vals, order, axis=axis)
            out = []
            if rv:
                out.append(vals)
            if ri:
                out.append(idx.astype(idx_dtype))
            return out[0] if len(out) == 1 else tuple(out)

        return fn

    def perform(self, node, inputs, output_storage):
        res = self.make_py_fn(node)(*inputs)
        res = res if isinstance(res, tuple) else (res,)
        for store, r in zip(output_storage, res):
            store[0] = r

    def infer_shape(self, node, shapes):
        shape = list(shapes[0])
        shape[self.axis] = cast(abs_(node.inputs[1]), "int64")
        return [tuple(shape)] * len(node.outputs)

    def L_op(self, inputs, outputs, gouts):
        x, kth = inputs
        gk = grad_undefined(self, 1, kth, "kth is an integer")
        if not self.return_values or isinstance(gouts[0].type, DisconnectedType):
            return [zeros_like(x), gk]
        # values = x[idx] along the axis: scatter their gradient back to those places.
        idx = TopKOp(self.axis, self.sorted, self.idx_dtype, False, True)(x, kth)
        index = _along_axis_index(x, idx, self.axis % x.type.ndim)
        inc = AdvancedIncSubtensor(tuple("?" for _ in index))
        return [inc(zeros_like(x), gouts[0], *index), gk]

    def connection_pattern(self, node):
        return [[self.return_values] + [False] * self.return_indices, [False] * len(node.outputs)]


def topk(x: Any, kth: Any, axis: int = -1, sorted: bool = True, idx_dtype: str = "int64") -> Variable:  # noqa: A002
    """The kth largest entries of x along axis (kth < 0: the |kth| smallest)."""
    return TopKOp(axis, sorted, idx_dtype, True, False)(x, kth)


def argtopk(x: Any, kth: Any, axis: int = -1, sorted: bool = True, idx_dtype: str = "int64") -> Variable:  # noqa: A002
    """The indices of topk(x, kth, axis) along axis."""
    return TopKOp(axis, sorted, idx_dtype, False, True)(x, kth)


def topk_and_argtopk(x: Any, kth: Any, axis: int = -1, sorted: bool = True,  # noqa: A002
                     idx_dtype: str = "int64") -> tuple[Variable, Variable]:
    """topk and argtopk computed together."""
    return tuple(TopKOp(axis, sorted, idx_dtype, True, True)(x, kth))
