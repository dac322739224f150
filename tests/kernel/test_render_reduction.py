"""Kernels with a trailing reduction (fused and plain), rendered to C, compiled with the
system compiler and compared with NumPy: every axes combination, strided, transposed,
negative-stride and broadcast inputs, empty inputs, NaN, and the accumulator dtypes."""
import itertools
import warnings

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.mode import Mode
from theano_c.dialect import CRenderer
from theano.kernel.ir import reduction_kernel
from theano.tensor.fused import FusedReduction

from cbuild import CC, build, run

warnings.filterwarnings("ignore", category=RuntimeWarning)
pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler")

REDUCERS = {"sum": T.sum, "prod": T.prod, "max": T.max, "min": T.min}
NP = {"sum": np.sum, "prod": np.prod, "max": np.max, "min": np.min}
AXES_3D = [None, 0, 1, 2, (0, 1), (0, 2), (1, 2), (0, 1, 2)]


def fused_kernel(inputs, out):
    # The reference device declines fusion unless the mode names it: this runs the fused
    # reduction's NumPy meaning (the kernel's evaluate).
    f = theano.function(inputs, out, device="numpy", mode=Mode().including("fusion"))
    nodes = [n for n in f.maker.fgraph.toposort() if isinstance(n.op, FusedReduction)]
    assert len(nodes) == 1, [str(n.op) for n in f.maker.fgraph.toposort()]
    return nodes[0].op.kernel(nodes[0]), f


def compare(kernel, fn, arrays, expected, rtol):
    (out,), _ = run(fn, kernel, arrays)
    ref = kernel.evaluate(*arrays)[0]
    assert out.dtype == ref.dtype == expected.dtype
    np.testing.assert_allclose(out, ref, rtol=rtol, equal_nan=True)
    np.testing.assert_allclose(out, expected, rtol=rtol, equal_nan=True)


def layouts(rs, shape):
    """The same logical array as contiguous, strided-with-steps, transposed and reversed."""
    a = rs.uniform(0.5, 1.5, size=shape)
    big = rs.uniform(0.5, 1.5, size=tuple(2 * s for s in shape))
    strided = big[::2, ::2, ::2]
    transposed = np.ascontiguousarray(a.transpose(2, 1, 0)).transpose(2, 1, 0)
    return [a, strided, transposed, a[::-1, :, ::-1]]


@pytest.mark.parametrize("op", list(REDUCERS))
@pytest.mark.parametrize("axis", AXES_3D)
def test_every_axes_combination_and_layout(op, axis, tmp_path):
    x = T.dtensor3("x")
    k, _ = fused_kernel([x], REDUCERS[op](T.exp(x) * 0.5 - 0.25, axis=axis))
    fn, src = build(k, str(tmp_path), "r")
    rs = np.random.RandomState(0)
    for arr in layouts(rs, (3, 4, 5)):
        compare(k, fn, [arr], np.asarray(NP[op](np.exp(arr) * 0.5 - 0.25, axis=axis)), 1e-12)


@pytest.mark.parametrize("op", list(REDUCERS))
def test_broadcast_inputs(op, tmp_path):
    x = T.dmatrix("x")
    r = T.drow("r")
    c = T.dcol("c")
    k, _ = fused_kernel([x, r, c], REDUCERS[op](x * r + c, axis=0))
    fn, _ = build(k, str(tmp_path), "rb")
    rs = np.random.RandomState(1)
    a, b, d = rs.randn(4, 6), rs.randn(1, 6), rs.randn(4, 1)
    compare(k, fn, [a, b, d], np.asarray(NP[op](a * b + d, axis=0)), 1e-12)
    compare(k, fn, [a.T.copy().T, b, d[::-1]], np.asarray(NP[op](a * b + d[::-1], axis=0)), 1e-12)


def test_plain_reduction_kernels(tmp_path):
    rs = np.random.RandomState(2)
    for k_, (op, axis) in enumerate(itertools.product(REDUCERS, [None, 1, (0, 2)])):
        x = T.dtensor3("x")
        f = theano.function([x], REDUCERS[op](x, axis=axis), mode=Mode(optimizer=None), device="numpy")
        node = f.maker.fgraph.toposort()[-1]
        kernel = reduction_kernel(node)
        assert kernel is not None and kernel.reduction is not None
        fn, _ = build(kernel, str(tmp_path), f"p{k_}")
        for arr in layouts(rs, (2, 3, 4)):
            compare(kernel, fn, [arr], np.asarray(NP[op](arr, axis=axis)), 1e-12)


