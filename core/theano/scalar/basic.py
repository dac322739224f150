"""Scalar types and scalar ops: the element-level vocabulary of Elemwise and fusion.

A ScalarOp says what it computes on one element: its NumPy function (`nfunc`, used by
the reference backend and every fallback), how its output dtype follows from its
inputs', and its gradient. It holds no C text: renderers map `name` to an expression.

`grad` receives and returns *tensor* variables (the inputs of the Elemwise that applies
the op), so gradients are written once with ordinary tensor expressions.
"""
from __future__ import annotations

import functools
import math
from typing import Any, Callable, Sequence

import numpy as np

from ..compat.deferred import DeferredModule
from ..config import config
from ..graph.basic import Apply, Constant, Variable
from ..graph.op import Op
from ..graph.type import Type
from ..graph.basic import clone
from ..graph.basic import io_toposort
from ..graph.null_gradients import grad_not_implemented

int_dtypes = ("int8", "int16", "int32", "int64")
uint_dtypes = ("uint8", "uint16", "uint32", "uint64")
float_dtypes = ("float16", "float32", "float64")
complex_dtypes = ("complex64", "complex128")
discrete_dtypes = ("bool",) + int_dtypes + uint_dtypes
continuous_dtypes = float_dtypes + complex_dtypes
all_dtypes = discrete_dtypes + continuous_dtypes
integer_dtypes = int_dtypes + uint_dtypes


@functools.lru_cache(maxsize=4096)
def upcast(dtype: str, *dtypes: str) -> str:
    """The dtype that holds all of `dtypes` (NumPy's promotion of array dtypes). Kept per
    argument tuple: every elementwise node asks, and NumPy's answer costs microseconds."""
    return str(np.result_type(*[np.dtype(d) for d in (dtype,) + dtypes]))


# -- scalar type ------------------------------------------------------------------

class ScalarType(Type):
    """A single number of a given dtype."""

    def __init__(self, dtype: str):
        if dtype not in all_dtypes:  # (a canonical name needs no NumPy round trip)
            dtype = str(np.dtype(dtype))
        if dtype not in all_dtypes:
            raise TypeError(f"unsupported scalar dtype {dtype}")
        self.dtype = dtype

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other) and self.dtype == other.dtype  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash(("ScalarType", self.dtype))

    def __str__(self) -> str:
        return self.dtype

    __repr__ = __str__

    @property
    def ndim(self) -> int:
        return 0

    def filter(self, data: Any, strict: bool = False, allow_downcast: bool | None = None) -> Any:
        if strict and not (isinstance(data, np.generic) and str(data.dtype) == self.dtype):
            raise TypeError(f"expected a {self.dtype} scalar, got {type(data).__name__}")
        arr = np.asarray(data)
        if arr.ndim != 0:
            raise TypeError(f"expected a scalar, got an array of shape {arr.shape}")
        conv = arr.astype(self.dtype)
        if not allow_downcast and not np.all((conv == arr) | (np.isnan(conv) & np.isnan(arr))
                                             if arr.dtype.kind in "fc" else conv == arr):
            raise TypeError(f"{data!r} cannot be stored as {self.dtype} without loss")
        return conv[()]

    def data_signature(self, data: Any) -> Any:
        return (self.dtype, np.asarray(data).tobytes())


def get_scalar_type(dtype: str) -> ScalarType:
    return _scalar_types[str(np.dtype(dtype))]


_scalar_types = {d: ScalarType(d) for d in all_dtypes}
bool = _scalar_types["bool"]  # noqa: A001 - Theano's name
int8, int16, int32, int64 = (_scalar_types[d] for d in int_dtypes)
uint8, uint16, uint32, uint64 = (_scalar_types[d] for d in uint_dtypes)
float16, float32, float64 = (_scalar_types[d] for d in float_dtypes)
complex64, complex128 = (_scalar_types[d] for d in complex_dtypes)


def as_scalar(x: Any) -> Variable:
    if isinstance(x, Variable):
        if isinstance(x.type, ScalarType):
            return x
        raise TypeError(f"{x} of type {x.type} is not a scalar")
    return constant(x)


