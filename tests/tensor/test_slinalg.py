"""theano.tensor.slinalg: values against SciPy, gradients against finite differences."""
from __future__ import annotations

import numpy as np
import pytest
import scipy.linalg

import theano
import theano.tensor as T
from theano.tensor import slinalg as sl

rng = np.random.RandomState(7)
A = rng.randn(4, 4)
SPD = A @ A.T + 4 * np.eye(4)
LOW = np.tril(SPD)
B = rng.randn(4, 2)
b = rng.randn(4)


def run(fn, *vals):
    ins = [T.TensorType(np.asarray(v).dtype, (False,) * np.ndim(v))() for v in vals]
    return theano.function(ins, fn(*ins))(*vals)


def test_cholesky_values():
    np.testing.assert_allclose(run(sl.cholesky, SPD), scipy.linalg.cholesky(SPD, lower=True))
    np.testing.assert_allclose(run(sl.Cholesky(lower=False), SPD), scipy.linalg.cholesky(SPD))
    with pytest.raises(np.linalg.LinAlgError):
        run(sl.cholesky, -SPD)


@pytest.mark.parametrize("assume_a", ["gen", "sym", "pos"])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("rhs", [B, b], ids=["matrix", "vector"])
def test_solve_values(assume_a, lower, rhs):
    got = run(lambda a, y: sl.solve(a, y, assume_a=assume_a, lower=lower), SPD, rhs)
    np.testing.assert_allclose(got, scipy.linalg.solve(SPD, rhs, assume_a=assume_a, lower=lower))


def test_solve_reads_only_one_triangle_for_symmetric():
    junk = SPD.copy()
    junk[np.tril_indices(4, -1)] = 1e3  # lower=False: the lower triangle is ignored
    np.testing.assert_allclose(run(lambda a, y: sl.solve(a, y, assume_a="sym"), junk, b),
                               np.linalg.solve(SPD, b))


def test_theano_style_solve_names():
    np.testing.assert_allclose(run(sl.solve_lower_triangular, LOW, B), scipy.linalg.solve_triangular(LOW, B, lower=True))
    np.testing.assert_allclose(run(sl.solve_upper_triangular, LOW.T, B), scipy.linalg.solve_triangular(LOW.T, B))
    np.testing.assert_allclose(run(sl.solve_symmetric, SPD, b), np.linalg.solve(SPD, b))
    assert sl.Solve(A_structure="lower_triangular") == sl.Solve("lower_triangular")
    with pytest.raises(ValueError):
        sl.solve(T.dmatrix(), T.dvector(), assume_a="banded")


@pytest.mark.parametrize("trans", [0, 1, "T"])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("unit", [False, True])
def test_solve_triangular_values(trans, lower, unit):
    a = LOW if lower else LOW.T
    got = run(lambda x, y: sl.solve_triangular(x, y, trans=trans, lower=lower, unit_diagonal=unit), a, B)
    np.testing.assert_allclose(got, scipy.linalg.solve_triangular(a, B, trans=trans, lower=lower,
                                                                  unit_diagonal=unit))


def test_expm_and_eigvalsh_values():
    np.testing.assert_allclose(run(sl.expm, A), scipy.linalg.expm(A))
    np.testing.assert_allclose(run(sl.eigvalsh, SPD), np.linalg.eigvalsh(SPD))
    sym = A + A.T
    np.testing.assert_allclose(run(sl.eigvalsh, sym, SPD), scipy.linalg.eigh(sym, SPD, eigvals_only=True))


def test_kron():
    a, c = rng.randn(2, 3), rng.randn(3, 2)
    np.testing.assert_allclose(run(sl.kron, a, c), np.kron(a, c))
    T.verify_grad(sl.kron, [a, c], rng=np.random.RandomState(0))


def test_float32_stays_float32():
    out = run(sl.cholesky, SPD.astype("float32"))
    assert out.dtype == np.float32


# -- gradients ------------------------------------------------------------------------------------

@pytest.mark.parametrize("lower", [True, False])
def test_cholesky_gradient(lower):
    T.verify_grad(sl.Cholesky(lower), [SPD], rng=np.random.RandomState(0))


def test_cholesky_gradient_through_a_symmetric_product():
    # The usual use: the factor of x @ x.T + I, where every entry of x matters.
    T.verify_grad(lambda x: sl.cholesky(x.dot(x.T) + 4 * T.eye(4)), [A], rng=np.random.RandomState(1))


@pytest.mark.parametrize("assume_a", ["gen", "sym", "pos"])
@pytest.mark.parametrize("lower", [False, True])
@pytest.mark.parametrize("rhs", [B, b], ids=["matrix", "vector"])
def test_solve_gradient(assume_a, lower, rhs):
    T.verify_grad(lambda a, y: sl.solve(a, y, assume_a=assume_a, lower=lower), [SPD, rhs],
                  rng=np.random.RandomState(0))


@pytest.mark.parametrize("trans", [0, 1])
@pytest.mark.parametrize("lower", [True, False])
@pytest.mark.parametrize("unit", [False, True])
@pytest.mark.parametrize("rhs", [B, b], ids=["matrix", "vector"])
def test_solve_triangular_gradient(trans, lower, unit, rhs):
    a = LOW if lower else LOW.T
    T.verify_grad(lambda x, y: sl.solve_triangular(x, y, trans=trans, lower=lower, unit_diagonal=unit),
                  [a, rhs], rng=np.random.RandomState(0))


def test_solve_triangular_gradient_is_zero_off_the_triangle():
    x, y = T.dmatrix("x"), T.dmatrix("y")
    g = theano.function([x, y], theano.grad(T.sum(sl.solve_triangular(x, y, lower=True)), x))(LOW, B)
    assert np.all(np.triu(g, 1) == 0)


@pytest.mark.parametrize("scale", [0.5, 2.0])
def test_expm_gradient(scale):
    T.verify_grad(sl.expm, [A * scale], rng=np.random.RandomState(0))


def test_expm_gradient_with_repeated_eigenvalues():
    # The identity has one eigenvalue three times: the block-exponential gradient copes.
    x = T.dmatrix("x")
    g = theano.function([x], theano.grad(T.sum(sl.expm(x)), x))(np.eye(3))
    np.testing.assert_allclose(g, np.e * np.ones((3, 3)))


def test_eigvalsh_gradients():
    T.verify_grad(sl.eigvalsh, [SPD], rng=np.random.RandomState(0))
    T.verify_grad(lambda a, bb: sl.eigvalsh(a, bb), [A + A.T, SPD], rng=np.random.RandomState(0))


def test_infer_shapes():
    x, y = T.dmatrix("x"), T.dmatrix("y")
    outs = [sl.cholesky(x), sl.solve(x, y), sl.solve_triangular(x, y, lower=True), sl.expm(x), sl.eigvalsh(x)]
    vals = theano.function([x, y], outs)(SPD, B)
    for o, v in zip(outs, vals):
        shapes = [tuple(T.shape(i)[k] for k in range(i.type.ndim)) for i in o.owner.inputs]
        inferred = o.owner.op.infer_shape(o.owner, shapes)[0]
        got = theano.function([x, y], list(inferred), on_unused_input="ignore")(SPD, B)
        assert tuple(int(g) for g in got) == v.shape
