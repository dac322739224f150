"""Products: dot for every rank combination, tensordot, outer, batched_dot, the @ operator,
their dtypes, and shape errors that name the shapes."""
import os

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.tensor.type import TensorType

RNG = np.random.RandomState(7)


def fn(inputs, outputs):
    return theano.function(inputs, outputs, on_unused_input="ignore")


def var(ndim, dtype="float64", name=None):
    return TensorType(dtype, (False,) * ndim)(name)


def dot_shapes(na, nb):
    sa = (2, 3, 4, 5)[:na]
    sb = [4, 5, 6, 7][:nb]
    if na and nb:
        sb[0 if nb == 1 else -2] = sa[-1]
    return sa, tuple(sb)


@pytest.mark.parametrize("na", range(5))
@pytest.mark.parametrize("nb", range(5))
def test_dot_every_rank_combination(na, nb):
    a, b = var(na, name="a"), var(nb, name="b")
    out = T.dot(a, b)
    sa, sb = dot_shapes(na, nb)
    xa, xb = RNG.randn(*sa), RNG.randn(*sb)
    want = np.dot(xa, xb)
    assert out.ndim == want.ndim
    got = fn([a, b], out)(xa, xb)
    assert got.shape == want.shape and got.dtype == np.float64
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    if na and nb:
        np.testing.assert_allclose(fn([a, b], a.dot(b))(xa, xb), want, rtol=1e-12, atol=1e-12)


def test_dot_uses_the_dot_op_for_vectors_and_matrices():
    m, v = T.dmatrix(), T.dvector()
    assert isinstance(T.dot(m, v).owner.op, T.Dot)
    assert isinstance(T.dot(v, v).owner.op, T.Dot)
    assert T.dot(v, v).ndim == 0
    assert T.dot(T.drow(), T.dmatrix()).broadcastable == (True, False)
    assert T.dot(T.dmatrix(), T.dcol()).broadcastable == (False, True)


@pytest.mark.parametrize("a,b,want", [("float32", "float32", "float32"), ("float32", "float64", "float64"),
                                      ("int32", "float32", "float64"), ("int8", "int8", "int8"),
                                      ("complex64", "float32", "complex64")])
def test_dot_dtypes(a, b, want):
    x, y = var(2, a), var(2, b)
    assert T.dot(x, y).dtype == want
    data_x = (RNG.randn(2, 3) * 3).astype(a)
    data_y = (RNG.randn(3, 2) * 3).astype(b)
    got = fn([x, y], T.dot(x, y))(data_x, data_y)
    assert got.dtype == np.dtype(want)
    np.testing.assert_allclose(got, np.dot(data_x.astype(want), data_y.astype(want)), rtol=1e-5)


def test_dot_of_integers_and_empty():
    a, b = T.imatrix("a"), T.imatrix("b")
    x = np.arange(6, dtype="int32").reshape(2, 3)
    np.testing.assert_array_equal(fn([a, b], T.dot(a, b))(x, x.T), x @ x.T)
    m, n = T.dmatrices("m", "n")
    got = fn([m, n], T.dot(m, n))(np.zeros((2, 0)), np.zeros((0, 3)))
    np.testing.assert_array_equal(got, np.zeros((2, 3)))


def _check_shape_error(f, args, *needles):
    with pytest.raises(ValueError) as info:
        f(*args)
    msg = str(info.value)
    for n in needles:
        assert n in msg, (n, msg)
    assert f"{os.path.basename(__file__)}:" in msg.splitlines()[0]
    return msg


def test_dot_shape_mismatch_names_shapes():
    m, v = T.dmatrix("m"), T.dvector("v")
    f = fn([m, v], T.dot(m, v))
    _check_shape_error(f, (np.ones((2, 3)), np.ones(4)), "(2, 3)", "(4,)")
    n = T.dmatrix("n")
    g = fn([m, n], T.dot(m, n))
    _check_shape_error(g, (np.ones((2, 3)), np.ones((2, 3))), "(2, 3)", "not aligned")
    a3, b3 = T.dtensor3("a3"), T.dmatrix("b3")
    h = fn([a3, b3], T.dot(a3, b3))
    _check_shape_error(h, (np.ones((2, 3, 4)), np.ones((5, 6))), "(2, 3, 4)", "(5, 6)")
    # The function keeps working after the failure.
    assert h(np.ones((2, 3, 4)), np.ones((4, 6))).shape == (2, 3, 6)


def test_dot_op_rejects_higher_ranks_at_build_time():
    with pytest.raises(TypeError) as info:
        T.Dot()(T.dtensor3(), T.dtensor4())
    first = str(info.value).splitlines()[0]
    assert f"{os.path.basename(__file__)}:" in first
    assert "Dot" in first and "TensorType(float64, 3D)" in first and "TensorType(float64, 4D)" in first


@pytest.mark.parametrize("axes", [0, 1, 2, [[1], [0]], [[2], [1]], [[1, 2], [0, 2]], [[-1], [-2]],
                                  [[0, 1], [0, 2]], ([2, 1], [2, 0])])
