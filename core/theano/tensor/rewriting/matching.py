"""Small predicates and builders the tensor rewrites share: recognising an Elemwise of a
given scalar op, reading constants, and making a replacement keep the exact type of the
variable it replaces."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph.basic import Apply, Constant, Variable
from ...scalar import basic as scal
from ..basic import Rebroadcast, cast, patternbroadcast
from ..elemwise import DimShuffle, Elemwise
from ..type import TensorType

__all__ = ["elemwise_of", "scalar_constant", "fit_type", "is_float", "all_broadcastable",
           "single_client"]


def elemwise_of(var: Any, *scalar_op_types: type) -> Apply | None:
    """The owner of `var` when it is an out-of-place Elemwise of one of these scalar op
    classes (by isinstance), else None."""
    node = getattr(var, "owner", None)
    if node is None or type(node.op) is not Elemwise or node.op.inplace_pattern:
        return None
    if isinstance(node.op.scalar_op, scalar_op_types):
        return node
    return None


def scalar_constant(var: Any) -> Any:
    """The single value of `var` when it is a constant holding one element (possibly behind
    dimshuffles or rebroadcasts), else None. Only size-1 data counts: a larger constant
    also carries a shape that a rewrite dropping it would lose."""
    v = var
    while v.owner is not None and isinstance(v.owner.op, (DimShuffle, Rebroadcast)):
        v = v.owner.inputs[0]
    if not isinstance(v, Constant):
        return None
    data = np.asarray(v.data)
    if data.size != 1:
        return None
    return data.reshape(())


def is_float(var: Variable) -> bool:
    return getattr(var.type, "dtype", None) in scal.float_dtypes


def all_broadcastable(var: Variable) -> bool:
    return all(var.type.broadcastable)


def single_client(fgraph: Any, var: Variable) -> bool:
    """Whether `var` has exactly one reader (so rewriting its producer away loses nothing)."""
    return len(fgraph.clients.get(var, ())) == 1


def fit_type(new: Variable, old: Variable) -> Variable | None:
    """`new` made to have exactly `old`'s type (dtype by cast, rank by left padding,
    broadcast pattern by rebroadcast), or None when that would change values: `new` may
    not be broadcastable where `old` is not (its shape would be smaller)."""
    ot = old.type
    if not isinstance(new.type, TensorType) or not isinstance(ot, TensorType):
        return new if new.type == ot else None
    if new.type.ndim > ot.ndim:
        return None
    if new.type.ndim < ot.ndim:
        pad = ot.ndim - new.type.ndim
        new = DimShuffle(new.type.broadcastable, ["x"] * pad + list(range(new.type.ndim)))(new)
    for nb, ob in zip(new.type.broadcastable, ot.broadcastable):
        if nb and not ob:
            # A length-1 axis where the replaced variable may be longer: only a constant
            # value shape would fix that; refuse instead.
            return None
    if new.type.dtype != ot.dtype:
        if new.type.dtype in scal.complex_dtypes and ot.dtype not in scal.complex_dtypes:
            return None
        new = cast(new, ot.dtype)
    if new.type.broadcastable != ot.broadcastable:
        new = patternbroadcast(new, ot.broadcastable)
    return new
