"""Scalar ops defined in simpler scalar ops, for renderers whose dialect lacks them.

`EXPANSIONS` maps a scalar op class to a function building, from scalar variables, the same
value out of simpler core scalar ops. A renderer consults it only when its dialect has no
expression for the op: the kernel then still compiles, instead of the whole fused node
falling back to its NumPy meaning. Every definition here computes what the op's NumPy
meaning computes, special values (NaN, infinities, -0.0) included, so an expansion changes
no result; ops with no such exact definition (exp2, tan, ...) are not listed.
"""
from __future__ import annotations

import math
from typing import Callable

from ..graph.basic import Variable
from ..scalar import basic as scal
from ..tensor.nnet.sigm import ScalarSoftsign, UltraFastScalarSigmoid

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


def _abs_as_float(x: Variable) -> tuple[Variable, str]:
    """|x| in the op's float type (an integer is made that float first, as the op's meaning
    sees it), and that float type."""
    fdt = scal.upgrade_to_float_no_complex(x.type.dtype)[0]
    xf = x if x.type.dtype == fdt else scal.cast_op(fdt)(x)
    return scal.abs_(xf), fdt


def _softsign(x: Variable) -> Variable:
    # x / (1.0 + |x|), the op's meaning term for term.
    a, fdt = _abs_as_float(x)
    xf = x if x.type.dtype == fdt else scal.cast_op(fdt)(x)
    return scal.true_div(xf, scal.add(scal.constant(1.0, dtype=fdt), a))


def _ultra_fast_sigmoid(x: Variable) -> Variable:
    # Theano's piecewise formula as the op's meaning writes it (a NaN takes the last piece,
    # as np.where's false branches give it).
    a, fdt = _abs_as_float(x)

    def c(v: float) -> Variable:
        return scal.constant(v, dtype=fdt)

    t = scal.mul(c(0.5), a)
    z = scal.switch(scal.lt(t, c(1.7)), scal.true_div(scal.mul(c(1.5), t), scal.add(c(1.0), t)),
                    scal.switch(scal.lt(t, c(3.0)),
                                scal.add(c(0.935409070603099), scal.mul(c(0.0458812946797165), scal.sub(t, c(1.7)))),
                                c(0.99505475368673)))
    z = scal.switch(scal.lt(x, _const(0, x)), scal.neg(z), z)
    return scal.mul(c(0.5), scal.add(z, c(1.0)))


EXPANSIONS: dict[type, Callable[..., Variable]] = {
    scal.Sqr: lambda x: scal.mul(x, x),
    scal.Inv: lambda x: scal.true_div(_const(1, x), x),
    scal.Deg2Rad: lambda x: scal.mul(x, _const(math.pi / 180.0, x)),
    scal.Rad2Deg: lambda x: scal.mul(x, _const(180.0 / math.pi, x)),
    scal.Clip: lambda x, lo, hi: scal.minimum(scal.maximum(x, lo), hi),
    scal.Second: lambda x, y: scal.identity(y),
    scal.ScalarSigmoid: _sigmoid,
    scal.ScalarSoftplus: _softplus,
    ScalarSoftsign: _softsign,
    UltraFastScalarSigmoid: _ultra_fast_sigmoid,
}


def expansion(op: scal.ScalarOp) -> Callable[..., Variable] | None:
    """The definition of `op` in simpler scalar ops, or None when the core gives none."""
    for cls in type(op).__mro__:
        fn = EXPANSIONS.get(cls)
        if fn is not None:
            return fn
    return None
