"""concatenate/stack and split, horizontal/vertical stacks, roll."""
import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.gradient import verify_grad

from infer_shape_check import check_infer_shape

rng = np.random.RandomState(3)
A = rng.rand(2, 3)
B = rng.rand(2, 4)
C = rng.rand(3, 3)


def test_concatenate_and_stack():
    a, b, c = T.dmatrix("a"), T.dmatrix("b"), T.dmatrix("c")
    f = theano.function([a, b, c], [T.concatenate([a, b], axis=1), T.concatenate([a, c], axis=0),
                                    T.stack([a, a], axis=1)])
    r1, r2, r3 = f(A, B, C)
    np.testing.assert_array_equal(r1, np.concatenate([A, B], 1))
    np.testing.assert_array_equal(r2, np.concatenate([A, C], 0))
    np.testing.assert_array_equal(r3, np.stack([A, A], 1))
    verify_grad(lambda x, y: T.concatenate([x, y], axis=1), [A, B])
    with pytest.raises(ValueError, match="shape"):
        f(A, C, C)


@pytest.mark.parametrize("sizes,axis", [([1, 4], 1), ([3, 0, 2], 0), ([5], 0), ([2, 2, 1], -1)])
def test_split_matches_numpy(sizes, axis):
    x = T.dmatrix("x")
    v = rng.rand(5, 5)
    outs = T.split(x, sizes, len(sizes), axis=axis)
    assert len(outs) == len(sizes)
    got = theano.function([x], outs)(v)
    want = np.split(v, np.cumsum(sizes)[:-1], axis=axis)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
    check_infer_shape([x], outs, [v])


def test_split_symbolic_sizes_and_grad():
    x, s = T.dvector("x"), T.lvector("s")
    a, b = T.split(x, s, 2)
    f = theano.function([x, s], [a, b])
    r = f(np.arange(5.0), np.array([2, 3]))
    np.testing.assert_array_equal(r[0], [0, 1])
    np.testing.assert_array_equal(r[1], [2, 3, 4])
    with pytest.raises(ValueError, match="add up"):
        f(np.arange(5.0), np.array([2, 2]))
    verify_grad(lambda v: T.split(v, [1, 2], 2, axis=1)[0] * 3, [A])
    # Only one piece used: the other contributes zeros to the gradient.
    g = theano.function([x], T.grad(T.split(x, [2, 3], 2)[1].sum(), x))(np.arange(5.0))
    np.testing.assert_array_equal(g, [0, 0, 1, 1, 1])


def test_horizontal_vertical_stack():
    a, b, c = T.dmatrix("a"), T.dmatrix("b"), T.dmatrix("c")
    h, v = theano.function([a, b, c], [T.horizontal_stack(a, b), T.vertical_stack(a, c[:1])])(A, B, C)
    np.testing.assert_array_equal(h, np.hstack([A, B]))
    np.testing.assert_array_equal(v, np.vstack([A, C[:1]]))
    with pytest.raises(TypeError, match="matrices"):
        T.horizontal_stack(a, T.dvector())


@pytest.mark.parametrize("shift,axis", [(1, 0), (-1, 1), (7, 1), (0, None), (4, None), (-3, None)])
def test_roll(shift, axis):
    x = T.dmatrix("x")
    np.testing.assert_array_equal(theano.function([x], T.roll(x, shift, axis))(C), np.roll(C, shift, axis))
    verify_grad(lambda v: T.roll(v, shift, axis), [A])


def test_roll_symbolic_shift():
    x, s = T.dvector("x"), T.lscalar("s")
    f = theano.function([x, s], T.roll(x, s))
    for k in (-6, -1, 0, 2, 11):
        np.testing.assert_array_equal(f(np.arange(5.0), k), np.roll(np.arange(5.0), k))
