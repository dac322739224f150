"""theano.tensor.nlinalg: values against NumPy, gradients against finite differences."""
from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.tensor import nlinalg as nl
from theano.tensor.nlinalg import (alloc_diag, det, diag, eig, eigh, extract_diag, lstsq, matrix_dot,
                                   matrix_inverse, matrix_power, norm, pinv, qr, svd, trace)

rng = np.random.RandomState(42)
A = rng.randn(4, 4)
SPD = A @ A.T + 4 * np.eye(4)
R = rng.randn(5, 3)
V = rng.randn(4)


def run(fn, *vals):
    ins = [T.TensorType(np.asarray(v).dtype, (False,) * np.ndim(v))() for v in vals]
    out = fn(*ins)
    return theano.function(ins, out)(*vals)


def test_inverse_and_alias():
    np.testing.assert_allclose(run(matrix_inverse, A), np.linalg.inv(A))
    assert nl.inv is matrix_inverse
    with pytest.raises(ValueError, match="square"):
        run(matrix_inverse, R)


def test_inverse_of_float32_keeps_dtype():
    out = run(matrix_inverse, A.astype("float32"))
    assert out.dtype == np.float32
    np.testing.assert_allclose(out, np.linalg.inv(A), rtol=1e-4)


def test_pinv_det_trace_values():
    np.testing.assert_allclose(run(pinv, R), np.linalg.pinv(R))
    assert run(det, A) == pytest.approx(np.linalg.det(A))
    assert run(trace, A) == pytest.approx(np.trace(A))


def test_integer_input_is_cast_to_float():
    m = np.array([[2, 1], [1, 3]], dtype="int64")
    out = run(matrix_inverse, m)
    assert out.dtype == np.float64
    np.testing.assert_allclose(out, np.linalg.inv(m))


def test_eig_and_eigh():
    w, v = run(eig, SPD)
    np.testing.assert_allclose(SPD @ v, v * w, atol=1e-10)
    w, v = run(eigh, SPD)
    wn, vn = np.linalg.eigh(SPD)
    np.testing.assert_allclose(w, wn)
    np.testing.assert_allclose(np.abs(v), np.abs(vn), atol=1e-10)
    # UPLO='U' reads the upper triangle only.
    up = np.triu(SPD) + np.tril(rng.randn(4, 4), -1)
    np.testing.assert_allclose(run(lambda x: eigh(x, "U")[0], up), np.linalg.eigvalsh(SPD))


def test_eig_complex_eigenvalues_of_a_real_matrix_raise():
    rot = np.array([[0.0, -1.0], [1.0, 0.0]])
    with pytest.raises(ValueError, match="complex"):
        run(lambda x: eig(x)[0], rot)
    w = run(lambda x: eig(x)[0], rot.astype("complex128"))
    np.testing.assert_allclose(sorted(w, key=lambda z: z.imag), [-1j, 1j])


@pytest.mark.parametrize("full", [True, False])
def test_svd(full):
    u, s, v = run(lambda x: svd(x, full_matrices=full), R)
    un, sn, vn = np.linalg.svd(R, full)
    np.testing.assert_allclose(s, sn)
    assert u.shape == un.shape and v.shape == vn.shape
    k = len(s)
    np.testing.assert_allclose(u[:, :k] * s @ v[:k], R, atol=1e-10)
    np.testing.assert_allclose(run(lambda x: svd(x, compute_uv=False), R), sn)


def test_qr_modes():
    q, r = run(qr, R)
    np.testing.assert_allclose(q @ r, R, atol=1e-10)
    assert q.shape == (5, 3)
    q, r = run(lambda x: qr(x, "complete"), R)
    assert q.shape == (5, 5)
    np.testing.assert_allclose(np.abs(run(lambda x: qr(x, "r"), R)), np.abs(np.linalg.qr(R, "r")))
    with pytest.raises(ValueError):
        qr(T.dmatrix(), "raw")


def test_lstsq():
    b = rng.randn(5)
    x, res, rank, s = run(lambda a, bb: lstsq(a, bb), R, b)
    xn, resn, rankn, sn = np.linalg.lstsq(R, b, rcond=None)
    np.testing.assert_allclose(x, xn)
    assert rank == rankn


