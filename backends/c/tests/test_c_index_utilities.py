"""Index utilities (nonzero, bincount, ravel/unravel_index, inverse_permutation) and boolean
masks on the C backend: compiled loops (fallbacks refused) agreeing with the reference, and
NumPy's own errors for the inputs NumPy refuses."""
from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.tensor.advanced_subtensor import Nonzero
from theano.tensor.extra_ops import BinCount, InversePermutation, RavelMultiIndex, UnravelIndex

pytest.importorskip("theano_c")
from theano_c.lowering_index_utilities import INDEX_RUNNER  # noqa: E402
from theano_c.toolchain import find_compiler  # noqa: E402

pytestmark = pytest.mark.skipif(find_compiler() is None, reason="no C compiler")


def _pair(inputs, outputs):
    with theano.config.change_flags(fallback="raise"):
        fc = theano.function(inputs, outputs, device="cpu")
    return fc, theano.function(inputs, outputs, device="numpy")


def _runs_natively(f, op_class):
    runners = [r for n, r in f.linked.runners.items() if isinstance(n.op, op_class)]
    assert runners and all(r == INDEX_RUNNER for r in runners), runners


def _same(fc, fr, *args):
    got, want = fc(*args), fr(*args)
    for g, w in zip(got if isinstance(got, list) else [got], want if isinstance(want, list) else [want]):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_array_equal(g, w)


@pytest.mark.parametrize("dtype", ["float64", "float32", "int8", "uint16", "bool", "complex128"])
def test_nonzero_of_every_kind(dtype):
    x = T.tensor3("x", dtype=dtype)
    fc, fr = _pair([x], T.nonzero(x, return_matrix=True))
    _runs_natively(fc, Nonzero)
    v = np.random.default_rng(0).integers(-1, 2, size=(3, 4, 5)).astype(dtype)
    if dtype.startswith("float"):
        v[0, 0, :2] = [-0.0, np.nan]  # -0.0 is zero, NaN is not
    _same(fc, fr, v)
    _same(fc, fr, np.zeros((2, 0, 3), dtype=dtype))


def test_bincount_counts_weights_and_errors():
    x, w = T.lvector("x"), T.fvector("w")
    fc, fr = _pair([x], T.extra_ops.bincount(x, minlength=4))
    _runs_natively(fc, BinCount)
    _same(fc, fr, np.array([0, 1, 1, 7, 3]))
    _same(fc, fr, np.array([], dtype=np.int64))
    with pytest.raises(ValueError, match="negative"):
        fc(np.array([1, -2]))
    gc, gr = _pair([x, w], T.extra_ops.bincount(x, weights=w))
    _same(gc, gr, np.array([2, 0, 2, 5]), np.array([0.5, 1.25, -3.0, 2.0], dtype=np.float32))
    with pytest.raises(ValueError):
        gc(np.array([1, 2]), np.array([1.0], dtype=np.float32))


@pytest.mark.parametrize("mode", ["raise", "wrap", "clip"])
@pytest.mark.parametrize("order", ["C", "F"])
def test_ravel_and_unravel(mode, order):
    i, j = T.lvectors("i", "j")
    fc, fr = _pair([i, j], T.extra_ops.ravel_multi_index((i, j), (3, 4), mode=mode, order=order))
    _runs_natively(fc, RavelMultiIndex)
    _same(fc, fr, np.array([0, 2, 1]), np.array([3, 0, 1]))
    if mode == "raise":
        with pytest.raises(ValueError):
            fc(np.array([0, 3]), np.array([0, 0]))
    else:
        _same(fc, fr, np.array([-4, 7, 2]), np.array([5, -1, 9]))
    u = T.lmatrix("u")
    gc, gr = _pair([u], list(T.extra_ops.unravel_index(u, (3, 4, 2), order=order)))
    _runs_natively(gc, UnravelIndex)
    _same(gc, gr, np.arange(24).reshape(4, 6)[::-1])
    with pytest.raises(ValueError):
        gc(np.array([[0, 24]]))


def test_inverse_permutation_rows_and_errors():
    p = T.imatrix("p")
    fc, fr = _pair([p], T.extra_ops.inverse_permutation(p))
    _runs_natively(fc, InversePermutation)
    rng = np.random.default_rng(0)
    _same(fc, fr, np.stack([rng.permutation(6) for _ in range(4)]).astype(np.int32))
    with pytest.raises(ValueError, match="permutation"):
        fc(np.array([[0, 0, 1]], dtype=np.int32))


def test_boolean_masks_gather_and_scatter():
    x, y = T.fmatrix("x"), T.fvector("y")
    m = T.matrix("m", dtype="bool")
    fc, fr = _pair([x, m], x[m] * 2)
    rng = np.random.default_rng(0)
    xv = rng.normal(size=(3, 4)).astype(np.float32)
    mv = rng.random((3, 4)) < 0.5
    _same(fc, fr, xv, mv)
    with pytest.raises(IndexError):
        fc(xv, np.ones((2, 4), dtype=bool))
    v = T.vector("v", dtype="bool")
    gc, gr = _pair([x, v, y], T.set_subtensor(x[v], y))
    _same(gc, gr, xv, np.array([True, False, True]), rng.normal(size=4).astype(np.float32))
    hc, hr = _pair([x, m, y], T.inc_subtensor(x[m], y[0]))
    _same(hc, hr, xv, mv, rng.normal(size=4).astype(np.float32))
