"""OpenCL lowerings of the row-wise nnet ops (softmax, log-softmax, their gradient, softmax with a
bias, the cross-entropy ops and their gradients) and of max-and-argmax, as the generated row
kernels of `softmax_rows`. Importing this module registers them in `lowering.lower`.

Each launcher checks shapes as the NumPy meaning does (by running it on proxies, so the error
is the reference's), views every array as rows over kept axes without copying, and launches
one kernel per call. Class indices live on the device: the kernel flags one out of range and
the launcher, after reading the flag, raises the reference's error from host copies.
"""
from __future__ import annotations

import threading
from typing import Any, Callable, Sequence

import numpy as np

from theano.backend import Plan
from theano.graph.basic import Apply
from theano.kernel.workgroup import collapse
from theano.tensor.math import MaxAndArgmax
from theano.tensor.nnet.crossentropy import (CrossentropyCategorical1Hot, CrossentropyCategorical1HotGrad,
                                             CrossentropySoftmax1HotWithBiasDx,
                                             CrossentropySoftmaxArgmax1HotWithBias)
from theano.tensor.nnet.softmax import LogSoftmax, Softmax, SoftmaxGrad, SoftmaxWithBias

from . import softmax_rows as rk
from .lowering import NATIVE, Program, _raise_like, lower

__all__ = ["RowLauncher"]

_FLOATS = ("float32", "float64")


def _contiguous_strides(shape: Sequence[int], itemsize: int) -> list[int]:
    st, out = itemsize, [0] * len(shape)
    for k in reversed(range(len(shape))):
        out[k] = st
        st *= shape[k]
    return out


class RowLauncher:
    """Runs one row kernel (for any number of kept axes, each count compiled on first use)."""

    def __init__(self, backend: Any, arrays: Sequence[tuple[str, str, bool]], work: str,
                 body: Callable[[rk.RowKernel], list[str]], argmax: bool = False):
        self.backend, self.rt = backend, backend.rt
        self.arrays, self.work, self.body, self.argmax = list(arrays), work, body, argmax
        self.names = [a[0] for a in arrays]
        self._kernels: dict[int, Any] = {}
        self._err = None
        self._flag = np.zeros(1, np.int32)
        self._lock = threading.Lock()

    def source(self, nk: int) -> str:
        k = rk.RowKernel(self.arrays, self.work, nk)
        return k.source(self.body(k), self.argmax)

    def _kernel(self, nk: int) -> Any:
        k = self._kernels.get(nk)
        if k is None:
            src = self.source(nk)
            k = self.rt.build([src])[src]
            self._kernels[nk] = k
        return k

    def __call__(self, kept_shape: Sequence[int], K: int, layout: dict[str, tuple[Any, Sequence[int], int]],
                 check: bool = False, serial: bool = False) -> bool:
        """Launch over rows; layout[name] = (device array, strides over the kept axes, stride
        along the row); `serial`: one work-item per row whatever K. Returns whether the kernel flagged a class index out of range."""
        rt, cl = self.rt, self.rt.cl
        R = int(np.prod(kept_shape, dtype=np.int64))
        if R == 0:
            return False
        dims = collapse([(int(s),) + tuple(int(layout[n][1][d]) for n in self.names)
                          for d, s in enumerate(kept_shape)])
        clk = self._kernel(len(dims))
        L = 1 if K <= 32 or serial else (64 if K <= 4096 else 256)
        L = min(L, rt.max_group)
        i64 = np.int64
        kargs: list[Any] = [i64(R), i64(K)] + [i64(d[0]) for d in dims]
        for j, n in enumerate(self.names):
            a, _, ax = layout[n]
            kargs += [i64(d[1 + j]) for d in dims]
            kargs += [a.base_data, i64(a.offset), i64(ax)]
        with self._lock:
            if self._err is None:
                self._err = rt.to_device(np.zeros(1, np.int32))
            kargs += [self._err.base_data, cl.LocalMemory(max(np.dtype(self.work).itemsize, 1) * L)]
            if self.argmax:
                kargs.append(cl.LocalMemory(8 * L))
            groups = min(R, 1 << 16)
            with rt.launch_lock(clk):
                clk.set_args(*kargs)
                cl.enqueue_nd_range_kernel(rt.queue, clk, (groups * L,), (L,))
            if not check:
                return False
            cl.enqueue_copy(rt.queue, self._flag, self._err.base_data, src_offset=self._err.offset,
                            is_blocking=True)
            if self._flag[0]:
                self._err = None  # a fresh zeroed flag for the next call
                return True
        return False