def constant(x: Any, dtype: str | None = None) -> Constant:
    arr = np.asarray(x, dtype=dtype)
    return Constant(get_scalar_type(str(arr.dtype)), arr[()])


# -- output type rules -----------------------------------------------------------
# Each takes the input dtypes and returns the output dtypes.

def upcast_out(*dts: str) -> tuple[str, ...]:
    return (upcast(*dts),)


def upcast_out_nobool(*dts: str) -> tuple[str, ...]:
    d = upcast(*dts)
    if d == "bool":
        raise TypeError("this operation is not defined on booleans")
    return (d,)


def upcast_out_min8(*dts: str) -> tuple[str, ...]:
    d = upcast(*dts)
    return ("int8",) if d == "bool" else (d,)


def same_out(*dts: str) -> tuple[str, ...]:
    return (dts[0],)


def same_out_nocomplex(*dts: str) -> tuple[str, ...]:
    if dts[0] in complex_dtypes:
        raise TypeError("this operation is not defined on complex numbers")
    return (dts[0],)


def bool_out(*dts: str) -> tuple[str, ...]:
    return ("bool",)


def int_out(*dts: str) -> tuple[str, ...]:
    return ("int64",)


_to_float = {"bool": "float32", "int8": "float32", "uint8": "float32", "int16": "float32",
             "uint16": "float32", "int32": "float64", "uint32": "float64", "int64": "float64",
             "uint64": "float64"}


def upgrade_to_float(*dts: str) -> tuple[str, ...]:
    """Integers become the smallest float that holds them exactly (Theano's rule)."""
    return (upcast(*[_to_float.get(d, d) for d in dts]),)


def upgrade_to_float_no_complex(*dts: str) -> tuple[str, ...]:
    if any(d in complex_dtypes for d in dts):
        raise TypeError("this operation is not defined on complex numbers")
    return upgrade_to_float(*dts)


def complex_to_real(*dts: str) -> tuple[str, ...]:
    return ({"complex64": "float32", "complex128": "float64"}.get(dts[0], dts[0]),)


def float_to_complex(*dts: str) -> tuple[str, ...]:
    d = upcast(*dts)
    return ("complex64" if d in ("float16", "float32") or d in ("int8", "int16", "uint8", "uint16")
            else "complex128",) if d not in complex_dtypes else (d,)


# -- scalar ops ------------------------------------------------------------------

class ScalarOp(Op):
    """An operation on scalars, applied elementwise to tensors by Elemwise.

    Class attributes: `nin`, `nout`, `name` (the key renderers look up), `nfunc`
    (the NumPy function), `output_types_preference` (dtype rule), `float_op` (compute
    integer inputs in the output's float dtype), `identity`, `commutative`, `associative`.
    """

    nin = -1
    nout = 1
    name = ""
    nfunc: Callable | None = None
    output_types_preference: Callable[..., tuple[str, ...]] = staticmethod(upcast_out)
    float_op = False
    #: the NumPy function may return an input itself or a view of it (np.real of a real array)
    may_return_input = False
    identity: Any = None
    commutative = False
    associative = False
    __props__ = ()

    def __str__(self) -> str:
        return self.name

    def output_dtypes(self, *dtypes: str) -> tuple[str, ...]:
        if self.nin >= 0 and len(dtypes) != self.nin:
            raise TypeError(f"{self.name} takes {self.nin} inputs, {len(dtypes)} given")
        return tuple(self.output_types_preference(*dtypes))

    def make_node(self, *inputs: Any) -> Apply:
        inputs = [as_scalar(i) for i in inputs]
        outs = self.output_dtypes(*[i.type.dtype for i in inputs])
        return Apply(self, inputs, [get_scalar_type(d)() for d in outs])

    def impl(self, *inputs: Any) -> Any:
        """The NumPy meaning on arrays or scalars; dtype fixed by the caller."""
        if self.nfunc is None:
            raise NotImplementedError(f"scalar op {self.name} has no NumPy function")
        if self.nin == -1 and len(inputs) != 2:
            # NumPy's binary ufuncs take two operands; variadic add/mul fold them left to right.
            res = inputs[0]
            for x in inputs[1:]:
                res = self.nfunc(res, x)
            return res
        return self.nfunc(*inputs)

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        with np.errstate(all="ignore"):
            res = self.impl(*inputs)
        if self.nout == 1:
            res = (res,)
        for st, r, o in zip(output_storage, res, node.outputs):
            st[0] = np.asarray(r, dtype=o.type.dtype)[()]

    def grad(self, inputs: Sequence[Variable], gouts: Sequence[Variable]) -> list[Variable]:
        return [grad_not_implemented(self, k, x) for k, x in enumerate(inputs)]

    def expand(self, *inputs: Variable) -> Variable | None:
        """This op's value built from simpler scalar ops of this module, computing exactly
        what its NumPy meaning computes, for renderers whose dialect lacks the op
        (theano.kernel.expansions); None when there is no such definition. Ops defined
        outside this module give theirs here; this module's are in that table."""
        return None


