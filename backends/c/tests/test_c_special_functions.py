"""The C dialect's special functions (erfinv, erfcinv, psi, trigamma) and float floor division,
compiled natively (fallbacks refused) and compared with SciPy and NumPy: a few ulps over their
domains, SciPy's value at every special input (poles, +-1, +-0, NaN, infinities,
subnormals, outside the domain)."""
from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T

pytest.importorskip("theano_c")
sp = pytest.importorskip("scipy.special")
from theano_c.toolchain import find_compiler  # noqa: E402

pytestmark = pytest.mark.skipif(find_compiler() is None, reason="no C compiler")

SPECIAL = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 1.5, 3.5, 1e-3, -1e-3, 0.9999, -0.9999, 1 - 2 ** -53,
           np.nan, np.inf, -np.inf, 5e-324, -5e-324, 1e-320, 2.2250738585072014e-308,
           2.220446049250313e-16, 1e-300, -1e-300, 1.7976931348623157e308, -1.7976931348623157e308, 710.0,
           -710.0, -709.78, -745.1, 100.0, -100.0, 37.5, -40.25, 1e-9, -1e-9, 1.4616321449683622]


def _native(fn, dtype):
    x = T.vector("x", dtype=dtype)
    with theano.config.change_flags(fallback="raise"):
        return theano.function([x], fn(x), device="cpu")


def _ulps(got, want):
    """|got - want| in units of the last place of `want` (in want's dtype); special values
    (NaN, infinities) must be the same."""
    tiny = np.finfo(want.dtype).smallest_subnormal
    with np.errstate(all="ignore"):
        finite = np.isfinite(want)
        same_special = (np.isnan(got) & np.isnan(want)) | (got == want)
        assert (same_special | finite).all(), (got[~(same_special | finite)], want[~(same_special | finite)])
        ulp = np.spacing(np.abs(want)).clip(tiny).astype(np.float64)
        return np.where(finite, np.abs(got.astype(np.float64) - want.astype(np.float64)) / ulp, 0.0)


CASES = [  # op, SciPy's meaning, a domain of ordinary inputs, the ulps allowed there
    (T.erfinv, sp.erfinv, (-1, 1), 4),
    (T.erfcinv, sp.erfcinv, (0, 2), 8),
    (T.psi, sp.psi, (0.05, 40), 4),
    (T.tri_gamma, lambda x: sp.polygamma(1, x), (-30, 30), 16),
]


@pytest.mark.parametrize("op, ref, domain, ulps", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_special_function_float64(op, ref, domain, ulps):
    f = _native(op, "float64")
    x = np.random.default_rng(0).uniform(*domain, size=20000)
    assert _ulps(f(x), ref(x)).max() <= ulps
    edges = np.array(SPECIAL)
    with np.errstate(all="ignore"):
        want = ref(edges)
    got = f(edges)
    # SciPy's own digits near the poles are not the reference's question: relative 1e-12
    with np.errstate(invalid="ignore"):
        rel = np.abs(got - want) <= 1e-12 * np.abs(want)
    assert ((np.isnan(got) & np.isnan(want)) | (got == want) | rel).all(), (edges, got, want)


@pytest.mark.parametrize("op, ref, domain, ulps", CASES, ids=lambda c: getattr(c, "__name__", None))
def test_special_function_float32(op, ref, domain, ulps):
    f = _native(op, "float32")
    with np.errstate(over="ignore"):  # the float64 extremes become float32's infinities
        x = np.concatenate([np.random.default_rng(1).uniform(*domain, size=5000),
                            np.array(SPECIAL)]).astype(np.float32)
    with np.errstate(all="ignore"):
        want = ref(x).astype(np.float32)
    got = f(x)
    assert got.dtype == np.float32
    assert _ulps(got, want).max() <= 4


def test_erfinv_tails_accurate():
    """Near +-1 the result comes from erfc's tail, where the residual keeps its digits."""
    f = _native(T.erfinv, "float64")
    y = 1 - 10.0 ** -np.arange(1, 16)
    assert _ulps(f(np.concatenate([y, -y])), sp.erfinv(np.concatenate([y, -y]))).max() <= 4
    g = _native(T.erfcinv, "float64")
    z = 10.0 ** -np.arange(1, 300, 7.5)
    assert _ulps(g(z), sp.erfcinv(z)).max() <= 8


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_float_floor_division_is_numpys(dtype):
    a, b = T.vectors("a", "b", dtype=dtype)
    with theano.config.change_flags(fallback="raise"):
        f = theano.function([a, b], a // b, device="cpu")
    with np.errstate(over="ignore", under="ignore"):  # 1e300 and 5e-324 leave float32's range
        vals = np.array([0.0, -0.0, 1.0, -1.0, 7.0, -7.0, 0.3, -0.3, 2.5, 1e-300, 1e300, np.inf, -np.inf,
                         np.nan, 5e-324, 3.0, -2.0], dtype=dtype)
    x, y = np.repeat(vals, len(vals)), np.tile(vals, len(vals))
    with np.errstate(all="ignore"):
        want = np.floor_divide(x, y)
    got = f(x, y)
    same = (got == want) & (np.signbit(got) == np.signbit(want)) | (np.isnan(got) & np.isnan(want))
    assert same.all(), (x[~same], y[~same], got[~same], want[~same])
