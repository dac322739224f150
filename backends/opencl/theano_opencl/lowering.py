"""How the OpenCL backend runs each op: its table of the core's lowering contract
(`theano.backend.lowering_table`, dispatch on the op class), and the lowerings of elementwise
kernels, views and shapes; the other topics register their ops from their own modules:
reductions from `reduction`, matrix products from `products`, the nnet row ops from `nnet`,
convolutions and pooling from `conv`.

A lowering returns a `theano.backend.Plan`: its `fn`, or as payload a `Program`, the OpenCL
sources the node needs (compiled together with the rest of the graph's at link time) and
`bind`, which turns the compiled kernels into the node's run-time function. A third party
adds an op without touching this file: ``lowering.lower.register(MyOp)(fn)`` where
fn(op, node, backend) returns a Plan or None (None: the node falls back to its NumPy meaning,
with host transfers).

Run-time values: tensors live on the device as pyopencl arrays, except small host arrays
made by shape arithmetic (Shape, Shape_i, fallbacks); every lowering accepts both and moves
what it needs (`backend.dev`, `backend.host`). A plan's `host_inputs` says which inputs it
reads on the host: a constant only such readers consume is never uploaded.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np
from numpy.lib.stride_tricks import as_strided

from theano.backend import Plan, all_inputs, lowering_table
from theano.compile.ops import DeepCopyOp
from theano.graph.basic import Apply, Constant
from theano.kernel.ir import Kernel, elemwise_kernel
from theano.tensor.basic import Alloc, Rebroadcast
from theano.tensor.elemwise import DimShuffle, Elemwise
from theano.tensor.join import MakeVector
from theano.tensor.shape import Reshape, Shape, Shape_i, SpecifyShape
from theano.tensor.subtensor import Subtensor, _fill_index

from .elemwise_rows import ROW_LOCAL, RowMerger

__all__ = ["NATIVE", "Program", "VIEW", "lower"]

NATIVE = "opencl kernel"
VIEW = "opencl (view/shape)"

#: elementwise nodes whose inputs are all host arrays of at most this many elements run on
#: the host (shape arithmetic): a launch plus an upload would cost more than the work
HOST_SMALL = 16

#: the OpenCL backend's lowering table
lower = lowering_table("OpenCL")


@dataclass(frozen=True)
class Program:
    """The OpenCL payload of a Plan: kernel sources, compiled with the rest of the graph's
    at link time, and bind(kernels by source) -> the node's callable (None: the plan's `fn`
    is the callable, and fetches its compiled kernels itself)."""

    sources: tuple[str, ...] = ()
    bind: Callable[[dict[str, Any]], Callable[..., Any]] | None = None


def _proxy(shape: Sequence[int], dtype: Any, strides: Sequence[int] | None = None) -> np.ndarray:
    """A host array with this shape (and strides) over one element: for the checks and index
    arithmetic of the NumPy meaning, never for its values."""
    base = np.zeros(1, dtype=dtype)
    return as_strided(base, tuple(shape), tuple(strides) if strides is not None else (0,) * len(shape))


def _raise_like(node: Apply, args: Sequence[Any]) -> None:
    """Raise the error the NumPy meaning raises for arguments of these shapes."""
    py = node.op.make_py_fn(node)
    proxies = [_proxy(a.shape, a.dtype) if hasattr(a, "shape") else a for a in args]
    with np.errstate(all="ignore"):
        py(*proxies)
    raise ValueError(f"{node.op}: invalid input shapes {[getattr(a, 'shape', None) for a in args]}")


def _const_host(node: Apply, k: int) -> Any:
    """The host value of input k when it is a constant, else None."""
    i = node.inputs[k]
    return np.asarray(i.data) if isinstance(i, Constant) else None


# -- elementwise ------------------------------------------------------------------------------

@lower.register(Elemwise)
def _lower_elemwise(op: Elemwise, node: Apply, backend: Any) -> Plan | None:
    kernel = backend.renderer.checked(elemwise_kernel(node))
    if kernel is None:
        return None
    srcs = elemwise_sources(backend.renderer, kernel, "elemwise")
    py = op.make_py_fn(node)

    def bind(kernels: dict[str, Any]) -> Callable[..., Any]:
        return elemwise_launcher(backend, node, kernel, paths_of(kernels, srcs), py)

    return Plan(NATIVE, payload=Program(srcs, bind))


def elemwise_sources(renderer: Any, kernel: Kernel, name: str) -> tuple[str, str]:
    """(contiguous path, strided path) of an elementwise kernel, as two kernels of one program.

    PoCL generates a kernel's code when it is first launched, at a cost that grows with the
    code: one kernel holding both paths cost about 0.17 CPU s on its first launch, the
    contiguous one alone about 0.07 (exp(x) + 1, PoCL 3.1). Most kernels only ever run
    contiguous arrays and so never pay for the strided path. On a GPU driver, which compiles
    the whole program when it is built, two kernels cost what one with both paths did."""
    return (renderer.render(kernel, name, path="contiguous"), renderer.render(kernel, name, path="strided"))


def paths_of(kernels: dict[str, Any], srcs: Sequence[str]) -> tuple[Any, Any]:
    """The compiled (contiguous, strided) kernels of `elemwise_sources`' sources."""
    return kernels[srcs[0]], kernels[srcs[1]]


