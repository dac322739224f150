"""NumPy's array helpers as ops: cumsum/cumprod, repeat, diff, diagonal/trace, bincount,
fill_diagonal, to_one_hot and unique."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..config import config
from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..scalar import basic as scal
from .basic import as_tensor_variable, cast, patternbroadcast, zeros_like
from .shape import squeeze  # noqa: F401  (Theano 1.0 also exported it from extra_ops)
from .type import TensorType
from ..gof.type import Generic  # noqa: F401  (Theano 1.0's extra_ops re-exported these)
from ..graph.null_gradients import DisconnectedType  # noqa: F401
from ..graph.null_gradients import grad_not_implemented
from ..graph.null_gradients import grad_undefined
from .advanced_subtensor import AdvancedIncSubtensor
from .advanced_subtensor import flatnonzero
from .basic import arange
from .basic import get_vector_length
from .basic import ones
from .basic import zeros
from .math import maximum
from .math import minimum
from .nlinalg import alloc_diag

__all__ = ["CumOp", "cumsum", "cumprod", "RepeatOp", "repeat", "diff", "diagonal", "trace",
           "BinCount", "bincount", "FillDiagonal", "fill_diagonal", "to_one_hot", "Unique", "unique",
           "compress", "SearchsortedOp", "searchsorted", "FillDiagonalOffset", "fill_diagonal_offset",
           "RavelMultiIndex", "ravel_multi_index", "UnravelIndex", "unravel_index", "diag",
           "InversePermutation", "inverse_permutation", "mgrid", "ogrid", "squeeze", "Bartlett", "bartlett",
           "DisconnectedType", "Generic"]


def _norm_axis(x: Variable, axis: int, fname: str) -> int:
    if not -x.type.ndim <= axis < x.type.ndim:
        raise ValueError(f"{fname}: axis {axis} is out of range for {x} of type {x.type}")
    return axis % x.type.ndim


def _reverse(x: Variable, axis: int) -> Variable:
    return x[(slice(None),) * axis + (slice(None, None, -1),)]


# -- cumulative sums and products ------------------------------------------------------------

class CumOp(Op):
    """Cumulative sum (mode='add') or product (mode='mul') along an axis."""

    __props__ = ("axis", "mode")

    def __init__(self, axis: int, mode: str = "add"):
        if mode not in ("add", "mul"):
            raise ValueError(f"CumOp: mode must be 'add' or 'mul', got {mode!r}")
        self.axis, self.mode = int(axis), mode

    def make_node(self, x):
        x = as_tensor_variable(x)
        if not 0 <= self.axis < x.type.ndim:
            raise ValueError(f"cum{'sum' if self.mode == 'add' else 'prod'}: axis {self.axis} is out "
                             f"of range for {x.type}")
        # NumPy's accumulation dtype: small integers (and bool) accumulate in int64.
        dtype = str(np.cumsum(np.zeros(1, dtype=x.type.dtype)).dtype)
        return Apply(self, [x], [TensorType(dtype, x.type.broadcastable)()])

    def make_py_fn(self, node):
        f = np.cumsum if self.mode == "add" else np.cumprod
        axis = self.axis
        return lambda x: f(x, axis=axis)

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(inputs[0])

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, gouts):
        (x,), (out,), (gz,) = inputs, outputs, gouts
        if x.type.dtype in scal.discrete_dtypes:
            return [zeros_like(x, dtype=config.floatX)]
        ax = self.axis
        rev_cumsum = CumOp(ax, "add")
        if self.mode == "add":
            # d out[j] / d x[i] = 1 for j >= i: a cumulative sum from the end.
            return [_reverse(rev_cumsum(_reverse(gz, ax)), ax)]
        # out[j] = prod x[:j+1]: d out[j] / d x[i] = out[j] / x[i] for j >= i (x[i] != 0).
        return [_reverse(rev_cumsum(_reverse(gz * out, ax)), ax) / x]


def _cum(x: Any, axis: int | None, mode: str) -> Variable:
    x = as_tensor_variable(x)
    if axis is None:
        return CumOp(0, mode)(x.flatten())
    return CumOp(_norm_axis(x, int(axis), "cum" + ("sum" if mode == "add" else "prod")), mode)(x)


def cumsum(x: Any, axis: int | None = None) -> Variable:
    """Cumulative sum along axis (axis=None: of the flattened tensor)."""
    return _cum(x, axis, "add")


def cumprod(x: Any, axis: int | None = None) -> Variable:
    """Cumulative product along axis (axis=None: of the flattened tensor)."""
    return _cum(x, axis, "mul")


# -- repeat ------------------------------------------------------------------------------------

class RepeatOp(Op):
    """Each element of x repeated along an axis, by a scalar count or one count per element."""

    __props__ = ("axis",)

    def __init__(self, axis: int):
        self.axis = int(axis)

    def make_node(self, x, repeats):
        x, repeats = as_tensor_variable(x), as_tensor_variable(repeats)
        if repeats.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"repeat: repeats must be integers, got {repeats} of dtype {repeats.type.dtype}")
        if repeats.type.ndim > 1:
            raise ValueError(f"repeat: repeats must be a scalar or a vector, got {repeats.type}")
        if not 0 <= self.axis < x.type.ndim:
            raise ValueError(f"repeat: axis {self.axis} out of range for {x.type}")
        bcast = list(x.type.broadcastable)
        bcast[self.axis] = False
        return Apply(self, [x, repeats], [TensorType(x.type.dtype, bcast)()])

    def make_py_fn(self, node):
        axis = self.axis

        def fn(x, repeats):
            try:
                return np.repeat(x, repeats, axis=axis)
            except ValueError as e:
                raise ValueError(f"repeat along axis {axis} of an array of shape {x.shape} with "
                                 f"repeats of shape {np.shape(repeats)}: {e}") from None

        return fn

    def infer_shape(self, node, shapes):
        x, repeats = node.inputs
        out = list(shapes[0])
        if repeats.type.ndim == 0:
            out[self.axis] = out[self.axis] * cast(repeats, "int64")
        else:
            out[self.axis] = cast(repeats.sum(), "int64")
        return [tuple(out)]

    def L_op(self, inputs, outputs, gouts):
        (x, repeats), (gz,) = inputs, gouts
        if x.type.dtype in scal.discrete_dtypes:
            return [zeros_like(x, dtype=config.floatX), DisconnectedType()()]
        # Output position j comes from source position src[j] = repeat(arange(n), repeats):
        # the gradient adds gz over each source's copies.
        src = RepeatOp(0)(arange(x.shape[self.axis]), repeats)
        idx = tuple([slice(None)] * self.axis + ["?"])
        gx = AdvancedIncSubtensor(idx)(zeros_like(x), gz, src)
        return [patternbroadcast(gx, x.type.broadcastable), DisconnectedType()()]

    def connection_pattern(self, node):
        return [[True], [False]]


def repeat(x: Any, repeats: Any, axis: int | None = None) -> Variable:
    """x with each element repeated `repeats` times (a scalar, or one count per element) along
    axis (axis=None: of the flattened tensor)."""
    x = as_tensor_variable(x)
    if axis is None:
        x, axis = x.flatten(), 0
    return RepeatOp(_norm_axis(x, int(axis), "repeat"))(x, repeats)


# -- differences, diagonals -----------------------------------------------------------------------

def diff(x: Any, n: int = 1, axis: int = -1) -> Variable:
    """The n-th discrete difference along axis (numpy.diff)."""
    x = as_tensor_variable(x)
    axis = _norm_axis(x, int(axis), "diff")
    if n < 0:
        raise ValueError(f"diff: the order n must be non-negative, got {n}")
    lead = (slice(None),) * axis
    for _ in range(n):
        x = x[lead + (slice(1, None),)] - x[lead + (slice(None, -1),)]
    return x


def diagonal(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Variable:
    """The diagonal `offset` of the axes axis1, axis2, as the last axis (numpy.diagonal)."""
    a = as_tensor_variable(a)
    if a.type.ndim < 2:
        raise ValueError(f"diagonal needs at least 2 dimensions, got {a.type}")
    ax1, ax2 = _norm_axis(a, int(axis1), "diagonal"), _norm_axis(a, int(axis2), "diagonal")
    if ax1 == ax2:
        raise ValueError(f"diagonal: axis1 and axis2 must differ, both are {ax1}")
    offset = int(offset)
    rest = [k for k in range(a.type.ndim) if k not in (ax1, ax2)]
    t = a.dimshuffle(rest + [ax1, ax2])
    r0, c0 = max(-offset, 0), max(offset, 0)
    n = maximum(minimum(t.shape[-2] - r0, t.shape[-1] - c0), 0)
    k = arange(n)
    return t[(Ellipsis, k + r0, k + c0)]


def trace(a: Any, offset: int = 0, axis1: int = 0, axis2: int = 1) -> Variable:
    """The sum of a diagonal (numpy.trace)."""
    return diagonal(a, offset, axis1, axis2).sum(axis=-1)


# -- bincount ---------------------------------------------------------------------------------

class BinCount(Op):
    """numpy.bincount: the number of times (or summed weight with which) each value occurs."""

    __props__ = ("minlength", "assert_nonneg")

    def __init__(self, minlength: int | None = None, assert_nonneg: bool = False):
        self.minlength = None if minlength is None else int(minlength)
        self.assert_nonneg = assert_nonneg

    def make_node(self, x, *weights):
        x = as_tensor_variable(x)
        if x.type.ndim != 1 or x.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"bincount: x must be an integer vector, got {x} of type {x.type}")
        ins = [x]
        dtype = "int64"
        if weights:
            w = as_tensor_variable(weights[0])
            if w.type.ndim != 1:
                raise TypeError(f"bincount: weights must be a vector, got {w.type}")
            ins.append(w)
            dtype = w.type.dtype if w.type.dtype in scal.continuous_dtypes else "float64"
        return Apply(self, ins, [TensorType(dtype, (False,))()])

    def make_py_fn(self, node):
        minlength, dtype = self.minlength or 0, node.outputs[0].type.dtype

        def fn(x, w=None):
            if x.size and x.min() < 0:
                raise ValueError(f"bincount: x holds the negative value {x.min()}; all values must "
                                 f"be non-negative")
            if w is not None and w.shape != x.shape:
                raise ValueError(f"bincount: weights of shape {w.shape} do not match x of shape {x.shape}")
            return np.bincount(x, weights=w, minlength=minlength).astype(dtype, copy=False)

        return fn

    def L_op(self, inputs, outputs, gouts):
        (gz,) = gouts
        res = [DisconnectedType()()]
        if len(inputs) > 1:
            res.append(cast(gz[inputs[0]], inputs[1].type.dtype) if inputs[1].type.dtype in
                       scal.continuous_dtypes else zeros_like(inputs[1], dtype=config.floatX))
        return res

    def connection_pattern(self, node):
        return [[False]] + [[True]] * (len(node.inputs) - 1)


def bincount(x: Any, weights: Any = None, minlength: int | None = None, assert_nonneg: bool = False
             ) -> Variable:
    """Count the occurrences of each value in the non-negative integer vector x (numpy.bincount)."""
    op = BinCount(minlength, assert_nonneg)
    return op(x) if weights is None else op(x, weights)


# -- fill_diagonal -------------------------------------------------------------------------------

def _fill_inputs(fname: str, a: Any, val: Any) -> tuple[Variable, Variable]:
    """The array and the scalar of a fill_diagonal op, checked."""
    a, val = as_tensor_variable(a), as_tensor_variable(val)
    if a.type.ndim < 2:
        raise TypeError(f"{fname}: a must have at least 2 dimensions, got {a.type}")
    if val.type.ndim != 0:
        raise TypeError(f"{fname}: val must be a scalar, got {val.type}")
    if scal.upcast(a.type.dtype, val.type.dtype) != a.type.dtype:
        raise TypeError(f"{fname}: writing {val.type.dtype} into {a.type.dtype} would lose "
                        f"precision; cast val first")
    return a, val


class FillDiagonal(Op):
    """A copy of a with its main diagonal set to a scalar value (numpy.fill_diagonal)."""

    def make_node(self, a, val):
        a, val = _fill_inputs("fill_diagonal", a, val)
        return Apply(self, [a, val], [a.type()])

    def make_py_fn(self, node):
        def fn(a, val):
            if a.ndim > 2 and len(set(a.shape)) != 1:
                raise ValueError(f"fill_diagonal: an array of more than 2 dimensions must have all "
                                 f"dimensions equal, got shape {a.shape}")
            out = a.copy()
            np.fill_diagonal(out, val)
            return out

        return fn

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def grad(self, inputs, gouts):
        (a, val), (gz,) = inputs, gouts
        if a.type.ndim != 2:
            return [grad_not_implemented(self, 0, a, "only for matrices"),
                    grad_not_implemented(self, 1, val, "only for matrices")]
        # The diagonal comes from val, everything else from a.
        ga = fill_diagonal(gz, np.zeros((), dtype=gz.type.dtype))
        gval = cast(diagonal(gz).sum(), val.type.dtype) if val.type.dtype in scal.continuous_dtypes else \
            zeros_like(val, dtype=config.floatX)
        return [ga, gval]


fill_diagonal_ = FillDiagonal()


def fill_diagonal(a: Any, val: Any) -> Variable:
    """A copy of a with its main diagonal set to the scalar val."""
    return fill_diagonal_(a, val)


# -- one-hot, unique ------------------------------------------------------------------------------

def to_one_hot(y: Any, nb_class: Any, dtype: str | None = None) -> Variable:
    """A (len(y), nb_class) matrix with a single 1 per row, in column y[i]."""
    y = as_tensor_variable(y)
    if y.type.ndim != 1 or y.type.dtype not in scal.integer_dtypes:
        raise TypeError(f"to_one_hot: y must be an integer vector, got {y} of type {y.type}")
    dtype = dtype or config.floatX
    z = zeros((y.shape[0], nb_class), dtype=dtype)
    return AdvancedIncSubtensor(("?", "?"), set_instead_of_inc=True)(
        z, np.ones((), dtype=dtype), arange(y.shape[0]), y)


class Unique(Op):
    """numpy.unique: the sorted distinct values, optionally with first indices, inverse
    indices and counts (as further outputs)."""

    __props__ = ("return_index", "return_inverse", "return_counts", "axis")

    def __init__(self, return_index: bool = False, return_inverse: bool = False,
                 return_counts: bool = False, axis: int | None = None):
        self.return_index, self.return_inverse = bool(return_index), bool(return_inverse)
        self.return_counts, self.axis = bool(return_counts), axis

    def make_node(self, x):
        x = as_tensor_variable(x)
        if self.axis is None:
            outs = [TensorType(x.type.dtype, (False,))()]
        else:
            _norm_axis(x, self.axis, "unique")
            bcast = list(x.type.broadcastable)
            bcast[self.axis % x.type.ndim] = False
            outs = [TensorType(x.type.dtype, bcast)()]
        for flag in (self.return_index, self.return_inverse, self.return_counts):
            if flag:
                outs.append(TensorType("int64", (False,))())
        return Apply(self, [x], outs)

    def make_py_fn(self, node):
        kw = dict(return_index=self.return_index, return_inverse=self.return_inverse,
                  return_counts=self.return_counts, axis=self.axis)
        several = len(node.outputs) > 1

        def fn(x):
            r = np.unique(x, **kw)
            if not several:
                return r
            return tuple(np.asarray(v).reshape(-1).astype("int64") if k else v for k, v in enumerate(r))

        return fn

    def perform(self, node, inputs, output_storage):
        r = self.make_py_fn(node)(inputs[0])
        if len(node.outputs) == 1:
            output_storage[0][0] = r
        else:
            for s, v in zip(output_storage, r):
                s[0] = v


def unique(ar: Any, return_index: bool = False, return_inverse: bool = False,
           return_counts: bool = False, axis: int | None = None) -> Any:
    """The sorted distinct values of ar (numpy.unique), with the optional extra outputs."""
    return Unique(return_index, return_inverse, return_counts, axis)(ar)


# -- compress, searchsorted ----------------------------------------------------------------------

def compress(condition: Any, x: Any, axis: int | None = None) -> Variable:
    """The slices of x along axis (the flattened x when None) where condition is non-zero."""
    x = as_tensor_variable(x)
    idx = flatnonzero(condition)
    if axis is None:
        return x.flatten()[idx]
    axis = _norm_axis(x, int(axis), "compress")
    return x[(slice(None),) * axis + (idx,)]


class SearchsortedOp(Op):
    """Where the values v would go in the sorted vector x to keep it sorted (numpy.searchsorted)."""

    __props__ = ("side",)

    def __init__(self, side: str = "left"):
        if side not in ("left", "right"):
            raise ValueError(f"searchsorted: side must be 'left' or 'right', got {side!r}")
        self.side = side

    def make_node(self, x, v, *sorter):
        x, v = as_tensor_variable(x), as_tensor_variable(v)
        if x.type.ndim != 1:
            raise TypeError(f"searchsorted: x must be a vector, got {x.type}")
        ins = [x, v] + [as_tensor_variable(s) for s in sorter]
        if sorter and (ins[2].type.ndim != 1 or ins[2].type.dtype not in scal.integer_dtypes):
            raise TypeError(f"searchsorted: sorter must be an integer vector, got {ins[2].type}")
        return Apply(self, ins, [TensorType("int64", v.type.broadcastable)()])

    def make_py_fn(self, node):
        side = self.side
        return lambda x, v, sorter=None: np.asarray(np.searchsorted(x, v, side=side, sorter=sorter),
                                                    dtype="int64")

    def infer_shape(self, node, shapes):
        return [shapes[1]]

    def grad(self, inputs, gouts):
        # A step function of x and v: zero gradient wherever it exists.
        return [zeros_like(i, dtype=config.floatX) for i in inputs]

    def connection_pattern(self, node):
        return [[False] for _ in node.inputs]


def searchsorted(x: Any, v: Any, side: str = "left", sorter: Any = None) -> Variable:
    """The indices at which the values v would be inserted into the sorted vector x."""
    op = SearchsortedOp(side)
    return op(x, v) if sorter is None else op(x, v, sorter)


# -- diagonals with an offset -----------------------------------------------------------------------

def diag(v: Any, k: int = 0) -> Variable:
    """numpy.diag: the matrix with the vector v on its k-th diagonal, or the k-th diagonal of
    v when it has two or more dimensions."""
    v = as_tensor_variable(v)
    if v.type.ndim == 1:
        return alloc_diag(v, int(k))
    if v.type.ndim >= 2:
        return diagonal(v, offset=int(k))
    raise ValueError(f"diag: the input must have at least one dimension, got {v.type}")


class FillDiagonalOffset(Op):
    """A copy of the matrix a with its diagonal `offset` (> 0 above the main one) set to val."""

    def make_node(self, a, val, offset):
        a = as_tensor_variable(a)
        if a.type.ndim != 2:
            raise TypeError(f"fill_diagonal_offset: a must be a matrix, got {a.type}")
        a, val = _fill_inputs("fill_diagonal_offset", a, val)
        offset = as_tensor_variable(offset)
        if offset.type.ndim != 0 or offset.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"fill_diagonal_offset: offset must be an integer scalar, got {offset.type}")
        return Apply(self, [a, val, offset], [a.type()])

    def make_py_fn(self, node):
        def fn(a, val, offset):
            off = int(offset)
            out = a.copy()
            n = max(min(a.shape[0] - max(-off, 0), a.shape[1] - max(off, 0)), 0)
            k = np.arange(n)
            out[k + max(-off, 0), k + max(off, 0)] = val
            return out

        return fn

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def grad(self, inputs, gouts):
        (a, val, offset), (gz,) = inputs, gouts
        # The offset diagonal comes from val, everything else from a.
        ga = fill_diagonal_offset(gz, np.zeros((), dtype=gz.type.dtype), offset)
        gval = _sum_offset_diagonal(gz, offset)
        gval = cast(gval, val.type.dtype) if val.type.dtype in scal.continuous_dtypes else \
            zeros_like(val, dtype=config.floatX)
        return [ga, gval, grad_undefined(self, 2, offset, "the offset is an integer")]


def _sum_offset_diagonal(m: Variable, offset: Variable) -> Variable:
    """The sum of the diagonal `offset` of m, for a symbolic offset."""
    r0, c0 = maximum(-offset, 0), maximum(offset, 0)
    k = arange(maximum(minimum(m.shape[0] - r0, m.shape[1] - c0), 0))
    return m[k + r0, k + c0].sum()


fill_diagonal_offset_ = FillDiagonalOffset()


def fill_diagonal_offset(a: Any, val: Any, offset: Any) -> Variable:
    """A copy of the matrix a with its diagonal `offset` set to the scalar val."""
    return fill_diagonal_offset_(a, val, offset)


# -- flat and multi-dimensional indices ---------------------------------------------------------------

def _dims_vector(dims: Any, fname: str) -> Variable:
    dims = as_tensor_variable(dims)
    if dims.type.ndim != 1 or dims.type.dtype not in scal.integer_dtypes:
        raise TypeError(f"{fname}: dims must be an integer vector (the array's shape), got {dims.type}")
    return cast(dims, "int64")


def _check_order(order: str, fname: str) -> str:
    if order not in ("C", "F"):
        raise ValueError(f"{fname}: order must be 'C' or 'F', got {order!r}")
    return order


class UnravelIndex(Op):
    """numpy.unravel_index: flat indices into an array of shape dims -> one index array per axis."""

    __props__ = ("order",)

    def __init__(self, order: str = "C"):
        self.order = _check_order(order, "unravel_index")

    def make_node(self, indices, dims):
        indices = as_tensor_variable(indices)
        if indices.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"unravel_index: indices must be integers, got {indices.type}")
        dims = _dims_vector(dims, "unravel_index")
        n = _static_length(dims, "unravel_index")
        return Apply(self, [indices, dims], [TensorType("int64", indices.type.broadcastable)() for _ in range(n)])

    def make_py_fn(self, node):
        order = self.order
        return lambda indices, dims: tuple(np.asarray(r, dtype="int64") for r in
                                           np.unravel_index(indices, tuple(int(d) for d in dims), order=order))

    def perform(self, node, inputs, output_storage):
        for store, r in zip(output_storage, self.make_py_fn(node)(*inputs)):
            store[0] = r

    def infer_shape(self, node, shapes):
        return [shapes[0]] * len(node.outputs)

    def grad(self, inputs, gouts):
        return [grad_undefined(self, k, x, "integer indices") for k, x in enumerate(inputs)]


def _static_length(dims: Variable, fname: str) -> int:
    """How many entries dims has: it decides how many outputs there are, so it must be known
    when the graph is built (a list, a tuple or a constant vector)."""
    try:
        return int(get_vector_length(dims))
    except (ValueError, TypeError):
        raise ValueError(f"{fname}: the length of dims must be known when the graph is built; pass a "
                         f"tuple/list or a constant vector, got {dims}") from None


def unravel_index(indices: Any, dims: Any, order: str = "C") -> tuple[Variable, ...]:
    """The tuple of per-axis index arrays that the flat `indices` stand for in shape dims."""
    out = UnravelIndex(order)(indices, dims)
    return tuple(out) if isinstance(out, (list, tuple)) else (out,)


class RavelMultiIndex(Op):
    """numpy.ravel_multi_index: one index array per axis -> flat indices into shape dims."""

    __props__ = ("mode", "order")

    def __init__(self, mode: str = "raise", order: str = "C"):
        if mode not in ("raise", "wrap", "clip"):
            raise ValueError(f"ravel_multi_index: mode must be 'raise', 'wrap' or 'clip', got {mode!r}")
        self.mode, self.order = mode, _check_order(order, "ravel_multi_index")

    def make_node(self, *inputs):
        *multi_index, dims = [as_tensor_variable(i) for i in inputs]
        if not multi_index:
            raise TypeError("ravel_multi_index: multi_index must hold one index array per axis")
        for i in multi_index:
            if i.type.dtype not in scal.integer_dtypes:
                raise TypeError(f"ravel_multi_index: the indices must be integers, got {i.type}")
        dims = _dims_vector(dims, "ravel_multi_index")
        bcast = tuple(all(b) for b in zip(*(i.type.broadcastable for i in multi_index))) \
            if len({i.type.ndim for i in multi_index}) == 1 else None
        if bcast is None:
            raise TypeError("ravel_multi_index: the index arrays must have the same number of dimensions, "
                            f"got {[str(i.type) for i in multi_index]}")
        return Apply(self, [*multi_index, dims], [TensorType("int64", bcast)()])

    def make_py_fn(self, node):
        mode, order = self.mode, self.order

        def fn(*inputs):
            *multi_index, dims = inputs
            if len(multi_index) != len(dims):
                raise ValueError(f"ravel_multi_index: {len(multi_index)} index arrays for a shape of "
                                 f"{len(dims)} dimensions {tuple(dims)}")
            return np.asarray(np.ravel_multi_index(tuple(multi_index), tuple(int(d) for d in dims),
                                                   mode=mode, order=order), dtype="int64")

        return fn

    def grad(self, inputs, gouts):
        return [grad_undefined(self, k, x, "integer indices") for k, x in enumerate(inputs)]


def ravel_multi_index(multi_index: Any, dims: Any, mode: str = "raise", order: str = "C") -> Variable:
    """The flat indices into shape dims of the per-axis index arrays multi_index."""
    if not isinstance(multi_index, (tuple, list)):
        raise TypeError("ravel_multi_index: multi_index must be a tuple or list of index arrays")
    return RavelMultiIndex(mode, order)(*multi_index, dims)


# -- permutations and grids ------------------------------------------------------------------------

class InversePermutation(Op):
    """The inverse of each permutation along the last axis: out[..., perm[..., i]] = i."""

    def make_node(self, perm):
        perm = as_tensor_variable(perm)
        if perm.type.ndim < 1 or perm.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"inverse_permutation: expected integer permutations along the last axis, "
                            f"got {perm.type}")
        return Apply(self, [perm], [perm.type()])

    def make_py_fn(self, node):
        def fn(perm):
            n = perm.shape[-1]
            if n and (np.sort(perm, axis=-1) != np.arange(n)).any():
                raise ValueError(f"inverse_permutation: each row must be a permutation of 0..{n - 1}, "
                                 f"got {perm}")
            out = np.empty_like(perm)
            np.put_along_axis(out, perm.astype(np.intp), np.broadcast_to(np.arange(n, dtype=perm.dtype),
                                                                        perm.shape), axis=-1)
            return out

        return fn

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def grad(self, inputs, gouts):
        return [grad_undefined(self, 0, inputs[0], "a permutation is integer")]


def inverse_permutation(perm: Any) -> Variable:
    """The inverse of the permutation(s) perm (each row of a matrix is one)."""
    return InversePermutation()(perm)


class _Grid:
    """theano.tensor.mgrid / ogrid: `mgrid[0:3, 0:4]` is the list of two 3x4 tensors of row
    and column numbers; ogrid gives the same as broadcastable (3, 1) and (1, 4) tensors.
    Bounds may be symbolic; steps are integer steps (NumPy's complex "number of points" step
    is not supported)."""

    def __init__(self, sparse: bool):
        self.sparse = sparse

    def __getitem__(self, key: Any) -> Any:
        name = "ogrid" if self.sparse else "mgrid"
        if isinstance(key, slice):
            return self._range(key, name)
        if not isinstance(key, tuple) or not all(isinstance(k, slice) for k in key):
            raise TypeError(f"{name}[...] takes slices, e.g. {name}[0:3, 0:4], got {key!r}")
        ranges = [self._range(k, name) for k in key]
        nd = len(ranges)
        out = []
        for axis, r in enumerate(ranges):
            pattern = ["x"] * nd
            pattern[axis] = 0
            v = r.dimshuffle(pattern)
            if not self.sparse:
                v = v * ones([q.shape[0] for q in ranges], dtype=v.type.dtype)
            out.append(v)
        return out

    @staticmethod
    def _range(sl: slice, name: str) -> Variable:
        step = 1 if sl.step is None else sl.step
        if isinstance(step, complex):
            raise NotImplementedError(f"{name}: complex steps (a number of points) are not supported")
        if sl.stop is None:
            raise ValueError(f"{name}: every slice needs a stop, got {sl}")
        return arange(0 if sl.start is None else sl.start, sl.stop, step)


mgrid = _Grid(sparse=False)
ogrid = _Grid(sparse=True)


class Bartlett(Op):
    """The Bartlett (triangular) window of M points, as numpy.bartlett (float64)."""

    __props__ = ()

    def make_node(self, M: Any) -> Apply:
        M = as_tensor_variable(M)
        if M.ndim != 0 or M.dtype not in scal.integer_dtypes:
            raise TypeError(f"bartlett: M must be an integer scalar, got {M.type}")
        return Apply(self, [M], [TensorType("float64", (False,))()])

    def make_py_fn(self, node: Apply):
        return lambda M: np.bartlett(int(M))

    def infer_shape(self, node: Apply, shapes: Any) -> list:
        return [(maximum(node.inputs[0], 0),)]

    def L_op(self, inputs: Any, outputs: Any, gouts: Any) -> list:
        return [grad_undefined(self, 0, inputs[0], "the window length is an integer")]


def bartlett(M: Any) -> Variable:
    """The Bartlett window of M points (numpy.bartlett), symbolically."""
    return Bartlett()(M)


from ..compat.absent import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
