"""theano.function as Theano 1.0 behaves: inputs, outputs, updates, givens, modes, aliasing."""
import warnings
from collections import OrderedDict

import numpy as np
import pytest

import theano
from theano import In, Out, tensor as T
from theano.compile import Mode, UnusedInputError
from theano.compile.ops import DeepCopyOp
from theano.graph.basic import Apply
from theano.graph.op import Op


# -- outputs -----------------------------------------------------------------------

def test_single_output_is_an_array_and_list_output_is_a_list():
    x = T.dscalar("x")
    f = theano.function([x], x * 2)
    r = f(3.0)
    assert isinstance(r, np.ndarray) and r.shape == () and r == 6.0
    g = theano.function([x], [x * 2])
    r = g(3.0)
    assert isinstance(r, list) and len(r) == 1 and r[0] == 6.0
    h = theano.function([x], (x * 2, x + 1))
    assert [float(v) for v in h(3.0)] == [6.0, 4.0]


def test_no_outputs_returns_empty_list():
    x = T.dscalar("x")
    assert theano.function([x], [], on_unused_input="ignore")(1.0) == []


def test_outputs_given_as_Out():
    x = T.dvector("x")
    f = theano.function([x], Out(x * 2, borrow=True))
    np.testing.assert_array_equal(f([1, 2]), [2, 4])
    g = theano.function([x], [Out(x * 2), Out(x + 1, borrow=True)])
    a, b = g([1, 2])
    np.testing.assert_array_equal(a, [2, 4])
    np.testing.assert_array_equal(b, [2, 3])


def test_inputs_must_be_a_list():
    x = T.dscalar("x")
    with pytest.raises(TypeError, match="list"):
        theano.function(x, x * 2)


def test_bad_explicit_inputs_are_rejected():
    x = T.dvector("x")
    s = theano.shared(np.zeros(2), "s")
    with pytest.raises(ValueError, match="twice"):
        theano.function([x, x], x * 2)
    with pytest.raises(TypeError, match="shared variable"):
        theano.function([s], s * 2)
    # A computed input cuts the graph there (as in Theano 1.0.5); then x itself is unused.
    with pytest.raises(theano.compile.UnusedInputError):
        theano.function([x * 2], x)


def test_missing_input_names_the_variable():
    x, y = T.dvectors("x", "y")
    with pytest.raises(theano.graph.MissingInputError, match=r"\by\b"):
        theano.function([x], x + y)


# -- In: defaults, names, keywords --------------------------------------------------

def _f_with_default():
    x = T.dvector("x")
    y = T.dvector("y")
    return theano.function([x, In(y, value=np.array([10.0, 20.0]), name="yy")], x + y)


def test_in_default_value_is_used_when_omitted():
    f = _f_with_default()
    np.testing.assert_array_equal(f([1, 2]), [11, 22])
    np.testing.assert_array_equal(f([1, 2], [0, 0]), [1, 2])


def test_keyword_call_by_name():
    f = _f_with_default()
    np.testing.assert_array_equal(f([1, 2], yy=[3, 4]), [4, 6])
    # The variable's own name is the default keyword.
    np.testing.assert_array_equal(f(x=[1, 2], yy=[3, 4]), [4, 6])
    np.testing.assert_array_equal(f(yy=[3, 4], x=[1, 2]), [4, 6])


def test_default_value_is_not_modified_by_a_call_that_overrides_it():
    f = _f_with_default()
    f([1, 2], yy=[0, 0])
    np.testing.assert_array_equal(f([0, 0]), [10, 20])


def test_missing_argument():
    f = _f_with_default()
    with pytest.raises(TypeError, match=r"missing required input x"):
        f()
    with pytest.raises(TypeError, match=r"missing required input x"):
        f(yy=[1, 2])


def test_duplicate_argument_by_position_and_name():
    f = _f_with_default()
    with pytest.raises(TypeError, match=r"'yy' twice"):
        f([1, 2], [3, 4], yy=[1, 1])


def test_unknown_keyword():
    f = _f_with_default()
    with pytest.raises(TypeError, match=r"no input named 'zz'"):
        f([1, 2], zz=[1, 1])


