"""theano.tensor.nnet: values against NumPy, stability, gradients, shapes, dtypes, errors."""
import numpy as np
import pytest
import scipy.special as sp

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.tensor import nnet
from theano.tensor.nnet import (CrossentropyCategorical1Hot, CrossentropySoftmax1HotWithBiasDx,
                                CrossentropySoftmaxArgmax1HotWithBias, LogSoftmax, Softmax,
                                SoftmaxGrad, SoftmaxWithBias)
from theano.tensor.shape import shape_i

rng = np.random.RandomState(1234)


def np_softmax(x, axis=-1):
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def np_logsoftmax(x, axis=-1):
    m = x.max(axis=axis, keepdims=True)
    return x - m - np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def run(inputs, outputs, *values):
    return theano.function(inputs, outputs)(*values)


def check_infer_shape(outputs, inputs, values):
    """The shapes infer_shape gives for the op that made outputs[0] equal the computed ones."""
    outputs = outputs if isinstance(outputs, (list, tuple)) else [outputs]
    node = outputs[0].owner
    in_shapes = [[shape_i(i, k) for k in range(i.type.ndim)] for i in node.inputs]
    inferred = node.op.infer_shape(node, in_shapes)
    assert len(inferred) == len(node.outputs)
    flat = [T.as_tensor_variable(s) for shp in inferred for s in shp]
    actual = theano.function(inputs, list(node.outputs), on_unused_input="ignore")(*values)
    got = theano.function(inputs, flat, on_unused_input="ignore")(*values) if flat else []
    k = 0
    for shp, val in zip(inferred, actual):
        assert tuple(int(v) for v in got[k:k + len(shp)]) == np.shape(val)
        k += len(shp)


# -- sigmoid family ---------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_softplus_values_and_dtype(dtype):
    x = T.vector(dtype=dtype)
    v = np.array([-1000, -30, -1, 0, 1, 30, 1000], dtype=dtype)
    s, p = run([x], [nnet.sigmoid(x), nnet.softplus(x)], v)
    assert s.dtype == dtype and p.dtype == dtype
    np.testing.assert_allclose(s, sp.expit(v.astype("float64")), rtol=1e-6)
    np.testing.assert_allclose(p, np.logaddexp(0, v.astype("float64")), rtol=1e-6)
    assert np.all(np.isfinite(p))


def test_ultra_fast_sigmoid_follows_theano_formula():
    x = T.dvector()
    v = np.array([0.0, 2.0, -2.0, 4.0, 10.0, -10.0])
    got = run([x], nnet.ultra_fast_sigmoid(x), v)
    np.testing.assert_allclose(got, [0.5, 0.875, 0.125, 0.5 * (1 + 0.935409070603099 +
                                     0.0458812946797165 * 0.3), 0.5 * (1 + 0.99505475368673),
                                     0.5 * (1 - 0.99505475368673)])
    w = np.linspace(-12, 12, 241)
    assert np.max(np.abs(run([x], nnet.ultra_fast_sigmoid(x), w) - sp.expit(w))) < 0.03
    # Theano's gradient is y * (1 - y) of the approximation: close to sigmoid's own.
    g = run([x], T.grad(nnet.ultra_fast_sigmoid(x).sum(), x), w)
    np.testing.assert_allclose(g, sp.expit(w) * (1 - sp.expit(w)), atol=0.03)
    assert nnet.ultra_fast_sigmoid(T.fvector()).dtype == "float32"


def test_hard_sigmoid_and_softsign():
    x = T.fvector()
    v = np.array([-5, -2.5, -1, 0, 1, 2.5, 5], dtype="float32")
    h, s = run([x], [nnet.hard_sigmoid(x), nnet.softsign(x)], v)
    assert h.dtype == "float32" and s.dtype == "float32"
    np.testing.assert_allclose(h, np.clip(0.2 * v + 0.5, 0, 1), rtol=1e-6)
    np.testing.assert_allclose(s, v / (1 + np.abs(v)), rtol=1e-6)
    assert nnet.hard_sigmoid(T.ivector()).dtype == "float64"
    assert nnet.softsign(T.bvector()).dtype == "float32"


def test_sigmoid_family_gradients():
    v = np.array([-3.0, -0.7, 0.4, 1.9, 2.2])  # away from hard_sigmoid's kinks at +-2.5
    for f in (nnet.sigmoid, nnet.softplus, nnet.softsign, nnet.hard_sigmoid):
        verify_grad(f, [v], rng=rng)


