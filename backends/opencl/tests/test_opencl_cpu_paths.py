"""The CPU-device paths of the OpenCL backend (PoCL in CI): the matrix product's block variants,
strided elementwise kernels as rows, reductions over leading axes with their elementwise graph
inline, and typed kernel arguments. Results are compared with the reference backend."""
from __future__ import annotations

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.kernel.workgroup import plan_launch
from theano.scalar import basic as scal
from theano_opencl.runtime import FRESH_PAGES_BYTES, runtime_for

DEV = "opencl"


def _ref(inputs, outputs, *values):
    return theano.function(inputs, outputs, device="numpy")(*values)


def _no_fallback(f):
    for node, r in f.linked.runners.items():
        assert "fallback" not in r, (node, r)


@pytest.mark.parametrize("n", [1, 10, 16, 17, 30, 32, 33, 64, 100, 129])
def test_matmul_block_variants_for_every_width(n):
    # N picks the block variant (1, 2 or 4 vectors per row); M is no multiple of the 6 or 8
    # rows of a block, K no multiple of anything; a transposed B (W.T) of these many rows is
    # copied to rows first
    # B as a column slice of a wider matrix (rows longer than N) and transposed (no unit
    # stride): the edge block reads whole vectors only where they stay inside B
    x, w, z, wide, wt = (T.fmatrix(v) for v in ("x", "w", "z", "wide", "wt"))
    outs = [T.dot(x, w), T.dot(x.T[::-1].T, w), z * np.float32(0.5) + np.float32(2) * T.dot(x, w),
            T.dot(x, wide[:, 3:3 + n]), T.dot(x, wide[:, -n:]), T.dot(x, wide.T[:n].T),
            T.dot(x, wt.T), T.dot(x[:9], wt.T), T.dot(x, wt[:, ::-1].T)]
    rng = np.random.RandomState(n)
    xv = rng.randn(20, 37).astype("float32")
    wv = rng.randn(37, n).astype("float32")
    zv = rng.randn(20, n).astype("float32")
    widev = rng.randn(37, n + 5).astype("float32")
    wtv = rng.randn(n, 37).astype("float32")
    ins, vals = [x, w, z, wide, wt], [xv, wv, zv, widev, wtv]
    f = theano.function(ins, outs, device=DEV)
    _no_fallback(f)
    for got, want in zip(f(*vals), _ref(ins, outs, *vals)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_matmul_transposed_operands_and_float64():
    a, b = T.dmatrix("a"), T.dmatrix("b")
    outs = [T.dot(a.T, b), T.dot(a.T, b[:, ::2]), T.dot(b.T, a)]
    rng = np.random.RandomState(3)
    av, bv = rng.randn(50, 70), rng.randn(50, 90)
    f = theano.function([a, b], outs, device=DEV)
    for got, want in zip(f(av, bv), _ref([a, b], outs, av, bv)):
        np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-10)


def test_strided_and_broadcast_elementwise_run_as_rows():
    x, b, c = T.fmatrix("x"), T.fvector("b"), T.fcol("c")
    outs = [T.tanh(x + b), T.exp(x.T) * 2, x[::-1, ::2] - c[::-1], (x + c) * b]
    rng = np.random.RandomState(0)
    xv = rng.randn(37, 41).astype("float32")
    bv = rng.randn(41).astype("float32")
    cv = rng.randn(37, 1).astype("float32")
    f = theano.function([x, b, c], outs, device=DEV)
    _no_fallback(f)
    for got, want in zip(f(xv, bv, cv), _ref([x, b, c], outs, xv, bv, cv)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)
    # Theano's broadcasting errors still come from the kernels' checks
    with pytest.raises(ValueError):
        f(xv, bv[:-1], cv)


