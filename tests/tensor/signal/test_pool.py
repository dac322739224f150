"""theano.tensor.signal.pool against pooling computed by definition, gradients and shapes."""
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.tensor.signal import pool
from theano.tensor.signal.pool import (AveragePoolGrad, DownsampleFactorMaxGradGrad, MaxPoolGrad, Pool,
                                       max_pool_2d_same_size, pool_2d, pool_3d)

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from infer_shape_check import check_infer_shape  # noqa: E402

rng = np.random.RandomState(77)
MODES = ["max", "sum", "average_inc_pad", "average_exc_pad"]


def window_starts(v, ws, st, ignore_border):
    """Starts of the windows along an axis of padded length v, by Theano's rule: with
    ignore_border only whole windows; without, a new window starts inside the input as long as
    the previous one has not reached its end."""
    starts, k = [], 0
    while True:
        s = k * st
        if ignore_border:
            if s + ws > v:
                return starts
        elif s >= v or (k > 0 and (k - 1) * st + ws >= v):
            return starts
        starts.append(s)
        k += 1


def ref_pool(x, ws, ignore_border, stride, pad, mode):
    """Pooling by definition: one window at a time."""
    nd = len(ws)
    stride = stride or ws
    spatial = x.shape[-nd:]
    padded_len = [v + 2 * p for v, p in zip(spatial, pad)]
    y = np.zeros(x.shape[:-nd] + tuple(padded_len))
    y[(Ellipsis,) + tuple(slice(p, p + v) for p, v in zip(pad, spatial))] = x
    starts = [window_starts(v, w, s, ignore_border) for v, w, s in zip(padded_len, ws, stride)]
    out = np.zeros(x.shape[:-nd] + tuple(len(s) for s in starts))
    for pos in np.ndindex(*[len(s) for s in starts]):
        region = []
        for ax, k in enumerate(pos):
            lo = starts[ax][k]
            hi = min(lo + ws[ax], padded_len[ax])
            if mode != "average_inc_pad":  # the padding is not part of the window
                lo, hi = max(lo, pad[ax]), min(hi, spatial[ax] + pad[ax])
            region.append(slice(lo, hi))
        cells = y[(Ellipsis,) + tuple(region)].reshape(x.shape[:-nd] + (-1,))
        if mode == "max":
            v = cells.max(-1)
        elif mode == "sum":
            v = cells.sum(-1)
        else:
            v = cells.mean(-1)
        out[(Ellipsis,) + pos] = v
    return out


CASES = [((2, 2), True, None, (0, 0)), ((2, 2), False, None, (0, 0)), ((3, 2), False, (2, 1), (0, 0)),
         ((3, 3), True, (2, 2), (0, 0)), ((2, 3), False, (3, 3), (0, 0)), ((3, 2), True, (2, 1), (1, 1)),
         ((3, 3), True, (1, 2), (2, 0))]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ws,ignore_border,stride,pad", CASES)
def test_pool_2d_matches_definition(mode, ws, ignore_border, stride, pad):
    x = T.tensor4("x")
    xv = rng.randn(2, 3, 7, 6)
    y = pool_2d(x, ws=ws, ignore_border=ignore_border, stride=stride, pad=pad, mode=mode)
    got = theano.function([x], y)(xv)
    want = ref_pool(xv, ws, ignore_border, stride, pad, mode)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_padding_excluded_from_max_and_exc_average():
    # All-negative input: a max over zero padding would give 0; an average excluding padding
    # is the plain mean of the real cells.
    x = T.matrix("x")
    xv = -np.arange(1.0, 10.0).reshape(3, 3)
    f = theano.function([x], [pool_2d(x, (2, 2), True, pad=(1, 1), mode=m) for m in MODES])
    mx, sm, inc, exc = f(xv)
    np.testing.assert_array_equal(mx, [[-1, -2], [-4, -5]])
    np.testing.assert_array_equal(sm, [[-1, -5], [-11, -28]])
    np.testing.assert_array_equal(inc, [[-0.25, -1.25], [-2.75, -7]])
    np.testing.assert_array_equal(exc, [[-1, -2.5], [-5.5, -7]])