def test_scalar_aliases():
    assert nnet.scalar_sigmoid is theano.scalar.basic.sigmoid
    assert nnet.sigm.sigmoid is T.sigmoid


# -- rectifiers --------------------------------------------------------------------------

def test_relu_elu_selu_values():
    x = T.dvector()
    v = np.array([-3.0, -0.5, 0.0, 0.5, 3.0])
    r, lr, e, s = run([x], [nnet.relu(x), nnet.relu(x, 0.1), nnet.elu(x, 0.7), nnet.selu(x)], v)
    np.testing.assert_allclose(r, np.maximum(v, 0))
    np.testing.assert_allclose(lr, np.where(v > 0, v, 0.1 * v))
    np.testing.assert_allclose(e, np.where(v > 0, v, 0.7 * np.expm1(v)))
    a, sc = 1.6732632423543772, 1.0507009873554805
    np.testing.assert_allclose(s, sc * np.where(v > 0, v, a * np.expm1(v)))


def test_rectifier_dtypes():
    f = T.fmatrix()
    for out in (nnet.relu(f), nnet.relu(f, 0.01), nnet.elu(f), nnet.selu(f)):
        assert out.dtype == "float32"
    assert nnet.relu(T.ivector(), 0.2).dtype == "float64"
    # A symbolic alpha works too (Theano allowed it).
    a = T.dscalar()
    x = T.dvector()
    np.testing.assert_allclose(run([x, a], nnet.relu(x, a), np.array([-2.0, 3.0]), 0.5), [-1.0, 3.0])


def test_rectifier_gradients():
    v = np.array([-2.0, -0.4, 0.3, 1.7])
    verify_grad(nnet.relu, [v], rng=rng)
    verify_grad(lambda x: nnet.relu(x, 0.2), [v], rng=rng)
    verify_grad(lambda x: nnet.elu(x, 1.3), [v], rng=rng)
    verify_grad(nnet.selu, [v], rng=rng)


# -- softmax family -----------------------------------------------------------------------

def test_softmax_is_one_op_with_normalized_axis():
    x = T.dmatrix()
    sm = nnet.softmax(x)
    assert isinstance(sm.owner.op, Softmax) and sm.owner.op.axis == 1
    assert nnet.softmax(x, axis=1).owner.op == sm.owner.op
    assert isinstance(nnet.logsoftmax(x).owner.op, LogSoftmax)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_logsoftmax_values(dtype):
    x = T.matrix(dtype=dtype)
    v = rng.randn(4, 5).astype(dtype)
    sm, lsm = run([x], [nnet.softmax(x), nnet.logsoftmax(x)], v)
    assert sm.dtype == dtype and lsm.dtype == dtype
    tol = 1e-6 if dtype == "float64" else 1e-5
    np.testing.assert_allclose(sm, np_softmax(v.astype("float64")), rtol=tol)
    np.testing.assert_allclose(lsm, np_logsoftmax(v.astype("float64")), rtol=tol, atol=tol)
    np.testing.assert_allclose(sm.sum(axis=1), 1, rtol=tol)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_softmax_logsoftmax_extreme_logits(dtype):
    x = T.matrix(dtype=dtype)
    v = np.array([[1000, -1000, 0], [-1000, -1000, -1000], [1000, 1000, -1000]], dtype=dtype)
    sm, lsm = run([x], [nnet.softmax(x), nnet.logsoftmax(x)], v)
    assert np.all(np.isfinite(sm)) and np.all(np.isfinite(lsm))
    np.testing.assert_allclose(sm, [[1, 0, 0], [1 / 3] * 3, [0.5, 0.5, 0]], atol=1e-6)
    np.testing.assert_allclose(lsm, [[0, -2000, -1000], [-np.log(3)] * 3,
                                     [-np.log(2), -np.log(2), -2000 - np.log(2)]], rtol=1e-6)
    g = run([x], T.grad(nnet.logsoftmax(x)[:, 0].sum(), x), v)
    assert np.all(np.isfinite(g))