def test_leading_axis_reductions_with_fused_elementwise():
    x, d, b = T.fmatrix("x"), T.fmatrix("d"), T.fvector("b")
    outs = [(d * (1 - T.tanh(x + b) ** 2)).sum(axis=0),  # W5's bias gradient
            x.sum(axis=0), x.T.sum(axis=1), x[::-1, ::3].max(axis=0), T.prod(x[:5] * 0.5, axis=0),
            (x * b).min(axis=0), d.sum(axis=0, keepdims=True)]
    rng = np.random.RandomState(1)
    xv = rng.randn(130, 300).astype("float32")
    dv = rng.randn(130, 300).astype("float32")
    bv = rng.randn(300).astype("float32")
    xv[3, 7] = np.nan
    f = theano.function([x, d, b], outs, device=DEV)
    _no_fallback(f)
    for got, want in zip(f(xv, dv, bv), _ref([x, d, b], outs, xv, dv, bv)):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-5)


def test_reductions_over_several_leading_axes_and_other_layouts():
    x = T.dtensor4("x")
    outs = [x.sum(axis=(0, 1)), x.sum(axis=0), x.max(axis=(0, 2)), x.sum(axis=(1, 2, 3)), x.sum(),
            x.dimshuffle(3, 1, 0, 2).sum(axis=(0, 1)), (x ** 2).sum(axis=(0, 1, 2))]
    rng = np.random.RandomState(2)
    xv = rng.randn(3, 4, 5, 70)
    f = theano.function([x], outs, device=DEV)
    for got, want in zip(f(xv), _ref([x], outs, xv)):
        np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    # length-1 axes; and empty ones, where sums give the identity
    for shape in [(1, 1, 5, 70), (3, 4, 5, 1)]:
        v = rng.randn(*shape)
        for got, want in zip(f(v), _ref([x], outs, v)):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-12)
    sums = outs[:2]
    g = theano.function([x], sums, device=DEV)
    e = np.zeros((0, 4, 5, 70))
    for got, want in zip(g(e), _ref([x], sums, e)):
        np.testing.assert_array_equal(got, want)


def test_column_layout_merges_axes_and_refuses_interleaved_ones():
    from theano_opencl.reduction_columns import _layout

    # (2, 3, 4) float64, C-contiguous, summed over the two leading axes: one reduced run
    st = [[96, 32, 8], [0, 0, 8]]
    red, kept = _layout((2, 3, 4), (0, 1), st)
    assert red == [(6, 32, 0)] and kept == (4, 8, 8)
    # a reduced axis after a kept one is not a column reduction
    assert _layout((2, 3, 4), (0, 2), st) is None
    # length-1 axes are ignored wherever they are
    red, kept = _layout((1, 3, 4), (1,), [[96, 32, 8], [0, 0, 8]])
    assert red == [(3, 32, 0)] and kept == (4, 8, 8)


def test_scalar_arg_dtypes_read_from_the_signature():
    from theano_opencl.runtime import scalar_arg_dtypes

    src = ("__kernel void k(long n, int flag, __global const char* x, long x_offset, "
           "__global char* out, __local double* scratch, const float a) {\n}\n")
    assert scalar_arg_dtypes(src) == [np.int64, np.int32, None, np.int64, None, None, np.float32]
    assert scalar_arg_dtypes("__kernel void k(float4 v) {\n}\n") is None


def test_strided_elementwise_merges_axes_into_longer_rows():
    # LeNet's bias: (batch, channel, h, w) + (1, channel, 1, 1) runs as rows of h * w
    x, b = T.ftensor4("x"), T.fvector("b")
    bb = b.dimshuffle("x", 0, "x", "x")
    outs = [T.tanh(x + bb), (x * bb)[:, ::-1, :, ::2], T.exp(x.dimshuffle(0, 2, 1, 3)) - bb.dimshuffle(0, 2, 1, 3),
            x[:, :, 1:, :] + bb]
    rng = np.random.RandomState(4)
    xv = rng.randn(5, 3, 6, 7).astype("float32")
    bv = rng.randn(3).astype("float32")
    f = theano.function([x, b], outs, device=DEV)
    _no_fallback(f)
    for got, want in zip(f(xv, bv), _ref([x, b], outs, xv, bv)):
        np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-6)


