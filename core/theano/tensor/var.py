"""TensorVariable and TensorConstant: Python operators and NumPy-like methods."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..graph.basic import Constant, Variable
from .type import TensorType
from ..graph.op import op_error


def _comparison(v):
    """Mark the result of an operator comparison as refusing bool() (see __bool__)."""
    v._is_nonzero = False
    return v


class _TensorOperators:
    """Operators and methods shared by tensor variables, constants and shared variables."""

    # -- arithmetic ---------------------------------------------------------------
    def __add__(self, other): return _math.add(self, other)
    def __radd__(self, other): return _math.add(other, self)
    def __sub__(self, other): return _math.sub(self, other)
    def __rsub__(self, other): return _math.sub(other, self)
    def __mul__(self, other): return _math.mul(self, other)
    def __rmul__(self, other): return _math.mul(other, self)
    def __truediv__(self, other): return _math.true_div(self, other)
    def __rtruediv__(self, other): return _math.true_div(other, self)
    def __floordiv__(self, other): return _math.int_div(self, other)
    def __rfloordiv__(self, other): return _math.int_div(other, self)
    def __mod__(self, other): return _math.mod(self, other)
    def __rmod__(self, other): return _math.mod(other, self)
    def __pow__(self, other): return _math.pow(self, other)
    def __rpow__(self, other): return _math.pow(other, self)
    def __neg__(self): return _math.neg(self)
    def __pos__(self): return self
    def __abs__(self): return _math.abs_(self)
    def __matmul__(self, other): return _math.matmul(self, other)
    def __rmatmul__(self, other): return _math.matmul(other, self)

    # -- comparison and logic (elementwise, as in Theano) ------------------------------
    def __lt__(self, other): return _comparison(_math.lt(self, other))
    def __le__(self, other): return _comparison(_math.le(self, other))
    def __gt__(self, other): return _comparison(_math.gt(self, other))
    def __ge__(self, other): return _comparison(_math.ge(self, other))
    def __and__(self, other): return _math.and_(self, other)
    def __rand__(self, other): return _math.and_(other, self)
    def __or__(self, other): return _math.or_(self, other)
    def __ror__(self, other): return _math.or_(other, self)
    def __xor__(self, other): return _math.xor(self, other)
    def __rxor__(self, other): return _math.xor(other, self)
    def __invert__(self): return _math.invert(self)

    # As in Theano 1.0, variables are true (programs write `if not x:` on symbolic inputs and
    # shared variables); only the results of <, <=, >, >= refuse bool(), because
    # `a < b < c` would otherwise silently mean `(a < b) and (b < c)`.
    _is_nonzero = True

    def __bool__(self):
        if self._is_nonzero:
            return True
        raise TypeError("a symbolic comparison has no truth value (`a < b < c` and `if x > 0:` do not "
                        "work on variables): use theano.tensor.and_ to combine comparisons, "
                        "theano.ifelse.ifelse or tensor.switch to branch")

    def __iter__(self):
        try:
            n = _basic.get_vector_length(self)
        except (TypeError, ValueError):
            raise TypeError(f"{self} of type {self.type} cannot be iterated: its length is not "
                            f"known when the graph is built") from None
        for i in range(n):
            yield self[i]

    def __len__(self):
        raise TypeError(f"{self} is symbolic: len() is not known; use {self}.shape[0]")

    def __getitem__(self, index):
        return _subtensor.getitem(self, index)

    # -- attributes ------------------------------------------------------------------
    @property
    def ndim(self) -> int:
        return self.type.ndim

    @property
    def dtype(self) -> str:
        return self.type.dtype

    @property
    def broadcastable(self) -> tuple[bool, ...]:
        return self.type.broadcastable

    @property
    def shape(self):
        return _shape.shape(self)

    @property
    def size(self):
        return _math.prod(self.shape)

    @property
    def T(self):
        return self.transpose()

    # NumPy must defer to our reflected operators: np.float32(0.1) * x and array * x build
    # graphs instead of NumPy trying (and failing) to turn x into an array.
    __array_ufunc__ = None

    def __array__(self, dtype=None, copy=None):
        """NumPy holds a variable as an object, as with Theano 1.0: np.prod((b, s, 6)) over
        symbolic scalars builds their symbolic product. A numeric dtype is refused."""
        if dtype is not None and np.dtype(dtype) != np.dtype(object):
            raise TypeError(f"{self} is a symbolic variable: NumPy cannot make a {np.dtype(dtype)} "
                            f"array of it; compile a function or call .eval()")
        holder = np.empty((), dtype=object)
        holder[()] = self
        return holder

    # -- methods ------------------------------------------------------------------
    def dimshuffle(self, *pattern):
        if len(pattern) == 1 and isinstance(pattern[0], (list, tuple)):
            pattern = tuple(pattern[0])
        try:
            op = _elemwise.DimShuffle(self.broadcastable, pattern)
        except (TypeError, ValueError) as e:
            # The pattern is checked when the op is made, before make_node could add the
            # user's line and the input type to the message.
            raise op_error(e, f"DimShuffle{{{','.join(map(str, pattern))}}}", [self]) from None
        return op(self)

    def transpose(self, *axes):
        if not axes:
            axes = tuple(range(self.ndim))[::-1]
        elif len(axes) == 1 and isinstance(axes[0], (list, tuple)):
            axes = tuple(axes[0])
        return self.dimshuffle(axes)

    def reshape(self, shape, ndim=None):
        return _shape.reshape(self, shape, ndim=ndim)

    def flatten(self, ndim=1, outdim=None):
        return _shape.flatten(self, outdim if outdim is not None else ndim)

    def squeeze(self, axis=None):
        return _shape.squeeze(self, axis)

    def astype(self, dtype):
        return _basic.cast(self, dtype)

    def sum(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _math.sum(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def prod(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _math.prod(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def mean(self, axis=None, dtype=None, keepdims=False, acc_dtype=None):
        return _math.mean(self, axis=axis, dtype=dtype, keepdims=keepdims, acc_dtype=acc_dtype)

    def var(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _math.var(self, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)

    def std(self, axis=None, ddof=0, keepdims=False, corrected=False):
        return _math.std(self, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected)

    def max(self, axis=None, keepdims=False):
        return _math.max(self, axis=axis, keepdims=keepdims)

    def min(self, axis=None, keepdims=False):
        return _math.min(self, axis=axis, keepdims=keepdims)

    def argmax(self, axis=None, keepdims=False):
        return _math.argmax(self, axis=axis, keepdims=keepdims)

    def argmin(self, axis=None, keepdims=False):
        return _math.argmin(self, axis=axis, keepdims=keepdims)

    def all(self, axis=None, keepdims=False):
        return _math.all(self, axis=axis, keepdims=keepdims)

    def any(self, axis=None, keepdims=False):
        return _math.any(self, axis=axis, keepdims=keepdims)

    def norm(self, L, axis=None, keepdims=False):
        return _math.norm(self, L, axis=axis, keepdims=keepdims)

    def dot(self, other):
        return _math.dot(self, other)

    def __dot__(self, other):
        return _math.dot(self, other)

    def __rdot__(self, other):
        return _math.dot(other, self)

    def clip(self, a_min, a_max):
        return _math.clip(self, a_min, a_max)

    def round(self, mode=None):
        return _math.round(self, mode)

    def conj(self):
        return _math.conj(self)

    @property
    def real(self):
        return _math.real(self)

    @property
    def imag(self):
        return _math.imag(self)

    def exp(self): return _math.exp(self)
    def log(self): return _math.log(self)

    def cumsum(self, axis=None):
        return _extra_ops.cumsum(self, axis)

    def cumprod(self, axis=None):
        return _extra_ops.cumprod(self, axis)

    def sort(self, axis=-1, kind="quicksort", order=None):
        return _sort.sort(self, axis, kind, order)

    def argsort(self, axis=-1, kind="quicksort", order=None):
        return _sort.argsort(self, axis, kind, order)

    def repeat(self, repeats, axis=None):
        return _extra_ops.repeat(self, repeats, axis)

    def nonzero(self, return_matrix=False):
        return _subtensor.nonzero(self, return_matrix)

    def diagonal(self, offset=0, axis1=0, axis2=1):
        return _extra_ops.diagonal(self, offset, axis1, axis2)

    def trace(self):
        return _extra_ops.trace(self)

    def fill(self, value):
        return _basic.fill(self, value)

    def zeros_like(self, dtype=None):
        return _basic.zeros_like(self, dtype=dtype)

    def ones_like(self, dtype=None):
        return _basic.ones_like(self, dtype=dtype)

    def copy(self, name=None):
        out = _math.tensor_copy(self)
        out.name = name
        return out


class TensorVariable(_TensorOperators, Variable):
    """A symbolic array."""

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        # Python equality is identity (variables are dict keys); use tensor.eq for elementwise.
        return self is other

    def __ne__(self, other):
        return self is not other


class TensorConstant(_TensorOperators, Constant):
    """A constant array; merged with equal constants by the merge rewrite."""

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other

    def __str__(self):
        if self.name is not None:
            return self.name
        data = np.asarray(self.data)
        if data.size <= 8:
            s = np.array2string(data, separator=", ")
        else:
            s = f"{{{data.dtype}{data.shape}}}"
        return f"TensorConstant{{{s}}}"


TensorType.Variable = TensorVariable
TensorType.Constant = TensorConstant

# The methods above call into these modules, and every one of them builds on the classes
# defined here (tensor.basic imports TensorVariable at its top), so they are imported once
# those classes exist. Only the module objects are bound: their names are read when a method
# runs, by which time each module is complete.
# cycle: tensor.var -> tensor.basic -> tensor.var
from . import basic as _basic  # noqa: E402
from . import elemwise as _elemwise  # noqa: E402
from . import extra_ops as _extra_ops  # noqa: E402
from . import math as _math  # noqa: E402
from . import shape as _shape  # noqa: E402
from . import sort as _sort  # noqa: E402
from . import subtensor as _subtensor  # noqa: E402
