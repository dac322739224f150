"""Reductions: sum, prod, mean, var, std, max, min, argmax, argmin, all, any with every kind
of axis and keepdims, their dtypes (Theano's accumulators), empty inputs and errors."""
import os

import numpy as np
import pytest

import theano
from theano import tensor as T

RNG = np.random.RandomState(42)
DATA = RNG.randn(2, 3, 4)
AXES = [None, 0, 1, 2, -1, -3, (0, 2), [1, -1], (0, 1, 2), ()]


def fn(inputs, outputs):
    return theano.function(inputs, outputs, on_unused_input="ignore")


def np_axis(axis):
    return tuple(axis) if isinstance(axis, list) else axis


@pytest.mark.parametrize("name", ["sum", "prod", "mean", "var", "std", "max", "min", "all", "any"])
@pytest.mark.parametrize("keepdims", [False, True])
def test_reduction_values_against_numpy(name, keepdims):
    t = T.dtensor3("t")
    data = DATA if name not in ("all", "any") else np.where(DATA > 0.5, DATA, 0.0)
    outs = [getattr(T, name)(t, axis=axis, keepdims=keepdims) for axis in AXES]
    got = fn([t], outs)(data)
    for axis, g, o in zip(AXES, got, outs):
        want = getattr(np, name)(data, axis=np_axis(axis), keepdims=keepdims)
        assert g.shape == np.shape(want), (axis, g.shape)
        assert g.dtype == np.asarray(want).dtype, (axis, g.dtype)
        assert o.ndim == g.ndim
        np.testing.assert_allclose(g, want, rtol=1e-12)
    # The method spelling computes the same thing.
    method = getattr(t, name)(axis=1, keepdims=keepdims)
    np.testing.assert_allclose(fn([t], method)(data),
                               getattr(np, name)(data, axis=1, keepdims=keepdims))


@pytest.mark.parametrize("name", ["argmax", "argmin"])
def test_argmax_argmin(name):
    t = T.dtensor3("t")
    data = np.round(DATA, 1)
    data[0, 0, :2] = data[0, 0, 2]  # ties: the first index wins, as in NumPy
    for axis in (None, 0, 1, 2, -1):
        for keepdims in (False, True):
            out = getattr(T, name)(t, axis=axis, keepdims=keepdims)
            assert out.dtype == "int64"
            got = fn([t], out)(data)
            want = getattr(np, name)(data, axis=axis, keepdims=keepdims)
            assert got.shape == np.shape(want)
            np.testing.assert_array_equal(got, want)
    # Several axes: the index into those axes flattened (Theano's behaviour).
    got = fn([t], getattr(T, name)(t, axis=(1, 2)))(data)
    want = getattr(np, name)(data.reshape(2, 12), axis=1)
    np.testing.assert_array_equal(got, want)


def test_argmin_of_extreme_integers():
    # -x of int8 -128 overflows back to -128; the argmin must still find it.
    b = T.bvector("b")
    data = np.array([5, -128, 127, -127], dtype="int8")
    assert fn([b], T.argmin(b))(data) == 1
    assert fn([b], T.argmax(b))(data) == 2
    u = T.vector("u", dtype="uint8")
    assert fn([u], T.argmin(u))(np.array([3, 0, 255], "uint8")) == 1
    flags = T.vector("f", dtype="bool")
    assert fn([flags], T.argmin(flags))(np.array([True, False, True])) == 1


def test_max_and_argmax():
    m = T.dmatrix("m")
    mx, am = T.max_and_argmax(m, axis=1)
    a, b = fn([m], [mx, am])(DATA[0])
    np.testing.assert_array_equal(a, DATA[0].max(axis=1))
    np.testing.assert_array_equal(b, DATA[0].argmax(axis=1))


def test_nan_propagates_through_max_and_sum():
    v = T.dvector("v")
    data = np.array([1.0, np.nan, 3.0])
    s, mx, mn, am = fn([v], [v.sum(), v.max(), v.min(), v.argmax()])(data)
    assert np.isnan(s) and np.isnan(mx) and np.isnan(mn)
    assert am == np.argmax(data)


@pytest.mark.parametrize("dtype,sum_dtype,mean_dtype", [
    ("bool", "int64", "float64"), ("int8", "int64", "float64"), ("int32", "int64", "float64"),
    ("uint8", "uint64", "float64"), ("uint32", "uint64", "float64"), ("int64", "int64", "float64"),
    ("float16", "float16", "float16"), ("float32", "float32", "float32"),
    ("float64", "float64", "float64"), ("complex64", "complex64", "complex64"),
])
def test_reduction_dtypes(dtype, sum_dtype, mean_dtype):
    x = T.matrix("x", dtype=dtype)
    assert T.sum(x).dtype == sum_dtype
    assert T.prod(x, axis=0).dtype == sum_dtype
    assert T.mean(x).dtype == mean_dtype
    assert T.max(x).dtype == dtype
    assert T.min(x, axis=1).dtype == dtype
    assert T.all(x).dtype == T.any(x).dtype == "bool"
    if dtype not in ("bool",) and not dtype.startswith("complex"):
        assert T.argmax(x).dtype == "int64"


def test_var_std_dtypes():
    assert T.var(T.fmatrix()).dtype == "float32"
    assert T.std(T.fmatrix(), axis=0).dtype == "float32"
    assert T.var(T.imatrix()).dtype == "float64"
    assert T.var(T.zmatrix()).dtype == "float64"  # the variance of complex data is real
    z = T.zvector("z")
    data = np.array([1 + 1j, 2 - 1j, -1j])
    np.testing.assert_allclose(fn([z], T.var(z))(data), np.var(data))


