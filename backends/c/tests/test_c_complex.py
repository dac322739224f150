"""Complex arithmetic in the C dialect, compiled natively (fallbacks refused) and compared
with NumPy on every pair of edge values (zeros of both signs, infinities, NaN, huge and tiny
parts): NumPy's plain product, Smith's quotient, the C library's csqrt/cexp/clog, hypot and
arctan2, in both complex dtypes, alone and fused."""
from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.tensor.elemwise import Elemwise

pytest.importorskip("theano_c")
from theano_c.dialect import CRenderer  # noqa: E402
from theano_c.toolchain import find_compiler  # noqa: E402

pytestmark = pytest.mark.skipif(find_compiler() is None, reason="no C compiler")

PARTS = [0.0, -0.0, 1.0, -2.5, 3e-310, 1e300, -1e300, np.inf, -np.inf, np.nan, 0.75]


def _complex_from_parts(dtype):
    """Every pair of PARTS as real and imaginary part (complex64: 1e300 becomes inf)."""
    re, im = np.meshgrid(np.array(PARTS), np.array(PARTS))
    out = np.empty(re.size, dtype=dtype)
    with np.errstate(over="ignore", under="ignore"):
        out.real, out.imag = re.ravel(), im.ravel()
    return out


def _native(inputs, output):
    with theano.config.change_flags(fallback="raise"):
        return theano.function(inputs, output, device="cpu")


def _same(got, want, rtol=0.0):
    """Equal part by part (NaN matching NaN), or within rtol of NumPy's part."""
    for g, w in ((got.real, want.real), (got.imag, want.imag)) if np.iscomplexobj(want) else ((got, want),):
        with np.errstate(all="ignore"):
            ok = (g == w) | (np.isnan(g) & np.isnan(w)) | (np.abs(g - w) <= rtol * np.abs(w))
        assert ok.all(), (g[~ok], w[~ok], np.flatnonzero(~ok))


# op, NumPy's meaning, ulps allowed (angle: NumPy's own vectorized arctan2 against the C library's)
UNARY = [(T.neg, np.negative, 0), (T.sqr, np.square, 0), (T.sqrt, np.sqrt, 0), (T.exp, np.exp, 0),
         (T.log, np.log, 0), (T.abs_, np.abs, 0), (T.angle, np.angle, 4), (T.conj, np.conj, 0),
         (T.real, np.real, 0), (T.imag, np.imag, 0)]


@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
@pytest.mark.parametrize("op, ref, ulps", UNARY, ids=[u[1].__name__ for u in UNARY])
def test_unary_complex_matches_numpy(dtype, op, ref, ulps):
    x = T.vector("x", dtype=dtype)
    f = _native([x], op(x))
    v = _complex_from_parts(dtype)
    with np.errstate(all="ignore"):
        want = ref(v)
    _same(f(v), want, ulps * np.finfo(dtype).eps)


BINARY = [(T.add, np.add), (T.sub, np.subtract), (T.mul, np.multiply), (T.true_div, np.true_divide)]


@pytest.mark.parametrize("dtype", ["complex128", "complex64"])
@pytest.mark.parametrize("op, ref", BINARY, ids=[b[1].__name__ for b in BINARY])
def test_binary_complex_matches_numpy(dtype, op, ref):
    x, y = T.vector("x", dtype=dtype), T.vector("y", dtype=dtype)
    f = _native([x, y], op(x, y))
    v = _complex_from_parts(dtype)
    a, b = np.repeat(v, len(v)), np.tile(v, len(v))
    with np.errstate(all="ignore"):
        want = ref(a, b)
    _same(f(a, b), want)


def test_fused_complex_expression_with_real_operands_and_constants():
    z = T.zvector("z")
    r = T.dvector("r")
    out = T.exp(z * 2) / (z + r) - T.sqrt(z) * (1 + 2j) + T.abs_(z)
    f = _native([z, r], out)
    assert any(isinstance(n.op, Elemwise) or "Fused" in type(n.op).__name__ for n in f.maker.fgraph.toposort())
    rng = np.random.default_rng(0)
    zv = rng.normal(size=50) + 1j * rng.normal(size=50)
    rv = rng.normal(size=50)
    want = np.exp(zv * 2) / (zv + rv) - np.sqrt(zv) * (1 + 2j) + np.abs(zv)
    np.testing.assert_allclose(f(zv, rv), want, rtol=1e-13)


def test_complex_without_an_entry_is_reported():
    """An op the complex table lacks (tan) names itself in the reason of the fallback."""
    z = T.zvector("z")
    with theano.config.change_flags(fallback="silent"):
        f = theano.function([z], T.tan(z) * 2)
    node = [n for n in f.maker.fgraph.toposort() if hasattr(n.op, "kernel")][0]
    ok, why = CRenderer().can_render(node.op.kernel(node))
    assert not ok and "complex" in why and "tan" in why
