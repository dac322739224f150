"""Elementwise ops: values against NumPy/SciPy on random and edge values, output dtypes,
broadcasting (and Theano's run-time check of non-broadcastable length-1 dimensions),
DimShuffle, and build-time errors that name the user's line."""
import os
import warnings

import numpy as np
import pytest
import scipy.special as sp

import theano
from theano import tensor as T

EDGE = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 0.5, -0.5, 1.0, -1.0, 2.5, -2.5, 3.7, -2.2,
                 1e-300, 1e300, 0.49999999999999994])
RNG = np.random.RandomState(1234)
RANDOM = RNG.uniform(-3, 3, size=(3, 5))


def fn(inputs, outputs):
    return theano.function(inputs, outputs, on_unused_input="ignore")


def assert_same(got, want):
    """Equal values, NaNs in the same places, the same signs of zero, the same dtype."""
    want = np.asarray(want)
    assert got.dtype == want.dtype, (got.dtype, want.dtype)
    assert got.shape == want.shape
    if got.dtype.kind in "fc":
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=0, equal_nan=True)
        if got.dtype.kind == "f":
            z = (want == 0)
            np.testing.assert_array_equal(np.signbit(got[z]), np.signbit(want[z]))
    else:
        np.testing.assert_array_equal(got, want)


def _gammaln(x):
    """SciPy's gammaln with C99's lgamma at -inf (+inf, SciPy says -inf), as Theano 1.0's
    compiled code; tests/tensor/test_gammaln.py covers the subnormals too."""
    return np.where(np.isneginf(x), np.inf, sp.gammaln(x))