def test_softmax_vector_nd_and_axis():
    v = rng.randn(5)
    x = T.dvector()
    out = nnet.softmax(x)
    assert out.ndim == 1
    np.testing.assert_allclose(run([x], out, v), np_softmax(v))
    t = T.dtensor3()
    w = rng.randn(2, 3, 4)
    a, b, c = run([t], [nnet.softmax(t), nnet.softmax(t, axis=0), nnet.logsoftmax(t, axis=1)], w)
    np.testing.assert_allclose(a, np_softmax(w, -1))
    np.testing.assert_allclose(b, np_softmax(w, 0))
    np.testing.assert_allclose(c, np_logsoftmax(w, 1))


def test_softmax_with_bias_values():
    x, b = T.dmatrix(), T.dvector()
    xv, bv = rng.randn(3, 4), rng.randn(4)
    np.testing.assert_allclose(run([x, b], nnet.softmax_with_bias(x, b), xv, bv), np_softmax(xv + bv))
    assert nnet.softmax_with_bias(T.fmatrix(), T.fvector()).dtype == "float32"


def test_softmax_gradients():
    m = rng.randn(3, 4)
    verify_grad(nnet.softmax, [m], rng=rng)
    verify_grad(lambda x: nnet.softmax(x, axis=0), [m], rng=rng)
    verify_grad(nnet.softmax, [rng.randn(5)], rng=rng)
    verify_grad(nnet.softmax, [rng.randn(2, 3, 4)], rng=rng)
    verify_grad(nnet.logsoftmax, [m], rng=rng)
    verify_grad(lambda x: nnet.logsoftmax(x, axis=0), [rng.randn(2, 3, 4)], rng=rng)
    verify_grad(nnet.softmax_with_bias, [m, rng.randn(4)], rng=rng)
    # SoftmaxGrad has its own gradient (second derivatives of softmax).
    verify_grad(nnet.softmax_grad, [rng.randn(3, 4), np_softmax(rng.randn(3, 4))], rng=rng)


def test_softmax_gradient_uses_softmax_grad_op():
    x = T.dmatrix()
    g = T.grad(nnet.softmax(x)[:, 1].sum(), x)
    ops = [n.op for n in theano.graph.basic.io_toposort([x], [g])]
    assert any(isinstance(o, SoftmaxGrad) for o in ops)


def test_softmax_rop():
    x, v = T.dmatrix(), T.dmatrix()
    xv, vv = rng.randn(2, 3), rng.randn(2, 3)
    for f in (nnet.softmax, nnet.logsoftmax):
        y = f(x)
        rop = run([x, v], theano.gradient.Rop(y, x, v), xv, vv)
        eps = 1e-6
        fd = (run([x], y, xv + eps * vv) - run([x], y, xv - eps * vv)) / (2 * eps)
        np.testing.assert_allclose(rop, fd, rtol=1e-5, atol=1e-7)


# -- cross-entropies -------------------------------------------------------------------------

def test_categorical_crossentropy_index_and_matrix():
    p, y, t = T.dmatrix(), T.ivector(), T.dmatrix()
    pv = np_softmax(rng.randn(4, 3))
    yv = np.array([0, 2, 1, 2], dtype="int32")
    tv = np.eye(3)[yv]
    a, b = run([p, y, t], [nnet.categorical_crossentropy(p, y), nnet.categorical_crossentropy(p, t)],
               pv, yv, tv)
    expected = -np.log(pv[np.arange(4), yv])
    np.testing.assert_allclose(a, expected)
    np.testing.assert_allclose(b, expected)
    assert isinstance(nnet.categorical_crossentropy(p, y).owner.op, CrossentropyCategorical1Hot)
    soft = np_softmax(rng.randn(4, 3))
    np.testing.assert_allclose(run([p, t], nnet.categorical_crossentropy(p, t), pv, soft),
                               -(soft * np.log(pv)).sum(axis=1))


def test_categorical_crossentropy_dtypes():
    assert nnet.categorical_crossentropy(T.fmatrix(), T.ivector()).dtype == "float32"
    assert nnet.categorical_crossentropy(T.fmatrix(), T.fmatrix()).dtype == "float32"
    assert nnet.categorical_crossentropy(T.dmatrix(), T.lvector()).dtype == "float64"