def _dtypes_ok(backend: Any, *dts: str) -> bool:
    return all(d in backend.renderer.type_map for d in dts)


def _row_layout(a: Any, axis: int) -> tuple[Any, list[int], int]:
    return a, [s for d, s in enumerate(a.strides) if d != axis], a.strides[axis]


def _kept(shape: Sequence[int], axis: int) -> list[int]:
    return [s for d, s in enumerate(shape) if d != axis]


def _raise_from_host(node: Apply, backend: Any, args: Sequence[Any]) -> None:
    """The reference's error for these values (the kernel found a bad class index)."""
    node.op.make_py_fn(node)(*[backend.host(a) for a in args])
    raise ValueError(f"{node.op}: a class index is out of range")


# -- softmax family --------------------------------------------------------------------------

def _lower_axis_op(op: Any, node: Apply, backend: Any) -> Plan | None:
    """Softmax, LogSoftmax (one input) and SoftmaxGrad (dy, sm) along op.axis."""
    odt = node.outputs[0].type.dtype
    idts = [i.type.dtype for i in node.inputs]
    if odt not in _FLOATS or not _dtypes_ok(backend, *idts):
        return None
    axis = op.axis
    grad = isinstance(op, SoftmaxGrad)
    if grad:
        run = RowLauncher(backend, [("dy", idts[0], False), ("sm", idts[1], False), ("out", odt, True)],
                          odt, rk.softmax_grad_body)
    else:
        body = rk.logsoftmax_body if isinstance(op, LogSoftmax) else rk.softmax_body
        run = RowLauncher(backend, [("x", idts[0], False), ("out", odt, True)], odt, body)
    dev, rt = backend.dev, backend.rt

    def fn(*args: Any) -> Any:
        args = [dev(a) for a in args]
        if grad and args[0].shape != args[1].shape:
            _raise_like(node, args)
        x = args[-1]
        out = rt.empty(x.shape, odt)
        if x.size == 0:
            return out
        layout = {"out": _row_layout(out, axis)}
        if grad:
            layout["dy"], layout["sm"] = _row_layout(args[0], axis), _row_layout(args[1], axis)
        else:
            layout["x"] = _row_layout(x, axis)
        run(_kept(x.shape, axis), x.shape[axis], layout)
        return out

    return Plan(NATIVE, fn=fn, payload=Program((run.source(node.inputs[0].type.ndim - 1),)))


lower.register(Softmax, LogSoftmax, SoftmaxGrad)(_lower_axis_op)


@lower.register(SoftmaxWithBias)
def _lower_softmax_bias(op: Any, node: Apply, backend: Any) -> Plan | None:
    odt = node.outputs[0].type.dtype
    xdt, bdt = (i.type.dtype for i in node.inputs)
    if odt not in _FLOATS or not _dtypes_ok(backend, xdt, bdt):
        return None
    run = RowLauncher(backend, [("x", xdt, False), ("b", bdt, False), ("out", odt, True)], odt,
                      lambda k: rk.softmax_body(k, bias=True))
    dev, rt = backend.dev, backend.rt

    def fn(x: Any, b: Any) -> Any:
        x, b = dev(x), dev(b)
        if b.shape[0] != x.shape[1]:
            _raise_like(node, [x, b])
        out = rt.empty(x.shape, odt)
        if x.size:
            run([x.shape[0]], x.shape[1], {"x": _row_layout(x, 1), "b": (b, [0], b.strides[0]),
                                           "out": _row_layout(out, 1)})
        return out

    return Plan(NATIVE, fn=fn, payload=Program((run.source(1),)))


