"""Strided elementwise launches on a CPU device with their axes merged first.

The row path of CpuOpenCLRenderer runs one work-item per row of the last axis; a bias added to
a (batch, channel, h, w) image has rows of w elements (LeNet's 12 and 4) and an index
decomposition per row. Adjacent axes that address memory as one axis in every array (h and w of
the image; both broadcast in the bias) are merged at run time, and the kernel rendered for the
merged rank and broadcast pattern (compiled on first use, then cached): rows of h * w.
"""
from __future__ import annotations

import threading
from typing import Any, Sequence

import numpy as np

from theano.kernel.ir import Kernel, kernel_from_composite
from theano.tensor.type import TensorType

__all__ = ["RowMerger", "ROW_LOCAL"]

#: local size of the row launches (each work-item loops along its row: no vectorization
#: across work-items to feed)
ROW_LOCAL = 8


def merge_axes(shape: Sequence[int], strides: Sequence[Sequence[int]]) -> list[tuple[int, ...]]:
    """(length, stride of each array ...) per axis after dropping length-1 axes and merging
    neighbours that address memory as one axis in every array."""
    out: list[tuple[int, ...]] = []
    for d, n in enumerate(shape):
        if n == 1:
            continue
        cur = (n,) + tuple(s[d] for s in strides)
        if out and all(out[-1][k] == n * cur[k] for k in range(1, len(cur))):
            out[-1] = (out[-1][0] * n,) + cur[1:]
        else:
            out.append(cur)
    return out


class RowMerger:
    """Launches one elementwise kernel's strided path with merged axes (see the module doc)."""

    def __init__(self, backend: Any, kernel: Kernel):
        self.backend, self.kernel = backend, kernel
        self._kernels: dict[tuple, Any] = {}
        self._lock = threading.Lock()

    def _kernel_for(self, nd: int, bcast: tuple[tuple[bool, ...], ...]) -> Any:
        key = (nd, bcast)
        k = self._kernels.get(key)
        if k is None:
            kern = self.kernel
            merged = kernel_from_composite(
                kern.composite, [TensorType(a.dtype, b) for a, b in zip(kern.inputs, bcast)],
                [TensorType(o.dtype, (False,) * nd) for o in kern.outputs], name="elemwise_rows")
            # only ever launched with strided arrays: the contiguous path is not compiled
            src = self.backend.renderer.render(merged, "elemwise", path="strided")
            k = self.backend.rt.build([src])[src]
            with self._lock:
                self._kernels[key] = k
        return k

    def launch(self, shape: tuple[int, ...], args: Sequence[Any], in_strides: Sequence[Sequence[int]],
               outs: Sequence[Any], n: int) -> bool:
        """Launch with merged axes; False (nothing launched) when no axes merge."""
        dims = merge_axes(shape, list(in_strides) + [o.strides for o in outs])
        if not dims or len(dims) == len(shape):
            return False
        nin = len(args)
        bcast = tuple(tuple(d[1 + k] == 0 for d in dims) for k in range(nin))
        clk = self._kernel_for(len(dims), bcast)
        i64 = np.int64
        kargs: list[Any] = [i64(n)] + [i64(d[0]) for d in dims] + [np.int32(0)]
        for k, a in enumerate(args):
            kargs += [a.base_data] + [i64(d[1 + k]) for d in dims] + [i64(a.offset)]
        for j, o in enumerate(outs):
            kargs += [o.base_data] + [i64(d[1 + nin + j]) for d in dims] + [i64(o.offset)]
        rows = n // dims[-1][0]
        rt = self.backend.rt
        with rt.launch_lock(clk):
            clk.set_args(*kargs)
            rt.cl.enqueue_nd_range_kernel(rt.queue, clk, (-(-rows // ROW_LOCAL) * ROW_LOCAL,), (ROW_LOCAL,))
        return True
