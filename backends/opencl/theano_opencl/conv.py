"""OpenCL lowerings of the 2-d convolutions (Conv2d and its two gradients, by im2col or col2im plus
the register-blocked matrix product) and of pooling (Pool, MaxPoolGrad, AveragePoolGrad over 2
axes). Importing this module registers them in `lowering.lower`.

Shapes are checked by the ops' own `geometry` methods, so errors are the reference's. The
column matrix of a batch can be large (W9's is 231 MB): batches are processed in chunks whose
column matrix holds at most COL_ELEMENTS elements.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from theano.backend import Plan
from theano.graph.basic import Apply
from theano.scalar import basic as scal
from theano.tensor.nnet.abstract_conv import Conv2d, Conv2dGradInputs, Conv2dGradWeights
from theano.tensor.signal.pool import AveragePoolGrad, MaxPoolGrad, Pool

from .conv_kernels import COL2IM_ROWS, col2im_source, im2col_source, im2col_t_source, pool_grad_source, pool_source
from .products_cpu import (MATMUL_CPU_ROWS, matmul_cpu_grid, matmul_cpu_sources, matmul_cpu_vector_width,
                         matmul_cpu_vectors)
from .lowering import NATIVE, Program, _raise_like, lower
from .reduction import reduce_launcher

__all__ = ["COL_ELEMENTS"]

#: the most elements of one chunk's column matrix (64 MiB of float32)
COL_ELEMENTS = 1 << 24

_FLOATS = ("float32", "float64")
_LOCAL = 256


def _launch_1d(rt: Any, clk: Any, n: int, args: list) -> None:
    if n == 0:
        return
    with rt.launch_lock(clk):
        clk.set_args(np.int64(n), *args)
        rt.cl.enqueue_nd_range_kernel(rt.queue, clk, (-(-n // _LOCAL) * _LOCAL,), (_LOCAL,))


class _Matmul:
    """C (+)= A @ B with the CPU product kernel on raw buffers (strides in elements)."""

    def __init__(self, backend: Any, odt: str):
        self.rt, self.odt = backend.rt, odt
        self.src = matmul_cpu_sources(odt, odt, odt, False)
        self.src_acc = matmul_cpu_sources(odt, odt, odt, True)
        self.one = None
        #: filters from which the forward product puts them on C's columns (two vectors: a
        #: block variant without the edge path's masked loads)
        self.block_columns = 2 * matmul_cpu_vector_width(odt)

    def sources(self) -> tuple[str, ...]:
        return tuple(self.src.values()) + tuple(self.src_acc.values())

    def blocks(self, M: int, N: int) -> int:
        """Work-items of a product of M x N (for the split-K choice)."""
        nv = matmul_cpu_vectors(N, self.odt)
        return -(-M // MATMUL_CPU_ROWS[nv]) * -(-N // (nv * matmul_cpu_vector_width(self.odt)))

    def __call__(self, M: int, N: int, K: int, A: tuple, B: tuple, C: tuple, accumulate: bool,
                 split: tuple[int, int] | None = None, row_split: tuple[int, int] | None = None,
                 slices: tuple[int, int] = (1, 0)) -> None:
        """`split` = (P, stride): column c of C is stored at (c // P) * stride + (c % P) * cs1;
        `row_split` likewise for rows; `slices` = (S, stride): split-K, slice s of the K range
        summed into C + s * stride (elements)."""
        rt, i64 = self.rt, np.int64
        if M == 0 or N == 0:
            return
        nv = matmul_cpu_vectors(N, self.odt)
        src = (self.src_acc if accumulate else self.src)[nv]
        clk = rt.build([src])[src]
        kargs = [i64(M), i64(N), i64(K)]
        for buf, off, s0, s1 in (A, B, C):
            kargs += [buf, i64(off), i64(s0), i64(s1)]
        PR, rps = row_split if row_split is not None else (M, 0)
        P, cps = split if split is not None else (N, 0)
        S, csl = slices
        kargs += [i64(PR), i64(rps), i64(P), i64(cps), i64(-(-K // S) if K else 0), i64(csl)]
        if accumulate:
            if self.one is None:
                self.one = rt.to_device(np.ones((), self.odt))
            buf, off, s0, s1 = C
            kargs += [buf, i64(off), i64(s0), i64(s1), self.one.base_data, i64(self.one.offset),
                      self.one.base_data, i64(self.one.offset)]
        (g0, g1), (L0, L1) = matmul_cpu_grid(M, N, nv, self.odt)
        with rt.launch_lock(clk):
            clk.set_args(*kargs)
            rt.cl.enqueue_nd_range_kernel(rt.queue, clk, (g0, g1, S), (L0, L1, 1))

    def split_k(self, blocks: int, K: int) -> int:
        """Slices of K worth launching for a product of `blocks` work-items: enough parallel
        work for the device, each slice still long (a filter gradient is a small C and a K of
        batch x pixels)."""
        want = 16 * self.rt.compute_units
        if blocks >= want:
            return 1
        return max(1, min(64, want // max(blocks, 1), K // 1024))


def _conv_ok(op: Any, node: Apply, backend: Any) -> bool:
    dts = [i.type.dtype for i in node.inputs[:2]] + [node.outputs[0].type.dtype]
    return op.convdim == 2 and all(d in _FLOATS and d in backend.renderer.type_map for d in dts)


def _geom_args(kshape, out_shape, op, pads) -> list:
    i64 = np.int64
    (kh, kw), (oh, ow) = kshape, out_shape
    (sh, sw), (dh, dw) = op.subsample, op.filter_dilation
    return [i64(kh), i64(kw), i64(oh), i64(ow), i64(sh), i64(sw), i64(dh), i64(dw),
            i64(pads[0]), i64(pads[1]), np.int32(1 if op.filter_flip else 0)]


class _Im2col:
    def __init__(self, backend: Any, idt: str, odt: str):
        self.rt, self.odt = backend.rt, odt
        self.src, self.src_t = im2col_source(idt, odt), im2col_t_source(idt, odt)

    def sources(self) -> tuple[str, ...]:
        return self.src, self.src_t

    def __call__(self, img: Any, b0: int, nb: int, geom: list, trans: bool) -> Any:
        """The column matrix of images b0 .. b0 + nb: (C*kh*kw, nb*oh*ow), or its transpose."""
        rt, i64 = self.rt, np.int64
        B, C, H, W = img.shape
        kh, kw, oh, ow = (int(g) for g in geom[:4])
        rows, cols = C * kh * kw, nb * oh * ow
        col = rt.empty((cols, rows) if trans else (rows, cols), self.odt)
        src = self.src_t if trans else self.src
        clk = rt.build([src])[src]
        s = img.strides
        _launch_1d(rt, clk, cols if trans else rows * nb * oh, [i64(nb), i64(C), i64(H), i64(W)] + geom + [
            img.base_data, i64(img.offset + b0 * s[0]), i64(s[0]), i64(s[1]), i64(s[2]), i64(s[3]),
            col.base_data, i64(col.offset)])
        return col


def _sum_rows(backend: Any, odt: str) -> Callable[[Any], Any]:
    """x (S, n) -> its sum over axis 0, by the backend's reduction kernel."""
    def empty(x: Any) -> Any:
        return np.zeros(x.shape[1:], odt)

    return reduce_launcher(backend, scal.Add, odt, odt, odt, (0,), 2, empty)


def _chunk(B: int, per_image: int) -> int:
    return max(1, min(B, COL_ELEMENTS // max(per_image, 1)))


@lower.register(Conv2d)
def _lower_conv2d(op: Conv2d, node: Apply, backend: Any) -> Plan | None:
    if not _conv_ok(op, node, backend):
        return None
    odt = node.outputs[0].type.dtype
    im2col = _Im2col(backend, node.inputs[0].type.dtype, odt)
    mm = _Matmul(backend, odt)
    rt, dev = backend.rt, backend.dev
    isz = np.dtype(odt).itemsize
    g = op.num_groups

    def fn(img: Any, kern: Any) -> Any:
        img, kern = dev(img), dev(kern)
        pads, (oh, ow) = op.geometry(img.shape, kern.shape)
        B, C = img.shape[:2]
        F, cg, kh, kw = kern.shape
        kern = backend.contiguous(kern) if kern.dtype == np.dtype(odt) else backend.copy(kern, odt)
        out = rt.empty((B, F, oh, ow), odt)
        if out.size == 0:
            return out
        geom = _geom_args((kh, kw), (oh, ow), op, pads)
        fg, rows, ohw = F // g, cg * kh * kw, oh * ow
        # With at least a vector block of filters per group, out^T = col^T @ kern^T: the small
        # filter matrix is the product's right operand, read in vectors and kept in cache, and
        # the column matrix streams once per block of filters. With fewer filters, out = kern @
        # col, which reads the column matrix in vectors instead of element by element.
        transposed = fg >= mm.block_columns
        if transposed:
            kT = backend.copy(rt.view(kern, (rows, F), (isz, rows * isz), 0))
        step = _chunk(B, C * kh * kw * ohw)
        for b0 in range(0, B, step):
            nb = min(step, B - b0)
            col = im2col(img, b0, nb, geom, trans=transposed)
            n = nb * ohw
            base = out.offset + b0 * F * ohw * isz
            for k in range(g):
                # the product's (b, pixel) index lands at out[b0 + b, k * fg + f, pixel]
                if transposed:
                    mm(n, fg, rows,
                       (col.base_data, col.offset + k * rows * isz, C * kh * kw, 1),
                       (kT.base_data, kT.offset + k * fg * isz, F, 1),
                       (out.base_data, base + k * fg * ohw * isz, 1, ohw),
                       accumulate=False, row_split=(ohw, F * ohw))
                else:
                    mm(fg, n, rows,
                       (kern.base_data, kern.offset + k * fg * rows * isz, rows, 1),
                       (col.base_data, col.offset + k * rows * n * isz, n, 1),
                       (out.base_data, base + k * fg * ohw * isz, ohw, 1),
                       accumulate=False, split=(ohw, F * ohw))
        return out

    return Plan(NATIVE, fn=fn, payload=Program(im2col.sources() + mm.sources()))


@lower.register(Conv2dGradWeights)
def _lower_conv2d_grad_weights(op: Conv2dGradWeights, node: Apply, backend: Any) -> Plan | None:
    if not _conv_ok(op, node, backend):
        return None
    odt = node.outputs[0].type.dtype
    im2col = _Im2col(backend, node.inputs[0].type.dtype, odt)
    mm = _Matmul(backend, odt)
    rt, dev = backend.rt, backend.dev
    isz = np.dtype(odt).itemsize
    g = op.num_groups

    def fn(img: Any, top: Any, shape: Any) -> Any:
        img, top = dev(img), dev(top)
        (kh, kw), pads, (oh, ow) = op.geometry(img.shape, top.shape, backend.host(shape))
        B, C = img.shape[:2]
        F = top.shape[1]
        cg, fg = C // g, F // g
        out = rt.empty((F, cg, kh, kw), odt)
        if out.size == 0:
            return out
        if B * oh * ow == 0:
            return backend.copy(rt.view(rt.to_device(np.zeros((), odt)), out.shape, (0,) * 4, 0))
        # top as (F, B*oh*ow), contiguous: the product's left operand
        t = top
        topT = backend.copy(rt.view(t, (F, B, oh, ow), (t.strides[1], t.strides[0], t.strides[2],
                                                        t.strides[3]), 0), odt)
        geom = _geom_args((kh, kw), (oh, ow), op, pads)
        rows, ncol = cg * kh * kw, B * oh * ow
        step = _chunk(B, C * kh * kw * oh * ow)
        blocks = g * mm.blocks(fg, rows)
        S = mm.split_k(blocks, step * oh * ow)
        if S > 1:  # every chunk's slices into their own copies of the result, summed at the end
            part = rt.empty((-(-B // step) * S, F * rows), odt)
        for ci, b0 in enumerate(range(0, B, step)):
            nb = min(step, B - b0)
            colT = im2col(img, b0, nb, geom, trans=True)  # (nb*oh*ow, C*kh*kw)
            n = nb * oh * ow
            for k in range(g):
                A = (topT.base_data, topT.offset + (k * fg * ncol + b0 * oh * ow) * isz, ncol, 1)
                Bm = (colT.base_data, colT.offset + k * rows * isz, C * kh * kw, 1)
                if S > 1:
                    mm(fg, rows, n, A, Bm,
                       (part.base_data, part.offset + (ci * S * F + k * fg) * rows * isz, rows, 1),
                       accumulate=False, slices=(S, F * rows))
                else:
                    mm(fg, rows, n, A, Bm, (out.base_data, out.offset + k * fg * rows * isz, rows, 1),
                       accumulate=b0 > 0)
        if S > 1:
            total = _sum_rows(backend, odt)(part)
            return rt.view(total, out.shape, out.strides, 0)
        return out

    return Plan(NATIVE, fn=fn, payload=Program(im2col.sources() + mm.sources()))


@lower.register(Conv2dGradInputs)
def _lower_conv2d_grad_inputs(op: Conv2dGradInputs, node: Apply, backend: Any) -> Plan | None:
    if not _conv_ok(op, node, backend):
        return None
    odt = node.outputs[0].type.dtype
    mm = _Matmul(backend, odt)
    c2i = col2im_source(odt)
    rt, dev = backend.rt, backend.dev
    isz = np.dtype(odt).itemsize
    g = op.num_groups

    def fn(kern: Any, top: Any, shape: Any) -> Any:
        kern, top = dev(kern), dev(top)
        (H, W), pads, (oh, ow) = op.geometry(kern.shape, top.shape, backend.host(shape))
        F, cg, kh, kw = kern.shape
        B = top.shape[0]
        C, fg = cg * g, F // g
        out = rt.empty((B, C, H, W), odt)
        if out.size == 0:
            return out
        kern = backend.contiguous(kern) if kern.dtype == np.dtype(odt) else backend.copy(kern, odt)
        t = top
        topT = backend.copy(rt.view(t, (F, B, oh, ow), (t.strides[1], t.strides[0], t.strides[2],
                                                        t.strides[3]), 0), odt)
        geom = _geom_args((kh, kw), (oh, ow), op, pads)
        rows, ncol = cg * kh * kw, B * oh * ow
        clk = rt.build([c2i])[c2i]
        step = _chunk(B, C * kh * kw * oh * ow)
        for b0 in range(0, B, step):
            nb = min(step, B - b0)
            n = nb * oh * ow
            dcol = rt.empty((C * kh * kw, n), odt)
            if n and fg:
                for k in range(g):
                    # dcol_k = kern_k^T @ top_k: the filters read transposed, no copy
                    mm(rows, n, fg,
                       (kern.base_data, kern.offset + k * fg * rows * isz, 1, rows),
                       (topT.base_data, topT.offset + (k * fg * ncol + b0 * oh * ow) * isz, ncol, 1),
                       (dcol.base_data, dcol.offset + k * rows * n * isz, n, 1),
                       accumulate=False)
            else:
                dcol = backend.copy(rt.view(rt.to_device(np.zeros((), odt)), dcol.shape, (0, 0), 0))
            i64 = np.int64
            _launch_1d(rt, clk, nb * C * -(-H // COL2IM_ROWS) if W else 0, [i64(nb), i64(C), i64(H), i64(W)] + geom + [
                dcol.base_data, i64(dcol.offset), out.base_data, i64(out.offset + b0 * C * H * W * isz)])
        return out

    return Plan(NATIVE, fn=fn, payload=Program(mm.sources() + (c2i,)))


# -- pooling ----------------------------------------------------------------------------------------

def _pool_ok(op: Any, node: Apply, backend: Any) -> bool:
    dts = [i.type.dtype for i in node.inputs] + [node.outputs[0].type.dtype]
    return (op.ndim == 2 and op.ws is not None and node.inputs[0].type.ndim >= 2
            and all(d in _FLOATS and d in backend.renderer.type_map for d in dts))


def _pool_args(op: Any, H: int, W: int, oh: int, ow: int) -> list:
    i64 = np.int64
    return [i64(H), i64(W), i64(oh), i64(ow), i64(op.ws[0]), i64(op.ws[1]), i64(op.stride[0]),
            i64(op.stride[1]), i64(op.pad[0]), i64(op.pad[1])]


@lower.register(Pool)
def _lower_pool(op: Pool, node: Apply, backend: Any) -> Plan | None:
    if not _pool_ok(op, node, backend):
        return None
    dt = node.outputs[0].type.dtype
    src = pool_source(dt, op.mode)
    rt, i64 = backend.rt, np.int64

    def bind(kernels: dict[str, Any]) -> Callable[..., Any]:
        clk = kernels[src]

        def fn(x: Any) -> Any:
            x = backend.contiguous(backend.dev(x))
            H, W = x.shape[-2:]
            oh, ow = op.geometry(x.shape).out
            out = rt.empty(tuple(x.shape[:-2]) + (oh, ow), dt)
            if x.size and out.size:
                _launch_1d(rt, clk, out.size, _pool_args(op, H, W, oh, ow) + [
                    x.base_data, i64(x.offset), out.base_data, i64(out.offset)])
            elif out.size:  # nothing to pool over: the reference's answer
                return op.make_py_fn(node)(np.empty(x.shape, x.dtype))
            return out

        return fn

    return Plan(NATIVE, payload=Program((src,), bind))


def _lower_pool_grad(op: Any, node: Apply, backend: Any) -> Plan | None:
    if not _pool_ok(op, node, backend):
        return None
    dt = node.outputs[0].type.dtype
    is_max = isinstance(op, MaxPoolGrad)
    src = pool_grad_source(dt, op.mode)
    rt, i64 = backend.rt, np.int64

    def bind(kernels: dict[str, Any]) -> Callable[..., Any]:
        clk = kernels[src]

        def fn(*args: Any) -> Any:
            args = [backend.contiguous(backend.dev(a)) for a in args]
            x, gz = args[0], args[-1]
            mx = args[1] if is_max else gz
            H, W = x.shape[-2:]
            oh, ow = op.geometry(x.shape).out
            want = tuple(x.shape[:-2]) + (oh, ow)
            if tuple(gz.shape) != want or tuple(mx.shape) != want:
                _raise_like(node, args)
            out = rt.empty(x.shape, dt)
            _launch_1d(rt, clk, out.size // W if W else 0, _pool_args(op, H, W, oh, ow) + [
                x.base_data, i64(x.offset), mx.base_data, i64(mx.offset), gz.base_data, i64(gz.offset),
                out.base_data, i64(out.offset)])
            return out

        return fn

    return Plan(NATIVE, payload=Program((src,), bind))


lower.register(MaxPoolGrad, AveragePoolGrad)(_lower_pool_grad)
