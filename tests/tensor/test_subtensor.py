"""Indexing (basic and advanced) and writing through an index, against NumPy."""
import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.tensor.advanced_subtensor import AdvancedIncSubtensor, AdvancedIncSubtensor1, AdvancedSubtensor1
from theano.tensor.subtensor import Subtensor

from infer_shape_check import check_infer_shape

rng = np.random.RandomState(0)
X = rng.rand(4, 5)
X3 = rng.rand(3, 4, 5)


def run(inputs, out, *vals):
    return theano.function(inputs, out)(*vals)


# -- basic indexing --------------------------------------------------------------------------

@pytest.mark.parametrize("index", [
    (1,), (-1,), (slice(1, 3),), (slice(None, None, -1),), (slice(-1, 0, -2),), (slice(3, 1),),
    (slice(10, 20),), (1, slice(None, None, -2)), (slice(None), -2), (Ellipsis, 1),
    (None, 1, None), (slice(-3, None), slice(None, -2)),
])
def test_basic_index_matches_numpy(index):
    x = T.dmatrix("x")
    out = x[index]
    assert isinstance(out.owner.op, (Subtensor, T.DimShuffle)) or out is x
    np.testing.assert_array_equal(run([x], out, X), X[index])


@pytest.mark.parametrize("i,j,k", [(1, 3, 1), (-4, -1, 1), (3, 0, -1), (0, 0, 1), (-1, -6, -2), (2, 100, 2)])
def test_symbolic_slice_bounds(i, j, k):
    x, a, b, c = T.dmatrix("x"), T.iscalar("a"), T.iscalar("b"), T.iscalar("c")
    out = x[a:b:c]
    np.testing.assert_array_equal(run([x, a, b, c], out, X, i, j, k), X[i:j:k])
    check_infer_shape([x, a, b, c], [out], [X, i, j, k])


def test_symbolic_scalar_index_and_empty_result():
    x, a = T.dmatrix("x"), T.lscalar("a")
    np.testing.assert_array_equal(run([x, a], x[a, 1:1], X, -2), X[-2, 1:1])
    assert run([x, a], x[a:], X, 10).shape == (0, 5)


def test_basic_index_errors():
    x = T.dmatrix("x")
    with pytest.raises(IndexError, match="too many indices"):
        x[1, 2, 3]
    with pytest.raises(TypeError, match="integer"):
        x[T.dscalar("f")]
    f = theano.function([x], x[7])
    with pytest.raises(IndexError, match="out of bounds"):
        f(X)


def test_basic_grad_and_inc():
    verify_grad(lambda a: a[1:, ::-2], [X])
    verify_grad(lambda a, b: T.inc_subtensor(a[1:3, ::2], b), [X, rng.rand(2, 3)])
    verify_grad(lambda a, b: T.set_subtensor(a[-1], b), [X, rng.rand(5)])
    x = T.dmatrix("x")
    got = run([x], T.set_subtensor(x[::-1, 0], 7.0), X)
    want = X.copy()
    want[::-1, 0] = 7.0
    np.testing.assert_array_equal(got, want)


# -- integer-array indexing ------------------------------------------------------------------

def test_vector_index_on_axis0_uses_advanced_subtensor1():
    x, i = T.dmatrix("x"), T.lvector("i")
    out = x[i]
    assert isinstance(out.owner.op, AdvancedSubtensor1)
    idx = np.array([3, -1, 0, 0])
    np.testing.assert_array_equal(run([x, i], out, X, idx), X[idx])
    np.testing.assert_array_equal(run([x, i], out, X, np.zeros(0, "int64")), X[np.zeros(0, "int64")])
    check_infer_shape([x, i], [out], [X, idx])


@pytest.mark.parametrize("index", [
    (slice(None), [0, -1, 2]),
    ([0, 2], [1, -1]),
    ([[0, 1], [2, 3]],),
    ([[0], [3]], [1, 2, 4]),
    (1, [0, 0, 4]),
    ([1, 2], slice(None, None, -1)),
    (None, [0, 1]),
    ([2, 0], None, slice(1, 3)),
])
def test_advanced_index_matches_numpy(index):
    x = T.dmatrix("x")
    out = x[index]
    np_index = tuple(np.array(i) if isinstance(i, list) else i for i in index)
    np.testing.assert_array_equal(run([x], out, X), X[np_index])
    assert out.ndim == X[np_index].ndim
    check_infer_shape([x], [out], [X])


