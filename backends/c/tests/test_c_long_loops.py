"""Loops long enough for OpenMP threads: the entry point's choice between the serial and the
threaded variant of a kernel, and full reductions split into chunks."""
from __future__ import annotations

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.backend.registry import registry

pytestmark = pytest.mark.skipif("c" not in registry.records or not registry.records["c"].probe_cached().usable,
                                reason="the c backend is not installed or has no usable compiler")

N = 3_000_001  # past the threshold, and not a multiple of the chunk count


def test_long_sums_and_products_of_everything():
    x = T.dvector("x")
    f = theano.function([x], [T.sum(x ** 2), T.prod(x), T.max(x), T.sum(x)], device="c")
    r = np.random.RandomState(0)
    v = 1 + 1e-7 * r.randn(N)
    got = f(v)
    want = [np.sum(v ** 2), np.prod(v), np.max(v), np.sum(v)]
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, rtol=1e-12)
    again = f(v)
    assert all(a.tobytes() == b.tobytes() for a, b in zip(got, again))  # reproducible
    v[N // 2] = np.nan
    assert all(np.isnan(g) for g in f(v))


def test_long_full_reductions_of_matrices_and_float32():
    m = T.dmatrix("m")
    q = T.fvector("q")
    f = theano.function([m, q], [T.sum(T.exp(m)), T.sum(q * q)], device="c")
    r = np.random.RandomState(1)
    a = r.rand(1500, 1001)
    b = r.rand(N).astype("float32")
    s, sq = f(a, b)
    np.testing.assert_allclose(s, np.exp(a).sum(), rtol=1e-12)
    assert sq.dtype == np.float32
    np.testing.assert_allclose(sq, (b.astype("float64") ** 2).sum(), rtol=1e-6)
    s_t, _ = f(a.T, b[:10])  # not contiguous: the plain strided loop
    np.testing.assert_allclose(s_t, np.exp(a).sum(), rtol=1e-12)
    s_small, _ = f(a[:3, :3], b[:5])  # short: the serial variant
    np.testing.assert_allclose(s_small, np.exp(a[:3, :3]).sum(), rtol=1e-15)


def test_empty_and_huge_elementwise_loops():
    x = T.dvector("x")
    f = theano.function([x], T.sqrt(x) + 1, device="c")
    assert f(np.zeros(0)).shape == (0,)
    v = np.arange(float(N))
    np.testing.assert_array_equal(f(v), np.sqrt(v) + 1)


def test_transcendental_kernels_take_threads_sooner():
    from theano_c.renderer import PARALLEL_FLOOR, PARALLEL_MIN, parallel_min

    x, y = T.dvectors("x", "y")
    heavy = theano.function([x, y], T.exp(-x ** 2) * T.sin(y) + 0.5 * T.tanh(x * y), device="c")
    light = theano.function([x, y], x * y + 1, device="c")
    (hn,), (ln,) = heavy.maker.fgraph.toposort(), light.maker.fgraph.toposort()
    h, lt = parallel_min(hn.op.kernel(hn)), parallel_min(ln.op.kernel(ln))
    assert lt == PARALLEL_MIN and PARALLEL_FLOOR <= h < PARALLEL_MIN // 16
    r = np.random.RandomState(1)
    for n in (h - 1, h + 1, 3 * h + 7):  # each side of the switch, and a ragged length
        a, b = r.randn(n), r.randn(n)
        want = np.exp(-a ** 2) * np.sin(b) + 0.5 * np.tanh(a * b)
        np.testing.assert_allclose(heavy(a, b), want, rtol=1e-14, atol=1e-15)


def test_threads_share_strided_loops_and_reductions_of_many_outputs():
    """Past the threshold each thread runs one block of the kernel's loop (rows of a strided
    array, outputs of a reduction): every element and every output is computed exactly once,
    in the same order as the whole loop computes it."""
    m = T.dmatrix("m")
    v = T.dvector("v")
    f = theano.function([m, v], [T.exp(m) * v + 1, T.sum(m, axis=1), T.max(m * 2, axis=1), T.sum(m, axis=0)],
                        device="c")
    r = np.random.RandomState(2)
    a = r.randn(2101, 1003)
    for arr, vec in ((a, a[0]), (a[::-1], a[1]), (np.asfortranarray(a), a[2]), (a[:, ::-1], a[3, ::-1])):
        got = f(arr, vec)
        want = [np.exp(arr) * vec + 1, arr.sum(axis=1), (arr * 2).max(axis=1), arr.sum(axis=0)]
        for g, w in zip(got, want):
            np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
        head = f(arr[:7], vec)  # the first rows alone: short, so the kernels run whole
        for h, g in zip(head[:3], got[:3]):
            assert h.tobytes() == np.ascontiguousarray(g[:7]).tobytes()