# -- cross-entropy -----------------------------------------------------------------------------

def _per_row(a: Any) -> tuple[Any, list[int], int]:
    """A vector with one value per row."""
    return a, [a.strides[0]], 0


@lower.register(CrossentropySoftmaxArgmax1HotWithBias)
def _lower_xent_sm_argmax(op: Any, node: Apply, backend: Any) -> Plan | None:
    odt = node.outputs[0].type.dtype
    adt = node.outputs[2].type.dtype
    xdt, bdt, ydt = (i.type.dtype for i in node.inputs)
    if odt not in _FLOATS or not _dtypes_ok(backend, xdt, bdt, ydt, adt):
        return None
    run = RowLauncher(backend, [("x", xdt, False), ("b", bdt, False), ("y", ydt, False),
                                ("nll", odt, True), ("sm", odt, True), ("am", adt, True)],
                      odt, rk.xent_sm_argmax_body, argmax=True)
    dev, rt = backend.dev, backend.rt

    def fn(x: Any, b: Any, y: Any) -> Any:
        x, b, y = dev(x), dev(b), dev(y)
        R, K = x.shape
        if b.shape[0] != K or K == 0 or y.shape[0] != R:
            _raise_like(node, [x, b, y])
        nll, sm, am = rt.empty((R,), odt), rt.empty((R, K), odt), rt.empty((R,), adt)
        bad = run([R], K, {"x": _row_layout(x, 1), "b": (b, [0], b.strides[0]), "y": _per_row(y),
                           "nll": _per_row(nll), "sm": _row_layout(sm, 1), "am": _per_row(am)},
                  check=True)
        if bad:
            _raise_from_host(node, backend, [x, b, y])
        return nll, sm, am

    return Plan(NATIVE, fn=fn, payload=Program((run.source(1),)))


@lower.register(CrossentropySoftmax1HotWithBiasDx)
def _lower_xent_dx(op: Any, node: Apply, backend: Any) -> Plan | None:
    odt = node.outputs[0].type.dtype
    ddt, sdt, ydt = (i.type.dtype for i in node.inputs)
    if odt not in _FLOATS or not _dtypes_ok(backend, ddt, sdt, ydt):
        return None
    run = RowLauncher(backend, [("dy", ddt, False), ("sm", sdt, False), ("y", ydt, False),
                                ("dx", odt, True)], odt, rk.xent_dx_body)
    dev, rt = backend.dev, backend.rt

    def fn(dy: Any, sm: Any, y: Any) -> Any:
        dy, sm, y = dev(dy), dev(sm), dev(y)
        R, K = sm.shape
        if y.shape[0] != R or dy.shape[0] != R:
            _raise_like(node, [dy, sm, y])
        dx = rt.empty((R, K), odt)
        bad = run([R], K, {"dy": _per_row(dy), "sm": _row_layout(sm, 1), "y": _per_row(y),
                           "dx": _row_layout(dx, 1)}, check=True)
        if bad:
            _raise_from_host(node, backend, [dy, sm, y])
        return dx

    return Plan(NATIVE, fn=fn, payload=Program((run.source(1),)))


