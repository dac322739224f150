"""Theano 1.0's `theano.tensor.nnet.nnet`: rectifiers, softmax and cross-entropies.

The rectifiers are graphs of elementwise ops (fusion handles them); softmax and the
cross-entropies are dedicated ops, defined in `softmax.py` and `crossentropy.py` and
gathered here under the module Theano users import them from.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ...graph.basic import Variable
from ...scalar import basic as scal
from ..basic import as_tensor_variable, cast, constant
from ..math import abs_, expm1, gt, switch
from .crossentropy import *  # noqa: F401,F403
from .crossentropy import __all__ as _crossentropy_all
from .sigm import hard_sigmoid, sigmoid, softplus, softsign, ultra_fast_sigmoid  # noqa: F401
from .softmax import *  # noqa: F401,F403
from .softmax import __all__ as _softmax_all

__all__ = (["relu", "elu", "selu", "sigmoid", "softplus", "hard_sigmoid", "ultra_fast_sigmoid",
            "softsign"] + _softmax_all + _crossentropy_all)

# SELU's constants (Klambauer et al. 2017), to full double precision.
SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _as_float(x: Any) -> Variable:
    """`x` as a float tensor: integers take Theano's float of matching width."""
    x = as_tensor_variable(x)
    if x.type.dtype in scal.discrete_dtypes:
        x = cast(x, scal.upgrade_to_float(x.type.dtype)[0])
    return x


def _coef(x: Variable, value: Any) -> Variable:
    """A Python number as a constant of x's dtype, so float32 graphs stay float32; a
    symbolic or NumPy coefficient is kept as given (the user chose its dtype)."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return constant(np.asarray(value, dtype=x.type.dtype))
    return as_tensor_variable(value)


def relu(x: Any, alpha: Any = 0) -> Variable:
    """Rectifier max(x, 0), or the leaky max(x, alpha * x) when alpha is not 0 (Theano's formula)."""
    if isinstance(alpha, (int, float)) and alpha == 0:
        # 0.5 * (x + |x|) rather than maximum(x, 0): Theano's gradient at 0 is 0.5. Plain
        # arithmetic, as Theano wrote it, so a NumPy input gives a NumPy result.
        if not isinstance(x, (np.ndarray, np.generic)):
            x = as_tensor_variable(x)
        return 0.5 * (x + abs(x))
    x = as_tensor_variable(x)
    fx = _as_float(x)
    a = _coef(fx, alpha)
    f1 = 0.5 * (1 + a)
    f2 = 0.5 * (1 - a)
    return f1 * x + f2 * abs_(x)


def elu(x: Any, alpha: Any = 1) -> Variable:
    """Exponential linear unit: x where x > 0, else alpha * (exp(x) - 1)."""
    x = _as_float(x)
    return switch(gt(x, 0), x, _coef(x, alpha) * expm1(x))


def selu(x: Any) -> Variable:
    """Scaled exponential linear unit: SELU_SCALE * elu(x, SELU_ALPHA)."""
    x = _as_float(x)
    return _coef(x, SELU_SCALE) * elu(x, SELU_ALPHA)
