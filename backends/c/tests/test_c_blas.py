"""The C backend's products: Dot, Gemm and Gemv through SciPy's BLAS function pointers, for
every layout NumPy can hand over, against the NumPy reference backend."""
from __future__ import annotations

import threading

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.backend.registry import registry
from theano.tensor.math import Dot
from theano.tensor.gemm import Gemm, Gemv

pytestmark = pytest.mark.skipif("c" not in registry.records or not registry.records["c"].probe_cached().usable,
                                reason="the c backend is not installed or has no usable compiler")

TOL = {"float64": 1e-12, "float32": 2e-5}


@pytest.fixture(autouse=True, params=["auto", "scipy"])
def blas_source(request):
    """Every test with NumPy's bundled OpenBLAS (ILP64, when found) and with SciPy's routines."""
    with theano.config.change_flags(c__blas=request.param):
        yield request.param


def _pair(inputs, outputs):
    return (theano.function(inputs, outputs, device="c"), theano.function(inputs, outputs, device="numpy"))


def _same(f, g, *args, dtype="float64"):
    got, want = f(*args), g(*args)
    for a, b in zip(got if isinstance(got, list) else [got], want if isinstance(want, list) else [want]):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_allclose(a, b, rtol=TOL[dtype], atol=TOL[dtype])


def _runners(f, op_type):
    return {r for n, r in f.linked.runners.items() if isinstance(n.op, op_type)}


def _layouts(a):
    """The same values as C-contiguous, Fortran, a slice of a wider array (lda > columns),
    strided and reversed (copied for BLAS) arrays."""
    wide = np.zeros((a.shape[0], a.shape[1] + 3), a.dtype)
    wide[:, 1:1 + a.shape[1]] = a
    high = np.zeros((a.shape[0] + 3, a.shape[1]), a.dtype, order="F")
    high[1:1 + a.shape[0]] = a
    tall = np.zeros((a.shape[0] * 2, a.shape[1]), a.dtype)
    tall[::2] = a
    return {"c": a, "f": np.asfortranarray(a), "ld": wide[:, 1:1 + a.shape[1]],
            "ld-f": high[1:1 + a.shape[0]], "strided": tall[::2],
            "reversed": a[::-1, ::-1].copy()[::-1, ::-1]}


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matrix_products_in_every_layout(dtype):
    x, y = T.matrix("x", dtype=dtype), T.matrix("y", dtype=dtype)
    f, g = _pair([x, y], T.dot(x, y))
    assert _runners(f, Dot) == {f"c (BLAS {'s' if dtype == 'float32' else 'd'}gemm)"}
    r = np.random.RandomState(0)
    a, b = r.randn(5, 7).astype(dtype), r.randn(7, 3).astype(dtype)
    for xa in _layouts(a).values():
        for yb in _layouts(b).values():
            _same(f, g, xa, yb, dtype=dtype)
    _same(f, g, b.T, a.T, dtype=dtype)  # transposed views: passed with 'T', not copied


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_matrix_vector_forms(dtype):
    m, v = T.matrix("m", dtype=dtype), T.vector("v", dtype=dtype)
    f, g = _pair([m, v], [T.dot(m, v), T.dot(v, m.T), T.dot(v, v)])
    p = "s" if dtype == "float32" else "d"
    assert _runners(f, Dot) == {f"c (BLAS {p}gemv)", f"c (BLAS {p}dot)"}
    r = np.random.RandomState(1)
    a, b = r.randn(6, 6).astype(dtype), r.randn(12).astype(dtype)
    for xa in _layouts(a).values():
        for vb in (b[:6], b[::2], b[::-2], b[3:9]):
            _same(f, g, xa, vb, dtype=dtype)


def test_empty_and_size_one_dimensions():
    x, y = T.dmatrices("x", "y")
    v = T.dvector("v")
    f, g = _pair([x, y, v], [T.dot(x, y), T.dot(x, v)])
    for m, k, n in ((0, 3, 4), (3, 0, 4), (3, 4, 0), (1, 1, 1), (1, 5, 1), (5, 1, 5)):
        _same(f, g, np.ones((m, k)), np.ones((k, n)), np.ones(k))
    fv, gv = _pair([v], T.dot(v, v))
    _same(fv, gv, np.zeros(0))  # an empty sum is 0.0


def test_nan_and_inf_propagate_as_in_numpy():
    x, y = T.dmatrices("x", "y")
    f, g = _pair([x, y], T.dot(x, y))
    a = np.array([[1.0, np.nan], [np.inf, 0.0]])
    _same(f, g, a, a.T)


def test_misaligned_shapes_raise_the_reference_error():
    x, y = T.dmatrices("x", "y")
    f = theano.function([x, y], T.dot(x, y), device="c")
    with pytest.raises(ValueError, match="not aligned"):
        f(np.ones((2, 3)), np.ones((4, 2)))
    assert f(np.ones((2, 3)), np.ones((3, 2))).shape == (2, 2)  # still usable


