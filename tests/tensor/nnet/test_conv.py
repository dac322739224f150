"""conv2d / conv3d and their gradient ops against convolutions computed by definition."""
import sys
from pathlib import Path

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.tensor import nnet
from theano.tensor.nnet import abstract_conv as ac

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from infer_shape_check import check_infer_shape  # noqa: E402

rng = np.random.RandomState(2024)


def ref_conv(x, w, border_mode="valid", subsample=None, filter_flip=True, dilation=None, groups=1):
    """The convolution by its definition: a loop over output positions, one dot per position."""
    nd = x.ndim - 2
    subsample = subsample or (1,) * nd
    dilation = dilation or (1,) * nd
    if filter_flip:
        w = w[(slice(None), slice(None)) + (slice(None, None, -1),) * nd]
    ks = w.shape[2:]
    dk = [(k - 1) * d + 1 for k, d in zip(ks, dilation)]
    if border_mode == "valid":
        pads = [0] * nd
    elif border_mode == "full":
        pads = [d - 1 for d in dk]
    elif border_mode == "half":
        pads = [d // 2 for d in dk]
    elif isinstance(border_mode, int):
        pads = [border_mode] * nd
    else:
        pads = list(border_mode)
    xp = np.zeros(x.shape[:2] + tuple(s + 2 * p for s, p in zip(x.shape[2:], pads)))
    xp[(slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(pads, x.shape[2:]))] = x
    out_sp = [(s - d) // st + 1 for s, d, st in zip(xp.shape[2:], dk, subsample)]
    F, cg = w.shape[:2]
    fg = F // groups
    out = np.zeros((x.shape[0], F) + tuple(out_sp))
    for pos in np.ndindex(*out_sp):
        win = xp[(slice(None), slice(None)) + tuple(slice(p * st, p * st + d, dl) for p, st, d, dl
                                                     in zip(pos, subsample, dk, dilation))]
        for g in range(groups):
            patch = win[:, g * cg:(g + 1) * cg].reshape(x.shape[0], -1)
            kern = w[g * fg:(g + 1) * fg].reshape(fg, -1)
            out[(slice(None), slice(g * fg, (g + 1) * fg)) + pos] = patch @ kern.T
    return out


BORDERS = ["valid", "full", "half", 1, (2, 1)]


@pytest.mark.parametrize("border_mode", BORDERS)
@pytest.mark.parametrize("subsample", [(1, 1), (2, 3)])
@pytest.mark.parametrize("dilation", [(1, 1), (2, 1)])
def test_conv2d_matches_definition(border_mode, subsample, dilation):
    x, w = T.tensor4("x"), T.tensor4("w")
    xv, wv = rng.randn(2, 3, 9, 8), rng.randn(4, 3, 3, 2)
    outs = [nnet.conv2d(x, w, border_mode=border_mode, subsample=subsample, filter_flip=flip,
                        filter_dilation=dilation) for flip in (True, False)]
    got = theano.function([x, w], outs)(xv, wv)
    for flip, g in zip((True, False), got):
        want = ref_conv(xv, wv, border_mode, subsample, flip, dilation)
        assert g.shape == want.shape
        np.testing.assert_allclose(g, want, rtol=1e-10, atol=1e-10)


def test_flip_matters_and_true_convolution():
    # A 1x1-channel delta image convolved with a kernel reproduces the kernel (true convolution);
    # correlation reproduces it turned around.
    x, w = T.tensor4("x"), T.tensor4("w")
    img = np.zeros((1, 1, 5, 5))
    img[0, 0, 2, 2] = 1
    k = np.arange(9.0).reshape(1, 1, 3, 3)
    f = theano.function([x, w], [nnet.conv2d(x, w, border_mode="half"),
                                 nnet.conv2d(x, w, border_mode="half", filter_flip=False)])
    conv, corr = f(img, k)
    np.testing.assert_array_equal(conv[0, 0, 1:4, 1:4], k[0, 0])
    np.testing.assert_array_equal(corr[0, 0, 1:4, 1:4], k[0, 0, ::-1, ::-1])


def test_float32_groups_and_hints():
    x, w = T.ftensor4("x"), T.ftensor4("w")
    xv = rng.randn(3, 4, 7, 7).astype("float32")
    wv = rng.randn(6, 2, 3, 3).astype("float32")
    y = nnet.conv2d(x, w, input_shape=(None, 4, 7, 7), filter_shape=(6, 2, 3, 3), num_groups=2,
                    border_mode="half")
    assert y.type.dtype == "float32"
    got = theano.function([x, w], y)(xv, wv)
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, ref_conv(xv, wv, "half", groups=2), rtol=1e-4, atol=1e-4)


def test_conv3d_matches_definition():
    x, w = T.tensor5("x"), T.tensor5("w")
    xv, wv = rng.randn(2, 2, 5, 6, 4), rng.randn(3, 2, 2, 3, 2)
    for kw in (dict(), dict(border_mode="full", subsample=(2, 1, 2)),
               dict(border_mode="half", filter_flip=False, filter_dilation=(1, 2, 1))):
        got = theano.function([x, w], nnet.conv3d(x, w, **kw))(xv, wv)
        want = ref_conv(xv, wv, kw.get("border_mode", "valid"), kw.get("subsample"),
                        kw.get("filter_flip", True), kw.get("filter_dilation"))
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_old_conv_module_path():
    from theano.tensor.nnet import conv

    x, w = T.tensor4("x"), T.tensor4("w")
    xv, wv = rng.randn(2, 2, 6, 6), rng.randn(3, 2, 3, 3)
    got = theano.function([x, w], conv.conv2d(x, w, image_shape=(2, 2, 6, 6), border_mode="full"))(xv, wv)
    np.testing.assert_allclose(got, ref_conv(xv, wv, "full"), rtol=1e-10)


def test_bad_inputs_raise():
    x, w = T.tensor4("x"), T.tensor4("w")
    with pytest.raises(TypeError, match="4-d"):
        nnet.conv2d(T.matrix(), w)
    with pytest.raises(ValueError, match="border_mode"):
        nnet.conv2d(x, w, border_mode="same")
    with pytest.raises(ValueError, match="subsample"):
        nnet.conv2d(x, w, subsample=(0, 1))
    f = theano.function([x, w], nnet.conv2d(x, w))
    with pytest.raises(ValueError, match="channels"):
        f(np.zeros((1, 3, 5, 5)), np.zeros((2, 2, 3, 3)))
    with pytest.raises(ValueError, match="larger than"):
        f(np.zeros((1, 2, 2, 2)), np.zeros((2, 2, 3, 3)))
    # The function stays usable after an error.
    assert f(np.ones((1, 2, 3, 3)), np.ones((1, 2, 3, 3))).shape == (1, 1, 1, 1)


# -- gradients ------------------------------------------------------------------------------------

GRAD_CASES = [dict(), dict(border_mode="full"), dict(border_mode="half", filter_flip=False),
              dict(border_mode=(1, 2), subsample=(2, 2)), dict(subsample=(2, 1), filter_dilation=(1, 2)),
              dict(border_mode="half", num_groups=2)]


@pytest.mark.parametrize("kw", GRAD_CASES)
def test_conv2d_grad_input_and_filters(kw):
    xv, wv = rng.randn(2, 2, 6, 5), rng.randn(4, 2 // kw.get("num_groups", 1), 3, 2)
    verify_grad(lambda x, w: nnet.conv2d(x, w, **kw), [xv, wv], rng=rng)


@pytest.mark.parametrize("kw", [dict(), dict(border_mode="full", subsample=(2, 1)),
                                dict(border_mode="half", filter_flip=False, filter_dilation=(2, 1))])
def test_gradient_ops_grads(kw):
    """The gradient ops are differentiable too (second derivatives of conv2d)."""
    xv, wv = rng.randn(2, 2, 5, 5), rng.randn(3, 2, 2, 3)
    sub = kw.get("subsample", (1, 1))
    top_shape = ac.get_conv_output_shape(xv.shape, wv.shape, kw.get("border_mode", "valid"), sub,
                                         kw.get("filter_dilation", (1, 1)))
    tv = rng.randn(*top_shape)
    verify_grad(lambda x, t: ac.conv2d_grad_wrt_weights(x, t, wv.shape, **kw), [xv, tv], rng=rng)
    verify_grad(lambda w, t: ac.conv2d_grad_wrt_inputs(t, w, xv.shape, **kw), [wv, tv], rng=rng)
    # The Hessian-vector direction: the gradient of a gradient, checked numerically.
    verify_grad(lambda x, w: T.grad((nnet.conv2d(x, w, **kw) ** 2).sum(), w), [xv, wv], rng=rng)


def test_conv3d_grad():
    xv, wv = rng.randn(1, 2, 4, 3, 4), rng.randn(2, 2, 2, 2, 3)
    verify_grad(lambda x, w: nnet.conv3d(x, w, border_mode="half", subsample=(2, 1, 1)), [xv, wv], rng=rng)


def test_grad_ops_are_the_expected_classes():
    x, w = T.tensor4("x"), T.tensor4("w")
    gx, gw = T.grad(nnet.conv2d(x, w, subsample=(2, 2)).sum(), [x, w])
    ops = {type(v.owner.op) for v in theano.graph.basic.ancestors([gx, gw]) if v.owner is not None}
    assert ac.Conv2dGradInputs in ops and ac.Conv2dGradWeights in ops
    assert ac.AbstractConv2d is ac.Conv2d
    # Equal parameters make equal ops (for merging), different ones do not.
    assert ac.Conv2d(border_mode="half") == ac.Conv2d(border_mode="half")
    assert ac.Conv2d(border_mode="half") != ac.Conv2d(border_mode="full")


def test_transpose_is_adjoint():
    # <conv(x, w), t> == <x, conv2d_transpose(t, w)>: the transpose really is the adjoint.
    x, w, t = T.tensor4("x"), T.tensor4("w"), T.tensor4("t")
    xv, wv = rng.randn(2, 3, 7, 6), rng.randn(4, 3, 3, 3)
    kw = dict(border_mode=1, filter_flip=True)
    y = nnet.conv2d(x, w, subsample=(2, 2), **kw)
    back = ac.conv2d_transpose(t, w, output_shape=xv.shape, input_dilation=(2, 2), **kw)
    yv = theano.function([x, w], y)(xv, wv)
    tv = rng.randn(*yv.shape)
    bv = theano.function([t, w], back)(tv, wv)
    np.testing.assert_allclose((yv * tv).sum(), (xv * bv).sum(), rtol=1e-10)


# -- shapes ------------------------------------------------------------------------------------------

@pytest.mark.parametrize("kw", [dict(border_mode="full", subsample=(2, 3)),
                                dict(border_mode="half", filter_dilation=(2, 2)),
                                dict(border_mode=(1, 0), subsample=(3, 1), num_groups=3)])
def test_infer_shape(kw):
    x, w, t = T.tensor4("x"), T.tensor4("w"), T.tensor4("t")
    g = kw.get("num_groups", 1)
    xv, wv = rng.randn(2, 3, 10, 7), rng.randn(6, 3 // g, 3, 2)
    y = nnet.conv2d(x, w, **kw)
    check_infer_shape([x, w], [y], [xv, wv])
    tv = np.ones(theano.function([x, w], y.shape)(xv, wv))
    gw = ac.conv2d_grad_wrt_weights(x, t, w.shape, **kw)
    gi = ac.conv2d_grad_wrt_inputs(t, w, x.shape, **kw)
    check_infer_shape([x, w, t], [gw, gi], [xv, wv, tv])
    sym = ac.get_conv_output_shape(x.shape, w.shape, kw["border_mode"], kw.get("subsample", (1, 1)),
                                   kw.get("filter_dilation", (1, 1)))
    got = theano.function([x, w], list(sym))(xv, wv)
    assert tuple(int(v) for v in got) == theano.function([x, w], y)(xv, wv).shape


def test_rop_is_the_directional_derivative():
    x, w, vx, vw = T.tensor4("x"), T.tensor4("w"), T.tensor4("vx"), T.tensor4("vw")
    y = nnet.conv2d(x, w, border_mode="half", subsample=(2, 1))
    r = T.Rop(y, [x, w], [vx, vw])
    xv, wv = rng.randn(2, 2, 5, 4), rng.randn(3, 2, 3, 3)
    dx, dw = rng.randn(*xv.shape), rng.randn(*wv.shape)
    f = theano.function([x, w], y)
    eps = 1e-6
    fd = (f(xv + eps * dx, wv + eps * dw) - f(xv - eps * dx, wv - eps * dw)) / (2 * eps)
    np.testing.assert_allclose(theano.function([x, w, vx, vw], r)(xv, wv, dx, dw), fd, rtol=1e-6, atol=1e-7)
