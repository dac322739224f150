"""Convolutions and pooling on the C backend: the loops of nnet.c (im2col / col2im in blocks of
columns that stay in the cache, threads over the blocks and images) and BLAS gemm through the
function pointers the products use (`blas_routines`, flag c__blas).

Each lowering checks the shapes with the op's own `geometry` (so errors are the reference's,
naming the op and the shapes) before any C runs, makes the inputs C-contiguous in the output's
dtype, and passes the geometry as a small int64 array. float32 and float64 run compiled; other
dtypes, and sizes a 32-bit-integer BLAS cannot index, run the NumPy meaning (a visible fallback
for the dtypes, planned at link time).
"""
from __future__ import annotations

import ctypes
import functools
import os
from typing import Any, Callable, Sequence

import numpy as np

from theano.graph.basic import Apply
from theano.tensor.nnet.abstract_conv import (Conv2d, Conv2dGradInputs, Conv2dGradWeights, Conv3d,
                                              Conv3dGradInputs, Conv3dGradWeights)
from theano.tensor.signal.pool import AveragePoolGrad, DownsampleFactorMaxGradGrad, MaxPoolGrad, Pool

from . import lowering
from .blas import BlasUnavailable, blas_routines
from .toolchain import load_shared_library

CONV_RUNNER = "c (im2col + BLAS)"
POOL_RUNNER = "c (pool loops)"

_SUFFIX = {np.dtype("float32"): ("_f32", "sgemm"), np.dtype("float64"): ("_f64", "dgemm")}
_POOL_MODES = {"max": 0, "sum": 1, "average_inc_pad": 2, "average_exc_pad": 3}
_INT32 = 2 ** 31 - 1
_p = ctypes.c_void_p
# A block's column matrix (K x columns) aims at this size: it then stays in a core's L2 for the
# gemm that reads it right after im2col wrote it (1-2 MiB per core on current x86 servers).
_COL_BLOCK_BYTES = 1 << 19


@functools.lru_cache(maxsize=None)
def _library() -> ctypes.CDLL:
    """nnet.c compiled for float and double into one cached library."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "nnet.c")) as f:
        body = f.read()
    source = "".join(f"#define real {t}\n#define SUF(name) name##{s}\n{body}\n#undef real\n#undef SUF\n"
                     for t, s in (("float", "_f32"), ("double", "_f64")))
    lib = load_shared_library(source, "nnet (conv, pool)", tuple(
        name + s for s in ("_f32", "_f64") for name in ("conv_forward", "conv_grad_weights",
                                                        "conv_grad_inputs", "pool_forward",
                                                        "pool_grad", "pool_grad_grad")))
    for s in ("_f32", "_f64"):
        for name in ("conv_forward", "conv_grad_weights", "conv_grad_inputs"):
            fn = getattr(lib, name + s)
            fn.argtypes, fn.restype = [_p] * 6 + [ctypes.c_int], ctypes.c_int
        for name, nargs in (("pool_forward", 3), ("pool_grad", 5), ("pool_grad_grad", 5)):
            fn = getattr(lib, name + s)
            fn.argtypes, fn.restype = [_p] * nargs, None
    return lib


class _DlInfo(ctypes.Structure):
    _fields_ = [("dli_fname", ctypes.c_char_p), ("dli_fbase", ctypes.c_void_p),
                ("dli_sname", ctypes.c_char_p), ("dli_saddr", ctypes.c_void_p)]


@functools.lru_cache(maxsize=None)
def _blas_thread_control(gemm_address: int) -> int | None:
    """The address of openblas_set_num_threads_local in the library that holds `gemm_address`
    (NumPy's and SciPy's OpenBLAS both export it under that plain name), or None. With it, our
    threads run their gemm calls alone; without it, BLAS's own threads would wake on every call
    and compete with ours for the same cores."""
    try:
        libc = ctypes.CDLL(None)
        dladdr = libc.dladdr
    except (OSError, AttributeError):  # pragma: no cover - every glibc has dladdr
        return None
    dladdr.argtypes, dladdr.restype = [ctypes.c_void_p, ctypes.POINTER(_DlInfo)], ctypes.c_int
    info = _DlInfo()
    if not dladdr(gemm_address, ctypes.byref(info)) or not info.dli_fname:
        return None
    try:
        fn = ctypes.CDLL(info.dli_fname.decode()).openblas_set_num_threads_local
    except (OSError, AttributeError):
        return None
    return ctypes.cast(fn, ctypes.c_void_p).value


def _entry(name: str, dtype: np.dtype) -> tuple[Callable[..., int], bool]:
    """The compiled routine for `dtype`, bound to the gemm of the BLAS chosen by c__blas and
    that library's thread control, and whether that BLAS takes 64-bit integers."""
    from theano.config import config

    suffix, gemm = _SUFFIX[dtype]
    fn = getattr(_library(), name + suffix)
    (gemm_address, _, _), ilp64, _ = blas_routines(gemm[0], config.c__blas)
    threads = _blas_thread_control(gemm_address)

    def call(a: int, b: int, out: int, geometry: int) -> int:
        return fn(a, b, out, geometry, gemm_address, threads, int(ilp64))

    return call, ilp64


