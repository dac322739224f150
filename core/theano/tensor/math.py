"""Elementwise math, reductions and products on tensors."""
from __future__ import annotations

import builtins
from typing import Any as AnyT, Sequence

import numpy as np

from ..config import config
from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..scalar import basic as scal
from .basic import as_tensor_variable, cast, constant, patternbroadcast
from .elemwise import CAReduce, Elemwise, expand_reduced
from .type import TensorType
from ..graph.null_gradients import DisconnectedType
from ..graph.op import op_error
from .basic import fill
from .basic import get_scalar_constant_value
from .basic import zeros_like
from .shape import reshape
from .shape import shape

# -- elementwise ---------------------------------------------------------------


def _elemwise(sop: scal.ScalarOp, name: str, doc: str) -> AnyT:
    op = Elemwise(sop)

    def f(*args: AnyT) -> Variable:
        return op(*args)

    f.__name__ = name
    f.__qualname__ = name
    f.__doc__ = doc
    f.op = op  # type: ignore[attr-defined]
    return f


add = _elemwise(scal.add, "add", "Elementwise sum of any number of tensors.")
sub = _elemwise(scal.sub, "sub", "Elementwise a - b.")
mul = _elemwise(scal.mul, "mul", "Elementwise product of any number of tensors.")
true_div = _elemwise(scal.true_div, "true_div", "Elementwise a / b (integers give floats).")
int_div = _elemwise(scal.int_div, "int_div", "Elementwise a // b.")
floor_div = int_div
mod = _elemwise(scal.mod, "mod", "Elementwise a % b (sign of b, as in Python).")
pow = _elemwise(scal.pow, "pow", "Elementwise a ** b.")  # noqa: A001
neg = _elemwise(scal.neg, "neg", "Elementwise -a.")
abs_ = _elemwise(scal.abs_, "abs_", "Elementwise absolute value (modulus for complex).")
sgn = _elemwise(scal.sgn, "sgn", "Elementwise sign: -1, 0 or 1.")
sign = sgn
sqr = _elemwise(scal.sqr, "sqr", "Elementwise square.")
sqrt = _elemwise(scal.sqrt, "sqrt", "Elementwise square root.")
inv = _elemwise(scal.reciprocal, "inv", "Elementwise 1 / a.")
reciprocal = inv
exp = _elemwise(scal.exp, "exp", "Elementwise e ** a.")
exp2 = _elemwise(scal.exp2, "exp2", "Elementwise 2 ** a.")
expm1 = _elemwise(scal.expm1, "expm1", "Elementwise e ** a - 1, accurate near 0.")
log = _elemwise(scal.log, "log", "Elementwise natural logarithm.")
log2 = _elemwise(scal.log2, "log2", "Elementwise base-2 logarithm.")
log10 = _elemwise(scal.log10, "log10", "Elementwise base-10 logarithm.")
log1p = _elemwise(scal.log1p, "log1p", "Elementwise log(1 + a), accurate near 0.")
sin = _elemwise(scal.sin, "sin", "Elementwise sine.")
cos = _elemwise(scal.cos, "cos", "Elementwise cosine.")
tan = _elemwise(scal.tan, "tan", "Elementwise tangent.")
arcsin = _elemwise(scal.arcsin, "arcsin", "Elementwise inverse sine.")
arccos = _elemwise(scal.arccos, "arccos", "Elementwise inverse cosine.")
arctan = _elemwise(scal.arctan, "arctan", "Elementwise inverse tangent.")
arctan2 = _elemwise(scal.arctan2, "arctan2", "Elementwise arctan(a / b) in the right quadrant.")
sinh = _elemwise(scal.sinh, "sinh", "Elementwise hyperbolic sine.")
cosh = _elemwise(scal.cosh, "cosh", "Elementwise hyperbolic cosine.")
tanh = _elemwise(scal.tanh, "tanh", "Elementwise hyperbolic tangent.")
arcsinh = _elemwise(scal.arcsinh, "arcsinh", "Elementwise inverse hyperbolic sine.")
arccosh = _elemwise(scal.arccosh, "arccosh", "Elementwise inverse hyperbolic cosine.")
arctanh = _elemwise(scal.arctanh, "arctanh", "Elementwise inverse hyperbolic tangent.")
deg2rad = _elemwise(scal.deg2rad, "deg2rad", "Degrees to radians.")
rad2deg = _elemwise(scal.rad2deg, "rad2deg", "Radians to degrees.")
floor = _elemwise(scal.floor, "floor", "Elementwise floor.")
ceil = _elemwise(scal.ceil, "ceil", "Elementwise ceiling.")
trunc = _elemwise(scal.trunc, "trunc", "Elementwise truncation toward zero.")
round_half_to_even = _elemwise(scal.round_half_to_even, "round_half_to_even", "Round, ties to even.")
round_half_away_from_zero = _elemwise(scal.round_half_away_from_zero, "round_half_away_from_zero",
                                      "Round, ties away from zero.")