def _tm():
    """The tensor math module, imported late because it builds on this one."""
    # cycle: scalar.basic -> tensor.math -> scalar.basic
    from ..tensor import math as tm

    return tm


def _zeros_like(x: Variable, dtype: str | None = None) -> Variable:
    """zeros_like lives in tensor.basic, not tensor.math: imported late for the same reason."""
    # cycle: scalar.basic -> tensor.basic -> scalar.basic
    from ..tensor.basic import zeros_like

    return zeros_like(x, dtype=dtype)


def _ones_like(x: Variable) -> Variable:
    # cycle: scalar.basic -> tensor.basic -> scalar.basic
    from ..tensor.basic import ones_like

    return ones_like(x)


def _real_if_real(x: Variable, g: Variable) -> Variable:
    """A real input's gradient is the real part of a complex one (d/dRe; Im does not exist)."""
    if getattr(g.type, "dtype", None) in complex_dtypes and x.type.dtype not in complex_dtypes:
        return _tm().real(g)
    return g


def _is_discrete(x: Variable) -> bool:
    return x.type.dtype in discrete_dtypes


def _zero_if_discrete(x: Variable, g: Variable) -> Variable:
    """Gradients with respect to integer inputs are zero (Theano's convention)."""
    if _is_discrete(x):
        return _zeros_like(x, dtype=config.floatX)
    return g


def _mk(classname: str, name: str, nin: int, nfunc: Callable | None, out=upcast_out, grad=None,
        float_op: bool = False, **attrs: Any) -> ScalarOp:
    """Define a ScalarOp subclass and return its single instance."""
    ns: dict[str, Any] = dict(name=name, nin=nin, nfunc=staticmethod(nfunc) if nfunc else None,
                              output_types_preference=staticmethod(out), float_op=float_op, **attrs)
    if grad is not None:
        holomorphic = attrs.pop("holomorphic", False)
        ns.pop("holomorphic", None)

        def _grad(self, inputs, gouts, _g=grad):
            gz = gouts[0]
            if holomorphic and inputs[0].type.dtype in complex_dtypes:
                # For a real cost C and complex z, Theano's gradient is dC/dRe z + i dC/dIm z,
                # which for a holomorphic f is gz * conj(f'(z)), not gz * f'(z).
                fprime = _g(inputs[0], _ones_like(gz))
                res = [gz * _tm().conj(fprime)]
            else:
                res = _g(*inputs, gz) if nin != 1 else [_g(inputs[0], gz)]
            return [_real_if_real(x, _zero_if_discrete(x, g)) if g is not None else None
                    for x, g in zip(inputs, res)]
        ns["grad"] = _grad
    cls = type(classname, (ScalarOp,), ns)
    globals()[classname] = cls
    return cls()


def _no_grad(*args):
    """Ops whose output is piecewise constant: gradient zero."""
    *inputs, gz = args
    tm = _tm()
    res = [_zeros_like(x, dtype=gz.dtype if not _is_discrete(x) else config.floatX) for x in inputs]
    return res if len(inputs) > 1 else res[0]


