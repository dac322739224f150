"""Elementwise ops: unary, binary, ternary, casts, and fused expressions (fusion's inputs)."""
from __future__ import annotations

from ..case import OpCase
from ..inputs import edges, fixed, pairs_of_edges, rand, view

G = "elemwise"


def call(f, *xs):
    return f(*xs)


# name, function (relative to theano), domain of the "normal" inputs, gradient checked,
# tolerance multiplier, extra input families: "int" (integer inputs too), "complex".
UNARY = [
    ("neg", "tensor.neg", "real", True, 1, "int complex"),
    ("abs", "tensor.abs_", "real", True, 1, "int complex"),
    ("sgn", "tensor.sgn", "real", False, 1, "int"),
    ("sqr", "tensor.sqr", "real", True, 1, "int complex"),
    ("sqrt", "tensor.sqrt", "positive", True, 1, "int complex"),
    ("inv", "tensor.inv", "nonzero", True, 1, ""),
    ("exp", "tensor.exp", "real", True, 1, "int complex"),
    ("exp2", "tensor.exp2", "real", True, 1, ""),
    ("expm1", "tensor.expm1", "real", True, 1, ""),
    ("log", "tensor.log", "positive", True, 1, "int complex"),
    ("log2", "tensor.log2", "positive", True, 1, ""),
    ("log10", "tensor.log10", "positive", True, 1, ""),
    ("log1p", "tensor.log1p", "positive", True, 1, ""),
    ("sin", "tensor.sin", "real", True, 1, "int"),
    ("cos", "tensor.cos", "real", True, 1, ""),
    ("tan", "tensor.tan", "small", True, 1, ""),
    ("arcsin", "tensor.arcsin", "unit", True, 1, ""),
    ("arccos", "tensor.arccos", "unit", True, 1, ""),
    ("arctan", "tensor.arctan", "real", True, 1, ""),
    ("sinh", "tensor.sinh", "real", True, 1, ""),
    ("cosh", "tensor.cosh", "real", True, 1, ""),
    ("tanh", "tensor.tanh", "real", True, 1, ""),
    ("arcsinh", "tensor.arcsinh", "real", True, 1, ""),
    ("arccosh", "tensor.arccosh", "ge1", True, 1, ""),
    ("arctanh", "tensor.arctanh", "unit", True, 1, ""),
    ("deg2rad", "tensor.deg2rad", "real", True, 1, ""),
    ("rad2deg", "tensor.rad2deg", "real", True, 1, ""),
    ("floor", "tensor.floor", "real", False, 1, ""),
    ("ceil", "tensor.ceil", "real", False, 1, ""),
    ("trunc", "tensor.trunc", "real", False, 1, ""),
    ("round_half_to_even", "tensor.round_half_to_even", "real", False, 1, ""),
    ("round_half_away_from_zero", "tensor.round_half_away_from_zero", "real", False, 1, ""),
    ("erf", "tensor.erf", "real", True, 1, ""),
    ("erfc", "tensor.erfc", "real", True, 1, ""),
    ("erfinv", "tensor.erfinv", "unit", True, 10, ""),
    ("erfcinv", "tensor.erfcinv", "open02", True, 10, ""),
    ("gamma", "tensor.gamma", "positive", True, 10, ""),
    ("gammaln", "tensor.gammaln", "positive", True, 10, ""),
    ("psi", "tensor.psi", "positive", True, 10, ""),
    ("tri_gamma", "tensor.tri_gamma", "positive", False, 10, ""),
    ("sigmoid", "tensor.sigmoid", "real", True, 1, ""),
    ("softplus", "tensor.softplus", "real", True, 1, ""),
    ("isnan", "tensor.isnan", "real", False, 1, "int"),
    ("isinf", "tensor.isinf", "real", False, 1, "int"),
    ("tensor_copy", "tensor.tensor_copy", "real", True, 1, "int"),
]

