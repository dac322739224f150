"""The OpenCL backend: values are pyopencl arrays on one OpenCL device; elementwise (fused)
kernels are rendered by the OpenCL dialect of the shared renderer, reductions, products, the
softmax/cross-entropy family, convolutions and pooling by generated kernels, views are strided
arrays over the same buffer; a graph's kernels
are compiled as one program at link time (cached on disk by PyOpenCL); every other op falls
back per node to its NumPy meaning, with host transfers, visibly."""
from __future__ import annotations

import threading
from typing import Any, Callable, Sequence

import numpy as np

from theano.backend import Backend, Plan, host_fallback
from theano.graph.basic import Apply, Constant
from theano.graph.fg import FunctionGraph
from theano.kernel.ir import kernel_from_composite
from theano.kernel.workgroup import collapse
from theano.scalar import basic as scal
from theano.tensor.type import TensorType

from . import conv, lowering, nnet, products, reduction  # noqa: F401 (they register ops)
from .dialect_cpu import CpuOpenCLRenderer
from .dialect import OpenCLRenderer
from .runtime import BuildError, runtime_for

__all__ = ["OpenCLBackend", "BuildError", "Float64Unsupported"]

_DOUBLE = ("float64", "complex128")


class Float64Unsupported(TypeError):
    """A float64 graph was compiled for a device without cl_khr_fp64."""


