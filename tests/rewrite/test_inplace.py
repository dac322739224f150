"""In-place: the destroy handler and the 'inplace' pass. A destruction fires on temporaries
only, never on an argument, a shared variable or a constant; outputs never alias inputs; a
value still needed later is not overwritten; results never change."""
import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.compile.mode import Mode
from theano.graph.destroyhandler import DestroyHandler
from theano.graph.fg import FunctionGraph, InconsistencyError
from theano.scalar import basic as scal
from theano.tensor.elemwise import Elemwise
from theano.tensor.math import Dot

from helpers import assert_same

NO_INPLACE = Mode().excluding("inplace")
# FAST_RUN naming the rewrites the reference device (device=numpy) declines unless asked:
# there the in-place pass then runs over the ops' NumPy meanings.
INPLACE = Mode().including("inplace", "fusion", "blas")
DEVICES = ["numpy", "cpu"]


def destroyers(f):
    return [n for n in f.maker.fgraph.toposort() if n.op.destroy_map]


def destroyed_vars(f):
    return [n.inputs[i] for n in destroyers(f) for ins in n.op.destroy_map.values() for i in ins]


@pytest.mark.parametrize("device", DEVICES)
def test_fires_on_a_temporary(device):
    x, y = T.dmatrices("x", "y")
    out = T.exp(T.dot(x, y)) * 2 + 1
    f = theano.function([x, y], out, device=device, mode=INPLACE)
    g = theano.function([x, y], out, mode=NO_INPLACE, device=device)
    d = destroyed_vars(f)
    assert d and all(isinstance(v.owner.op, Dot) for v in d)
    assert not destroyers(g)
    rs = np.random.RandomState(0)
    a, b = rs.randn(3, 4), rs.randn(4, 3)
    a0, b0 = a.copy(), b.copy()
    assert_same(f, g, a, b, rtol=0)
    np.testing.assert_array_equal(a, a0)
    np.testing.assert_array_equal(b, b0)


@pytest.mark.parametrize("device", DEVICES)
def test_never_on_inputs_constants_or_shared(device):
    x = T.dmatrix("x")
    s = theano.shared(np.arange(6.0).reshape(2, 3), name="s")
    u = theano.shared(np.ones((2, 3)), name="u")
    out = T.exp(x) * 2 + T.tanh(s) + np.ones((2, 3))
    f = theano.function([x], out, updates=[(u, u * 3 + 1)], device=device, mode=INPLACE)
    for v in destroyed_vars(f):
        assert v.owner is not None  # never an input, a shared value or a constant
    a = np.full((2, 3), 0.5)
    s0 = s.get_value()
    r1 = f(a)
    r2 = f(a)
    np.testing.assert_array_equal(a, np.full((2, 3), 0.5))
    np.testing.assert_array_equal(s.get_value(), s0)
    np.testing.assert_array_equal(r1, r2)
    np.testing.assert_array_equal(u.get_value(), np.full((2, 3), 13.0))


def test_update_of_the_destroyed_shared_variable_is_refused():
    # Overwriting W while computing W's update would corrupt W if a later node raised.
    W = theano.shared(np.ones((3, 3)), name="W")
    x = T.dmatrix("x")
    f = theano.function([x], T.dot(x, W).sum(), updates=[(W, W - 0.1 * T.dot(x.T, x))])
    assert all(v.owner is not None for v in destroyed_vars(f))
    f(np.ones((3, 3)))
    np.testing.assert_allclose(W.get_value(), np.ones((3, 3)) - 0.3)


@pytest.mark.parametrize("device", DEVICES)
def test_outputs_never_alias_inputs_or_each_other(device):
    x, y = T.dmatrices("x", "y")
    t = T.exp(T.dot(x, y))
    f = theano.function([x, y], [t, t * 2, x * 1, T.dot(x, y) + 0], device=device, mode=INPLACE)
    a, b = np.ones((2, 2)), np.eye(2)
    outs = f(a, b)
    for k, o in enumerate(outs):
        assert not np.shares_memory(o, a) and not np.shares_memory(o, b)
        for o2 in outs[k + 1:]:
            assert not np.shares_memory(o, o2)
    # t is an output: nothing may overwrite it
    assert all(v is not t for v in destroyed_vars(f))


@pytest.mark.parametrize("device", DEVICES)
def test_value_needed_later_is_not_overwritten(device):
    x, y = T.dmatrices("x", "y")
    a = T.dot(x, y)
    b = T.exp(a) * 2  # could overwrite a ...
    c = T.dot(b, a)   # ... but a is read after b
    f = theano.function([x, y], c, device=device, mode=INPLACE)
    g = theano.function([x, y], c, mode=Mode(optimizer=None), device=device)
    a_var = [n for n in f.maker.fgraph.toposort() if isinstance(n.op, Dot)][0].outputs[0]
    assert all(v is not a_var for v in destroyed_vars(f))
    rs = np.random.RandomState(1)
    assert_same(f, g, rs.randn(3, 3), rs.randn(3, 3), rtol=1e-12)