# name, function, domain of operand 0, of operand 1, gradient, kinds of inputs.
BINARY = [
    ("add", "tensor.add", "real", "real", True, "float int bool complex error"),
    ("sub", "tensor.sub", "real", "real", True, "float int complex"),
    ("mul", "tensor.mul", "real", "real", True, "float int bool complex"),
    ("true_div", "tensor.true_div", "real", "nonzero", True, "float intdiv complex"),
    ("int_div", "tensor.int_div", "real", "nonzero", False, "float intdiv"),
    ("mod", "tensor.mod", "real", "nonzero", False, "float intdiv"),
    ("pow", "tensor.pow", "positive", "real", True, "float intpow"),
    ("arctan2", "tensor.arctan2", "real", "real", True, "float"),
    ("minimum", "tensor.minimum", "real", "real", True, "float int"),
    ("maximum", "tensor.maximum", "real", "real", True, "float int"),
    ("lt", "tensor.lt", "real", "real", False, "float int"),
    ("gt", "tensor.gt", "real", "real", False, "float int"),
    ("le", "tensor.le", "real", "real", False, "float int"),
    ("ge", "tensor.ge", "real", "real", False, "float int"),
    ("eq", "tensor.eq", "real", "real", False, "float int bool"),
    ("neq", "tensor.neq", "real", "real", False, "float int bool"),
    ("and", "tensor.and_", "real", "real", False, "int bool"),
    ("or", "tensor.or_", "real", "real", False, "int bool"),
    ("xor", "tensor.xor", "real", "real", False, "int bool"),
]


def _unary_cases() -> list[OpCase]:
    out = []
    for name, fn, dom, grad, tol, extra in UNARY:
        c = lambda variant, inputs, **kw: OpCase(name, variant, fn, call, inputs, group=G, tol=tol, **kw)
        for dt in ("float64", "float32"):
            out.append(c(f"{dt}-normal", [rand(dt, (3, 4), dom)], grad=grad))
            out.append(c(f"{dt}-edges", [edges(dt)]))
        out.append(c("float16-normal", [rand("float16", (5,), dom)]))
        out.append(c("float64-empty", [rand("float64", (0, 3), dom)]))
        out.append(c("float32-strided", [view(rand("float32", (4, 3), dom), "strided")]))
        out.append(c("float64-negstride", [view(rand("float64", (3, 5), dom), "negstride")], grad=grad))
        out.append(c("float64-transposed", [view(rand("float64", (2, 3, 4), dom), "transposed")]))
        out.append(c("float64-scalar", [rand("float64", (), dom)], grad=grad))
        if "int" in extra.split():
            out.append(c("int8-edges", [edges("int8")]))
            out.append(c("int64-normal", [rand("int64", (3, 4), dom)]))
            out.append(c("uint8-edges", [edges("uint8")]))
        if "complex" in extra.split():
            out.append(c("complex128-normal", [rand("complex128", (3, 2), dom)]))
    # Ops on one dtype family only.
    for name, fn, dts in (("invert", "tensor.invert", ("int8", "uint16", "int64", "bool")),
                          ("real", "tensor.real", ("complex128", "complex64")),
                          ("imag", "tensor.imag", ("complex128", "complex64")),
                          ("conj", "tensor.conj", ("complex128",)),
                          ("angle", "tensor.angle", ("complex128",))):
        for dt in dts:
            out.append(OpCase(name, f"{dt}-edges", fn, call, [edges(dt)], group=G))
    return out