def test_categorical_crossentropy_gradients():
    p = np_softmax(rng.randn(4, 3))
    yv = np.array([0, 2, 1, 2], dtype="int64")
    verify_grad(lambda c: nnet.categorical_crossentropy(c, yv), [p], rng=rng)
    verify_grad(lambda c, t: nnet.categorical_crossentropy(c, t), [p, np_softmax(rng.randn(4, 3))],
                rng=rng)
    # The gradient op has its own gradient too.
    verify_grad(lambda g, c: nnet.crossentropy_categorical_1hot_grad(g, c, yv),
                [rng.rand(4) + 0.5, p], rng=rng)
    # Gradients of the index input are zero, as for any integer input.
    c, y = T.dmatrix(), T.lvector()
    gy = T.grad(nnet.categorical_crossentropy(c, y).sum(), y)
    assert not theano.function([c, y], gy, on_unused_input="ignore")(p, yv).any()


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_crossentropy_softmax_1hot_extreme_logits(dtype):
    x, y = T.matrix(dtype=dtype), T.lvector()
    v = np.array([[1000, -1000, 0], [1000, -1000, 0], [-1000, -1000, -1000]], dtype=dtype)
    yv = np.array([1, 0, 2])
    nll, sm = nnet.crossentropy_softmax_1hot(x, y)
    gx = T.grad(nll.sum(), x)
    nv, smv, gv = run([x, y], [nll, sm, gx], v, yv)
    assert nv.dtype == dtype and smv.dtype == dtype
    np.testing.assert_allclose(nv, [2000, 0, np.log(3)], rtol=1e-6)
    assert np.all(np.isfinite(gv))
    np.testing.assert_allclose(gv, np_softmax(v.astype("float64")) - np.eye(3)[yv], atol=1e-6)
    # The same written with logsoftmax and a one-hot matrix: finite and exact as well.
    t = T.matrix(dtype=dtype)
    lv = run([x, t], -(nnet.logsoftmax(x) * t).sum(axis=1), v, np.eye(3, dtype=dtype)[yv])
    np.testing.assert_allclose(lv, [2000, 0, np.log(3)], rtol=1e-6)


def test_crossentropy_softmax_argmax_1hot_with_bias_values():
    x, b, y = T.dmatrix(), T.dvector(), T.ivector()
    xv, bv, yv = rng.randn(5, 4), rng.randn(4), np.array([0, 3, 1, 1, 2], dtype="int32")
    out = nnet.crossentropy_softmax_argmax_1hot_with_bias(x, b, y)
    assert isinstance(out[0].owner.op, CrossentropySoftmaxArgmax1HotWithBias)
    nll, sm, am = run([x, b, y], list(out), xv, bv, yv)
    ref = np_softmax(xv + bv)
    np.testing.assert_allclose(sm, ref)
    np.testing.assert_allclose(nll, -np.log(ref[np.arange(5), yv]))
    np.testing.assert_array_equal(am, np.argmax(xv + bv, axis=1))
    assert am.dtype == "int32"
    xent, sm2, mx, am2 = nnet.crossentropy_softmax_max_and_argmax_1hot(x, y)
    mxv = run([x, y], mx, xv, yv)
    np.testing.assert_allclose(mxv, np_softmax(xv).max(axis=1))


def test_crossentropy_softmax_gradients():
    xv, bv = rng.randn(5, 4), rng.randn(4)
    yv = np.array([0, 3, 1, 1, 2])
    f = nnet.crossentropy_softmax_argmax_1hot_with_bias
    verify_grad(lambda x, b: f(x, b, yv)[0], [xv, bv], rng=rng)
    verify_grad(lambda x, b: f(x, b, yv)[1], [xv, bv], rng=rng)
    verify_grad(lambda x, b: f(x, b, yv)[0].sum() + (f(x, b, yv)[1] ** 2).sum(), [xv, bv], rng=rng)
    verify_grad(lambda x: nnet.crossentropy_softmax_1hot(x, yv)[0], [xv], rng=rng)
    verify_grad(lambda dy, sm: nnet.crossentropy_softmax_1hot_with_bias_dx(dy, sm, yv),
                [rng.rand(5), np_softmax(rng.randn(5, 4))], rng=rng)


