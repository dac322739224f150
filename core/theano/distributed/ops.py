"""Collective ops on tensors: allreduce, broadcast, allgather, and a bucketed allreduce of
many gradients in one node.

Their meaning is NumPy on host buffers through MPI (`comm.py`), so every backend runs
them: the reference backend directly, the others through the host fallback of `perform`.

Gradients follow Horovod and torch.distributed.nn: each rank differentiates its own cost,
and the objective being differentiated is the sum of the ranks' costs. Then the adjoint
of allreduce(sum) is allreduce(sum) of the output gradient (every rank's output depended
on every rank's input), of allreduce(mean) it is allreduce(mean), of broadcast it is a
sum-reduction onto the root, and of allgather a reduce-scatter. A consequence users must
know: differentiating through a collective does not synchronise parameter gradients;
data-parallel training averages them explicitly, with `allreduce_many(grads, 'mean')`.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..tensor.basic import as_tensor_variable, cast
from ..tensor.type import TensorType
from . import comm as _comm
from .comm import REDUCE_OPS
from ..graph.null_gradients import DisconnectedType
from ..tensor.math import eq

__all__ = ["AllReduce", "AllReduceMany", "Broadcast", "Reduce", "AllGather", "ReduceScatter",
           "allreduce", "allreduce_many", "broadcast", "allgather", "DEFAULT_BUCKET_BYTES"]

# PyTorch DDP's default: large enough that per-message latency is negligible, small enough
# that the packed copy of a bucket stays in a cache-friendly, bounded amount of memory.
DEFAULT_BUCKET_BYTES = 25 << 20


def _check_reduce(op: str, dtype: str, who: str) -> None:
    if op not in REDUCE_OPS:
        raise ValueError(f"{who}: unknown reduction {op!r}; one of {', '.join(REDUCE_OPS)}")
    if dtype == "bool":
        raise TypeError(f"{who}: cannot {op}-reduce booleans; cast them to an integer type first")
    if op == "mean" and not dtype.startswith(("float", "complex")):
        raise TypeError(f"{who}: the mean of {dtype} values is not {dtype}; cast to a float type first")
    if op in ("max", "min") and dtype.startswith("complex"):
        raise TypeError(f"{who}: complex numbers have no {op}")


class _Collective(Op):
    """Common to the collectives: never folded into a constant at compile time, since the
    value depends on the other ranks even when this rank's input is constant."""

    # Collectives exchange host buffers with the other ranks through MPI (or the local comm).
    host_side = "a collective exchanges host buffers with the other ranks through MPI"

    def do_constant_folding(self, node: Apply) -> bool:
        return False

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list[list[Any]]) -> None:
        res = self.make_py_fn(node)(*inputs)
        if len(node.outputs) == 1:
            output_storage[0][0] = res
        else:
            for st, r in zip(output_storage, res):
                st[0] = r


class AllReduce(_Collective):
    """The elementwise sum, mean, max or min of `x` over all ranks, on every rank. Every rank
    must pass the same shape and dtype."""

    __props__ = ("op",)

    def __init__(self, op: str = "sum"):
        if op not in REDUCE_OPS:
            raise ValueError(f"AllReduce: unknown reduction {op!r}; one of {', '.join(REDUCE_OPS)}")
        self.op = op

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        _check_reduce(self.op, x.type.dtype, "allreduce")
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node: Apply):
        op, get = self.op, _comm.get

        def fn(x):
            return get().allreduce(x, op)

        return fn

    def infer_shape(self, node: Apply, shapes: list) -> list:
        return [shapes[0]]

    def L_op(self, inputs, outputs, gouts):
        (x,), (y,), (gy,) = inputs, outputs, gouts
        if self.op in ("sum", "mean"):
            return [AllReduce(self.op)(gy)]
        # max/min: every rank whose value reached the extremum gets the summed gradient
        # (all of them on ties, as Theano's Max does within one process).
        return [AllReduce("sum")(gy) * cast(eq(x, y), gy.type.dtype)]


class AllReduceMany(_Collective):
    """AllReduce of many tensors in one node, packed into buckets of about `bucket_bytes`
    (one MPI call per bucket instead of one per tensor)."""

    __props__ = ("op", "bucket_bytes")

    def __init__(self, op: str = "mean", bucket_bytes: int = DEFAULT_BUCKET_BYTES):
        if op not in REDUCE_OPS:
            raise ValueError(f"AllReduceMany: unknown reduction {op!r}; one of {', '.join(REDUCE_OPS)}")
        if int(bucket_bytes) <= 0:
            raise ValueError(f"AllReduceMany: bucket_bytes must be positive, got {bucket_bytes}")
        self.op, self.bucket_bytes = op, int(bucket_bytes)

    def make_node(self, *xs: Any) -> Apply:
        xs = [as_tensor_variable(x) for x in xs]
        for x in xs:
            _check_reduce(self.op, x.type.dtype, "allreduce_many")
        return Apply(self, xs, [x.type() for x in xs])

    def make_py_fn(self, node: Apply):
        op, bb, get = self.op, self.bucket_bytes, _comm.get

        def fn(*xs):
            return tuple(get().allreduce_many(xs, op, bb))

        return fn

    def infer_shape(self, node: Apply, shapes: list) -> list:
        return list(shapes)

    def L_op(self, inputs, outputs, gouts):
        if self.op in ("sum", "mean"):
            gs = AllReduceMany(self.op, self.bucket_bytes)(*gouts)
            return [gs] if len(inputs) == 1 else list(gs)
        gs = AllReduceMany("sum", self.bucket_bytes)(*gouts)
        gs = [gs] if len(inputs) == 1 else list(gs)
        return [g * cast(eq(x, y), g.type.dtype) for g, x, y in zip(gs, inputs, outputs)]


