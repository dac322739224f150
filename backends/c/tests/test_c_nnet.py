"""Convolutions and pooling compiled by the C backend (theano_c/nnet.c): against the reference
backend and against direct definitions, with every border mode, stride, dilation and flip,
gradients, groups, 3-D, non-contiguous inputs, column blocks of every size, both BLAS libraries
(NumPy's ILP64 OpenBLAS and SciPy's routines) and their thread setting, the pooling modes with
padding and partial windows, errors and the runner labels."""
from __future__ import annotations

import ctypes
import threading
import types

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.backend.registry import registry
from theano.tensor import nnet
from theano.tensor.signal.pool import (AveragePoolGrad, DownsampleFactorMaxGradGrad, MaxPoolGrad, Pool,
                                       pool_2d, pool_3d)

pytestmark = pytest.mark.skipif("c" not in registry.records or not registry.records["c"].probe_cached().usable,
                                reason="the c backend is not installed or has no usable compiler")

CONV = "c (im2col + BLAS)"
POOL = "c (pool loops)"
rng = np.random.RandomState(11)


@pytest.fixture(params=["auto", "scipy"])
def blas_source(request):
    """A convolution test with NumPy's bundled OpenBLAS (ILP64, when found) and with SciPy's
    routines (32-bit integers), as the products are tested."""
    with theano.config.change_flags(c__blas=request.param):
        yield request.param


@pytest.fixture
def tiny_blocks(monkeypatch):
    """Column blocks of one or a few output rows, so that every image's work is cut into many
    blocks with a remainder: block boundaries, not just whole images, are exercised."""
    from theano_c import nnet as c_nnet

    def use(nbytes):
        monkeypatch.setattr(c_nnet, "_COL_BLOCK_BYTES", nbytes)

    return use


def runners(f) -> set:
    return set(f.linked.runners.values())


def both(inputs, outputs):
    """The graph compiled for the C backend and for the reference."""
    return (theano.function(inputs, outputs, device="c"),
            theano.function(inputs, outputs, device="numpy"))


def close(got, want, dtype="float64"):
    tol = 1e-10 if dtype == "float64" else 2e-4
    for g, w in zip(got, want):
        assert g.shape == w.shape and g.dtype == w.dtype
        np.testing.assert_allclose(g, w, rtol=tol, atol=tol)


# -- direct definitions ------------------------------------------------------------------------

