"""Specialize: cheaper ops for common special cases (x**2 -> sqr, x**0.5 -> sqrt, ...)
and products a backend can hand to BLAS (sum(x*y) -> dot, z + a*dot(x, y) -> gemm)."""
from __future__ import annotations

import numpy as np

from ...rewrite.basic import node_rewriter
from ...scalar import basic as scal
from ..basic import cast
from ..elemwise import Elemwise
from ..math import Sum, _dot, inv, mul, sqr, sqrt
from .matching import all_broadcastable, elemwise_of, fit_type, scalar_constant
from .registry import register

#: Integer powers up to this one become products (x**3 -> x*x*x); beyond, pow stays.
MAX_POWER_AS_PRODUCT = 4


@register("specialize")
@node_rewriter([Elemwise], name="local_pow_specialize")
def local_pow_specialize(fgraph, node):
    """x**1 -> x, x**2 -> sqr(x), x**0.5 -> sqrt(x), x**-1 -> 1/x, x**3 and x**4 -> products."""
    if elemwise_of(node.outputs[0], scal.Pow) is None:
        return None
    x, p = node.inputs
    if not all_broadcastable(p):
        return None
    v = scalar_constant(p)
    if v is None or np.iscomplexobj(v) or not np.isfinite(v):
        return None
    out = node.outputs[0]
    odt = out.type.dtype
    if odt in scal.complex_dtypes or odt == "bool":
        return None
    is_float = odt in scal.float_dtypes
    xc = cast(x, odt) if x.type.dtype != odt else x
    v = float(v)
    if v == 1:
        new = xc
    elif v == 2:
        new = sqr(xc)
    elif v == 0.5 and is_float:
        new = sqrt(xc)
    elif v == -1 and is_float:
        new = inv(xc)
    elif v == -2 and is_float:
        new = inv(sqr(xc))
    elif v in (3, 4):
        new = mul(*([xc] * int(v)))
    else:
        return None
    return [fit_type(new, out)]


@register("specialize", "blas")
@node_rewriter([Sum], name="local_sum_mul_to_dot")
def local_sum_mul_to_dot(fgraph, node):
    """sum(x * y) over two vectors -> dot(x, y), when the sum accumulates in the vectors'
    own dtype (so BLAS's accumulation gives the same precision)."""
    op = node.op
    m = elemwise_of(node.inputs[0], scal.Mul)
    if m is None or len(m.inputs) != 2 or node.inputs[0].type.ndim != 1:
        return None
    x, y = m.inputs
    dt = node.inputs[0].type.dtype
    if dt not in ("float32", "float64") or op.dtype != dt or op.acc_dtype != dt:
        return None
    if x.type.dtype != dt or y.type.dtype != dt or x.type.broadcastable[0] or y.type.broadcastable[0]:
        return None
    if len(fgraph.clients.get(node.inputs[0], ())) != 1:
        return None
    return [fit_type(_dot(x, y), node.outputs[0])]
