"""How the C backend runs each op: its table of the core's lowering contract
(`theano.backend.lowering_table`, dispatch on the op class).

A third party adds an op without touching this file: ``lowering.lower.register(MyOp)(fn)``
where fn(op, node, backend) returns a `theano.backend.Plan` (`fn` ready to call, or a Kernel
as `payload` to compile) or None (None: fall back to the op's NumPy meaning, visibly).
"""
from __future__ import annotations

from typing import Any, Callable

from theano.backend import Plan, fallback, lowering_table
from theano.compile.ops import DeepCopyOp
from theano.graph.basic import Apply
from theano.kernel.ir import Kernel, elemwise_kernel, reduction_kernel
from theano.tensor.basic import Alloc, Rebroadcast
from theano.tensor.elemwise import CAReduce, DimShuffle, Elemwise
from theano.tensor.join import Join, MakeVector
from theano.tensor.fused import FusedReduction
from theano.tensor.shape import Reshape, Shape, Shape_i, SpecifyShape
from theano.tensor.subtensor import Subtensor

__all__ = ["KERNEL_RUNNER", "MAX_KERNEL_ARGS", "Plan", "lower"]

#: the launcher's limit on arrays per kernel call (MAX_ARGS in launcher.c)
MAX_KERNEL_ARGS = 64
KERNEL_RUNNER = "c kernel"

#: the C backend's lowering table
lower = lowering_table("C")


@lower.register(Elemwise)
def _lower_elemwise(op: Elemwise, node: Apply, backend: Any) -> Plan | None:
    return _kernel_plan(op, node, backend, elemwise_kernel(node))


@lower.register(CAReduce, FusedReduction)
def _lower_reduction(op: Any, node: Apply, backend: Any) -> Plan | None:
    return _kernel_plan(op, node, backend, reduction_kernel(node))


def _kernel_plan(op: Any, node: Apply, backend: Any, kernel: Kernel | None) -> Plan | None:
    """A compiled kernel when the renderer can express it (else its RenderError becomes the
    visible fallback's reason)."""
    if kernel is None:
        return None
    if len(kernel.inputs) + len(kernel.outputs) > MAX_KERNEL_ARGS:
        return fallback(f"more than {MAX_KERNEL_ARGS} arrays in one kernel")
    backend.renderer.check(kernel)
    return Plan(KERNEL_RUNNER, payload=kernel)


def _host(label: str) -> Callable[[Any, Apply, Any], Plan]:
    """A lowering running the op's NumPy meaning as the implementation (not a fallback)."""

    def lower_host(op: Any, node: Apply, backend: Any) -> Plan:
        return Plan(label, fn=op.make_py_fn(node))

    return lower_host


# Ops that only describe memory (views, shapes) or copy it: on the host their NumPy meaning
# is the implementation, not a fallback.
lower.register(DimShuffle, Reshape, Subtensor, Rebroadcast, SpecifyShape, Shape, Shape_i)(
    _host("c (view/shape)"))
# Building and copying memory (no arithmetic): NumPy's allocation and copy routines.
lower.register(DeepCopyOp, Join, MakeVector)(_host("c (copy)"))
lower.register(Alloc)(_host("c (alloc)"))
from . import products  # noqa: E402,F401  (Dot, Gemm, Gemv through BLAS)
from . import softmax  # noqa: E402,F401  (softmax and its cross-entropies as row loops)
from . import nnet  # noqa: E402,F401  (conv and pooling lowerings)
from . import lowering_indexing  # noqa: E402,F401  (gathers, scatters, slice updates, arange, logsumexp)
from . import lowering_rows  # noqa: E402,F401  (max-and-argmax, all/any, cumulative sums and products)
from . import lowering_library  # noqa: E402,F401  (LAPACK, sort, matmul, diagonals: library routines)
from . import lowering_random  # noqa: E402,F401  (MRG_RandomStreams draws: MRG31k3p in C)
from . import scan_loop  # noqa: E402,F401  (Scan and its gradient: the loop plan run in C)