@lower.register(CrossentropyCategorical1Hot)
def _lower_xent_1hot(op: Any, node: Apply, backend: Any) -> Plan | None:
    odt = node.outputs[0].type.dtype
    xdt, ydt = (i.type.dtype for i in node.inputs)
    if odt not in _FLOATS or not _dtypes_ok(backend, xdt, ydt):
        return None
    run = RowLauncher(backend, [("x", xdt, False), ("y", ydt, False), ("out", odt, True)], odt,
                      rk.xent_1hot_body)
    dev, rt = backend.dev, backend.rt

    def fn(x: Any, y: Any) -> Any:
        x, y = dev(x), dev(y)
        R, K = x.shape
        if y.shape[0] != R:
            _raise_like(node, [x, y])
        out = rt.empty((R,), odt)
        # one element per row, whatever its length
        if run([R], K, {"x": _row_layout(x, 1), "y": _per_row(y), "out": _per_row(out)},
               check=True, serial=True):
            _raise_from_host(node, backend, [x, y])
        return out

    return Plan(NATIVE, fn=fn, payload=Program((run.source(1),)))


@lower.register(CrossentropyCategorical1HotGrad)
def _lower_xent_1hot_grad(op: Any, node: Apply, backend: Any) -> Plan | None:
    odt = node.outputs[0].type.dtype
    gdt, xdt, ydt = (i.type.dtype for i in node.inputs)
    if odt not in _FLOATS or not _dtypes_ok(backend, gdt, xdt, ydt):
        return None
    run = RowLauncher(backend, [("g", gdt, False), ("x", xdt, False), ("y", ydt, False),
                                ("out", odt, True)], odt, rk.xent_1hot_grad_body)
    dev, rt = backend.dev, backend.rt

    def fn(g: Any, x: Any, y: Any) -> Any:
        g, x, y = dev(g), dev(x), dev(y)
        R, K = x.shape
        if y.shape[0] != R or g.shape[0] != R:
            _raise_like(node, [g, x, y])
        out = rt.empty((R, K), odt)
        if run([R], K, {"g": _per_row(g), "x": _row_layout(x, 1), "y": _per_row(y),
                        "out": _row_layout(out, 1)}, check=True):
            _raise_from_host(node, backend, [g, x, y])
        return out

    return Plan(NATIVE, fn=fn, payload=Program((run.source(1),)))


# -- max and argmax ------------------------------------------------------------------------------

@lower.register(MaxAndArgmax)
def _lower_max_argmax(op: MaxAndArgmax, node: Apply, backend: Any) -> Plan | None:
    xdt = node.inputs[0].type.dtype
    if not _dtypes_ok(backend, xdt):
        return None
    nd = node.inputs[0].type.ndim
    axes = tuple(range(nd)) if op.axis is None else tuple(op.axis)
    keep = [d for d in range(nd) if d not in axes]
    run = RowLauncher(backend, [("x", xdt, False), ("mx", xdt, True), ("idx", "int64", True)], xdt,
                      rk.max_argmax_body, argmax=True)
    py = op.make_py_fn(node)
    dev, rt = backend.dev, backend.rt

    def fn(x: Any) -> Any:
        x = dev(x)
        if x.size == 0:  # empty outputs, or the reference's error
            return py(np.empty(x.shape, xdt))
        kshape = [x.shape[d] for d in keep]
        red = collapse([(x.shape[a], x.strides[a]) for a in axes])
        if len(red) > 1:
            # the reduced axes do not address memory as one run: gather them contiguous
            order = keep + list(axes)
            x = backend.copy(rt.view(x, [x.shape[d] for d in order], [x.strides[d] for d in order], 0))
            keep_now, red = list(range(len(keep))), [(int(np.prod([s for s in x.shape[len(keep):]])),
                                                      x.dtype.itemsize)]
        else:
            keep_now = keep
        K, ax = (red[0][0], red[0][1]) if red else (1, 0)
        mx, idx = rt.empty(kshape, xdt), rt.empty(kshape, "int64")
        kx = [x.strides[d] for d in keep_now]
        run(kshape, K, {"x": (x, kx, ax), "mx": (mx, list(mx.strides), 0),
                        "idx": (idx, list(idx.strides), 0)})
        return mx, idx

    return Plan(NATIVE, fn=fn, payload=Program((run.source(len(keep)),)))