erf = _elemwise(scal.erf, "erf", "Error function.")
erfc = _elemwise(scal.erfc, "erfc", "Complementary error function.")
erfinv = _elemwise(scal.erfinv, "erfinv", "Inverse error function.")
erfcinv = _elemwise(scal.erfcinv, "erfcinv", "Inverse complementary error function.")
gamma = _elemwise(scal.gamma, "gamma", "Gamma function.")
gammaln = _elemwise(scal.gammaln, "gammaln", "Log of the absolute value of the gamma function.")
psi = _elemwise(scal.psi, "psi", "Digamma function.")
tri_gamma = _elemwise(scal.tri_gamma, "tri_gamma", "Trigamma function.")
sigmoid = _elemwise(scal.sigmoid, "sigmoid", "Logistic function 1 / (1 + exp(-x)).")
softplus = _elemwise(scal.softplus, "softplus", "log(1 + exp(x)), computed stably.")
lt = less = _elemwise(scal.lt, "lt", "Elementwise a < b.")
gt = greater = _elemwise(scal.gt, "gt", "Elementwise a > b.")
le = less_equal = _elemwise(scal.le, "le", "Elementwise a <= b.")
ge = greater_equal = _elemwise(scal.ge, "ge", "Elementwise a >= b.")
eq = _elemwise(scal.eq, "eq", "Elementwise a == b.")
neq = _elemwise(scal.neq, "neq", "Elementwise a != b.")
and_ = bitwise_and = _elemwise(scal.and_, "and_", "Elementwise bitwise/logical and.")
or_ = bitwise_or = _elemwise(scal.or_, "or_", "Elementwise bitwise/logical or.")
xor = bitwise_xor = _elemwise(scal.xor, "xor", "Elementwise bitwise/logical xor.")
invert = bitwise_not = _elemwise(scal.invert, "invert", "Elementwise bitwise/logical not.")
isnan = _elemwise(scal.isnan, "isnan", "Elementwise test for NaN.")
isinf = _elemwise(scal.isinf, "isinf", "Elementwise test for infinity.")
_minimum = _elemwise(scal.minimum, "minimum", "Elementwise minimum (NaN propagates).")
_maximum = _elemwise(scal.maximum, "maximum", "Elementwise maximum (NaN propagates).")
minimum, maximum = _minimum, _maximum
real = _elemwise(scal.real, "real", "Real part.")
imag = _elemwise(scal.imag, "imag", "Imaginary part.")
conj = _elemwise(scal.conj, "conj", "Complex conjugate.")
angle = _elemwise(scal.angle, "angle", "Argument of a complex number.")
complex = _elemwise(scal.complex, "complex", "real + 1j * imag.")  # noqa: A001
tensor_copy = _elemwise(scal.identity, "tensor_copy", "A copy of the tensor.")
_switch = Elemwise(scal.switch)
_clip = Elemwise(scal.clip)


def switch(cond: AnyT, ift: AnyT, iff: AnyT) -> Variable:
    """Elementwise `ift` where `cond` is true, else `iff` (both are computed)."""
    return _switch(cond, ift, iff)


where = switch


def clip(x: AnyT, min: AnyT, max: AnyT) -> Variable:  # noqa: A002 - Theano's signature
    """`x` limited to [min, max] elementwise."""
    return _clip(x, min, max)


def round(a: AnyT, mode: str | None = None) -> Variable:  # noqa: A001
    """Round to the nearest integer: mode 'half_to_even' (NumPy's, the default) or
    'half_away_from_zero'."""
    if mode in (None, "half_to_even"):
        return round_half_to_even(a)
    if mode == "half_away_from_zero":
        return round_half_away_from_zero(a)
    raise ValueError(f"round: mode must be 'half_to_even' or 'half_away_from_zero', got {mode!r}")


def iround(a: AnyT, mode: str | None = None) -> Variable:
    return cast(round(a, mode), "int64")


def abs(a: AnyT) -> Variable:  # noqa: A001
    return abs_(a)


def true_divide(a: AnyT, b: AnyT) -> Variable:
    return true_div(a, b)


def divmod(a: AnyT, b: AnyT) -> tuple[Variable, Variable]:  # noqa: A001
    return int_div(a, b), mod(a, b)


def power(a: AnyT, b: AnyT) -> Variable:
    return pow(a, b)


def logaddexp(*xs: AnyT) -> Variable:
    """log(sum(exp(x))) over the arguments, computed stably."""
    m = xs[0]
    for x in xs[1:]:
        m = maximum(m, x)
    return m + log(add(*[exp(x - m) for x in xs]))