def _three(values: Sequence[int], fill: int) -> list[int]:
    """A 2-D geometry as the 3-D one with a leading axis of `fill`."""
    return [fill] * (3 - len(values)) + [int(v) for v in values]


def _conv_geometry(B: int, C: int, F: int, groups: int, ishape: Sequence[int], kshape: Sequence[int],
                   out_shape: Sequence[int], op: Any, pads: Sequence[int], ilp64: bool,
                   itemsize: int) -> np.ndarray | None:
    """The 23 int64s nnet.c reads, or None when a 32-bit BLAS's int arguments would overflow."""
    K = C // groups * int(np.prod(kshape))
    N = int(np.prod(out_shape))
    if not ilp64 and max(K * N, K * F, N * F) > _INT32:
        return None
    out3 = _three(out_shape, 1)
    rows = max(1, _COL_BLOCK_BYTES // max(1, K * out3[2] * itemsize))
    return np.array([B, C, F, groups] + _three(ishape, 1) + _three(kshape, 1) + out3
                    + _three(op.subsample, 1) + _three(op.filter_dilation, 1) + _three(pads, 0) + [rows],
                    dtype=np.int64)


def _flipped(kern: np.ndarray) -> np.ndarray:
    return kern[(slice(None), slice(None)) + (slice(None, None, -1),) * (kern.ndim - 2)]


def _float_output(node: Apply) -> np.dtype | None:
    dt = np.dtype(node.outputs[0].type.dtype)
    return dt if dt in _SUFFIX else None


def _checked(rc: int, op: Any, shapes: Sequence[tuple]) -> None:
    if rc != 0:
        raise MemoryError(f"{type(op).__name__}: out of memory for the column buffer (shapes "
                          f"{', '.join(map(str, shapes))})")


def _conv_plan(op: Any, node: Apply, routine: str,
               layout: Callable[..., tuple]) -> lowering.Plan | None:
    """The plan shared by the three convolution ops: `layout(a.shape, b.shape, *shape)` gives
    (batch, channels, filters, image shape, kernel shape, output shape, pads, shape of the
    result, which of "a", "b", "out" holds the kernel to flip under filter_flip)."""
    odt = _float_output(node)
    if odt is None:
        return None
    reference = op.make_py_fn(node)
    try:
        c_fn, ilp64 = _entry(routine, odt)
    except BlasUnavailable:
        return None
    groups = op.num_groups

    def run(a: Any, b: Any, *shape: Any) -> np.ndarray:
        a, b = np.asarray(a), np.asarray(b)
        B, C, F, ishape, kshape, oshape, pads, result, kernel_at = layout(a.shape, b.shape, *shape)
        geo = _conv_geometry(B, C, F, groups, ishape, kshape, oshape, op, pads, ilp64, odt.itemsize)
        if geo is None or a.size == 0 or b.size == 0:
            return reference(a, b, *shape)
        flip = op.filter_flip
        a = np.ascontiguousarray(_flipped(a) if flip and kernel_at == "a" else a, dtype=odt)
        b = np.ascontiguousarray(_flipped(b) if flip and kernel_at == "b" else b, dtype=odt)
        out = np.empty(result, dtype=odt)
        _checked(c_fn(a.ctypes.data, b.ctypes.data, out.ctypes.data, geo.ctypes.data), op,
                 (a.shape, b.shape))
        return np.ascontiguousarray(_flipped(out)) if flip and kernel_at == "out" else out

    return lowering.Plan(CONV_RUNNER, fn=run)


@lowering.lower.register(Conv2d)
@lowering.lower.register(Conv3d)
def _lower_conv(op: Conv2d, node: Apply, backend: Any) -> lowering.Plan | None:
    def layout(img: tuple, kern: tuple) -> tuple:
        pads, oshape = op.geometry(img, kern)
        return (img[0], img[1], kern[0], img[2:], kern[2:], oshape, pads,
                (img[0], kern[0]) + tuple(oshape), "b")

    return _conv_plan(op, node, "conv_forward", layout)


@lowering.lower.register(Conv2dGradWeights)
@lowering.lower.register(Conv3dGradWeights)
def _lower_conv_grad_weights(op: Conv2dGradWeights, node: Apply, backend: Any) -> lowering.Plan | None:
    def layout(img: tuple, top: tuple, shape: Any) -> tuple:
        kshape, pads, oshape = op.geometry(img, top, shape)
        return (img[0], img[1], top[1], img[2:], kshape, oshape, pads,
                (top[1], img[1] // op.num_groups) + tuple(kshape), "out")

    return _conv_plan(op, node, "conv_grad_weights", layout)


@lowering.lower.register(Conv2dGradInputs)
@lowering.lower.register(Conv3dGradInputs)
def _lower_conv_grad_inputs(op: Conv2dGradInputs, node: Apply, backend: Any) -> lowering.Plan | None:
    def layout(kern: tuple, top: tuple, shape: Any) -> tuple:
        ishape, pads, oshape = op.geometry(kern, top, shape)
        C = kern[1] * op.num_groups
        return (top[0], C, kern[0], ishape, kern[2:], oshape, pads, (top[0], C) + tuple(ishape), "a")

    return _conv_plan(op, node, "conv_grad_inputs", layout)


# -- pooling ----------------------------------------------------------------------------------

def _pool_geometry(op: Any, x_shape: Sequence[int]) -> tuple[Any, np.ndarray]:
    geo = op.geometry(x_shape)
    nd = op.ndim
    n = int(np.prod(x_shape[:-nd], dtype=np.int64))
    arr = np.array([n, _POOL_MODES[op.mode]] + _three(x_shape[-nd:], 1) + _three(op.ws, 1)
                   + _three(op.stride, 1) + _three(op.pad, 0) + _three(geo.out, 1), dtype=np.int64)
    return geo, arr


def _pool_plan(op: Any, node: Apply, make: Callable[[np.dtype], Callable[..., Any]]) -> lowering.Plan | None:
    if op.ws is None or op.ndim > 3:
        return None
    odt = _float_output(node)
    if odt is None or any(np.dtype(i.type.dtype) != odt for i in node.inputs):
        return None
    return lowering.Plan(POOL_RUNNER, fn=make(odt))


@lowering.lower.register(Pool)
def _lower_pool(op: Pool, node: Apply, backend: Any) -> lowering.Plan | None:
    def make(odt: np.dtype) -> Callable[..., Any]:
        c_fn = getattr(_library(), "pool_forward" + _SUFFIX[odt][0])

        def run(x: Any) -> np.ndarray:
            x = np.ascontiguousarray(x, dtype=odt)
            geo, p = _pool_geometry(op, x.shape)
            out = np.empty(x.shape[:-op.ndim] + geo.out, dtype=odt)
            if out.size:
                c_fn(x.ctypes.data, out.ctypes.data, p.ctypes.data)
            return out

        return run

    return _pool_plan(op, node, make)


@lowering.lower.register(MaxPoolGrad)
@lowering.lower.register(AveragePoolGrad)
def _lower_pool_grad(op: Any, node: Apply, backend: Any) -> lowering.Plan | None:
    is_max = isinstance(op, MaxPoolGrad)

    def make(odt: np.dtype) -> Callable[..., Any]:
        c_fn = getattr(_library(), "pool_grad" + _SUFFIX[odt][0])

        def run(x: Any, *rest: Any) -> np.ndarray:
            x = np.ascontiguousarray(x, dtype=odt)
            geo, p = _pool_geometry(op, x.shape)
            rest = [np.ascontiguousarray(r, dtype=odt) for r in rest]
            for r, what in zip(rest, ("maxout", "gz") if is_max else ("gz",)):
                op.check_pooled(x, r, geo, what)
            maxout, gz = rest if is_max else (rest[0], rest[0])
            gx = np.zeros(x.shape, dtype=odt) if gz.size == 0 else np.empty(x.shape, dtype=odt)
            if gz.size:
                c_fn(x.ctypes.data, maxout.ctypes.data, gz.ctypes.data, gx.ctypes.data, p.ctypes.data)
            return gx

        return run

    return _pool_plan(op, node, make)


@lowering.lower.register(DownsampleFactorMaxGradGrad)
def _lower_pool_grad_grad(op: DownsampleFactorMaxGradGrad, node: Apply, backend: Any
                          ) -> lowering.Plan | None:
    def make(odt: np.dtype) -> Callable[..., Any]:
        c_fn = getattr(_library(), "pool_grad_grad" + _SUFFIX[odt][0])

        def run(x: Any, maxout: Any, ggx: Any) -> np.ndarray:
            x, maxout, ggx = (np.ascontiguousarray(v, dtype=odt) for v in (x, maxout, ggx))
            geo, p = _pool_geometry(op, x.shape)
            op.check_pooled(x, maxout, geo, "maxout")
            op.check_ggx(x.shape, ggx.shape)
            out = np.empty(maxout.shape, dtype=odt)
            if out.size:
                c_fn(x.ctypes.data, maxout.ctypes.data, ggx.ctypes.data, out.ctypes.data, p.ctypes.data)
            return out

        return run

    return _pool_plan(op, node, make)
