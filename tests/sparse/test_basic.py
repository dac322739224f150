"""theano.sparse: results equal the dense computation, formats are kept, gradients are checked."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import scipy.sparse as sp

import theano
import theano.sparse as S
import theano.tensor as T
from theano.gradient import verify_grad

rng = np.random.RandomState(3)
X = sp.random(5, 4, density=0.4, format="csr", random_state=1)
XD = X.toarray()
Y = rng.randn(4, 3)
M = rng.randn(5, 4)


def dense(v):
    return v.toarray() if sp.issparse(v) else v


# -- types and values -------------------------------------------------------------------------------

def test_constructors_and_types():
    x = S.csr_matrix("x")
    assert x.type == S.SparseType("csr", theano.config.floatX) and x.format == "csr" and x.ndim == 2
    assert S.csc_matrix("y", dtype="float32").type.dtype == "float32"
    assert S.csr_matrix() .type != S.csc_matrix().type


def test_filter_accepts_right_format_and_converts_safely():
    t = S.SparseType("csr", "float64")
    assert t.filter(X) is X
    csc = t.filter(X.tocsc())
    assert csc.format == "csr" and (csc != X).nnz == 0
    assert t.filter(XD).format == "csr"
    with pytest.raises(TypeError):
        t.filter(X.tocsc(), strict=True)
    with pytest.raises(TypeError, match="precision"):
        S.SparseType("csr", "float32").filter(X)
    assert S.SparseType("csr", "float32").filter(X, allow_downcast=True).dtype == np.float32
    with pytest.raises(TypeError):
        t.filter(np.zeros(3))


def test_function_takes_and_returns_sparse_matrices():
    x = S.csr_matrix("x")
    f = theano.function([x], x * 2)
    out = f(X)
    assert sp.issparse(out) and out.format == "csr"
    np.testing.assert_allclose(out.toarray(), 2 * XD)
    with pytest.raises(TypeError, match="bad argument"):
        f("not a matrix")
    np.testing.assert_allclose(f(X).toarray(), 2 * XD)  # still usable


def test_conversions_round_trip():
    m = T.dmatrix("m")
    x = S.csr_matrix("x")
    f = theano.function([m], [S.csr_from_dense(m), S.csc_from_dense(m)])
    a, c = f(M)
    assert a.format == "csr" and c.format == "csc"
    np.testing.assert_array_equal(a.toarray(), M)
    g = theano.function([x], [S.dense_from_sparse(x), x.toarray()])
    for r in g(X):
        assert isinstance(r, np.ndarray)
        np.testing.assert_array_equal(r, XD)


def test_as_sparse_variable():
    c = S.as_sparse_variable(X)
    assert isinstance(c, S.SparseConstant)
    np.testing.assert_array_equal(theano.function([], S.dense_from_sparse(c))(), XD)
    with pytest.raises(TypeError):
        S.as_sparse_variable(T.dmatrix())
    assert S.as_sparse_or_tensor_variable(np.ones(2)).type.ndim == 1


def test_transpose_switches_format():
    x = S.csr_matrix("x")
    out = theano.function([x], x.T)(X)
    assert out.format == "csc"
    np.testing.assert_array_equal(out.toarray(), XD.T)
    out = theano.function([x], S.transpose(x))(X)
    out.data[:] = 0  # the result is not a view of the input
    assert X.nnz and np.any(X.data != 0)


@pytest.mark.parametrize("name,sym,ref", [
    ("mul_scalar", lambda x, y, m: x * 3.0, lambda: 3 * XD),
    ("rmul_scalar", lambda x, y, m: 2 * x, lambda: 2 * XD),
    ("mul_dense", lambda x, y, m: x * m, lambda: XD * M),
    ("mul_row", lambda x, y, m: x * m[0], lambda: XD * M[0]),
    ("mul_sparse", lambda x, y, m: x * S.csc_from_dense(m), lambda: XD * M),
    ("add_sparse", lambda x, y, m: x + S.csr_from_dense(m), lambda: XD + M),
    ("add_dense", lambda x, y, m: x + m, lambda: XD + M),
    ("sub", lambda x, y, m: x - S.csr_from_dense(m), lambda: XD - M),
    ("neg", lambda x, y, m: -x, lambda: -XD),
    ("abs", lambda x, y, m: abs(x), lambda: np.abs(XD)),
    ("sqrt", lambda x, y, m: S.sqrt(x), lambda: np.sqrt(XD)),
    ("sqr", lambda x, y, m: S.sqr(x), lambda: XD ** 2),
    ("tanh", lambda x, y, m: S.tanh(x), lambda: np.tanh(XD)),
    ("structured_sigmoid", lambda x, y, m: S.structured_sigmoid(x),
     lambda: np.where(XD != 0, 1 / (1 + np.exp(-XD)), 0)),
    ("structured_exp", lambda x, y, m: S.structured_exp(x), lambda: np.where(XD != 0, np.exp(XD), 0)),
    ("sum", lambda x, y, m: S.sp_sum(x), lambda: XD.sum()),
    ("sum0", lambda x, y, m: S.sp_sum(x, axis=0), lambda: XD.sum(0)),
    ("sum1", lambda x, y, m: x.sum(axis=1), lambda: XD.sum(1)),
    ("structured_dot", lambda x, y, m: S.structured_dot(x, y), lambda: XD @ Y),
    ("dot", lambda x, y, m: S.dot(x, y), lambda: XD @ Y),
    ("tensor_dot", lambda x, y, m: T.dot(x, y), lambda: XD @ Y),
    ("dot_dense_sparse", lambda x, y, m: S.dot(m.T, x), lambda: M.T @ XD),
    ("dot_sparse_sparse", lambda x, y, m: S.dot(x.T, x), lambda: XD.T @ XD),
    ("dot_vector", lambda x, y, m: S.dot(x, y[:, 0]), lambda: XD @ Y[:, 0]),
    ("ones_like", lambda x, y, m: S.sp_ones_like(x), lambda: (XD != 0).astype(float)),
])
def test_results_equal_dense(name, sym, ref):
    x, y, m = S.csr_matrix("x"), T.dmatrix("y"), T.dmatrix("m")
    out = sym(x, y, m)
    got = theano.function([x, y, m], out, on_unused_input="ignore")(X, Y, M)
    np.testing.assert_allclose(dense(got), ref(), rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("op", [lambda x: x * 2.0, lambda x: -x, S.sqrt, S.structured_sigmoid, abs])
def test_elementwise_ops_keep_the_pattern(op):
    x = S.csc_matrix("x")
    out = theano.function([x], op(x))(X.tocsc())
    assert sp.issparse(out) and out.format == "csc"
    assert out.nnz == X.nnz


def test_csc_inputs():
    x = S.csc_matrix("x")
    got = theano.function([x], S.structured_dot(x, Y))(X.tocsc())
    np.testing.assert_allclose(got, XD @ Y)


def test_shape_of_sparse_variable():
    x = S.csr_matrix("x")
    np.testing.assert_array_equal(theano.function([x], x.shape)(X), [5, 4])


def test_mismatched_shapes_raise_at_run_time():
    x, z = S.csr_matrix("x"), S.csr_matrix("z")
    f = theano.function([x, z], x + z)
    with pytest.raises(ValueError, match="shapes"):
        f(X, sp.random(2, 2, format="csr"))


# -- shared sparse variables ------------------------------------------------------------------------

def test_shared_sparse_variable_and_update():
    w = theano.shared(X, name="w")
    assert isinstance(w, S.SparseSharedVariable) and w.type.format == "csr"
    f = theano.function([], S.sp_sum(w), updates=[(w, w * 2.0)])
    assert f() == pytest.approx(XD.sum())
    assert f() == pytest.approx(2 * XD.sum())
    np.testing.assert_allclose(w.get_value().toarray(), 4 * XD)
    v = w.get_value()
    v.data[:] = 0  # a copy: the shared value is untouched
    assert w.get_value().nnz and np.any(w.get_value().data != 0)
    w.set_value(X.tocsc())
    assert w.get_value().format == "csr"


def test_pickle_function_with_sparse_input():
    x = S.csr_matrix("x")
    f = pickle.loads(pickle.dumps(theano.function([x], S.sp_sum(x))))
    assert f(X) == pytest.approx(XD.sum())


# -- gradients ----------------------------------------------------------------------------------

FULL = rng.randn(5, 4)  # dense points without zeros: structured and full gradients agree there


@pytest.mark.parametrize("name,fn,pt", [
    ("dot", lambda a, y: S.dot(S.csr_from_dense(a), y), [FULL, Y]),
    ("dot_csc", lambda a, y: S.dot(S.csc_from_dense(a), y), [FULL, Y]),
    ("dot_dense_sparse", lambda a, y: S.dot(y.T, S.csr_from_dense(a.T)), [FULL, Y]),
    ("dot_sparse_sparse", lambda a, y: S.dot(S.csr_from_dense(a), S.csc_from_dense(y)), [FULL, Y]),
    ("dot_vector", lambda a, v: S.dot(S.csr_from_dense(a), v), [FULL, Y[:, 0]]),
    ("structured_dot", lambda a, y: S.structured_dot(S.csr_from_dense(a), y), [FULL, Y]),
    ("tensor_dot", lambda a, y: T.dot(S.csr_from_dense(a), y), [FULL, Y]),
    ("mul_scalar", lambda a: S.dense_from_sparse(S.csr_from_dense(a) * 3.0), [FULL]),
    ("mul_dense", lambda a, m: S.dense_from_sparse(S.csr_from_dense(a) * m), [FULL, M]),
    ("mul_row", lambda a, v: S.dense_from_sparse(S.csr_from_dense(a) * v), [FULL, M[0]]),
    ("mul_sparse", lambda a, m: S.dense_from_sparse(S.csr_from_dense(a) * S.csc_from_dense(m)), [FULL, M]),
    ("add_sparse", lambda a, m: S.dense_from_sparse(S.csr_from_dense(a) + S.csc_from_dense(m)), [FULL, M]),
    ("add_dense", lambda a, m: S.csr_from_dense(a) + m, [FULL, M]),
    ("neg", lambda a: S.dense_from_sparse(-S.csr_from_dense(a)), [FULL]),
    ("abs", lambda a: S.dense_from_sparse(abs(S.csr_from_dense(a))), [FULL]),
    ("sqrt", lambda a: S.dense_from_sparse(S.sqrt(S.csr_from_dense(a))), [np.abs(FULL) + 0.5]),
    ("sigmoid", lambda a: S.dense_from_sparse(S.structured_sigmoid(S.csr_from_dense(a))), [FULL]),
    ("transpose", lambda a: S.dense_from_sparse(S.csr_from_dense(a).T), [FULL]),
    ("sum", lambda a: S.sp_sum(S.csr_from_dense(a)), [FULL]),
    ("sum_axis0", lambda a: S.sp_sum(S.csr_from_dense(a), 0), [FULL]),
    ("sum_axis1_sparse_grad", lambda a: S.sp_sum(S.csr_from_dense(a), 1, sparse_grad=True), [FULL]),
    ("used_twice", lambda a: S.dense_from_sparse(S.csr_from_dense(a) * S.csr_from_dense(a) * 2.0), [FULL]),
    ("shared_use", lambda a: S.sp_sum(S.sqr(S.csr_from_dense(a))) + S.sp_sum(S.csr_from_dense(a)), [FULL]),
])
def test_gradients(name, fn, pt):
    verify_grad(fn, pt, rng=np.random.RandomState(0))


@pytest.mark.parametrize("op", [
    lambda x, y: S.structured_dot(x, y),
    lambda x, y: S.dense_from_sparse(S.structured_sigmoid(x)) * 2,
    lambda x, y: S.sp_sum(x, 0, sparse_grad=True),
])
def test_structured_gradients_match_masked_finite_differences(op):
    # With a fixed pattern the gradient lives on the stored entries only.
    S.verify_grad_sparse(op, [X, Y], structured=True, rng=np.random.RandomState(0))
    x, y = S.csr_matrix("x"), T.dmatrix("y")
    cost = T.sum(op(x, y))
    g = theano.function([x, y], theano.grad(cost, x), on_unused_input="ignore")(X, Y)
    assert sp.issparse(g) and g.format == "csr"
    assert set(zip(*g.nonzero())) <= set(zip(*X.nonzero()))


def test_gradient_of_a_sparse_input_is_sparse():
    x, y = S.csr_matrix("x"), T.dmatrix("y")
    gx, gy = theano.grad(T.sum(S.dot(x, y)), [x, y])
    assert isinstance(gx.type, S.SparseType) and gx.type.format == "csr"
    f = theano.function([x, y], [gx, gy])
    gxv, gyv = f(X, Y)
    np.testing.assert_allclose(dense(gxv), np.ones((5, 3)) @ Y.T)
    np.testing.assert_allclose(gyv, XD.T @ np.ones((5, 3)))
