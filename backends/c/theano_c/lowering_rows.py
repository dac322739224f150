"""Max-and-argmax (argmax, argmin through it), all/any and cumulative sums and products on
the C backend: the row loops of rowops.c over the array with the reduced (scanned) axes moved
last. float16 and complex inputs, which those loops do not serve, keep the NumPy meaning (a
visible fallback)."""
from __future__ import annotations

import ctypes
import functools
import os
from typing import Any, Callable, Sequence

import numpy as np

from theano.graph.basic import Apply
from theano.tensor.extra_ops import CumOp
from theano.tensor.math import All, Any as AnyOp, MaxAndArgmax

from .lowering import Plan, lower
from .toolchain import load_shared_library

__all__ = ["ROWS_RUNNER"]

ROWS_RUNNER = "c (row loops)"
_TYPES = ("float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
          "bool")
_CUM_TYPES = ("float32", "float64", "int64", "uint64")
_p, _i64, _int = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int


@functools.lru_cache(maxsize=None)
def _library() -> ctypes.CDLL:
    """rowops.c compiled once (cached on disk), with its argument types declared."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "rowops.c")) as f:
        source = f.read()
    names = ([f"max_argmax_{t}" for t in _TYPES] + [f"all_any_{t}" for t in _TYPES]
             + [f"cumulate_{t}" for t in _CUM_TYPES])
    lib = load_shared_library(source, "row loops (max_argmax, all/any, cumulate)", tuple(names))
    for t in _TYPES:
        fn = getattr(lib, f"max_argmax_{t}")
        fn.argtypes, fn.restype = [_p, _i64, _i64, _p, _p], None
        fn = getattr(lib, f"all_any_{t}")
        fn.argtypes, fn.restype = [_p, _i64, _i64, _int, _p], None
    for t in _CUM_TYPES:
        fn = getattr(lib, f"cumulate_{t}")
        fn.argtypes, fn.restype = [_p, _i64, _i64, _int], None
    return lib


def _rows(x: np.ndarray, axes: Sequence[int]) -> tuple[np.ndarray, tuple, int]:
    """x with `axes` moved last, C-contiguous; the kept shape; the reduced length."""
    nd = x.ndim
    keep = tuple(d for d in range(nd) if d not in axes)
    order = keep + tuple(axes)
    xc = np.ascontiguousarray(x.transpose(order) if order != tuple(range(nd)) else x)
    return xc, tuple(x.shape[d] for d in keep), int(np.prod([x.shape[d] for d in axes], dtype=np.int64))


def _axes(op: Any, node: Apply) -> tuple[int, ...]:
    nd = node.inputs[0].type.ndim
    return tuple(range(nd)) if op.axis is None else tuple(sorted(op.axis))


@lower.register(MaxAndArgmax)
def _lower_max_and_argmax(op: MaxAndArgmax, node: Apply, backend: Any) -> Plan | None:
    dt = node.inputs[0].type.dtype
    if dt not in _TYPES:
        return None
    fn = getattr(_library(), f"max_argmax_{dt}")
    reference = op.make_py_fn(node)
    axes = _axes(op, node)

    def run(x: Any) -> tuple[np.ndarray, np.ndarray]:
        xc, keep, n = _rows(np.asarray(x), axes)
        if n == 0:
            return reference(x)  # the reference's error, or its empty results
        mx = np.empty(keep, dtype=xc.dtype)
        arg = np.empty(keep, dtype=np.int64)
        rows = mx.size
        if rows:
            fn(xc.ctypes.data, rows, n, mx.ctypes.data, arg.ctypes.data)
        return mx, arg

    return Plan(ROWS_RUNNER, fn=run)


def _all_any_plan(op: Any, node: Apply, any_: int) -> Plan | None:
    dt = node.inputs[0].type.dtype
    if dt not in _TYPES:
        return None
    fn = getattr(_library(), f"all_any_{dt}")
    axes = _axes(op, node)

    def run(x: Any) -> np.ndarray:
        xc, keep, n = _rows(np.asarray(x), axes)
        out = np.empty(keep, dtype=np.bool_)
        if out.size:
            fn(xc.ctypes.data, out.size, n, any_, out.ctypes.data)
        return out

    return Plan(ROWS_RUNNER, fn=run)


@lower.register(All)
def _lower_all(op: All, node: Apply, backend: Any) -> Plan | None:
    return _all_any_plan(op, node, 0)


@lower.register(AnyOp)
def _lower_any(op: AnyOp, node: Apply, backend: Any) -> Plan | None:
    return _all_any_plan(op, node, 1)


@lower.register(CumOp)
def _lower_cumop(op: CumOp, node: Apply, backend: Any) -> Plan | None:
    odt = node.outputs[0].type.dtype
    if odt not in _CUM_TYPES or node.inputs[0].type.dtype.startswith("complex"):
        return None
    fn: Callable[..., None] = getattr(_library(), f"cumulate_{odt}")
    axis, mul = op.axis, int(op.mode == "mul")

    def run(x: Any) -> np.ndarray:
        x = np.asarray(x)
        out = np.array(np.moveaxis(x, axis, -1), dtype=odt, order="C")
        if out.size:
            fn(out.ctypes.data, out.size // out.shape[-1], out.shape[-1], mul)
        return np.moveaxis(out, -1, axis)

    return Plan(ROWS_RUNNER, fn=run)