def test_crossentropy_gradient_uses_fused_dx_op():
    x, y = T.dmatrix(), T.lvector()
    g = T.grad(nnet.crossentropy_softmax_1hot(x, y)[0].mean(), x)
    ops = [n.op for n in theano.graph.basic.io_toposort([x, y], [g])]
    assert any(isinstance(o, CrossentropySoftmax1HotWithBiasDx) for o in ops)
    assert not any(isinstance(o, SoftmaxGrad) for o in ops)  # the unused softmax output costs nothing


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_binary_crossentropy(dtype):
    o, t = T.vector(dtype=dtype), T.vector(dtype=dtype)
    ov = np.array([0.1, 0.5, 0.9, 0.99], dtype=dtype)
    tv = np.array([0.0, 1.0, 1.0, 0.3], dtype=dtype)
    out = nnet.binary_crossentropy(o, t)
    assert out.dtype == dtype
    np.testing.assert_allclose(run([o, t], out, ov, tv), -(tv * np.log(ov) + (1 - tv) * np.log(1 - ov)),
                               rtol=1e-5)
    if dtype == "float64":
        verify_grad(nnet.binary_crossentropy, [ov, tv], rng=rng)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sigmoid_binary_crossentropy_stable(dtype):
    x, t = T.vector(dtype=dtype), T.vector(dtype=dtype)
    xv = np.array([-1000, -30, -2, 0, 0, 3, 30, 1000], dtype=dtype)
    tv = np.array([0, 1, 0.5, 0, 1, 1, 0, 1], dtype=dtype)
    out = nnet.sigmoid_binary_crossentropy(x, t)
    assert out.dtype == dtype
    val, g = run([x, t], [out, T.grad(out.sum(), x)], xv, tv)
    x64, t64 = xv.astype("float64"), tv.astype("float64")
    ref = np.logaddexp(0, -np.abs(x64)) + np.maximum(x64, 0) - x64 * t64
    assert np.all(np.isfinite(val))
    np.testing.assert_allclose(val, ref, rtol=1e-5)
    np.testing.assert_allclose(g, sp.expit(x64) - t64, atol=1e-6)  # exact at 0 too
    if dtype == "float64":
        verify_grad(nnet.sigmoid_binary_crossentropy, [np.array([-2.0, -0.3, 0.8, 4.0]),
                                                       np.array([0.0, 0.2, 1.0, 0.6])], rng=rng)


# -- shapes ----------------------------------------------------------------------------------

def test_infer_shape_of_every_op():
    x, b, y, v = T.dmatrix(), T.dvector(), T.lvector(), T.dvector()
    xv, bv, yv = rng.randn(3, 4), rng.randn(4), np.array([0, 3, 1])
    sm = np_softmax(xv)
    check_infer_shape(nnet.softmax(x), [x], [xv])
    check_infer_shape(nnet.logsoftmax(x), [x], [xv])
    check_infer_shape(nnet.softmax_grad(x, x), [x], [xv])
    check_infer_shape(nnet.softmax_with_bias(x, b), [x, b], [xv, bv])
    check_infer_shape(nnet.crossentropy_categorical_1hot(x, y), [x, y], [sm, yv])
    check_infer_shape(nnet.crossentropy_categorical_1hot_grad(v, x, y), [v, x, y], [bv[:3], sm, yv])
    check_infer_shape(list(nnet.crossentropy_softmax_argmax_1hot_with_bias(x, b, y)), [x, b, y],
                      [xv, bv, yv])
    check_infer_shape(nnet.crossentropy_softmax_1hot_with_bias_dx(v, x, y), [v, x, y],
                      [bv[:3], sm, yv])
    t = T.dtensor3()
    check_infer_shape(nnet.softmax(t, axis=1), [t], [rng.randn(2, 3, 4)])


# -- training -----------------------------------------------------------------------------------

@pytest.mark.parametrize("use_fused", [False, True])
def test_logistic_regression_training_decreases_loss(use_fused):
    n_in, n_out, n = 5, 3, 60
    data_rng = np.random.RandomState(0)
    true_w = data_rng.randn(n_in, n_out)
    xv = data_rng.randn(n, n_in).astype(theano.config.floatX)
    yv = np.argmax(xv.dot(true_w), axis=1).astype("int32")
    x, y = T.matrix("x"), T.ivector("y")
    W = theano.shared(np.zeros((n_in, n_out), dtype=theano.config.floatX), name="W")
    bias = theano.shared(np.zeros(n_out, dtype=theano.config.floatX), name="b")
    if use_fused:
        nll, p = nnet.crossentropy_softmax_1hot_with_bias(T.dot(x, W), bias, y)
    else:
        p = nnet.softmax(T.dot(x, W) + bias)
        nll = nnet.categorical_crossentropy(p, y)
    loss = nll.mean()
    gW, gb = T.grad(loss, [W, bias])
    train = theano.function([x, y], loss, updates=[(W, W - 0.5 * gW), (bias, bias - 0.5 * gb)])
    predict = theano.function([x], T.argmax(T.dot(x, W) + bias, axis=1))
    losses = [float(train(xv, yv)) for _ in range(60)]
    assert losses[0] == pytest.approx(np.log(n_out))
    assert losses[-1] < 0.5 * losses[0]
    assert all(b <= a + 1e-12 for a, b in zip(losses, losses[1:]))
    assert np.mean(predict(xv) == yv) > 0.9


