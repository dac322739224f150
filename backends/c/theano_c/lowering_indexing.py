"""Indexing and ranges on the C backend: integer-array gathers and scatters (indexing.c),
slice updates, arange and log-sum-exp rows.

Integer-array indexing compiles when the arrays index adjacent axes of x after full slices
only (the classic ``x[arange(n), y]``, ``x[ilist]``, ``x[:, ilist]``, with constant integers
among the arrays and full slices after them; the indexed axes are moved first): the arrays are broadcast, turned into row offsets in C (negative indices wrap; an
index out of range makes the op's NumPy meaning raise its own IndexError), and rows are
copied out, written or added in index order, so repeated indices accumulate as np.add.at
does. A boolean mask stands for its nonzero() arrays (lowering_index_utilities). Other index
layouts (slices or newaxis before an array), complex or boolean additions and uint64 indices
keep the NumPy meaning, a visible fallback.

Slice updates (IncSubtensor) and arange are NumPy's strided loops on a view and its range
routine, the implementation as for the other view and allocation ops (lowering.py).
"""
from __future__ import annotations

import ctypes
import functools
import os
from typing import Any, Callable, Sequence

import numpy as np

from theano.backend import fallback
from theano.graph.basic import Apply
from theano.tensor.advanced_subtensor import (AdvancedIncSubtensor, AdvancedIncSubtensor1, AdvancedSubtensor,
                                              AdvancedSubtensor1)
from theano.tensor.basic import ARange
from theano.tensor.nnet.crossentropy import CrossentropyCategorical1Hot, CrossentropyCategorical1HotGrad
from theano.tensor.logsumexp import LogSumExp
from theano.tensor.subtensor import IncSubtensor

from .lowering import Plan, lower
from . import lowering_index_utilities as index_loops  # nonzero() of masks; registers its lowerings
from .toolchain import load_shared_library

__all__ = ["GATHER_RUNNER", "LOGSUMEXP_RUNNER", "SCATTER_RUNNER"]

GATHER_RUNNER = "c (gather)"
SCATTER_RUNNER = "c (scatter)"
LOGSUMEXP_RUNNER = "c (logsumexp rows)"
_SYM = "?"  # a symbolic entry of an idx_list (theano.tensor.advanced_subtensor)
_p, _i64 = ctypes.c_void_p, ctypes.c_int64
_ADD_DTYPES = ("float32", "float64", "int8", "int16", "int32", "int64", "uint8", "uint16", "uint32",
               "uint64")
_LSE = {("float32", "float32"): "f32_f32", ("float32", "float64"): "f32_f64",
        ("float64", "float64"): "f64_f64", ("float64", "float32"): "f64_f32"}


