"""cumsum/cumprod, repeat, diff, diagonal/trace, bincount, fill_diagonal, to_one_hot, unique."""
import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad

from infer_shape_check import check_infer_shape

rng = np.random.RandomState(2)
M = rng.rand(3, 4) + 0.5
T3 = rng.rand(2, 3, 4) + 0.5


@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumsum_cumprod(axis):
    x = T.dmatrix("x")
    f = theano.function([x], [T.cumsum(x, axis), T.cumprod(x, axis), x.cumsum(axis)])
    s, p, s2 = f(M)
    np.testing.assert_allclose(s, np.cumsum(M, axis=axis))
    np.testing.assert_allclose(p, np.cumprod(M, axis=axis))
    np.testing.assert_allclose(s2, s)
    verify_grad(lambda a: T.cumsum(a, axis), [M])
    verify_grad(lambda a: T.cumprod(a, axis), [M])
    check_infer_shape([x], [T.cumsum(x, axis)], [M])


def test_cumsum_int_dtype_and_bad_axis():
    v = T.bvector("v")
    r = theano.function([v], T.cumsum(v))(np.array([100, 100, 100], dtype="int8"))
    np.testing.assert_array_equal(r, [100, 200, 300])  # accumulates in int64, as NumPy does
    with pytest.raises(ValueError, match="axis"):
        T.cumsum(T.dmatrix(), axis=2)


@pytest.mark.parametrize("repeats,axis", [(2, None), (3, 0), (2, 1), (np.array([1, 0, 2]), 0),
                                          (np.array([0, 1, 2, 3]), 1), (0, 1)])
def test_repeat(repeats, axis):
    x = T.dmatrix("x")
    out = T.repeat(x, repeats, axis)
    np.testing.assert_array_equal(theano.function([x], out)(M), np.repeat(M, repeats, axis=axis))
    check_infer_shape([x], [out], [M])
    verify_grad(lambda a: T.repeat(a, repeats, axis), [M])


def test_repeat_symbolic_and_errors():
    x, r = T.dmatrix("x"), T.lvector("r")
    f = theano.function([x, r], x.repeat(r, axis=0))
    np.testing.assert_array_equal(f(M, np.array([2, 0, 1])), np.repeat(M, [2, 0, 1], axis=0))
    with pytest.raises(ValueError, match="repeat"):
        f(M, np.array([1, 1]))
    with pytest.raises(TypeError, match="integers"):
        T.repeat(x, T.dvector())


@pytest.mark.parametrize("n,axis", [(1, -1), (2, 0), (3, 1), (0, 1), (5, 1)])
def test_diff(n, axis):
    x = T.dmatrix("x")
    np.testing.assert_allclose(theano.function([x], T.diff(x, n, axis))(M), np.diff(M, n, axis))
    if n:
        verify_grad(lambda a: T.diff(a, n, axis), [M])


@pytest.mark.parametrize("offset,a1,a2", [(0, 0, 1), (1, 0, 1), (-2, 0, 1), (5, 0, 1), (1, 1, 0)])
def test_diagonal_and_trace_matrix(offset, a1, a2):
    x = T.dmatrix("x")
    d = T.diagonal(x, offset, a1, a2)
    np.testing.assert_array_equal(theano.function([x], d)(M), np.diagonal(M, offset, a1, a2))
    np.testing.assert_allclose(theano.function([x], T.trace(x, offset, a1, a2))(M),
                               np.trace(M, offset, a1, a2))
    verify_grad(lambda a: T.diagonal(a, offset, a1, a2), [M])


@pytest.mark.parametrize("offset,a1,a2", [(0, 0, 2), (1, 2, 1), (-1, 1, 2)])
def test_diagonal_3d(offset, a1, a2):
    x = T.dtensor3("x")
    np.testing.assert_array_equal(theano.function([x], x.diagonal(offset, a1, a2))(T3),
                                  np.diagonal(T3, offset, a1, a2))
    with pytest.raises(ValueError, match="differ"):
        T.diagonal(x, 0, 1, 1)


