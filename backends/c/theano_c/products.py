"""Dot, Gemm and Gemv on the C backend: float32/float64 products call BLAS through function
pointers (blas_products.c): NumPy's own OpenBLAS when it can be found, else the routines SciPy
exports (config c__blas); other dtypes keep NumPy's dot, labelled as such."""
from __future__ import annotations

from typing import Any

import numpy as np

from theano.graph.basic import Apply
from theano.tensor.math import Dot
from theano.tensor.gemm import Gemm, Gemv
from theano.tensor.fused import FusedReduction

from .blas import BlasUnavailable, blas_routines
from .lowering import Plan, lower

_PREFIX = {"float32": "s", "float64": "d"}


def _routine(x_ndim: int, y_ndim: int) -> str:
    return "gemm" if x_ndim == 2 and y_ndim == 2 else ("dot" if x_ndim == y_ndim == 1 else "gemv")


def _blas_plan(node: Apply, backend: Any, gemm_form: bool, inplace: bool) -> Plan:
    x, y = node.inputs[2:4] if gemm_form else node.inputs
    dtypes = {v.type.dtype for v in node.inputs} | {node.outputs[0].type.dtype}
    fallback = node.op.make_py_fn(node)
    dtype = dtypes.pop() if len(dtypes) == 1 else None
    if dtype not in _PREFIX:
        what = ", ".join(sorted({v.type.dtype for v in node.inputs}))
        return Plan(f"c (NumPy dot: no BLAS for {what})", fn=fallback)
    p = _PREFIX[dtype]
    from theano.config import config

    try:
        routines, ilp64, _ = blas_routines(p, config.c__blas)
    except BlasUnavailable as e:
        return Plan(f"c (NumPy dot: {e})", fn=fallback)
    product = backend.products.Product(routines, np.dtype(dtype).num, x.type.ndim, y.type.ndim,
                                       gemm_form, inplace, fallback, ilp64)
    return Plan(f"c (BLAS {p}{_routine(x.type.ndim, y.type.ndim)})", fn=product)


@lower.register(Dot)
def _lower_dot(op: Dot, node: Apply, backend: Any) -> Plan:
    return _blas_plan(node, backend, False, False)


@lower.register(Gemm)
@lower.register(Gemv)
def _lower_gemm(op: Any, node: Apply, backend: Any) -> Plan:
    return _blas_plan(node, backend, True, op.inplace)


_kernel_reduction = lower.lowering_for(FusedReduction)


@lower.register(FusedReduction)
def _lower_sum_of_squares(op: FusedReduction, node: Apply, backend: Any) -> Plan | None:
    """sum(x ** 2) of a float64 vector is ddot(x, x), as the core already turns sum(x * y)
    into Dot: it then runs on BLAS's threads (NumPy's own with c__blas=auto), which never
    compete with NumPy's for the cores."""
    comp, x = op.scalar_op, node.inputs[0]
    root = comp.outputs[0].owner
    if not (len(node.inputs) == 1 and x.type.ndim == 1 and op.reduce_op.name == "add"
            and x.type.dtype == op.acc_dtype == op.dtype == "float64" and root is not None
            and getattr(root.op, "name", None) == "sqr" and root.inputs[0] is comp.inputs[0]):
        return _kernel_reduction(op, node, backend)
    from theano.config import config

    try:
        routines, ilp64, _ = blas_routines("d", config.c__blas)
    except BlasUnavailable:
        return _kernel_reduction(op, node, backend)
    meaning = op.make_py_fn(node)
    product = backend.products.Product(routines, np.dtype("float64").num, 1, 1, False, False,
                                       lambda a, b: meaning(a), ilp64)
    return Plan("c (BLAS ddot)", fn=lambda v: product(v, v))