@functools.lru_cache(maxsize=None)
def _library() -> ctypes.CDLL:
    """indexing.c compiled once (cached on disk), with its argument types declared."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "indexing.c")) as f:
        source = f.read()
    adds = tuple(f"scatter_add_{d}" for d in _ADD_DTYPES)
    lses = tuple(f"logsumexp_{s}" for s in _LSE.values())
    xents = tuple(f"{n}_{d}" for n in ("xent_1hot", "xent_1hot_grad") for d in ("float32", "float64"))
    lib = load_shared_library(source, "indexing (gather, scatter, logsumexp, one-hot cross-entropy)",
                              ("row_offsets", "gather_rows", "scatter_set_rows") + adds + lses + xents)
    for d in ("float32", "float64"):
        fn = getattr(lib, f"xent_1hot_{d}")
        fn.argtypes, fn.restype = [_p, _i64, _i64, _p, _p], _i64
        fn = getattr(lib, f"xent_1hot_grad_{d}")
        fn.argtypes, fn.restype = [_p, _p, _i64, _i64, _p, _p], _i64
    lib.row_offsets.argtypes, lib.row_offsets.restype = [_i64, _i64, _p, _p, _p], _i64
    lib.gather_rows.argtypes, lib.gather_rows.restype = [_p, _p, _i64, _i64, _p], None
    lib.scatter_set_rows.argtypes, lib.scatter_set_rows.restype = [_p, _p, _i64, _i64, _p, _i64], None
    for name in adds:
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = [_p, _p, _i64, _i64, _p, _i64], None
    for name in lses:
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = [_p, _i64, _i64, _p], None
    return lib


# -- integer-array indexes over leading axes -------------------------------------------------

def _leading_arrays(idx_list: Sequence[Any], index_inputs: Sequence[Any], ndim: int) -> int | None:
    """The number of leading full slices when the index is such slices, then integer arrays
    and constant integers side by side (at least one array), then only full slices: the
    layout the gather/scatter serves (the arrays' dimensions stay in place, as NumPy puts
    adjacent advanced indices); None for any other index."""
    def full(e: Any) -> bool:
        return isinstance(e, slice) and (e.start, e.stop, e.step) == (None, None, None)

    lead = 0
    while lead < len(idx_list) and full(idx_list[lead]):
        lead += 1
    k, arrays, it = lead, 0, iter(index_inputs)
    for e in idx_list[lead:]:
        if isinstance(e, slice) or e is None:
            break
        if e == _SYM:
            t = next(it).type
            if t.dtype == "bool" and t.ndim:  # a mask: its nonzero() arrays, over t.ndim axes
                arrays, k = arrays + 1, k + t.ndim
                continue
            if t.dtype not in _INDEX_DTYPES:
                return None
            arrays += 1
        k += 1
    if arrays == 0 or k > ndim or not all(full(e) for e in idx_list[k:]):
        return None
    return lead


_LAYOUT_WHY = ("the C gather/scatter serves integer arrays and boolean masks side by side with only full "
               "slices around them; partial slices or newaxis beside them, 0-d masks, uint64 indices and "
               "arrays split by slices keep NumPy's indexing")
_INDEX_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32")


def _offsets(op: Any, x: np.ndarray, keys: list, reference: Callable[[], Any]) -> tuple[np.ndarray, tuple]:
    """The row offsets of the index `keys` (arrays and ints over x's leading axes) and the
    shape they broadcast to; an index out of range raises the op's own error (`reference`)."""
    try:
        b = np.broadcast_arrays(*[np.asarray(v) for v in keys])
    except ValueError:
        reference()  # the reference's message for indices that do not broadcast
        raise
    shape = b[0].shape if b else ()
    idx = np.empty((len(b),) + shape, dtype=np.int64)
    for d, v in enumerate(b):
        idx[d] = v
    n = int(np.prod(shape, dtype=np.int64))
    offsets = np.empty(n, dtype=np.int64)
    dims = np.asarray(x.shape[:len(b)], dtype=np.int64)
    if n and _library().row_offsets(n, len(b), idx.ctypes.data, dims.ctypes.data, offsets.ctypes.data) >= 0:
        reference()
        raise IndexError(f"{op}: index out of range for an array of shape {x.shape}")
    return offsets, shape


def _keys(idx_list: Sequence[Any], vals: Sequence[Any], lead: int, shape: Sequence[int]) -> list | None:
    """The index's arrays and constant integers (its advanced part, after `lead` full
    slices), filled in, one per indexed axis of an array of `shape`: a boolean mask becomes
    its nonzero() arrays (C loops), as NumPy reads it; None when a mask's shape is not that
    of the axes it covers (NumPy's IndexError)."""
    it, out = iter(vals), []
    for e in idx_list[lead:]:
        if isinstance(e, slice):
            break
        v = next(it) if e == _SYM else e
        if isinstance(v, np.ndarray) and v.dtype == np.bool_:
            at = lead + len(out)
            if v.shape != tuple(shape[at:at + v.ndim]):
                return None
            out.extend(index_loops.nonzero(v))
        else:
            out.append(v)
    return out


def _front(x: np.ndarray, lead: int, k: int) -> np.ndarray:
    """x with its axes lead..lead+k-1 (the indexed ones) moved first."""
    return x if lead == 0 else np.moveaxis(x, list(range(lead, lead + k)), list(range(k)))


def _back(r: np.ndarray, lead: int, nb: int) -> np.ndarray:
    """A result laid out (index dims, leading dims, rest) put back in NumPy's order."""
    return r if lead == 0 else np.moveaxis(r, list(range(nb)), list(range(lead, lead + nb)))


def _gather_fn(op: Any, node: Apply, idx_list: Sequence[Any], lead: int) -> Callable[..., np.ndarray]:
    reference = op.make_py_fn(node)
    lib = _library()

    def run(x: Any, *vals: Any) -> np.ndarray:
        keys = _keys(idx_list, vals, lead, x.shape)
        if keys is None or lead + len(keys) > x.ndim:
            return reference(x, *vals)  # raises the reference's "too many indices"
        xc = np.ascontiguousarray(_front(x, lead, len(keys)))
        offsets, shape = _offsets(op, xc, keys, lambda: reference(x, *vals))
        row = xc.shape[len(keys):]
        out = np.empty(shape + row, dtype=xc.dtype)
        rowbytes = int(np.prod(row, dtype=np.int64)) * xc.itemsize
        if out.size:
            lib.gather_rows(xc.ctypes.data, offsets.ctypes.data, offsets.size, rowbytes, out.ctypes.data)
        return _back(out, lead, len(shape))

    return run


def _scatter_fn(op: Any, node: Apply, idx_list: Sequence[Any], lead: int) -> Callable[..., np.ndarray]:
    reference = op.make_py_fn(node)
    lib = _library()
    set_, inplace = op.set_instead_of_inc, op.inplace
    add = None if set_ else getattr(lib, f"scatter_add_{node.outputs[0].type.dtype}")

    def run(x: Any, y: Any, *vals: Any) -> np.ndarray:
        keys = _keys(idx_list, vals, lead, x.shape)
        if keys is None or lead + len(keys) > x.ndim:
            return reference(x, y, *vals)
        if lead:  # the indexed axes first in a contiguous copy, written back below
            work = np.ascontiguousarray(_front(x, lead, len(keys)))
        else:
            work = np.ascontiguousarray(x) if inplace else np.array(x, order="C")
        offsets, shape = _offsets(op, work, keys, lambda: reference(x, y, *vals))
        row = work.shape[len(keys):]
        target = row[:lead] + shape + row[lead:]  # NumPy's shape of x[index]
        try:
            yb = _front(np.broadcast_to(np.asarray(y, dtype=work.dtype), target), lead, len(shape))
        except ValueError:
            return reference(x, y, *vals)  # raises the reference's shape error
        rowlen = int(np.prod(row, dtype=np.int64))
        if offsets.size and rowlen:
            if all(st == 0 for st in yb.strides[:len(shape)]):  # the same row for every index: pass it once
                ysrc, ystride = np.ascontiguousarray(yb[(0,) * len(shape)]), 0
            else:
                ysrc, ystride = np.ascontiguousarray(yb), rowlen
            if add is None:
                lib.scatter_set_rows(work.ctypes.data, offsets.ctypes.data, offsets.size,
                                     rowlen * work.itemsize, ysrc.ctypes.data, ystride * work.itemsize)
            else:
                add(work.ctypes.data, offsets.ctypes.data, offsets.size, rowlen, ysrc.ctypes.data, ystride)
        if lead:
            out = x if inplace else np.empty_like(x)
            out[...] = _back(work, lead, len(keys))
            return out
        if inplace and work is not x:
            x[...] = work
            return x
        return work

    return run


def _scatter_ok(node: Apply) -> bool:
    dt = node.outputs[0].type.dtype
    return node.op.set_instead_of_inc or dt in _ADD_DTYPES


@lower.register(AdvancedSubtensor1)
def _lower_take(op: AdvancedSubtensor1, node: Apply, backend: Any) -> Plan | None:
    if node.inputs[1].type.dtype not in _INDEX_DTYPES:
        return None
    return Plan(GATHER_RUNNER, fn=_gather_fn(op, node, (_SYM,), 0))


@lower.register(AdvancedSubtensor)
def _lower_advanced_subtensor(op: AdvancedSubtensor, node: Apply, backend: Any) -> Plan | None:
    lead = _leading_arrays(op.idx_list, node.inputs[1:], node.inputs[0].type.ndim)
    if lead is None:
        return fallback(_LAYOUT_WHY)
    return Plan(GATHER_RUNNER, fn=_gather_fn(op, node, op.idx_list, lead))


@lower.register(AdvancedIncSubtensor1)
def _lower_inc_rows(op: AdvancedIncSubtensor1, node: Apply, backend: Any) -> Plan | None:
    if node.inputs[2].type.dtype not in _INDEX_DTYPES or not _scatter_ok(node):
        return None
    return Plan(SCATTER_RUNNER, fn=_scatter_fn(op, node, (_SYM,), 0))


@lower.register(AdvancedIncSubtensor)
def _lower_advanced_inc(op: AdvancedIncSubtensor, node: Apply, backend: Any) -> Plan | None:
    lead = _leading_arrays(op.idx_list, node.inputs[2:], node.inputs[0].type.ndim)
    if lead is None:
        return fallback(_LAYOUT_WHY)
    if not _scatter_ok(node):
        return None
    return Plan(SCATTER_RUNNER, fn=_scatter_fn(op, node, op.idx_list, lead))


# -- slice updates and ranges: NumPy's strided loops are the implementation -----------------

@lower.register(IncSubtensor)
def _lower_inc_subtensor(op: IncSubtensor, node: Apply, backend: Any) -> Plan:
    return Plan("c (view update)", fn=op.make_py_fn(node))


@lower.register(ARange)
def _lower_arange(op: ARange, node: Apply, backend: Any) -> Plan:
    return Plan("c (alloc)", fn=op.make_py_fn(node))


# -- log-sum-exp ---------------------------------------------------------------------------

@lower.register(LogSumExp)
def _lower_logsumexp(op: LogSumExp, node: Apply, backend: Any) -> Plan | None:
    x = node.inputs[0]
    name = _LSE.get((x.type.dtype, op.acc_dtype))
    if name is None:
        return None
    fn = getattr(_library(), f"logsumexp_{name}")
    ndim = x.type.ndim
    axes = op.reduced_axes(ndim)
    keep = tuple(d for d in range(ndim) if d not in axes)
    order = keep + tuple(sorted(axes))
    acc, odt = np.dtype(op.acc_dtype), np.dtype(op.dtype)

    def run(v: Any) -> np.ndarray:
        v = np.asarray(v)
        xc = np.ascontiguousarray(v.transpose(order) if order != tuple(range(ndim)) else v)
        out_shape = tuple(v.shape[d] for d in keep)
        rows = int(np.prod(out_shape, dtype=np.int64))
        length = int(np.prod([v.shape[d] for d in axes], dtype=np.int64))
        out = np.empty(out_shape, dtype=acc)
        if rows:
            fn(xc.ctypes.data, rows, length, out.ctypes.data)
        return out if acc == odt else out.astype(odt)

    return Plan(LOGSUMEXP_RUNNER, fn=run)


# -- the one-hot categorical cross-entropy and its gradient ------------------------------------

def _xent_dtype(node: Apply, float_inputs: Sequence[Any]) -> str | None:
    dts = {v.type.dtype for v in float_inputs} | {node.outputs[0].type.dtype}
    return dts.pop() if len(dts) == 1 and dts <= {"float32", "float64"} else None


@lower.register(CrossentropyCategorical1Hot)
def _lower_xent_1hot(op: CrossentropyCategorical1Hot, node: Apply, backend: Any) -> Plan | None:
    dt = _xent_dtype(node, node.inputs[:1])
    if dt is None:
        return None
    fn, reference = getattr(_library(), f"xent_1hot_{dt}"), op.make_py_fn(node)

    def run(x: Any, y: Any) -> np.ndarray:
        if y.shape[0] != x.shape[0]:
            return reference(x, y)  # the reference's error
        xc, yc = np.ascontiguousarray(x), np.ascontiguousarray(y, dtype=np.int64)
        out = np.empty(x.shape[0], dtype=dt)
        if fn(xc.ctypes.data, x.shape[0], x.shape[1], yc.ctypes.data, out.ctypes.data) >= 0:
            return reference(x, y)  # raises for the class index out of range
        return out

    return Plan(GATHER_RUNNER, fn=run)


@lower.register(CrossentropyCategorical1HotGrad)
def _lower_xent_1hot_grad(op: CrossentropyCategorical1HotGrad, node: Apply, backend: Any) -> Plan | None:
    dt = _xent_dtype(node, node.inputs[:2])
    if dt is None:
        return None
    fn, reference = getattr(_library(), f"xent_1hot_grad_{dt}"), op.make_py_fn(node)

    def run(g: Any, x: Any, y: Any) -> np.ndarray:
        if y.shape[0] != x.shape[0] or g.shape[0] != x.shape[0]:
            return reference(g, x, y)
        gc, xc = np.ascontiguousarray(g), np.ascontiguousarray(x)
        yc = np.ascontiguousarray(y, dtype=np.int64)
        out = np.zeros(x.shape, dtype=dt)
        if fn(gc.ctypes.data, xc.ctypes.data, x.shape[0], x.shape[1], yc.ctypes.data, out.ctypes.data) >= 0:
            return reference(g, x, y)
        return out

    return Plan(SCATTER_RUNNER, fn=run)
