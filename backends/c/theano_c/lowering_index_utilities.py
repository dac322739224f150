"""Index utilities on the C backend: Nonzero, BinCount, RavelMultiIndex, UnravelIndex and
InversePermutation as the loops of index_utilities.c over C-contiguous int64 copies of their
inputs. Inputs NumPy refuses (a negative bin, an index out of range, a row that is no
permutation, mismatched shapes) make the op's NumPy meaning run, which raises NumPy's error;
uint64 inputs (which int64 cannot hold) keep the NumPy meaning, a visible fallback.
"""
from __future__ import annotations

import ctypes
import functools
import os
from typing import Any, Callable

import numpy as np

from theano.graph.basic import Apply
from theano.tensor.advanced_subtensor import Nonzero
from theano.tensor.extra_ops import BinCount, InversePermutation, RavelMultiIndex, UnravelIndex

from .lowering import Plan, lower
from .toolchain import load_shared_library

__all__ = ["INDEX_RUNNER", "nonzero"]

INDEX_RUNNER = "c (index loops)"
_p, _i64, _int = ctypes.c_void_p, ctypes.c_int64, ctypes.c_int
#: integer dtypes int64 holds exactly
_INT_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "bool")
#: nonzero's element kinds (index_utilities.c): NumPy's kind and itemsize -> code
_NONZERO_KIND = {("f", 4): 1, ("f", 8): 2, ("c", 8): 3, ("c", 16): 4}
_SIGNATURES = {
    "count_nonzero": ([_p, _i64, _int, _i64], _i64),
    "nonzero_indices": ([_p, _i64, _int, _i64, _i64, _p, _i64, _p], None),
    "bincount_length": ([_p, _i64, _i64], _i64),
    "bincount_counts": ([_p, _i64, _p], None),
    "bincount_weights": ([_p, _p, _i64, _p], None),
    "ravel_multi_index": ([_p, _i64, _i64, _p, _int, _int, _p], _i64),
    "unravel_index": ([_p, _i64, _p, _i64, _int, _p], _i64),
    "inverse_permutation": ([_p, _i64, _i64, _p, _p], _i64),
}


