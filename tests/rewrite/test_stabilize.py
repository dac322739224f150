import warnings

import numpy as np

import theano
import theano.tensor as T
from theano.tensor.logsumexp import LogSumExp
from helpers import assert_same, both, scalar_names

warnings.filterwarnings("ignore", category=RuntimeWarning)


def test_log1p_accurate_with_gradient():
    x = T.dvector("x")
    y = T.log(1 + x)
    f, g = both([x], [y, T.grad(y.sum(), x)])
    assert "log1p" in scalar_names(f) and "log" not in scalar_names(f)
    v = np.array([1e-20, 0.0, -0.5, 3.0, np.inf, np.nan, -1.0])
    val, grad = f(v)
    assert val[0] == 1e-20  # naive: log(1 + 1e-20) == 0
    assert g(v)[0][0] == 0.0
    np.testing.assert_allclose(val[1:], g(v)[0][1:], rtol=1e-15, equal_nan=True)
    assert np.isfinite(grad[0]) and abs(grad[0] - 1.0) < 1e-15


def test_log_one_minus_x():
    x = T.dvector("x")
    f, g = both([x], T.log(1 - x))
    assert "log1p" in scalar_names(f)
    assert f(np.array([1e-20]))[0] == -1e-20
    assert_same(f, g, np.array([0.5, -2.0, 1.0, 2.0, np.nan]), rtol=1e-15)


def test_integer_sum_not_log1p():
    i = T.bvector("i")  # 1 + i may wrap around in int8
    f, g = both([i], T.log(1 + i))
    assert "log1p" not in scalar_names(f)
    assert_same(f, g, np.array([127, 0, 3], dtype="int8"))


def test_expm1():
    x = T.dvector("x")
    f, g = both([x], T.exp(x) - 1)
    assert "expm1" in scalar_names(f)
    assert f(np.array([1e-20]))[0] == 1e-20
    assert_same(f, g, np.array([0.0, 1.0, -3.0, np.inf, -np.inf, np.nan]), rtol=1e-15)


def test_log_sigmoid():
    x = T.dvector("x")
    f, g = both([x], [T.log(T.nnet.sigmoid(x)), T.log(1 - T.nnet.sigmoid(x))])
    names = scalar_names(f)
    assert "softplus" in names and "sigmoid" not in names
    a, b = f(np.array([-1000.0, 1000.0, 0.0, 2.0]))
    np.testing.assert_allclose(a, [-1000.0, 0.0, -np.log(2), np.log(1 / (1 + np.exp(-2.0)))])
    np.testing.assert_allclose(b, [0.0, -1000.0, -np.log(2), np.log(1 - 1 / (1 + np.exp(-2.0)))])
    v = np.array([-3.0, 0.0, 5.0, np.nan, np.inf, -np.inf])
    assert_same(f, g, v, rtol=1e-12, atol=1e-300)


def test_log_sum_exp_of_thousands_with_gradient():
    x = T.dmatrix("x")
    y = T.log(T.sum(T.exp(x), axis=1))
    gy = T.grad(y.sum(), x)
    f, g = both([x], [y, gy])
    assert any(isinstance(n.op, LogSumExp) for n in f.maker.fgraph.toposort())
    v = np.array([[1000.0, 1000.0], [1000.0, 999.0]])
    val, grad = f(v)
    np.testing.assert_allclose(val, [1000 + np.log(2), 1000 + np.log(1 + np.exp(-1))], rtol=1e-15)
    assert np.all(np.isfinite(grad))
    np.testing.assert_allclose(grad, [[0.5, 0.5], [1 / (1 + np.exp(-1)), 1 / (1 + np.exp(1))]],
                               rtol=1e-12)
    small = np.array([[0.1, -2.0, 3.0], [-np.inf, -np.inf, -np.inf], [np.nan, 0.0, 1.0]])
    a, b = f(small)[0], g(small)[0]
    np.testing.assert_allclose(a, b, rtol=1e-14, equal_nan=True)
    np.testing.assert_allclose(f(np.zeros((2, 0)))[0], g(np.zeros((2, 0)))[0])


def test_log_sum_exp_float32():
    x = T.fvector("x")
    f, g = both([x], T.log(T.sum(T.exp(x))))
    out = f(np.array([100.0, 100.0], dtype="float32"))
    assert out.dtype == np.float32 and np.isclose(out, 100 + np.log(2))
    assert_same(f, g, np.array([0.5, -1.0], dtype="float32"), rtol=1e-6)


def test_log_softmax_and_crossentropy_on_logits_of_1000():
    import importlib

    sm_mod = importlib.import_module("theano.tensor.nnet.softmax")
    ce_mod = importlib.import_module("theano.tensor.nnet.crossentropy")

    x = T.dmatrix("x")
    y = T.lvector("y")
    ls = T.log(sm_mod.softmax(x))
    ce = ce_mod.categorical_crossentropy(sm_mod.softmax(x), y)
    gx = T.grad(ce.sum(), x)
    f, g = both([x, y], [ls, ce, gx])
    names = scalar_names(f)
    assert "LogSoftmax" in names and "CrossentropyCategorical1Hot" not in names
    v = np.array([[1000.0, 0.0, -1000.0], [0.5, 0.25, 0.0]])
    idx = np.array([2, 1])
    a, b, c = f(v, idx)
    assert np.all(np.isfinite(a)) and np.all(np.isfinite(b)) and np.all(np.isfinite(c))
    np.testing.assert_allclose(b[0], 2000.0)
    np.testing.assert_allclose(c[0], [1.0, 0.0, -1.0], atol=1e-12)
    r = g(v, idx)
    np.testing.assert_allclose(b[1], r[1][1], rtol=1e-12)
    np.testing.assert_allclose(c[1], r[2][1], rtol=1e-12)
    np.testing.assert_allclose(a[1], r[0][1], rtol=1e-12)