def pads_of(border_mode, kshape, dilation):
    dk = [(k - 1) * d + 1 for k, d in zip(kshape, dilation)]
    if border_mode == "valid":
        return [0] * len(dk)
    if border_mode == "full":
        return [d - 1 for d in dk]
    if border_mode == "half":
        return [d // 2 for d in dk]
    if isinstance(border_mode, int):
        return [border_mode] * len(dk)
    return list(border_mode)


def conv_by_definition(x, w, border_mode, subsample, dilation, flip):
    """A sum over kernel offsets of shifted, strided image slices times one kernel tap each."""
    nd = x.ndim - 2
    if flip:
        w = w[(slice(None), slice(None)) + (slice(None, None, -1),) * nd]
    pads = pads_of(border_mode, w.shape[2:], dilation)
    xp = np.zeros(x.shape[:2] + tuple(s + 2 * p for s, p in zip(x.shape[2:], pads)))
    xp[(slice(None), slice(None)) + tuple(slice(p, p + s) for p, s in zip(pads, x.shape[2:]))] = x
    out_sp = [(s - ((k - 1) * d + 1)) // st + 1
              for s, k, d, st in zip(xp.shape[2:], w.shape[2:], dilation, subsample)]
    out = np.zeros((x.shape[0], w.shape[0]) + tuple(out_sp))
    for off in np.ndindex(*w.shape[2:]):
        sl = tuple(slice(o * d, o * d + (n - 1) * st + 1, st)
                   for o, d, n, st in zip(off, dilation, out_sp, subsample))
        patch = xp[(slice(None), slice(None)) + sl]  # (B, C, *out)
        out += np.einsum("bc...,fc->bf...", patch, w[(slice(None), slice(None)) + off])
    return out


def pool_by_definition(x, ws, stride, pad, ignore_border, mode):
    """One window at a time over the padded image; partial windows keep what they cover."""
    h, w = x.shape[-2:]
    ph, pw = h + 2 * pad[0], w + 2 * pad[1]

    def starts(v, k, s):
        out, i = [], 0
        while True:
            a = i * s
            if ignore_border and a + k > v:
                return out
            if not ignore_border and (a >= v or (i > 0 and (i - 1) * s + k >= v)):
                return out
            out.append(a)
            i += 1

    rows, cols = starts(ph, ws[0], stride[0]), starts(pw, ws[1], stride[1])
    y = np.empty(x.shape[:-2] + (len(rows), len(cols)))
    for i, a in enumerate(rows):
        for j, b in enumerate(cols):
            inc = (min(a + ws[0], ph) - a) * (min(b + ws[1], pw) - b)
            a0, a1 = max(a - pad[0], 0), min(a + ws[0] - pad[0], h)
            b0, b1 = max(b - pad[1], 0), min(b + ws[1] - pad[1], w)
            cells = x[..., a0:a1, b0:b1].reshape(x.shape[:-2] + (-1,))
            if mode == "max":
                y[..., i, j] = cells.max(-1)
            elif mode == "sum":
                y[..., i, j] = cells.sum(-1)
            elif mode == "average_inc_pad":
                y[..., i, j] = cells.sum(-1) / inc
            else:
                y[..., i, j] = cells.sum(-1) / cells.shape[-1]
    return y


# -- convolution -----------------------------------------------------------------------------

BORDERS = ["valid", "full", "half", 1, (2, 1)]


@pytest.mark.parametrize("border_mode", BORDERS)
@pytest.mark.parametrize("subsample", [(1, 1), (2, 3)])
@pytest.mark.parametrize("dilation", [(1, 1), (2, 1)])
@pytest.mark.usefixtures("blas_source")
def test_conv2d_forward_and_gradients(border_mode, subsample, dilation):
    x, w = T.dtensor4("x"), T.dtensor4("w")
    xv, wv = rng.randn(3, 2, 9, 8), rng.randn(4, 2, 3, 2)
    outs = []
    for flip in (True, False):
        y = nnet.conv2d(x, w, border_mode=border_mode, subsample=subsample, filter_flip=flip,
                        filter_dilation=dilation)
        proj = theano.shared(rng.randn(*conv_by_definition(xv, wv, border_mode, subsample, dilation,
                                                           flip).shape))
        outs += [y] + theano.grad((y * proj).sum(), [x, w])
    fc, fr = both([x, w], outs)
    assert CONV in runners(fc) and not any("fallback" in r for r in runners(fc))
    got = fc(xv, wv)
    close(got, fr(xv, wv))
    for k, flip in enumerate((True, False)):
        np.testing.assert_allclose(got[3 * k], conv_by_definition(xv, wv, border_mode, subsample,
                                                                  dilation, flip), rtol=1e-10, atol=1e-10)


def test_gradients_match_finite_differences_on_c():
    xv, wv = rng.randn(2, 2, 6, 5), rng.randn(3, 2, 3, 3)
    with theano.config.change_flags(device="c"):
        theano.gradient.verify_grad(lambda x, w: nnet.conv2d(x, w, border_mode=(1, 2), subsample=(2, 1)),
                                    [xv, wv], rng=rng)


@pytest.mark.usefixtures("blas_source")
def test_float32_and_mixed_dtypes_compile():
    x, w = T.ftensor4("x"), T.dtensor4("w")
    y = nnet.conv2d(x, w, border_mode="half")
    fc, fr = both([x, w], [y] + theano.grad(y.sum(), [x, w]))
    assert CONV in runners(fc)
    xv, wv = rng.rand(2, 3, 7, 7).astype("float32"), rng.randn(5, 3, 3, 3)
    close(fc(xv, wv), fr(xv, wv))
    xf, wf = T.ftensor4("x"), T.ftensor4("w")
    yf = nnet.conv2d(xf, wf, subsample=(2, 2))
    fc, fr = both([xf, wf], [yf] + theano.grad((yf ** 2).sum(), [xf, wf]))
    close(fc(xv, wv.astype("float32")), fr(xv, wv.astype("float32")), "float32")


def test_float16_is_a_visible_fallback():
    x, w = T.tensor4("x", dtype="float16"), T.tensor4("w", dtype="float16")
    with theano.config.change_flags(fallback="silent"):
        f = theano.function([x, w], nnet.conv2d(x, w), device="c")
    assert "numpy (fallback)" in theano.printing.debugprint(f, file="str")
    xv, wv = rng.rand(1, 1, 4, 4).astype("float16"), rng.rand(1, 1, 2, 2).astype("float16")
    assert f(xv, wv).dtype == np.float16


@pytest.mark.usefixtures("blas_source")
def test_non_contiguous_inputs():
    x, w = T.dtensor4("x"), T.dtensor4("w")
    y = nnet.conv2d(x, w, border_mode="full", subsample=(1, 2))
    fc, fr = both([x, w], [y] + theano.grad((y * y).sum(), [x, w]))
    big, kern = rng.randn(4, 6, 10, 9), rng.randn(3, 3, 4, 2)
    xv = big[::2, ::2, ::-1, 1:]  # strided, reversed, offset
    wv = kern.transpose(1, 0, 3, 2)  # (3, 3, 2, 4): a transposed view
    assert not xv.flags.c_contiguous and not wv.flags.c_contiguous
    close(fc(xv, wv), fr(xv, wv))
    np.testing.assert_allclose(fc(xv, wv)[0], conv_by_definition(xv, wv, "full", (1, 2), (1, 1), True),
                               rtol=1e-10, atol=1e-10)


@pytest.mark.usefixtures("blas_source")
def test_groups_and_pointwise_kernels():
    x, w = T.dtensor4("x"), T.dtensor4("w")
    outs = []
    for kw in (dict(num_groups=2), dict(num_groups=2, border_mode="half", subsample=(2, 2))):
        y = nnet.conv2d(x, w, **kw)
        outs += [y] + theano.grad((y ** 2).sum(), [x, w])
    fc, fr = both([x, w], outs)
    assert CONV in runners(fc)
    xv, wv = rng.randn(2, 4, 6, 5), rng.randn(6, 2, 3, 3)
    close(fc(xv, wv), fr(xv, wv))
    # 1x1 filters at stride 1 read the image in place (no column matrix)
    y = nnet.conv2d(x, w)
    fc, fr = both([x, w], [y] + theano.grad((y ** 2).sum(), [x, w]))
    xv, wv = rng.randn(3, 4, 5, 6), rng.randn(2, 4, 1, 1)
    close(fc(xv, wv), fr(xv, wv))
    np.testing.assert_allclose(fc(xv, wv)[0], np.einsum("bchw,fc->bfhw", xv, wv[:, :, 0, 0]), rtol=1e-12)


@pytest.mark.parametrize("kw", [dict(), dict(border_mode="full", filter_flip=False),
                                dict(border_mode=(1, 0, 2), subsample=(2, 1, 2), filter_dilation=(1, 2, 1))])
@pytest.mark.usefixtures("blas_source")
def test_conv3d_forward_and_gradients(kw):
    x, w = T.dtensor5("x"), T.dtensor5("w")
    y = nnet.conv3d(x, w, **kw)
    fc, fr = both([x, w], [y] + theano.grad((y ** 2).sum(), [x, w]))
    assert CONV in runners(fc) and not any("fallback" in r for r in runners(fc))
    xv, wv = rng.randn(2, 2, 5, 6, 5), rng.randn(3, 2, 2, 3, 2)
    got = fc(xv, wv)
    close(got, fr(xv, wv))
    want = conv_by_definition(xv, wv, kw.get("border_mode", "valid"), kw.get("subsample", (1, 1, 1)),
                              kw.get("filter_dilation", (1, 1, 1)), kw.get("filter_flip", True))
    np.testing.assert_allclose(got[0], want, rtol=1e-10, atol=1e-10)


@pytest.mark.usefixtures("blas_source")
def test_gradient_ops_called_directly_and_transpose():
    top, w, x = T.dtensor4("top"), T.dtensor4("w"), T.dtensor4("x")
    gi = nnet.abstract_conv.conv2d_grad_wrt_inputs(top, w, (2, 3, 8, 7), border_mode="half", subsample=(2, 2))
    gw = nnet.abstract_conv.conv2d_grad_wrt_weights(x, top, (4, 3, 3, 3), border_mode="half", subsample=(2, 2))
    fc, fr = both([top, w, x], [gi, gw])
    assert runners(fc) >= {CONV}
    tv, wv, xv = rng.randn(2, 4, 4, 4), rng.randn(4, 3, 3, 3), rng.randn(2, 3, 8, 7)
    close(fc(tv, wv, xv), fr(tv, wv, xv))


@pytest.mark.usefixtures("blas_source")
def test_empty_batch_and_channels():
    x, w = T.dtensor4("x"), T.dtensor4("w")
    y = nnet.conv2d(x, w, border_mode="half")
    fc, fr = both([x, w], [y] + theano.grad(y.sum(), [x, w]))
    for xs, ws in (((0, 2, 5, 5), (3, 2, 3, 3)), ((2, 0, 5, 5), (3, 0, 3, 3)), ((2, 2, 5, 5), (0, 2, 3, 3))):
        xv, wv = rng.randn(*xs), rng.randn(*ws)
        close(fc(xv, wv), fr(xv, wv))


BLOCK_CASES = [
    (T.dtensor4, (3, 2, 9, 8), (4, 2, 3, 2), dict(border_mode="half", subsample=(2, 3))),
    (T.dtensor4, (3, 4, 7, 6), (6, 2, 3, 3), dict(border_mode="full", filter_dilation=(2, 1), num_groups=2)),
    (T.dtensor4, (3, 3, 5, 7), (4, 3, 1, 1), dict()),  # pointwise: blocks of the image read in place
    (T.ftensor4, (3, 3, 11, 6), (5, 3, 3, 3), dict(border_mode=(1, 2), filter_flip=False)),
    (T.dtensor5, (3, 2, 4, 5, 4), (3, 2, 2, 3, 2), dict(border_mode=(1, 0, 1), subsample=(1, 2, 1))),
]


@pytest.mark.usefixtures("blas_source")
@pytest.mark.parametrize("rows", [1, 2, 3, None, "2 images"])
@pytest.mark.parametrize("case", range(len(BLOCK_CASES)))
def test_column_blocks_with_remainders(case, rows, tiny_blocks):
    """Blocks of 1, 2 or 3 output rows (most images then end in a shorter block), all the rows
    of an image, or two whole images side by side (and the third image alone)."""
    from theano_c import nnet as c_nnet

    make, xs, ws, kw = BLOCK_CASES[case]
    x, w = make("x"), make("w")
    xv, wv = rng.randn(*xs).astype(x.dtype), rng.randn(*ws).astype(x.dtype)
    nd = len(xs) - 2
    want = conv_by_definition(xv.astype("float64"), wv.astype("float64"), kw.get("border_mode", "valid"),
                              kw.get("subsample", (1,) * nd), kw.get("filter_dilation", (1,) * nd),
                              kw.get("filter_flip", True)) if "num_groups" not in kw else None
    y = (nnet.conv3d if nd == 3 else nnet.conv2d)(x, w, **kw)
    out_shape = theano.function([x, w], y, device="numpy")(xv, wv).shape
    proj = theano.shared(rng.randn(*out_shape).astype(x.dtype))
    K = ws[1] * int(np.prod(ws[2:]))
    all_rows = int(np.prod(out_shape[2:-1]))
    block_rows = {None: all_rows, "2 images": 2 * all_rows}.get(rows, rows)
    tiny_blocks(block_rows * K * out_shape[-1] * np.dtype(x.dtype).itemsize)
    fc, fr = both([x, w], [y] + theano.grad((y * proj).sum(), [x, w]))
    assert CONV in runners(fc)
    got = fc(xv, wv)
    close(got, fr(xv, wv), x.dtype)
    if want is not None:
        tol = 1e-10 if x.dtype == "float64" else 2e-4
        np.testing.assert_allclose(got[0], want, rtol=tol, atol=tol)
    # the blocks are the ones asked for (nnet.c caps a block at all the rows)
    plain = types.SimpleNamespace(subsample=(1,) * nd, filter_dilation=(1,) * nd)
    geo = c_nnet._conv_geometry(xs[0], xs[1], ws[0], kw.get("num_groups", 1), xs[2:], ws[2:], out_shape[2:],
                                plain, (0,) * nd, True, np.dtype(x.dtype).itemsize)
    assert geo[22] == block_rows
    assert isinstance(rows, str) or rows is None or all_rows > rows  # every case is cut into blocks


def _thread_count(set_threads: int) -> int:
    """The thread count of the OpenBLAS whose setter is at `set_threads` (it returns the old one)."""
    setter = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(set_threads)
    n = setter(1)
    setter(n)
    return n


def test_blas_thread_count_is_restored_after_concurrent_convolutions(blas_source):
    """OpenBLAS's openblas_set_num_threads_local sets one process-wide count in these builds:
    convolutions from several Python threads at once, each on several OpenMP threads, must leave
    the count (which NumPy's and theano's products run on) as they found it."""
    from theano_c import nnet as c_nnet
    from theano_c.blas import blas_routines

    (gemm, _, _), _, _ = blas_routines("s", blas_source)
    set_threads = c_nnet._blas_thread_control(gemm)
    if set_threads is None:
        pytest.skip("this BLAS has no openblas_set_num_threads_local")
    setter = ctypes.CFUNCTYPE(ctypes.c_int, ctypes.c_int)(set_threads)
    before = setter(3)  # a count of our own, so a leftover 1 or the machine's default both show
    try:
        x, w = T.ftensor4("x"), T.ftensor4("w")
        y = nnet.conv2d(x, w, border_mode="half")
        f = theano.function([x, w], [y] + theano.grad((y ** 2).sum(), [x, w]), device="c")
        xv, wv = rng.rand(8, 3, 12, 12).astype("float32"), rng.rand(4, 3, 3, 3).astype("float32")
        want = f(xv, wv)
        errors = []

        def work():
            try:
                for _ in range(30):
                    for g, v in zip(f(xv, wv), want):
                        np.testing.assert_allclose(g, v, rtol=2e-4, atol=2e-4)
            except Exception as e:  # pragma: no cover - reported below
                errors.append(e)

        threads = [threading.Thread(target=work) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors, errors
        assert _thread_count(set_threads) == 3
    finally:
        setter(before)


def test_bad_shapes_name_the_op_and_shapes_and_the_function_stays_usable():
    x, w = T.dtensor4("x"), T.dtensor4("w")
    y = nnet.conv2d(x, w)
    f = theano.function([x, w], [y] + theano.grad(y.sum(), [x, w]), device="c")
    with pytest.raises(ValueError, match=r"Conv2d.*3 channels.*\(2, 4, 3, 3\)"):
        f(rng.randn(1, 3, 5, 5), rng.randn(2, 4, 3, 3))
    with pytest.raises(ValueError, match=r"Conv2d.*larger than the padded input"):
        f(rng.randn(1, 3, 2, 5), rng.randn(2, 3, 3, 3))
    gi = nnet.abstract_conv.conv2d_grad_wrt_inputs(x, w, (1, 3, 6, 6))
    g = theano.function([x, w], gi, device="c")
    with pytest.raises(ValueError, match=r"Conv2dGradInputs.*spatial shape \(3, 3\).*gives \(4, 4\)"):
        g(rng.randn(1, 2, 3, 3), rng.randn(2, 3, 3, 3))
    xv, wv = rng.randn(1, 3, 5, 5), rng.randn(2, 3, 3, 3)
    assert f(xv, wv)[0].shape == (1, 2, 3, 3)


# -- pooling ---------------------------------------------------------------------------------

MODES = ["max", "sum", "average_inc_pad", "average_exc_pad"]
GEOMETRIES = [dict(ws=(2, 2), ignore_border=True), dict(ws=(3, 2), stride=(2, 1), ignore_border=False),
              dict(ws=(3, 3), stride=(2, 2), pad=(1, 2), ignore_border=True),
              dict(ws=(2, 3), stride=(3, 2), ignore_border=False)]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("geo", GEOMETRIES)
def test_pool_and_its_gradient(mode, geo):
    x = T.dtensor4("x")
    y = pool_2d(x, mode=mode, **geo)
    proj = theano.shared(np.zeros((1, 1, 1, 1)), broadcastable=(True,) * 4)
    fc, fr = both([x], [y, theano.grad((y * y).sum() + (y * proj).sum(), x)])
    assert runners(fc) >= {POOL} and not any("fallback" in r for r in runners(fc))
    xv = rng.randn(2, 3, 7, 8)
    xv[0, 0, :2, :2] = 1.5  # a tie: max pooling's gradient goes to every maximum
    got = fc(xv)
    close(got, fr(xv))
    want = pool_by_definition(xv, geo["ws"], geo.get("stride", geo["ws"]), geo.get("pad", (0, 0)),
                              geo["ignore_border"], mode)
    np.testing.assert_allclose(got[0], want, rtol=1e-12, atol=1e-12)


def test_pool_float32_is_identical_to_the_reference_and_handles_nan_and_inf():
    x = T.ftensor4("x")
    outs = [pool_2d(x, ws=(2, 2), ignore_border=False, mode=m) for m in MODES]
    fc, fr = both([x], outs + [theano.grad(outs[0].sum() + outs[3].sum(), x)])
    xv = rng.randn(2, 2, 5, 5).astype("float32")
    xv[0, 0, 0, 0], xv[0, 1, 2, 3], xv[1, 0, 4, 4] = np.nan, np.inf, -np.inf
    for g, w in zip(fc(xv), fr(xv)):
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_max_pool_gradients_keep_inf_and_nan_to_the_maxima(dtype):
    """Only the cells holding a window's maximum get its gradient: an inf or NaN in gz (or ggx)
    must not reach the others, and the sums are the reference's bit for bit."""
    x, gz, ggx = T.tensor4("x", dtype=dtype), T.tensor4("gz", dtype=dtype), T.tensor4("ggx", dtype=dtype)
    kw = dict(ignore_border=False, ws=(2, 3), stride=(1, 2), pad=(0, 0))
    out = Pool(mode="max", **kw)(x)
    fc, fr = both([x, gz, ggx], [MaxPoolGrad(**kw)(x, out, gz), DownsampleFactorMaxGradGrad(**kw)(x, out, ggx)])
    assert POOL in runners(fc)
    xv = rng.randn(2, 3, 6, 7).astype(dtype)
    xv[0, 0, :2, :3] = 0.5  # a tied window
    gzv = rng.randn(2, 3, 5, 3).astype(dtype)
    gzv[0, 0, 0, 0], gzv[1, 2, 3, 1], gzv[0, 1, 4, 2] = np.inf, np.nan, -np.inf
    ggv = rng.randn(2, 3, 6, 7).astype(dtype)
    ggv[0, 0, 1, 1], ggv[1, 1, 2, 2], ggv[1, 2, 0, 6] = np.nan, np.inf, -np.inf
    got, want = fc(xv, gzv, ggv), fr(xv, gzv, ggv)
    for g, w in zip(got, want):  # overlapping windows add a cell's shares in another order
        np.testing.assert_array_equal(np.isnan(g), np.isnan(w))
        np.testing.assert_array_equal(np.isinf(g) * np.sign(g), np.isinf(w) * np.sign(w))
        close([np.nan_to_num(g)], [np.nan_to_num(w)], dtype)
    assert 0 < (~np.isfinite(got[0])).sum() < 12 and 0 < (~np.isfinite(got[1])).sum() < 12


def test_pool_non_contiguous_3d_and_leading_axes():
    x = T.dtensor3("x")
    y = pool_2d(x, ws=(2, 2), stride=(1, 2), ignore_border=True, mode="average_exc_pad")
    fc, fr = both([x], [y, theano.grad((y ** 2).sum(), x)])
    xv = rng.randn(6, 9, 8)[::2, ::-1, 1:]
    close(fc(xv), fr(xv))
    v = T.dtensor5("v")
    z = pool_3d(v, ws=(2, 2, 2), stride=(1, 2, 1), pad=(1, 0, 1), ignore_border=True, mode="max")
    fc, fr = both([v], [z, theano.grad((z ** 2).sum(), v)])
    assert POOL in runners(fc)
    vv = rng.randn(2, 2, 5, 4, 5)
    close(fc(vv), fr(vv))


def test_pool_gradient_ops_directly_and_grad_grad():
    x, gz, ggx = T.dtensor4("x"), T.dtensor4("gz"), T.dtensor4("ggx")
    kw = dict(ignore_border=True, ws=(3, 2), stride=(2, 2), pad=(1, 1))
    out = Pool(mode="max", **kw)(x)
    outs = [MaxPoolGrad(**kw)(x, out, gz), AveragePoolGrad(mode="average_inc_pad", **kw)(x, gz),
            DownsampleFactorMaxGradGrad(**kw)(x, out, ggx)]
    fc, fr = both([x, gz, ggx], outs)
    assert POOL in runners(fc) and not any("fallback" in r for r in runners(fc))
    xv = rng.randn(2, 2, 7, 6)
    gzv, ggv = rng.randn(2, 2, 4, 4), rng.randn(2, 2, 7, 6)
    close(fc(xv, gzv, ggv), fr(xv, gzv, ggv))
    with pytest.raises(ValueError, match=r"MaxPoolGrad: gz has shape \(2, 2, 3, 4\)"):
        fc(xv, gzv[:, :, :3], ggv)


@pytest.mark.usefixtures("blas_source")
def test_lenet_step_matches_the_reference():
    x, t = T.ftensor4("x"), T.lvector("t")
    W1 = theano.shared((rng.randn(4, 1, 5, 5) * 0.1).astype("float32"))
    W2 = theano.shared((rng.randn(6, 4, 3, 3) * 0.1).astype("float32"))
    h1 = T.tanh(pool_2d(nnet.conv2d(x, W1), ws=(2, 2), ignore_border=True))
    h2 = T.tanh(pool_2d(nnet.conv2d(h1, W2, border_mode="half"), ws=(2, 2), ignore_border=True))
    p = nnet.softmax(h2.flatten(2)[:, :10])
    loss = nnet.categorical_crossentropy(p, t).mean()
    fc, fr = both([x, t], [loss] + theano.grad(loss, [W1, W2]))
    xv, tv = rng.rand(8, 1, 16, 16).astype("float32"), rng.randint(0, 10, 8)
    close(fc(xv, tv), fr(xv, tv), "float32")
    text = theano.printing.debugprint(fc, file="str")
    assert CONV in text and POOL in text
    fallbacks = [ln for ln in text.splitlines() if "fallback" in ln]
    assert not [ln for ln in fallbacks if "Conv" in ln or "Pool" in ln], fallbacks
