"""The C backend's gathers, scatters, slice updates, arange and log-sum-exp rows against the
reference (device=numpy), and host-side ops (scan, collectives) running without a fallback."""
from __future__ import annotations

import re
import warnings

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.backend import HOST_RUNNER
from theano.tensor.advanced_subtensor import (AdvancedIncSubtensor, AdvancedIncSubtensor1, AdvancedSubtensor,
                                              AdvancedSubtensor1)
from theano.tensor.basic import ARange
from theano.tensor.logsumexp import LogSumExp
from theano.tensor.subtensor import IncSubtensor

pytest.importorskip("theano_c")
from theano_c.toolchain import find_compiler  # noqa: E402

pytestmark = pytest.mark.skipif(find_compiler() is None, reason="no C compiler")


def _pair(inputs, outputs):
    """The same graph compiled for the C backend (fallbacks refused) and the reference."""
    with theano.config.change_flags(fallback="raise"):
        fc = theano.function(inputs, outputs, device="cpu")
    fr = theano.function(inputs, outputs, device="numpy")
    return fc, fr


def _runners(f, op_class):
    return [r for n, r in f.linked.runners.items() if isinstance(n.op, op_class)]


def _same(fc, fr, *args):
    got, want = fc(*args), fr(*args)
    for g, w in zip(got if isinstance(got, list) else [got], want if isinstance(want, list) else [want]):
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-6 if g.dtype == np.float32 else 1e-12)


def _raises_like_reference(fc, fr, *args):
    with pytest.raises(IndexError) as want:
        fr(*args)
    with pytest.raises(IndexError) as got:
        fc(*args)
    # the same message, the op named, but for the runner that raised it
    assert re.sub(r"runner: [^\n]*", "", str(got.value)) == re.sub(r"runner: [^\n]*", "", str(want.value))
    assert "Subtensor" in str(got.value)
    return got


# -- the classic negative log-likelihood ----------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_nll_and_its_gradient_are_native(dtype):
    p = T.matrix("p", dtype=dtype)
    y = T.ivector("y")
    nll = -T.mean(T.log(p)[T.arange(y.shape[0]), y])
    fc, fr = _pair([p, y], [nll, T.grad(nll, p)])
    assert _runners(fc, AdvancedSubtensor) == ["c (gather)"]
    assert _runners(fc, AdvancedIncSubtensor) == ["c (scatter)"]
    assert _runners(fc, ARange) == ["c (alloc)"]
    rng = np.random.RandomState(0)
    P = (rng.rand(7, 4) + 0.1).astype(dtype)
    _same(fc, fr, P, np.array([0, 3, 1, 2, 3, -1, -4], dtype="int32"))
    _same(fc, fr, P[:0], np.zeros(0, dtype="int32"))  # an empty batch


def test_pair_index_out_of_range_raises_the_references_error():
    x = T.dmatrix()
    i, j = T.lvectors("i", "j")
    fc, fr = _pair([x, i, j], x[i, j])
    X = np.arange(12.0).reshape(3, 4)
    _same(fc, fr, X, np.array([0, -3, 2]), np.array([-1, 0, 3]))
    err = _raises_like_reference(fc, fr, X, np.array([0, 1]), np.array([0, 4]))
    assert "out of bounds" in str(err.value)
    _raises_like_reference(fc, fr, X, np.array([-4]), np.array([0]))
    # indices that do not broadcast together
    _raises_like_reference(fc, fr, X, np.array([0, 1]), np.array([0, 1, 2]))


def test_gather_broadcasts_index_arrays_and_keeps_trailing_axes():
    x = T.dtensor3()
    i = T.lmatrix()
    j = T.lvector()
    fc, fr = _pair([x, i, j], [x[i, j], x[i], x[i, j, :], x[1, j]])
    X = np.arange(60.0).reshape(3, 4, 5)
    I = np.array([[0, 2], [1, -1]])
    _same(fc, fr, X, I, np.array([3, 0]))