# -- reductions -----------------------------------------------------------------

_ACC = {"bool": "int64", "int8": "int64", "int16": "int64", "int32": "int64", "int64": "int64",
        "uint8": "uint64", "uint16": "uint64", "uint32": "uint64", "uint64": "uint64",
        "float16": "float32", "float32": "float64", "float64": "float64",
        "complex64": "complex128", "complex128": "complex128"}
_OUT = {"bool": "int64", "int8": "int64", "int16": "int64", "int32": "int64",
        "uint8": "uint64", "uint16": "uint64", "uint32": "uint64"}


class _DtypeReduce(CAReduce):
    """A sum or product with an output dtype and an accumulator dtype (wider than the input
    for small types, so float32 sums accumulate in float64 as Theano did)."""

    __props__ = ("axis", "dtype", "acc_dtype")
    _sop: scal.ScalarOp

    def __init__(self, axis=None, dtype=None, acc_dtype=None):
        super().__init__(self._sop, axis)
        self.dtype = dtype
        self.acc_dtype = acc_dtype

    def _init_kwargs(self):
        return {"dtype": self.dtype, "acc_dtype": self.acc_dtype}

    def make_node(self, x):
        x = as_tensor_variable(x)
        if self.dtype is None or self.acc_dtype is None:
            dtype = self.dtype or _OUT.get(x.type.dtype, x.type.dtype)
            acc = self.acc_dtype or _ACC.get(dtype, dtype)
            if self.acc_dtype is None and scal.upcast(x.type.dtype, acc) != acc:
                acc = scal.upcast(x.type.dtype, acc)  # e.g. an int8 sum of float data
            return type(self)(self.axis, dtype, acc).make_node(x)
        if scal.upcast(x.type.dtype, self.acc_dtype) != self.acc_dtype:
            raise TypeError(f"cannot accumulate {x.type.dtype} data in acc_dtype {self.acc_dtype}: "
                            f"precision would be lost (Theano's rule); pass a wider acc_dtype")
        return super().make_node(x)

    def output_dtype(self, idtype):
        return self.dtype

    def make_py_fn(self, node):
        red = self._sop.nfunc.reduce
        axes = self.reduced_axes(node.inputs[0].type.ndim)
        acc, odt = self.acc_dtype, np.dtype(self.dtype)

        def fn(x):
            r = red(x, axis=axes, dtype=acc)
            if type(r) is not np.ndarray or r.dtype != odt:
                r = np.asarray(r, dtype=odt)
            return r

        return fn


class Sum(_DtypeReduce):
    """Sum along axes."""

    _sop = scal.add
    folds_as_kernel = True

    def L_op(self, inputs, outputs, gouts):
        (x,), (gz,) = inputs, gouts
        if x.type.dtype in scal.discrete_dtypes:
            return [zeros_like(x, dtype=config.floatX)]
        g = expand_reduced(gz, x.type.ndim, self.reduced_axes(x.type.ndim))
        g = fill(x, g)
        return [cast(g, x.type.dtype) if g.type.dtype != x.type.dtype else g]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0])]


class Prod(_DtypeReduce):
    """Product along axes."""

    _sop = scal.mul
    folds_as_kernel = True

    def L_op(self, inputs, outputs, gouts):
        (x,), (prod_out,), (gz,) = inputs, outputs, gouts
        axes = self.reduced_axes(x.type.ndim)
        gz_b = expand_reduced(gz, x.type.ndim, axes)
        p_b = expand_reduced(prod_out, x.type.ndim, axes)
        # prod / x, which is exact where x != 0; for zeros use the product of the others.
        nonzero = switch(eq(x, 0), 1, x)
        zeros = sum(eq(x, 0), axis=list(axes), keepdims=True)
        prod_nz = Prod(axes, x.type.dtype if x.type.dtype in scal.continuous_dtypes else None)(nonzero)
        prod_nz_b = expand_reduced(prod_nz, x.type.ndim, axes)
        g = switch(eq(zeros, 0), p_b / nonzero, switch(and_(eq(zeros, 1), eq(x, 0)), prod_nz_b, 0))
        g = gz_b * g
        return [cast(g, x.type.dtype) if x.type.dtype in scal.continuous_dtypes else g]


class _Extremum(CAReduce):
    __props__ = ("axis",)
    _sop: scal.ScalarOp
    folds_as_kernel = True

    def __init__(self, axis=None):
        super().__init__(self._sop, axis)

    def _init_kwargs(self):
        return {}

    def output_dtype(self, idtype):
        return idtype

    def L_op(self, inputs, outputs, gouts):
        (x,), (out,), (gz,) = inputs, outputs, gouts
        axes = self.reduced_axes(x.type.ndim)
        out_b = expand_reduced(out, x.type.ndim, axes)
        gz_b = expand_reduced(gz, x.type.ndim, axes)
        # Theano's convention: every position that attains the extremum gets the gradient.
        return [cast(eq(x, out_b) * gz_b, x.type.dtype)]


