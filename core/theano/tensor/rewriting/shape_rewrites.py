"""Shape computations answered from the ops' shape rules (infer_shape) instead of from
computed values, so a graph that only needs the shape of an intermediate stops computing it.

The rules work one level at a time: Shape_i(k)(op(a, b)) becomes the op's shape rule in
terms of Shape_i of a and b, which the next rounds of the equilibrium push further down
until only shapes of inputs remain. That needs no cache that edits would invalidate."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph.basic import Constant, Variable
from ...rewrite.basic import node_rewriter
from ..basic import Alloc, Rebroadcast, as_tensor_variable, cast, constant, patternbroadcast
from ..elemwise import CAReduce, DimShuffle, Elemwise
from ..join import MakeVector, make_vector
from ..math import Dot, MaxAndArgmax
from ..shape import Reshape, Shape, Shape_i, SpecifyShape
from ..subtensor import Subtensor
from ..type import TensorType
from .registry import register

__all__ = ["trusted_shape_ops", "infer_output_shape"]

#: Ops whose infer_shape has been checked against their perform; others are left alone,
#: since a wrong shape rule would silently change results. Ops may opt in by setting
#: `infer_shape_trusted = True`.
trusted_shape_ops: tuple[type, ...] = (Elemwise, DimShuffle, CAReduce, Dot, Reshape, Alloc,
                                       Rebroadcast, SpecifyShape, MaxAndArgmax, Subtensor,
                                       MakeVector)


def _trusted(op: Any) -> bool:
    return isinstance(op, trusted_shape_ops) or getattr(op, "infer_shape_trusted", False)


def _as_int64(v: Any) -> Variable | None:
    if isinstance(v, (int, np.integer)):
        return constant(np.int64(v))
    if not isinstance(v, Variable):
        return None
    v = as_tensor_variable(v)
    if v.type.ndim != 0 or v.type.dtype[:3] not in ("int", "uin"):
        return None
    return cast(v, "int64") if v.type.dtype != "int64" else v


def _input_shapes(node) -> list | None:
    shapes = []
    for i in node.inputs:
        if not isinstance(i.type, TensorType):
            return None
        shapes.append(tuple(constant(np.int64(1)) if b else Shape_i(k)(i)
                            for k, b in enumerate(i.type.broadcastable)))
    return shapes


def infer_output_shape(var: Variable) -> tuple | None:
    """The shape of `var` from its owner's shape rule, in terms of its inputs' shapes, as
    int64 scalars; None when the owner is not trusted or the rule fails."""
    node = var.owner
    if node is None or not _trusted(node.op):
        return None
    shapes = _input_shapes(node)
    if shapes is None:
        return None
    try:
        res = node.op.infer_shape(node, shapes)
        entries = tuple(res[node.outputs.index(var)])
    except Exception:  # a shape rule that cannot answer symbolically: keep the graph
        return None
    if len(entries) != var.type.ndim:
        return None
    out = tuple(_as_int64(e) for e in entries)
    return None if any(e is None for e in out) else out


@register("canonicalize", "shape")
@node_rewriter([Shape_i], name="local_shape_i_infer")
def local_shape_i_infer(fgraph, node):
    """Shape_i(k)(x) -> 1 when x is broadcastable there, else its owner's shape rule."""
    x = node.inputs[0]
    k = node.op.i
    if x.type.broadcastable[k]:
        return [constant(np.int64(1))]
    shp = infer_output_shape(x)
    if shp is None:
        return None
    new = shp[k]
    if new is node.outputs[0]:
        return None
    return [new]


@register("canonicalize", "shape")
@node_rewriter([Subtensor], name="local_subtensor_of_shape")
def local_subtensor_of_shape(fgraph, node):
    """shape(x)[k] with a constant k -> Shape_i(k)(x)."""
    v = node.inputs[0]
    if v.owner is None or not isinstance(v.owner.op, Shape) or len(node.op.idx_list) != 1:
        return None
    k = node.op.idx_list[0]
    if not isinstance(k, int):
        return None
    x = v.owner.inputs[0]
    nd = x.type.ndim
    if not -nd <= k < nd:
        return None
    k %= nd
    if x.type.broadcastable[k]:
        return [constant(np.int64(1))]
    return [Shape_i(k)(x)]


@register("canonicalize", "shape")
@node_rewriter([Shape], name="local_shape_infer")
def local_shape_infer(fgraph, node):
    """shape(op(...)) -> a vector of the op's shape rule, when every entry is known without
    computing op (the shape of a constant is a constant)."""
    x = node.inputs[0]
    if isinstance(x, Constant):
        return [patternbroadcast(constant(np.asarray(np.shape(x.data), dtype="int64")), (False,))]
    if x.type.ndim == 0:
        return None
    shp = infer_output_shape(x)
    if shp is None:
        return None
    new = patternbroadcast(make_vector(*shp, dtype="int64"), (False,))
    return [new] if new.type == node.outputs[0].type else None
