import warnings

import pytest

import numpy as np

import theano
import theano.tensor as T
from theano.compile.mode import Mode
from theano.tensor.fused import FusedElemwise
from theano.tensor.rewriting.fusion import fuse_elemwise
from theano.graph.fg import FunctionGraph
from theano.tensor.elemwise import Elemwise
from helpers import EDGE, REF, assert_same

warnings.filterwarnings("ignore", category=RuntimeWarning)

# FAST_RUN asking for fusion by name: the reference device (device=numpy) declines fusion
# by default, and a mode that names it gets it on every device (the kernels' NumPy meaning
# is then what runs there).
FUSING = Mode().including("fusion")


def both(inputs, outputs):
    """(fused function, reference function without rewrites)."""
    return theano.function(inputs, outputs, mode=FUSING), theano.function(inputs, outputs, mode=REF)


def kernels(f):
    return [n for n in f.maker.fgraph.toposort() if isinstance(n.op, FusedElemwise)]


def test_fused_expression_is_one_kernel():
    x, y = T.dmatrices("x", "y")
    e = T.exp(-x ** 2) * T.sin(y) + 0.5 * T.tanh(x * y)
    f, g = both([x, y], e)
    nodes = f.maker.fgraph.toposort()
    assert len(nodes) == 1 and isinstance(nodes[0].op, FusedElemwise)
    r = np.random.RandomState(0)
    assert_same(f, g, r.randn(3, 4), r.randn(3, 4), rtol=0)
    assert_same(f, g, np.zeros((0, 4)), np.zeros((0, 4)))
    v = np.resize(EDGE, (3, 4))
    assert_same(f, g, v, v[::-1], rtol=0)
    text = theano.printing.debugprint(f, file="str")
    assert "FusedElemwise" in text


def test_intermediate_used_twice_is_computed_once():
    x, y = T.dvectors("x", "y")
    t = T.exp(x) + y  # read by the kernel and returned
    f, g = both([x, y], [t * 2, t])
    ks = kernels(f)
    assert len(ks) == 1 and len(ks[0].outputs) == 2
    names = [n.op.name for n in __import__("theano").graph.basic.io_toposort(
        ks[0].op.scalar_op.inputs, ks[0].op.scalar_op.outputs)]
    assert names.count("exp") == 1
    assert_same(f, g, EDGE, EDGE[::-1], rtol=0)


def test_a_deep_graph_that_reuses_every_value_gets_a_short_name():
    """A kernel's name writes its expression out; a value used twice at each of 20 levels
    was written 2**20 times (22 GB and minutes while compiling). Long subexpressions are
    elided, so names stay short and the kernel still computes what the graph does."""
    x = T.dvector("x")
    h = T.tanh(x)
    for _ in range(14):  # (2**14 copies: a failure here is quick)
        h = T.nnet.sigmoid(h * 2 + 1) - h
    f, g = both([x], h)
    (k,) = kernels(f)
    name = str(k.op)
    assert len(name) < 2000 and "(...)" in name
    assert len(str(k.op.scalar_op)) < 20000  # Composite{...} lists each step once
    assert_same(f, g, np.linspace(-3, 3, 7), rtol=1e-12)


def test_broadcast_and_dtypes():
    x = T.fmatrix("x")
    r = T.drow("r")
    i = T.bvector("i")
    e = T.cast(x * 2 + r, "float32") - T.sqrt(abs(i)) / 3
    f, g = both([x, r, i], e)
    assert len(kernels(f)) >= 1
    rs = np.random.RandomState(2)
    assert_same(f, g, rs.randn(4, 3).astype("float32"), rs.randn(1, 3),
                np.array([-3, 0, 5], dtype="int8"), rtol=0)


def test_mismatched_shapes_still_raise():
    x, y = T.dvectors("x", "y")
    f = theano.function([x, y], T.exp(x) + y * 2, mode=FUSING)
    try:
        f(np.zeros(3), np.zeros(2))
    except ValueError as e:
        assert "(3,)" in str(e) and "(2,)" in str(e)
    else:
        raise AssertionError("no error")


def test_max_inputs_respected():
    xs = [T.dvector(f"x{k}") for k in range(10)]
    e = xs[0]
    for v in xs[1:]:
        e = T.tanh(e) + v
    fg = FunctionGraph(xs, [e])
    fuse_elemwise(fg, max_inputs=4)
    for n in fg.toposort():
        assert len(n.inputs) <= 4
    f, g = both(xs, e)
    assert len(kernels(f)) == 1
    vals = [np.full(3, 0.1 * k) for k in range(10)]
    assert_same(f, g, *vals, rtol=0)


def test_sibling_outputs_with_other_shapes_not_fused_together():
    x, y = T.dmatrices("x", "y")
    c = T.drow("c")
    # x + c and y + c share c but not a root: errors and shapes must stay per output
    f, g = both([x, y, c], [T.exp(x + c), T.exp(y + c)])
    rs = np.random.RandomState(3)
    # within an ulp: the C backend's SIMD exp (libmvec) and its scalar tail may round apart
    assert_same(f, g, rs.randn(2, 3), rs.randn(5, 3), rs.randn(1, 3), rtol=4e-16)


