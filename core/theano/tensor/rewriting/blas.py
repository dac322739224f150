"""The specialize rule that finds Gemm and Gemv (tensor.gemm) in sums of products."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph.basic import Variable
from ...rewrite.basic import node_rewriter
from ...scalar import basic as scal
from ..basic import as_tensor_variable, cast
from ..elemwise import DimShuffle, Elemwise
from ..gemm import Gemm, Gemv, gemm_no_inplace, gemv_no_inplace
from ..math import Dot, neg
from .matching import all_broadcastable, elemwise_of
from .registry import register

__all__ = ["local_gemm", "Gemm", "Gemv"]  # Gemm, Gemv: re-exported for the code that found them here


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
