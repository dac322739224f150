"""Gemm and Gemv: z*beta + alpha*dot(x, y), ops with a NumPy meaning that a backend can map
to BLAS, and the specialize rule that finds them in sums of products."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph.basic import Apply, Variable
from ...graph.op import Op
from ...rewrite.basic import node_rewriter
from ...scalar import basic as scal
from ..basic import as_tensor_variable, cast
from ..elemwise import DimShuffle, Elemwise
from ..math import Dot, neg
from .matching import all_broadcastable, elemwise_of
from .registry import register

__all__ = ["Gemm", "Gemv", "gemm_no_inplace", "gemv_no_inplace", "gemm_inplace", "gemv_inplace"]


class _GemmBase(Op):
    """out = z*beta + alpha*dot(x, y); with `inplace`, out is written into z's buffer.

    The NumPy meaning evaluates exactly that expression in that order, so it equals the
    elementwise graph it replaces, NaN and infinities included (BLAS itself skips z when
    beta == 0, which is why a backend may use BLAS only where that cannot show)."""

    __props__ = ("inplace",)
    infer_shape_trusted = True
    x_ndim = 2
    y_ndim = 2

    def __init__(self, inplace: bool = False):
        self.inplace = bool(inplace)
        self.destroy_map = {0: [0]} if self.inplace else {}

    def __str__(self) -> str:
        return f"{type(self).__name__}{{{'inplace' if self.inplace else 'no_inplace'}}}"

    def make_node(self, z, alpha, x, y, beta):
        z, alpha, x, y, beta = (as_tensor_variable(v) for v in (z, alpha, x, y, beta))
        dt = z.type.dtype
        if dt not in ("float16", "float32", "float64", "complex64", "complex128"):
            raise TypeError(f"{self}: z must be a float tensor, got {z.type}")
        for name, v, nd in (("x", x, self.x_ndim), ("y", y, self.y_ndim), ("alpha", alpha, 0),
                            ("beta", beta, 0)):
            if v.type.ndim != nd or v.type.dtype != dt:
                raise TypeError(f"{self}: {name} must be a {nd}-d {dt} tensor, got {v.type}")
        out_b = x.type.broadcastable[:-1] + (y.type.broadcastable[1:] if self.y_ndim == 2 else ())
        if z.type.ndim != len(out_b) or any(zb and not ob for zb, ob in zip(z.type.broadcastable, out_b)):
            raise TypeError(f"{self}: z of type {z.type} cannot hold dot(x, y)")
        return Apply(self, [z, alpha, x, y, beta], [z.type()])

    def make_py_fn(self, node):
        inplace = self.inplace
        name = str(self)

        def fn(z, alpha, x, y, beta):
            if x.shape[-1] != y.shape[0]:
                raise ValueError(f"{name}: shapes {x.shape} and {y.shape} are not aligned")
            d = np.dot(x, y)
            if inplace:
                np.multiply(z, beta, out=z)
                np.add(z, np.multiply(alpha, d), out=z)
                return z
            return np.asarray(z * beta + alpha * d, dtype=z.dtype)

        return fn

    def infer_shape(self, node, shapes):
        return [shapes[0]]


class Gemm(_GemmBase):
    """Matrix form: z (m, n), x (m, k), y (k, n)."""


class Gemv(_GemmBase):
    """Vector form: z (m,), x (m, k), y (k,)."""

    y_ndim = 1


gemm_no_inplace, gemm_inplace = Gemm(False), Gemm(True)
gemv_no_inplace, gemv_inplace = Gemv(False), Gemv(True)


def _as_scalar(a: Variable, dtype: str) -> Variable | None:
    """An all-broadcastable factor as a 0-d tensor of `dtype`, when NumPy would have converted
    it to that dtype anyway in the product it came from."""
    if not all_broadcastable(a) or scal.upcast(a.type.dtype, dtype) != dtype:
        return None
    if a.type.ndim:
        a = DimShuffle(a.type.broadcastable, [])(a)
    return cast(a, dtype) if a.type.dtype != dtype else a


def _scaled_dot(v: Variable) -> tuple[Variable | None, Any] | None:
    """(alpha or None, dot node) when v is dot(x, y) or alpha * dot(x, y)."""
    if v.owner is not None and type(v.owner.op) is Dot:
        return None, v.owner
    m = elemwise_of(v, scal.Mul)
    if m is None or len(m.inputs) != 2:
        return None
    for a, d in (m.inputs, m.inputs[::-1]):
        if d.owner is not None and type(d.owner.op) is Dot and d.type.dtype == v.type.dtype:
            alpha = _as_scalar(a, v.type.dtype)
            if alpha is not None:
                return alpha, d.owner
    return None


def _scaled(v: Variable) -> tuple[Variable | None, Variable]:
    """(beta or None, z) when v is beta * z, else (None, v)."""
    m = elemwise_of(v, scal.Mul)
    if m is not None and len(m.inputs) == 2:
        for b, z in (m.inputs, m.inputs[::-1]):
            if all_broadcastable(b) and not all_broadcastable(z) and z.type.dtype == v.type.dtype:
                beta = _as_scalar(b, v.type.dtype)
                if beta is not None:
                    return beta, z
    return None, v


@register("specialize", "blas")
@node_rewriter([Elemwise], name="local_gemm")
def local_gemm(fgraph, node):
    """z*b + a*dot(x, y) (or z - a*dot(x, y)) -> Gemm/Gemv, for float matrices and vectors
    where z has the product's shape."""
    sop = elemwise_of(node.outputs[0], scal.Add, scal.Sub)
    if sop is None or len(node.inputs) != 2:
        return None
    out = node.outputs[0]
    dt = out.type.dtype
    if dt not in ("float32", "float64"):
        return None
    is_sub = isinstance(node.op.scalar_op, scal.Sub)
    orders = [(0, 1)] if is_sub else [(0, 1), (1, 0)]
    for zi, di in orders:
        found = _scaled_dot(node.inputs[di])
        if found is None:
            continue
        alpha, dnode = found
        x, y = dnode.inputs
        if x.type.ndim != 2 or x.type.dtype != dt or y.type.dtype != dt:
            continue
        beta, z = _scaled(node.inputs[zi])
        if z.type != out.type or z.type != dnode.outputs[0].type:
            continue
        one = as_tensor_variable(np.asarray(1, dtype=dt))
        alpha = one if alpha is None else alpha
        beta = one if beta is None else beta
        if is_sub:
            alpha = neg(alpha)
        op = gemm_no_inplace if y.type.ndim == 2 else gemv_no_inplace
        return [op(z, alpha, x, y, beta)]
    return None