# -- bad input ------------------------------------------------------------------------------------

def test_ops_needing_a_matrix_reject_other_ranks():
    t3, v, y = T.dtensor3(), T.dvector(), T.lvector()
    with pytest.raises(TypeError, match="2-d"):
        nnet.softmax_with_bias(t3, v)
    with pytest.raises(TypeError, match="2-d"):
        nnet.categorical_crossentropy(t3, T.lmatrix())
    with pytest.raises(TypeError, match="2-d"):
        nnet.crossentropy_softmax_1hot(t3, y)
    with pytest.raises(TypeError, match="1-d"):
        nnet.softmax_with_bias(T.dmatrix(), T.dmatrix())
    with pytest.raises(TypeError, match="dimensions"):
        nnet.categorical_crossentropy(T.dmatrix(), T.dtensor4())


def test_ops_reject_wrong_dtypes():
    with pytest.raises(TypeError, match="floats"):
        nnet.softmax(T.imatrix())
    with pytest.raises(TypeError, match="floats"):
        nnet.logsoftmax(T.lvector())
    with pytest.raises(TypeError, match="integers"):
        nnet.categorical_crossentropy(T.dmatrix(), T.dvector())
    with pytest.raises(TypeError, match="integers"):
        nnet.crossentropy_softmax_1hot(T.dmatrix(), T.dvector())
    with pytest.raises((TypeError, ValueError), match="axis"):
        nnet.softmax(T.dmatrix(), axis=2)


def test_run_time_mismatches_name_the_problem():
    x, b, y = T.dmatrix(), T.dvector(), T.lvector()
    xent = theano.function([x, y], nnet.categorical_crossentropy(x, y))
    with pytest.raises(ValueError, match="3 rows but the class indices have 2 entries"):
        xent(np.full((3, 4), 0.25), np.array([0, 1]))
    with pytest.raises(ValueError, match="class index 7 is out of range for 4 classes"):
        xent(np.full((2, 4), 0.25), np.array([0, 7]))
    with pytest.raises(ValueError, match="class index -1"):
        xent(np.full((2, 4), 0.25), np.array([0, -1]))
    # The function stays usable after a failure.
    np.testing.assert_allclose(xent(np.full((2, 4), 0.25), np.array([0, 3])), [np.log(4)] * 2)
    fused = theano.function([x, b, y], nnet.crossentropy_softmax_1hot_with_bias(x, b, y)[0])
    with pytest.raises(ValueError, match="rows"):
        fused(np.zeros((3, 4)), np.zeros(4), np.array([0, 1]))
    with pytest.raises(ValueError, match="bias has 3 entries but x has 4 columns"):
        fused(np.zeros((2, 4)), np.zeros(3), np.array([0, 1]))
    smb = theano.function([x, b], nnet.softmax_with_bias(x, b))
    with pytest.raises(ValueError, match="bias has 5 entries"):
        smb(np.zeros((2, 4)), np.zeros(5))


def test_ops_compare_by_props():
    assert Softmax(1) == Softmax(1) and hash(Softmax(1)) == hash(Softmax(1))
    assert Softmax(0) != Softmax(1)
    assert SoftmaxWithBias() == nnet.softmax_with_bias
    assert LogSoftmax(-1) != Softmax(-1)


def test_module_paths():
    import theano.tensor.nnet.nnet as old

    for name in ("softmax", "relu", "categorical_crossentropy", "binary_crossentropy",
                 "crossentropy_softmax_1hot", "softmax_with_bias", "sigmoid", "softplus"):
        assert getattr(old, name) is getattr(nnet, name)
    assert T.nnet.sigmoid is T.sigmoid
