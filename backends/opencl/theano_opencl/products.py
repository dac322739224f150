"""OpenCL lowerings of the matrix products (Dot of every rank, Gemm, Gemv): on a CPU device the
register-blocked kernel (matmul_cpu.matmul_cpu_source), elsewhere the local-memory tiled one
(kernels.matmul_source). Importing this module registers them in `lowering.lower`."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from theano.backend import Plan
from theano.graph.basic import Apply
from theano.tensor.math import Dot
from theano.tensor.gemm import Gemm, Gemv

from .products_kernels import MATMUL_TILE, matmul_source
from .products_cpu import matmul_cpu_grid, matmul_cpu_sources, matmul_cpu_vectors
from .lowering import NATIVE, Program, _raise_like, lower

__all__ = ["matmul_launcher", "matmul_cpu_launcher"]


#: a B without unit stride along its rows is copied once for products of at least this many
#: rows (a few blocks of gathers cost more than the copy)
GATHER_ROWS = 16

_MATMUL_DTYPES = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64",
                  "float32", "float64")


def _lower_product(op: Any, node: Apply, backend: Any) -> Plan | None:
    gemm = isinstance(op, (Gemm, Gemv))
    xv, yv = (node.inputs[2], node.inputs[3]) if gemm else (node.inputs[0], node.inputs[1])
    odt = node.outputs[0].type.dtype
    if any(d not in _MATMUL_DTYPES for d in (xv.type.dtype, yv.type.dtype, odt)):
        return None
    py = op.make_py_fn(node)
    if backend.rt.is_cpu:
        srcs = matmul_cpu_sources(xv.type.dtype, yv.type.dtype, odt, gemm)
        return Plan(NATIVE, payload=Program(tuple(srcs.values()), lambda kernels: matmul_cpu_launcher(
            backend, node, {v: kernels[s] for v, s in srcs.items()}, odt, gemm)))
    tile, per_item = backend.rt.matmul_tiling(np.dtype(odt).itemsize)
    src = matmul_source(xv.type.dtype, yv.type.dtype, odt, gemm, tile, per_item)

    def bind(kernels: dict[str, Any]) -> Callable[..., Any]:
        return matmul_launcher(backend, node, kernels[src], odt, gemm, py, tile, per_item)

    return Plan(NATIVE, payload=Program((src,), bind))


lower.register(Dot, Gemm, Gemv)(_lower_product)


def _as_matrix(a: Any, row_vector: bool) -> tuple[int, int, int, int]:
    """(rows, cols, row stride, col stride) of a matrix, or of a vector seen as a 1 x k row
    (row_vector) or a k x 1 column."""
    if a.ndim == 2:
        return a.shape[0], a.shape[1], a.strides[0], a.strides[1]
    if row_vector:
        return 1, a.shape[0], 0, a.strides[0]
    return a.shape[0], 1, a.strides[0], 0


def matmul_launcher(backend: Any, node: Apply, clk: Any, odt: str, gemm: bool,
                    py: Callable[..., Any], T: int = MATMUL_TILE, per_item: int = 4) -> Callable[..., Any]:
    rt = backend.rt
    cl = rt.cl
    R = T // per_item
    i64 = np.int64
    isz = np.dtype(odt).itemsize
    dev = backend.dev
    lock = rt.launch_lock(clk)

    def fn(*args: Any) -> Any:
        args = [dev(a) for a in args]
        z, alpha, x, y, beta = args if gemm else (None, None, args[0], args[1], None)
        if x.shape[-1] != y.shape[0]:
            _raise_like(node, args)
        M, K, as0, as1 = _as_matrix(x, True)
        K2, N, bs0, bs1 = _as_matrix(y, False)
        oshape = tuple(x.shape[:-1]) + tuple(y.shape[1:])
        if gemm and tuple(z.shape) != oshape:
            raise ValueError(f"{node.op}: z of shape {z.shape} cannot hold dot(x, y) of shape {oshape}")
        out = rt.empty(oshape, odt)
        if M == 0 or N == 0:
            return out
        cs0 = N * isz if x.ndim == 2 else 0
        cs1 = isz if y.ndim == 2 else 0
        kargs: list[Any] = [i64(M), i64(N), i64(K),
                            x.base_data if x.size else out.base_data, i64(x.offset), i64(as0), i64(as1),
                            y.base_data if y.size else out.base_data, i64(y.offset), i64(bs0), i64(bs1),
                            out.base_data, i64(out.offset), i64(cs0), i64(cs1)]
        if gemm:
            zs0, zs1 = z.strides[0], (z.strides[1] if z.ndim == 2 else 0)
            kargs += [z.base_data, i64(z.offset), i64(zs0), i64(zs1),
                      alpha.base_data, i64(alpha.offset), beta.base_data, i64(beta.offset)]
        gsize = (((N + T - 1) // T) * T, ((M + T - 1) // T) * R)
        with lock:
            clk.set_args(*kargs)
            cl.enqueue_nd_range_kernel(rt.queue, clk, gsize, (T, R))
        return out

    return fn


def matmul_cpu_launcher(backend: Any, node: Apply, clks: dict[int, Any], odt: str,
                        gemm: bool) -> Callable[..., Any]:
    """The run-time function of matmul_cpu.matmul_cpu_source: strides in elements, one
    work-item per block of C, the block variant (`clks`, by vectors per row) chosen by N."""
    rt = backend.rt
    cl = rt.cl
    i64 = np.int64
    dev = backend.dev
    locks = {v: rt.launch_lock(k) for v, k in clks.items()}

    def elems(a: Any, strides: Sequence[int]) -> tuple[Any, list[int]] | None:
        isz = a.dtype.itemsize
        if any(s % isz for s in strides) or a.offset % isz:
            return None
        return a, [s // isz for s in strides]

    def operand(a: Any, row_vector: bool) -> tuple[Any, int, int, int, int]:
        m, n, s0, s1 = _as_matrix(a, row_vector)
        e = elems(a, (s0, s1))
        if e is None:  # a view with a stride that is no whole number of elements
            a = backend.contiguous(a, force_copy=True)
            m, n, s0, s1 = _as_matrix(a, row_vector)
            e = elems(a, (s0, s1))
        return a, m, n, e[1][0], e[1][1]

    def fn(*args: Any) -> Any:
        args = [dev(a) for a in args]
        z, alpha, x, y, beta = args if gemm else (None, None, args[0], args[1], None)
        if x.shape[-1] != y.shape[0]:
            _raise_like(node, args)
        x, M, K, as0, as1 = operand(x, True)
        y, _, N, bs0, bs1 = operand(y, False)
        if bs1 != 1 and N > 1 and M >= GATHER_ROWS and y.ndim == 2:
            # B without unit stride along its rows (W.T in a gradient) would be read element
            # by element for every block of rows: one contiguous copy costs K*N, the gathers
            # about M/6 times that (W8's 128x500 @ (800x500).T: 2.7 ms, 0.6 ms after a copy)
            y = backend.copy(y)
            _, N, bs0, bs1 = _as_matrix(y, False)
            bs0, bs1 = bs0 // y.dtype.itemsize, bs1 // y.dtype.itemsize
        oshape = tuple(x.shape[:-1]) + tuple(y.shape[1:])
        if gemm and tuple(z.shape) != oshape:
            raise ValueError(f"{node.op}: z of shape {z.shape} cannot hold dot(x, y) of shape {oshape}")
        out = rt.empty(oshape, odt)
        if M == 0 or N == 0:
            return out
        cs0 = N if x.ndim == 2 else 0
        cs1 = 1 if y.ndim == 2 else 0
        kargs: list[Any] = [i64(M), i64(N), i64(K),
                            x.base_data if x.size else out.base_data, i64(x.offset), i64(as0), i64(as1),
                            y.base_data if y.size else out.base_data, i64(y.offset), i64(bs0), i64(bs1),
                            out.base_data, i64(out.offset), i64(cs0), i64(cs1), i64(M), i64(0), i64(N), i64(0), i64(K), i64(0)]
        if gemm:
            if z.ndim == 2:
                zs0, zs1 = z.strides
            else:  # Gemv: a vector along whichever side is not 1
                zs0, zs1 = (z.strides[0], 0) if x.ndim == 2 else (0, z.strides[0])
            zsz = z.dtype.itemsize
            if zs0 % zsz or zs1 % zsz or z.offset % zsz:
                z = backend.contiguous(z, force_copy=True)
                zs0, zs1 = (z.strides + (0,))[:2] if z.ndim == 2 else ((zsz, 0) if x.ndim == 2 else (0, zsz))
            kargs += [z.base_data, i64(z.offset), i64(zs0 // zsz), i64(zs1 // zsz),
                      alpha.base_data, i64(alpha.offset), beta.base_data, i64(beta.offset)]
        nv = matmul_cpu_vectors(N, odt)
        gsize, lsize = matmul_cpu_grid(M, N, nv, odt)
        clk = clks[nv]
        with locks[nv]:
            clk.set_args(*kargs)
            cl.enqueue_nd_range_kernel(rt.queue, clk, gsize, lsize)
        return out

    return fn
