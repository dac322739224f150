"""Reductions over leading axes on a CPU device (dialect_cpu.column_reduction_source): the
run-time layout check and the launch. `column_reducer` returns a function that computes the
reduction when its operands fit the layout (reduced axes before kept ones, the kept axes one
run in every array) and returns None otherwise, so the caller keeps its general path."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from theano.graph.basic import Apply
from theano.kernel.ir import Kernel
from theano.kernel.workgroup import collapse

from .dialect_cpu import COLUMNS, column_reduction_source
from .lowering import loop_shape

__all__ = ["column_sources", "column_reducer", "MAX_REDUCED_AXES"]

#: reduced axes (after merging) a compiled variant handles; more take the general path
MAX_REDUCED_AXES = 2
#: a work-item sums its columns serially: with few columns, only short reductions use it
SERIAL_ELEMENTS = 1 << 20


def _kept_broadcast(kernel: Kernel) -> tuple[bool, ...]:
    kept = [d for d in range(kernel.ndim) if d not in kernel.reduction.axes]
    return tuple(all(a.broadcastable[d] for d in kept) for a in kernel.inputs)


def column_sources(backend: Any, kernel: Kernel) -> dict[int, str]:
    """The kernel's variants by number of reduced axes (compiled with the graph)."""
    kb = _kept_broadcast(kernel)
    return {nr: column_reduction_source(backend.renderer, kernel, nr, kb)
            for nr in range(1, MAX_REDUCED_AXES + 1)}


def _layout(shape: tuple[int, ...], axes: Sequence[int], strides: list[list[int]]
            ) -> tuple[list[tuple[int, ...]], tuple[int, ...]] | None:
    """(reduced axes, the kept axis) as (length, stride per array ...) tuples after merging,
    or None when the kept axes do not form one run or a reduced axis follows a kept one."""
    nd = len(shape)
    dims = [(shape[d],) + tuple(s[d] for s in strides) for d in range(nd)]
    red = [dims[d] for d in range(nd) if d in axes and shape[d] != 1]
    kept = [dims[d] for d in range(nd) if d not in axes and shape[d] != 1]
    first_kept = next((d for d in range(nd) if d not in axes and shape[d] != 1), nd)
    if any(d in axes and shape[d] != 1 for d in range(first_kept, nd)):
        return None
    kept = collapse(kept) if kept else [(1,) + (0,) * len(strides)]
    if len(kept) != 1:
        return None
    red = collapse(red) if red else [(1,) + (0,) * len(strides)]
    if len(red) > MAX_REDUCED_AXES:
        return None
    return red, kept[0]


def column_reducer(backend: Any, node: Apply, kernel: Kernel, kernels: dict[int, Any]
                   ) -> Callable[..., Any]:
    """fn(*args) -> the reduced device array, or None when the layout does not fit."""
    rt = backend.rt
    cl = rt.cl
    red = kernel.reduction
    nd = kernel.ndim
    bcast = [a.broadcastable for a in kernel.inputs]
    out_dt = np.dtype(red.out_dtype)
    kept_axes = [d for d in range(nd) if d not in red.axes]
    locks = {nr: rt.launch_lock(k) for nr, k in kernels.items()}
    i64 = np.int64
    dev = backend.dev

    def fn(*args: Any) -> Any:
        args = [dev(a) for a in args]
        shape = loop_shape(node, bcast, args, nd)
        oshape = tuple(shape[d] for d in kept_axes)
        total = int(np.prod(shape, dtype=np.int64))
        Kc = int(np.prod(oshape, dtype=np.int64))
        if total == 0 or (Kc < 4 * COLUMNS and total > SERIAL_ELEMENTS) or Kc == 1:
            return None
        out = rt.empty(oshape, out_dt)
        ost, st = [0] * nd, out_dt.itemsize
        for d in reversed(kept_axes):
            ost[d] = st
            st *= shape[d]
        strides = [[0 if b[d] else a.strides[d] for d in range(nd)] for a, b in zip(args, bcast)]
        lay = _layout(shape, red.axes, strides + [ost])
        if lay is None:
            return None
        rdims, kdim = lay
        nr = len(rdims)
        kargs: list[Any] = [i64(Kc)] + [i64(r[0]) for r in rdims]
        for k, a in enumerate(args):
            kargs += [a.base_data, i64(a.offset), i64(kdim[1 + k])]
            kargs += [i64(r[1 + k]) for r in rdims]
        kargs += [out.base_data, i64(out.offset), i64(kdim[-1])]
        clk = kernels[nr]
        with locks[nr]:
            clk.set_args(*kargs)
            cl.enqueue_nd_range_kernel(rt.queue, clk, (-(-Kc // COLUMNS),), (1,))
        return out

    return fn
