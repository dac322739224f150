import warnings

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.mode import Mode
from helpers import EDGE, assert_same, both, scalar_names

warnings.filterwarnings("ignore", category=RuntimeWarning)


def test_mul_one_add_zero_removed():
    x = T.dvector("x")
    f, g = both([x], (x * 1 + 0) * 2)
    names = scalar_names(f)
    assert names.count("mul") == 1 and "add" not in names
    assert_same(f, g, EDGE)
    assert_same(f, g, np.zeros(0))


def test_neutral_keeps_dtype():
    x = T.bvector("x")  # int8
    f, g = both([x], x * 1.0)
    assert f.maker.fgraph.outputs[0].type.dtype == g.maker.fgraph.outputs[0].type.dtype
    assert_same(f, g, np.array([-128, 0, 127], dtype="int8"))


def test_bigger_constant_keeps_shape():
    x = T.dvector("x")
    out = x * np.ones((3, 1))  # the constant carries a shape: not removable
    f, g = both([x], out)
    assert_same(f, g, np.arange(4.0))


def test_neg_neg():
    x = T.dvector("x")
    f, g = both([x], -(-x))
    assert "neg" not in scalar_names(f)
    assert_same(f, g, EDGE)


def test_log_exp_and_exp_log():
    x = T.dvector("x")
    f, g = both([x], [T.log(T.exp(x)), T.exp(T.log(x))])
    names = scalar_names(f)
    assert "exp" not in names and "log" not in names
    vals = np.array([0.0, 1.0, -1.0, 2.5, 1e-20, np.nan, np.inf, -np.inf, 3.0])
    a, b = f(vals), g(vals)
    np.testing.assert_allclose(a[1], b[1], rtol=1e-15, equal_nan=True)
    np.testing.assert_allclose(a[0], b[0], rtol=1e-15, atol=1e-15, equal_nan=True)
    # where exp overflows, log(exp(x)) -> x is the exact answer
    assert f(np.array([1000.0]))[0][0] == 1000.0


def test_collect_and_flatten():
    x, y = T.dvectors("x", "y")
    f, g = both([x, y], ((x + 1) + y) + 2)
    names = scalar_names(f)
    assert names.count("add") == 1
    assert_same(f, g, EDGE, EDGE[::-1], rtol=1e-15)


def test_sub_self_int_only():
    i = T.lvector("i")
    x = T.dvector("x")
    f, g = both([i, x], [i - i, x - x])
    names = scalar_names(f)
    assert names.count("sub") == 1  # the float one stays (inf - inf is nan)
    assert_same(f, g, np.array([1, -5, 7]), np.array([np.inf, 1.0, np.nan]))


def test_unsafe_rules_only_on_request():
    x = T.dvector("x")
    mode = Mode(optimizer="fast_run").including("unsafe")
    f = theano.function([x], [x - x, x / x], mode=mode)
    names = scalar_names(f)
    assert "sub" not in names and "true_div" not in names
    np.testing.assert_array_equal(f(np.array([1.0, 2.0]))[1], [1.0, 1.0])


def test_dimshuffle_merge():
    x = T.dmatrix("x")
    y = x.dimshuffle(1, 0).dimshuffle("x", 1, 0)
    f, g = both([x], y)
    ds = [n for n in f.maker.fgraph.toposort() if type(n.op).__name__ == "DimShuffle"]
    assert len(ds) == 1
    assert_same(f, g, np.arange(6.0).reshape(2, 3))
    f, g = both([x], x.T.T + 1)
    assert not [n for n in f.maker.fgraph.toposort() if type(n.op).__name__ == "DimShuffle"]
    assert_same(f, g, np.arange(6.0).reshape(2, 3))


def test_reshape_merge():
    x = T.dvector("x")
    y = T.reshape(T.reshape(x, (2, 3)), (3, 2))
    f, g = both([x], y)
    assert scalar_names(f).count("Reshape") == 1
    assert_same(f, g, np.arange(6.0))


def test_useless_rebroadcast():
    x = T.dmatrix("x")
    y = T.patternbroadcast(T.patternbroadcast(x, (False, False)), (False, False))
    f, g = both([x], T.unbroadcast(T.addbroadcast(x, 0), 0) * 2)
    assert_same(f, g, np.ones((1, 3)))


def test_fill_removed_when_shapes_equal():
    x, y = T.dmatrices("x", "y")
    f, g = both([x, y], T.fill(x, y) * 3)
    assert "second" not in scalar_names(f)
    assert_same(f, g, np.ones((2, 3)), np.arange(6.0).reshape(2, 3))
    r = T.drow("r")
    f, g = both([x, r], T.fill(x, r) * 3)  # r is broadcast: the fill gives the shape
    assert_same(f, g, np.ones((2, 3)), np.arange(3.0).reshape(1, 3))


def test_identity_cast_removed():
    x = T.dvector("x")
    f, g = both([x], T.cast(x, "float64") * 2 + T.tensor_copy(x))
    assert "identity" not in scalar_names(f)
    assert_same(f, g, EDGE)


def test_rewrites_keep_types_everywhere():
    x = T.fmatrix("x")
    r = T.frow("r")
    outs = [x * 1, r + 0, -(-r), T.log(T.exp(r)), x ** 2, r ** 0.5, (x + 1) + 2]
    f, g = both([x, r], outs)
    for a, b in zip(f.maker.fgraph.outputs, g.maker.fgraph.outputs):
        assert a.type == b.type
    assert_same(f, g, np.ones((2, 3), "float32"), np.full((1, 3), 4.0, "float32"), rtol=1e-6)


def test_print_rewrites(capsys):
    x = T.dvector("x")
    with theano.config.change_flags(print_rewrites=True):
        theano.function([x], -(-x) * 1)
    out = capsys.readouterr().out
    assert "local_neg_neg" in out


def test_reductions_over_broadcastable_axes_are_the_value_itself():
    from theano.tensor.elemwise import CAReduce

    r = T.frow("r")
    b = T.TensorType("int8", (True, False, True))("b")
    outs = [r.sum(axis=0), T.max(r, axis=0), b.sum(axis=(0, 2)), T.prod(b, axis=0), T.all(b, axis=2),
            r.sum(axis=0, acc_dtype="float64")]
    f, g = both([r, b], outs)
    assert not [n for n in f.maker.fgraph.toposort() if isinstance(n.op, CAReduce)]
    for o, w in zip(f.maker.fgraph.outputs, g.maker.fgraph.outputs):
        assert o.type == w.type  # int8 sums still give int64, all() still bool
    rv = np.array([[1.5, -np.inf, np.nan]], dtype="float32")
    bv = np.array([[[-128], [0], [127]]], dtype="int8")
    assert_same(f, g, rv, bv)
    # a reduction over an axis that merely has length 1 at run time is kept (not known statically)
    m = T.fmatrix("m")
    h, _ = both([m], m.sum(axis=0))
    assert [n for n in h.maker.fgraph.toposort() if isinstance(n.op, CAReduce)]
