"""theano.tensor.nnet.bn: statistics and outputs against NumPy, running averages, gradients."""
import sys
from pathlib import Path

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.tensor.nnet import bn

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from infer_shape_check import check_infer_shape  # noqa: E402

rng = np.random.RandomState(5)


def np_train(x, gamma, beta, axes, eps, f=0.1, rm=None, rv=None):
    mean = x.mean(axis=axes, keepdims=True)
    var = ((x - mean) ** 2).mean(axis=axes, keepdims=True)
    invstd = 1 / np.sqrt(var + eps)
    out = (x - mean) * invstd * gamma + beta
    res = [out, mean, invstd]
    if rm is not None:
        m = np.prod([x.shape[a] for a in axes])
        res += [rm * (1 - f) + mean * f, rv * (1 - f) + var * m / (m - 1) * f]
    return res


@pytest.mark.parametrize("axes,shape", [("per-activation", (6, 4)), ("spatial", (5, 3, 4, 4)),
                                        ((0, 2), (4, 3, 5)), ("per-activation", (3, 2, 4, 4))])
def test_train_statistics_and_running_averages(axes, shape):
    x = T.TensorType("float64", (False,) * len(shape))("x")
    norm = {"per-activation": (0,), "spatial": (0,) + tuple(range(2, len(shape)))}.get(axes, axes)
    pshape = tuple(1 if i in norm else s for i, s in enumerate(shape))
    gamma, beta, rm, rv = (T.TensorType("float64", (False,) * len(shape))(n) for n in ("g", "b", "rm", "rv"))
    outs = bn.batch_normalization_train(x, gamma, beta, axes, epsilon=1e-3, running_average_factor=0.3,
                                        running_mean=rm, running_var=rv)
    xv = rng.randn(*shape) * 3 + 2
    gv, bv, rmv, rvv = rng.rand(*pshape) + 0.5, rng.randn(*pshape), rng.randn(*pshape), rng.rand(*pshape) + 1
    got = theano.function([x, gamma, beta, rm, rv], list(outs))(xv, gv, bv, rmv, rvv)
    want = np_train(xv, gv, bv, norm, 1e-3, 0.3, rmv, rvv)
    for g, w in zip(got, want):
        assert g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
    # Normalized output has mean beta and (nearly) std gamma along the axes.
    np.testing.assert_allclose(got[0].mean(axis=norm, keepdims=True), np.broadcast_to(bv, pshape), atol=1e-10)


def test_parameters_without_broadcast_dims():
    # Theano's short form: gamma etc. carry only the axes not normalized; so do the statistics.
    x, g, b = T.tensor4("x"), T.vector("g"), T.vector("b")
    rm, rv = T.vector("rm"), T.vector("rv")
    outs = bn.batch_normalization_train(x, g, b, "spatial", running_mean=rm, running_var=rv)
    assert [o.type.ndim for o in outs] == [4, 1, 1, 1, 1]
    xv = rng.randn(4, 3, 2, 5)
    gv, bv = rng.rand(3) + 0.5, rng.randn(3)
    got = theano.function([x, g, b, rm, rv], list(outs))(xv, gv, bv, np.zeros(3), np.ones(3))
    want = np_train(xv, gv[None, :, None, None], bv[None, :, None, None], (0, 2, 3), 1e-4, 0.1,
                    np.zeros((1, 3, 1, 1)), np.ones((1, 3, 1, 1)))
    np.testing.assert_allclose(got[0], want[0], rtol=1e-10)
    for g_, w in zip(got[1:], want[1:]):
        np.testing.assert_allclose(g_, w.reshape(3), rtol=1e-10)
    mean, var = T.vector("m"), T.vector("v")
    test_out = bn.batch_normalization_test(x, g, b, mean, var, "spatial", epsilon=1e-3)
    mv, vv = rng.randn(3), rng.rand(3) + 0.1
    got = theano.function([x, g, b, mean, var], test_out)(xv, gv, bv, mv, vv)
    r = lambda v: v[None, :, None, None]  # noqa: E731
    np.testing.assert_allclose(got, (xv - r(mv)) / np.sqrt(r(vv) + 1e-3) * r(gv) + r(bv), rtol=1e-10)


def test_test_mode_and_simple_batch_normalization():
    x = T.matrix("x")
    g, b, m, v = (T.row(n) for n in "gbmv")  # the simple form broadcasts like any elementwise op
    xv = rng.randn(5, 4).astype(theano.config.floatX)
    gv, bv, mv = (rng.randn(1, 4).astype(xv.dtype) for _ in range(3))
    vv = (rng.rand(1, 4) + 0.1).astype(xv.dtype)
    out = bn.batch_normalization_test(x, g, b, m, v, epsilon=1e-4)
    got = theano.function([x, g, b, m, v], out)(xv, gv, bv, mv, vv)
    np.testing.assert_allclose(got, (xv - mv) / np.sqrt(vv + 1e-4) * gv + bv, rtol=1e-5)
    for mode in ("low_mem", "high_mem"):
        y = bn.batch_normalization(x, g, b, m, v, mode=mode)
        np.testing.assert_allclose(theano.function([x, g, b, m, v], y)(xv, gv, bv, mv, vv),
                                   (xv - mv) * (gv / vv) + bv, rtol=1e-5)
    with pytest.raises(ValueError, match="mode"):
        bn.batch_normalization(x, g, b, m, v, mode="fast")