def test_too_many_arguments():
    f = _f_with_default()
    with pytest.raises(TypeError, match=r"at most 2 argument\(s\) \(3 given\)"):
        f([1, 2], [3, 4], [5, 6])


def test_ambiguous_keyword_name_is_an_error():
    x, y = T.dvectors("x", "y")
    f = theano.function([In(x, name="a"), In(y, name="a")], x * y)
    np.testing.assert_array_equal(f([2.0], [3.0]), [6.0])
    with pytest.raises(TypeError, match="ambiguous name 'a'"):
        f([1.0], a=[1.0])


def test_bad_default_value_names_the_input():
    x = T.dvector("x")
    with pytest.raises(TypeError, match=r"default value of input x.*dimensions"):
        theano.function([In(x, value=[[1.0, 2.0]])], x * 2)


def test_scalar_default_and_keyword():
    x, y = T.dscalars("x", "y")
    f = theano.function([x, In(y, value=1.0)], x ** y)
    assert f(3.0) == 3.0
    assert f(3.0, 2.0) == 9.0
    assert f(3.0, y=3.0) == 27.0


# -- updates ------------------------------------------------------------------------

@pytest.mark.parametrize("kind", ["pairs", "tuple", "dict", "ordereddict"])
def test_updates_in_every_container(kind):
    c = theano.shared(np.int64(0), "c")
    d = theano.shared(np.array([1.0, 1.0]), "d")
    pairs = [(c, c + 1), (d, d * 2)]
    updates = {"pairs": pairs, "tuple": tuple(pairs), "dict": dict(pairs),
               "ordereddict": OrderedDict(pairs)}[kind]
    f = theano.function([], [c, d], updates=updates)
    r0 = f()
    # Outputs are computed from the values before the update.
    assert r0[0] == 0
    np.testing.assert_array_equal(r0[1], [1, 1])
    f()
    assert c.get_value() == 2
    np.testing.assert_array_equal(d.get_value(), [4, 4])


def test_updates_are_simultaneous():
    a = theano.shared(np.array([1.0]), "a")
    b = theano.shared(np.array([2.0]), "b")
    swap = theano.function([], [], updates=[(a, b), (b, a)])
    swap()
    assert a.get_value()[0] == 2.0 and b.get_value()[0] == 1.0
    swap()
    assert a.get_value()[0] == 1.0 and b.get_value()[0] == 2.0


def test_update_targets_must_be_shared_and_unique():
    x = T.dvector("x")
    w = theano.shared(np.zeros(2), "w")
    with pytest.raises(TypeError, match="shared variable"):
        theano.function([x], x * 2, updates=[(x, x + 1)])
    with pytest.raises(ValueError, match="two updates"):
        theano.function([x], x * 2, updates=[(w, w + 1), (w, w + 2)])
    with pytest.raises(TypeError, match="pairs"):
        theano.function([x], x * 2, updates=[w, w + 1])


def test_update_with_a_python_constant():
    w = theano.shared(np.float64(5.0), "w")
    f = theano.function([], [], updates=[(w, 0.0)])
    f()
    assert w.get_value() == 0.0


def test_shared_variable_default_update():
    cnt = theano.shared(np.int64(0), "cnt")
    cnt.default_update = cnt + 1
    f = theano.function([], cnt * 10)
    assert [int(f()), int(f())] == [0, 10]
    assert cnt.get_value() == 2
    g = theano.function([], cnt * 10, no_default_updates=True)
    assert g() == 20 and cnt.get_value() == 2
    # An explicit update wins over the default one.
    h = theano.function([], cnt, updates=[(cnt, cnt + 100)])
    h()
    assert cnt.get_value() == 102


# -- givens ---------------------------------------------------------------------------

