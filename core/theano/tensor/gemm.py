"""Gemm and Gemv: z*beta + alpha*dot(x, y), ops with a NumPy meaning that a backend can map
to BLAS (the specialize rule that finds them is tensor.rewriting.blas)."""
from __future__ import annotations

import numpy as np

from ..graph.basic import Apply
from ..graph.op import Op
from .basic import as_tensor_variable

__all__ = ["GemmBase", "Gemm", "Gemv", "gemm_no_inplace", "gemv_no_inplace", "gemm_inplace", "gemv_inplace"]


class GemmBase(Op):
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


class Gemm(GemmBase):
    """Matrix form: z (m, n), x (m, k), y (k, n)."""


class Gemv(GemmBase):
    """Vector form: z (m,), x (m, k), y (k,)."""

    y_ndim = 1


gemm_no_inplace, gemm_inplace = Gemm(False), Gemm(True)
gemv_no_inplace, gemv_inplace = Gemv(False), Gemv(True)