def _binary_cases() -> list[OpCase]:
    out = []
    for name, fn, d0, d1, grad, kinds in BINARY:
        kinds = kinds.split()
        c = lambda variant, inputs, **kw: OpCase(name, variant, fn, call, inputs, group=G, **kw)
        if "float" in kinds:
            for dt in ("float64", "float32"):
                out.append(c(f"{dt}-normal", [rand(dt, (3, 4), d0), rand(dt, (3, 4), d1)], grad=grad))
                out.append(c(f"{dt}-edges", [pairs_of_edges(dt, 0), pairs_of_edges(dt, 1)]))
            out.append(c("float16-normal", [rand("float16", (6,), d0), rand("float16", (6,), d1)]))
            out.append(c("float64-broadcast", [rand("float64", (3, 1), d0), rand("float64", (1, 4), d1)],
                         grad=grad))
            out.append(c("float32-scalar-matrix", [rand("float32", (), d0), rand("float32", (2, 3), d1)],
                         grad=grad))
            out.append(c("float64-empty", [rand("float64", (0, 4), d0), rand("float64", (1, 4), d1)]))
            out.append(c("float32-strided", [view(rand("float32", (3, 4), d0), "transposed"),
                                             view(rand("float32", (3, 4), d1), "negstride")], grad=grad))
            out.append(c("int32-float32", [rand("int32", (2, 3), d0), rand("float32", (2, 3), d1)]))
        if "int" in kinds:
            for dt in ("int8", "uint8", "int64"):
                out.append(c(f"{dt}-edges", [pairs_of_edges(dt, 0), pairs_of_edges(dt, 1)]))
            out.append(c("int32-normal", [rand("int32", (3, 4), d0), rand("int32", (3, 4), d1)]))
            out.append(c("int16-int64", [rand("int16", (3, 1), d0), rand("int64", (1, 4), d1)]))
        if "intdiv" in kinds:
            # Division by 0 and MIN // -1 are undefined in C: not a conformance question.
            for dt in ("int8", "uint8", "int64"):
                out.append(c(f"{dt}-edges", [pairs_of_edges(dt, 0, safe_divisor=True),
                                             pairs_of_edges(dt, 1, safe_divisor=True)]))
            out.append(c("int32-normal", [rand("int32", (3, 4), "real"), rand("int32", (3, 4), "positive")]))
        if "intpow" in kinds:
            out.append(c("int64-normal", [rand("int64", (3, 4), "real"),
                                          rand("int64", (3, 4), "positive")]))
        if "bool" in kinds:
            out.append(c("bool", [pairs_of_edges("bool", 0), pairs_of_edges("bool", 1)]))
        if "complex" in kinds:
            out.append(c("complex128-normal", [rand("complex128", (3, 2), d0), rand("complex128", (3, 2), d1)]))
            out.append(c("complex64-normal", [rand("complex64", (4,), d0), rand("complex64", (4,), d1)]))
        if "error" in kinds:
            # (3,) and (4,) do not broadcast: the backend must raise, not read past the end.
            out.append(c("float64-shape-mismatch", [rand("float64", (3,)), rand("float64", (4,))],
                         expect_error=True))
            out.append(c("float64-length1-not-broadcastable",
                         [rand("float64", (1, 4)), rand("float64", (3, 4))],
                         broadcastable=[(False, False), (False, False)], expect_error=True))
    return out


def _ternary_cases() -> list[OpCase]:
    sw = lambda variant, inputs, **kw: OpCase("switch", variant, "tensor.switch", call, inputs, group=G, **kw)
    cl = lambda variant, inputs, **kw: OpCase("clip", variant, "tensor.clip", call, inputs, group=G, **kw)
    return [
        sw("float64-normal", [rand("bool", (3, 4)), rand("float64", (3, 4)), rand("float64", (3, 4))], grad=True),
        sw("float32-broadcast", [rand("bool", (3, 1)), rand("float32", (1, 4)), rand("float32", ())], grad=True),
        sw("int8-cond", [rand("int8", (5,)), rand("float64", (5,)), rand("float64", (5,))]),
        sw("float64-edges", [fixed([True, False] * 14 + [True]), edges("float64"), edges("float64")]),
        cl("float64-normal", [rand("float64", (3, 4)), fixed(-0.5, "float64"), fixed(0.7, "float64")], grad=True),
        cl("float32-edges", [edges("float32"), fixed(-1.0, "float32"), fixed(2.0, "float32")]),
        cl("int32-normal", [rand("int32", (6,)), fixed(-2, "int32"), fixed(3, "int32")]),
    ]