def test_bincount():
    v, w = T.lvector("v"), T.dvector("w")
    data = np.array([0, 1, 1, 5, 3])
    weights = rng.rand(5)
    f = theano.function([v, w], [T.bincount(v), T.bincount(v, w), T.bincount(v, minlength=9)])
    a, b, c = f(data, weights)
    np.testing.assert_array_equal(a, np.bincount(data))
    np.testing.assert_allclose(b, np.bincount(data, weights))
    np.testing.assert_array_equal(c, np.bincount(data, minlength=9))
    with pytest.raises(ValueError, match="negative"):
        f(np.array([1, -1]), np.ones(2))
    verify_grad(lambda ww: T.bincount(data, ww), [weights])
    with pytest.raises(TypeError, match="integer vector"):
        T.bincount(T.dvector())


def test_fill_diagonal():
    x, s = T.dmatrix("x"), T.dscalar("s")
    out = T.fill_diagonal(x, s)
    want = M.copy()
    np.fill_diagonal(want, 7.0)
    np.testing.assert_array_equal(theano.function([x, s], out)(M, 7.0), want)
    verify_grad(lambda a, b: T.fill_diagonal(a, b), [M, np.asarray(2.0)])
    with pytest.raises(TypeError, match="scalar"):
        T.fill_diagonal(x, T.dvector())
    with pytest.raises(TypeError, match="2 dimensions"):
        T.fill_diagonal(T.dvector(), s)


def test_to_one_hot():
    y = T.lvector("y")
    r = theano.function([y], T.to_one_hot(y, 4))(np.array([3, 0, 0]))
    np.testing.assert_array_equal(r, np.eye(4)[[3, 0, 0]])
    assert theano.function([y], T.to_one_hot(y, 3, dtype="int32"))(np.array([1])).dtype == np.int32
    with pytest.raises(TypeError, match="integer vector"):
        T.to_one_hot(T.dvector(), 3)


def test_unique():
    v = T.lvector("v")
    data = np.array([3, 1, 3, 2, 1, 1])
    outs = theano.function([v], T.unique(v, True, True, True))(data)
    for got, want in zip(outs, np.unique(data, True, True, True)):
        np.testing.assert_array_equal(got, np.asarray(want).reshape(-1))
    np.testing.assert_array_equal(theano.function([v], T.unique(v))(data), np.unique(data))


def test_compress():
    x, c = T.dmatrix("x"), T.bvector("c")
    cond = np.array([1, 0, 1], dtype="int8")
    f = theano.function([x, c], [T.compress(c, x, axis=0), T.compress(c, x)])
    a, b = f(M, cond)
    np.testing.assert_array_equal(a, np.compress(cond, M, axis=0))
    np.testing.assert_array_equal(b, np.compress(cond, M))


@pytest.mark.parametrize("side", ["left", "right"])
def test_searchsorted(side):
    x, v = T.dvector("x"), T.dmatrix("v")
    xs = np.array([1.0, 2.0, 2.0, 5.0])
    vals = np.array([[0.0, 2.0], [5.0, 9.0]])
    out = T.searchsorted(x, v, side=side)
    np.testing.assert_array_equal(theano.function([x, v], out)(xs, vals), np.searchsorted(xs, vals, side))
    perm = np.array([3, 0, 2, 1])
    s = T.lvector("s")
    got = theano.function([x, v, s], T.searchsorted(x, v, side, s))(xs[[1, 3, 2, 0]][np.argsort(perm)], vals, perm)
    np.testing.assert_array_equal(got, np.searchsorted(xs[[1, 3, 2, 0]][np.argsort(perm)], vals, side, perm))
    check_infer_shape([x, v], [out], [xs, vals])
    with pytest.raises(ValueError, match="side"):
        T.searchsorted(x, v, side="middle")


# -- diag with offset, fill_diagonal_offset, (un)ravel indices, inverse_permutation, grids -----------

@pytest.mark.parametrize("off", [-2, -1, 0, 1, 3, 5])
def test_fill_diagonal_offset_and_its_gradient(off):
    a, val, o = T.dmatrix("a"), T.dscalar("val"), T.iscalar("o")
    A = np.arange(12.0).reshape(3, 4)
    got = theano.function([a, val, o], T.fill_diagonal_offset(a, val, o))(A, -1.5, off)
    want = A.copy()
    for r in range(3):
        if 0 <= r + off < 4:
            want[r, r + off] = -1.5
    np.testing.assert_array_equal(got, want)
    verify_grad(lambda m, v: T.fill_diagonal_offset(m, v, np.int32(off)), [A, np.asarray(2.0)])


