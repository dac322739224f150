"""Render real kernels to C, compile them with the system compiler, call them on NumPy
arrays (contiguous, transposed, strided, broadcast, with NaN and inf) and compare with the
kernel's NumPy meaning."""
import warnings

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano_c.dialect import CRenderer
from theano.kernel.ir import reduction_kernel
from theano.tensor.fused import FusedElemwise

from cbuild import CC, build, run

warnings.filterwarnings("ignore", category=RuntimeWarning)
pytestmark = pytest.mark.skipif(CC is None, reason="no C compiler")


def kernel_of(inputs, output):
    f = theano.function(inputs, output)
    nodes = [n for n in f.maker.fgraph.toposort() if isinstance(n.op, FusedElemwise)]
    assert len(nodes) == 1, f.maker.fgraph.toposort()
    return nodes[0].op.kernel(nodes[0])


def check(kernel, arrays, tmp_path, name="k", rtol=1e-12, expect_contiguous=None, path=None):
    fn, src = build(kernel, str(tmp_path), name, path)
    outs, contiguous = run(fn, kernel, arrays)
    if expect_contiguous is not None:
        assert contiguous == expect_contiguous
    ref = kernel.evaluate(*arrays)
    for o, r in zip(outs, ref):
        assert o.dtype == r.dtype
        np.testing.assert_allclose(o, np.broadcast_to(r, o.shape), rtol=rtol, atol=1e-300,
                                   equal_nan=True)
    return src


def test_fused_expression_contiguous_strided_and_transposed(tmp_path):
    x, y = T.dmatrices("x", "y")
    k = kernel_of([x, y], T.exp(-x ** 2) * T.sin(y) + 0.5 * T.tanh(x * y))
    rs = np.random.RandomState(0)
    a, b = rs.randn(5, 7), rs.randn(5, 7)
    src = check(k, [a, b], tmp_path, "k1", expect_contiguous=1)
    assert "exp(" in src and "for (int64_t i" in src
    big = rs.randn(10, 14)
    check(k, [big[::2, ::2], rs.randn(7, 5).T], tmp_path, "k2", expect_contiguous=0)
    check(k, [a[::-1, ::-1], b], tmp_path, "k3", expect_contiguous=0)  # negative strides
    edge = np.resize(np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 1e308, -1e-308]), (5, 7))
    check(k, [edge, edge.T.copy().T], tmp_path, "k4")
    check(k, [np.zeros((0, 7)), np.zeros((0, 7))], tmp_path, "k5")


def test_one_path_alone(tmp_path):
    """render(path=...) writes one path with the same arguments: the contiguous path serves
    contiguous arrays, the strided one any arrays; a reduction has no separate paths."""
    x, y, r = T.dmatrix("x"), T.dmatrix("y"), T.drow("r")
    k = kernel_of([x, y], T.exp(x) * y + 1)
    rs = np.random.RandomState(2)
    a, b = rs.randn(6, 5), rs.randn(6, 5)
    fast = check(k, [a, b], tmp_path, "fast", rtol=1e-15, expect_contiguous=1, path="contiguous")
    strided = check(k, [rs.randn(5, 6).T, b[::-1]], tmp_path, "strided", rtol=1e-15,
                    expect_contiguous=0, path="strided")
    check(k, [a, b], tmp_path, "strided_c", rtol=1e-15, path="strided")  # any arrays
    kr = kernel_of([x, r], T.exp(x) * r + 1)
    check(kr, [a, rs.randn(1, 5)], tmp_path, "strided_r", rtol=1e-15, path="strided")
    both = CRenderer().render(k, "k")
    assert "if (contiguous)" in both
    for src in (fast, strided):
        assert "if (contiguous)" not in src and "int contiguous" in src
    assert "rem" not in fast and "rem" in strided
    with pytest.raises(ValueError, match="path must be one of"):
        CRenderer().render(k, "k", path="rows")
    red = reduction_kernel(T.exp(x).sum(axis=1).owner)
    with pytest.raises(ValueError, match="no separate paths"):
        CRenderer().render(red, "k", path="contiguous")


def test_broadcast_inputs_and_float32(tmp_path):
    x = T.fmatrix("x")
    r = T.frow("r")
    c = T.fcol("c")
    k = kernel_of([x, r, c], T.log1p(abs(x * r)) - T.sqrt(abs(c)) + T.maximum(x, c))
    rs = np.random.RandomState(1)
    args = [rs.randn(4, 6).astype("float32"), rs.randn(1, 6).astype("float32"),
            rs.randn(4, 1).astype("float32")]
    args[0][0, 0] = np.nan
    src = check(k, args, tmp_path, "kf", rtol=2e-6)
    assert "float" in src and "log1pf" in src


def test_integer_arithmetic_wraps_like_numpy(tmp_path):
    i, j = T.bvectors("i", "j")
    k = kernel_of([i, j], (i * j + 100) // (j - 3) + i % 7)
    vals = np.array([-128, -7, -1, 0, 1, 3, 5, 127], dtype="int8")
    check(k, [vals, vals[::-1].copy()], tmp_path, "ki", rtol=0)


def test_comparisons_switch_and_casts(tmp_path):
    x, y = T.dvectors("x", "y")
    out = T.switch(T.gt(x, y), T.cast(x, "int32") * 2, T.cast(T.isnan(y), "int32") - 1)
    k = kernel_of([x, y], out)
    check(k, [np.array([1.5, -2.0, 3.0, 0.0]), np.array([1.0, np.nan, 4.0, -1.0])], tmp_path, "kc",
          rtol=0)


def test_sigmoid_softplus_and_float_mod(tmp_path):
    x = T.dvector("x")
    k = kernel_of([x], T.nnet.sigmoid(x) + T.nnet.softplus(x) * (x % 1.5))
    check(k, [np.array([-800.0, -3.0, 0.0, 2.0, 800.0, np.nan, -4.5])], tmp_path, "ks", rtol=1e-12)


def test_can_render_reports_what_is_missing():
    x = T.cvector("x")
    f = theano.function([x], T.tan(x) * 2)  # complex arithmetic renders; complex tan does not
    nodes = [n for n in f.maker.fgraph.toposort() if isinstance(n.op, FusedElemwise)]
    ok, why = CRenderer().can_render(nodes[0].op.kernel(nodes[0]))
    assert not ok and "complex" in why