@pytest.mark.parametrize("index", [
    (0, slice(None), [1, 2]),            # separated advanced indices: broadcast dims first
    (slice(None), [0, 2], [1, 4]),       # adjacent: broadcast dims in place
    ([0, 1], slice(1, 3), [[0], [4]]),
    (Ellipsis, [0, 0, 1]),
    ([1], None, [1], slice(None, None, -1)),
])
def test_advanced_index_3d_placement(index):
    x = T.dtensor3("x")
    out = x[index]
    np_index = tuple(np.array(i) if isinstance(i, list) else i for i in index)
    np.testing.assert_array_equal(run([x], out, X3), X3[np_index])
    check_infer_shape([x], [out], [X3])


def test_symbolic_int_matrix_index_and_mixed_symbolic_slice():
    x, m, a = T.dtensor3("x"), T.lmatrix("m"), T.lscalar("a")
    out = x[a:, m]
    mv = np.array([[0, -1], [2, 3]])
    np.testing.assert_array_equal(run([x, m, a], out, X3, mv, 1), X3[1:, mv])
    check_infer_shape([x, m, a], [out], [X3, mv, 1])


def test_advanced_index_errors():
    x, i, f = T.dmatrix("x"), T.lvector("i"), T.dvector("f")
    with pytest.raises(TypeError, match="integers or booleans"):
        x[f]
    with pytest.raises(TypeError, match="integers or booleans"):
        x[0, f]
    with pytest.raises(IndexError, match="too many indices"):
        x[[0], [1], [2]]
    fn = theano.function([x, i], x[i])
    with pytest.raises(IndexError, match="out of bounds"):
        fn(X, np.array([0, 4]))
    fn2 = theano.function([x, i], x[:, i])
    with pytest.raises(IndexError, match="out of bounds"):
        fn2(X, np.array([-6]))
    # The function stays usable after a failure.
    np.testing.assert_array_equal(fn(X, np.array([1])), X[[1]])


def test_advanced_grads():
    idx = np.array([0, 2, 2, -1])
    verify_grad(lambda a: a[idx], [X])
    verify_grad(lambda a: a[:, idx], [X])
    verify_grad(lambda a: a[idx, [0, 1, 1, 0]], [X])
    verify_grad(lambda a: a[[[0], [1]], 1:, [2, 2]], [X3])
    x = T.dmatrix("x")
    g = theano.function([x], T.grad(x[[1, 1, 3]].sum(), x))(X)
    want = np.zeros_like(X)
    want[1] = 2
    want[3] = 1
    np.testing.assert_array_equal(g, want)


# -- boolean masks -----------------------------------------------------------------------------

def test_boolean_mask_symbolic_and_constant():
    x, m = T.dmatrix("x"), T.bmatrix("m")
    mask = X > 0.5
    out = x[T.gt(x, 0.5)]
    np.testing.assert_array_equal(run([x], out, X), X[mask])
    np.testing.assert_array_equal(run([x], x[mask], X), X[mask])
    xb = T.dmatrix("xb")
    row_mask = np.array([True, False, True, True])
    np.testing.assert_array_equal(run([xb], xb[row_mask, 1:], X), X[row_mask, 1:])
    np.testing.assert_array_equal(run([xb], xb[:, X[0] > 2], X), X[:, X[0] > 2])  # all False: empty
    check_infer_shape([x], [out], [X])
    check_infer_shape([xb], [xb[row_mask, [0, 1, 4]]], [X])


def test_boolean_mask_wrong_shape_raises():
    x = T.dmatrix("x")
    with pytest.raises(IndexError, match="boolean"):
        theano.function([x], x[np.array([True, False])])(X)


def test_boolean_mask_grad_and_set():
    mask = X > 0.4
    verify_grad(lambda a: a[mask] * 2, [X])
    x = T.dmatrix("x")
    got = run([x], T.set_subtensor(x[T.lt(x, 0.5)], 0.0), X)
    np.testing.assert_array_equal(got, np.where(X < 0.5, 0.0, X))


# -- writing through advanced indices ------------------------------------------------------------

def test_inc_subtensor_accumulates_repeated_indices():
    x, i, y = T.dmatrix("x"), T.lvector("i"), T.dmatrix("y")
    out = T.inc_subtensor(x[i], y)
    assert isinstance(out.owner.op, AdvancedIncSubtensor1)
    idx = np.array([1, 1, -1, 1])
    yv = rng.rand(4, 5)
    want = X.copy()
    np.add.at(want, idx, yv)
    np.testing.assert_allclose(run([x, i, y], out, X, idx, yv), want)
    check_infer_shape([x, i, y], [out], [X, idx, yv])