# Arithmetic
add = _mk("Add", "add", -1, np.add, upcast_out, lambda *a: [a[-1]] * (len(a) - 1),
          identity=0, commutative=True, associative=True)
def _mul_grad(*args: Variable) -> list[Variable]:
    *xs, gz = args
    tm = _tm()
    res = []
    for k in range(len(xs)):
        others = [y for j, y in enumerate(xs) if j != k]
        if not others:
            res.append(gz)
        elif gz.type.dtype in complex_dtypes:
            # The conjugate: see the holomorphic rule in _mk.
            res.append(gz * tm.conj(tm.mul(*others) if len(others) > 1 else others[0]))
        else:
            res.append(tm.mul(gz, *others))
    return res


mul = _mk("Mul", "mul", -1, np.multiply, upcast_out, _mul_grad,
          identity=1, commutative=True, associative=True)
sub = _mk("Sub", "sub", 2, np.subtract, upcast_out_nobool, lambda x, y, gz: [gz, -gz])
def _true_div_grad(x: Variable, y: Variable, gz: Variable) -> list[Variable]:
    if gz.type.dtype in complex_dtypes:
        conj = _tm().conj
        return [gz / conj(y), -gz * conj(x / (y * y))]
    return [gz / y, -gz * x / (y * y)]


true_div = _mk("TrueDiv", "true_div", 2, np.true_divide, upgrade_to_float, _true_div_grad,
               float_op=True)
int_div = _mk("IntDiv", "int_div", 2, np.floor_divide, upcast_out, _no_grad)
mod = _mk("Mod", "mod", 2, np.mod, upcast_out_nobool,
          lambda x, y, gz: [gz, -gz * _tm().floor_div(x, y)])
pow = _mk("Pow", "pow", 2, np.power, upcast_out_min8,  # noqa: A001 - Theano's name
          lambda x, y, gz: [gz * y * x ** (y - 1), gz * _tm().log(x) * x ** y])
neg = _mk("Neg", "neg", 1, np.negative, upcast_out_nobool, lambda x, gz: -gz, holomorphic=True)
abs_ = _mk("Abs", "abs", 1, np.abs, complex_to_real,
           lambda x, gz: gz * x / _tm().abs_(x) if x.type.dtype in complex_dtypes
           else gz * _tm().sgn(x))
sgn = _mk("Sgn", "sgn", 1, np.sign, same_out_nocomplex, _no_grad)
minimum = _mk("Minimum", "minimum", 2, np.minimum, upcast_out,
              lambda x, y, gz: [gz * _tm().le(x, y), gz * _tm().gt(x, y)], commutative=True,
              associative=True)
maximum = _mk("Maximum", "maximum", 2, np.maximum, upcast_out,
              lambda x, y, gz: [gz * _tm().ge(x, y), gz * _tm().lt(x, y)], commutative=True,
              associative=True)
sqr = _mk("Sqr", "sqr", 1, np.square, upcast_out, lambda x, gz: gz * x * 2, holomorphic=True)
sqrt = _mk("Sqrt", "sqrt", 1, np.sqrt, upgrade_to_float, lambda x, gz: (gz * 0.5) / _tm().sqrt(x),
           float_op=True, holomorphic=True)
reciprocal = _mk("Inv", "inv", 1, np.reciprocal, upgrade_to_float, lambda x, gz: -gz / (x * x),
                 float_op=True, holomorphic=True)
identity = _mk("Identity", "identity", 1, lambda x: x, same_out, lambda x, gz: gz, may_return_input=True)
second = _mk("Second", "second", 2, lambda x, y: np.broadcast_to(y, np.broadcast_shapes(
    np.shape(x), np.shape(y))).copy() if np.shape(x) != np.shape(y) else y,
    lambda a, b: (b,), lambda x, y, gz: [_zeros_like(x, dtype=gz.dtype), gz], may_return_input=True)
