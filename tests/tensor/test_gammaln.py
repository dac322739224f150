"""gammaln at the edges, on every usable backend: SciPy's values where SciPy is right, C99's
`lgamma` (what Theano 1.0.5's compiled code returns, recorded by scripts/theano105/gammaln.py)
at -inf and at float64 subnormals, where SciPy's cephes gives -inf and inf."""
import json
import math
from pathlib import Path

import numpy as np
import pytest
import scipy.special as sp

import theano
import theano.tensor as T
from theano.compile.mode import Mode
from devices import DEVICES  # tests/devices.py

RECORDED = json.loads((Path(__file__).resolve().parent.parent / "data" / "theano105" / "gammaln.json").read_text())


MODES = {"FAST_RUN": None, "unrewritten": Mode(optimizer=None)}


def _floats(values):
    return np.array([float(v) for v in values])


def _lgamma(x: float) -> float:
    """Python's own lgamma (not SciPy's): +inf at the poles and on overflow."""
    try:
        return math.lgamma(x)
    except (ValueError, OverflowError):
        return math.inf


def _compile(dtype, device, mode):
    x = T.vector(dtype=dtype)
    return theano.function([x], T.gammaln(x), device=device, mode=mode)


@pytest.mark.parametrize("mode", list(MODES))
@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_gammaln_is_theano_105s_compiled_value(dtype, device, mode):
    case = RECORDED["cases"][dtype]
    v = _floats(case["inputs"]).astype(dtype)
    got = _compile(dtype, device, MODES[mode])(v)
    want = _floats(case["fast_run"]).astype(dtype)
    assert got.dtype == np.dtype(dtype)
    np.testing.assert_allclose(got, want, rtol=1e-14 if dtype == "float64" else 1e-6, equal_nan=True)


@pytest.mark.parametrize("device", DEVICES)
def test_gammaln_differs_from_scipy_only_at_minus_inf_and_float64_subnormals(device):
    rs = np.random.RandomState(7)
    v = np.concatenate([_floats(RECORDED["cases"]["float64"]["inputs"]),
                        rs.uniform(-50, 50, 200), rs.uniform(0, 1e-3, 20), -rs.uniform(0, 1e-3, 20),
                        10.0 ** rs.uniform(-307, 307, 50), -np.arange(1.0, 30.0) - 0.25])
    got = _compile("float64", device, None)(v)
    with np.errstate(all="ignore"):
        ref = sp.gammaln(v)
    edge = np.isneginf(v) | ((v != 0) & (np.abs(v) < np.finfo(np.float64).tiny))
    assert edge.sum() == 6
    np.testing.assert_allclose(got[~edge], ref[~edge], rtol=1e-13, equal_nan=True)
    np.testing.assert_allclose(got[edge], [_lgamma(float(a)) for a in v[edge]], rtol=1e-15)
    assert got[np.isneginf(v)].tolist() == [np.inf]


def test_recorded_theano_105_linkers_disagree_exactly_there():
    """Theano 1.0.5's Python linker returned SciPy's values; its compiled code, C99's. The
    project follows the compiled code (the default): these are the points it chose."""
    for dtype, case in RECORDED["cases"].items():
        x = _floats(case["inputs"])
        fast, py, scipy_ = (_floats(case[k]) for k in ("fast_run", "python_linker", "scipy"))
        np.testing.assert_array_equal(py, scipy_)
        differ = ~np.isclose(fast, py, rtol=1e-14, equal_nan=True)
        tiny = np.finfo(dtype).tiny
        expected = np.isneginf(x) | ((x != 0) & (np.abs(x) < tiny) if dtype == "float64" else False)
        np.testing.assert_array_equal(differ, expected)
        with np.errstate(over="ignore"):
            want = np.array([_lgamma(a) for a in x]).astype(dtype)
        np.testing.assert_allclose(fast, want, rtol=1e-6 if dtype == "float32" else 1e-14, equal_nan=True)