def test_diagonals():
    np.testing.assert_allclose(run(extract_diag, R), np.diagonal(R))
    np.testing.assert_allclose(run(lambda x: extract_diag(x, 1), R), np.diagonal(R, 1))
    np.testing.assert_allclose(run(alloc_diag, V), np.diag(V))
    np.testing.assert_allclose(run(diag, V), np.diag(V))
    np.testing.assert_allclose(run(diag, A), np.diag(A))
    with pytest.raises(TypeError):
        diag(T.tensor3())


@pytest.mark.parametrize("n", [0, 1, 2, 3, 5, -2])
def test_matrix_power(n):
    np.testing.assert_allclose(run(lambda x: matrix_power(x, n), A), np.linalg.matrix_power(A, n), rtol=1e-8)


def test_matrix_dot():
    B, C = rng.randn(4, 2), rng.randn(2, 3)
    np.testing.assert_allclose(run(matrix_dot, A, B, C), A @ B @ C)


@pytest.mark.parametrize("ord", [None, "fro", "inf", "-inf", 1, -1, 2, -2, "nuc"])
def test_matrix_norms(ord):
    np_ord = {"inf": np.inf, "-inf": -np.inf}.get(ord, ord)
    assert run(lambda x: norm(x, ord), A) == pytest.approx(np.linalg.norm(A, np_ord))


@pytest.mark.parametrize("ord", [None, "inf", "-inf", 0, 1, 3])
def test_vector_norms(ord):
    np_ord = {"inf": np.inf, "-inf": -np.inf}.get(ord, ord)
    assert run(lambda x: norm(x, ord), V) == pytest.approx(np.linalg.norm(V, np_ord))


def test_tensorinv_and_tensorsolve():
    a = np.eye(4 * 6).reshape(4, 6, 8, 3) + 0.01 * rng.randn(4, 6, 8, 3)
    np.testing.assert_allclose(run(lambda x: nl.tensorinv(x, 2), a), np.linalg.tensorinv(a, 2))
    b = rng.randn(4, 6)
    np.testing.assert_allclose(run(nl.tensorsolve, a, b), np.linalg.tensorsolve(a, b))


# -- gradients ---------------------------------------------------------------------------------

@pytest.mark.parametrize("name,fn,pt", [
    ("inverse", matrix_inverse, [A]),
    ("det", det, [A]),
    ("pinv_tall", pinv, [R]),
    ("pinv_wide", pinv, [R.T]),
    ("trace", trace, [A]),
    ("extract_diag", extract_diag, [R]),
    ("extract_diag_offset", lambda x: extract_diag(x, -1), [R]),
    ("alloc_diag", alloc_diag, [V]),
    ("eigh_values", lambda x: eigh(x)[0], [SPD]),
    ("eigh_vectors", lambda x: eigh(x)[1] ** 2, [SPD]),  # squared: independent of the sign choice
    ("eigh_upper", lambda x: eigh(x, "U")[0] + eigh(x, "U")[1][0] ** 2, [SPD]),
    ("matrix_power", lambda x: matrix_power(x, 3), [A]),
    ("matrix_power_neg", lambda x: matrix_power(x, -1), [A]),
    ("norm_fro", lambda x: norm(x, None), [A]),
    ("norm_1", lambda x: norm(x, 1), [A]),
    ("vector_norm_3", lambda x: norm(x, 3), [V]),
])
def test_gradients(name, fn, pt):
    T.verify_grad(fn, pt, rng=np.random.RandomState(0))


def test_eigh_gradient_only_on_the_read_triangle():
    x = T.dmatrix("x")
    g = theano.function([x], theano.grad(T.sum(eigh(x)[0] * np.arange(4)), x))(SPD)
    assert np.all(np.triu(g, 1) == 0)


def test_infer_shape_of_decompositions():
    x = T.dmatrix("x")
    outs = [matrix_inverse(x), pinv(x), *svd(x, full_matrices=False), *eigh(x), alloc_diag(x[0])]
    f = theano.function([x], [o.shape for o in outs])
    for got, o in zip(f(SPD), theano.function([x], outs)(SPD)):
        assert tuple(got) == o.shape
    for o in outs:
        shapes = [(T.shape(i)[0], T.shape(i)[1]) if i.type.ndim == 2 else (T.shape(i)[0],)
                  for i in o.owner.inputs]
        inferred = o.owner.op.infer_shape(o.owner, shapes)[o.owner.outputs.index(o)]
        val = theano.function([x], o)(SPD)
        got = theano.function([x], list(inferred), on_unused_input="ignore")(SPD)
        assert tuple(int(g) for g in got) == val.shape