# Comparison and logic
lt = _mk("LT", "lt", 2, np.less, bool_out, _no_grad)
gt = _mk("GT", "gt", 2, np.greater, bool_out, _no_grad)
le = _mk("LE", "le", 2, np.less_equal, bool_out, _no_grad)
ge = _mk("GE", "ge", 2, np.greater_equal, bool_out, _no_grad)
eq = _mk("EQ", "eq", 2, np.equal, bool_out, _no_grad, commutative=True)
neq = _mk("NEQ", "neq", 2, np.not_equal, bool_out, _no_grad, commutative=True)
and_ = _mk("AND", "and", 2, np.bitwise_and, upcast_out, _no_grad, commutative=True, associative=True,
           identity=True)
or_ = _mk("OR", "or", 2, np.bitwise_or, upcast_out, _no_grad, commutative=True, associative=True,
          identity=False)
xor = _mk("XOR", "xor", 2, np.bitwise_xor, upcast_out, _no_grad, commutative=True, associative=True)
invert = _mk("Invert", "invert", 1, np.invert, same_out, _no_grad)
isnan = _mk("IsNan", "isnan", 1, np.isnan, bool_out, _no_grad)
isinf = _mk("IsInf", "isinf", 1, np.isinf, bool_out, _no_grad)
switch = _mk("Switch", "switch", 3, np.where, lambda c, a, b: (upcast(a, b),),
             lambda c, a, b, gz: [_zeros_like(c, dtype=config.floatX),
                                  _tm().switch(c, gz, 0), _tm().switch(c, 0, gz)])
clip = _mk("Clip", "clip", 3, np.clip, lambda x, lo, hi: (upcast(x, lo, hi),),
           lambda x, lo, hi, gz: [gz * _tm().and_(_tm().ge(x, lo), _tm().le(x, hi)),
                                  gz * _tm().lt(x, lo), gz * _tm().gt(x, hi)])
# Rounding
floor = _mk("Floor", "floor", 1, np.floor, upgrade_to_float_no_complex, _no_grad, float_op=True)
ceil = _mk("Ceil", "ceil", 1, np.ceil, upgrade_to_float_no_complex, _no_grad, float_op=True)
trunc = _mk("Trunc", "trunc", 1, np.trunc, upgrade_to_float_no_complex, _no_grad, float_op=True)
round_half_to_even = _mk("RoundHalfToEven", "round_half_to_even", 1, np.round,
                         upgrade_to_float_no_complex, _no_grad, float_op=True)


def _round_away(x: Any) -> Any:
    # floor(|x| + 0.5) is wrong for 0.49999999999999994 (the sum rounds up to 1) and loses
    # the sign of -0.0; fix only the exact ties of NumPy's half-to-even rounding instead.
    x = np.asarray(x)
    r = np.round(x)
    t = np.trunc(x)
    return np.where(np.abs(x - t) == 0.5, t + np.sign(x), r)


round_half_away_from_zero = _mk("RoundHalfAwayFromZero", "round_half_away_from_zero", 1, _round_away,
                                upgrade_to_float_no_complex, _no_grad, float_op=True)
# Exponential and logarithmic
exp = _mk("Exp", "exp", 1, np.exp, upgrade_to_float, lambda x, gz: gz * _tm().exp(x), float_op=True, holomorphic=True)
exp2 = _mk("Exp2", "exp2", 1, np.exp2, upgrade_to_float,
           lambda x, gz: gz * _tm().exp2(x) * math.log(2.0), float_op=True, holomorphic=True)
expm1 = _mk("Expm1", "expm1", 1, np.expm1, upgrade_to_float, lambda x, gz: gz * _tm().exp(x),
            float_op=True, holomorphic=True)
log = _mk("Log", "log", 1, np.log, upgrade_to_float, lambda x, gz: gz / x, float_op=True, holomorphic=True)
log2 = _mk("Log2", "log2", 1, np.log2, upgrade_to_float, lambda x, gz: gz / (x * math.log(2.0)),
           float_op=True, holomorphic=True)
log10 = _mk("Log10", "log10", 1, np.log10, upgrade_to_float,
            lambda x, gz: gz / (x * math.log(10.0)), float_op=True, holomorphic=True)
log1p = _mk("Log1p", "log1p", 1, np.log1p, upgrade_to_float, lambda x, gz: gz / (x + 1),
            float_op=True, holomorphic=True)