@pytest.mark.parametrize("dtype", ["float32", "float64", "int8", "int32", "uint16", "complex128"])
def test_take_rows(dtype):
    x = T.matrix(dtype=dtype)
    i = T.bvector()
    fc, fr = _pair([x, i], x[i])
    assert _runners(fc, AdvancedSubtensor1) == ["c (gather)"]
    X = (np.arange(15) * 3 % 7).reshape(5, 3).astype(dtype)
    _same(fc, fr, X, np.array([2, 0, -1, 2], dtype="int8"))
    _same(fc, fr, X, np.zeros(0, dtype="int8"))
    _raises_like_reference(fc, fr, X, np.array([5], dtype="int8"))


# -- scatters --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64", "int16", "int64", "uint8"])
def test_inc_rows_accumulates_repeated_indices(dtype):
    x = T.matrix(dtype=dtype)
    y = T.matrix(dtype=dtype)
    i = T.lvector()
    fc, fr = _pair([x, y, i], [T.inc_subtensor(x[i], y), T.set_subtensor(x[i], y)])
    assert set(_runners(fc, AdvancedIncSubtensor1)) == {"c (scatter)"}
    X = np.arange(12).reshape(4, 3).astype(dtype)
    Y = (np.arange(15).reshape(5, 3) % 4).astype(dtype)
    I = np.array([1, 3, 1, -3, 0])
    _same(fc, fr, X, Y, I)
    got = fc(X, Y, I)[0]
    want = X.copy()
    np.add.at(want, I, Y)
    np.testing.assert_array_equal(got, want)  # row 1 gets three additions
    _raises_like_reference(fc, fr, X, Y, np.array([1, 3, 1, 4, 0]))


def test_inc_pair_index_broadcasts_the_increment_and_accumulates():
    x = T.dmatrix()
    i, j = T.lvectors("i", "j")
    s = T.dscalar()
    v = T.dvector()
    fc, fr = _pair([x, i, j, s, v], [T.inc_subtensor(x[i, j], s), T.inc_subtensor(x[i, j], v),
                                     T.set_subtensor(x[i, j], s), T.set_subtensor(x[i, j], v)])
    assert set(_runners(fc, AdvancedIncSubtensor)) == {"c (scatter)"}
    X = np.zeros((3, 4))
    I, J = np.array([0, 2, 0, -1]), np.array([1, 3, 1, 3])
    _same(fc, fr, X, I, J, 2.5, np.array([1.0, 2.0, 3.0, 4.0]))
    assert fc(X, I, J, 2.5, np.ones(4))[0][0, 1] == 5.0
    assert fc(X, I, J, 2.5, np.ones(4))[0][2, 3] == 5.0
    # the empty index changes nothing
    _same(fc, fr, X, I[:0], J[:0], 2.5, np.zeros(0))
    _raises_like_reference(fc, fr, X, np.array([3]), np.array([0]), 1.0, np.ones(1))


def test_inc_rows_of_a_tensor3_with_a_broadcast_row():
    x = T.dtensor3()
    r = T.dvector()
    i = T.lvector()
    fc, fr = _pair([x, r, i], [T.inc_subtensor(x[i], r), T.set_subtensor(x[i, :], r)])
    X = np.arange(24.0).reshape(2, 3, 4)
    _same(fc, fr, X, np.array([1.0, -2.0, 3.0, 0.5]), np.array([1, 1, 0]))
    # a row that does not broadcast: the reference's error
    with pytest.raises(ValueError):
        fr(X, np.ones(3), np.array([1]))
    with pytest.raises(ValueError):
        fc(X, np.ones(3), np.array([1]))


def test_arrays_after_full_slices():
    x = T.dtensor3()
    i, j = T.lvectors("i", "j")
    v = T.dvector()
    fc, fr = _pair([x, i, j, v], [x[:, i], x[:, i, j], x[:, :, i], T.inc_subtensor(x[:, i, j], v),
                                  T.set_subtensor(x[:, i], 7.0), T.inc_subtensor(x[:, :, i], 1.0)])
    assert set(_runners(fc, (AdvancedSubtensor, AdvancedIncSubtensor))) == {"c (gather)", "c (scatter)"}
    X = np.arange(60.0).reshape(3, 4, 5)
    _same(fc, fr, X, np.array([1, -1, 1]), np.array([0, 2, 4]), np.array([1.0, 2.0, 3.0]))
    _raises_like_reference(fc, fr, X, np.array([4, 0, 0]), np.array([0, 2, 4]), np.ones(3))