class OpenCLBackend(Backend):
    """Runs graphs on one OpenCL device (see the module doc)."""

    name = "opencl"
    host_native = False
    rewrite_tags = ("opencl",)

    def __init__(self, device: str):
        super().__init__(device)
        self.rt = runtime_for(device)
        self.Array = self.rt.cla.Array
        # rows for strided arrays on a CPU (dialect_cpu); a GPU keeps a work-item per element
        self.renderer = CpuOpenCLRenderer() if self.rt.is_cpu else OpenCLRenderer()
        self._copiers: dict[tuple[str, str, int], Callable[..., Any]] = {}
        self._lock = threading.Lock()

    # -- transfers ---------------------------------------------------------------------
    def to_device(self, value: Any) -> Any:
        """A host array as a device array (other values, and device arrays, pass through)."""
        if type(value) is np.ndarray:
            return self.rt.to_device(value)
        return value

    def to_host(self, value: Any) -> Any:
        """A device array as a NumPy array the caller owns (other values pass through)."""
        if type(value) is self.Array:
            if value.size == 0:
                return np.empty(value.shape, value.dtype)
            if not value.flags.c_contiguous:
                value = self.contiguous(value)
            return self.rt.to_host(value)
        return value

    def to_host_many(self, values: Sequence[Any]) -> list[Any]:
        """`to_host` of each value, waiting once for all the device arrays among them."""
        out = list(values)
        on_device = [k for k, v in enumerate(values) if type(v) is self.Array]
        arrays = [v if v.flags.c_contiguous else self.contiguous(v) for v in (values[k] for k in on_device)]
        for k, host in zip(on_device, self.rt.to_host_many(arrays)):
            out[k] = host
        return out

    def dev(self, value: Any) -> Any:
        """`value` as a device array if it is an array (host results of shape arithmetic are)."""
        if type(value) is self.Array:
            return value
        if isinstance(value, (np.ndarray, np.generic)):
            return self.rt.to_device(np.asarray(value))
        return value

    def host(self, value: Any) -> Any:
        return self.to_host(value)

    # -- copies ------------------------------------------------------------------------
    def copy(self, x: Any, dtype: Any = None) -> Any:
        """A C-contiguous copy of device array `x` (converted to `dtype`)."""
        from .lowering import elemwise_launcher, elemwise_sources, paths_of

        odt = np.dtype(dtype or x.dtype)
        shape = tuple(x.shape)
        cstr, st = [0] * len(shape), odt.itemsize
        for k in reversed(range(len(shape))):
            cstr[k] = st
            st *= shape[k]
        if x.size == 0:
            return self.rt.empty(shape, odt)
        if odt == x.dtype and x.dtype.name not in self.renderer.type_map:
            return self._copy_bytes(x)
        # One kernel per (dtype, rank) after merging the axes that address memory as one.
        dims = collapse([(s, xs, cs) for s, xs, cs in zip(shape, x.strides, cstr)])
        src = self.rt.view(x, [d[0] for d in dims], [d[1] for d in dims], 0)
        key = (x.dtype.str, odt.str, len(dims))
        run = self._copiers.get(key)
        if run is None:
            xs = scal.get_scalar_type(x.dtype.name)()
            out = scal.Cast(scal.get_scalar_type(odt.name))(xs) if odt != x.dtype else scal.identity(xs)
            comp = scal.Composite([xs], [out])
            tin = TensorType(x.dtype.name, (False,) * len(dims))
            tout = TensorType(odt.name, (False,) * len(dims))
            kernel = kernel_from_composite(comp, [tin], [tout], name="copy")
            sources = elemwise_sources(self.renderer, kernel, "copy")
            run = elemwise_launcher(self, None, kernel, paths_of(self.rt.build(sources), sources), None)
            with self._lock:
                self._copiers[key] = run
        out = run(src)
        return self.rt.view(out, shape, cstr, 0)

    def _copy_bytes(self, x: Any) -> Any:
        """A copy of an array whose dtype no kernel computes with (float16, complex): its
        elements moved as unsigned integers of a size that divides the item size."""
        isz = x.dtype.itemsize
        carrier = next(np.dtype(f"uint{8 * c}") for c in (8, 4, 2, 1) if isz % c == 0)
        parts = isz // carrier.itemsize
        raw = self.Array(self.rt.queue, tuple(x.shape) + (parts,), carrier,
                         strides=tuple(x.strides) + (carrier.itemsize,), data=x.base_data,
                         offset=x.offset)
        out = self.copy(raw)
        return self.Array(self.rt.queue, tuple(x.shape), x.dtype, data=out.base_data, offset=out.offset)

    def contiguous(self, x: Any, force_copy: bool = False) -> Any:
        if x.flags.c_contiguous and not force_copy:
            return x
        return self.copy(x)

    # -- compiling ---------------------------------------------------------------------
    def check_graph(self, fgraph: FunctionGraph) -> None:
        """float64 only on devices with cl_khr_fp64: elsewhere say which node and what to do."""
        if self.rt.fp64:
            return
        for node in fgraph.toposort():
            for v in list(node.inputs) + list(node.outputs):
                if getattr(v.type, "dtype", None) in _DOUBLE:
                    raise Float64Unsupported(
                        f"{node.op} uses {v.type} ({v}), but OpenCL device {self.device} "
                        f"({self.rt.device.name.strip()}) has no cl_khr_fp64: it cannot compute in "
                        f"float64. Use float32 (THEANO_FLAGS=floatX=float32 and float32 inputs and "
                        f"shared variables), or a device with float64 (device=cpu). Nothing is "
                        f"downcast silently.")
        for v in fgraph.inputs:
            if getattr(v.type, "dtype", None) in _DOUBLE:
                raise Float64Unsupported(
                    f"input {v} is {v.type}, but OpenCL device {self.device} has no cl_khr_fp64; "
                    f"use float32 (THEANO_FLAGS=floatX=float32).")

    # -- linking (the core's link step; these are its hooks) ------------------------------
    lowering = lowering.lower

    def prepare(self, plans: dict[Apply, Plan]) -> dict[str, Any]:
        """The graph's kernel sources built as one program: compiled kernels by source."""
        sources = [s for p in plans.values() if isinstance(p.payload, lowering.Program)
                   for s in p.payload.sources]
        return self.rt.build(sources) if sources else {}

    def node_function(self, node: Apply, plan: Plan, prepared: dict[str, Any]) -> Callable[..., Any]:
        program = plan.payload
        if isinstance(program, lowering.Program) and program.bind is not None:
            return program.bind(prepared)
        return super().node_function(node, plan, prepared)

    def fallback_function(self, node: Apply) -> Callable[..., Any]:
        """The NumPy meaning on host copies of the inputs; its outputs stay on the host: the
        next device op uploads them if it needs them, a host op (or another fallback) does not."""
        return host_fallback(node, self.host)

    def constant_value(self, constant: Constant, on_host: bool) -> Any:
        """A tensor constant is uploaded once, at link time, when a device op reads it; host
        ops (shape arithmetic, fallbacks) read its host value."""
        if isinstance(constant.type, TensorType):
            data = np.asarray(constant.data, dtype=constant.type.dtype)
            return data if on_host else self.rt.to_device(data)
        return constant.data