def test_merge_axes_keeps_axes_apart_where_any_array_does():
    from theano_opencl.elemwise_rows import merge_axes

    # a (2, 3, 4, 5) float32 image and a (1, 3, 1, 1) bias: h and w merge, c stays apart
    img = [240, 80, 20, 4]
    bias = [0, 4, 0, 0]
    out = [240, 80, 20, 4]
    assert merge_axes((2, 3, 4, 5), [img, bias, out]) == [(2, 240, 0, 240), (3, 80, 4, 80), (20, 4, 0, 4)]
    # length-1 axes disappear; a transposed array merges nothing
    assert merge_axes((1, 4, 5), [[0, 20, 4], [0, 4, 16]]) == [(4, 20, 4), (5, 4, 16)]


def test_float32_tanh_without_branches_matches_numpy():
    x = T.fvector("x")
    f = theano.function([x], [T.tanh(x), T.tanh(x[::-1] * 2)], device=DEV)
    grid = np.concatenate([np.linspace(-12, 12, 200001), np.linspace(0.6, 0.65, 10001), 10.0 ** -np.arange(1, 38),
                           -(10.0 ** -np.arange(1, 38)), [0.0, -0.0, np.inf, -np.inf, np.nan, 88.0, -100.0, 1e30]])
    v = grid.astype("float32")
    got, got2 = f(v)
    want = np.tanh(v.astype("float64"))
    np.testing.assert_allclose(got, want, rtol=5e-7, atol=0)
    np.testing.assert_allclose(got2, np.tanh(v[::-1].astype("float64") * 2), rtol=5e-7, atol=0)
    assert np.signbit(got[v.size - 7]) and got[v.size - 6] == 1.0 and got[v.size - 5] == -1.0
    assert np.isnan(got[v.size - 4])


def test_long_rows_are_split_over_the_compute_units_and_reduced_again():
    """On a CPU device a row reduction takes a work-item per row, and few long rows are
    split in parts that a second launch reduces: every fold and dtype, with strided,
    offset and short-row layouts around it."""
    rt = runtime_for(DEV)
    n = 1 << 17
    plan = plan_launch(scal.Add, "float64", "float64", "float64", (2, n), (8 * n, 8), (1,), threads=1,
                       max_groups=4096, split_units=rt.compute_units, itemsize=8)
    assert plan.parts > 1 and plan.threads == 1  # what the cases below go through
    rng = np.random.RandomState(4)
    x, i, b = T.dmatrix("x"), T.lmatrix("i"), T.bmatrix("b")
    outs = [x.sum(), x.sum(axis=1), x.max(axis=1), x.min(), x.prod(axis=1), x[:, 1::3].sum(axis=1),
            x[1:].sum(), i.sum(axis=1), i.max(), T.all(b, axis=1), T.any(b)]
    xv = rng.uniform(0.999, 1.001, size=(2, n))
    iv = rng.randint(-1000, 1000, size=(2, n)).astype("int64")
    bv = (rng.rand(2, n) > 1e-6).astype("int8")
    f = theano.function([x, i, b], outs, device=DEV)
    _no_fallback(f)
    for got, want in zip(f(xv, iv, bv), _ref([x, i, b], outs, xv, iv, bv)):
        assert got.dtype == want.dtype and got.shape == want.shape
        np.testing.assert_allclose(got, want, rtol=1e-12)
    short = rng.randn(300, 7)  # many short rows: one work-item each, no second launch
    np.testing.assert_allclose(f(short, iv[:, :7], bv[:, :7])[1], short.sum(axis=1), rtol=1e-12)


def test_a_host_value_too_big_for_reused_heap_memory_is_copied_whole():
    """Values from FRESH_PAGES_BYTES up are copied into a pooled buffer (not a new one):
    the copy must still be the value, and not change when the value does."""
    x = T.dvector("x")
    f = theano.function([x], [x.sum(), x * 2], device=DEV)
    v = np.arange(FRESH_PAGES_BYTES // 8 + 5, dtype="float64") % 1000
    for _ in range(2):  # the second call reuses the pooled buffer of the first
        s, d = f(v)
        assert s == v.sum() and np.array_equal(d, v * 2)
        v[::2] = -1.0