def test_no_cycle_through_non_elemwise():
    x = T.dmatrix("x")
    a = T.exp(x)
    s = a.sum(axis=1).dimshuffle(0, "x")  # a non-elementwise reader of a
    out = (a * 2 + s) * a
    f, g = both([x], out)
    assert_same(f, g, np.random.RandomState(4).randn(3, 4), rtol=1e-15)


def test_fusion_excluded_by_tag():
    x = T.dvector("x")
    f = theano.function([x], T.exp(x) * 2, mode=Mode().excluding("fusion"))
    assert not kernels(f)


# -- reductions absorbed into kernels ----------------------------------------------------------

from theano.tensor.fused import FusedReduction  # noqa: E402


def reductions(f):
    return [n for n in f.maker.fgraph.toposort() if isinstance(n.op, FusedReduction)]


def test_sum_of_squares_is_one_kernel():
    x = T.dmatrix("x")
    f, g = both([x], T.sum(x ** 2))
    nodes = f.maker.fgraph.toposort()
    assert len(nodes) == 1 and isinstance(nodes[0].op, FusedReduction), nodes
    k = nodes[0].op.kernel(nodes[0])
    assert k.reduction is not None and k.reduction.axes == (0, 1)
    assert_same(f, g, np.random.RandomState(5).randn(4, 3))
    assert_same(f, g, np.zeros((0, 3)))
    assert_same(f, g, np.resize(EDGE, (3, 4)))


def test_softmax_exp_sum_is_one_kernel():
    from theano.tensor.nnet.softmax import softmax_graph

    x = T.dmatrix("x")
    f, g = both([x], softmax_graph(x))
    red = reductions(f)
    assert len(red) == 1
    sop = red[0].op
    assert sop.reduce_op.name == "add" and sop.axes == (1,) and "exp" in sop.scalar_op.pretty()
    # exp's other reader (the division) recomputes it in its own kernel: no exp node is left
    assert not [n for n in f.maker.fgraph.toposort()
                if isinstance(n.op, Elemwise) and not isinstance(n.op, FusedElemwise)]
    assert_same(f, g, np.random.RandomState(6).randn(3, 5))
    assert_same(f, g, np.resize(EDGE, (3, 4)))


def test_reduction_dtypes_and_ops():
    x = T.fmatrix("x")
    i = T.bvector("i")
    outs = [T.sum(T.exp(x) * 2, axis=0), T.prod(x + 1, axis=1), T.max(abs(x) - 1, axis=0),
            T.min(x * x, axis=None), T.sum(i * 3), T.sum(T.gt(x, 0), axis=1)]
    f, g = both([x, i], outs)
    assert len(reductions(f)) == len(outs)
    rs = np.random.RandomState(7)
    a = rs.randn(4, 3).astype("float32")
    a[1, 1] = np.nan
    assert_same(f, g, a, np.array([100, -128, 127], dtype="int8"), rtol=1e-6)


def test_an_intermediate_that_is_also_an_output_is_summed_from_memory():
    # t must be written out for the caller anyway: the sum reads it rather than recompute tanh.
    x = T.dmatrix("x")
    t = T.tanh(x) * 3
    f, g = both([x], [T.sum(t, axis=1), t])
    assert not reductions(f)
    assert sum("tanh" in str(n.op) for n in f.maker.fgraph.toposort()) == 1
    assert_same(f, g, np.random.RandomState(8).randn(3, 4))


def test_max_of_empty_raises_as_numpy():
    x = T.dmatrix("x")
    f = theano.function([x], T.max(T.exp(x), axis=1), mode=FUSING)
    assert reductions(f)
    with pytest.raises(ValueError):
        f(np.zeros((2, 0)))
    assert f(np.zeros((0, 2))).shape == (0,)


def test_reduction_fusion_respects_max_inputs():
    xs = [T.dvector(f"x{k}") for k in range(10)]
    e = xs[0]
    for v in xs[1:]:
        e = e * v + 1
    fg = FunctionGraph(xs, [T.sum(e)])
    from theano.tensor.rewriting.fusion import fuse_reductions

    fuse_reductions(fg, max_inputs=4)
    for n in fg.toposort():
        assert len(n.inputs) <= 4


def test_reduction_reads_a_value_that_must_be_in_memory_anyway():
    # tanh(x) is read by a product, so it is computed into memory once; the bias-gradient-like
    # sum reads it instead of recomputing tanh inside the reduction.
    x, w, y = T.fmatrix("x"), T.fmatrix("w"), T.fmatrix("y")
    h = T.tanh(x + 1)
    f, g = both([x, w, y], [T.dot(h, w), (y * (1 - h * h)).sum(axis=0)])
    red = reductions(f)
    assert len(red) == 1 and "tanh" not in red[0].op.scalar_op.pretty()
    tanh_kernels = [n for n in f.maker.fgraph.toposort()
                    if isinstance(n.op, Elemwise) and "tanh" in str(n.op)]
    assert len(tanh_kernels) == 1
    rs = np.random.RandomState(3)
    a, b, c = (rs.randn(*s).astype("float32") for s in ((4, 3), (3, 2), (4, 3)))
    assert_same(f, g, a, b, c, rtol=1e-6)