def _cast_cases() -> list[OpCase]:
    def cast_to(dt):
        return lambda f, x: f(x, dt)

    c = lambda variant, dt, inputs, **kw: OpCase("cast", variant, "tensor.cast", cast_to(dt), inputs,
                                                 group=G, **kw)
    return [
        c("float64-to-float32-edges", "float32", [edges("float64")]),  # overflow to inf, denormals to 0
        c("float32-to-float64-edges", "float64", [edges("float32")]),
        c("float64-to-float32-normal", "float32", [rand("float64", (3, 4))], grad=True),
        c("float64-to-int32", "int32", [fixed([0.0, -0.0, 1.5, -1.5, 2.5, -2.7, 1e6, -1e6, 0.9999])]),
        c("int64-to-int8-wrap", "int8", [edges("int64")]),
        c("int32-to-float32", "float32", [edges("int32")]),
        c("uint8-to-int16", "int16", [edges("uint8")]),
        c("bool-to-float64", "float64", [edges("bool")]),
        c("float64-to-bool", "bool", [edges("float64")]),  # NaN is True, -0.0 is False
        c("int8-to-uint8", "uint8", [edges("int8")]),
    ]


def _chain(f, x, y, z):
    import theano.tensor as T

    return (T.exp(x) * y + T.sin(z)) / (1 + x ** 2)


def _two_outputs(f, x, y):
    import theano.tensor as T

    return [x * y + 1, T.tanh(x * y)]


def _softplus_naive(f, x):
    import theano.tensor as T

    return T.log(1 + T.exp(x))  # the stabilize rewrites may turn this into softplus


def T_exp(x):
    import theano.tensor as T

    return T.exp(x)


def _fused_cases() -> list[OpCase]:
    """Expressions a backend fuses into one kernel: each is compared as a whole."""
    f64 = lambda *shape: rand("float64", shape)
    f32 = lambda *shape: rand("float32", shape)
    return [
        OpCase("fused:chain", "float64", None, _chain,
               [f64(3, 4), f64(3, 4), f64(1, 4)], grad=True, group="fused"),
        OpCase("fused:chain", "float32-strided", None, _chain,
               [view(f32(3, 4), "transposed"), view(f32(3, 4), "negstride"), f32(1, 4)], grad=True,
               group="fused"),
        OpCase("fused:softplus-naive", "float64-edges", None,
               _softplus_naive,
               [edges("float64")], group="fused"),
        OpCase("fused:two-outputs", "float32", None, _two_outputs,
               [f32(4, 5), f32(4, 5)], grad=True, group="fused"),
        OpCase("fused:reduce-tail", "float64", None, lambda f, x: ((x - 1.5) ** 2).sum(axis=1),
               [f64(5, 7)], grad=True, group="fused"),
        # Shapes that do not broadcast: a fused reduction must raise as the unfused ops do,
        # never read past a row or broadcast a length-1 axis its type does not allow.
        OpCase("fused:reduce-tail", "float64-shape-mismatch", None, lambda f, x, y: (x * y).sum(axis=1),
               [f64(3, 4), f64(3, 5)], group="fused", expect_error=True),
        OpCase("fused:reduce-tail", "float64-reduced-axis-mismatch", None,
               lambda f, x, y: T_exp(x - y).sum(axis=0), [f64(3, 4), f64(2, 4)], group="fused",
               expect_error=True),
        OpCase("fused:reduce-tail", "float64-max-length1-not-broadcastable", None,
               lambda f, x, y: (x + y).max(axis=1), [f64(1, 4), f64(3, 4)],
               broadcastable=[(False, False), (False, False)], group="fused", expect_error=True),
        OpCase("fused:reduce-tail", "float32-all-axes-mismatch", None, lambda f, x, y: ((x - y) ** 2).sum(),
               [f32(4, 6), f32(4, 5)], group="fused", expect_error=True),
        OpCase("fused:normalize", "float32", None,
               lambda f, x: x - x.max(axis=1, keepdims=True), [f32(4, 6)], grad=True, group="fused"),
        OpCase("fused:int-float", "mixed", None, lambda f, i, x: (i * 2 + 1) * x - i,
               [rand("int32", (3, 4)), f64(3, 4)], grad=True, group="fused"),
        OpCase("fused:scalar-broadcast", "float64", None, lambda f, a, x: a * x + a ** 2,
               [f64(), f64(2, 3, 4)], grad=True, group="fused"),
    ]


def cases() -> list[OpCase]:
    return _unary_cases() + _binary_cases() + _ternary_cases() + _cast_cases() + _fused_cases()