class Max(_Extremum):
    """Maximum along axes."""

    _sop = scal.maximum


class Min(_Extremum):
    """Minimum along axes."""

    _sop = scal.minimum


class All(CAReduce):
    """Logical and along axes."""

    __props__ = ("axis",)

    def __init__(self, axis=None):
        super().__init__(scal.and_, axis)

    def _init_kwargs(self):
        return {}

    def output_dtype(self, idtype):
        return "bool"

    def make_py_fn(self, node):
        axes = self.reduced_axes(node.inputs[0].type.ndim)
        return lambda x: np.asarray(np.all(x, axis=axes))

    def grad(self, inputs, gouts):
        return [zeros_like(inputs[0], dtype=config.floatX)]


class Any(CAReduce):
    """Logical or along axes."""

    __props__ = ("axis",)

    def __init__(self, axis=None):
        super().__init__(scal.or_, axis)

    def _init_kwargs(self):
        return {}

    def output_dtype(self, idtype):
        return "bool"

    def make_py_fn(self, node):
        axes = self.reduced_axes(node.inputs[0].type.ndim)
        return lambda x: np.asarray(np.any(x, axis=axes))

    def grad(self, inputs, gouts):
        return [zeros_like(inputs[0], dtype=config.floatX)]


def _build_error(exc: BaseException, what: str, inputs: Sequence[AnyT]) -> BaseException:
    """`exc` re-worded so that its first line names the user's line, the operation and the
    input types, as errors raised inside an Op's make_node are."""
    return op_error(exc, what, inputs)


def _norm_axis(x: Variable, axis: AnyT, what: str = "reduction") -> tuple[int, ...] | None:
    if axis is None:
        return None
    if isinstance(axis, Variable):
        axis = int(get_scalar_constant_value(axis))
    if isinstance(axis, (int, np.integer)):
        axis = [axis]
    out = []
    for a in axis:
        a = int(a)
        if not -x.type.ndim <= a < builtins.max(x.type.ndim, 1):
            raise _build_error(ValueError(f"axis {a} is out of range for {x} of type {x.type}"),
                               what, [x])
        out.append(a % x.type.ndim if x.type.ndim else 0)
    if len(set(out)) != len(out):
        raise _build_error(ValueError(f"axis {tuple(axis)} names an axis twice"), what, [x])
    return tuple(out)


def _keep(x: Variable, out: Variable, axis: tuple[int, ...] | None, keepdims: bool) -> Variable:
    if not keepdims:
        return out
    return expand_reduced(out, x.type.ndim, range(x.type.ndim) if axis is None else axis)


def sum(input: AnyT, axis: AnyT = None, dtype: str | None = None, keepdims: bool = False,  # noqa: A001
        acc_dtype: str | None = None) -> Variable:
    """Sum along `axis` (all when None). Integers sum into int64; float32 accumulates in float64."""
    x = as_tensor_variable(input)
    ax = _norm_axis(x, axis, "sum")
    return _keep(x, Sum(ax, dtype, acc_dtype)(x), ax, keepdims)


def prod(input: AnyT, axis: AnyT = None, dtype: str | None = None, keepdims: bool = False,
         acc_dtype: str | None = None, no_zeros_in_input: bool = False) -> Variable:
    """Product along `axis`."""
    x = as_tensor_variable(input)
    ax = _norm_axis(x, axis, "prod")
    return _keep(x, Prod(ax, dtype, acc_dtype)(x), ax, keepdims)


def max(x: AnyT, axis: AnyT = None, keepdims: bool = False) -> Variable:  # noqa: A001
    """Maximum along `axis`."""
    x = as_tensor_variable(x)
    ax = _norm_axis(x, axis, "max")
    return _keep(x, Max(ax)(x), ax, keepdims)


def min(x: AnyT, axis: AnyT = None, keepdims: bool = False) -> Variable:  # noqa: A001
    """Minimum along `axis`."""
    x = as_tensor_variable(x)
    ax = _norm_axis(x, axis, "min")
    return _keep(x, Min(ax)(x), ax, keepdims)


def all(x: AnyT, axis: AnyT = None, keepdims: bool = False) -> Variable:  # noqa: A001
    """Whether every element along `axis` is true."""
    x = as_tensor_variable(x)
    ax = _norm_axis(x, axis, "all")
    return _keep(x, All(ax)(x), ax, keepdims)


def any(x: AnyT, axis: AnyT = None, keepdims: bool = False) -> Variable:  # noqa: A001
    """Whether some element along `axis` is true."""
    x = as_tensor_variable(x)
    ax = _norm_axis(x, axis, "any")
    return _keep(x, Any(ax)(x), ax, keepdims)