def test_givens_minibatch_from_shared_dataset():
    data = np.arange(40.0).reshape(10, 4)
    targets = np.arange(10.0)
    d = theano.shared(data, "data")
    t = theano.shared(targets, "targets")
    idx = T.lscalar("idx")
    X = T.dmatrix("X")
    y = T.dvector("y")
    batch = 3
    w = theano.shared(np.ones(4), "w")
    cost = ((T.dot(X, w) - y) ** 2).mean()
    f = theano.function([idx], cost, givens={X: d[idx * batch:(idx + 1) * batch],
                                            y: t[idx * batch:(idx + 1) * batch]})
    for i in range(4):
        xb, yb = data[i * batch:(i + 1) * batch], targets[i * batch:(i + 1) * batch]
        np.testing.assert_allclose(f(i), ((xb @ np.ones(4) - yb) ** 2).mean())
    # The dataset itself is untouched and stays a shared variable of the function.
    np.testing.assert_array_equal(d.get_value(), data)


def test_givens_as_pairs_and_replacing_a_shared_variable():
    x = T.dvector("x")
    w = theano.shared(np.array([1.0, 2.0]), "w")
    w2 = theano.shared(np.array([10.0, 20.0]), "w2")
    assert theano.function([x], (w * x).sum(), givens=[(w, w2)])([1, 1]) == 30.0
    assert theano.function([x], (w * x).sum(), givens={w: x})([1, 3]) == 10.0
    assert theano.function([x], (w * x).sum(), givens={w: np.array([3.0, 3.0])})([1, 1]) == 6.0


def test_givens_type_mismatch():
    x = T.dvector("x")
    w = theano.shared(np.array([1.0, 2.0]), "w")
    with pytest.raises(TypeError, match="types must match"):
        theano.function([x], (w * x).sum(), givens={w: T.fvector()})


def test_givens_with_a_computed_replacement():
    x, y = T.dvectors("x", "y")
    f = theano.function([x], x + y, givens={y: x * 2})
    np.testing.assert_array_equal(f([1.0, 2.0]), [3.0, 6.0])


# -- on_unused_input ---------------------------------------------------------------------

def test_on_unused_input_raise_by_default():
    x, y = T.dvectors("x", "y")
    with pytest.raises(UnusedInputError, match=r"input 1 \(y\)"):
        theano.function([x, y], x * 2)


def test_on_unused_input_warn():
    x, y = T.dvectors("x", "y")
    with warnings.catch_warnings(record=True) as w:
        warnings.simplefilter("always")
        f = theano.function([x, y], x * 2, on_unused_input="warn")
    assert any("input 1 (y)" in str(m.message) for m in w)
    np.testing.assert_array_equal(f([1.0], [5.0]), [2.0])


def test_on_unused_input_ignore():
    x, y = T.dvectors("x", "y")
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        f = theano.function([x, y], x * 2, on_unused_input="ignore")
    np.testing.assert_array_equal(f([1.0], [5.0]), [2.0])
    # The unused input is still an argument: it is type-checked and counted.
    with pytest.raises(TypeError):
        f([1.0])


def test_on_unused_input_invalid_value():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="on_unused_input"):
        theano.function([x], x, on_unused_input="bogus")


# -- modes -------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["FAST_COMPILE", "FAST_RUN", Mode(optimizer=None),
                                  Mode(linker="py", optimizer="fast_compile"), None])
def test_modes_give_the_same_results(mode):
    x = T.dmatrix("x")
    y = T.dvector("y")
    e = T.exp(x * 1.0 + 0) * 2 + T.log1p(y) - (x - x)
    f = theano.function([x, y], [e, e.sum(), T.dot(x, y)], mode=mode)
    a = np.arange(6.0).reshape(2, 3) / 10
    b = np.array([0.5, 1.0, 2.0])
    r = f(a, b)
    np.testing.assert_allclose(r[0], np.exp(a) * 2 + np.log1p(b))
    np.testing.assert_allclose(r[1], (np.exp(a) * 2 + np.log1p(b)).sum())
    np.testing.assert_allclose(r[2], a @ b)


def test_unknown_mode_and_optimizer():
    x = T.dvector("x")
    with pytest.raises(ValueError, match="BOGUS"):
        theano.function([x], x * 2, mode="BOGUS")
    with pytest.raises(ValueError, match="bogus"):
        Mode(optimizer="bogus")


def test_optimizer_none_keeps_the_graph():
    x = T.dscalar("x")
    e = x * 1 + 0
    f = theano.function([x], e, mode=Mode(optimizer=None))
    assert len(f.maker.fgraph.toposort()) == 2
    assert f(4.0) == 4.0