@pytest.mark.parametrize("device", DEVICES)
def test_gemm_inplace_on_a_temporary(device):
    a, b, x, y = T.dmatrices("a", "b", "x", "y")
    z = T.dot(a, b)
    out = z * 2 + T.dot(x, y)
    f = theano.function([a, b, x, y], out, device=device, mode=INPLACE)
    g = theano.function([a, b, x, y], out, mode=Mode(optimizer=None), device=device)
    names = [str(n.op) for n in f.maker.fgraph.toposort()]
    assert "Gemm{inplace}" in names, names
    rs = np.random.RandomState(2)
    assert_same(f, g, *[rs.randn(3, 3) for _ in range(4)], rtol=1e-12)


def test_mlp_training_steps_equal_without_inplace():
    rs = np.random.RandomState(3)
    x, y = T.dmatrices("x", "y")

    def build():
        params, h = [], x
        for k in range(3):
            W = theano.shared(np.random.RandomState(k).randn(4, 4) * 0.3, name=f"W{k}")
            b = theano.shared(np.zeros(4), name=f"b{k}")
            params += [W, b]
            h = T.tanh(T.dot(h, W) + b)
        cost = T.mean((h - y) ** 2) + 1e-3 * sum((p ** 2).sum() for p in params[::2])
        grads = T.grad(cost, params)
        return params, cost, [(p, p - 0.1 * g) for p, g in zip(params, grads)]

    p1, c1, u1 = build()
    p2, c2, u2 = build()
    f = theano.function([x, y], c1, updates=u1, device="numpy", mode=INPLACE)
    g = theano.function([x, y], c2, updates=u2, mode=NO_INPLACE, device="numpy")
    assert destroyers(f)
    for _ in range(4):
        a, b = rs.randn(5, 4), rs.randn(5, 4)
        np.testing.assert_allclose(f(a, b), g(a, b), rtol=1e-13)
    for q1, q2 in zip(p1, p2):
        np.testing.assert_allclose(q1.get_value(), q2.get_value(), rtol=1e-13)


# -- the destroy handler on hand-built graphs ------------------------------------------------

add_inplace = Elemwise(scal.add, {0: 0})


def test_handler_refuses_to_destroy_an_input():
    x = T.dvector("x")
    fg = FunctionGraph([x], [add_inplace(x, x)], clone=False)
    with pytest.raises(InconsistencyError, match="caller owns"):
        fg.attach_feature(DestroyHandler())


def test_handler_refuses_a_destroyed_output_and_two_destroyers():
    x = T.dvector("x")
    t = T.exp(x)
    fg = FunctionGraph([x], [add_inplace(t, x), t], clone=False)
    with pytest.raises(InconsistencyError, match="output"):
        fg.attach_feature(DestroyHandler())
    t = T.exp(x)
    fg = FunctionGraph([x], [add_inplace(t, x), Elemwise(scal.mul, {0: 0})(t, x)], clone=False)
    with pytest.raises(InconsistencyError, match="both overwrite"):
        fg.attach_feature(DestroyHandler())


def test_handler_refuses_reading_a_view_of_the_destroyed_memory():
    x = T.dmatrix("x")
    t = T.exp(x)
    fg = FunctionGraph([x], [add_inplace(t, t.T)], clone=False)
    with pytest.raises(InconsistencyError, match="reads the memory"):
        fg.attach_feature(DestroyHandler())


def test_toposort_runs_readers_before_the_destroyer():
    x = T.dvector("x")
    t = T.exp(x)
    d = add_inplace(t, x)
    r = T.sin(t.dimshuffle("x", 0))  # a reader through a view
    fg = FunctionGraph([x], [d, r], clone=False)
    dh = DestroyHandler()
    fg.attach_feature(dh)
    order = fg.toposort()
    pos = {n: k for k, n in enumerate(order)}
    assert pos[r.owner] < pos[d.owner] and pos[r.owner.inputs[0].owner] < pos[d.owner]
    # a reader that depends on the destroyer's result while reading t: a cycle
    bad = FunctionGraph([x], [add_inplace(t, x) + t], clone=False)
    with pytest.raises(InconsistencyError):
        bad.attach_feature(DestroyHandler())
    fine = FunctionGraph([x], [T.sin(t) + add_inplace(t, x)], clone=False)
    fine.attach_feature(DestroyHandler())
    order = fine.toposort()
    assert order.index(fine.outputs[0].owner.inputs[0].owner) < order.index(
        fine.outputs[0].owner.inputs[1].owner)


def test_validation_undoes_an_illegal_replacement():
    x = T.dvector("x")
    t = T.exp(x)
    out = T.sin(t) + t * 2
    fg = FunctionGraph([x], [out], clone=False)
    fg.attach_feature(DestroyHandler())
    mul = [n for n in fg.apply_nodes if isinstance(n.op, Elemwise) and n.op.scalar_op == scal.mul][0]
    # t is also read by sin, which feeds the same add: still legal (sin runs first)
    good = Elemwise(scal.mul, {0: 0}).make_node(*mul.inputs)
    fg.replace_all_validate(list(zip(mul.outputs, good.outputs)))
    # overwriting x (an input) is refused and undone
    sin_node = [n for n in fg.apply_nodes if isinstance(n.op, Elemwise) and n.op.scalar_op == scal.exp][0]
    bad = Elemwise(scal.exp, {0: 0}).make_node(x)
    with pytest.raises(InconsistencyError):
        fg.replace_all_validate([(sin_node.outputs[0], bad.outputs[0])])
    assert sin_node in fg.apply_nodes