def test_float32_stays_float32():
    x, g, b = T.ftensor4("x"), T.fvector("g"), T.fvector("b")
    outs = bn.batch_normalization_train(x, g, b, "spatial")
    assert all(o.type.dtype == "float32" for o in outs)
    got = theano.function([x, g, b], list(outs))(rng.randn(2, 3, 4, 4).astype("float32"),
                                                 np.ones(3, "float32"), np.zeros(3, "float32"))
    assert all(r.dtype == np.float32 for r in got)


def test_bad_arguments():
    x, g, b = T.matrix("x"), T.matrix("g"), T.matrix("b")
    with pytest.raises(ValueError, match="epsilon"):
        bn.batch_normalization_train(x, g, b, epsilon=1e-7)
    with pytest.raises(ValueError, match="axes"):
        bn.batch_normalization_train(x, g, b, axes="channel")
    with pytest.raises(ValueError, match="axes"):
        bn.batch_normalization_train(x, g, b, axes=(0, 5))
    with pytest.raises(ValueError, match="both"):
        bn.batch_normalization_train(x, g, b, running_mean=g)
    with pytest.raises(ValueError, match="dimensions"):
        bn.batch_normalization_train(T.tensor4(), T.matrix(), T.matrix(), "spatial")
    f = theano.function([x, g, b], bn.batch_normalization_train(x, g, b)[0])
    with pytest.raises(ValueError, match="gamma"):
        f(np.ones((3, 4)), np.ones((1, 5)), np.ones((1, 4)))


# -- gradients ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("axes,shape", [("per-activation", (5, 3)), ("spatial", (3, 2, 3, 2))])
def test_train_grad(axes, shape):
    norm = (0,) if axes == "per-activation" else (0, 2, 3)
    pshape = tuple(1 if i in norm else s for i, s in enumerate(shape))
    xv = rng.randn(*shape)
    gv, bv = rng.rand(*pshape) + 0.5, rng.randn(*pshape)
    rmv, rvv = rng.randn(*pshape), rng.rand(*pshape) + 0.5

    def all_outputs(x, g, b, rm, rv):
        out, mean, invstd, nrm, nrv = bn.batch_normalization_train(x, g, b, axes, epsilon=1e-3,
                                                                  running_mean=rm, running_var=rv)
        # Every output contributes, so every term of the gradient is checked.
        return out.sum() + (mean * 2).sum() + (invstd * 3).sum() + (nrm * 5).sum() + (nrv * 7).sum()

    verify_grad(all_outputs, [xv, gv, bv, rmv, rvv], rng=rng)
    verify_grad(lambda x, g, b: bn.batch_normalization_train(x, g, b, axes)[0], [xv, gv, bv], rng=rng)


def test_train_second_derivative():
    xv, gv, bv = rng.randn(4, 3), rng.rand(1, 3) + 0.5, rng.randn(1, 3)

    def grad_of_loss(x, g, b):
        out = bn.batch_normalization_train(x, g, b)[0]
        return T.grad((out ** 3).sum(), x)

    verify_grad(grad_of_loss, [xv, gv, bv], rng=rng)


def test_test_mode_grad():
    pshape = (1, 2, 1, 1)
    vals = [rng.randn(3, 2, 2, 2), rng.rand(*pshape) + 0.5, rng.randn(*pshape), rng.randn(*pshape),
            rng.rand(*pshape) + 0.5]
    verify_grad(lambda x, g, b, m, v: bn.batch_normalization_test(x, g, b, m, v, "spatial"), vals, rng=rng)
    verify_grad(lambda x, *p: bn.batch_normalization(x, *[T.addbroadcast(v, 0, 2, 3) for v in p]), vals, rng=rng)


def test_infer_shape():
    x, g, b, rm, rv = (T.tensor4(n) for n in ("x", "g", "b", "rm", "rv"))
    xv = rng.randn(3, 2, 4, 5)
    p = [rng.rand(1, 2, 1, 1) + 0.5 for _ in range(4)]
    outs = bn.batch_normalization_train(x, g, b, "spatial", running_mean=rm, running_var=rv)
    check_infer_shape([x, g, b, rm, rv], list(outs), [xv] + p)
    check_infer_shape([x, g, b, rm, rv], [bn.batch_normalization_test(x, g, b, rm, rv, "spatial")], [xv] + p)