def test_inputs_stay_unchanged():
    x = T.dmatrix()
    i = T.lvector()
    fc, _ = _pair([x, i], T.inc_subtensor(x[i], 1.0))
    X = np.zeros((3, 2))
    fc(X, np.array([0, 0, 2]))
    assert not X.any()


def test_mask_index_gathers_natively_and_a_partial_slice_beside_it_falls_back_visibly():
    x = T.dmatrix()
    f = theano.function([x], x[x[:, 0] > 0], device="cpu")
    assert _runners(f, AdvancedSubtensor) == ["c (gather)"]
    g = theano.function([x], x[x[:, 0] > 0, 1:], device="cpu")
    assert _runners(g, AdvancedSubtensor) == ["numpy (fallback)"]


# -- slice updates and ranges -----------------------------------------------------------------

def test_slice_updates():
    x = T.dmatrix()
    y = T.dvector()
    a, b = T.lscalars("a", "b")
    fc, fr = _pair([x, y, a, b], [T.inc_subtensor(x[a:b], y), T.set_subtensor(x[:, -1], y[:3]),
                                  T.inc_subtensor(x[::2, 1:], 1.0)])
    assert set(_runners(fc, IncSubtensor)) == {"c (view update)"}
    X = np.arange(12.0).reshape(3, 4)
    _same(fc, fr, X, np.arange(4.0), 1, -1)
    _same(fc, fr, X, np.arange(4.0), 2, 2)  # an empty slice


@pytest.mark.parametrize("args", [(0, 5, 1), (5, 0, -2), (3, 3, 1), (-2, 7, 3)])
def test_arange(args):
    a, b, c = T.lscalars("a", "b", "c")
    fc, fr = _pair([a, b, c], [T.arange(a, b, c), T.arange(a, b, c, dtype="float32")])
    _same(fc, fr, *args)


def test_arange_zero_step_raises():
    a, b, c = T.lscalars("a", "b", "c")
    fc, _ = _pair([a, b, c], T.arange(a, b, c))
    with pytest.raises(ValueError):
        fc(0, 3, 0)


# -- log-sum-exp --------------------------------------------------------------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("axis", [None, 0, 1, (0, 2), -1])
def test_logsumexp(dtype, axis):
    x = T.tensor3(dtype=dtype)
    fc, fr = _pair([x], T.log(T.sum(T.exp(x), axis=axis)))
    assert _runners(fc, LogSumExp) == ["c (logsumexp rows)"]
    X = (np.random.RandomState(1).randn(3, 4, 5) * 30).astype(dtype)
    _same(fc, fr, X)
    X[0, 0, :] = -np.inf
    X[1, 1, :] = np.inf
    X[2, 0, 0] = np.nan
    got, want = fc(X), fr(X)
    np.testing.assert_allclose(got, want, rtol=1e-6)
    _same(fc, fr, X[:, :0])  # empty reductions give -inf


# -- host-side ops ---------------------------------------------------------------------------

def test_scan_and_its_gradient_run_on_the_host_without_a_fallback():
    xs = T.dmatrix()
    W = T.dmatrix()
    h0 = T.dvector()
    hs, _ = theano.scan(lambda x, h, W: T.tanh(T.dot(h, W) + x), sequences=xs, outputs_info=h0,
                        non_sequences=W)
    cost = hs[-1].sum()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        fc, fr = _pair([xs, h0, W], [cost, T.grad(cost, W)])
    runners = set(fc.linked.runners.values())
    assert HOST_RUNNER in runners and not any("fallback" in r for r in runners)
    rng = np.random.RandomState(2)
    _same(fc, fr, rng.rand(6, 3), rng.rand(3), rng.rand(3, 3))
    assert "(host)" in theano.printing.debugprint(fc, file="str")


def test_collective_is_host_side_not_a_fallback():
    from theano import distributed

    x = T.dvector()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with theano.config.change_flags(fallback="raise"):
            f = theano.function([x], distributed.allreduce(x), device="cpu")
    assert list(f.linked.runners.values()).count(HOST_RUNNER) == 1
    np.testing.assert_array_equal(f(np.arange(3.0)), np.arange(3.0))


def test_host_side_must_be_a_reason():
    from theano.backend import host_side

    class Bad:
        host_side = True

    with pytest.raises(TypeError, match="host_side"):
        host_side(Bad())


