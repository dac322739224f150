"""Theano 1.0's module layout: the names libraries import from theano.gof, theano.compile,
theano.scan_module, theano.tests.unittest_tools, theano.compat, and the helpers added with them
(theano.clone, as_op, Print, batched_tensordot, sparse hstack ...). Values that depend on
Theano 1.0.5's behaviour are checked in test_behaviours.py against its records."""
import pickle

import numpy as np
import pytest
import scipy.sparse as sp

import theano
import theano.tensor as T


def test_gof_names_are_the_graph_classes():
    from theano.gof import Apply, Constant, FunctionGraph, Op, Variable, graph

    assert Variable is theano.graph.basic.Variable and Apply is theano.Apply and Constant is theano.Constant
    assert Op is theano.Op and FunctionGraph is theano.FunctionGraph
    x = T.dscalar("x")
    y = T.exp(x) + 1
    assert graph.inputs([y]) == [x, y.owner.inputs[1]]  # constants are inputs too, as in Theano
    assert [n.op for n in graph.io_toposort([x], [y])] == [y.owner.inputs[0].owner.op, y.owner.op]
    assert y.owner.get_parents() == y.owner.inputs and y.get_parents() == [y.owner] and x.get_parents() == []


def test_clone_replaces_and_copies_inputs():
    x, y = T.dscalars("x", "y")
    s = theano.shared(3.0, "s")
    z = (x + s) * 2
    z2 = theano.clone(z, replace={x: y})
    assert [v for v in theano.gof.graph.inputs([z2]) if not isinstance(v, theano.Constant)] == [y, s]
    assert theano.function([y], z2)(1.0) == 8.0
    z3 = theano.clone(z, share_inputs=False)
    assert s not in theano.gof.graph.inputs([z3])
    assert theano.scan_module.scan_utils.equal_computations([z], [z2], [x], [y])
    assert not theano.scan_module.scan_utils.equal_computations([z], [z2])
    with pytest.raises(TypeError, match="strict=False"):
        theano.clone(z, {x: T.fscalar()})


def test_nodes_constructed_collects_new_variables():
    x = T.dscalar("x")
    with theano.gof.graph.nodes_constructed() as new:
        y = x * 2 + 1
    assert y in new and x not in new


def test_as_op_makes_an_op_from_a_function():
    m = T.dmatrix("m")
    g = theano.function([m], _rowsum(m) * 2)
    np.testing.assert_allclose(g(np.ones((2, 3))), [6.0, 6.0])
    assert pickle.loads(pickle.dumps(_rowsum)) is _rowsum
    assert T.dmatrix.dtype == "float64" and T.dmatrix.broadcastable == (False, False)


@theano.as_op(itypes=[T.dmatrix], otypes=[T.dvector])
def _rowsum(a):
    return a.sum(axis=1)


def test_print_passes_its_value_and_prints_it(capsys):
    x = T.dvector("x")
    f = theano.function([x], theano.printing.Print("v")(x) + 1)
    np.testing.assert_allclose(f(np.array([1.0, 2.0])), [2.0, 3.0])
    assert capsys.readouterr().out == "v __str__ = [1. 2.]\n"


def test_sparse_hstack_vstack_and_their_gradient():
    from theano.sparse import basic as sb

    a, b = sb.csr_matrix("a"), sb.csr_matrix("b")
    A = sp.random(3, 2, 0.5, format="csr", random_state=0)
    B = sp.random(3, 4, 0.5, format="csr", random_state=1)
    h = theano.function([a, b], sb.hstack([a, b], format="csr"))(A, B)
    assert h.format == "csr" and np.allclose(h.toarray(), sp.hstack([A, B]).toarray())
    v = theano.function([a], sb.vstack([a, a]))(A)
    assert np.allclose(v.toarray(), sp.vstack([A, A]).toarray())
    m = T.dmatrix("m")
    cost = sb.structured_dot(sb.hstack([a, b]), m).sum()
    ga = theano.function([a, b, m], theano.grad(cost, a))(A, B, np.ones((6, 2)))
    assert np.allclose(ga.toarray(), 2.0 * (A.toarray() != 0))


def test_compat_helpers():
    from theano.compat import DefaultOrderedDict, OrderedDict, izip

    d = DefaultOrderedDict(list)
    d["b"].append(1)
    d["a"].append(2)
    assert list(d) == ["b", "a"] and isinstance(d, OrderedDict) and list(izip([1], [2])) == [(1, 2)]


def test_unittest_tools():
    from theano.tests import unittest_tools as utt

    assert utt.fetch_seed() == 666 and utt.fetch_seed(3) == 3
    utt.seed_rng()
    utt.verify_grad(lambda a: (a ** 2).sum(), [np.array([1.0, 2.0])])
    utt.assert_allclose(np.ones(2), np.ones(2) + 1e-9)
    with pytest.raises(utt.WrongValue):
        utt.assert_allclose(np.ones(2), np.zeros(2))


def test_composite_tensor_functions():
    a, b = T.dvectors("a", "b")
    x = np.array([1.0, np.inf, np.nan, 2.0])
    y = np.array([1.0 + 1e-9, np.inf, np.nan, 3.0])
    np.testing.assert_array_equal(theano.function([a, b], T.isclose(a, b))(x, y), np.isclose(x, y))
    assert not theano.function([a, b], T.allclose(a, b))(x, y)
    np.testing.assert_allclose(T.extra_ops.bartlett(7).eval(), np.bartlett(7))
    assert T.ptp(a).eval({a: np.array([3.0, -1.0])}) == 4.0
    m = T.tensor3("m")
    assert T.swapaxes(m, 0, 2).eval({m: np.zeros((2, 3, 4))}).shape == (4, 3, 2)
    assert T.stacklists([[a, b], [b, a]]).ndim == 3


def test_version_compares_as_a_1_0_release():
    assert theano.__version__ == "1.0.5" and theano.version.core_version