def test_name_and_introspection():
    x = T.dvector("x")
    f = theano.function([x], x * 2, name="double")
    assert f.name == "double"
    assert f.maker.fgraph.inputs[0].type == x.type
    assert len(f.maker.fgraph.outputs) == 1
    assert all(isinstance(n, Apply) for n in f.maker.fgraph.toposort())
    assert theano.function([x], x * 2).name is None
    with pytest.raises(TypeError, match="function 'double'"):
        f([[1.0]])


# -- no aliasing -----------------------------------------------------------------------

def _views(x):
    return {"identity": x, "transpose": x.T, "row": x[0], "slice": x[1:],
            "reshape": x.reshape((3, 2)), "flatten": x.flatten(),
            "dimshuffle": x.dimshuffle("x", 0, 1), "real": T.real(x)}


@pytest.mark.parametrize("mode", ["FAST_RUN", "FAST_COMPILE"])
@pytest.mark.parametrize("which", sorted(_views(T.dmatrix()).keys()))
def test_output_never_aliases_an_input(which, mode):
    x = T.dmatrix("x")
    f = theano.function([x], _views(x)[which], mode=mode)
    a0 = np.arange(6.0).reshape(2, 3)
    a = a0.copy()
    r = f(a)
    r[...] = -1
    np.testing.assert_array_equal(a, a0)


@pytest.mark.parametrize("which", sorted(_views(T.dmatrix()).keys()))
def test_outputs_never_alias_each_other(which):
    x = T.dmatrix("x")
    y = x * 2
    e = _views(y)[which]
    f = theano.function([x], [y, e, y])
    r = f(np.ones((2, 3)))
    r[0][...] = 7
    assert not np.any(r[1] == 7) and not np.any(r[2] == 7)
    r[1][...] = 5
    assert not np.any(r[2] == 5)


def test_output_never_aliases_a_shared_value():
    s = theano.shared(np.array([1.0, 2.0, 3.0]), "s")
    for out in (s, s[1:], s.T):
        r = theano.function([], out)()
        r[...] = 77
        np.testing.assert_array_equal(s.get_value(), [1, 2, 3])


def test_output_never_aliases_the_new_value_of_a_shared_variable():
    s = theano.shared(np.zeros(3), "s")
    f = theano.function([], [s + 1, (s + 1)[::-1]], updates=[(s, s + 1)])
    r = f()
    r[0][...] = 100
    r[1][...] = 100
    np.testing.assert_array_equal(s.get_value(), [1, 1, 1])


def test_shared_values_never_alias_each_other_or_arguments():
    a = theano.shared(np.ones(2), "a")
    c = theano.shared(np.zeros(2), "c")
    theano.function([], [], updates=[(c, a)])()
    assert not np.shares_memory(a.get_value(borrow=True), c.get_value(borrow=True))
    x = T.dvector("x")
    f = theano.function([x], x[::-1], updates=[(c, x), (a, x[::-1])])
    v = np.array([5.0, 6.0])
    r = f(v)
    v[0] = -1
    r[0] = -1
    np.testing.assert_array_equal(c.get_value(), [5, 6])
    np.testing.assert_array_equal(a.get_value(), [6, 5])


def test_constant_output_is_a_fresh_array_each_call():
    f = theano.function([], T.constant(np.array([1.0, 2.0])) * 1)
    r = f()
    r[0] = 50
    np.testing.assert_array_equal(f(), [1, 2])


def test_static_guard_inserts_a_copy_for_declared_views():
    x = T.dmatrix("x")
    f = theano.function([x], x.T)
    assert any(isinstance(n.op, DeepCopyOp) for n in f.maker.fgraph.toposort())
    g = theano.function([x], x.T * 2)
    assert not any(isinstance(n.op, DeepCopyOp) for n in g.maker.fgraph.toposort())


class _SneakyIdentity(Op):
    """Returns its input itself without declaring a view: the run-time guard must catch it."""

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def perform(self, node, inputs, out):
        out[0][0] = inputs[0]


