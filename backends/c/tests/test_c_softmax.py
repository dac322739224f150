"""Softmax and the fused softmax cross-entropy ops as the C backend's row loops, against the
NumPy reference: values, NaN and infinities, empty rows, index dtypes and the reference's
errors."""
from __future__ import annotations

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.backend.registry import registry
from theano.tensor.nnet.crossentropy import (CrossentropySoftmax1HotWithBiasDx,
                                             CrossentropySoftmaxArgmax1HotWithBias,
                                             crossentropy_softmax_1hot_with_bias_dx,
                                             crossentropy_softmax_argmax_1hot_with_bias)
from theano.tensor.nnet.softmax import LogSoftmax, Softmax, SoftmaxGrad, SoftmaxWithBias

pytestmark = pytest.mark.skipif("c" not in registry.records or not registry.records["c"].probe_cached().usable,
                                reason="the c backend is not installed or has no usable compiler")

TOL = {"float64": 1e-13, "float32": 1e-5}


def _pair(inputs, outputs):
    return (theano.function(inputs, outputs, device="c"), theano.function(inputs, outputs, device="numpy"))


def _runner(f, op_type):
    return {r for n, r in f.linked.runners.items() if isinstance(n.op, op_type)}


def _same(f, g, *args, dtype="float64"):
    for a, b in zip(f(*args), g(*args)):
        assert a.dtype == b.dtype and a.shape == b.shape
        if a.dtype.kind == "f":
            np.testing.assert_array_equal(np.isnan(a), np.isnan(b))
            np.testing.assert_allclose(a, b, rtol=TOL[dtype], atol=TOL[dtype])
        else:
            np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_softmax_rows(dtype):
    x, v = T.matrix("x", dtype=dtype), T.vector("v", dtype=dtype)
    f, g = _pair([x, v], [T.nnet.softmax(x), Softmax(0)(v)])
    assert _runner(f, Softmax) == {"c (softmax rows)"}
    r = np.random.RandomState(0)
    a = (r.randn(7, 13) * 30).astype(dtype)
    a[1, 3], a[2, :] = np.nan, -np.inf
    a[3, 5], a[4, 0] = np.inf, -np.inf
    _same(f, g, a, a[0], dtype=dtype)
    _same(f, g, a[:, ::2], a[::-1, 1], dtype=dtype)  # strided
    _same(f, g, np.zeros((3, 0), dtype), np.zeros(0, dtype), dtype=dtype)
    _same(f, g, np.zeros((0, 4), dtype), np.ones(1, dtype), dtype=dtype)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_log_softmax_its_gradient_and_the_bias_form(dtype):
    x, v = T.matrix("x", dtype=dtype), T.vector("v", dtype=dtype)
    dy, b = T.matrix("dy", dtype=dtype), T.vector("b", dtype=dtype)
    outs = [LogSoftmax(1)(x), LogSoftmax(0)(v), SoftmaxGrad(1)(dy, Softmax(1)(x)),
            SoftmaxWithBias()(x, b)]
    f, g = _pair([x, v, dy, b], outs)
    for op in (LogSoftmax, SoftmaxGrad, SoftmaxWithBias):
        assert _runner(f, op) == {"c (softmax rows)"}, op
    r = np.random.RandomState(3)
    a = (r.randn(6, 9) * 20).astype(dtype)
    a[1, 2], a[2, :], a[3, 4] = np.nan, -np.inf, np.inf
    d = r.randn(6, 9).astype(dtype)
    bias = r.randn(9).astype(dtype)
    _same(f, g, a, a[0], d, bias, dtype=dtype)
    _same(f, g, a.T.copy().T[:, ::-1], a[5, ::2], d[:, ::-1], bias[::-1], dtype=dtype)
    _same(f, g, np.zeros((2, 0), dtype), np.zeros(0, dtype), np.zeros((2, 0), dtype), np.zeros(0, dtype),
          dtype=dtype)
    with pytest.raises(ValueError, match="bias has 3 entries"):
        f(a, a[0], d, bias[:3])