# Trigonometric and hyperbolic
sin = _mk("Sin", "sin", 1, np.sin, upgrade_to_float, lambda x, gz: gz * _tm().cos(x), float_op=True, holomorphic=True)
cos = _mk("Cos", "cos", 1, np.cos, upgrade_to_float, lambda x, gz: -gz * _tm().sin(x), float_op=True, holomorphic=True)
tan = _mk("Tan", "tan", 1, np.tan, upgrade_to_float, lambda x, gz: gz / _tm().sqr(_tm().cos(x)),
          float_op=True, holomorphic=True)
arcsin = _mk("ArcSin", "arcsin", 1, np.arcsin, upgrade_to_float,
             lambda x, gz: gz / _tm().sqrt(1 - x * x), float_op=True, holomorphic=True)
arccos = _mk("ArcCos", "arccos", 1, np.arccos, upgrade_to_float,
             lambda x, gz: -gz / _tm().sqrt(1 - x * x), float_op=True, holomorphic=True)
arctan = _mk("ArcTan", "arctan", 1, np.arctan, upgrade_to_float, lambda x, gz: gz / (1 + x * x),
             float_op=True, holomorphic=True)
arctan2 = _mk("ArcTan2", "arctan2", 2, np.arctan2, upgrade_to_float_no_complex,
              lambda y, x, gz: [gz * x / (x * x + y * y), -gz * y / (x * x + y * y)], float_op=True)
sinh = _mk("Sinh", "sinh", 1, np.sinh, upgrade_to_float, lambda x, gz: gz * _tm().cosh(x), float_op=True, holomorphic=True)
cosh = _mk("Cosh", "cosh", 1, np.cosh, upgrade_to_float, lambda x, gz: gz * _tm().sinh(x), float_op=True, holomorphic=True)
tanh = _mk("Tanh", "tanh", 1, np.tanh, upgrade_to_float,
           lambda x, gz: gz * (1 - _tm().sqr(_tm().tanh(x))), float_op=True, holomorphic=True)
arcsinh = _mk("ArcSinh", "arcsinh", 1, np.arcsinh, upgrade_to_float,
              lambda x, gz: gz / _tm().sqrt(x * x + 1), float_op=True, holomorphic=True)
arccosh = _mk("ArcCosh", "arccosh", 1, np.arccosh, upgrade_to_float,
              lambda x, gz: gz / _tm().sqrt(x * x - 1), float_op=True, holomorphic=True)
arctanh = _mk("ArcTanh", "arctanh", 1, np.arctanh, upgrade_to_float,
              lambda x, gz: gz / (1 - x * x), float_op=True, holomorphic=True)
deg2rad = _mk("Deg2Rad", "deg2rad", 1, np.deg2rad, upgrade_to_float,
              lambda x, gz: gz * (math.pi / 180), float_op=True)
rad2deg = _mk("Rad2Deg", "rad2deg", 1, np.rad2deg, upgrade_to_float,
              lambda x, gz: gz * (180 / math.pi), float_op=True)


# Special functions through SciPy
#: scipy.special, imported when first used (see theano.compat.deferred)
scipy_special = DeferredModule("scipy.special")


def _scipy(name: str) -> Callable:
    def f(*args):
        return getattr(scipy_special, name)(*args)

    f.__name__ = name
    return f


_SQRT_PI = math.sqrt(math.pi)
erf = _mk("Erf", "erf", 1, _scipy("erf"), upgrade_to_float_no_complex,
          lambda x, gz: gz * (2.0 / _SQRT_PI) * _tm().exp(-x * x), float_op=True)
erfc = _mk("Erfc", "erfc", 1, _scipy("erfc"), upgrade_to_float_no_complex,
           lambda x, gz: -gz * (2.0 / _SQRT_PI) * _tm().exp(-x * x), float_op=True)
erfinv = _mk("Erfinv", "erfinv", 1, _scipy("erfinv"), upgrade_to_float_no_complex,
             lambda x, gz: gz * (_SQRT_PI / 2.0) * _tm().exp(_tm().sqr(_tm().erfinv(x))),
             float_op=True)