def test_tensordot(axes):
    a, b = T.dtensor3("a"), T.dtensor4("b")
    if isinstance(axes, int):
        sa, sb = (2, 3, 4), {0: (5, 2, 3, 4), 1: (4, 3, 2, 5), 2: (3, 4, 2, 5)}[axes]
    else:
        sa = (2, 3, 4)
        sb = [6, 7, 8, 9]
        for i, j in zip(*axes):
            sb[j] = sa[i]
        sb = tuple(sb)
    xa, xb = RNG.randn(*sa), RNG.randn(*sb)
    want = np.tensordot(xa, xb, axes)
    out = T.tensordot(a, b, axes)
    assert out.ndim == want.ndim
    np.testing.assert_allclose(fn([a, b], out)(xa, xb), want, rtol=1e-12, atol=1e-12)


def test_tensordot_errors():
    a, b = T.dtensor3("a"), T.dtensor4("b")
    with pytest.raises(ValueError) as info:
        T.tensordot(a, b, [[0, 1], [0]])
    first = str(info.value).splitlines()[0]
    assert f"{os.path.basename(__file__)}:" in first and "tensordot" in first
    with pytest.raises(ValueError):
        T.tensordot(a, b, [[3], [0]])
    with pytest.raises(ValueError):
        T.tensordot(a, b, 4)
    f = fn([a, b], T.tensordot(a, b, [[1], [1]]))
    _check_shape_error(f, (np.ones((2, 3, 4)), np.ones((2, 4, 5, 6))), "(2, 3, 4)", "(2, 4, 5, 6)")


def test_outer():
    x, y = T.dvector("x"), T.fvector("y")
    a, b = RNG.randn(3), RNG.randn(4).astype("float32")
    got = fn([x, y], T.outer(x, y))(a, b)
    np.testing.assert_allclose(got, np.outer(a, b), rtol=1e-6)
    assert got.dtype == np.float64
    m = T.dmatrix("m")
    # Theano flattens non-vector inputs, like numpy.outer.
    np.testing.assert_allclose(fn([m, x], T.outer(m, x))(np.ones((2, 2)), a), np.outer(np.ones(4), a))


@pytest.mark.parametrize("sa,sb", [((3, 2, 4), (3, 4, 5)), ((3, 4), (3, 4)), ((3, 4), (3, 4, 2)),
                                   ((3, 2, 4), (3, 4)), ((0, 2, 4), (0, 4, 1))])
def test_batched_dot(sa, sb):
    a, b = var(len(sa), name="a"), var(len(sb), name="b")
    xa, xb = RNG.randn(*sa), RNG.randn(*sb)
    want = np.array([np.dot(xa[i], xb[i]) for i in range(sa[0])]).reshape(
        (sa[0],) + sa[1:-1] + sb[2:])
    got = fn([a, b], T.batched_dot(a, b))(xa, xb)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)


def test_batched_dot_errors():
    a, b = T.dtensor3("a"), T.dtensor3("b")
    f = fn([a, b], T.batched_dot(a, b))
    _check_shape_error(f, (np.ones((2, 3, 4)), np.ones((3, 4, 5))), "(2, 3, 4)", "(3, 4, 5)")
    _check_shape_error(f, (np.ones((2, 3, 4)), np.ones((2, 3, 5))), "(2, 3, 4)", "(2, 3, 5)")
    with pytest.raises(TypeError) as info:
        T.batched_dot(T.dtensor4(), a)
    assert f"{os.path.basename(__file__)}:" in str(info.value).splitlines()[0]


@pytest.mark.parametrize("sa,sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                                   ((5, 2, 3), (5, 3, 4)), ((5, 2, 3), (3, 4)), ((5, 2, 3), (3,)),
                                   ((3,), (5, 3, 4)), ((2, 3), (5, 3, 4)),
                                   ((6, 5, 2, 3), (6, 5, 3, 4)), ((1, 5, 2, 3), (6, 1, 3, 4)),
                                   ((6, 5, 2, 3), (3, 4)), ((5, 2, 3), (6, 5, 3, 4))])
def test_matmul_operator(sa, sb):
    a = TensorType("float64", tuple(n == 1 for n in sa))("a")
    b = TensorType("float64", tuple(n == 1 for n in sb))("b")
    xa, xb = RNG.randn(*sa), RNG.randn(*sb)
    want = xa @ xb
    out = a @ b
    assert out.ndim == want.ndim
    got = fn([a, b], out)(xa, xb)
    assert got.shape == want.shape
    np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(fn([a, b], T.matmul(a, b))(xa, xb), want, rtol=1e-12, atol=1e-12)


def test_matmul_rejects_scalars_and_mismatches():
    with pytest.raises(ValueError) as info:
        T.dscalar() @ T.dmatrix()
    assert f"{os.path.basename(__file__)}:" in str(info.value).splitlines()[0]
    a, b = T.dmatrix("a"), T.dmatrix("b")
    f = fn([a, b], a @ b)
    _check_shape_error(f, (np.ones((2, 3)), np.ones((4, 5))), "(2, 3)", "(4, 5)")
    # Python's reflected operator with a NumPy array on the left.
    x = np.ones((2, 2))
    np.testing.assert_allclose(fn([b], T.as_tensor_variable(x) @ b)(np.eye(2)), x)
