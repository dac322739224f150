"""The launch model on the fake CuPy (see launch_model.py): the reductions read as the plan
says, coalesced and without per-element index divisions, on small shapes."""
from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T

import emulated
import fakecupy

pytestmark = pytest.mark.skipif(fakecupy.CXX is None, reason="no C++ compiler to emulate kernels")


@pytest.fixture(scope="module")
def device():
    with emulated.emulated_cuda() as dev:
        yield dev


def _counts(device, build, value):
    x = T.fmatrix("x") if value.ndim == 2 else T.ftensor4("x")
    f = theano.function([x], build(x), device=device)
    f(value)  # compiled and warm
    fakecupy.reset_stats()
    got = f(value)
    np.testing.assert_allclose(got.get() if hasattr(got, "get") else got,
                               build(value.astype("float64")), rtol=1e-5)
    return dict(fakecupy.stats)


@pytest.mark.parametrize("axis", [0, 1])
def test_matrix_sums_read_coalesced_without_index_divisions(device, axis):
    v = np.random.RandomState(0).rand(256, 512).astype("float32")
    s = _counts(device, lambda x: x.sum(axis=axis), v)
    assert s["launches"] == 1 and s["loads"] == v.size and s["divmods"] == 0
    # NumPy's buffers may start mid-sector: at most one sector more than 4 per 128-byte request
    assert s["sectors"] <= 5 * s["requests"] and s["requests"] == v.size // 32


def test_contiguous_reduced_axes_merge_and_short_rows_pack(device):
    v = np.random.RandomState(1).rand(4, 32, 32, 4).astype("float32")
    s = _counts(device, lambda x: x.sum(axis=(1, 2)), v)
    # a thread decomposes its output's index (two kept axes), never an element's
    assert s["divmods"] <= 2 * s["threads"] < v.size
    short = np.random.RandomState(2).rand(2000, 7).astype("float32")
    s = _counts(device, lambda x: x.sum(axis=1), short)
    assert s["threads"] <= 2 * short.size  # rows packed: no block of 256 threads per 7 values
    assert s["requests"] <= short.size // 24


def _elementwise_counts(device, build, values, types):
    got, want, counts = emulated.counted_call(device, build, types, values)
    np.testing.assert_array_equal(got, want)
    return counts


def test_a_bias_add_reads_coalesced_with_at_most_one_modulo_per_element(device):
    rs = np.random.RandomState(3)
    x, b = rs.rand(128, 96).astype("float32"), rs.rand(96).astype("float32")
    s = _elementwise_counts(device, lambda x, b: x + b, [x, b], [T.fmatrix, T.fvector])
    assert s["launches"] == 1 and s["loads"] == 2 * x.size
    assert s["divmods"] <= x.size  # i % 96 for the bias; no per-axis decomposition
    assert s["requests"] == 2 * x.size // 32 and s["sectors"] <= 5 * s["requests"]
    # a scalar and contiguous arrays: no division at all
    s = _elementwise_counts(device, lambda x: x * 2 + 1, [x], [T.fmatrix])
    assert s["divmods"] == 0 and s["loads"] == x.size and s["sectors"] <= 5 * s["requests"]


def test_a_transposed_input_still_takes_the_strided_path(device):
    rs = np.random.RandomState(4)
    x, c = rs.rand(96, 128).astype("float32"), rs.rand(96).astype("float32")
    s = _elementwise_counts(device, lambda x, c: x.T + c, [x, c], [T.fmatrix, T.fvector])
    assert s["launches"] == 1 and s["divmods"] >= x.size  # the strided kernel decomposes indices
