"""sort and argsort against NumPy, with sort's gradient."""
import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad
from theano.tensor.sort import ArgSortOp, SortOp

from infer_shape_check import check_infer_shape

rng = np.random.RandomState(1)
M = rng.rand(4, 5)
T3 = rng.rand(2, 3, 4)


@pytest.mark.parametrize("axis", [-1, 0, 1, None])
def test_sort_and_argsort_match_numpy(axis):
    x = T.dmatrix("x")
    f = theano.function([x], [T.sort(x, axis), T.argsort(x, axis)])
    s, a = f(M)
    np.testing.assert_array_equal(s, np.sort(M, axis=axis))
    np.testing.assert_array_equal(a, np.argsort(M, axis=axis))
    assert a.dtype == np.int64


def test_sort_methods_kinds_and_dtypes():
    v = T.ivector("v")
    data = np.array([3, -1, 2, 2, -7], dtype="int32")
    f = theano.function([v], [v.sort(), v.argsort(kind="mergesort"), T.sort(v, kind="heapsort")])
    s, a, h = f(data)
    np.testing.assert_array_equal(s, np.sort(data))
    np.testing.assert_array_equal(a, np.argsort(data, kind="mergesort"))
    np.testing.assert_array_equal(h, np.sort(data))
    assert s.dtype == np.int32


def test_sort_empty_and_nan():
    v = T.dvector("v")
    f = theano.function([v], [T.sort(v), T.argsort(v)])
    assert f(np.zeros(0))[0].shape == (0,)
    data = np.array([2.0, np.nan, -1.0])
    np.testing.assert_array_equal(f(data)[0], np.sort(data))
    np.testing.assert_array_equal(f(data)[1], np.argsort(data))


@pytest.mark.parametrize("axis", [0, 1, 2, None])
def test_sort_grad(axis):
    verify_grad(lambda a: T.sort(a, axis), [T3])


def test_sort_grad_values():
    x = T.dvector("x")
    w = np.array([1.0, 10.0, 100.0])
    g = theano.function([x], T.grad((T.sort(x) * w).sum(), x))(np.array([5.0, 1.0, 3.0]))
    np.testing.assert_array_equal(g, [100.0, 1.0, 10.0])


def test_infer_shape():
    x = T.dtensor3("x")
    check_infer_shape([x], [T.sort(x, 1), T.argsort(x, 0)], [T3])


def test_bad_arguments():
    x = T.dmatrix("x")
    with pytest.raises(ValueError, match="axis"):
        T.sort(x, 2)
    with pytest.raises(ValueError, match="kind"):
        T.sort(x, kind="bogus")
    with pytest.raises(ValueError, match="order"):
        T.argsort(x, order=["a"])
    with pytest.raises(TypeError, match="known"):
        T.sort(x, T.iscalar())
    with pytest.raises(ValueError, match="scalar"):
        T.sort(T.dscalar(), 0)


def test_ops_equal_by_props():
    assert SortOp("quicksort", 0) == SortOp("quicksort", 0)
    assert SortOp("quicksort", 0) != SortOp("mergesort", 0)
    assert ArgSortOp("quicksort", 1) != ArgSortOp("quicksort", 0)


# -- topk -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("axis", [-1, 0, 1])
@pytest.mark.parametrize("k", [1, 3, -2, -4])
def test_topk_sorted_matches_a_full_sort(axis, k):
    x, kth = T.dmatrix("x"), T.iscalar("k")
    f = theano.function([x, kth], T.topk_and_argtopk(x, kth, axis=axis))
    vals, idx = f(M, k)
    full = np.argsort(-M if k > 0 else M, axis=axis, kind="stable")
    want = np.take(full, np.arange(abs(k)), axis=axis)
    np.testing.assert_array_equal(idx, want)
    np.testing.assert_array_equal(vals, np.take_along_axis(M, want, axis=axis))
    assert idx.dtype == np.int64


def test_topk_unsorted_gives_the_same_set_and_its_gradient_scatters():
    x = T.dmatrix("x")
    vals = theano.function([x], T.topk(x, 2, sorted=False))(M)
    np.testing.assert_array_equal(np.sort(vals, axis=1), np.sort(M, axis=1)[:, -2:])
    idx = theano.function([x], T.argtopk(x, -3, sorted=False, idx_dtype="int32"))(M)
    assert idx.dtype == np.int32
    np.testing.assert_array_equal(np.sort(np.take_along_axis(M, idx, 1), 1), np.sort(M, 1)[:, :3])
    verify_grad(lambda a: T.topk(a, 2, axis=0), [M])
    g = theano.function([x], theano.grad(T.topk(x, 1).sum(), x))(M)
    np.testing.assert_array_equal(g, (M == M.max(axis=1, keepdims=True)).astype(float))


def test_topk_integers_shape_and_errors():
    v = T.ivector("v")
    data = np.array([3, -1, 7, 2, 7], dtype="int32")
    np.testing.assert_array_equal(theano.function([v], T.topk(v, 3))(data), [7, 7, 3])
    kth = T.iscalar("k")
    check_infer_shape([v, kth], [T.topk(v, kth)], [data, -2])
    f = theano.function([v, kth], T.topk(v, kth))
    for bad in (0, 6, -6):
        with pytest.raises(ValueError, match="kth=.* at most the length 5"):
            f(data, bad)
    np.testing.assert_array_equal(f(data, 1), [7])  # still usable
    with pytest.raises(TypeError, match="kth must be an integer scalar"):
        T.topk(v, 1.5)
    with pytest.raises(ValueError, match="at least one dimension"):
        T.topk(T.dscalar(), 1)
