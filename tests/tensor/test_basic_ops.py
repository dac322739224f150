"""arange, eye, identity_like, tile, tri/tril/triu."""
import numpy as np
import pytest

import theano
import theano.tensor as T
from theano import config
from theano.gradient import verify_grad

from infer_shape_check import check_infer_shape


@pytest.mark.parametrize("args", [(5,), (2, 9), (9, 2, -3), (0,), (3, 3), (-2, 7, 2), (5, 1)])
def test_arange_values_and_shape(args):
    syms = [T.lscalar() for _ in args]
    out = T.arange(*syms)
    np.testing.assert_array_equal(theano.function(syms, out)(*args), np.arange(*args))
    check_infer_shape(syms, [out], list(args))


def test_arange_float_and_shape():
    a, b, c = T.dscalar(), T.dscalar(), T.dscalar()
    out = T.arange(a, b, c)
    for args in [(0.0, 1.0, 0.3), (1.0, 0.0, -0.25), (0.5, 0.5, 1.0)]:
        np.testing.assert_allclose(theano.function([a, b, c], out)(*args), np.arange(*args))
        check_infer_shape([a, b, c], [out], list(args))


def test_arange_dtypes_follow_theano():
    assert T.arange(T.iscalar()).dtype == "int64"
    assert T.arange(T.bscalar(), T.wscalar()).dtype == "int64"
    assert T.arange(T.lscalar()).dtype == "int64"
    assert T.arange(10).dtype == "int64"
    assert T.arange(T.fscalar()).dtype == "float32"
    assert T.arange(T.fscalar(), T.dscalar()).dtype == "float64"
    assert T.arange(T.iscalar(), dtype="int32").dtype == "int32"
    assert T.arange(5, dtype="floatX").dtype == config.floatX
    with pytest.raises(TypeError, match="scalar"):
        T.arange(T.lvector())
    with pytest.raises(ValueError, match="zero"):
        theano.function([], T.arange(0, 5, T.constant(np.int64(0))))()


def test_arange_grad():
    verify_grad(lambda a, s: T.arange(a, 4.0, s), [np.asarray(0.5), np.asarray(0.75)])


@pytest.mark.parametrize("n,m,k", [(3, None, 0), (2, 4, 1), (4, 2, -1), (3, 3, 5), (0, 2, 0)])
def test_eye(n, m, k):
    np.testing.assert_array_equal(T.eye(n, m, k).eval(), np.eye(n, m, k))
    assert T.eye(n, m, k).dtype == config.floatX
    ns = T.lscalar()
    out = T.eye(ns, m, k, dtype="int32")
    r = theano.function([ns], out)(n)
    np.testing.assert_array_equal(r, np.eye(n, m, k))
    assert r.dtype == np.int32
    check_infer_shape([ns], [out], [n])


def test_identity_like():
    x = T.fmatrix()
    r = theano.function([x], T.identity_like(x))(np.zeros((2, 3), dtype="float32"))
    np.testing.assert_array_equal(r, np.eye(2, 3))
    assert r.dtype == np.float32


@pytest.mark.parametrize("reps", [(2,), (1, 3), (2, 2), (2, 1, 3), (0, 2)])
def test_tile(reps):
    x = T.dmatrix("x")
    v = np.arange(6.0).reshape(2, 3)
    out = T.tile(x, reps)
    np.testing.assert_array_equal(theano.function([x], out)(v), np.tile(v, reps))
    check_infer_shape([x], [out], [v])
    verify_grad(lambda a: T.tile(a, reps), [v])


def test_tile_symbolic_reps_and_errors():
    x, r = T.dvector("x"), T.lscalar("r")
    np.testing.assert_array_equal(theano.function([x, r], T.tile(x, (r, 2)))(np.arange(3.0), 2),
                                  np.tile(np.arange(3.0), (2, 2)))
    with pytest.raises(ValueError, match="negative"):
        theano.function([x, r], T.tile(x, [r]))(np.arange(3.0), -1)
    with pytest.raises(ValueError, match="ndim"):
        T.tile(T.dmatrix(), (2, 2), ndim=1)


@pytest.mark.parametrize("k", [0, 1, -1, 5, -5])
def test_tril_triu_tri(k):
    x = T.dmatrix("x")
    v = np.arange(12.0).reshape(3, 4) + 1
    lo, up = theano.function([x], [T.tril(x, k), T.triu(x, k)])(v)
    np.testing.assert_array_equal(lo, np.tril(v, k))
    np.testing.assert_array_equal(up, np.triu(v, k))
    np.testing.assert_array_equal(T.tri(3, 4, k).eval(), np.tri(3, 4, k))
    verify_grad(lambda a: T.tril(a, k), [v])
    with pytest.raises(ValueError, match="2 dimensions"):
        T.tril(T.dvector())


def test_tril_batched():
    x = T.dtensor3("x")
    v = np.random.RandomState(0).rand(2, 3, 3)
    np.testing.assert_array_equal(theano.function([x], T.triu(x))(v), np.triu(v))
