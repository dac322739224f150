"""Softmax, its gradient, log-softmax and softmax with a bias, each its own Op.

They stay whole ops (not graphs of exp and sum) because rewrites and the C/CUDA
backends match on them: log(softmax(x)) becomes LogSoftmax, softmax followed by a
cross-entropy becomes one fused op, and GPU backends have dedicated kernels.
Every NumPy meaning subtracts the row maximum first, so logits of +-1000 are fine.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ...graph.basic import Apply, Variable
from ...graph.op import Op
from ...scalar import basic as scal
from ..basic import as_tensor_variable
from ..math import exp
from ..math import sum as tsum
from ..type import TensorType

__all__ = ["Softmax", "SoftmaxOp", "SoftmaxGrad", "LogSoftmax", "SoftmaxWithBias", "softmax_op",
           "softmax_grad", "logsoftmax_op", "softmax_with_bias", "softmax", "logsoftmax",
           "log_softmax", "softmax_graph", "stable_softmax_np", "stable_logsoftmax_np"]


def float_input(opname: str, x: Any, ndims: Sequence[int] | None = None, what: str = "x") -> Variable:
    """`x` as a tensor of floats with one of `ndims` dimensions, else a TypeError naming both."""
    x = as_tensor_variable(x)
    if x.type.dtype not in scal.float_dtypes:
        raise TypeError(f"{opname}: {what} must be a tensor of floats, got {x.type}; cast it first, "
                        f"e.g. theano.tensor.cast({what}, 'floatX')")
    if ndims is not None and x.type.ndim not in ndims:
        want = " or ".join(f"{n}-d" for n in ndims)
        raise TypeError(f"{opname}: {what} must be {want}, got a {x.type.ndim}-d tensor ({x.type})")
    return x


def _axis(opname: str, axis: int, ndim: int) -> int:
    if ndim == 0:
        raise TypeError(f"{opname}: needs at least a vector, got a 0-d tensor")
    if not -ndim <= axis < ndim:
        raise ValueError(f"{opname}: axis {axis} is out of range for a {ndim}-d tensor")
    return axis % ndim


def _work_dtype(dtype: np.dtype) -> np.dtype:
    # float16 loses too much in exp and sums: compute in float32, store back as float16.
    return np.dtype("float32") if dtype == np.float16 else dtype


def stable_softmax_np(x: np.ndarray, axis: int = -1, xm: Any = np) -> np.ndarray:
    """exp(x) / sum(exp(x)) along `axis`, shifted by the maximum so nothing overflows; `xm` is
    the array module (NumPy, or CuPy for a device's arrays)."""
    x = xm.asarray(x)
    x = x.astype(_work_dtype(x.dtype), copy=False)
    if x.shape[axis] == 0:
        return x.copy()
    e = xm.exp(x - xm.max(x, axis=axis, keepdims=True))
    return e / xm.sum(e, axis=axis, keepdims=True)


def stable_logsoftmax_np(x: np.ndarray, axis: int = -1, xm: Any = np) -> np.ndarray:
    """x - log(sum(exp(x))) along `axis`, shifted by the maximum so nothing overflows; `xm` is
    the array module."""
    x = xm.asarray(x)
    x = x.astype(_work_dtype(x.dtype), copy=False)
    if x.shape[axis] == 0:
        return x.copy()
    z = x - xm.max(x, axis=axis, keepdims=True)
    return z - xm.log(xm.sum(xm.exp(z), axis=axis, keepdims=True))


def _as_dtype(r: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return r if r.dtype == dtype else r.astype(dtype)


class _AxisOp(Op):
    """An op along one axis, stored non-negative so equal graphs merge. Its meaning is written
    once for any array module (`make_xp_fn`), so a device backend runs it on its arrays."""

    __props__ = ("axis",)

    def __init__(self, axis: int = -1):
        self.axis = int(axis)

    def _normalized(self, ndim: int) -> "_AxisOp | None":
        """The same op with a non-negative axis, or None when this one already is."""
        ax = _axis(type(self).__name__, self.axis, ndim)
        return None if ax == self.axis else type(self)(ax)

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        return self.make_xp_fn(node, np)

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        output_storage[0][0] = self.make_py_fn(node)(*[np.asarray(i) for i in inputs])


class Softmax(_AxisOp):
    """exp(x) / sum(exp(x)) along `axis` (the last one by default), computed stably."""

    def make_node(self, x: Any) -> Apply:
        x = float_input("Softmax", x)
        other = self._normalized(x.type.ndim)
        if other is not None:
            return other.make_node(x)
        return Apply(self, [x], [x.type()])

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        axis, odt = self.axis, np.dtype(node.outputs[0].type.dtype)
        return lambda x: _as_dtype(stable_softmax_np(x, axis, xm), odt)

    def infer_shape(self, node: Apply, shapes: Sequence[Sequence[Any]]) -> list:
        return [tuple(shapes[0])]

    def L_op(self, inputs, outputs, output_grads):
        return [SoftmaxGrad(self.axis)(output_grads[0], outputs[0])]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        # The Jacobian of softmax is symmetric, so J v has the form of the gradient.
        return [SoftmaxGrad(self.axis)(eval_points[0], self(inputs[0]))]


SoftmaxOp = Softmax


class SoftmaxGrad(_AxisOp):
    """The gradient of softmax: (dy - sum(dy * sm, axis)) * sm, from dy and the softmax sm."""

    def make_node(self, dy: Any, sm: Any) -> Apply:
        dy = float_input("SoftmaxGrad", dy, what="dy")
        sm = float_input("SoftmaxGrad", sm, (dy.type.ndim,), what="sm")
        other = self._normalized(sm.type.ndim)
        if other is not None:
            return other.make_node(dy, sm)
        bcast = tuple(a and b for a, b in zip(dy.type.broadcastable, sm.type.broadcastable))
        return Apply(self, [dy, sm], [TensorType(scal.upcast(dy.type.dtype, sm.type.dtype), bcast)()])

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        axis, odt = self.axis, np.dtype(node.outputs[0].type.dtype)

        def fn(dy: np.ndarray, sm: np.ndarray) -> np.ndarray:
            if dy.shape != sm.shape:
                raise ValueError(f"SoftmaxGrad: dy of shape {dy.shape} and the softmax of shape "
                                 f"{sm.shape} must have the same shape")
            w = _work_dtype(odt)
            dy, sm = dy.astype(w, copy=False), sm.astype(w, copy=False)
            return _as_dtype((dy - xm.sum(dy * sm, axis=axis, keepdims=True)) * sm, odt)

        return fn

    def infer_shape(self, node, shapes):
        return [tuple(shapes[1])]

    def L_op(self, inputs, outputs, output_grads):
        (dy, sm), (g,) = inputs, output_grads
        tmp = g - tsum(g * sm, axis=self.axis, keepdims=True)
        g_dy = tmp * sm
        g_sm = tmp * dy - g * tsum(dy * sm, axis=self.axis, keepdims=True)
        return [g_dy, g_sm]


class LogSoftmax(_AxisOp):
    """x - log(sum(exp(x))) along `axis` (the last one by default), computed stably."""

    def make_node(self, x: Any) -> Apply:
        x = float_input("LogSoftmax", x)
        other = self._normalized(x.type.ndim)
        if other is not None:
            return other.make_node(x)
        return Apply(self, [x], [x.type()])

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        axis, odt = self.axis, np.dtype(node.outputs[0].type.dtype)
        return lambda x: _as_dtype(stable_logsoftmax_np(x, axis, xm), odt)

    def infer_shape(self, node, shapes):
        return [tuple(shapes[0])]

    def L_op(self, inputs, outputs, output_grads):
        (out,), (g,) = outputs, output_grads
        return [g - tsum(g, axis=self.axis, keepdims=True) * exp(out)]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        ev = eval_points[0]
        sm = exp(self(inputs[0]))
        return [ev - tsum(sm * ev, axis=self.axis, keepdims=True)]


class SoftmaxWithBias(Op):
    """softmax(x + b) for a matrix x and a bias vector b added to every row."""

    def make_node(self, x: Any, b: Any) -> Apply:
        x = float_input("SoftmaxWithBias", x, (2,))
        b = float_input("SoftmaxWithBias", b, (1,), what="b")
        out = TensorType(scal.upcast(x.type.dtype, b.type.dtype), x.type.broadcastable)
        return Apply(self, [x, b], [out()])

    def make_xp_fn(self, node: Apply, xm: Any) -> Callable[..., Any]:
        odt = np.dtype(node.outputs[0].type.dtype)

        def fn(x: np.ndarray, b: np.ndarray) -> np.ndarray:
            if b.shape[0] != x.shape[1]:
                raise ValueError(f"SoftmaxWithBias: the bias has {b.shape[0]} entries but x has "
                                 f"{x.shape[1]} columns (x shape {x.shape}, b shape {b.shape})")
            return _as_dtype(stable_softmax_np(x.astype(odt, copy=False) + b, 1, xm), odt)

        return fn

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        return self.make_xp_fn(node, np)

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(*[np.asarray(i) for i in inputs])

    def infer_shape(self, node, shapes):
        return [tuple(shapes[0])]

    def L_op(self, inputs, outputs, output_grads):
        dx = SoftmaxGrad(1)(output_grads[0], outputs[0])
        return [dx, tsum(dx, axis=0)]


softmax_op = Softmax()
softmax_grad = SoftmaxGrad()
logsoftmax_op = LogSoftmax()
softmax_with_bias = SoftmaxWithBias()


def softmax(c: Any, axis: int = -1) -> Variable:
    """Softmax along `axis` (rows of a matrix by default), as one stable Softmax op."""
    return Softmax(axis)(c)


def logsoftmax(c: Any, axis: int = -1) -> Variable:
    """log(softmax(c)) along `axis`, as one stable LogSoftmax op."""
    return LogSoftmax(axis)(c)


log_softmax = logsoftmax


def softmax_graph(c: Any) -> Variable:
    """Softmax over the last axis written with exp and sum (no dedicated op, not stabilized)."""
    c = as_tensor_variable(c)
    e = exp(c)
    return e / tsum(e, axis=-1, keepdims=True)