# -- row loops: max-and-argmax, all/any, cumulative sums and products --------------------------

@pytest.mark.parametrize("dtype", ["float32", "float64", "int8", "uint16", "int64", "bool"])
def test_max_argmax_all_any(dtype):
    from theano.tensor.math import All, Any, MaxAndArgmax

    x = T.tensor3(dtype=dtype)
    outs = [T.argmax(x, axis=1), T.argmin(x, axis=-1), T.max_and_argmax(x, axis=(0, 2))[0],
            T.argmax(x), T.all(x, axis=1), T.any(x), T.any(x, axis=(0, 2))]
    fc, fr = _pair([x], outs)
    assert set(_runners(fc, (MaxAndArgmax, All, Any))) == {"c (row loops)"}
    X = (np.random.RandomState(3).randn(3, 4, 5) * 3).astype(dtype)
    _same(fc, fr, X)
    _same(fc, fr, np.zeros((3, 4, 5), dtype=dtype))


def test_argmax_nan_and_empty():
    x = T.dmatrix()
    fc, fr = _pair([x], [T.argmax(x, axis=1), T.max(x, axis=1), T.all(x, axis=1)])
    X = np.array([[1.0, np.nan, 3.0, np.nan], [-np.inf, -np.inf, 2.0, 2.0]])
    for g, w in zip(fc(X), fr(X)):
        np.testing.assert_array_equal(g, w)
    for g, w in zip(fc(X[:0]), fr(X[:0])):
        assert g.shape == w.shape == (0,)
    with pytest.raises(ValueError):
        fc(X[:, :0])


@pytest.mark.parametrize("dtype", ["float32", "float64", "int8", "uint32", "int64"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_cumsum_cumprod(dtype, axis):
    from theano.tensor.extra_ops import CumOp

    x = T.tensor3(dtype=dtype)
    fc, fr = _pair([x], [T.extra_ops.cumsum(x, axis=axis), T.extra_ops.cumprod(x, axis=axis)])
    assert set(_runners(fc, CumOp)) == {"c (row loops)"}
    X = (np.random.RandomState(4).rand(2, 3, 4) * 3 + 1).astype(dtype)
    _same(fc, fr, X)
    _same(fc, fr, X[:, :0])


# -- library routines (LAPACK, sort, memory building) ----------------------------------------

def test_library_routines_are_not_fallbacks():
    from theano.tensor import nlinalg, slinalg

    x = T.dmatrix()
    v = T.dvector()
    outs = [nlinalg.matrix_inverse(x), nlinalg.det(x), slinalg.solve(x, v), T.sort(x, axis=1),
            T.argsort(v), T.eye(x.shape[0]), nlinalg.trace(x), T.diag(v), T.tile(v, 2),
            T.extra_ops.repeat(v, 2), T.tensordot(x, x, 1), T.batched_dot(x[None], x[None])]
    fc, fr = _pair([x, v], outs)
    assert not any("fallback" in r for r in fc.linked.runners.values())
    X = np.random.RandomState(5).rand(3, 3) + 3 * np.eye(3)
    _same(fc, fr, X, np.array([3.0, -1.0, 2.0]))


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_categorical_crossentropy_of_probabilities(dtype):
    from theano.tensor.nnet.crossentropy import crossentropy_categorical_1hot

    p = T.matrix(dtype=dtype)
    y = T.lvector()
    cost = crossentropy_categorical_1hot(p, y)
    fc, fr = _pair([p, y], [cost, T.grad(cost.sum(), p)])
    assert not any("fallback" in r for r in fc.linked.runners.values())
    P = (np.random.RandomState(6).rand(4, 3) + 0.05).astype(dtype)
    P[0, 1] = 0.0  # log(0): +inf, a division by zero in the gradient
    _same(fc, fr, P, np.array([1, 2, 0, 2]))
    for bad in (np.array([1, 3, 0, 2]), np.array([1, -1, 0, 2]), np.array([0, 1])):
        with pytest.raises(ValueError) as want:
            fr(P, bad)
        with pytest.raises(ValueError) as got:
            fc(P, bad)
        assert re.sub(r"runner: [^\n]*", "", str(got.value)) == re.sub(r"runner: [^\n]*", "", str(want.value))