def test_other_dtypes_keep_numpys_dot_and_say_so():
    x, y = T.lmatrix("x"), T.lmatrix("y")
    f, g = _pair([x, y], T.dot(x, y))
    (label,) = _runners(f, Dot)
    assert "NumPy dot" in label and "int64" in label
    a = np.arange(12).reshape(3, 4)
    np.testing.assert_array_equal(f(a, a.T), g(a, a.T))
    i, q = T.imatrix("i"), T.fmatrix("q")
    f, g = _pair([i, q], T.dot(i, q))
    (label,) = _runners(f, Dot)
    assert "NumPy dot" in label and "float32, int32" in label
    _same(f, g, np.arange(6, dtype="int32").reshape(2, 3), np.ones((3, 2), "float32"))


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gemm_and_gemv_keep_numpys_rounding_and_nan(dtype):
    z, x, y = T.matrix("z", dtype=dtype), T.matrix("x", dtype=dtype), T.matrix("y", dtype=dtype)
    zv, v = T.vector("zv", dtype=dtype), T.vector("v", dtype=dtype)
    a, b = T.scalar("a", dtype=dtype), T.scalar("b", dtype=dtype)
    outs = [b * z + a * T.dot(x, y), b * zv + a * T.dot(x, v), z - T.dot(x, y)]
    f, g = _pair([z, x, y, zv, v, a, b], outs)
    kinds = {type(n.op) for n in f.maker.fgraph.toposort()}
    assert Gemm in kinds and Gemv in kinds, kinds
    p = "s" if dtype == "float32" else "d"
    assert _runners(f, Gemm) == {f"c (BLAS {p}gemm)"} and _runners(f, Gemv) == {f"c (BLAS {p}gemv)"}
    r = np.random.RandomState(2)
    args = [r.randn(4, 5), r.randn(4, 3), r.randn(3, 5), r.randn(4), r.randn(3), 0.7, -1.3]
    args = [np.asarray(v, dtype) for v in args]
    _same(f, g, *args, dtype=dtype)
    # beta == 0 with NaN in z, alpha == 0 with inf in x: BLAS alone would skip them
    args[0][1, 2] = np.nan
    args[3][0] = np.nan
    args[1][0, 0] = np.inf
    args[5], args[6] = np.asarray(0, dtype), np.asarray(0, dtype)
    got, want = f(*args), g(*args)
    for u, w in zip(got, want):
        np.testing.assert_array_equal(np.isnan(u), np.isnan(w))
        np.testing.assert_allclose(u, w, rtol=TOL[dtype])
    # z strided, x transposed
    args = [np.asarray(v, dtype) for v in [r.randn(8, 5)[::2], r.randn(3, 4).T, r.randn(3, 5), r.randn(8)[::2],
                                           r.randn(3), 0.5, 2.0]]
    _same(f, g, *args, dtype=dtype)


def test_gemm_in_place_writes_into_its_temporary():
    a, b, x, y = T.dmatrices("a", "b", "x", "y")
    out = T.dot(a, b) * 2 + T.dot(x, y)
    f, g = _pair([a, b, x, y], out)
    assert "Gemm{inplace}" in [str(n.op) for n in f.maker.fgraph.toposort()]
    r = np.random.RandomState(3)
    vals = [r.randn(4, 4) for _ in range(4)]
    kept = [v.copy() for v in vals]
    for _ in range(3):
        _same(f, g, *vals)
    for v, k in zip(vals, kept):
        np.testing.assert_array_equal(v, k)  # the function's arguments are never overwritten


def test_shape_mismatch_of_z_behaves_as_the_reference():
    z, x, y = T.dmatrices("z", "x", "y")
    f, g = _pair([z, x, y], z + T.dot(x, y))
    with pytest.raises(ValueError):
        g(np.ones((2, 3)), np.ones((3, 2)), np.ones((2, 3)))
    with pytest.raises(ValueError):
        f(np.ones((2, 3)), np.ones((3, 2)), np.ones((2, 3)))


def test_large_products_from_many_threads():
    x, y = T.dmatrices("x", "y")
    f = theano.function([x, y], T.dot(x, y), device="c")
    r = np.random.RandomState(4)
    mats = [r.randn(120, 120) for _ in range(4)]
    want = [np.dot(m, m.T) for m in mats]
    errors = []

    def work(k):
        for _ in range(10):
            if not np.allclose(f(mats[k], mats[k].T), want[k], rtol=1e-12, atol=1e-12):
                errors.append(k)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors


def test_sum_of_squares_of_a_vector_is_ddot():
    x = T.dvector("x")
    f, g = _pair([x], T.sum(x ** 2))
    assert "c (BLAS ddot)" in set(f.linked.runners.values())
    r = np.random.RandomState(5)
    v = r.randn(1001)
    for arg in (v, v[::3], v[::-2], np.zeros(0), np.array([np.inf, 1.0]), np.array([np.nan, 2.0])):
        np.testing.assert_allclose(f(arg), g(arg), rtol=1e-12)
    q = T.fvector("q")  # float32 sums accumulate in float64: the kernel, not sdot
    fq = theano.function([q], T.sum(q ** 2), device="c")
    assert "c (BLAS ddot)" not in set(fq.linked.runners.values())
