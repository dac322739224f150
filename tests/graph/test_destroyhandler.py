"""graph.destroyhandler: which in-place destructions are legal, and the orderings that make
them safe (every other reader of the overwritten memory runs first)."""
import pytest

from theano.graph.basic import Constant
from theano.graph.destroyhandler import DestroyHandler, destroyed_inputs, memory_roots, version_root
from theano.graph.fg import FunctionGraph, InconsistencyError

from .toy import FLOAT, AddInplace, DestroyBoth, add, add_inplace, exp, mul, neg, var, view


def fgraph(inputs, outputs):
    """A FunctionGraph (not cloned) with a DestroyHandler attached."""
    fg = FunctionGraph(inputs, outputs, clone=False)
    fg.attach_feature(DestroyHandler())
    return fg


def position(order, var):
    return order.index(var.owner)


@pytest.fixture
def xy():
    return var("x"), var("y")


def test_destroying_a_temporary_read_by_nobody_else_is_legal(xy):
    x, y = xy
    t = exp(x)
    d = add_inplace(t, y)
    fg = fgraph([x, y], [d])
    assert fg.destroy_handler.destroyers == {d.owner}
    assert fg.orderings(fg) == {}
    assert fg.toposort() == [t.owner, d.owner]


def destroyer_and_later_reader(x, y):
    """t = exp(x) overwritten by d = t + y, while r = -t also reads t: (fg, d, r, out)."""
    t = exp(x)
    d = add_inplace(t, y)
    r = neg(t)
    out = mul(d, r)  # the plain order would compute d before r
    return fgraph([x, y], [out]), d, r, out


def test_a_later_reader_of_the_destroyed_variable_is_ordered_before_the_destroyer(xy):
    fg, d, r, out = destroyer_and_later_reader(*xy)
    assert fg.orderings(fg) == {d.owner: [r.owner]}
    order = fg.toposort()
    assert position(order, r) < position(order, d) and order[-1] is out.owner


def test_readers_of_a_view_are_ordered_before_the_destroyer(xy):
    x, y = xy
    t = exp(x)
    v = view(t)
    r = neg(v)
    d = add_inplace(t, y)
    out = mul(d, r)
    fg = fgraph([x, y], [out])
    assert set(fg.orderings(fg)[d.owner]) == {v.owner, r.owner}
    order = fg.toposort()
    assert position(order, r) < position(order, d)


def test_destroying_through_a_view_orders_readers_of_the_viewed_variable(xy):
    x, y = xy
    t = exp(x)
    d = add_inplace(view(t), y)
    r = neg(t)
    out = mul(d, r)
    fg = fgraph([x, y], [out])
    order = fg.toposort()
    assert position(order, r) < position(order, d)


def test_two_destroyers_of_one_variable_are_refused(xy):
    x, y = xy
    t = exp(x)
    out = mul(add_inplace(t, y), add_inplace(t, x))
    with pytest.raises(InconsistencyError, match="both overwrite the memory of"):
        fgraph([x, y], [out])


def test_two_destroyers_of_one_memory_through_a_view_are_refused(xy):
    x, y = xy
    t = exp(x)
    out = mul(add_inplace(t, y), add_inplace(view(t), x))
    with pytest.raises(InconsistencyError, match="both overwrite"):
        fgraph([x, y], [out])


def test_a_chain_of_destroyers_is_legal_and_each_version_is_ordered(xy):
    x, y = xy
    t = exp(x)
    d1 = add_inplace(t, y)
    r = neg(d1)
    d2 = add_inplace(d1, y)
    out = mul(d2, r)
    fg = fgraph([x, y], [out])
    assert fg.orderings(fg) == {d2.owner: [r.owner]}
    order = fg.toposort()
    assert position(order, d1) < position(order, r) < position(order, d2)
    assert version_root(d1) is d1 and memory_roots(d2) == [t]


@pytest.mark.parametrize("what", ["input", "view of an input", "constant"])
def test_memory_the_caller_owns_is_never_destroyed(xy, what):
    x, y = xy
    target = {"input": x, "view of an input": view(x), "constant": Constant(FLOAT, 1.0)}[what]
    out = add_inplace(target, y)
    with pytest.raises(InconsistencyError, match="which the caller owns"):
        fgraph([x, y], [out])


@pytest.mark.parametrize("output_is_view", [False, True])
def test_memory_that_is_an_output_is_never_destroyed(xy, output_is_view):
    x, y = xy
    t = exp(x)
    first = view(t) if output_is_view else t
    with pytest.raises(InconsistencyError, match="output of the function"):
        fgraph([x, y], [first, add_inplace(t, y)])


