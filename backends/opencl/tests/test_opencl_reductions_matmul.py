"""Reductions (work-group tree kernels) and matrix products (the tiled kernel) against NumPy."""
from __future__ import annotations

import numpy as np
import pytest

import theano
from theano import tensor as T

DEV = "opencl"


def _runners(f):
    return {str(n.op).split("{")[0]: r for n, r in f.linked.runners.items()}


def test_reductions_over_any_axes_match_numpy():
    x = T.dtensor3("x")
    outs = [T.sum(x), T.sum(x, axis=0), T.sum(x, axis=(0, 2)), T.prod(x, axis=1),
            T.max(x, axis=2), T.min(x, axis=(1, 2)), T.max(x[:, ::-1, 1:], axis=1),
            T.sum(x.dimshuffle(2, 0, 1), axis=(1, 2))]
    f = theano.function([x], outs, device=DEV)
    for node, r in f.linked.runners.items():
        assert "fallback" not in r, (node, r)
    rng = np.random.RandomState(0)
    v = rng.randn(5, 300, 7)
    v[1, 2, 3] = np.nan
    v[4, 5, 6] = np.inf
    want = [v.sum(), v.sum(0), v.sum((0, 2)), v.prod(1), v.max(2), v.min((1, 2)), v[:, ::-1, 1:].max(1),
            v.transpose(2, 0, 1).sum((1, 2))]
    for got, w in zip(f(v), want):
        np.testing.assert_allclose(got, w, rtol=1e-12, atol=1e-12)
    # empty inputs: sums give the identity, max of nothing raises as NumPy's meaning does
    e = np.zeros((0, 3, 2))
    g = theano.function([x], [T.sum(x, axis=0), T.prod(x)], device=DEV)
    s, p = g(e)
    np.testing.assert_array_equal(s, np.zeros((3, 2)))
    assert p == 1.0
    h = theano.function([x], T.max(x, axis=0), device=DEV)
    with pytest.raises(ValueError):
        h(e)


def test_integer_bool_and_float32_reductions_keep_their_dtypes():
    i = T.imatrix("i")
    b = T.bmatrix("b")
    f32 = T.fmatrix("f")
    outs = [T.sum(i, axis=1), T.max(i), T.all(b, axis=0), T.any(b), T.sum(f32, axis=0), T.prod(i, axis=0),
            T.mean(f32)]
    f = theano.function([i, b, f32], outs, device=DEV)
    rng = np.random.RandomState(1)
    iv = rng.randint(-100, 100, size=(33, 65)).astype("int32")
    bv = (rng.rand(33, 65) > 0.1).astype("int8")
    fv = rng.rand(33, 65).astype("float32")
    got = f(iv, bv, fv)
    want = [iv.sum(1), iv.max(), np.all(bv, 0), np.any(bv), fv.sum(0, dtype="float64").astype("float32"),
            iv.prod(0, dtype="int64"), np.float32(fv.mean(dtype="float64"))]
    for g, w in zip(got, want):
        assert g.dtype == np.asarray(w).dtype, (g.dtype, np.asarray(w).dtype)
        np.testing.assert_allclose(g, w, rtol=1e-6)


def test_matrix_products_in_every_rank_and_layout():
    a, b = T.dmatrix("a"), T.dmatrix("b")
    u, v = T.dvector("u"), T.dvector("v")
    outs = [T.dot(a, b), T.dot(a.T, b[:, ::-1]), T.dot(a, u), T.dot(v, b), T.dot(u, u[::-1]),
            T.dot(a[1:, ::2], b[::2, :])]
    f = theano.function([a, b, u, v], outs, device=DEV)
    assert all("fallback" not in r for r in f.linked.runners.values()), f.linked.runners
    rng = np.random.RandomState(2)
    av, bv, uv, vv = rng.randn(37, 37), rng.randn(37, 19), rng.randn(37), rng.randn(37)
    want = [av @ bv, av.T @ bv[:, ::-1], av @ uv, vv @ bv, uv @ uv[::-1], av[1:, ::2] @ bv[::2, :]]
    for g, w in zip(f(av, bv, uv, vv), want):
        np.testing.assert_allclose(g, w, rtol=1e-12, atol=1e-12)
    with pytest.raises(ValueError, match="not aligned"):
        f(av, bv[:5], uv, vv)


def test_gemm_and_empty_inner_dimension():
    z, x, y = T.fmatrix("z"), T.fmatrix("x"), T.fmatrix("y")
    f = theano.function([z, x, y], [z * 0.5 + 2.0 * T.dot(x, y), T.dot(x, y)], device=DEV)
    ops = {type(n.op).__name__ for n in f.maker.fgraph.toposort()}
    rng = np.random.RandomState(3)
    zv, xv, yv = (rng.randn(*s).astype("float32") for s in ((20, 30), (20, 50), (50, 30)))
    got = f(zv, xv, yv)
    np.testing.assert_allclose(got[0], zv * 0.5 + 2.0 * (xv @ yv), rtol=1e-5, atol=1e-5)
    assert got[0].dtype == np.float32, ops
    e = f(np.zeros((20, 30), "float32"), np.zeros((20, 0), "float32"), np.zeros((0, 30), "float32"))
    np.testing.assert_array_equal(e[1], np.zeros((20, 30), "float32"))
    i, j = T.lmatrix("i"), T.lmatrix("j")
    g = theano.function([i, j], T.dot(i, j), device=DEV)
    iv = rng.randint(-5, 5, size=(9, 4))
    jv = rng.randint(-5, 5, size=(4, 3))
    np.testing.assert_array_equal(g(iv, jv), iv @ jv)