UNARY = {
    "exp": np.exp, "exp2": np.exp2, "expm1": np.expm1, "log": np.log, "log2": np.log2,
    "log10": np.log10, "log1p": np.log1p, "sin": np.sin, "cos": np.cos, "tan": np.tan,
    "arcsin": np.arcsin, "arccos": np.arccos, "arctan": np.arctan, "sinh": np.sinh,
    "cosh": np.cosh, "tanh": np.tanh, "arcsinh": np.arcsinh, "arccosh": np.arccosh,
    "arctanh": np.arctanh, "sqrt": np.sqrt, "sqr": np.square, "abs_": np.abs, "abs": np.abs,
    "sgn": np.sign, "floor": np.floor, "ceil": np.ceil, "trunc": np.trunc, "neg": np.negative,
    "inv": np.reciprocal, "deg2rad": np.deg2rad, "rad2deg": np.rad2deg, "erf": sp.erf,
    "erfc": sp.erfc, "erfinv": sp.erfinv, "erfcinv": sp.erfcinv, "gamma": sp.gamma,
    "gammaln": _gammaln, "psi": sp.psi, "sigmoid": sp.expit,
    "round_half_to_even": np.round, "isnan": np.isnan, "isinf": np.isinf,
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_unary_float64_values(name):
    x = T.dvector("x")
    f = fn([x], getattr(T, name)(x))
    ref = UNARY[name]
    with np.errstate(all="ignore"):
        for data in (EDGE, RANDOM.reshape(-1), np.zeros(0)):
            assert_same(f(data), ref(data))
    m = T.dmatrix("m")
    with np.errstate(all="ignore"):
        assert_same(fn([m], getattr(T, name)(m))(RANDOM), ref(RANDOM))


@pytest.mark.parametrize("name", ["exp", "log", "sin", "sqrt", "tanh", "erf", "gammaln", "psi",
                                  "expm1", "arctan", "sigmoid"])
def test_unary_float32_stays_float32(name):
    x = T.fvector("x")
    out = getattr(T, name)(x)
    assert out.dtype == "float32"
    data = np.abs(RANDOM.reshape(-1)).astype("float32") + 0.1
    got = fn([x], out)(data)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, UNARY[name](data.astype("float64")), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("in_dtype,out_dtype", [("int8", "float32"), ("uint8", "float32"),
                                                ("int16", "float32"), ("int32", "float64"),
                                                ("int64", "float64"), ("bool", "float32"),
                                                ("float32", "float32"), ("float64", "float64")])
def test_float_ops_on_integers_upgrade_like_theano(in_dtype, out_dtype):
    x = T.vector(dtype=in_dtype)
    for op in (T.exp, T.sqrt, T.sin, T.log1p, T.floor, T.erf, T.gamma):
        assert op(x).dtype == out_dtype, (op.__name__, in_dtype)
    data = np.array([0, 1, 2, 3], dtype=in_dtype) if in_dtype != "bool" else np.array([0, 1, 1, 0], "bool")
    got = fn([x], T.sqrt(x))(data)
    assert got.dtype == np.dtype(out_dtype)
    np.testing.assert_allclose(got, np.sqrt(data.astype("float64")), rtol=1e-6)


def test_round_modes():
    x = T.dvector("x")
    data = np.array([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, -0.0, -0.2, 0.49999999999999994,
                     2.6, np.nan, np.inf, -np.inf])
    assert_same(fn([x], T.round(x))(data), np.round(data))
    assert_same(fn([x], T.round(x, "half_to_even"))(data), np.round(data))
    away = np.array([1.0, 2.0, 3.0, -1.0, -2.0, -3.0, -0.0, -0.0, 0.0, 3.0, np.nan, np.inf, -np.inf])
    assert_same(fn([x], T.round(x, "half_away_from_zero"))(data), away)
    assert_same(fn([x], T.iround(x, "half_away_from_zero"))(data[:10]), away[:10].astype("int64"))
    with pytest.raises(ValueError, match="mode"):
        T.round(x, "bankers")
    with pytest.raises(TypeError):
        T.floor(T.zvector())


def test_sign_abs_integers_and_minus_zero():
    i = T.ivector("i")
    data = np.array([-3, 0, 5], dtype="int32")
    assert_same(fn([i], [T.sgn(i)])(data)[0], np.sign(data))
    assert_same(fn([i], abs(i))(data), np.abs(data))
    x = T.dvector("x")
    assert_same(fn([x], -x)(np.array([0.0, -0.0, 1.0])), np.array([-0.0, 0.0, -1.0]))


BINARY = {
    "add": np.add, "sub": np.subtract, "mul": np.multiply, "true_div": np.true_divide,
    "int_div": np.floor_divide, "mod": np.mod, "pow": np.power, "maximum": np.maximum,
    "minimum": np.minimum, "arctan2": np.arctan2, "lt": np.less, "gt": np.greater,
    "le": np.less_equal, "ge": np.greater_equal, "eq": np.equal, "neq": np.not_equal,
}


@pytest.mark.parametrize("name", sorted(BINARY))
def test_binary_float64_values(name):
    x, y = T.dvectors("x", "y")
    f = fn([x, y], getattr(T, name)(x, y))
    a = np.repeat(EDGE, len(EDGE))
    b = np.tile(EDGE, len(EDGE))
    with np.errstate(all="ignore"):
        assert_same(f(a, b), BINARY[name](a, b))
        assert_same(f(np.zeros(0), np.zeros(0)), BINARY[name](np.zeros(0), np.zeros(0)))


def test_python_operators_match_functions():
    x, y = T.dmatrices("x", "y")
    a, b = RANDOM, RANDOM[::-1] + 0.25
    outs = fn([x, y], [x + y, x - y, x * y, x / y, x // y, x % y, abs(x) ** y, -x, +x,
                       2 - x, 2 / y, 3 ** y, 2.0 // y, 7 % y, x < y, x <= y, x > y, x >= y])(a, b)
    want = [a + b, a - b, a * b, a / b, a // b, a % b, np.abs(a) ** b, -a, a, 2 - a, 2 / b,
            3 ** b, 2.0 // b, 7 % b, a < b, a <= b, a > b, a >= b]
    for got, w in zip(outs, want):
        np.testing.assert_allclose(got, w, rtol=1e-12)
        assert got.dtype == np.asarray(w).dtype


def test_integer_division_and_mod_signs():
    a, b = T.ivectors("a", "b")
    x = np.array([7, -7, 7, -7, 0, 1], dtype="int32")
    y = np.array([2, 2, -2, -2, 3, 5], dtype="int32")
    q, r, t = fn([a, b], [a // b, a % b, a / b])(x, y)
    assert q.dtype == r.dtype == np.int32 and t.dtype == np.float64
    np.testing.assert_array_equal(q, [3, -4, -4, 3, 0, 0])  # floor division, as Python
    np.testing.assert_array_equal(r, [1, 1, -1, -1, 0, 1])  # sign of the divisor
    np.testing.assert_allclose(t, x / y)
    d, e = T.dvectors("d", "e")
    np.testing.assert_array_equal(fn([d, e], d % e)(np.array([-5.5, 5.5, -1.0]), np.array([3.0, -3.0, 3.0])),
                                  [0.5, -0.5, 2.0])
    np.testing.assert_array_equal(fn([a, b], T.int_div(a, b))(x, y), x // y)


def test_pow_values_and_dtypes():
    i = T.ivector("i")
    data = np.array([-3, 0, 2, 5], dtype="int32")
    out = fn([i], [i ** 2, i ** 3, T.pow(i, i * 0 + 2)])(data)
    for o, e in zip(out, [data ** 2, data ** 3, data ** 2]):
        assert o.dtype == np.int32
        np.testing.assert_array_equal(o, e)
    assert (T.bvector() ** T.bvector()).dtype == "int8"
    assert (T.fvector() ** 2).dtype == "float32"
    assert (T.fvector() ** 0.5).dtype == "float32"
    assert (T.ivector() ** 0.5).dtype == "float64"
    assert (T.vector(dtype="bool") ** T.vector(dtype="bool")).dtype == "int8"


@pytest.mark.parametrize("a,b,want", [
    ("int8", "int8", "int8"), ("int8", "int16", "int16"), ("int32", "float32", "float64"),
    ("int16", "float32", "float32"), ("uint8", "int8", "int16"), ("float32", "float64", "float64"),
    ("int64", "float32", "float64"), ("complex64", "float64", "complex128"),
    ("bool", "int8", "int8"), ("uint32", "int32", "int64"), ("float32", "complex64", "complex64"),
])
def test_upcasting_of_two_variables(a, b, want):
    x, y = T.vector(dtype=a), T.vector(dtype=b)
    assert (x + y).dtype == want
    assert (x * y).dtype == want
    assert T.maximum(x, y).dtype == want


def test_upcasting_with_python_numbers():
    b, i, f, d = T.bscalar(), T.iscalar(), T.fscalar(), T.dscalar()
    assert (b + 3).dtype == "int8"
    assert (b + 300).dtype == "int16"
    assert (b + 70000).dtype == "int32"
    assert (b + 2 ** 40).dtype == "int64"
    assert (i + 1).dtype == "int32"
    assert (f * 0.5).dtype == "float32"  # 0.5 is exact in float32
    assert (f + 1).dtype == "float32"
    assert (i * 0.5).dtype == "float64"  # int32 with float32 gives float64
    assert (b * 0.5).dtype == "float32"
    assert (d * 0.5).dtype == "float64"
    assert (f + 1j).dtype == "complex64"
    with theano.config.change_flags(floatX="float64"):
        assert (f * 0.1).dtype == "float64"  # 0.1 is not exact in float32
    with theano.config.change_flags(floatX="float32"):
        assert (f * 0.1).dtype == "float32"
        assert (i * 0.1).dtype == "float64"
    assert (f * np.float64(0.5)).dtype == "float64"  # NumPy scalars keep their dtype
    assert (b + np.int32(1)).dtype == "int32"


def test_upcasting_values():
    b = T.bvector("b")
    out = fn([b], b + 3)(np.array([1, 124], dtype="int8"))
    assert out.dtype == np.int8
    np.testing.assert_array_equal(out, np.array([4, 127], dtype="int8"))
    f = T.fvector("f")
    with theano.config.change_flags(floatX="float64"):
        r = fn([f], f * 0.1)(np.array([1.0], dtype="float32"))
    assert r.dtype == np.float64 and r[0] == 0.1
    i, g = T.ivector("i"), T.fvector("g")
    r = fn([i, g], i + g)(np.array([2 ** 30], "int32"), np.array([0.5], "float32"))
    assert r.dtype == np.float64 and r[0] == 2 ** 30 + 0.5  # exact in float64 only


def test_true_div_of_integers():
    assert (T.bscalar() / T.bscalar()).dtype == "float32"
    assert (T.wscalar() / T.wscalar()).dtype == "float32"
    assert (T.iscalar() / T.iscalar()).dtype == "float64"
    assert (T.lscalar() / 2).dtype == "float64"
    assert (T.iscalar() / T.fscalar()).dtype == "float64"
    assert (T.fscalar() / 2).dtype == "float32"
    assert T.true_div(T.ivector(), T.ivector()).dtype == "float64"
    a, b = T.ivectors("a", "b")
    np.testing.assert_allclose(fn([a, b], a / b)(np.array([1, 7], "int32"), np.array([2, -2], "int32")),
                               [0.5, -3.5])


def test_comparisons_give_bool():
    x, y = T.dvector("x"), T.ivector("y")
    for out in (x < y, x <= 1, T.eq(x, y), T.neq(x, 2), T.isnan(x), T.isinf(x), x > y, x >= 0):
        assert out.dtype == "bool"
    lt, eq, ne = fn([x, y], [x < y, T.eq(x, y), T.neq(x, y)])(np.array([1.0, 2.0, np.nan]),
                                                              np.array([2, 2, 0], "int32"))
    np.testing.assert_array_equal(lt, [True, False, False])
    np.testing.assert_array_equal(eq, [False, True, False])
    np.testing.assert_array_equal(ne, [True, False, True])


def test_logical_and_bitwise_ops():
    a, b = T.bvectors("a", "b")
    x = np.array([12, -1, 0, 5], dtype="int8")
    y = np.array([10, 3, 7, -6], dtype="int8")
    outs = fn([a, b], [a & b, a | b, a ^ b, ~a, T.and_(a, b), T.or_(a, b), T.xor(a, b),
                       T.invert(a), T.bitwise_and(a, b)])(x, y)
    for o, w in zip(outs, [x & y, x | y, x ^ y, ~x, x & y, x | y, x ^ y, ~x, x & y]):
        assert o.dtype == np.int8
        np.testing.assert_array_equal(o, w)
    p, q = a > 0, b > 0
    outs = fn([a, b], [p & q, p | q, p ^ q, ~p])(x, y)
    for o, w in zip(outs, [(x > 0) & (y > 0), (x > 0) | (y > 0), (x > 0) ^ (y > 0), ~(x > 0)]):
        assert o.dtype == np.bool_
        np.testing.assert_array_equal(o, w)


def test_casts_and_astype():
    x = T.dvector("x")
    data = np.array([-1.7, 0.2, 2.9, 300.5])
    for dt in ("int8", "int32", "int64", "uint8", "float32", "float64", "complex64", "bool"):
        out = T.cast(x, dt)
        assert out.dtype == dt
        with np.errstate(all="ignore"):
            assert_same(fn([x], out)(data), data.astype(dt))
        assert x.astype(dt).dtype == dt
    assert T.cast(x, "floatX").dtype == theano.config.floatX
    assert T.cast(x, T.int16).dtype == "int16"
    assert T.cast(x, "float64") is x  # no-op casts add no node
    i = T.ivector("i")
    assert_same(fn([i], i.astype("float32"))(np.array([1, 2 ** 24 + 1], "int32")),
                np.array([1, 2 ** 24 + 1], "int32").astype("float32"))
    assert T.cast(i, "int8").owner.op.scalar_op.o_dtype == "int8"
    for dt in ("int8", "float64"):
        assert getattr(T, "_convert_to")[dt](i).dtype == dt
    with pytest.raises(TypeError, match="imaginary"):
        T.cast(T.zvector(), "float64")


def test_switch_where_clip_maximum_minimum():
    x = T.dvector("x")
    data = np.array([-2.0, 0.0, 0.5, 3.0, np.nan])
    outs = fn([x], [T.switch(x > 0, x, 0), T.where(T.gt(x, 0), 1, -1), T.clip(x, -1, 1),
                    x.clip(-1.0, 1.0), T.maximum(x, 0), T.minimum(x, 0)])(data)
    with np.errstate(invalid="ignore"):
        want = [np.where(data > 0, data, 0), np.where(data > 0, 1, -1), np.clip(data, -1, 1),
                np.clip(data, -1, 1), np.maximum(data, 0), np.minimum(data, 0)]
    for o, w in zip(outs, want):
        np.testing.assert_array_equal(o, w)
    assert outs[0].dtype == np.float64
    assert T.where(T.gt(x, 0), 1, -1).dtype == "int8"
    assert T.switch(T.ivector() > 0, T.fvector(), T.ivector()).dtype == "float64"
    # The condition broadcasts like any elementwise input.
    c, m = T.bcol("c"), T.dmatrix("m")
    got = fn([c, m], T.switch(c, m, -m))(np.array([[1], [0]], "int8"), np.ones((2, 3)))
    np.testing.assert_array_equal(got, [[1, 1, 1], [-1, -1, -1]])


def test_complex_parts():
    z = T.zvector("z")
    data = np.array([1 + 2j, -3 - 0.5j, 0j, -1 + 0j, np.inf + 1j])
    outs = fn([z], [T.real(z), T.imag(z), T.conj(z), T.angle(z), abs(z), z.real, z.imag,
                    z.conj(), T.exp(z), T.sqrt(z), z * z, z / (z + 1)])(data)
    with np.errstate(all="ignore"):
        want = [data.real, data.imag, np.conj(data), np.angle(data), np.abs(data), data.real,
                data.imag, np.conj(data), np.exp(data), np.sqrt(data), data * data, data / (data + 1)]
    for o, w in zip(outs, want):
        assert o.dtype == w.dtype
        np.testing.assert_allclose(o, w, equal_nan=True)
    c = T.cvector("c")
    assert T.real(c).dtype == T.imag(c).dtype == abs(c).dtype == T.angle(c).dtype == "float32"
    assert T.conj(c).dtype == "complex64"
    assert T.complex(T.fvector(), T.fvector()).dtype == "complex64"
    assert T.complex(T.dvector(), T.dvector()).dtype == "complex128"
    a, b = T.dvectors("a", "b")
    got = fn([a, b], T.complex(a, b))(np.array([1.0, 2.0]), np.array([3.0, -4.0]))
    np.testing.assert_array_equal(got, [1 + 3j, 2 - 4j])
    # real() of a real tensor is itself, imag() is zero.
    np.testing.assert_array_equal(fn([a], [T.real(a), T.imag(a)])(np.array([1.5]))[1], [0.0])
    with pytest.raises(TypeError):
        T.sgn(z)
    with pytest.raises(TypeError):
        T.arctan2(z, z)


def test_nary_add_and_mul():
    xs = T.dvectors("a", "b", "c", "d")
    data = [np.arange(3.0) + k for k in range(4)]
    s, p = fn(xs, [T.add(*xs), T.mul(*xs)])(*data)
    np.testing.assert_array_equal(s, sum(data))
    np.testing.assert_array_equal(p, data[0] * data[1] * data[2] * data[3])
    node = T.add(*xs).owner
    assert len(node.inputs) == 4  # one node, not a chain


# -- broadcasting -----------------------------------------------------------------------

def test_row_col_broadcasting():
    m, r, c = T.dmatrix("m"), T.drow("r"), T.dcol("c")
    out = m + r * c
    assert out.broadcastable == (False, False)
    assert (r * c).broadcastable == (False, False)
    assert (r + r).broadcastable == (True, False)
    got = fn([m, r, c], out)(np.ones((2, 3)), np.arange(3.0)[None], np.arange(2.0)[:, None])
    np.testing.assert_array_equal(got, 1 + np.arange(3.0)[None] * np.arange(2.0)[:, None])
    v, s = T.dvector("v"), T.dscalar("s")
    got = fn([m, v, s], m * v + s)(np.ones((2, 3)), np.arange(3.0), 10.0)
    np.testing.assert_array_equal(got, np.arange(3.0)[None] + 10 + np.zeros((2, 3)))
    t = T.dtensor3("t")
    assert (t + v).broadcastable == (False, False, False)
    got = fn([t, c], t + c)(np.zeros((4, 2, 1 + 2)), np.arange(2.0)[:, None])
    assert got.shape == (4, 2, 3)
    np.testing.assert_array_equal(got[3], np.repeat(np.arange(2.0)[:, None], 3, axis=1))


def test_empty_arrays_broadcast():
    m, r = T.dmatrix("m"), T.drow("r")
    got = fn([m, r], m * r)(np.zeros((0, 3)), np.ones((1, 3)))
    assert got.shape == (0, 3)


def test_length_one_non_broadcastable_dimension_raises_at_run_time():
    m, v = T.dmatrix("m"), T.dvector("v")
    f = fn([m, v], m + v)
    with pytest.raises(ValueError) as info:
        f(np.ones((2, 3)), np.ones(1))  # a vector is not broadcastable: length 1 is an error
    msg = str(info.value)
    assert "(2, 3)" in msg and "mismatch" in msg
    assert os.path.basename(__file__) in msg.splitlines()[0]
    m2 = T.dmatrix("m2")
    g = fn([m, m2], m * m2)
    with pytest.raises(ValueError, match="mismatch"):
        g(np.ones((2, 3)), np.ones((1, 3)))
    with pytest.raises(ValueError):
        g(np.ones((2, 3)), np.ones((2, 4)))
    # The same shapes work once the dimension is declared broadcastable.
    h = fn([m, m2], m * T.addbroadcast(m2, 0))
    np.testing.assert_array_equal(h(np.ones((2, 3)), 2 * np.ones((1, 3))), 2 * np.ones((2, 3)))
    # The function keeps working after a failed call.
    np.testing.assert_array_equal(g(np.ones((2, 3)), np.ones((2, 3))), np.ones((2, 3)))


def test_output_broadcast_pattern_and_ndim_padding():
    assert (T.dscalar() + T.dmatrix()).broadcastable == (False, False)
    assert (T.dscalar() + T.drow()).broadcastable == (True, False)
    assert (T.dvector() + T.dtensor3()).ndim == 3
    out = T.drow() + T.dcol()
    assert out.owner.inputs[0].broadcastable == (True, False)


# -- DimShuffle -----------------------------------------------------------------------

def test_dimshuffle_values_and_types():
    t = T.dtensor3("t")
    data = np.arange(24.0).reshape(2, 3, 4)
    outs = fn([t], [t.dimshuffle(2, 0, 1), t.dimshuffle(0, "x", 1, 2), t.T,
                    t.transpose(1, 0, 2), t.dimshuffle((1, 2, 0))])(data)
    want = [data.transpose(2, 0, 1), data[:, None], data.T, data.transpose(1, 0, 2),
            data.transpose(1, 2, 0)]
    for o, w in zip(outs, want):
        np.testing.assert_array_equal(o, w)
    assert t.dimshuffle(0, "x", 1, 2).broadcastable == (False, True, False, False)
    r = T.drow("r")
    d = r.dimshuffle(1)
    assert d.broadcastable == (False,)
    np.testing.assert_array_equal(fn([r], d)(np.array([[1.0, 2.0]])), [1.0, 2.0])
    assert r.dimshuffle(1, "x", 0).broadcastable == (False, True, True)


def _first_line_names_this_file(exc_info):
    first = str(exc_info.value).splitlines()[0]
    assert f"{os.path.basename(__file__)}:" in first, first
    return first


def test_dimshuffle_dropping_a_non_broadcastable_axis_fails_at_once():
    m = T.dmatrix("m")
    with pytest.raises(ValueError) as info:
        m.dimshuffle(1)
    first = _first_line_names_this_file(info)
    assert "DimShuffle" in first and "TensorType(float64, matrix)" in first
    assert "axis 0" in first
    with pytest.raises(ValueError) as info:
        m.dimshuffle(0, 1, 2)
    _first_line_names_this_file(info)
    with pytest.raises(ValueError):
        m.dimshuffle(0, 0)


def test_elemwise_build_errors_name_line_op_and_types():
    with pytest.raises(TypeError) as info:
        T.floor(T.zvector("z"))
    first = _first_line_names_this_file(info)
    assert "floor" in first and "TensorType(complex128, vector)" in first
    with pytest.raises(TypeError) as info:
        theano.tensor.elemwise.Elemwise(theano.scalar.basic.sub)(T.dvector(), T.dvector(), T.dvector())
    _first_line_names_this_file(info)
    with pytest.raises(TypeError):
        T.dvector() + "text"


def test_elemwise_op_identity_and_str():
    x = T.dvector()
    assert (x + x).owner.op == (x + 1.0).owner.op
    assert (x + x).owner.op != (x * x).owner.op
    assert hash((x + x).owner.op) == hash(T.add(x, x).owner.op)
    assert str(T.exp(x).owner.op) == "Elemwise{exp,no_inplace}"


def test_no_numpy_warnings_leak_from_edge_values():
    x = T.dvector("x")
    f = fn([x], T.log(x) + T.sqrt(x) + 1 / x)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = f(np.array([0.0, -1.0]))
    assert np.isnan(out).all()  # -inf + 0 + inf, and the log of a negative number
