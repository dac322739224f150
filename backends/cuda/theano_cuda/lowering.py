"""How the CUDA backend runs each op: its table of the core's lowering contract
(`theano.backend.lowering_table`, dispatch on the op class).

A lowering returns a `theano.backend.Plan` whose payload is a `Work`: a Kernel to render with
the CUDA dialect, a reduction to render with `reduction.render_reduction`, or a maker of a
callable over CuPy arrays. Planning needs no CuPy and no GPU (the tests plan every
conformance graph with a `Planner` and compile the sources with NVRTC); only
`Work.make(backend)` touches the runtime.

A third party adds an op without touching this file: ``lowering.lower.register(MyOp)(fn)``
where fn(op, node, backend) returns a Plan, or None to fall back to the op's NumPy meaning.

Shapes stay on the host: Shape and Shape_i give NumPy arrays, and the ops that read shapes
or indices (Reshape, Alloc, Subtensor, SpecifyShape) accept host or device values, so
computing a shape never waits for the GPU. Kernels move a host value to the device when
one reaches them.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from theano.backend import Plan, all_inputs, lowering_table
from theano.compile.ops import DeepCopyOp
from theano.graph.basic import Apply
from theano.kernel.ir import Kernel, elemwise_kernel, reduction_values_kernel
from theano.tensor.basic import Alloc, Rebroadcast
from theano.tensor.elemwise import CAReduce, DimShuffle, Elemwise
from theano.tensor.math import Dot
from theano.tensor.gemm import Gemm, Gemv
from theano.tensor.fused import FusedReduction
from theano.tensor.shape import Reshape, Shape, Shape_i, SpecifyShape
from theano.tensor.subtensor import Subtensor

from .dialect import CudaRenderer
from .reduction import ReductionSpec, fused_reduction_spec, reduction_spec

# The entry-point names the backend compiles its kernels under. The compile cache is keyed by
# the source text, which contains the name, so the GPU check's cache warm-up renders with
# these same names (backends/cuda/tests/cudabuild.py) or it would warm nothing.
KERNEL_NAME = "theano_kernel"  # an elementwise kernel, strided
FLAT_NAME = "theano_flat"  # the same kernel's flat variant (contiguous and bias inputs)
REDUCE_NAME = "theano_reduce"  # a work-group reduction

__all__ = ["Planner", "Work", "lower"]

#: the CUDA backend's lowering table
lower = lowering_table("CUDA")


@dataclass(frozen=True)
class Work:
    """The CUDA payload of a Plan: generated code (compiled once per distinct source) and/or
    make(backend), which builds a callable over device values."""

    kernel: Kernel | None = None
    reduction: ReductionSpec | None = None
    make: Callable[[Any], Callable[..., Any]] | None = None


class Planner:
    """What CUDA lowerings read of their backend, without CuPy: the dialect. The backend is
    one; tests plan graphs with this one on machines without a GPU."""

    name = "cuda"

    def __init__(self) -> None:
        self.renderer = CudaRenderer()


# -- generated kernels -----------------------------------------------------------------------

@lower.register(Elemwise)
def _lower_elemwise(op: Elemwise, node: Apply, backend: Any) -> Plan | None:
    kernel = backend.renderer.checked(elemwise_kernel(node))
    return None if kernel is None else Plan("cuda kernel", payload=Work(kernel=kernel))


@lower.register(FusedReduction)
def _lower_fused_reduction(op: Any, node: Apply, backend: Any) -> Plan | None:
    # Two generated kernels: the composite's values (one elementwise pass into a temporary),
    # then the cooperative block reduction over them. One pass more than a fused loop, but
    # every SM works even when the output has a single element.
    kernel = reduction_values_kernel(node, "fused_reduce_values")
    backend.renderer.check(kernel)
    spec = fused_reduction_spec(op, op.loop_type(node), backend.renderer)
    return Plan("cuda kernel + reduction", payload=Work(kernel=kernel, reduction=spec))


@lower.register(CAReduce)
def _lower_careduce(op: CAReduce, node: Apply, backend: Any) -> Plan | None:
    return Plan("cuda reduction", payload=Work(reduction=reduction_spec(node, backend.renderer)))


# -- the device array library (CuPy) ---------------------------------------------------------

def _device(cp: Any) -> Callable[[Any], Any]:
    """A function making any array value a device array (host shapes reach kernels so)."""
    ndarray = np.ndarray

    def dev(v: Any) -> Any:
        return cp.asarray(v) if type(v) is ndarray or isinstance(v, np.generic) else v

    return dev


def _ints(v: Any) -> tuple[int, ...]:
    """A shape vector (host or device) as Python ints: one device read at most."""
    if hasattr(v, "get") and not isinstance(v, np.ndarray):
        v = v.get()
    return tuple(int(s) for s in np.asarray(v).reshape(-1))


def _on(label: str, host_inputs: tuple[int, ...] = ()) -> Callable:
    """Register a factory `f(op, node) -> maker(backend) -> callable` under `label`."""

    def deco(factory: Callable[[Any, Apply], Callable[[Any], Callable[..., Any]]]):
        def lower_it(op: Any, node: Apply, backend: Any) -> Plan:
            return Plan(label, host_inputs=host_inputs, payload=Work(make=factory(op, node)))

        return lower_it

    return deco


@_on("cuda (cuBLAS)")
def _dot(op: Any, node: Apply) -> Callable[[Any], Callable[..., Any]]:
    odt = np.dtype(node.outputs[0].type.dtype)

    def make(be: Any) -> Callable[..., Any]:
        cp, dev = be.cp, _device(be.cp)

        def run(x: Any, y: Any) -> Any:
            x, y = dev(x), dev(y)
            if x.shape[-1] != y.shape[0]:
                raise ValueError(f"shapes {x.shape} and {y.shape} are not aligned: "
                                 f"{x.shape[-1]} (dim {x.ndim - 1}) != {y.shape[0]} (dim 0)")
            if x.dtype != odt:
                x = x.astype(odt)
            if y.dtype != odt:
                y = y.astype(odt)
            return cp.matmul(x, y)

        return run

    return make


@_on("cuda (cuBLAS)")
def _gemm(op: Any, node: Apply) -> Callable[[Any], Callable[..., Any]]:
    # The reference's order, z*beta + alpha*dot: cuBLAS's own beta would skip z when beta == 0
    # and so hide z's NaNs, which the NumPy meaning keeps.
    inplace = op.inplace
    name = str(op)

    def make(be: Any) -> Callable[..., Any]:
        cp, dev = be.cp, _device(be.cp)

        def run(z: Any, alpha: Any, x: Any, y: Any, beta: Any) -> Any:
            z, alpha, x, y, beta = dev(z), dev(alpha), dev(x), dev(y), dev(beta)
            if x.shape[-1] != y.shape[0]:
                raise ValueError(f"{name}: shapes {x.shape} and {y.shape} are not aligned")
            d = cp.matmul(x, y)
            if inplace:
                cp.multiply(z, beta, out=z)
                cp.add(z, alpha * d, out=z)
                return z
            return (z * beta + alpha * d).astype(z.dtype, copy=False)

        return run

    return make


def _view(label: str) -> Callable:
    """Ops whose NumPy meaning only reads attributes and methods CuPy arrays share (shape,
    transpose, reshape): the same function is the GPU implementation, a view."""

    def lower_it(op: Any, node: Apply, backend: Any) -> Plan:
        def make(be: Any) -> Callable[..., Any]:
            return op.make_py_fn(node)

        return Plan(label, host_inputs=all_inputs(node)[1:], payload=Work(make=make))

    return lower_it


lower.register(DimShuffle, Rebroadcast, SpecifyShape)(_view("cuda (view)"))
lower.register(Shape, Shape_i)(_view("cuda (shape, host)"))


@_on("cuda (view)", host_inputs=(1,))
def _reshape(op: Reshape, node: Apply) -> Callable[[Any], Callable[..., Any]]:
    nd = op.ndim

    def make(be: Any) -> Callable[..., Any]:
        def run(x: Any, shp: Any) -> Any:
            s = _ints(shp)
            if len(s) != nd:
                raise ValueError(f"Reshape: shape {s} has {len(s)} entries, {nd} expected")
            try:
                return x.reshape(s)
            except ValueError:
                raise ValueError(f"cannot reshape an array of shape {x.shape} ({x.size} elements) "
                                 f"into shape {s}") from None

        return run

    return make


@functools.lru_cache(maxsize=None)
def _subtensor_helpers() -> tuple[Any, Any]:
    from theano.tensor import subtensor

    return subtensor._fill_index, subtensor._SYM


def _lower_subtensor(op: Subtensor, node: Apply, backend: Any) -> Plan:
    fill, sym = _subtensor_helpers()
    idx_list = op.idx_list

    def make(be: Any) -> Callable[..., Any]:
        if len(node.inputs) == 1:
            idx = tuple(idx_list)
            return lambda x: x[idx]

        def run(x: Any, *vals: Any) -> Any:
            return x[fill(idx_list, [int(v) for v in vals])]

        return run

    return Plan("cuda (view)", host_inputs=all_inputs(node)[1:], payload=Work(make=make))


lower.register(Subtensor)(_lower_subtensor)


@_on("cuda (copy)")
def _deepcopy(op: Any, node: Apply) -> Callable[[Any], Callable[..., Any]]:
    def make(be: Any) -> Callable[..., Any]:
        return lambda x: x.copy() if hasattr(x, "copy") else x

    return make


def _lower_alloc(op: Alloc, node: Apply, backend: Any) -> Plan:
    def make(be: Any) -> Callable[..., Any]:
        cp, dev = be.cp, _device(be.cp)

        def run(v: Any, *shape: Any) -> Any:
            s = tuple(int(x) for x in shape)
            if any(k < 0 for k in s):
                raise ValueError(f"Alloc: negative dimension in shape {s}")
            v = dev(v)
            out = cp.empty(s, dtype=v.dtype)
            out[...] = v
            return out

        return run

    return Plan("cuda (alloc)", host_inputs=all_inputs(node)[1:], payload=Work(make=make))


lower.register(Alloc)(_lower_alloc)
lower.register(Dot)(_dot)
lower.register(Gemm, Gemv)(_gemm)
lower.register(Reshape)(_reshape)
lower.register(DeepCopyOp)(_deepcopy)
from . import nnet  # noqa: E402,F401  (conv and pooling lowerings)