def test_a_destroyer_may_not_read_its_destroyed_memory_through_another_input(xy):
    x, y = xy
    t = exp(x)
    with pytest.raises(InconsistencyError, match="reads the memory it overwrites through input 1"):
        fgraph([x, y], [add_inplace(t, view(t))])
    with pytest.raises(InconsistencyError, match="reads the memory"):
        fgraph([x, y], [add_inplace(t, t)])


def test_an_elementwise_destroyer_may_read_the_same_variable_but_not_a_view_of_it(xy):
    x, y = xy
    ew = AddInplace(elementwise=True)
    t = exp(x)
    fg = fgraph([x, y], [ew(t, t)])
    assert fg.orderings(fg) == {}
    t2 = exp(y)
    with pytest.raises(InconsistencyError, match="reads the memory"):
        fgraph([x, y], [ew(t2, view(t2))])


def test_destroying_one_memory_through_two_inputs_is_refused(xy):
    x, y = xy
    t = exp(x)
    node = DestroyBoth().make_node(t, t)
    assert destroyed_inputs(node) == [0, 1]
    with pytest.raises(InconsistencyError, match="through inputs 0 and 1"):
        fgraph([x], [node.outputs[0]])


def test_a_reader_that_needs_the_destroyers_result_and_the_old_value_is_a_cycle(xy):
    x, y = xy
    t = exp(x)
    d = add_inplace(t, y)
    out = add(d, t)  # must run before d (it reads t) and after it (it reads d)
    with pytest.raises(InconsistencyError, match="cycle"):
        fgraph([x, y], [out])


def test_replace_validate_keeps_a_legal_destroyer_and_reverts_an_illegal_one(xy):
    x, y = xy
    t = exp(x)
    s = add(t, y)
    r = neg(t)
    out = mul(s, r)
    fg = fgraph([x, y], [out])
    assert fg.destroy_handler.destroyers == set()
    with pytest.raises(InconsistencyError, match="caller owns"):
        fg.replace_validate(s, add_inplace(x, y))
    assert out.owner.inputs == [s, r] and fg.destroy_handler.destroyers == set()
    d = add_inplace(t, y)
    fg.replace_validate(s, d)
    assert fg.destroy_handler.destroyers == {d.owner}
    order = fg.toposort()
    assert position(order, r) < position(order, d)


def test_orderings_follow_edits_and_pruned_destroyers_are_forgotten(xy):
    x, y = xy
    fg, d, r, out = destroyer_and_later_reader(x, y)
    t = d.owner.inputs[0]
    assert fg.orderings(fg) == {d.owner: [r.owner]}
    fg.replace_validate(r, neg(x))  # t no longer read by anyone but d
    assert fg.orderings(fg) == {}
    fg.replace_validate(d, add(t, y))
    assert fg.destroy_handler.destroyers == set()


def test_one_handler_per_graph_and_detaching_removes_it(xy):
    x, y = xy
    fg = fgraph([x, y], [add(x, y)])
    dh = fg.destroy_handler
    with pytest.raises(ValueError, match="already has a DestroyHandler"):
        fg.attach_feature(DestroyHandler())
    fg.remove_feature(dh)
    assert not hasattr(fg, "destroy_handler") and not hasattr(fg, "orderings")
    fg.attach_feature(DestroyHandler())
    assert fg.destroy_handler is not dh


def test_a_handler_that_refuses_the_graph_is_not_left_attached(xy):
    x, y = xy
    fg = FunctionGraph([x, y], [add_inplace(x, y)], clone=False)
    with pytest.raises(InconsistencyError, match="caller owns"):
        fg.attach_feature(DestroyHandler())
    assert not hasattr(fg, "destroy_handler") and not hasattr(fg, "orderings")
    legal = add_inplace(exp(x), y)
    fg.replace_validate(fg.outputs[0], legal)
    fg.attach_feature(DestroyHandler())  # the graph is legal now: a handler attaches
    assert fg.destroy_handler.destroyers == {legal.owner}


def test_proven_order_checks_only_the_new_destroyers(xy):
    x, y = xy
    t = exp(x)
    s = add(t, y)
    fg = fgraph([x, y], [mul(s, t)])
    dh = fg.destroy_handler
    with dh.proven_order():
        # Still refused: the new destroyer itself is checked.
        with pytest.raises(InconsistencyError, match="caller owns"):
            fg.replace_validate(s, add_inplace(x, y))
    assert dh._new == set() and dh.destroyers == set()


def test_memory_roots_and_version_root_follow_views_and_destroyers(xy):
    x, y = xy
    t = exp(x)
    v = view(t)
    d = add_inplace(v, y)
    w = view(d)
    assert version_root(w) is d and version_root(v) is t
    assert memory_roots(w) == [t] and memory_roots(view(x)) == [x]
