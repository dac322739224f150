"""fma rounds a * b + c once, as a fused multiply-add does; the op computes it on every backend."""
from __future__ import annotations

from fractions import Fraction

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.sandbox.fma import fma, fused_multiply_add


def _correctly_rounded(a, b, c, dtype):
    """a * b + c exactly, then rounded to nearest (ties to even) in dtype, by brute force."""
    exact = Fraction(float(a)) * Fraction(float(b)) + Fraction(float(c))
    guess = np.asarray(float(exact), dtype=dtype)  # within one unit of the answer
    cands = [np.nextafter(guess, np.asarray(-np.inf, dtype)), guess, np.nextafter(guess, np.asarray(np.inf, dtype))]
    errs = [abs(Fraction(float(v)) - exact) for v in cands]
    best = min(errs)
    ties = [v for v, e in zip(cands, errs) if e == best]
    bits = {"float64": np.int64, "float32": np.int32, "float16": np.int16}[dtype]
    return ties[0] if len(ties) == 1 else next(v for v in ties if int(np.asarray(v).view(bits)) % 2 == 0)


@pytest.mark.parametrize("dtype", ["float64", "float32", "float16"])
def test_fma_is_correctly_rounded(dtype):
    rng = np.random.RandomState(1)
    n = 3000
    a, b = (rng.uniform(-3, 3, n).astype(dtype) for _ in range(2))
    c = rng.uniform(-3, 3, n).astype(dtype)
    # Half the cases cancel almost completely, where a rounded product loses everything.
    c[: n // 2] = (-(a[: n // 2].astype("float64") * b[: n // 2]) * (1 + rng.uniform(-1e-6, 1e-6, n // 2))).astype(dtype)
    got = fma(a, b, c, dtype)
    assert got.dtype == dtype
    want = np.array([_correctly_rounded(x, y, z, dtype) for x, y, z in zip(a, b, c)], dtype=dtype)
    np.testing.assert_array_equal(got, want)
    plain = (a * b + c).astype(dtype)
    assert np.any(plain != want), "the test data must tell a fused from an unfused multiply-add"


def test_fma_non_finite_and_bad_dtype():
    out = fma(np.array([np.inf, 1.0, np.nan]), np.array([1.0, 2.0, 1.0]), np.array([1.0, -np.inf, 0.0]))
    np.testing.assert_array_equal(out[:2], [np.inf, -np.inf])
    assert np.isnan(out[2])
    with pytest.raises(TypeError, match="dtype"):
        fma(1, 2, 3, "int32")


def test_fused_multiply_add_broadcasts_and_has_a_gradient():
    x = T.dmatrix()
    s = T.dscalar()
    v = T.dvector()
    y = fused_multiply_add(x, s, v, "float64")
    g = theano.grad(y.sum(), [x, s, v])
    xv = np.arange(6.0).reshape(2, 3) / 7
    out, gx, gs, gv = theano.function([x, s, v], [y] + g)(xv, 2.2, np.array([0.1, -0.3, 0.7]))
    np.testing.assert_array_equal(out, fma(xv, 2.2, np.array([0.1, -0.3, 0.7])))
    np.testing.assert_allclose(gx, np.full((2, 3), 2.2))
    np.testing.assert_allclose(gs, xv.sum())
    np.testing.assert_allclose(gv, [2.0, 2.0, 2.0])