@functools.lru_cache(maxsize=None)
def _library() -> ctypes.CDLL:
    """index_utilities.c compiled once (cached on disk), with its argument types declared."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "index_utilities.c")) as f:
        source = f.read()
    lib = load_shared_library(source, "index utilities (nonzero, bincount, ravel/unravel, permutations)",
                              tuple(_SIGNATURES))
    for name, (args, res) in _SIGNATURES.items():
        fn = getattr(lib, name)
        fn.argtypes, fn.restype = args, res
    return lib


def _int64(a: Any) -> np.ndarray:
    return np.ascontiguousarray(a, dtype=np.int64)


def nonzero(a: np.ndarray) -> np.ndarray | None:
    """The (a.ndim, count) int64 indices of a's nonzero elements, C order (None for a dtype
    the loop does not test: float16, objects)."""
    a = np.ascontiguousarray(a)
    kind = 0 if a.dtype.kind in "biu" else _NONZERO_KIND.get((a.dtype.kind, a.dtype.itemsize))
    if kind is None:
        return None
    lib = _library()
    count = lib.count_nonzero(a.ctypes.data, a.size, kind, a.itemsize) if a.size else 0
    out = np.empty((a.ndim, count), dtype=np.int64)
    if count:
        shape = np.asarray(a.shape, dtype=np.int64)
        lib.nonzero_indices(a.ctypes.data, a.size, kind, a.itemsize, a.ndim, shape.ctypes.data, count,
                            out.ctypes.data)
    return out


@lower.register(Nonzero)
def _lower_nonzero(op: Nonzero, node: Apply, backend: Any) -> Plan | None:
    dt = np.dtype(node.inputs[0].type.dtype)
    if dt.kind not in "biu" and (dt.kind, dt.itemsize) not in _NONZERO_KIND:
        return None
    return Plan(INDEX_RUNNER, fn=nonzero)


@lower.register(BinCount)
def _lower_bincount(op: BinCount, node: Apply, backend: Any) -> Plan | None:
    if node.inputs[0].type.dtype not in _INT_DTYPES or \
            (len(node.inputs) > 1 and node.inputs[1].type.dtype not in _INT_DTYPES + ("float32", "float64")):
        return None
    reference, dtype, minlength = op.make_py_fn(node), node.outputs[0].type.dtype, op.minlength or 0
    lib = _library()

    def run(x: np.ndarray, w: np.ndarray | None = None) -> np.ndarray:
        xi = _int64(x)
        n = lib.bincount_length(xi.ctypes.data, xi.size, minlength)
        if n < 0 or (w is not None and np.shape(w) != x.shape):
            return reference(x, w) if w is not None else reference(x)
        if w is None:
            out = np.zeros(n, dtype=np.int64)
            lib.bincount_counts(xi.ctypes.data, xi.size, out.ctypes.data)
            return out
        # NumPy sums weights in float64, then the op casts to its dtype
        wd, acc = np.ascontiguousarray(w, dtype=np.float64), np.zeros(n, dtype=np.float64)
        lib.bincount_weights(xi.ctypes.data, wd.ctypes.data, xi.size, acc.ctypes.data)
        return acc.astype(dtype, copy=False)

    return Plan(INDEX_RUNNER, fn=run)


def _dims(dims: Any) -> np.ndarray | None:
    """dims as int64, or None when NumPy would refuse them (negative, or a size past int64)."""
    d = _int64(dims)
    if (d < 0).any() or (d.size and float(np.prod(d.astype(np.float64))) >= 2.0 ** 62):
        return None
    return d


@lower.register(RavelMultiIndex)
def _lower_ravel(op: RavelMultiIndex, node: Apply, backend: Any) -> Plan | None:
    if any(i.type.dtype not in _INT_DTYPES for i in node.inputs):
        return None
    reference = op.make_py_fn(node)
    mode, order = {"raise": 0, "wrap": 1, "clip": 2}[op.mode], int(op.order == "F")
    lib = _library()

    def run(*inputs: Any) -> np.ndarray:
        *multi, dims = inputs
        d = _dims(dims)
        if d is None or len(multi) != d.size:
            return reference(*inputs)
        try:
            b = np.broadcast_arrays(*[np.asarray(m) for m in multi])
        except ValueError:
            return reference(*inputs)
        shape = b[0].shape
        idx = np.empty((len(b),) + shape, dtype=np.int64)
        for k, v in enumerate(b):
            idx[k] = v
        out = np.empty(shape, dtype=np.int64)
        if out.size and lib.ravel_multi_index(idx.ctypes.data, len(b), out.size, d.ctypes.data, mode, order,
                                              out.ctypes.data) < 0:
            return reference(*inputs)
        return out

    return Plan(INDEX_RUNNER, fn=run)


@lower.register(UnravelIndex)
def _lower_unravel(op: UnravelIndex, node: Apply, backend: Any) -> Plan | None:
    if any(i.type.dtype not in _INT_DTYPES for i in node.inputs):
        return None
    reference, order = op.make_py_fn(node), int(op.order == "F")
    lib = _library()

    def run(indices: Any, dims: Any) -> tuple[np.ndarray, ...]:
        d = _dims(dims)
        flat = _int64(indices)
        if d is None or d.size != len(node.outputs):
            return reference(indices, dims)
        out = np.empty((d.size,) + flat.shape, dtype=np.int64)
        if flat.size and lib.unravel_index(flat.ctypes.data, flat.size, d.ctypes.data, d.size, order,
                                           out.ctypes.data) < 0:
            return reference(indices, dims)
        return tuple(out)

    return Plan(INDEX_RUNNER, fn=run)


@lower.register(InversePermutation)
def _lower_inverse_permutation(op: InversePermutation, node: Apply, backend: Any) -> Plan | None:
    if node.inputs[0].type.dtype not in _INT_DTYPES:
        return None
    reference: Callable[[Any], Any] = op.make_py_fn(node)
    lib = _library()

    def run(perm: np.ndarray) -> np.ndarray:
        p = _int64(perm)
        m = p.shape[-1]
        out = np.empty(p.shape, dtype=np.int64)
        if p.size and lib.inverse_permutation(p.ctypes.data, p.size // m, m, np.empty(m, np.int8).ctypes.data,
                                              out.ctypes.data) < 0:
            return reference(perm)
        return out.astype(perm.dtype, copy=False)

    return Plan(INDEX_RUNNER, fn=run)