def test_other_ranks_dtypes_and_pool_3d():
    x3 = T.ftensor3("x")
    # data of its own: drawn from the module's generator it depended on which tests ran
    # before it on the same worker
    local = np.random.RandomState(3)
    xv = local.randn(4, 5, 5).astype("float32")
    y = pool_2d(x3, (2, 2), ignore_border=False, mode="average_exc_pad")
    got = theano.function([x3], y)(xv)
    assert got.dtype == np.float32 and y.type.dtype == "float32"
    # A float32 average of values that nearly cancel carries the rounding of their sum, at
    # the inputs' scale (float32 resolution: 2**-23 relative): an average of 0.0058 from
    # inputs near 1 differed from the float64 reference by 7e-9, 1.3e-6 relative.
    np.testing.assert_allclose(got, ref_pool(xv, (2, 2), False, None, (0, 0), "average_exc_pad"), rtol=1e-6,
                               atol=2.0 ** -21 * np.abs(xv).max())
    x5 = T.tensor5("x")
    xv5 = local.randn(2, 2, 5, 4, 6)
    for mode in MODES:
        y = pool_3d(x5, (2, 3, 2), ignore_border=True, stride=(2, 1, 3), pad=(1, 0, 1), mode=mode)
        np.testing.assert_allclose(theano.function([x5], y)(xv5),
                                   ref_pool(xv5, (2, 3, 2), True, (2, 1, 3), (1, 0, 1), mode), rtol=1e-12)
    xi = T.imatrix("xi")
    vi = np.arange(16, dtype="int32").reshape(4, 4)
    np.testing.assert_array_equal(theano.function([xi], pool_2d(xi, (2, 2), True))(vi), [[5, 7], [13, 15]])