@pytest.mark.parametrize("dtype", ["float64", "float32"])
@pytest.mark.parametrize("ydtype", ["int64", "int32", "int8"])
def test_fused_crossentropy_and_its_gradient(dtype, ydtype):
    x, b = T.matrix("x", dtype=dtype), T.vector("b", dtype=dtype)
    y, dy = T.vector("y", dtype=ydtype), T.vector("dy", dtype=dtype)
    nll, sm, am = crossentropy_softmax_argmax_1hot_with_bias(x, b, y)
    dx = crossentropy_softmax_1hot_with_bias_dx(dy, sm, y)
    f, g = _pair([x, b, y, dy], [nll, sm, am, dx])
    assert _runner(f, CrossentropySoftmaxArgmax1HotWithBias) == {"c (softmax rows)"}
    assert _runner(f, CrossentropySoftmax1HotWithBiasDx) == {"c (softmax rows)"}
    r = np.random.RandomState(1)
    a = (r.randn(9, 5) * 10).astype(dtype)
    a[2, 1] = np.nan
    a[3, :] = 7.0  # ties: the first index wins
    a[4, 2] = np.inf
    bias = r.randn(5).astype(dtype)
    yv = r.randint(0, 5, size=9).astype(ydtype)
    _same(f, g, a, bias, yv, r.randn(9).astype(dtype), dtype=dtype)
    _same(f, g, a[::2, ::-1], bias[::-1], yv[::2], r.randn(5).astype(dtype), dtype=dtype)
    _same(f, g, np.zeros((0, 5), dtype), bias, np.zeros(0, ydtype), np.zeros(0, dtype), dtype=dtype)


def test_errors_are_the_references():
    x, b, y = T.dmatrix("x"), T.dvector("b"), T.lvector("y")
    nll, sm, am = crossentropy_softmax_argmax_1hot_with_bias(x, b, y)
    f, g = _pair([x, b, y], nll)
    cases = [(np.ones((2, 3)), np.ones(3), np.array([0, 3])),      # index out of range
             (np.ones((2, 3)), np.ones(3), np.array([0, -1])),     # negative index
             (np.ones((2, 3)), np.ones(2), np.array([0, 1])),      # bias of the wrong length
             (np.ones((2, 3)), np.ones(3), np.array([0, 1, 2])),   # rows disagree
             (np.ones((2, 0)), np.ones(0), np.array([0, 0]))]      # no classes
    for args in cases:
        with pytest.raises(ValueError) as want:
            g(*args)
        with pytest.raises(ValueError) as got:
            f(*args)
        assert str(want.value).splitlines()[0].split(": ", 1)[-1] in str(got.value)


def test_mlp_step_matches_the_reference():
    r = np.random.RandomState(2)
    X = r.rand(16, 8).astype("float32")
    yv = r.randint(0, 4, size=16)

    def build(device):
        W = theano.shared((r.randn(8, 4) * 0.1).astype("float32") if device == "c" else Wv.copy(), "W")
        bb = theano.shared(np.zeros(4, "float32"), "b")
        x, t = T.fmatrix("x"), T.lvector("t")
        p = T.nnet.softmax(T.dot(x, W) + bb)
        loss = T.nnet.categorical_crossentropy(p, t).mean()
        gW, gb = theano.grad(loss, [W, bb])
        return theano.function([x, t], loss, updates=[(W, W - np.float32(0.5) * gW), (bb, bb - np.float32(0.5) * gb)],
                               device=device), W

    Wv = (r.randn(8, 4) * 0.1).astype("float32")
    fc, Wc = build("c")
    Wc.set_value(Wv.copy())
    fn, Wn = build("numpy")
    assert "c (softmax rows)" in set(fc.linked.runners.values())
    for _ in range(5):
        np.testing.assert_allclose(fc(X, yv), fn(X, yv), rtol=1e-5)
    np.testing.assert_allclose(Wc.get_value(), Wn.get_value(), rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_long_matrices_share_rows_among_threads(dtype):
    # 300 x 512 is past the rows' threading threshold; rows with NaN and infinities sit among
    # ordinary ones, and every row must come out as the reference computes it.
    x, dy = T.matrix("x", dtype=dtype), T.matrix("dy", dtype=dtype)
    b, y = T.vector("b", dtype=dtype), T.lvector("y")
    nll, sm, am = crossentropy_softmax_argmax_1hot_with_bias(x, b, y)
    outs = [Softmax()(x), LogSoftmax()(x), SoftmaxGrad()(dy, Softmax()(x)), nll, sm, am,
            crossentropy_softmax_1hot_with_bias_dx(nll, sm, y)]
    f, g = _pair([x, dy, b, y], outs)
    assert _runner(f, Softmax) == {"c (softmax rows)"}
    r = np.random.RandomState(4)
    xv = (r.randn(300, 512) * 4).astype(dtype)
    xv[7, 3], xv[100, :], xv[201, 9], xv[299, 0] = np.nan, -np.inf, np.inf, -np.inf
    args = (xv, r.randn(300, 512).astype(dtype), r.randn(512).astype(dtype), r.randint(0, 512, 300))
    _same(f, g, *args, dtype=dtype)
    first = f(*args)
    assert all(np.array_equal(a, c, equal_nan=True) for a, c in zip(first, f(*args)))  # reproducible