erfcinv = _mk("Erfcinv", "erfcinv", 1, _scipy("erfcinv"), upgrade_to_float_no_complex,
              lambda x, gz: -gz * (_SQRT_PI / 2.0) * _tm().exp(_tm().sqr(_tm().erfcinv(x))),
              float_op=True)
gamma = _mk("Gamma", "gamma", 1, _scipy("gamma"), upgrade_to_float_no_complex,
            lambda x, gz: gz * _tm().gamma(x) * _tm().psi(x), float_op=True)
#: The smallest normal float64: SciPy computes float16/float32 gammaln in float64, so only
#: float64 subnormals reach the range where its cephes code gives up.
_F64_TINY = float(np.finfo(np.float64).tiny)


def _gammaln(x: Any) -> Any:
    """log|Gamma(x)|: SciPy's, except at the two points where SciPy differs from C99's
    `lgamma` (which Theano 1.0's compiled code called): gammaln(-inf) is +inf (SciPy: -inf)
    and a float64 subnormal x gives -log|x|, its value to double precision (SciPy: inf)."""
    r = _scipy("gammaln")(x)
    xa = np.asarray(x)
    if xa.dtype.kind != "f":
        return r
    with np.errstate(all="ignore"):
        sub = (np.abs(xa) < _F64_TINY) & (xa != 0)
        neg_inf = np.isneginf(xa)
        if not (sub.any() or neg_inf.any()):
            return r
        out = np.where(neg_inf, np.inf, np.where(sub, -np.log(np.abs(xa)), r))
    out = out.astype(np.result_type(r), copy=False)
    return out if np.ndim(r) else out[()]


gammaln = _mk("GammaLn", "gammaln", 1, _gammaln, upgrade_to_float_no_complex,
              lambda x, gz: gz * _tm().psi(x), float_op=True)
psi = _mk("Psi", "psi", 1, _scipy("psi"), upgrade_to_float_no_complex,
          lambda x, gz: gz * _tm().tri_gamma(x), float_op=True)
tri_gamma = _mk("TriGamma", "tri_gamma", 1, lambda x: _scipy("polygamma")(1, x),
                upgrade_to_float_no_complex, None, float_op=True)


def _sigmoid(x: Any) -> Any:
    return _scipy("expit")(x)


def _softplus(x: Any) -> Any:
    return np.logaddexp(np.zeros((), dtype=np.result_type(x, np.float32)), x)


sigmoid = _mk("ScalarSigmoid", "sigmoid", 1, _sigmoid, upgrade_to_float_no_complex,
              lambda x, gz: gz * _tm().sigmoid(x) * (1 - _tm().sigmoid(x)), float_op=True)
softplus = _mk("ScalarSoftplus", "softplus", 1, _softplus, upgrade_to_float_no_complex,
               lambda x, gz: gz * _tm().sigmoid(x), float_op=True)
# Complex numbers
real = _mk("Real", "real", 1, np.real, complex_to_real, lambda x, gz: _tm().complex(gz, 0 * gz)
           if x.type.dtype in complex_dtypes else gz, may_return_input=True)
imag = _mk("Imag", "imag", 1, np.imag, complex_to_real,
           lambda x, gz: _tm().complex(0 * gz, gz) if x.type.dtype in complex_dtypes else 0 * gz,
           may_return_input=True)
conj = _mk("Conj", "conj", 1, np.conj, same_out, lambda x, gz: _tm().conj(gz))
angle = _mk("Angle", "angle", 1, np.angle, complex_to_real,
             lambda x, gz: gz * _tm().complex(-_tm().imag(x), _tm().real(x)) / _tm().sqr(_tm().abs_(x))
             if x.type.dtype in complex_dtypes else _zeros_like(x, dtype=gz.dtype))
complex = _mk("Complex", "complex", 2, lambda a, b: a + 1j * b, float_to_complex,  # noqa: A001
              lambda x, y, gz: [_tm().real(gz), _tm().imag(gz)])


