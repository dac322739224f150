"""Sorting along an axis: sort (differentiable) and argsort."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..scalar import basic as scal
from .basic import NotScalarConstantError, as_tensor_variable, get_scalar_constant_value
from .type import TensorType

__all__ = ["SortOp", "ArgSortOp", "sort", "argsort"]

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
        from .advanced_subtensor import AdvancedIncSubtensor
        from .basic import zeros_like

        (x,), (gz,) = inputs, gouts
        # out = x[perm] along the axis, so gx[perm] = gz: scatter gz back through the
        # permutation (the indices are distinct, so inc writes each place once).
        perm = ArgSortOp(self.kind, self.axis)(x)
        index = _along_axis_index(x, perm, self.axis)
        inc = AdvancedIncSubtensor(tuple("?" for _ in index))
        return [inc(zeros_like(x), gz, *index)]

    def R_op(self, inputs, eval_points):
        from .advanced_subtensor import AdvancedSubtensor

        if eval_points[0] is None:
            return [None]
        perm = ArgSortOp(self.kind, self.axis)(inputs[0])
        index = _along_axis_index(inputs[0], perm, self.axis)
        return [AdvancedSubtensor(tuple("?" for _ in index))(eval_points[0], *index)]


def _along_axis_index(x: Variable, idx: Variable, axis: int) -> list[Variable]:
    """The NumPy index that picks x[..., idx[...], ...] along `axis` (take_along_axis):
    a broadcastable arange for every other axis."""
    from .basic import arange

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
        from .basic import zeros_like

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
