"""The cuda backend on a real GPU (skipped, with the reason, where CuPy or a GPU is missing).
backends/cuda/gpu_check.sh runs these together with the conformance suite, the tutorial and
the benchmarks."""
from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T


def _usable() -> tuple[bool, str]:
    from theano.backend.registry import registry

    rec = registry.records.get("cuda")
    if rec is None:
        return False, "the cuda backend is not installed (pip install -e backends/cuda)"
    p = rec.probe_cached()
    return p.usable, (p.reason + (f" (fix: {p.fix})" if p.fix else ""))


_OK, _WHY = _usable()
pytestmark = pytest.mark.skipif(not _OK, reason=f"needs an NVIDIA GPU with CuPy: {_WHY}")


def test_fused_elementwise_on_views_and_dtypes():
    for dt, rtol in (("float32", 1e-5), ("float64", 1e-12)):
        x, y = T.matrix("x", dtype=dt), T.matrix("y", dtype=dt)
        expr = T.exp(-x ** 2) * T.sin(y) + 0.5 * T.tanh(x * y)
        f = theano.function([x, y], expr, device="cuda")
        g = theano.function([x, y], expr, device="numpy")
        rs = np.random.RandomState(0)
        big = rs.randn(20, 30).astype(dt)
        for a, b in ((big[:5, :7], big[5:10, :7]), (big[::2, ::3][:6, :7], big[:7, :6].T),
                     (big[::-1, ::-1][:5, :7], big[:5, :7])):
            np.testing.assert_allclose(f(a, b), g(a, b), rtol=rtol, atol=1e-6)
        assert "cuda kernel" in f.linked.runners.values()


def test_reductions_every_axis_pattern():
    x = T.dtensor3("x")
    v = np.random.RandomState(1).randn(4, 5, 6)
    for axis in (None, 0, 1, 2, (0, 2), (1, 2)):
        f = theano.function([x], [T.sum(x, axis=axis), T.max(x, axis=axis), T.prod(x, axis=axis),
                                  T.any(x > 1, axis=axis)], device="cuda")
        s, m, p, a = f(v)
        np.testing.assert_allclose(s, v.sum(axis=axis), rtol=1e-12)
        np.testing.assert_array_equal(m, v.max(axis=axis))
        np.testing.assert_allclose(p, v.prod(axis=axis), rtol=1e-12)
        np.testing.assert_array_equal(a, (v > 1).any(axis=axis))
    long = np.random.RandomState(2).rand(10 ** 6).astype("float32")
    y = T.fvector("y")  # one long row: the split (two-pass) reduction
    f = theano.function([y], T.sum(y), device="cuda")
    np.testing.assert_allclose(f(long), long.astype("float64").sum(), rtol=1e-6)


def test_products_through_cublas():
    a, b = T.fmatrices("a", "b")
    f = theano.function([a, b], T.dot(a, b) * 2 + a.sum(), device="cuda")
    va = np.random.RandomState(3).rand(64, 64).astype("float32")
    vb = np.random.RandomState(4).rand(64, 64).astype("float32")
    np.testing.assert_allclose(f(va, vb), (va @ vb) * 2 + va.sum(), rtol=1e-4)
    assert "cuda (cuBLAS)" in f.linked.runners.values()


def test_shared_variable_stays_on_the_gpu():
    import cupy

    w = theano.shared(np.zeros(3, "float32"), "w")
    x = T.fvector("x")
    f = theano.function([x], w.sum(), updates=[(w, w + x)], device="cuda")
    for _ in range(3):
        f(np.ones(3, "float32"))
    assert isinstance(w.container.value, cupy.ndarray)
    np.testing.assert_array_equal(w.get_value(), [3, 3, 3])


def test_fallback_runs_and_is_labelled():
    x = T.cvector("x")
    with theano.config.change_flags(fallback="silent"):
        f = theano.function([x], x * x, device="cuda")
    np.testing.assert_allclose(f(np.array([1j, 2], "complex64")), [-1, 4])
    assert "numpy (fallback)" in f.linked.runners.values()


def test_device_strings():
    from theano.backend.registry import registry

    rec, dev = registry.resolve("cuda")
    assert rec.name == "cuda" and dev == "cuda0"
    assert registry.resolve("cuda0")[1] == "cuda0"


def test_conv_and_pool_with_gradients_on_the_gpu():
    from theano.tensor.nnet import conv2d
    from theano.tensor.signal.pool import pool_2d

    x, w = T.ftensor4("x"), T.ftensor4("w")
    y = conv2d(x, w, border_mode="half", subsample=(2, 1), filter_dilation=(1, 2))
    p = pool_2d(y, ws=(3, 2), stride=(2, 2), pad=(1, 1), ignore_border=True, mode="max")
    q = pool_2d(y, ws=(2, 2), ignore_border=False, mode="average_inc_pad")
    outs = [y, p, q] + theano.grad((p ** 2).sum() + q.sum(), [x, w])
    f = theano.function([x, w], outs, device="cuda")
    g = theano.function([x, w], outs, device="numpy")
    rs = np.random.RandomState(0)
    xv, wv = rs.randn(4, 3, 11, 10).astype("float32"), rs.randn(5, 3, 3, 3).astype("float32")
    for a, b in zip(f(xv, wv), g(xv, wv)):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4)
    assert not any("fallback" in r for n, r in f.linked.runners.items()
                   if "Conv" in type(n.op).__name__ or "Pool" in type(n.op).__name__)
