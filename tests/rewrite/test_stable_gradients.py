"""The stabilization rewrites apply to the graphs theano.grad builds: gradients of the
textbook forms are finite and accurate at extreme inputs (Theano 1.0's FAST_RUN rules:
the mul canonizer, the sigmoid rules of nnet/sigm.py, log-softmax and cross-entropy)."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import warnings

import numpy as np

import theano
import theano.tensor as T
from theano.tensor.rewriting.products import same
from helpers import assert_same, both, scalar_names

warnings.filterwarnings("ignore", category=RuntimeWarning)

BIG = np.array([-1000.0, -800.0, -30.0, 0.0, 30.0, 800.0, 1000.0])


def sig(v):
    return 1 / (1 + np.exp(-v))


def grad_of(expr, x):
    return T.grad(expr.sum(), x)


def test_grad_log_sigmoid_at_minus_800_is_1():
    x = T.dvector("x")
    y = T.log(T.nnet.sigmoid(x))
    f = theano.function([x], [y, grad_of(y, x)])
    val, g = f(BIG)
    np.testing.assert_allclose(val, -np.logaddexp(0, -BIG), rtol=1e-15)
    np.testing.assert_allclose(g, sig(-BIG), rtol=1e-15)
    assert g[1] == 1.0
    assert "true_div" not in scalar_names(f)  # the canonizer cancelled sigmoid(x) / sigmoid(x)


def test_grad_log_one_minus_sigmoid():
    x = T.dvector("x")
    y = T.log(1 - T.nnet.sigmoid(x))
    val, g = theano.function([x], [y, grad_of(y, x)])(BIG)
    np.testing.assert_allclose(val, -np.logaddexp(0, BIG), rtol=1e-15)
    np.testing.assert_allclose(g, -sig(BIG), rtol=1e-15)


def test_inv_1_plus_exp_is_sigmoid_forward_and_backward():
    x = T.dvector("x")
    for y, want in ((1 / (1 + T.exp(-x)), sig(BIG)), (T.exp(x) / (1 + T.exp(x)), sig(BIG)),
                    (2 / (1 + T.exp(x)), 2 * sig(-BIG))):
        f = theano.function([x], [y, grad_of(y, x)])
        names = scalar_names(f)
        assert "sigmoid" in names and "exp" not in names, names
        val, g = f(BIG)
        np.testing.assert_allclose(val, want, rtol=1e-15)
        assert np.all(np.isfinite(g))


def test_sigmoid_times_exp_and_its_gradient():
    x = T.dvector("x")
    y = T.nnet.sigmoid(x) * T.exp(-x)
    f = theano.function([x], [y, grad_of(y, x)])
    assert "exp" not in scalar_names(f)
    val, g = f(BIG)
    np.testing.assert_allclose(val, sig(-BIG), rtol=1e-15)
    # d sigmoid(-x) = -sigmoid(x) sigmoid(-x): P*sigmoid(z) - P became -P*sigmoid(-z), so
    # no digit is lost at x = -30 (the plain difference keeps 3 of them).
    np.testing.assert_allclose(g, -sig(BIG) * sig(-BIG), rtol=1e-14)


def test_one_minus_sigmoid_keeps_its_digits():
    x = T.dvector("x")
    f, g = both([x], 1 - T.nnet.sigmoid(x))
    assert "sub" not in scalar_names(f)
    np.testing.assert_allclose(f(BIG), sig(-BIG), rtol=1e-15)
    assert_same(f, g, np.array([-3.0, 0.0, 2.0, np.nan, np.inf, -np.inf]), rtol=1e-14)


def test_canonizer_cancels_common_factors():
    x, y = T.dvectors("x", "y")
    f = theano.function([x, y], x * y / y)
    assert "true_div" not in scalar_names(f) and "mul" not in scalar_names(f)
    np.testing.assert_array_equal(f(np.array([1.0, 2.0]), np.array([3.0, 0.0])), [1.0, 2.0])
    # The shape of the cancelled factor is kept.
    s = T.dscalar("s")
    m = T.dmatrix("m")
    h = theano.function([s, m], s * m / m)
    assert h(2.0, np.ones((2, 3))).shape == (2, 3)
    np.testing.assert_array_equal(h(2.0, np.ones((2, 3))), np.full((2, 3), 2.0))


def test_canonizer_leaves_integers_and_plain_products():
    i, j = T.lvectors("i", "j")
    f, g = both([i, j], i * j // j)
    assert_same(f, g, np.array([3, 4]), np.array([2, 5]))
    x, y = T.dvectors("x", "y")
    f, g = both([x, y], x * y / (x + y))
    assert_same(f, g, np.array([1.0, 2.0, np.inf]), np.array([3.0, -2.0, 1.0]))


def test_logistic_regression_gradient_as_written():
    x = T.dvector("x")
    t = T.dvector("t")
    p = 1 / (1 + T.exp(-x))
    xent = -t * T.log(p) - (1 - t) * T.log(1 - p)
    f = theano.function([x, t], [xent, T.grad(xent.sum(), x)])
    tv = np.array([1.0, 0.0, 1.0, 0.0, 1.0, 0.0, 1.0])
    val, g = f(BIG, tv)
    want = tv * np.logaddexp(0, -BIG) + (1 - tv) * np.logaddexp(0, BIG)
    np.testing.assert_allclose(val, want, rtol=1e-14)
    # sigmoid(x) - t, written without the rounding of 1 - sigmoid(x)
    np.testing.assert_allclose(g, np.where(tv == 1, -sig(-BIG), sig(BIG)), rtol=1e-14, atol=1e-300)


def test_binary_crossentropy_gradient():
    x = T.dvector("x")
    y = T.nnet.binary_crossentropy(T.nnet.sigmoid(x), 0.3)
    g = theano.function([x], grad_of(y, x))(BIG)
    np.testing.assert_allclose(g, sig(BIG) - 0.3, rtol=1e-13)


def test_log1p_exp_and_log1p_neg_sigmoid_are_softplus():
    x = T.dvector("x")
    f = theano.function([x], [T.log(1 + T.exp(x)), T.log1p(-T.nnet.sigmoid(x)),
                              grad_of(T.log1p(-T.nnet.sigmoid(x)), x)])
    a, b, g = f(BIG)
    np.testing.assert_allclose(a, np.logaddexp(0, BIG), rtol=1e-15)
    np.testing.assert_allclose(b, -np.logaddexp(0, BIG), rtol=1e-15)
    np.testing.assert_allclose(g, -sig(BIG), rtol=1e-15)


def test_log_one_minus_exp():
    x = T.dvector("x")
    y = T.log(1 - T.exp(x))
    f, ref = both([x], [y, grad_of(y, x)])
    v = np.array([-1e-300, -1e-5, -0.5, -1.0, -30.0, -1000.0])
    val, g = f(v)
    np.testing.assert_allclose(val, np.where(v < -0.7, np.log1p(-np.exp(v)), np.log(-np.expm1(v))),
                               rtol=1e-15)
    np.testing.assert_allclose(g, np.exp(v) / np.expm1(v), rtol=1e-14)
    assert_same(f, ref, np.array([-2.0, -0.1, 0.0, 1.0, np.nan, -np.inf]), rtol=1e-14)


def test_log_add_exp_and_gradient():
    x = T.dvector("x")
    y = T.log(T.exp(x) + T.exp(-x))
    f = theano.function([x], [y, grad_of(y, x)])
    v = np.append(BIG, [1e-5, np.inf])
    val, g = f(v)
    np.testing.assert_allclose(val, np.logaddexp(v, -v), rtol=1e-15)
    np.testing.assert_allclose(g, np.tanh(v), rtol=1e-15)
    a, b = T.dvectors("a", "b")
    h = theano.function([a, b], T.grad(T.log(T.exp(a) + T.exp(b)).sum(), [a, b]))
    ga, gb = h(np.array([3.0, 1000.0]), np.array([3.0, -1000.0]))
    np.testing.assert_allclose(ga, [0.5, 1.0])
    np.testing.assert_allclose(gb, [0.5, 0.0])


def _rows():
    return np.array([[1000.0, -1000.0, 0.5], [-800.0, 800.0, 0.0], [0.1, 0.2, 0.3]])


def test_log_softmax_gradient_at_1000():
    x = T.dmatrix("x")
    w = np.array([1.0, -2.0, 3.0])
    y = T.log(T.nnet.softmax(x)) * w
    f = theano.function([x], [y, T.grad(y.sum(), x)])
    val, g = f(_rows())
    z = _rows() - _rows().max(axis=1, keepdims=True)
    ls = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(val, ls * w, rtol=1e-14)
    np.testing.assert_allclose(g, w - w.sum() * np.exp(ls), rtol=1e-13)


def test_crossentropy_gradients_at_1000():
    x = T.dmatrix("x")
    y = T.lvector("y")
    onehot = T.dmatrix("t")
    b = T.dvector("b")
    nll = -T.mean(T.log(T.nnet.softmax(x))[T.arange(y.shape[0]), y])
    costs = [T.nnet.categorical_crossentropy(T.nnet.softmax(x), y).mean(),
             T.nnet.categorical_crossentropy(T.nnet.softmax(x + b), y).mean(),
             T.nnet.categorical_crossentropy(T.nnet.softmax(x), onehot).mean(), nll]
    f = theano.function([x, y, onehot, b], [T.grad(c, x) for c in costs], on_unused_input="ignore")
    yv = np.array([1, 0, 2])
    sm = np.exp(_rows() - _rows().max(axis=1, keepdims=True))
    sm /= sm.sum(axis=1, keepdims=True)
    want = (sm - np.eye(3)[yv]) / 3
    for g in f(_rows(), yv, np.eye(3)[yv], np.zeros(3)):
        assert np.all(np.isfinite(g))
        np.testing.assert_allclose(g, want, rtol=1e-12, atol=1e-300)


def test_stable_ops_own_gradients():
    x = T.dvector("x")
    m = T.dmatrix("m")
    f = theano.function([x], [grad_of(T.nnet.sigmoid(x), x), grad_of(T.nnet.softplus(x), x)])
    gs, gp = f(BIG)
    np.testing.assert_allclose(gs, sig(BIG) * sig(-BIG), rtol=1e-14)
    np.testing.assert_allclose(gp, sig(BIG), rtol=1e-15)
    g = theano.function([m], T.grad((T.nnet.logsoftmax(m) * np.array([1.0, 2.0, 3.0])).sum(), m))
    assert np.all(np.isfinite(g(_rows())))


def test_canonizer_distributes_only_when_every_term_cancels():
    a, b, c = T.dvectors("a", "b", "c")
    # (a/c + b/c) * c: both terms lose c -> a + b
    f = theano.function([a, b, c], (a / c + b / c) * c)
    assert "true_div" not in scalar_names(f)
    np.testing.assert_allclose(f(np.array([1.0]), np.array([2.0]), np.array([0.0])), [3.0])
    # (a/c + b) * c: the second term gains nothing, the product stays as written
    f, g = both([a, b, c], (a / c + b) * c)
    assert "true_div" in scalar_names(f)
    assert_same(f, g, np.array([1.0, 2.0]), np.array([3.0, 4.0]), np.array([0.5, 0.0]))


def test_same_compares_structure():
    x = T.dvector("x")
    assert same(T.nnet.sigmoid(x + 1), T.nnet.sigmoid(x + 1))
    assert not same(T.nnet.sigmoid(x + 1), T.nnet.sigmoid(x + 2))
    assert not same(T.exp(x), T.log(x))
    # a deep chain of shared subexpressions is compared in linear time
    u, v = x, x
    for _ in range(60):
        u = u * u + u
        v = v * v + v
    assert same(u, v, depth=200)


def test_softmax_with_bias_crossentropy_fuses_the_bias():
    x = T.dmatrix("x")
    y = T.lvector("y")
    b = T.dvector("b")
    c = T.nnet.categorical_crossentropy(T.nnet.softmax(x + b), y)
    f = theano.function([x, b, y], [c, T.grad(c.sum(), b)])
    fused = [n for n in f.maker.fgraph.toposort()
             if type(n.op).__name__ == "CrossentropySoftmaxArgmax1HotWithBias"]
    assert len(fused) == 1 and fused[0].inputs[1] is f.maker.fgraph.inputs[1]
    nll, gb = f(_rows(), np.array([0.5, -0.5, 2.0]), np.array([1, 2, 0]))
    z = _rows() + np.array([0.5, -0.5, 2.0])
    z -= z.max(axis=1, keepdims=True)
    ls = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    np.testing.assert_allclose(nll, -ls[[0, 1, 2], [1, 2, 0]], rtol=1e-13)
    np.testing.assert_allclose(gb, (np.exp(ls) - np.eye(3)[[1, 2, 0]]).sum(axis=0), rtol=1e-12,
                               atol=1e-15)
