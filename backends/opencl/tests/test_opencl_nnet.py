"""The nnet ops on the OpenCL device against the reference backend: softmax and its relatives,
the softmax cross-entropy ops and their gradients, max-and-argmax, the register-blocked matrix
product, 2-d convolutions (im2col / col2im plus the product) and pooling. Every function is
compiled for both devices from the same graph; the OpenCL one must run these ops natively."""
from __future__ import annotations

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.tensor.nnet import conv2d
from theano.tensor.nnet import crossentropy as ce
from theano.tensor.signal.pool import pool_2d

DEV = "opencl"
TOL = {"float32": dict(rtol=2e-5, atol=2e-6), "float64": dict(rtol=1e-12, atol=1e-13)}


def _both(inputs, outputs, args, tol, native=()):
    """Compile for the reference and OpenCL, compare every output, and check that the ops named
    in `native` run as OpenCL kernels (not as fallbacks)."""
    ref = theano.function(inputs, outputs, device="numpy")
    ocl = theano.function(inputs, outputs, device=DEV)
    runners = {type(n.op).__name__: r for n, r in ocl.linked.runners.items()}
    for name in native:
        assert runners.get(name) == "opencl kernel", (name, runners)
    text = theano.printing.debugprint(ocl, file="str")
    for name in native:
        line = next(ln for ln in text.splitlines() if name in ln)
        assert "(opencl kernel)" in line and "fallback" not in line, line
    got, want = ocl(*args), ref(*args)
    if not isinstance(want, (list, tuple)):
        got, want = [got], [want]
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape, (g.dtype, w.dtype, g.shape, w.shape)
        np.testing.assert_allclose(g, w, **tol)
    return ocl


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_softmax_family_matches_the_reference(dt):
    x, b = T.matrix("x", dtype=dt), T.vector("b", dtype=dt)
    t = T.tensor3("t", dtype=dt)
    outs = [T.nnet.softmax(x), T.nnet.logsoftmax(x), T.nnet.softmax(t, axis=1),
            T.nnet.logsoftmax(t[:, ::-1], axis=0), T.nnet.softmax_with_bias(x, b),
            T.nnet.softmax_grad(x * 2, T.nnet.softmax(x))]
    rng = np.random.RandomState(0)
    for K in (7, 300):  # a serial row, and a work-group tree
        xv = (rng.randn(5, K) * 10).astype(dt)
        xv[1, 3] = np.nan     # NaN spreads through its row, as NumPy's max does
        xv[2, :] = -np.inf    # a row of -inf gives NaN, as in the reference
        tv = rng.randn(3, K, 4).astype(dt)
        _both([x, b, t], outs, [xv, rng.randn(K).astype(dt), tv], TOL[dt],
              native=("Softmax", "LogSoftmax", "SoftmaxWithBias", "SoftmaxGrad"))


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_softmax_crossentropy_ops_and_gradients(dt):
    x, b, y = T.matrix("x", dtype=dt), T.vector("b", dtype=dt), T.lvector("y")
    nll, sm, am = ce.crossentropy_softmax_argmax_1hot_with_bias(x, b, y)
    g = T.vector("g", dtype=dt)
    outs = [nll, sm, am, ce.crossentropy_softmax_1hot_with_bias_dx(g, sm, y),
            ce.crossentropy_categorical_1hot(sm, y),
            ce.crossentropy_categorical_1hot_grad(g, sm + 1, y)]
    rng = np.random.RandomState(1)
    for K in (10, 200):
        xv = (rng.randn(6, K) * 3).astype(dt)
        xv[0, :] = 1.0  # ties: the argmax is the first index
        args = [xv, rng.randn(K).astype(dt), rng.randint(0, K, 6), rng.randn(6).astype(dt)]
        f = _both([x, b, y, g], outs, args, TOL[dt],
                  native=("CrossentropySoftmaxArgmax1HotWithBias", "CrossentropySoftmax1HotWithBiasDx",
                          "CrossentropyCategorical1Hot", "CrossentropyCategorical1HotGrad"))
    with pytest.raises(ValueError, match="class index 200 is out of range"):
        f(args[0], args[1], np.array([0, 1, 2, 3, 4, 200]), args[3])
    with pytest.raises(ValueError, match="class index -1 is out of range"):
        f(args[0], args[1], np.array([0, 1, 2, 3, 4, -1]), args[3])
    f(*args)  # still usable


def test_a_bad_class_index_leaves_shared_variables_intact():
    rng = np.random.RandomState(2)
    W = theano.shared(rng.randn(4, 3).astype("float32"), "W")
    x, y = T.fmatrix("x"), T.lvector("y")
    loss = T.nnet.categorical_crossentropy(T.nnet.softmax(T.dot(x, W)), y).mean()
    f = theano.function([x, y], loss, updates=[(W, W - np.float32(0.1) * theano.grad(loss, W))], device=DEV)
    before = W.get_value()
    with pytest.raises(ValueError, match="out of range"):
        f(np.ones((2, 4), "float32"), np.array([0, 3]))
    np.testing.assert_array_equal(W.get_value(), before)
    f(np.ones((2, 4), "float32"), np.array([0, 2]))
    assert not np.array_equal(W.get_value(), before)