def _count(x: Variable, axis: tuple[int, ...] | None) -> Variable:
    axes = range(x.type.ndim) if axis is None else axis
    n = constant(np.int64(1))
    s = shape(x)
    for a in axes:
        n = n * s[a]
    return n


def mean(input: AnyT, axis: AnyT = None, dtype: str | None = None, op: bool = False,
         keepdims: bool = False, acc_dtype: str | None = None) -> Variable:
    """Mean along `axis`; integers give float64, float32 stays float32."""
    x = as_tensor_variable(input)
    ax = _norm_axis(x, axis, "mean")
    if dtype is None and x.type.dtype in scal.discrete_dtypes:
        dtype = "float64"
    s = sum(x, axis=ax, dtype=dtype, acc_dtype=acc_dtype)
    n = _count(x, ax)
    out = true_div(s, cast(n, s.type.dtype if s.type.dtype in scal.continuous_dtypes else "float64"))
    if dtype is None and out.type.dtype != x.type.dtype and x.type.dtype in scal.continuous_dtypes:
        out = cast(out, x.type.dtype)
    return _keep(x, out, ax, keepdims)


def var(input: AnyT, axis: AnyT = None, ddof: int = 0, keepdims: bool = False,
        corrected: bool = False) -> Variable:
    """Variance along `axis` (divided by N - ddof)."""
    x = as_tensor_variable(input)
    ax = _norm_axis(x, axis, "var")
    m = mean(x, axis=ax, keepdims=True)
    d = x - m
    if x.type.dtype in scal.complex_dtypes:
        d2 = real(d * conj(d))
    else:
        d2 = sqr(d)
    if ddof:
        n = _count(x, ax)
        out = sum(d2, axis=ax) / cast(n - ddof, d2.type.dtype if d2.type.dtype in
                                       scal.continuous_dtypes else "float64")
    else:
        out = mean(d2, axis=ax)
    return _keep(x, out, ax, keepdims)


def std(input: AnyT, axis: AnyT = None, ddof: int = 0, keepdims: bool = False,
        corrected: bool = False) -> Variable:
    """Standard deviation along `axis`."""
    return sqrt(var(input, axis=axis, ddof=ddof, keepdims=keepdims, corrected=corrected))


class MaxAndArgmax(Op):
    """The maximum and its index along axes (one pass)."""

    __props__ = ("axis",)

    def __init__(self, axis):
        self.axis = None if axis is None else tuple(axis)

    def make_node(self, x):
        x = as_tensor_variable(x)
        axes = tuple(range(x.type.ndim)) if self.axis is None else self.axis
        bcast = tuple(b for k, b in enumerate(x.type.broadcastable) if k not in axes)
        return Apply(self, [x], [TensorType(x.type.dtype, bcast)(), TensorType("int64", bcast)()])

    def make_py_fn(self, node):
        nd = node.inputs[0].type.ndim
        axes = tuple(range(nd)) if self.axis is None else self.axis

        def fn(x):
            keep = [k for k in range(nd) if k not in axes]
            keep_shape = tuple(x.shape[k] for k in keep)
            n_red = int(np.prod([x.shape[a] for a in axes], dtype="int64"))
            if n_red == 0:
                if 0 not in keep_shape:
                    raise ValueError(f"max/argmax of an empty array of shape {x.shape} along axes "
                                     f"{tuple(axes)}: there is no element to choose")
                return np.empty(keep_shape, dtype=x.dtype), np.empty(keep_shape, dtype="int64")
            # An explicit length: reshape cannot infer -1 when another dimension is 0.
            y = np.transpose(x, keep + list(axes)).reshape(keep_shape + (n_red,))
            idx = np.argmax(y, axis=-1)
            return np.max(y, axis=-1).astype(x.dtype), np.asarray(idx, dtype="int64")

        return fn

    def perform(self, node, inputs, output_storage):
        a, b = self.make_py_fn(node)(np.asarray(inputs[0]))
        output_storage[0][0], output_storage[1][0] = np.asarray(a), b

    def infer_shape(self, node, shapes):
        axes = tuple(range(node.inputs[0].type.ndim)) if self.axis is None else self.axis
        s = tuple(d for k, d in enumerate(shapes[0]) if k not in axes)
        return [s, s]

    def L_op(self, inputs, outputs, gouts):
        (x,), (mx, _), (g_max, g_arg) = inputs, outputs, gouts
        if isinstance(g_max.type, DisconnectedType):
            return [zeros_like(x)]
        axes = tuple(range(x.type.ndim)) if self.axis is None else self.axis
        return [Max(axes).L_op([x], [mx], [g_max])[0]]