def test_set_subtensor_advanced1_and_general():
    x, i = T.dmatrix("x"), T.lvector("i")
    got = run([x, i], T.set_subtensor(x[i], 3.0), X, np.array([0, 2]))
    want = X.copy()
    want[[0, 2]] = 3.0
    np.testing.assert_array_equal(got, want)
    out = T.set_subtensor(x[[0, 1], [4, 4]], np.array([8.0, 9.0]))
    assert isinstance(out.owner.op, AdvancedIncSubtensor)
    want = X.copy()
    want[[0, 1], [4, 4]] = [8.0, 9.0]
    np.testing.assert_array_equal(run([x], out, X), want)


def test_inc_subtensor_general_repeated_and_broadcast():
    x = T.dtensor3("x")
    out = T.inc_subtensor(x[[0, 0, 2], :, [1, 1, 1]], 1.0)
    want = X3.copy()
    np.add.at(want, (np.array([0, 0, 2]), slice(None), np.array([1, 1, 1])), 1.0)
    np.testing.assert_allclose(run([x], out, X3), want)


def test_advanced_inc_grads():
    idx = np.array([0, 3, 3])
    verify_grad(lambda a, b: T.inc_subtensor(a[idx], b), [X, rng.rand(3, 5)])
    verify_grad(lambda a, b: T.set_subtensor(a[idx[:2]], b), [X, rng.rand(2, 5)])
    verify_grad(lambda a, b: T.inc_subtensor(a[:, [1, 1]], b), [X, rng.rand(4, 2)])
    verify_grad(lambda a, b: T.set_subtensor(a[[0, 1], [2, 2]], b), [X, rng.rand(2)])
    verify_grad(lambda a, b: T.inc_subtensor(a[idx], b), [X, rng.rand(5)])  # y broadcast over rows


def test_write_errors():
    x, i = T.dmatrix("x"), T.lvector("i")
    with pytest.raises(TypeError, match="lose"):
        T.inc_subtensor(T.imatrix()[i], T.dmatrix())
    f = theano.function([x, i], T.inc_subtensor(x[i], np.ones((2, 5))))
    with pytest.raises(ValueError, match="shape"):
        f(X, np.array([0, 1, 2]))
    g = theano.function([x, i], T.set_subtensor(x[i], 0.0))
    with pytest.raises(IndexError, match="out of bounds"):
        g(X, np.array([9]))
    with pytest.raises(TypeError, match="indexed tensor"):
        T.set_subtensor(x, 1.0)


# -- nonzero -----------------------------------------------------------------------------------

def test_nonzero_family():
    a = T.dmatrix("a")
    v = np.array([[0.0, 1.5, 0.0], [2.0, 0.0, -1.0]])
    rows, cols = T.nonzero(a)
    got = theano.function([a], [rows, cols, T.nonzero(a, return_matrix=True), T.flatnonzero(a),
                                 T.nonzero_values(a)])(v)
    nz = np.nonzero(v)
    np.testing.assert_array_equal(got[0], nz[0])
    np.testing.assert_array_equal(got[1], nz[1])
    np.testing.assert_array_equal(got[2], np.array(nz))
    np.testing.assert_array_equal(got[3], np.flatnonzero(v))
    np.testing.assert_array_equal(got[4], v[v != 0])
    check_infer_shape([a], [T.nonzero(a, return_matrix=True)], [v])
    with pytest.raises(ValueError, match="scalar"):
        T.nonzero(T.dscalar())


def test_take():
    a, i = T.dmatrix("a"), T.lvector("i")
    idx = np.array([4, 0, 4])
    np.testing.assert_array_equal(run([a, i], T.take(a, i, axis=1), X, idx), np.take(X, idx, axis=1))
    np.testing.assert_array_equal(run([a, i], T.take(a, i), X, idx), np.take(X, idx))


def test_list_of_symbolic_scalars_is_an_array_index():
    x, i, j = T.dmatrix("x"), T.lscalar("i"), T.lscalar("j")
    np.testing.assert_array_equal(run([x, i, j], x[[i, j]], X, 3, -4), X[[3, -4]])
    np.testing.assert_array_equal(run([x, i, j], x[[i, j], [0, 4]], X, 3, 0), X[[3, 0], [0, 4]])
    np.testing.assert_array_equal(run([x], x[[]], X), X[np.zeros(0, "int64")])