def loop_shape(node: Apply | None, bcast: Sequence[Sequence[bool]], args: Sequence[Any],
               nd: int) -> tuple[int, ...]:
    """The loop's shape under Theano's broadcasting rule (a broadcastable axis has length 1, the
    others agree), raising the NumPy meaning's error otherwise."""
    shape = []
    for d in range(nd):
        n = None
        for a, b in zip(args, bcast):
            if not b[d]:
                s = a.shape[d]
                if n is None:
                    n = s
                elif s != n:
                    if node is not None:
                        _raise_like(node, args)
                    raise ValueError(f"elementwise kernel: input shapes {[a.shape for a in args]} "
                                     f"do not match")
        shape.append(1 if n is None else n)
    for a, b in zip(args, bcast):  # a broadcastable axis must have length 1
        for d in range(nd):
            if b[d] and a.shape[d] != 1:
                if node is not None:
                    _raise_like(node, args)
                raise ValueError(f"elementwise kernel: broadcastable axis {d} has length {a.shape[d]}")
    return tuple(shape)


def elemwise_launcher(backend: Any, node: Apply | None, kernel: Kernel, paths: tuple[Any, Any],
                      host_fn: Callable[..., Any] | None) -> Callable[..., Any]:
    """The run-time function of an elementwise kernel, given its compiled (contiguous,
    strided) paths (`elemwise_sources`): Theano's broadcast check, outputs allocated
    C-contiguous, one launch (none for empty outputs)."""
    fast_clk, strided_clk = paths
    rt = backend.rt
    cl = rt.cl
    queue = rt.queue
    nd = kernel.ndim
    bcast = [a.broadcastable for a in kernel.inputs]
    all_b = [all(b) for b in bcast]
    out_dtypes = [np.dtype(a.dtype) for a in kernel.outputs]
    nout = len(out_dtypes)
    locks = rt.launch_lock(fast_clk), rt.launch_lock(strided_clk)
    LS = min(rt.elemwise_local, rt.max_group)
    # One work-item per element: PoCL runs a work-group as a vectorized loop over consecutive
    # work-items, so a work-item striding over many elements would defeat it (and the cache).
    # The grid-stride loop covers what exceeds the cap of huge arrays on GPUs.
    max_groups = 1 << 22
    i64, i32 = np.int64, np.int32
    dev = backend.dev
    Array = rt.cla.Array
    rows_path = backend.renderer.row_loops and nd > 0
    merger = RowMerger(backend, kernel) if rows_path and nd > 1 else None

    def fn(*args: Any) -> Any:
        if host_fn is not None and not any(type(a) is Array for a in args) and \
                all(getattr(a, "size", 0) <= HOST_SMALL for a in args):
            with np.errstate(all="ignore"):
                return host_fn(*args)  # shape arithmetic: stays on the host
        args = [dev(a) for a in args]
        shape = loop_shape(node, bcast, args, nd)
        outs = [rt.empty(shape, dt) for dt in out_dtypes]
        n = 1
        for s in shape:
            n *= s
        if n:
            contiguous = True
            kargs: list[Any] = [i64(n)] + [i64(s) for s in shape] + [i32(0)]
            for a, b, ab in zip(args, bcast, all_b):
                if not ab and not (a.flags.c_contiguous and a.shape == shape):
                    contiguous = False
                kargs.append(a.base_data)
                kargs += [i64(0 if bb else s) for bb, s in zip(b, a.strides)]
                kargs.append(i64(a.offset))
            for o in outs:
                kargs.append(o.base_data)
                kargs += [i64(s) for s in o.strides]
                kargs.append(i64(o.offset))
            kargs[1 + nd] = i32(1 if contiguous else 0)
            if merger is not None and not contiguous and merger.launch(
                    shape, args, [[0 if bb else st for bb, st in zip(b, a.strides)] for a, b in zip(args, bcast)],
                    outs, n):
                return outs[0] if nout == 1 else tuple(outs)
            if rows_path and not contiguous:  # a work-item per row (CpuOpenCLRenderer)
                groups, ls = -(-(n // shape[-1]) // ROW_LOCAL), ROW_LOCAL
            else:
                groups, ls = min((n + LS - 1) // LS, max_groups), LS
            clk = fast_clk if contiguous else strided_clk
            with locks[0] if contiguous else locks[1]:
                clk.set_args(*kargs)
                cl.enqueue_nd_range_kernel(queue, clk, (groups * ls,), (ls,))
        return outs[0] if nout == 1 else tuple(outs)

    return fn


# -- views and shapes --------------------------------------------------------------------------

def _host_plan(label: str = VIEW) -> Callable[[Any, Apply, Any], Plan]:
    """Ops that only read shapes: their NumPy meaning on a proxy of the same shape."""

    def lower_shape(op: Any, node: Apply, backend: Any) -> Plan:
        py = op.make_py_fn(node)

        def fn(*args: Any) -> Any:
            proxies = [_proxy(a.shape, a.dtype) if type(a) is backend.Array else a for a in args]
            return py(*proxies)

        return Plan(label, fn=fn, host_inputs=all_inputs(node))

    return lower_shape


lower.register(Shape, Shape_i)(_host_plan())


def _checked_passthrough(op: Any, node: Apply, backend: Any) -> Plan:
    """Rebroadcast and SpecifyShape: check shapes (on a proxy), return the value itself."""
    py = op.make_py_fn(node)

    def fn(x: Any, *rest: Any) -> Any:
        if type(x) is backend.Array:
            py(_proxy(x.shape, x.dtype), *[backend.host(r) for r in rest])
            return x
        return py(x, *[backend.host(r) for r in rest])

    return Plan(VIEW, fn=fn, host_inputs=all_inputs(node))


lower.register(Rebroadcast, SpecifyShape)(_checked_passthrough)


@lower.register(DimShuffle)
def _lower_dimshuffle(op: DimShuffle, node: Apply, backend: Any) -> Plan:
    order = op.new_order
    py = op.make_py_fn(node)
    rt = backend.rt

    def fn(x: Any) -> Any:
        if type(x) is not backend.Array:
            return py(x)
        shape = tuple(1 if o == "x" else x.shape[o] for o in order)
        strides = tuple(0 if o == "x" else x.strides[o] for o in order)
        return rt.view(x, shape, strides, 0)

    return Plan(VIEW, fn=fn, host_inputs=all_inputs(node))


@lower.register(Subtensor)
def _lower_subtensor(op: Subtensor, node: Apply, backend: Any) -> Plan:
    idx_list = op.idx_list
    consts = [_const_host(node, k) for k in range(1, len(node.inputs))]
    rt = backend.rt
    host = backend.host

    def fn(x: Any, *vals: Any) -> Any:
        vals = [c if c is not None else host(v) for c, v in zip(consts, vals)]
        idx = _fill_index(idx_list, vals)
        if type(x) is not backend.Array:
            r = x[idx]
            return r if type(r) is np.ndarray else np.asarray(r)
        # NumPy does the index arithmetic (and raises its IndexError) on a proxy with x's
        # shape and strides; the view it returns gives the device view's layout.
        p = _proxy(x.shape, x.dtype, x.strides)
        v = p[idx + (Ellipsis,)]
        off = v.__array_interface__["data"][0] - p.__array_interface__["data"][0]
        return rt.view(x, v.shape, v.strides, off)

    return Plan(VIEW, fn=fn, host_inputs=all_inputs(node))


def _reshape_shape(x_shape: tuple[int, ...], size: int, shp: Sequence[int], nd: int) -> tuple[int, ...]:
    shp = [int(s) for s in shp]
    bad = ValueError(f"cannot reshape an array of shape {tuple(x_shape)} ({size} elements) into "
                     f"shape {tuple(shp)}")
    if len(shp) != nd:
        raise ValueError(f"Reshape: shape {tuple(shp)} has {len(shp)} entries, {nd} expected")
    neg = [k for k, s in enumerate(shp) if s == -1]
    if len(neg) > 1 or any(s < -1 for s in shp):
        raise bad
    known = 1
    for s in shp:
        if s != -1:
            known *= s
    if neg:
        if known == 0 or size % known:
            raise bad
        shp[neg[0]] = size // known
    elif known != size:
        raise bad
    return tuple(shp)


@lower.register(Reshape)
def _lower_reshape(op: Reshape, node: Apply, backend: Any) -> Plan:
    const = _const_host(node, 1)
    nd = op.ndim
    py = op.make_py_fn(node)
    rt = backend.rt

    def fn(x: Any, shp: Any) -> Any:
        shp = const if const is not None else backend.host(shp)
        if type(x) is not backend.Array:
            return py(x, shp)
        new = _reshape_shape(x.shape, x.size, np.asarray(shp).reshape(-1), nd)
        if not x.flags.c_contiguous:
            x = backend.contiguous(x)
        strides, st = [0] * nd, x.dtype.itemsize
        for k in reversed(range(nd)):
            strides[k] = st
            st *= new[k]
        return rt.view(x, new, strides, 0)

    return Plan(VIEW, fn=fn, host_inputs=all_inputs(node))


@lower.register(Alloc)
def _lower_alloc(op: Alloc, node: Apply, backend: Any) -> Plan:
    consts = [_const_host(node, k) for k in range(1, len(node.inputs))]
    rt = backend.rt
    dtype = node.outputs[0].type.dtype

    def fn(v: Any, *shape: Any) -> Any:
        shape = tuple(int(c if c is not None else backend.host(s)) for c, s in zip(consts, shape))
        if any(s < 0 for s in shape):
            raise ValueError(f"Alloc: negative dimension in shape {shape}")
        v = backend.dev(v)
        if int(np.prod(shape, dtype=np.int64)) == 0:
            return rt.empty(shape, dtype)
        # NumPy's broadcasting of v into the shape: missing leading axes and length-1 axes
        # are read with stride 0.
        pad = len(shape) - v.ndim
        strides = []
        for d, s in enumerate(shape):
            if d < pad:
                strides.append(0)
                continue
            vs = v.shape[d - pad]
            if vs == s:
                strides.append(v.strides[d - pad])
            elif vs == 1:
                strides.append(0)
            else:
                raise ValueError(f"could not broadcast input array from shape {v.shape} into shape {shape}")
        return backend.copy(rt.view(v, shape, strides, 0), dtype)

    return Plan(NATIVE, fn=fn)


@lower.register(DeepCopyOp)
def _lower_deepcopy(op: DeepCopyOp, node: Apply, backend: Any) -> Plan:
    py = op.make_py_fn(node)

    def fn(x: Any) -> Any:
        if type(x) is backend.Array:
            return backend.contiguous(x, force_copy=True)
        return py(x)

    return Plan(NATIVE, fn=fn, host_inputs=all_inputs(node))


# -- small vectors ---------------------------------------------------------------------------

@lower.register(MakeVector)
def _lower_make_vector(op: Any, node: Apply, backend: Any) -> Plan:
    """Shapes (host scalars) stay on the host; device scalars are converted on the device
    and gathered with buffer-to-buffer copies."""
    dt = np.dtype(op.dtype)
    rt = backend.rt

    def fn(*xs: Any) -> Any:
        if not any(type(x) is backend.Array for x in xs):
            return np.array(xs, dtype=dt)
        out = rt.empty((len(xs),), dt)
        for k, x in enumerate(xs):
            x = backend.dev(x)
            if x.dtype != dt:
                x = backend.copy(x, dt)
            rt.cl.enqueue_copy(rt.queue, out.base_data, x.base_data, byte_count=dt.itemsize,
                               src_offset=x.offset, dst_offset=out.offset + k * dt.itemsize)
        return out

    return Plan(VIEW, fn=fn, host_inputs=all_inputs(node))