def argmax(x: AnyT, axis: AnyT = None, keepdims: bool = False) -> Variable:
    """Index of the maximum along `axis` (int64)."""
    x = as_tensor_variable(x)
    ax = _norm_axis(x, axis, "argmax")
    out = MaxAndArgmax(tuple(sorted(ax)) if ax is not None else None)(x)[1]
    return _keep(x, out, ax, keepdims)


def argmin(x: AnyT, axis: AnyT = None, keepdims: bool = False) -> Variable:
    """Index of the minimum along `axis` (int64)."""
    x = as_tensor_variable(x)
    ax = _norm_axis(x, axis, "argmin")
    # ~x = -x - 1 reverses the order of every integer without overflow (-x of int8 -128
    # would wrap around), and is `not` for booleans.
    src = neg(x) if x.type.dtype in scal.continuous_dtypes else invert(x)
    out = MaxAndArgmax(tuple(sorted(ax)) if ax is not None else None)(src)[1]
    return _keep(x, out, ax, keepdims)


def max_and_argmax(x: AnyT, axis: AnyT = None, keepdims: bool = False) -> list[Variable]:
    x = as_tensor_variable(x)
    ax = _norm_axis(x, axis, "max_and_argmax")
    m, a = MaxAndArgmax(tuple(sorted(ax)) if ax is not None else None)(x)
    return [_keep(x, m, ax, keepdims), _keep(x, a, ax, keepdims)]


def norm(x: AnyT, L: AnyT, axis: AnyT = None, keepdims: bool = False) -> Variable:
    """The L-norm along `axis`: 1, 2, inf or any positive number."""
    x = as_tensor_variable(x)
    if L == 1:
        return sum(abs_(x), axis=axis, keepdims=keepdims)
    if L == 2:
        return sqrt(sum(sqr(abs_(x)), axis=axis, keepdims=keepdims))
    if L in (np.inf, "inf"):
        return max(abs_(x), axis=axis, keepdims=keepdims)
    return sum(abs_(x) ** L, axis=axis, keepdims=keepdims) ** (1.0 / L)


# -- products -------------------------------------------------------------------


class Dot(Op):
    """Matrix and vector products of tensors of rank 1 or 2 (NumPy's dot)."""

    def make_node(self, x, y):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        if x.type.ndim not in (1, 2) or y.type.ndim not in (1, 2):
            raise TypeError(f"Dot takes vectors and matrices; got {x.type} and {y.type}")
        bx = x.type.broadcastable[:-1]
        by = y.type.broadcastable[1:] if y.type.ndim == 2 else ()
        dtype = scal.upcast(x.type.dtype, y.type.dtype)
        return Apply(self, [x, y], [TensorType(dtype, bx + by)()])

    def make_py_fn(self, node):
        odt = np.dtype(node.outputs[0].type.dtype)
        npdot = np.dot

        def fn(x, y):
            if x.shape[-1] != y.shape[0]:
                raise ValueError(f"shapes {x.shape} and {y.shape} are not aligned: "
                                 f"{x.shape[-1]} (dim {x.ndim - 1}) != {y.shape[0]} (dim 0)")
            r = npdot(x, y)
            if type(r) is not np.ndarray or r.dtype != odt:
                r = np.asarray(r, dtype=odt)
            return r

        return fn

    def infer_shape(self, node, shapes):
        sx, sy = shapes
        return [tuple(sx[:-1]) + (tuple(sy[1:]) if len(sy) == 2 else ())]

    def L_op(self, inputs, outputs, gouts):
        (x, y), (gz,) = inputs, gouts
        xd, yd = x.type.ndim, y.type.ndim
        if xd == 1 and yd == 1:
            gx, gy = gz * y, gz * x
        elif xd == 1 and yd == 2:
            gx, gy = dot(y, gz), outer(x, gz)
        elif xd == 2 and yd == 1:
            gx, gy = outer(gz, y), dot(x.T, gz)
        else:
            gx, gy = dot(gz, y.T), dot(x.T, gz)
        res = []
        for v, g in ((x, gx), (y, gy)):
            if g.type.dtype != v.type.dtype and v.type.dtype in scal.continuous_dtypes:
                g = cast(g, v.type.dtype)
            res.append(patternbroadcast(g, v.type.broadcastable))
        return res

    def R_op(self, inputs, eval_points):
        x, y = inputs
        ex, ey = eval_points
        terms = []
        if ex is not None:
            terms.append(dot(ex, y))
        if ey is not None:
            terms.append(dot(x, ey))
        return [add(*terms) if len(terms) > 1 else terms[0]]


_dot = Dot()