class Broadcast(_Collective):
    """Rank `root`'s value of `x` on every rank. Every rank must pass the same shape and dtype."""

    __props__ = ("root",)

    def __init__(self, root: int = 0):
        self.root = int(root)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node: Apply):
        root, get = self.root, _comm.get

        def fn(x):
            return get().bcast(x, root)

        return fn

    def infer_shape(self, node: Apply, shapes: list) -> list:
        return [shapes[0]]

    def L_op(self, inputs, outputs, gouts):
        # Only the root's input reached the outputs: it receives every rank's gradient.
        return [Reduce(self.root, "sum")(gouts[0])]


class Reduce(_Collective):
    """The reduction of `x` over all ranks on rank `root`, zeros on the others (the adjoint
    of Broadcast)."""

    __props__ = ("root", "op")

    def __init__(self, root: int = 0, op: str = "sum"):
        if op not in REDUCE_OPS:
            raise ValueError(f"Reduce: unknown reduction {op!r}; one of {', '.join(REDUCE_OPS)}")
        self.root, self.op = int(root), op

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        _check_reduce(self.op, x.type.dtype, "reduce")
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node: Apply):
        root, op, get = self.root, self.op, _comm.get

        def fn(x):
            return get().reduce(x, op, root)

        return fn

    def infer_shape(self, node: Apply, shapes: list) -> list:
        return [shapes[0]]

    def L_op(self, inputs, outputs, gouts):
        if self.op != "sum":
            raise NotImplementedError(f"the gradient of reduce({self.op!r}) is not implemented")
        return [Broadcast(self.root)(gouts[0])]


class AllGather(_Collective):
    """Every rank's `x` concatenated along axis 0 in rank order, on every rank. The lengths
    along axis 0 may differ between ranks; the other dimensions must agree."""

    __props__ = ()

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.type.ndim == 0:
            raise TypeError("allgather concatenates along axis 0: it needs a tensor of at least one "
                            "dimension (reshape a scalar to a vector of length 1)")
        return Apply(self, [x], [TensorType(x.type.dtype, (False,) + x.type.broadcastable[1:])()])

    def make_py_fn(self, node: Apply):
        get = _comm.get

        def fn(x):
            return get().allgather(x)

        return fn

    def infer_shape(self, node: Apply, shapes: list) -> list:
        # The total length is known only by asking the others: itself a (tiny) collective,
        # present only in graphs that use the shape.
        n0 = as_tensor_variable(shapes[0][0])
        return [(AllReduce("sum")(n0),) + tuple(shapes[0][1:])]

    def L_op(self, inputs, outputs, gouts):
        return [ReduceScatter()(gouts[0], inputs[0])]


class ReduceScatter(_Collective):
    """Sum `g` over ranks and keep, on each rank, the rows that `like` (this rank's input of
    the matching allgather) contributed: the adjoint of AllGather."""

    __props__ = ()

    def make_node(self, g: Any, like: Any) -> Apply:
        g, like = as_tensor_variable(g), as_tensor_variable(like)
        if g.type.ndim != like.type.ndim or g.type.ndim == 0:
            raise TypeError(f"reduce_scatter: {g.type} and {like.type} must have the same number "
                            f"(at least one) of dimensions")
        _check_reduce("sum", g.type.dtype, "reduce_scatter")
        return Apply(self, [g, like], [TensorType(g.type.dtype, like.type.broadcastable)()])

    def make_py_fn(self, node: Apply):
        get = _comm.get

        def fn(g, like):
            return get().reduce_scatter(g, like.shape[0])

        return fn

    def infer_shape(self, node: Apply, shapes: list) -> list:
        return [shapes[1]]

    def connection_pattern(self, node: Apply) -> list[list[bool]]:
        return [[True], [False]]

    def L_op(self, inputs, outputs, gouts):
        return [AllGather()(gouts[0]), DisconnectedType()()]


def allreduce(x: Any, op: str = "sum") -> Variable:
    """The elementwise `op` ('sum', 'mean', 'max', 'min') of `x` over all ranks."""
    return AllReduce(op)(x)


def allreduce_many(xs: Sequence[Any], op: str = "mean", bucket_bytes: int = DEFAULT_BUCKET_BYTES
                   ) -> list[Variable]:
    """allreduce of each tensor in `xs`, through few messages of about `bucket_bytes`:
    ``updates = [(p, p - lr * g) for p, g in zip(params, allreduce_many(T.grad(cost, params)))]``."""
    xs = list(xs)
    if not xs:
        return []
    out = AllReduceMany(op, bucket_bytes)(*xs)
    return [out] if len(xs) == 1 else list(out)


def broadcast(x: Any, root: int = 0) -> Variable:
    """Rank `root`'s value of `x` on every rank."""
    return Broadcast(root)(x)


def allgather(x: Any) -> Variable:
    """Every rank's `x` concatenated along axis 0, in rank order."""
    return AllGather()(x)
