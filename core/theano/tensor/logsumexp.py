"""LogSumExp: log(sum(exp(x), axis)) as one op that stays finite where the naive form
overflows. The stabilize rewrite (tensor.rewriting.stabilize) makes it from the naive form;
`logsumexp` builds it directly."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from .basic import as_tensor_variable, cast, patternbroadcast
from .elemwise import expand_reduced
from .math import _norm_axis, exp
from .math import sum as tsum
from .type import TensorType

__all__ = ["LogSumExp", "logsumexp"]


class LogSumExp(Op):
    """log(sum(exp(x), axis)) computed as m + log(sum(exp(x - m))) with m the maximum along
    the axes (0 where that maximum is infinite, so -inf and +inf come out as the naive form
    gives them). Made by the stabilize rewrite; its perform is its meaning."""

    __props__ = ("axis", "dtype", "acc_dtype")
    infer_shape_trusted = True

    def __init__(self, axis: Sequence[int] | None, dtype: str, acc_dtype: str):
        self.axis = None if axis is None else tuple(int(a) for a in axis)
        self.dtype = dtype
        self.acc_dtype = acc_dtype

    def reduced_axes(self, ndim: int) -> tuple[int, ...]:
        """The axes reduced for an ndim-dimensional input (all of them when `axis` is None)."""
        return tuple(range(ndim)) if self.axis is None else self.axis

    def make_node(self, x):
        x = as_tensor_variable(x)
        axes = self.reduced_axes(x.type.ndim)
        bcast = tuple(b for k, b in enumerate(x.type.broadcastable) if k not in axes)
        return Apply(self, [x], [TensorType(self.dtype, bcast)()])

    def make_py_fn(self, node):
        axes = self.reduced_axes(node.inputs[0].type.ndim)
        acc, odt = np.dtype(self.acc_dtype), np.dtype(self.dtype)

        def fn(x):
            with np.errstate(all="ignore"):
                m = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
                m = np.where(np.isfinite(m), m, 0).astype(x.dtype)
                s = np.sum(np.exp(x - m), axis=axes, dtype=acc)
                r = np.log(s) + m.reshape(s.shape).astype(acc)
            return np.asarray(r, dtype=odt)

        return fn

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(np.asarray(inputs[0]))

    def infer_shape(self, node, shapes):
        axes = self.reduced_axes(node.inputs[0].type.ndim)
        return [tuple(s for k, s in enumerate(shapes[0]) if k not in axes)]

    def L_op(self, inputs, outputs, gouts):
        (x,), (lse,), (gz,) = inputs, outputs, gouts
        axes = self.reduced_axes(x.type.ndim)
        lse_b = expand_reduced(lse, x.type.ndim, axes)
        gz_b = expand_reduced(gz, x.type.ndim, axes)
        g = gz_b * exp(x - lse_b)
        g = cast(g, x.type.dtype) if g.type.dtype != x.type.dtype else g
        return [patternbroadcast(g, x.type.broadcastable)]


def logsumexp(x: Any, axis: Any = None) -> Variable:
    """log(sum(exp(x), axis)), computed stably."""
    x = as_tensor_variable(x)
    s = tsum(exp(x), axis=axis)
    ax = _norm_axis(x, axis)
    return LogSumExp(None if ax is None else tuple(sorted(ax)), s.type.dtype,
                     s.owner.op.acc_dtype)(x)