def test_old_spellings_and_default_ignore_border():
    x = T.tensor4("x")
    xv = rng.randn(1, 1, 5, 5)
    with pytest.warns(DeprecationWarning):
        old = pool_2d(x, ds=(2, 2), st=(1, 1), ignore_border=True)
    new = pool_2d(x, ws=(2, 2), stride=(1, 1), ignore_border=True)
    with pytest.warns(DeprecationWarning):
        oldpad = pool_2d(x, (3, 3), True, padding=(1, 1), mode="sum")
    f = theano.function([x], [old, new, oldpad, pool_2d(x, (3, 3), True, pad=(1, 1), mode="sum")])
    a, b, c, d = f(xv)
    np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(c, d)
    # Theano 1.0: ignore_border left out warns and means False (partial windows kept).
    with pytest.warns(UserWarning, match="ignore_border"):
        y = pool_2d(x, (2, 2))
    assert theano.function([x], y)(xv).shape == (1, 1, 3, 3)
    # Theano 1.0's calling form of the op, with the window as call arguments.
    y2 = Pool(ignore_border=True, mode="max")(x, (2, 2), (2, 2), (0, 0))
    assert theano.function([x], y2)(xv).shape == (1, 1, 2, 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        pool_2d(x, (2, 2), ignore_border=True)  # no warning when everything is explicit


def test_bad_arguments_raise():
    x = T.tensor4("x")
    with pytest.raises(ValueError, match="mode"):
        pool_2d(x, (2, 2), True, mode="median")
    with pytest.raises(NotImplementedError, match="ignore_border"):
        pool_2d(x, (2, 2), False, pad=(1, 1))
    with pytest.raises(NotImplementedError, match="smaller"):
        pool_2d(x, (2, 2), True, pad=(2, 0))
    with pytest.raises(ValueError, match="ws"):
        pool_2d(x, ignore_border=True)
    with pytest.raises(NotImplementedError):
        pool_2d(T.vector(), (2, 2), True)
    with pytest.raises(TypeError, match="constant"):
        Pool(True)(x, T.ivector("ws"))


def test_max_pool_2d_same_size():
    x = T.tensor4("x")
    xv = rng.randn(1, 2, 4, 5)
    got = theano.function([x], max_pool_2d_same_size(x, (2, 2)))(xv)
    want = np.zeros_like(xv)
    for i in range(0, 4, 2):
        for j in range(0, 4, 2):  # the fifth column is a partial patch: zeros
            blk = xv[:, :, i:i + 2, j:j + 2]
            want[:, :, i:i + 2, j:j + 2] = np.where(blk == blk.max(axis=(2, 3), keepdims=True), blk, 0)
    np.testing.assert_array_equal(got, want)


# -- gradients -------------------------------------------------------------------------------------

GRAD_CASES = [((2, 2), True, None, (0, 0)), ((3, 2), False, (2, 1), (0, 0)), ((3, 3), True, (2, 2), (1, 2))]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("ws,ignore_border,stride,pad", GRAD_CASES)
def test_pool_grad(mode, ws, ignore_border, stride, pad):
    # Distinct values a step apart: finite differences never cross a tie of the maximum.
    xv = rng.permutation(2 * 7 * 6).reshape(1, 2, 7, 6) * 0.1
    verify_grad(lambda x: pool_2d(x, ws, ignore_border, stride, pad, mode), [xv], rng=rng)


@pytest.mark.parametrize("mode", MODES)
def test_pool_second_derivative(mode):
    xv = rng.permutation(2 * 6 * 5).reshape(2, 6, 5) * 0.1
    kw = dict(ws=(3, 2), ignore_border=True, stride=(2, 1), pad=(1, 1), mode=mode)
    verify_grad(lambda x: T.grad((pool_2d(x, **kw) ** 3).sum(), x), [xv], rng=rng)


def test_grad_op_grads():
    xv = rng.permutation(36).reshape(1, 1, 6, 6) * 0.1
    params = dict(ignore_border=False, ws=(3, 2), stride=(2, 2))
    x = T.tensor4("x")
    maxout = theano.function([x], Pool(**params)(x))(xv)
    gz = rng.randn(*maxout.shape)
    verify_grad(lambda g: MaxPoolGrad(**params)(xv, maxout, g), [gz], rng=rng)
    verify_grad(lambda gg: DownsampleFactorMaxGradGrad(**params)(xv, maxout, gg), [rng.randn(*xv.shape)],
                rng=rng)
    verify_grad(lambda g: AveragePoolGrad(mode="average_exc_pad", **params)(xv, g), [gz], rng=rng)


def test_max_grad_goes_to_the_maximum():
    x = T.matrix("x")
    xv = np.array([[1.0, 5.0, 2.0], [3.0, 4.0, 0.0]])
    g = theano.function([x], T.grad(pool_2d(x, (2, 2), ignore_border=False).sum(), x))(xv)
    np.testing.assert_array_equal(g, [[0, 1, 1], [0, 0, 0]])


# -- shapes ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("ws,ignore_border,stride,pad", CASES)
def test_infer_shape(ws, ignore_border, stride, pad):
    x = T.tensor4("x")
    xv = rng.randn(2, 3, 7, 6)
    y = pool_2d(x, ws, ignore_border, stride, pad, mode="max")
    check_infer_shape([x], [y], [xv])
    gx = T.grad(y.sum(), x)
    check_infer_shape([x], [gx], [xv])
    yv = theano.function([x], y)(xv)
    gg = DownsampleFactorMaxGradGrad(ignore_border, ws=ws, stride=stride, pad=pad)(x, y, x)
    check_infer_shape([x], [gg], [xv])
    ya = pool_2d(x, ws, ignore_border, stride, pad, mode="average_inc_pad")
    check_infer_shape([x], [T.grad(ya.sum(), x)], [xv])
    assert tuple(Pool.out_shape(xv.shape, ws, ignore_border, stride, pad)) == yv.shape
    assert pool.pool_output_length(7, ws[0], (stride or ws)[0], pad[0], ignore_border) == yv.shape[2]


@pytest.mark.parametrize("mode", MODES)
def test_rop_is_the_directional_derivative(mode):
    x, v = T.tensor4("x"), T.tensor4("v")
    y = pool_2d(x, (3, 2), True, (2, 1), (1, 1), mode)
    xv = rng.permutation(60).reshape(1, 2, 6, 5) * 0.1
    dv = rng.randn(*xv.shape)
    f = theano.function([x], y)
    eps = 1e-6
    fd = (f(xv + eps * dv) - f(xv - eps * dv)) / (2 * eps)
    rop = theano.function([x, v], T.Rop(y, x, v), on_unused_input="ignore")  # linear modes ignore x
    np.testing.assert_allclose(rop(xv, dv), fd, rtol=1e-6, atol=1e-7)