def dot(a: AnyT, b: AnyT) -> Variable:
    """NumPy's dot for any ranks: products of scalars, vectors, matrices and tensors."""
    for s in (a, b):  # a sparse operand: theano.sparse.dot, as Theano's dot dispatched via __dot__
        if not isinstance(getattr(s, "type", None), (TensorType, type(None))) and hasattr(s, "__dot__"):
            return s.__dot__(b) if s is a else s.__rdot__(a)
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.type.ndim == 0 or b.type.ndim == 0:
        return a * b
    if a.type.ndim <= 2 and b.type.ndim <= 2:
        return _dot(a, b)
    return tensordot(a, b, [[a.type.ndim - 1], [builtins.max(0, b.type.ndim - 2)]])


def matmul(a: AnyT, b: AnyT) -> Variable:
    """The @ operator, as NumPy's matmul: dot for ranks 1 and 2; stacks of matrices beyond,
    with the leading (batch) axes broadcast."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.type.ndim == 0 or b.type.ndim == 0:
        raise _build_error(ValueError("scalar operands are not allowed, use * instead"), "matmul",
                           [a, b])
    if a.type.ndim <= 2 and b.type.ndim <= 2:
        return _dot(a, b)
    if a.type.ndim == 3 and b.type.ndim == 3:
        return batched_dot(a, b)
    if b.type.ndim <= 2:  # a stack of matrices (or vectors) times one matrix or vector
        return tensordot(a, b, [[a.type.ndim - 1], [0]])
    if a.type.ndim == 1:  # a vector times a stack of matrices
        return tensordot(a, b, [[0], [b.type.ndim - 2]])
    # General case: a[..., i, k, newaxis] * b[..., newaxis, k, j] summed over k, which lets
    # Elemwise broadcast (and check) the batch axes.
    vec_b = False
    if b.type.ndim == 1:
        b, vec_b = b.dimshuffle(0, "x"), True
    ea = a.dimshuffle(list(range(a.type.ndim)) + ["x"])
    eb = b.dimshuffle(list(range(b.type.ndim - 2)) + ["x", b.type.ndim - 2, b.type.ndim - 1])
    out = sum(mul(ea, eb), axis=-2)
    return out.dimshuffle(list(range(out.type.ndim - 1))) if vec_b else out


def outer(x: AnyT, y: AnyT) -> Variable:
    """Outer product of two vectors."""
    x, y = as_tensor_variable(x), as_tensor_variable(y)
    if x.type.ndim != 1:
        x = x.flatten()
    if y.type.ndim != 1:
        y = y.flatten()
    return dot(x.dimshuffle(0, "x"), y.dimshuffle("x", 0))


def tensordot(a: AnyT, b: AnyT, axes: AnyT = 2) -> Variable:
    """Sum of products over the given axes (NumPy's tensordot), as transposes, reshapes and dot."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if isinstance(axes, (int, np.integer)):
        if not 0 <= axes <= builtins.min(a.type.ndim, b.type.ndim):
            raise _build_error(ValueError(f"axes={axes} must be between 0 and the smaller rank"),
                               "tensordot", [a, b])
        axes = [list(range(a.type.ndim - axes, a.type.ndim)), list(range(int(axes)))]
    try:
        ax_a, ax_b = [[int(i) for i in np.atleast_1d(ax)] for ax in axes]
    except (TypeError, ValueError):
        raise _build_error(ValueError(f"axes must be an int or a pair of axis lists, got {axes!r}"),
                           "tensordot", [a, b]) from None
    if len(ax_a) != len(ax_b):
        raise _build_error(ValueError(f"axes {axes} must have the same length for both tensors"),
                           "tensordot", [a, b])
    for ax, v in ((ax_a, a), (ax_b, b)):
        if builtins.any(not -v.type.ndim <= i < v.type.ndim for i in ax) or len(set(
                i % v.type.ndim for i in ax)) != len(ax):
            raise _build_error(ValueError(f"axes {ax} out of range or repeated for {v.type}"),
                               "tensordot", [a, b])
    ax_a = [i % a.type.ndim for i in ax_a]
    ax_b = [i % b.type.ndim for i in ax_b]
    # The reshapes below would fail on mismatched summed axes with shapes the user never
    # wrote; check the original shapes first.
    a = _TensordotCheck(tuple(ax_a), tuple(ax_b))(a, b)
    free_a = [i for i in range(a.type.ndim) if i not in ax_a]
    free_b = [i for i in range(b.type.ndim) if i not in ax_b]
    at = a.dimshuffle(free_a + ax_a) if free_a + ax_a != list(range(a.type.ndim)) else a
    bt = b.dimshuffle(ax_b + free_b) if ax_b + free_b != list(range(b.type.ndim)) else b
    sa, sb = shape(a), shape(b)
    one = constant(np.int64(1))
    n_free_a = one
    for i in free_a:
        n_free_a = n_free_a * sa[i]
    n_sum = one
    for i in ax_a:
        n_sum = n_sum * sa[i]
    n_free_b = one
    for i in free_b:
        n_free_b = n_free_b * sb[i]
    a2 = reshape(at, [n_free_a, n_sum], ndim=2)
    b2 = reshape(bt, [n_sum, n_free_b], ndim=2)
    out_shape = [sa[i] for i in free_a] + [sb[i] for i in free_b]
    return reshape(_dot(a2, b2), out_shape, ndim=len(out_shape))


class _TensordotCheck(Op):
    """Passes `a` through after checking at run time that its axes `axes_a` have the lengths
    of `b`'s axes `axes_b`, so that a mismatch names the tensordot operands' shapes."""

    __props__ = ("axes_a", "axes_b")
    view_map = {0: [0]}

    def __init__(self, axes_a: tuple[int, ...], axes_b: tuple[int, ...]):
        self.axes_a, self.axes_b = axes_a, axes_b

    def __str__(self) -> str:
        return f"tensordot{{{list(self.axes_a)}, {list(self.axes_b)}}}"

    def make_node(self, a, b):
        a, b = as_tensor_variable(a), as_tensor_variable(b)
        return Apply(self, [a, b], [a.type()])

    def make_py_fn(self, node):
        axes_a, axes_b = self.axes_a, self.axes_b

        def fn(a, b):
            for i, j in zip(axes_a, axes_b):
                if a.shape[i] != b.shape[j]:
                    raise ValueError(f"tensordot: shapes {a.shape} and {b.shape} are not aligned: "
                                     f"{a.shape[i]} (dim {i}) != {b.shape[j]} (dim {j})")
            return a

        return fn

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, gouts):
        return [gouts[0], DisconnectedType()()]

    def connection_pattern(self, node):
        return [[True], [False]]

    def R_op(self, inputs, eval_points):
        return [None if eval_points[0] is None else self(eval_points[0], inputs[1])]