def test_the_mlp_training_step_has_no_fallback():
    """W5's graph: after rewriting, every node runs on the device."""
    rng = np.random.RandomState(3)
    W1 = theano.shared((rng.randn(20, 16) * 0.1).astype("float32"))
    W2 = theano.shared((rng.randn(16, 5) * 0.1).astype("float32"))
    b1, b2 = theano.shared(np.zeros(16, "float32")), theano.shared(np.zeros(5, "float32"))
    x, t = T.fmatrix("x"), T.lvector("t")
    p = T.nnet.softmax(T.dot(T.tanh(T.dot(x, W1) + b1), W2) + b2)
    loss = T.nnet.categorical_crossentropy(p, t).mean()
    params = [W1, b1, W2, b2]
    upd = [(q, q - np.float32(0.1) * gq) for q, gq in zip(params, theano.grad(loss, params))]
    with theano.config.change_flags(fallback="raise"):
        f = theano.function([x, t], [loss, T.argmax(p, axis=1)], updates=upd, device=DEV)
    assert all("fallback" not in r for r in f.linked.runners.values()), f.linked.runners
    xv, tv = rng.randn(8, 20).astype("float32"), rng.randint(0, 5, 8)
    l0 = float(f(xv, tv)[0])
    for _ in range(20):
        l1 = float(f(xv, tv)[0])
    assert l1 < l0


@pytest.mark.parametrize("dt", ["float32", "float64", "int32"])
def test_max_and_argmax_over_axes_layouts_ties_and_nan(dt):
    t = T.tensor3("t", dtype=dt)
    outs = [*T.max_and_argmax(t, axis=(0, 2)), T.argmax(t, axis=1), T.argmax(t, axis=None),
            T.argmax(t[:, ::-2].dimshuffle(2, 0, 1), axis=(1, 2)), T.argmin(t, axis=2)]
    rng = np.random.RandomState(4)
    v = rng.randint(-3, 3, size=(4, 50, 6)).astype(dt)  # many ties
    if dt.startswith("float"):
        v[1, 7, 2] = np.nan
    _both([t], outs, [v], dict(rtol=0, atol=0), native=("MaxAndArgmax",))


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_matrix_product_blocks_edges_and_transposed_operands(dt):
    a, b = T.matrix("a", dtype=dt), T.matrix("b", dtype=dt)
    z = T.matrix("z", dtype=dt)
    outs = [T.dot(a, b), T.dot(b.T, a.T), z * 0.5 + 2.0 * T.dot(a, b)]  # b.T: B read by gathers
    rng = np.random.RandomState(5)
    for M, K, N in ((1, 1, 1), (9, 13, 33), (33, 70, 100)):  # none a whole number of blocks
        av, bv = rng.randn(M, K).astype(dt), rng.randn(K, N).astype(dt)
        args = [av, bv, rng.randn(M, N).astype(dt)]
        want = [av @ bv, bv.T @ av.T, args[2] * 0.5 + 2.0 * (av @ bv)]
        f = theano.function([a, b, z], outs, device=DEV)
        assert all("fallback" not in r for r in f.linked.runners.values())
        tol = dict(rtol=1e-4, atol=1e-4) if dt == "float32" else dict(rtol=1e-12, atol=1e-12)
        for got, w in zip(f(*args), want):
            np.testing.assert_allclose(got, w, **tol)
    sq = T.matrix("s", dtype=dt)
    g = theano.function([sq], [T.dot(sq.T, sq), T.dot(sq, sq.T), T.dot(sq[::2].T, sq[::2, ::-1])], device=DEV)
    sv = rng.randn(37, 37).astype(dt)
    tol = dict(rtol=1e-4, atol=1e-4) if dt == "float32" else dict(rtol=1e-12, atol=1e-12)
    for got, w in zip(g(sv), [sv.T @ sv, sv @ sv.T, sv[::2].T @ sv[::2, ::-1]]):
        np.testing.assert_allclose(got, w, **tol)