class Cast(ScalarOp):
    """Conversion to a fixed dtype."""

    nin = 1
    __props__ = ("o_dtype",)

    def __init__(self, o_dtype: str):
        self.o_dtype = str(np.dtype(o_dtype))
        self.name = f"convert_to_{self.o_dtype}"

    def output_dtypes(self, *dtypes: str) -> tuple[str, ...]:
        return (self.o_dtype,)

    def impl(self, x: Any) -> Any:
        return np.asarray(x).astype(self.o_dtype)

    def grad(self, inputs, gouts):
        (x,), (gz,) = inputs, gouts
        if _is_discrete(x):
            return [_zeros_like(x, dtype=config.floatX)]
        if self.o_dtype in discrete_dtypes:
            return [_zeros_like(x)]
        # A real input gets the real part of a complex output's gradient (see _real_if_real).
        return [_tm().cast(_real_if_real(x, gz), x.type.dtype)]


_casts: dict[str, Cast] = {}


def cast_op(dtype: str) -> Cast:
    d = str(np.dtype(dtype))
    if d not in _casts:
        _casts[d] = Cast(d)
    return _casts[d]


#: the longest subexpression `Composite.pretty` writes out
PRETTY_MAX = 200


class Composite(ScalarOp):
    """A DAG of scalar ops over scalar inputs, treated as one scalar op (made by fusion)."""

    __props__ = ("signature",)

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable]):
        self.inputs, self.outputs = clone(inputs, outputs)
        self.nin, self.nout = len(inputs), len(outputs)
        self.name = "Composite"
        self.signature = self._signature()
        self._fn: Callable | None = None

    def _signature(self) -> str:
        names = {v: f"i{k}" for k, v in enumerate(self.inputs)}
        parts = []
        for k, node in enumerate(io_toposort(self.inputs, self.outputs)):
            args = []
            for i in node.inputs:
                if i in names:
                    args.append(names[i])
                else:  # a constant
                    args.append(f"{i.type.dtype}({np.asarray(i.data).item()!r})")
            for j, o in enumerate(node.outputs):
                names[o] = f"t{k}_{j}"
            parts.append(f"t{k}={node.op.name if not isinstance(node.op, Cast) else node.op.name}"
                         f"[{','.join(o.type.dtype for o in node.outputs)}]({','.join(args)})")
        parts.append("->" + ",".join(names.get(o, "?") for o in self.outputs))
        return ";".join(parts)

    def __str__(self) -> str:
        return "Composite{" + self.pretty() + "}"

    def pretty(self) -> str:
        """The outputs as nested expressions of i0, i1 ... (the name of fused ops and kernels).
        A subexpression longer than PRETTY_MAX characters is written `op(...)`: one used
        twice at every level of a deep graph would otherwise be written out 2**depth times
        (a 20-level `sigmoid(h * 2 + 1) - h` took 22 GB to name)."""
        text = {v: f"i{k}" for k, v in enumerate(self.inputs)}
        for node in io_toposort(self.inputs, self.outputs):
            args = [text.get(i) or str(np.asarray(i.data).item()) for i in node.inputs]
            expr = f"{node.op.name}({', '.join(args)})"
            if len(expr) > PRETTY_MAX:
                expr = f"{node.op.name}(...)"
            for o in node.outputs:
                text[o] = expr
        return ", ".join(text[o] for o in self.outputs)

    def output_dtypes(self, *dtypes: str) -> tuple[str, ...]:
        return tuple(o.type.dtype for o in self.outputs)

    def impl(self, *args: Any) -> Any:
        vals = dict(zip(self.inputs, args))
        for node in io_toposort(self.inputs, self.outputs):
            ins = [vals[i] if i in vals else i.data for i in node.inputs]
            op = node.op
            if op.float_op:
                d = node.outputs[0].type.dtype
                ins = [np.asarray(x, dtype=d) if np.asarray(x).dtype != d else x for x in ins]
            r = op.impl(*ins)
            if op.nout == 1:
                r = (r,)
            for o, v in zip(node.outputs, r):
                v = np.asarray(v)
                vals[o] = v.astype(o.type.dtype) if v.dtype != o.type.dtype else v
        res = tuple(vals[o] for o in self.outputs)
        return res if self.nout > 1 else res[0]
