"""The CUDA backend on CuPy: device arrays are CuPy arrays; elementwise (fused) kernels and
reductions are generated CUDA C compiled by NVRTC with the backend's own options (nvrtc.py,
cached in theano's compile cache); products go to cuBLAS through `cupy.matmul`; views and
shapes are CuPy views; every other op runs its NumPy meaning on the host, visibly ("numpy (fallback)").

Imported only by the plugin's factory, after the probe found CuPy and a GPU.
"""
from __future__ import annotations

from typing import Any, Callable

import cupy as cp
import numpy as np

from theano.backend import Backend, LinkedGraph, Plan
from theano.graph.basic import Apply, Constant
from theano.kernel.ir import Kernel
from theano.kernel.workgroup import LaunchPlan, partials_launch, plan_launch
from theano.tensor.elemwise import broadcast_check

from . import lowering
from .dialect import FLAT_LIMIT, CudaRenderer, flat_modes
from .compile_options import options as nvrtc_options
from .nvrtc import KernelCache
from .reduction import MAX_THREADS, ReductionSpec, render_reduction

__all__ = ["CudaBackend"]

_i64 = np.int64
_ndarray = np.ndarray


class CudaBackend(Backend):
    """One GPU (`cuda0`, `cuda1` ...)."""

    name = "cuda"
    host_native = False
    rewrite_tags = ("cuda",)

    def __init__(self, device: str):
        super().__init__(device)
        from theano.config import config

        digits = "".join(ch for ch in device if ch.isdigit())
        self.device_id = int(digits) if digits else 0
        self.cp = cp
        self._dev = cp.cuda.Device(self.device_id)
        self.sm_count = _sm_count(self._dev, self.device_id)
        self.renderer = CudaRenderer()
        self.block = int(config.cuda__block_size)
        self.kernels = KernelCache(self._dev, nvrtc_options(config.cuda__fast_math))

    # -- transfers -------------------------------------------------------------------------
    def to_device(self, value: Any) -> Any:
        if type(value) is _ndarray or isinstance(value, (np.ndarray, np.generic)):
            with self._dev:  # cuda0 too: the current device may be another one
                return cp.asarray(value)
        return value

    def to_host(self, value: Any) -> Any:
        if isinstance(value, cp.ndarray):
            return value.get()  # a fresh host array the caller owns
        if isinstance(value, np.ndarray):
            return value.copy()  # a host shape value: never hand out one we may reuse
        return value

    # -- compiling ---------------------------------------------------------------------------
    def compiled(self, source: str, name: str) -> Any:
        """The kernel `name` of `source`, compiled with the backend's NVRTC options (nvrtc.py)."""
        return self.kernels.function(source, name)

    # -- linking (the core's link step; these are its hooks) ---------------------------------
    lowering = lowering.lower

    def node_function(self, node: Apply, plan: Plan, prepared: Any) -> Callable[..., Any]:
        """Generated kernels and reductions launched over CuPy arrays, or the plan's maker."""
        work = plan.payload
        if work.kernel is not None and work.reduction is not None:
            return _chain(self._elemwise_callable(node, work.kernel),
                          self._reduction_callable(node, work.reduction))
        if work.kernel is not None:
            return self._elemwise_callable(node, work.kernel)
        if work.reduction is not None:
            return self._reduction_callable(node, work.reduction)
        return work.make(self)

    def constant_value(self, constant: Constant, on_host: bool) -> Any:
        data = constant.data
        if on_host or not isinstance(data, (np.ndarray, np.generic)):
            return data
        return self.to_device(np.asarray(data))

    def finish_link(self, linked: LinkedGraph) -> LinkedGraph:
        """On a GPU other than cuda0, every call runs with that device current."""
        if self.device_id != 0:
            inner, dev = linked.fn, self._dev

            def on_device(*args: Any) -> list:
                with dev:
                    return inner(*args)

            linked.fn = on_device
        return linked

    # -- elementwise kernels ---------------------------------------------------------------------
    def _elemwise_callable(self, node: Apply, kernel: Kernel) -> Callable[..., Any]:
        src = self.renderer.render(kernel, lowering.KERNEL_NAME)
        fn = self.compiled(src, lowering.KERNEL_NAME)
        # The flat kernel (dialect.render_flat) serves contiguous arrays, biases and scalars
        # in 32-bit index math; the strided kernel above everything else. Compiled on first use.
        modes = flat_modes(kernel)
        flat_src = self.renderer.render_flat(kernel, lowering.FLAT_NAME)
        flat_fn: list = []
        inner_in = [k for k, m in enumerate(modes or ()) if m == "inner"]
        scalar_in = [m == "scalar" for m in modes] if modes else None
        nd = kernel.ndim
        bcast = [a.broadcastable for a in kernel.inputs]
        # Per axis, the inputs that set its length (broadcast ones are length 1 by type).
        setters = [[k for k, b in enumerate(bcast) if not b[d]] for d in range(nd)]
        out_dtypes = [np.dtype(a.dtype) for a in kernel.outputs]
        inplace = dict(getattr(node.op, "inplace_pattern", ()))
        nout = len(kernel.outputs)
        block, max_grid = self.block, self.sm_count * 32
        op = node.op
        empty, asarray = cp.empty, cp.asarray

        def run(*args: Any) -> Any:
            args = [asarray(a) if type(a) is _ndarray or isinstance(a, np.generic) else a for a in args]
            shape = []
            for d in range(nd):
                n = 1
                ks = setters[d]
                if ks:
                    n = args[ks[0]].shape[d]
                    for k in ks[1:]:
                        if args[k].shape[d] != n:
                            _raise_broadcast(op, node, args)
                shape.append(n)
            shape = tuple(shape)
            outs = [args[inplace[o]] if o in inplace else empty(shape, dtype=out_dtypes[o])
                    for o in range(nout)]
            total = 1
            for s in shape:
                total *= s
            if total and flat_src is not None and total < FLAT_LIMIT and all(
                    scalar_in[k] or a.flags.c_contiguous for k, a in enumerate(args)) and all(
                    o.flags.c_contiguous and o.shape == shape for o in outs):
                if not flat_fn:
                    flat_fn.append(self.compiled(flat_src, lowering.FLAT_NAME))
                grid = min((total + block - 1) // block, max_grid)
                flat_fn[0]((grid,), (block,), (np.int32(total), *[np.int32(args[k].size) for k in inner_in],
                                               *args, *outs))
            elif total:
                contiguous = True
                params = []
                for k, a in enumerate(args):
                    if not all(bcast[k]) and not (a.flags.c_contiguous and a.shape == shape):
                        contiguous = False
                    b = bcast[k]
                    params.append(a)
                    params.extend(_i64(0) if b[d] else _i64(a.strides[d]) for d in range(nd))
                for o in outs:
                    if not (o.flags.c_contiguous and o.shape == shape):
                        contiguous = False
                    params.append(o)
                    params.extend(_i64(s) for s in o.strides)
                grid = min((total + block - 1) // block, max_grid)
                fn((grid,), (block,), (_i64(total), *[_i64(s) for s in shape],
                                       np.int32(contiguous), *params))
            return outs[0] if nout == 1 else tuple(outs)

        return run

    # -- reductions --------------------------------------------------------------------------------
    def _reduction_callable(self, node: Apply, spec: ReductionSpec) -> Callable[..., Any]:
        """The reduction launched as the core's work-group plan says (theano.kernel.workgroup):
        axes merged on the host, 32-bit index math when it fits, rows or columns strategy,
        short rows packed per block, few long rows split over blocks and a second pass."""
        kept, axes = spec.kept, spec.axes
        out_dt, acc_dt = np.dtype(spec.out_dtype), np.dtype(spec.acc_dtype)
        name = type(node.op).__name__
        sms = self.sm_count
        limits = dict(threads=MAX_THREADS, max_groups=sms * 64, sub_group=32)
        empty, asarray = cp.empty, cp.asarray
        functions: dict = {}

        def launch(plan: LaunchPlan, x: Any, out: Any) -> None:
            f = functions.get(plan.spec)
            if f is None:
                f = functions[plan.spec] = self.compiled(render_reduction(plan.spec, lowering.REDUCE_NAME),
                                                         lowering.REDUCE_NAME)
            it = np.int32 if plan.spec.index_bits == 32 else _i64
            f((plan.groups,), (plan.threads,), (x, out, *[it(v) for v in plan.arguments()]))

        def run(x: Any) -> Any:
            if type(x) is _ndarray or isinstance(x, np.generic):
                x = asarray(x)
            shp = x.shape
            kshape = tuple(shp[d] for d in kept)
            out = empty(kshape, dtype=out_dt)
            if out.size == 0:
                return out
            if any(shp[d] == 0 for d in axes) and not spec.has_identity:
                raise ValueError(f"{name}: cannot reduce an empty array of shape {shp} along "
                                 f"axes {axes}: the operation has no identity")
            plan = plan_launch(spec.op, spec.in_dtype, spec.acc_dtype, spec.out_dtype, shp, x.strides,
                               axes, split_units=sms, itemsize=x.itemsize, **limits)
            if plan.parts == 1:
                launch(plan, x, out)
                return out
            partial = empty((plan.rows, plan.parts), dtype=acc_dt)
            launch(plan, x, partial)
            launch(partials_launch(plan, acc_dt.itemsize, **limits), partial, out)
            return out

        return run


def _raise_broadcast(op: Any, node: Apply, args: list) -> None:
    """Theano's broadcast error for these device arrays (checked on zero-byte host stand-ins,
    so the message is the reference's and nothing is copied)."""
    if node.outputs[0].type.ndim == node.inputs[0].type.ndim:
        broadcast_check(op, node, [np.broadcast_to(np.empty((), dtype=bool), a.shape) for a in args])
    raise ValueError(f"{op}: input dimension mismatch: shapes "
                     f"{', '.join(str(tuple(a.shape)) for a in args)} do not broadcast (a length-1 "
                     f"dimension broadcasts only when its type is broadcastable)")


def _sm_count(dev: Any, device_id: int) -> int:
    """Streaming multiprocessors of the GPU (sizes the grids); 80 if CuPy cannot say."""
    try:
        return int(dev.attributes["MultiProcessorCount"])
    except Exception:
        pass
    try:
        return int(cp.cuda.runtime.getDeviceProperties(device_id)["multiProcessorCount"])
    except Exception:
        return 80


def _chain(first: Callable[..., Any], then: Callable[[Any], Any]) -> Callable[..., Any]:
    """A fused reduction as two launches: its elementwise values, then their reduction."""
    return lambda *args: then(first(*args))
