"""How the C backend runs each op: a per-op dispatch table (singledispatch on the Op class).

A third party adds an op without touching this file: ``lowering.lower.register(MyOp)(fn)``
where fn(op, node, backend) returns a Plan or None (None: fall back to the op's NumPy meaning).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable

from theano.compile.function import DeepCopyOp
from theano.graph.basic import Apply
from theano.kernel.ir import Kernel, elemwise_kernel, reduction_kernel
from theano.tensor.basic import Alloc, Rebroadcast
from theano.tensor.elemwise import CAReduce, DimShuffle, Elemwise
from theano.tensor.join import Join, MakeVector
from theano.tensor.rewriting.fusion import FusedReduction
from theano.tensor.shape import Reshape, Shape, Shape_i, SpecifyShape
from theano.tensor.subtensor import Subtensor


#: the launcher's limit on arrays per kernel call (MAX_ARGS in launcher.c)
MAX_KERNEL_ARGS = 64


@dataclass
class Plan:
    """What runs a node: a compiled kernel, or a Python callable (with its runner label)."""

    runner: str
    kernel: Kernel | None = None
    fn: Callable[..., Any] | None = None
    fallback: bool = False
    why: str = ""


@functools.singledispatch
def lower(op: Any, node: Apply, backend: Any) -> Plan | None:
    """The C backend's implementation of `node`, or None when it has none."""
    return None


def plan(node: Apply, backend: Any) -> Plan:
    """The plan for a node: its lowering, else the NumPy meaning as a visible fallback."""
    p = lower(node.op, node, backend)
    if p is not None:
        return p
    return Plan("numpy (fallback)", fn=node.op.make_py_fn(node), fallback=True, why="no C lowering")


@lower.register(Elemwise)
def _lower_elemwise(op: Elemwise, node: Apply, backend: Any) -> Plan | None:
    return _kernel_plan(op, node, backend, elemwise_kernel(node))


@lower.register(CAReduce)
@lower.register(FusedReduction)
def _lower_reduction(op: Any, node: Apply, backend: Any) -> Plan | None:
    return _kernel_plan(op, node, backend, reduction_kernel(node))


def _kernel_plan(op: Any, node: Apply, backend: Any, kernel: Kernel | None) -> Plan | None:
    """A compiled kernel when the shared renderer can express it, else a visible fallback."""
    if kernel is None:
        return None
    if len(kernel.inputs) + len(kernel.outputs) > MAX_KERNEL_ARGS:
        return Plan("numpy (fallback)", fn=op.make_py_fn(node), fallback=True,
                    why=f"more than {MAX_KERNEL_ARGS} arrays in one kernel")
    ok, why = backend.renderer.can_render(kernel)
    if not ok:
        return Plan("numpy (fallback)", fn=op.make_py_fn(node), fallback=True, why=why)
    return Plan("c kernel", kernel=kernel)


def _host(label: str) -> Callable[[Any, Apply, Any], Plan]:
    def lower_host(op: Any, node: Apply, backend: Any) -> Plan:
        return Plan(label, fn=op.make_py_fn(node))

    return lower_host


# Ops that only describe memory (views, shapes) or copy it: on the host their NumPy meaning
# is the implementation, not a fallback.
for _cls in (DimShuffle, Reshape, Subtensor, Rebroadcast, SpecifyShape, Shape, Shape_i):
    lower.register(_cls)(_host("c (view/shape)"))
# Building and copying memory (no arithmetic): NumPy's allocation and copy routines.
for _cls in (DeepCopyOp, Join, MakeVector):
    lower.register(_cls)(_host("c (copy)"))
lower.register(Alloc)(_host("c (alloc)"))
from . import products  # noqa: E402,F401  (Dot, Gemm, Gemv through BLAS)
from . import softmax  # noqa: E402,F401  (softmax and its cross-entropies as row loops)
from . import nnet  # noqa: E402,F401  (conv and pooling lowerings)
