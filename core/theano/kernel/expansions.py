"""Scalar ops defined in simpler scalar ops, for renderers whose dialect lacks them.

`EXPANSIONS` maps a scalar op class of theano.scalar to a function building, from scalar
variables, the same value out of simpler core scalar ops; a scalar op defined elsewhere
(tensor.nnet's softsign, ...) gives its definition as its `expand` method. A renderer
consults them only when its dialect has no expression for the op: the kernel then still
compiles, instead of the whole fused node falling back to its NumPy meaning. Every
definition computes what the op's NumPy meaning computes, special values (NaN,
infinities, -0.0) included, so an expansion changes no result; ops with no such exact
definition (exp2, tan, ...) have none.
"""
from __future__ import annotations

import math
from typing import Callable

from ..graph.basic import Variable
from ..scalar import basic as scal

__all__ = ["EXPANSIONS", "expansion"]


def _const(value: float, like: Variable) -> Variable:
    """`value` as a scalar constant of `like`'s dtype."""
    return scal.constant(value, dtype=like.type.dtype)


def _sigmoid(x: Variable) -> Variable:
    # 1 / (1 + exp(-x)) for x >= 0, exp(x) / (1 + exp(x)) below: neither overflows.
    one = _const(1, x)
    z = scal.exp(x)
    return scal.switch(scal.ge(x, _const(0, x)), scal.true_div(one, scal.add(one, scal.exp(scal.neg(x)))),
                       scal.true_div(z, scal.add(one, z)))


def _softplus(x: Variable) -> Variable:
    # max(x, 0) + log1p(exp(-|x|)); maximum propagates NaN.
    return scal.add(scal.maximum(x, _const(0, x)), scal.log1p(scal.exp(scal.neg(scal.abs_(x)))))


EXPANSIONS: dict[type, Callable[..., Variable]] = {
    scal.Sqr: lambda x: scal.mul(x, x),
    scal.Inv: lambda x: scal.true_div(_const(1, x), x),
    scal.Deg2Rad: lambda x: scal.mul(x, _const(math.pi / 180.0, x)),
    scal.Rad2Deg: lambda x: scal.mul(x, _const(180.0 / math.pi, x)),
    scal.Clip: lambda x, lo, hi: scal.minimum(scal.maximum(x, lo), hi),
    scal.Second: lambda x, y: scal.identity(y),
    scal.ScalarSigmoid: _sigmoid,
    scal.ScalarSoftplus: _softplus,
}


def expansion(op: scal.ScalarOp) -> Callable[..., Variable] | None:
    """The definition of `op` in simpler scalar ops, or None when the core gives none."""
    for cls in type(op).__mro__:
        fn = EXPANSIONS.get(cls)
        if fn is not None:
            return fn
    # an op defined outside the scalar module gives its own definition (ScalarOp.expand)
    return op.expand if type(op).expand is not scal.ScalarOp.expand else None
