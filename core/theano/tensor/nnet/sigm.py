"""Sigmoid-shaped activations: sigmoid, softplus, their fast approximations, and softsign.

`sigmoid` and `softplus` are the Elemwise ops of `tensor.math` (one op, wherever it is
imported from, so rewrites and backends see a single kind of node). The approximations
follow Theano 1.0's formulas exactly, so trained models behave the same.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph.basic import Variable
from ...scalar import basic as scal
from ..basic import as_tensor_variable, cast, constant
from ..elemwise import Elemwise
from ..math import abs_, clip, sigmoid, softplus

__all__ = ["sigmoid", "softplus", "scalar_sigmoid", "scalar_softplus", "ultra_fast_sigmoid",
           "hard_sigmoid", "softsign", "UltraFastScalarSigmoid", "ScalarSoftsign",
           "ultra_fast_scalar_sigmoid", "scalar_softsign", "sigmoid_inplace"]

scalar_sigmoid = scal.sigmoid
scalar_softplus = scal.softplus
# Theano exposed an in-place variant; without an in-place rewrite it is the plain op.
sigmoid_inplace = sigmoid


def _ultra_fast_sigmoid_np(x: Any) -> Any:
    """Theano's piecewise approximation of the sigmoid (max error about 0.03)."""
    x = np.asarray(x)
    t = 0.5 * np.abs(x)
    z = np.where(t < 1.7, 1.5 * t / (1.0 + t),
                 np.where(t < 3.0, 0.935409070603099 + 0.0458812946797165 * (t - 1.7),
                          0.99505475368673))
    z = np.where(x < 0, -z, z)
    return 0.5 * (z + 1.0)


class UltraFastScalarSigmoid(scal.ScalarOp):
    """A fast piecewise-rational approximation of the sigmoid, on one element."""

    nin = 1
    name = "ultra_fast_sigmoid"
    nfunc = staticmethod(_ultra_fast_sigmoid_np)
    output_types_preference = staticmethod(scal.upgrade_to_float_no_complex)
    float_op = True

    def grad(self, inputs, gouts):
        (x,), (gz,) = inputs, gouts
        # Theano's choice: the gradient of the approximation is taken as y * (1 - y),
        # smooth, instead of the jumpy derivative of the piecewise formula.
        y = ultra_fast_sigmoid(x)
        return [scal._zero_if_discrete(x, gz * y * (1 - y))]

    def expand(self, x: Variable) -> Variable:
        """Theano's piecewise formula in core scalar ops, as the NumPy meaning writes it (a
        NaN takes the last piece, as np.where's false branches give it)."""
        a, fdt = _abs_as_float(x)

        def c(v: float) -> Variable:
            return scal.constant(v, dtype=fdt)

        t = scal.mul(c(0.5), a)
        z = scal.switch(scal.lt(t, c(1.7)), scal.true_div(scal.mul(c(1.5), t), scal.add(c(1.0), t)),
                        scal.switch(scal.lt(t, c(3.0)),
                                    scal.add(c(0.935409070603099), scal.mul(c(0.0458812946797165), scal.sub(t, c(1.7)))),
                                    c(0.99505475368673)))
        z = scal.switch(scal.lt(x, scal.constant(0, dtype=x.type.dtype)), scal.neg(z), z)
        return scal.mul(c(0.5), scal.add(z, c(1.0)))


class ScalarSoftsign(scal.ScalarOp):
    """x / (1 + |x|), on one element."""

    nin = 1
    name = "softsign"
    nfunc = staticmethod(lambda x: x / (1.0 + np.abs(x)))
    output_types_preference = staticmethod(scal.upgrade_to_float_no_complex)
    float_op = True

    def grad(self, inputs, gouts):
        (x,), (gz,) = inputs, gouts
        d = 1 + abs_(x)
        return [scal._zero_if_discrete(x, gz / (d * d))]

    def expand(self, x: Variable) -> Variable:
        """x / (1.0 + |x|) in core scalar ops, the NumPy meaning term for term."""
        a, fdt = _abs_as_float(x)
        xf = x if x.type.dtype == fdt else scal.cast_op(fdt)(x)
        return scal.true_div(xf, scal.add(scal.constant(1.0, dtype=fdt), a))


def _abs_as_float(x: Variable) -> tuple[Variable, str]:
    """|x| in the op's float type (an integer is made that float first, as the op's meaning
    sees it), and that float type."""
    fdt = scal.upgrade_to_float_no_complex(x.type.dtype)[0]
    xf = x if x.type.dtype == fdt else scal.cast_op(fdt)(x)
    return scal.abs_(xf), fdt


ultra_fast_scalar_sigmoid = UltraFastScalarSigmoid()
scalar_softsign = ScalarSoftsign()
_ultra_fast_sigmoid_op = Elemwise(ultra_fast_scalar_sigmoid)
_softsign_op = Elemwise(scalar_softsign)


def ultra_fast_sigmoid(x: Any) -> Variable:
    """Theano's fast approximation of sigmoid(x) (absolute error below 0.03)."""
    return _ultra_fast_sigmoid_op(x)


def softsign(x: Any) -> Variable:
    """x / (1 + |x|)."""
    return _softsign_op(x)


def _float_like(x: Variable, value: float) -> Variable:
    """`value` as a constant of x's float dtype, so float32 graphs stay float32."""
    dtype = x.type.dtype if x.type.dtype in scal.float_dtypes else None
    return constant(np.asarray(value, dtype=dtype)) if dtype else constant(value)


def hard_sigmoid(x: Any) -> Variable:
    """Piecewise-linear sigmoid: clip(0.2 * x + 0.5, 0, 1) (Theano's slope and shift)."""
    x = as_tensor_variable(x)
    if x.type.dtype in scal.discrete_dtypes:
        x = cast(x, scal.upgrade_to_float(x.type.dtype)[0])
    y = x * _float_like(x, 0.2) + _float_like(x, 0.5)
    return clip(y, _float_like(x, 0.0), _float_like(x, 1.0))