def test_debug_mode_guard_catches_undeclared_views():
    x = T.dvector("x")
    s = theano.shared(np.array([1.0, 2.0]), "s")
    sneaky = _SneakyIdentity()
    f = theano.function([x], [sneaky(x), sneaky(s), sneaky(x)[::-1]], mode="DebugMode")
    a = np.array([3.0, 4.0])
    r = f(a)
    for k in range(3):
        r[k][...] = 0
    np.testing.assert_array_equal(a, [3, 4])
    np.testing.assert_array_equal(s.get_value(), [1, 2])
    g = theano.function([x], [], updates=[(s, sneaky(x))], mode="DebugMode")
    g(a)
    a[0] = -5
    np.testing.assert_array_equal(s.get_value(), [3, 4])


# -- trace and eval --------------------------------------------------------------------

def test_trace_returns_every_intermediate_value_and_applies_no_update():
    x = T.dvector("x")
    acc = theano.shared(np.float64(0.0), "acc")
    e = T.exp(x)
    total = e.sum() * 2
    f = theano.function([x], total, updates=[(acc, acc + total)], mode="FAST_COMPILE")
    tr = f.trace([0.0, 1.0])
    assert acc.get_value() == 0.0
    nodes = f.maker.fgraph.toposort()
    assert len(tr) == sum(len(n.outputs) for n in nodes)
    for var, val in tr:
        assert isinstance(val, np.ndarray)
        assert val.dtype == var.type.dtype and val.ndim == var.type.ndim
    values = [val for _, val in tr]
    assert any(val.shape == (2,) and np.allclose(val, np.exp([0.0, 1.0])) for val in values)
    assert any(val.shape == () and np.isclose(val, 2 * (1 + np.e)) for val in values)
    assert str(tr)  # printable
    # The function still works and still updates afterwards.
    f([0.0, 0.0])
    assert acc.get_value() == 4.0


def test_trace_checks_its_arguments():
    x = T.dvector("x")
    f = theano.function([x], x * 2)
    with pytest.raises(TypeError, match="dimensions"):
        f.trace([[1.0]])


def test_variable_eval():
    x, y = T.dvectors("x", "y")
    np.testing.assert_array_equal((x + y).eval({x: np.array([1.0, 2.0]), y: np.array([3.0, 4.0])}),
                                  [4.0, 6.0])
    assert (T.constant(2.0) * 3).eval() == 6.0
    s = theano.shared(np.array([1.0, 2.0]), "s")
    assert (s * 2).sum().eval() == 6.0
    s.set_value(np.array([5.0, 5.0]))
    assert (s * 2).sum().eval() == 20.0  # cached function, fresh value


def test_trace_reports_values_before_in_place_nodes_overwrite_them():
    x = T.dvector("x")
    y = T.exp(x) + 1
    z = T.dot(y, y) * y  # the product may overwrite y's buffer in place
    for device in ("numpy", "cpu"):
        f = theano.function([x], z, device=device)
        ey = np.exp([0.0, 1.0]) + 1
        # y is one fused node on C and an exp then an add on the (unfused) reference: either
        # way some recorded value must be y's, as it was before the product overwrote it.
        values = [val for v, val in f.trace(np.array([0.0, 1.0])) if np.shape(val) == (2,)]
        assert any(np.allclose(val, ey) for val in values), values
        np.testing.assert_allclose(f(np.array([0.0, 1.0])), ey.dot(ey) * ey)


def test_profile_reports_compile_phases_and_time_per_node():
    x = T.dmatrix("x")
    w = theano.shared(np.ones((20, 20)), "w")
    f = theano.function([x], T.tanh(T.dot(x, w)).sum(), profile=True)
    for _ in range(3):
        f(np.ones((10, 20)))
    p = f.profile
    assert p.calls == 3 and p.call_s > 0
    assert len(p.node_seconds) == len(f.maker.fgraph.toposort()) and all(t > 0 for t in p.node_seconds)
    text = p.summary()
    assert "rewriting" in text and "linking" in text and "Dot" in text
    g = theano.function([x], x * 2)
    assert g.profile is None  # no profiling cost unless asked