def test_float32_sum_accumulates_in_float64():
    v = T.fvector("v")
    out = T.sum(v)
    assert out.dtype == "float32"
    assert out.owner.op.acc_dtype == "float64"
    data = np.full(2 ** 20 + 1, 0.1, dtype="float32")
    data[0] = 1e7
    got = fn([v], out)(data)
    assert got.dtype == np.float32
    exact = np.float32(np.sum(data.astype("float64")))
    assert got == exact
    # A sequential float32 accumulator drifts far away, so the check can tell them apart.
    naive = np.cumsum(data, dtype="float32")[-1]
    assert abs(float(naive) - float(exact)) > 1e3
    m = fn([v], T.mean(v))(data)
    assert m.dtype == np.float32
    np.testing.assert_allclose(m, np.mean(data.astype("float64")), rtol=1e-6)


def test_integer_sums_do_not_overflow_small_dtypes():
    b = T.bvector("b")
    data = np.full(100, 100, dtype="int8")
    got = fn([b], T.sum(b))(data)
    assert got.dtype == np.int64 and got == 10000
    assert fn([b], T.prod(b[:3]))(data) == 10 ** 6
    np.testing.assert_allclose(fn([b], T.mean(b))(data), 100.0)


def test_dtype_and_acc_dtype_arguments():
    i, f = T.ivector("i"), T.fvector("f")
    assert T.sum(i, dtype="int8").dtype == "int8"
    assert T.sum(f, dtype="float64").dtype == "float64"
    assert T.sum(i, dtype="float32").dtype == "float32"
    assert T.prod(f, dtype="float64").dtype == "float64"
    assert T.mean(f, dtype="float64").dtype == "float64"
    assert T.mean(i, dtype="float32").dtype == "float32"
    assert i.sum(dtype="int16").dtype == "int16"
    assert T.sum(f, acc_dtype="float32").owner.op.acc_dtype == "float32"
    with pytest.raises(TypeError, match="acc_dtype"):
        T.sum(f, acc_dtype="int8")
    with pytest.raises(TypeError, match="acc_dtype"):
        T.sum(T.dvector(), acc_dtype="float32")
    got = fn([i], T.sum(i, dtype="int8"))(np.array([100, 100], "int32"))
    assert got.dtype == np.int8
    got = fn([f], T.sum(f, dtype="float64"))(np.array([0.1, 0.2], "float32"))
    assert got.dtype == np.float64
    np.testing.assert_allclose(got, np.float64(np.float32(0.1)) + np.float64(np.float32(0.2)))


def test_ddof():
    m = T.dmatrix("m")
    v1, s1 = fn([m], [T.var(m, axis=0, ddof=1), m.std(ddof=1)])(DATA[0])
    np.testing.assert_allclose(v1, np.var(DATA[0], axis=0, ddof=1))
    np.testing.assert_allclose(s1, np.std(DATA[0], ddof=1))


def test_empty_inputs():
    m = T.dmatrix("m")
    empty = np.zeros((0, 3))
    s, p, s0, s1, a, n = fn([m], [T.sum(m), T.prod(m), T.sum(m, axis=0), T.sum(m, axis=1),
                                  T.all(m), T.any(m)])(empty)
    assert s == 0 and p == 1 and s0.tolist() == [0, 0, 0] and s1.shape == (0,)
    assert a and not n
    # Reducing only non-empty axes of an empty array gives an empty result.
    for op in (T.max, T.min, T.argmax, T.argmin):
        assert fn([m], op(m, axis=1))(empty).shape == (0,)
        assert fn([m], op(m, axis=0))(np.zeros((3, 0))).shape == (0,)
    mean = fn([m], T.mean(m))
    with np.errstate(invalid="ignore"):
        assert np.isnan(mean(empty))
    # Max over nothing has no value: an error that names the shape.
    for op in (T.max, T.min, T.argmax, T.argmin):
        f = fn([m], op(m))
        with pytest.raises(ValueError, match=r"\(0, 3\)"):
            f(empty)
        with pytest.raises(ValueError):
            fn([m], op(m, axis=0))(empty)


def test_reduction_of_broadcastable_axes_keeps_patterns():
    r = T.drow("r")
    assert T.sum(r, axis=1).broadcastable == (True,)
    assert T.sum(r, axis=0).broadcastable == (False,)
    assert T.sum(r, axis=1, keepdims=True).broadcastable == (True, True)
    assert T.max(T.dtensor3(), axis=1, keepdims=True).broadcastable == (False, True, False)


def test_symbolic_constant_axis():
    m = T.dmatrix("m")
    got = fn([m], T.sum(m, axis=T.constant(1)))(DATA[0])
    np.testing.assert_allclose(got, DATA[0].sum(axis=1))


def test_bad_axis_errors_name_line_and_types():
    m = T.dmatrix("m")
    for call in (lambda: T.sum(m, axis=2), lambda: T.max(m, axis=-3), lambda: m.mean(axis=5),
                 lambda: T.argmax(m, axis=2), lambda: T.all(m, axis=(0, 0))):
        with pytest.raises(ValueError) as info:
            call()
        first = str(info.value).splitlines()[0]
        assert f"{os.path.basename(__file__)}:" in first, first
        assert "TensorType(float64, matrix)" in first


def test_sum_of_scalar_and_mean_of_scalar():
    s = T.dscalar("s")
    assert fn([s], [T.sum(s), T.mean(s), T.max(s)])(3.5) == [3.5, 3.5, 3.5]