class BatchedDot(Op):
    """Products of matching matrices (or vectors) along the first axis."""

    def make_node(self, x, y):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        if x.type.ndim not in (2, 3) or y.type.ndim not in (2, 3):
            raise TypeError(f"batched_dot takes 2-d or 3-d tensors, got {x.type} and {y.type}")
        b = (x.type.broadcastable[0] and y.type.broadcastable[0],)
        b += x.type.broadcastable[1:-1] + y.type.broadcastable[2:]
        return Apply(self, [x, y], [TensorType(scal.upcast(x.type.dtype, y.type.dtype), b)()])

    def make_py_fn(self, node):
        odt = node.outputs[0].type.dtype

        def fn(x, y):
            if x.shape[0] != y.shape[0]:
                raise ValueError(f"batched_dot: batch sizes differ: {x.shape} and {y.shape}")
            if x.shape[-1] != y.shape[1]:
                raise ValueError(f"batched_dot: shapes {x.shape} and {y.shape} are not aligned: "
                                 f"{x.shape[-1]} (dim {x.ndim - 1}) != {y.shape[1]} (dim 1)")
            xx = x if x.ndim == 3 else x[:, None, :]
            yy = y if y.ndim == 3 else y[:, :, None]
            r = np.matmul(xx, yy)
            if x.ndim == 2:
                r = r[:, 0]
            if y.ndim == 2:
                r = r[..., 0]
            return np.asarray(r, dtype=odt)

        return fn

    def infer_shape(self, node, shapes):
        sx, sy = shapes
        return [(sx[0],) + tuple(sx[1:-1]) + tuple(sy[2:])]

    def L_op(self, inputs, outputs, gouts):
        (x, y), (gz,) = inputs, gouts
        xd, yd = x.type.ndim, y.type.ndim
        if xd == 3 and yd == 3:
            gx = batched_dot(gz, y.dimshuffle(0, 2, 1))
            gy = batched_dot(x.dimshuffle(0, 2, 1), gz)
        elif xd == 2 and yd == 2:
            gx, gy = gz.dimshuffle(0, "x") * y, gz.dimshuffle(0, "x") * x
        elif xd == 2 and yd == 3:  # (b,n) x (b,n,m) -> (b,m)
            gx = batched_dot(y, gz)
            gy = x.dimshuffle(0, 1, "x") * gz.dimshuffle(0, "x", 1)
        else:  # (b,n,m) x (b,m) -> (b,n)
            gx = gz.dimshuffle(0, 1, "x") * y.dimshuffle(0, "x", 1)
            gy = batched_dot(x.dimshuffle(0, 2, 1), gz)
        return [patternbroadcast(cast(gx, x.type.dtype), x.type.broadcastable),
                patternbroadcast(cast(gy, y.type.dtype), y.type.broadcastable)]


_batched_dot = BatchedDot()


def batched_dot(a: AnyT, b: AnyT) -> Variable:
    """For each i, dot(a[i], b[i])."""
    return _batched_dot(a, b)