def test_accumulator_dtypes(tmp_path):
    f32 = T.fmatrix("f")
    k, f = fused_kernel([f32], T.sum(f32 * 2, axis=1))
    assert k.reduction.acc_dtype == "float64" and k.reduction.out_dtype == "float32"
    fn, _ = build(k, str(tmp_path), "a1")
    a = np.random.RandomState(3).randn(5, 1000).astype("float32")
    compare(k, fn, [a], np.sum(a * 2, axis=1, dtype="float64").astype("float32"), 1e-6)
    i8 = T.bmatrix("i")
    k, f = fused_kernel([i8], T.sum(i8 * 3, axis=0))
    assert k.reduction.acc_dtype == "int64"
    fn, _ = build(k, str(tmp_path), "a2")
    b = np.array([[100, -128, 127], [100, 5, 127]], dtype="int8")
    compare(k, fn, [b], np.sum(b * np.int8(3), axis=0, dtype="int64"), 0)
    m = T.dmatrix("m")
    k, f = fused_kernel([m], T.sum(T.gt(m, 0), axis=1))
    fn, _ = build(k, str(tmp_path), "a3")
    c = np.array([[1.0, -1.0, 2.0], [np.nan, 0.0, 3.0]])
    compare(k, fn, [c], np.sum(c > 0, axis=1), 0)


def test_empty_inputs(tmp_path):
    x = T.dmatrix("x")
    for op in ("sum", "prod"):
        k, f = fused_kernel([x], REDUCERS[op](x + 1, axis=1))
        fn, _ = build(k, str(tmp_path), f"e{op}")
        for shape in [(3, 0), (0, 3), (0, 0)]:
            arr = np.zeros(shape)
            expected = NP[op](arr + 1, axis=1)
            compare(k, fn, [arr], expected, 0)
            np.testing.assert_array_equal(f(arr), expected)
    for op in ("max", "min"):
        k, f = fused_kernel([x], REDUCERS[op](x + 1, axis=1))
        with pytest.raises(ValueError, match="no identity"):
            f(np.zeros((3, 0)))
        with pytest.raises(ValueError):
            NP[op](np.zeros((3, 0)), axis=1)  # NumPy agrees
        assert f(np.zeros((0, 3))).shape == (0,)
        # all-axes reduction of an empty array: both raise as well
        g = theano.function([x], REDUCERS[op](x + 1), device="numpy", mode=Mode().including("fusion"))
        with pytest.raises(ValueError):
            g(np.zeros((0, 2)))


def test_nan_propagation(tmp_path):
    x = T.dmatrix("x")
    rows = np.array([[np.nan, 1.0, 2.0], [1.0, np.nan, 2.0], [1.0, 2.0, np.nan], [1.0, 3.0, 2.0],
                     [-np.inf, np.inf, 0.0]])
    for op in ("max", "min", "sum", "prod"):
        k, f = fused_kernel([x], REDUCERS[op](x * 1.5, axis=1))
        fn, _ = build(k, str(tmp_path), f"n{op}")
        compare(k, fn, [rows], NP[op](rows * 1.5, axis=1), 0)
        compare(k, fn, [rows.T.copy().T], NP[op](rows * 1.5, axis=1), 0)
        g = theano.function([x], REDUCERS[op](x * 1.5, axis=1), mode=Mode(optimizer=None))
        np.testing.assert_array_equal(f(rows), g(rows))


def test_integer_max_min_identities(tmp_path):
    x = T.bmatrix("x")
    for op in ("max", "min"):
        k, f = fused_kernel([x], REDUCERS[op](x - 1, axis=0))
        fn, _ = build(k, str(tmp_path), f"i{op}")
        a = np.array([[-128, 127, 0], [-127, 126, 5]], dtype="int8")
        compare(k, fn, [a], NP[op](a - np.int8(1), axis=0), 0)


def test_renderer_structure_is_overridable():
    x = T.dmatrix("x")
    k, _ = fused_kernel([x], T.sum(T.exp(x), axis=1))
    assert CRenderer().can_render(k) == (True, "")
    src = CRenderer().render(k, "kk")
    assert "double acc" in src and "for (int64_t r = 0; r < m; ++r)" in src

    class Marked(CRenderer):
        def render_reduction(self, kernel, name):
            return f"/* custom */ void {name}(void) {{}}\n"

    assert "/* custom */" in Marked().render(k, "kk")
