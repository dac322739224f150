"""Elementwise kernels on the OpenCL device against NumPy: contiguous, strided, broadcast,
negative strides, transposes, NaN and infinities, integers; each test builds one function
(one program) to keep PoCL's compile time down."""
from __future__ import annotations

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.kernel.ir import elemwise_kernel
from theano_opencl.dialect import OpenCLRenderer

DEV = "opencl"


def _fused(x, y):
    return T.exp(-x ** 2) * T.sin(y) + 0.5 * T.tanh(x * y)


def _np_fused(x, y):
    return np.exp(-x ** 2) * np.sin(y) + 0.5 * np.tanh(x * y)


def test_fused_kernel_runs_on_the_device_and_matches_numpy():
    x, y = T.dmatrix("x"), T.dmatrix("y")
    f = theano.function([x, y], _fused(x, y), device=DEV)
    assert set(f.linked.runners.values()) == {"opencl kernel"}, f.linked.runners
    rng = np.random.RandomState(0)
    a, b = rng.randn(30, 40), rng.randn(30, 40)
    np.testing.assert_allclose(f(a, b), _np_fused(a, b), rtol=1e-13, atol=1e-15)
    # host views are uploaded contiguous: results are the same
    np.testing.assert_allclose(f(a[::-1, ::2], b[:, :20]), _np_fused(a[::-1, ::2], b[:, :20]),
                               rtol=1e-13, atol=1e-15)
    assert f(np.zeros((0, 3)), np.zeros((0, 3))).shape == (0, 3)


def test_device_views_take_the_strided_path():
    """Views made on the device (negative steps, transposes, offsets) feed kernels directly."""
    x, y = T.dmatrix("x"), T.dmatrix("y")
    outs = [_fused(x[:0:-1, ::2], y[1:, :3]),      # negative strides and an offset
            x.T * 2 + y.T,                        # transposes
            x[2] + y[:6, 1],                       # a row and a column as vectors
            T.exp(x[1:-1:3, ::-3])]
    f = theano.function([x, y], outs, device=DEV)
    assert all(r in ("opencl kernel", "opencl (view/shape)") for r in f.linked.runners.values())
    rng = np.random.RandomState(1)
    a, b = rng.randn(7, 6), rng.randn(7, 6)
    want = [_np_fused(a[:0:-1, ::2], b[1:, :3]), a.T * 2 + b.T, a[2] + b[:6, 1], np.exp(a[1:-1:3, ::-3])]
    for got, w in zip(f(a, b), want):
        np.testing.assert_allclose(got, w, rtol=1e-13, atol=1e-15)


def test_broadcast_patterns_nan_inf_and_the_broadcast_rule():
    r, c = T.drow("r"), T.dcol("c")
    x = T.dmatrix("x")
    f = theano.function([r, c, x], [T.maximum(r, c) / c, T.minimum(x, r), T.isnan(x), T.isinf(x)],
                        device=DEV)
    rv = np.array([[np.nan, 1.0, -np.inf, 2.0]])
    cv = np.array([[0.0], [1.0], [-2.0]])
    xv = np.array([[np.inf, np.nan, 0.0, -0.0]] * 3)
    with np.errstate(all="ignore"):
        want = [np.maximum(rv, cv) / cv, np.minimum(xv, rv), np.isnan(xv), np.isinf(xv)]
    for got, w in zip(f(rv, cv, xv), want):
        assert got.dtype == w.dtype
        np.testing.assert_array_equal(got, w)
    # a length-1 axis that is not broadcastable does not broadcast (Theano's rule)
    y = T.dmatrix("y")
    h = theano.function([x, y], x + y, device=DEV)
    with pytest.raises(ValueError, match="dimension mismatch|broadcast"):
        h(np.ones((2, 3)), np.ones((1, 3)))
    np.testing.assert_array_equal(h(np.ones((2, 3)), np.ones((2, 3))), 2 * np.ones((2, 3)))


def test_integers_bools_and_casts_follow_numpy():
    i, j = T.ivector("i"), T.ivector("j")
    b = T.bvector("b")
    f = theano.function([i, j, b], [i // j, i % j, T.cast(i, "float32") / 3, (i > j) & (b > 0),
                                    abs(i), T.cast(i, "int8"), b * i], device=DEV)
    iv = np.array([7, -7, 7, -7, 0, 2 ** 31 - 1, -2 ** 31], dtype="int32")
    jv = np.array([2, 2, -2, -2, 3, 5, -1], dtype="int32")
    bv = np.array([1, 0, -1, 5, 0, 1, 1], dtype="int8")
    with np.errstate(all="ignore"):
        want = [iv // jv, iv % jv, iv.astype("float32") / np.float32(3), (iv > jv) & (bv > 0),
                np.abs(iv), iv.astype("int8"), bv * iv]
    for got, w in zip(f(iv, jv, bv), want):
        assert got.dtype == w.dtype, (got.dtype, w.dtype)
        np.testing.assert_array_equal(got, w)


def test_float32_kernels_keep_float32():
    x = T.fvector("x")
    f = theano.function([x], [T.tanh(x) * 2 + 1, T.nnet.sigmoid(x), x ** 2], device=DEV)
    v = np.linspace(-30, 30, 100_003).astype("float32")
    got = f(v)
    assert all(g.dtype == np.float32 for g in got)
    np.testing.assert_allclose(got[0], np.tanh(v) * 2 + 1, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(got[1], 1 / (1 + np.exp(-v.astype("float64"))), rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(got[2], v ** 2, rtol=1e-6)


def test_the_dialect_renders_opencl_c():
    x, y = T.fvector("x"), T.dvector("y")
    r = OpenCLRenderer()
    k32 = elemwise_kernel(T.exp(x).owner)
    src32 = r.render(k32, "k")
    assert src32.lstrip().startswith("__kernel void k(")
    assert "__global const char* in0" in src32 and "get_global_id(0)" in src32
    assert "get_global_size(0)" in src32 and "exp(" in src32 and "expf" not in src32
    assert "cl_khr_fp64" not in src32 and "double" not in src32  # float32 needs no fp64
    src64 = r.render(elemwise_kernel(T.exp(y).owner), "k")
    assert src64.startswith("#pragma OPENCL EXTENSION cl_khr_fp64 : enable")
    assert "in0 += in0_offset;" in src64