CONV_CASES = [  # border_mode, subsample, dilation, filter_flip, groups
    ("valid", (1, 1), (1, 1), True, 1),
    ("full", (1, 1), (1, 1), False, 1),
    ("half", (2, 1), (1, 1), True, 1),
    ((1, 2), (2, 3), (2, 1), False, 1),
    ("valid", (1, 1), (2, 2), True, 2),
]


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("case", CONV_CASES, ids=[str(c) for c in CONV_CASES])
def test_conv2d_and_its_gradients(dt, case):
    bm, ss, dil, flip, g = case
    x, w = T.tensor4("x", dtype=dt), T.tensor4("w", dtype=dt)
    y = conv2d(x, w, border_mode=bm, subsample=ss, filter_dilation=dil, filter_flip=flip, num_groups=g)
    outs = [y] + theano.grad((y * T.sin(y)).sum(), [x, w])
    rng = np.random.RandomState(6)
    xv, wv = rng.randn(3, 4, 9, 8).astype(dt), rng.randn(6, 4 // g, 3, 2).astype(dt)
    tol = dict(rtol=2e-4, atol=2e-4) if dt == "float32" else TOL[dt]
    _both([x, w], outs, [xv, wv], tol, native=("Conv2d", "Conv2dGradWeights", "Conv2dGradInputs"))


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("filters,groups,flip", [(40, 1, True), (64, 2, False)])
def test_conv2d_with_many_filters_takes_the_transposed_product(dt, filters, groups, flip):
    """At least a vector block of filters per group: out^T = col^T @ kern^T, with the (batch,
    channel, pixel) layout written by the product's row split."""
    x, w = T.tensor4("x", dtype=dt), T.tensor4("w", dtype=dt)
    y = conv2d(x, w, border_mode="half", subsample=(2, 1), filter_flip=flip, num_groups=groups)
    outs = [y] + theano.grad((y * T.sin(y)).sum(), [x, w])
    rng = np.random.RandomState(9)
    xv = rng.randn(3, 4, 7, 6).astype(dt)
    wv = rng.randn(filters, 4 // groups, 3, 3).astype(dt)
    tol = dict(rtol=2e-4, atol=2e-4) if dt == "float32" else TOL[dt]
    _both([x, w], outs, [xv, wv], tol, native=("Conv2d", "Conv2dGradWeights", "Conv2dGradInputs"))


@pytest.mark.parametrize("dt", ["float32", "float64"])
def test_filter_gradient_of_few_filters_splits_the_long_sum(dt):
    """3 filters of 5x5 over 40 images: C is one block, K = 40 * 16 * 16; the product runs as
    parallel slices of K added by the reduction kernel."""
    x, w = T.tensor4("x", dtype=dt), T.tensor4("w", dtype=dt)
    gw = theano.grad((conv2d(x, w) ** 2).sum(), w)
    rng = np.random.RandomState(10)
    args = [rng.randn(40, 1, 20, 20).astype(dt), rng.randn(3, 1, 5, 5).astype(dt)]
    tol = dict(rtol=2e-4, atol=1e-3) if dt == "float32" else TOL[dt]
    _both([x, w], [gw], args, tol, native=("Conv2dGradWeights",))


def test_conv2d_chunks_a_large_batch_and_reports_bad_shapes(monkeypatch):
    from theano_opencl import conv

    monkeypatch.setattr(conv, "COL_ELEMENTS", 500)  # several chunks per call
    x, w = T.ftensor4("x"), T.ftensor4("w")
    y = conv2d(x, w, border_mode="half")
    outs = [y] + theano.grad((y ** 2).sum(), [x, w])
    rng = np.random.RandomState(7)
    args = [rng.randn(5, 2, 6, 5).astype("float32"), rng.randn(3, 2, 3, 3).astype("float32")]
    f = _both([x, w], outs, args, dict(rtol=2e-4, atol=2e-4), native=("Conv2d",))
    with pytest.raises(ValueError, match="channels"):
        f(args[0], rng.randn(3, 4, 3, 3).astype("float32"))


POOL_CASES = [  # ws, stride, pad, ignore_border, mode
    ((2, 2), None, (0, 0), True, "max"),
    ((3, 3), (2, 2), (0, 0), False, "max"),
    ((3, 2), (2, 1), (1, 1), True, "average_inc_pad"),
    ((2, 3), (1, 2), (1, 0), True, "average_exc_pad"),
    ((2, 2), None, (0, 0), False, "sum"),
    # windows that cannot overlap (the gradient's direct path): gaps between them, padding
    ((2, 2), (3, 3), (1, 0), True, "max"),
    ((2, 2), (2, 2), (1, 1), True, "average_inc_pad"),
    ((3, 2), (3, 2), (1, 1), True, "average_exc_pad"),
]


@pytest.mark.parametrize("dt", ["float32", "float64"])
@pytest.mark.parametrize("case", POOL_CASES, ids=[str(c) for c in POOL_CASES])
def test_pooling_and_its_gradients(dt, case):
    ws, st, pad, ib, mode = case
    x = T.tensor4("x", dtype=dt)
    p = pool_2d(x, ws=ws, stride=st, pad=pad, ignore_border=ib, mode=mode)
    outs = [p, theano.grad((p * T.cos(p)).sum(), x)]
    rng = np.random.RandomState(8)
    xv = rng.randn(2, 3, 9, 8).astype(dt)
    xv[0, 0, :2, :2] = 1.0  # a window whose maximum ties: every tied cell gets the gradient
    grad_op = "MaxPoolGrad" if mode == "max" else "AveragePoolGrad"
    _both([x], outs, [xv], TOL[dt], native=("Pool", grad_op))


def test_float64_convolution_needs_fp64_on_the_device(backend, monkeypatch):
    from theano_opencl.backend import Float64Unsupported

    monkeypatch.setattr(backend.rt, "fp64", False)
    x, w = T.dtensor4("x"), T.dtensor4("w")
    with pytest.raises(Float64Unsupported, match="floatX=float32") as e:
        theano.function([x, w], conv2d(x, w), device=DEV)
    assert "Conv2d" in str(e.value)