def test_fill_diagonal_offset_errors():
    with pytest.raises(TypeError, match="a must be a matrix"):
        T.fill_diagonal_offset(T.dvector(), 1.0, 0)
    with pytest.raises(TypeError, match="offset must be an integer scalar"):
        T.fill_diagonal_offset(T.dmatrix(), 1.0, T.dscalar())
    with pytest.raises(TypeError, match="would lose precision"):
        T.fill_diagonal_offset(T.imatrix(), T.dscalar(), 0)


@pytest.mark.parametrize("order", ["C", "F"])
def test_unravel_and_ravel_index_round_trip(order):
    i = T.lvector("i")
    flat = np.array([0, 5, 11, 7])
    rows, cols = T.unravel_index(i, (3, 4), order=order)
    r, c = theano.function([i], [rows, cols])(flat)
    want = np.unravel_index(flat, (3, 4), order=order)
    np.testing.assert_array_equal(r, want[0])
    np.testing.assert_array_equal(c, want[1])
    back = theano.function([i], T.ravel_multi_index((rows, cols), (3, 4), order=order))(flat)
    np.testing.assert_array_equal(back, flat)


def test_ravel_multi_index_modes_and_errors():
    i, j = T.lvector("i"), T.lvector("j")
    idx = (np.array([0, 4, -1]), np.array([1, 9, 2]))
    for mode in ("wrap", "clip"):
        got = theano.function([i, j], T.ravel_multi_index((i, j), (3, 4), mode=mode))(*idx)
        np.testing.assert_array_equal(got, np.ravel_multi_index(idx, (3, 4), mode=mode))
    f = theano.function([i, j], T.ravel_multi_index((i, j), (3, 4)))
    with pytest.raises(ValueError, match="invalid entry"):
        f(*idx)
    with pytest.raises(ValueError, match="length of dims must be known"):
        T.unravel_index(i, T.lvector("dims"))
    with pytest.raises(TypeError, match="tuple or list"):
        T.ravel_multi_index(i, (3, 4))


def test_inverse_permutation():
    p = T.lmatrix("p")
    perms = np.array([[2, 0, 1, 3], [3, 2, 1, 0]])
    inv = theano.function([p], T.inverse_permutation(p))(perms)
    np.testing.assert_array_equal(inv, np.argsort(perms, axis=1))
    f = theano.function([p], T.inverse_permutation(p))
    with pytest.raises(ValueError, match="must be a permutation"):
        f(np.array([[0, 0, 1, 2]]))


def test_mgrid_ogrid_match_numpy():
    n = T.lscalar("n")
    got = theano.function([n], T.mgrid[0:n, 1:7:2])(4)
    for g, w in zip(got, np.mgrid[0:4, 1:7:2]):
        np.testing.assert_array_equal(g, w)
    og = T.ogrid[0:3, 0:n]
    assert [v.broadcastable for v in og] == [(False, True), (True, False)]
    got = theano.function([n], og)(2)
    for g, w in zip(got, np.ogrid[0:3, 0:2]):
        np.testing.assert_array_equal(g, w)
    np.testing.assert_array_equal(T.mgrid[2:5].eval(), np.arange(2, 5))
    with pytest.raises(NotImplementedError, match="complex steps"):
        T.mgrid[0:1:5j]


def test_diag_with_offset_matches_numpy():
    v, m = T.dvector("v"), T.dmatrix("m")
    V, Mx = np.array([1.0, 2.0]), np.arange(12.0).reshape(3, 4)
    for k in (-1, 0, 2):
        np.testing.assert_array_equal(theano.function([v], T.diag(v, k))(V), np.diag(V, k))
        np.testing.assert_array_equal(theano.function([m], T.diag(m, k))(Mx), np.diag(Mx, k))
    with pytest.raises(ValueError, match="at least one dimension"):
        T.diag(T.dscalar())
