"""Functions of Theano 1.0's `tensor` namespace that are compositions of other ops:
`batched_tensordot`, `stacklists`, `transpose`, `swapaxes`, `square`, `ptp`, `largest`,
`smallest`, `isclose`, `allclose`."""
from __future__ import annotations

import functools
import operator
from typing import Any, Sequence

import numpy as np

from ..graph.basic import Variable
from .basic import as_tensor_variable, patternbroadcast
from .join import concatenate, stack
from .math import abs_, all as _all, and_, batched_dot, eq, isinf, isnan, le, max as _max, maximum, \
    min as _min, minimum, or_, sqr, sub
from .shape import reshape

__all__ = ["batched_tensordot", "stacklists", "transpose", "swapaxes", "square", "ptp", "largest", "smallest",
           "isclose", "allclose"]

square = sqr  # Theano 1.0's other name for the elementwise square


def transpose(x: Any, axes: Sequence[int] | None = None) -> Variable:
    """x with its axes reversed, or permuted as `axes` says."""
    x = as_tensor_variable(x)
    axes = list(range(x.ndim))[::-1] if axes is None else list(axes)
    return x.dimshuffle(axes)


def swapaxes(y: Any, axis1: int, axis2: int) -> Variable:
    """y with axes axis1 and axis2 exchanged."""
    y = as_tensor_variable(y)
    order = list(range(y.ndim))
    order[axis1], order[axis2] = order[axis2], order[axis1]
    return y.dimshuffle(order)


def ptp(a: Any, axis: Any = None) -> Variable:
    """The range (maximum - minimum) of `a` along `axis` (all of it by default)."""
    a = as_tensor_variable(a)
    return sub(_max(a, axis), _min(a, axis))


def largest(*args: Any) -> Variable:
    """The elementwise maximum of the arguments."""
    if not args:
        raise TypeError("largest() needs at least one argument")
    return functools.reduce(maximum, args[1:], as_tensor_variable(args[0]))


def smallest(*args: Any) -> Variable:
    """The elementwise minimum of the arguments."""
    if not args:
        raise TypeError("smallest() needs at least one argument")
    return functools.reduce(minimum, args[1:], as_tensor_variable(args[0]))


def isclose(a: Any, b: Any, rtol: float = 1.0e-5, atol: float = 1.0e-8, equal_nan: bool = False) -> Variable:
    """Elementwise |a - b| <= atol + rtol * |b|, as numpy.isclose (infinities equal when they
    are equal; NaNs equal only with equal_nan)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    close = le(abs_(sub(a, b)), atol + rtol * abs_(b))
    both_inf = and_(and_(isinf(a), isinf(b)), eq(a, b))
    close = and_(or_(close, both_inf), ~or_(isnan(a), isnan(b))) if not equal_nan else \
        or_(or_(close, both_inf), and_(isnan(a), isnan(b)))
    return close


def allclose(a: Any, b: Any, rtol: float = 1.0e-5, atol: float = 1.0e-8, equal_nan: bool = False) -> Variable:
    """Whether every element of a is close to b's (see isclose)."""
    return _all(isclose(a, b, rtol, atol, equal_nan))


def stacklists(arg: Any) -> Any:
    """Stack nested lists of variables into one tensor, a dimension per level of nesting
    (`stacklists([[a, b], [c, d]])` is a 2x2 grid of scalars)."""
    if isinstance(arg, (tuple, list)):
        return stack([stacklists(a) for a in arg])
    return arg


def _contract_batched(a: Variable, b: Variable, n: int) -> Variable:
    """For each i of axis 0: sum over the last n axes of a[i] and the first n of b[i]."""
    for label, v in (("a", a), ("b", b)):
        if n > v.ndim - 1:
            raise ValueError(f"batched_tensordot: axes to sum over must not include the batch axis "
                             f"of {label} ({label}.ndim={v.ndim}, axes={n})")
    a_keep = list(range(1, a.ndim - n))
    b_keep = list(range(1 + n, b.ndim))
    def size(v: Variable, axes: list[int]) -> Any:
        return functools.reduce(operator.mul, [v.shape[k] for k in axes], np.int64(1))

    a3 = reshape(a, [a.shape[0], size(a, a_keep), size(a, list(range(a.ndim - n, a.ndim)))], ndim=3)
    b3 = reshape(b, [b.shape[0], size(b, list(range(1, 1 + n))), size(b, b_keep)], ndim=3)
    out = batched_dot(a3, b3)
    out_shape = concatenate([a.shape[:a.ndim - n], b.shape[1 + n:]])
    bcast = tuple(a.broadcastable[:a.ndim - n]) + tuple(b.broadcastable[1 + n:])
    return patternbroadcast(reshape(out, out_shape, ndim=len(bcast)), bcast)


def batched_tensordot(x: Any, y: Any, axes: Any = 2) -> Variable:
    """For each i of the first (batch) axis, tensordot(x[i], y[i]): `axes` is a number n (the
    last n axes of x with the n axes after the batch axis of y) or two lists of axes of x and
    y, counted with the batch axis (which they must not contain)."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if np.isscalar(axes):
        return _contract_batched(x, y, int(axes))
    if len(axes) != 2:
        raise ValueError(f"batched_tensordot: axes must be an integer or two lists of axes, got {axes!r}")
    ax = [[int(k) for k in np.atleast_1d(a)] for a in axes]
    if len(ax[0]) != len(ax[1]):
        raise ValueError(f"batched_tensordot: the two lists of axes differ in length: {axes!r}")
    for k, v in enumerate((x, y)):
        if any(a >= v.ndim for a in ax[k]):
            raise ValueError(f"batched_tensordot: axes[{k}]={ax[k]} has an axis past the operand's {v.ndim} axes")
        if 0 in ax[k]:
            raise ValueError(f"batched_tensordot: axes to sum over must not contain the batch axis "
                             f"(axes[{k}]={ax[k]})")
    other = [[a for a in range(v.ndim) if a not in ax[k] and a != 0] for k, v in enumerate((x, y))]
    xs = x.dimshuffle([0] + other[0] + ax[0])
    ys = y.dimshuffle([0] + ax[1] + other[1])
    return _contract_batched(xs, ys, len(ax[0]))
