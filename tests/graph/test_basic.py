"""graph.basic: Variables, Constants and Apply nodes; cloning; the walks over a graph."""
import sys

import pytest

from theano.graph.basic import (Apply, Constant, ancestors, clone, clone_get_equiv, clone_replace,
                                equal_computations, graph_inputs, io_toposort,
                                is_in_ancestors, variables)

from .toy import FLOAT, INT, IntToFloat, Split, add, exp, mul, neg, var


def small_graph():
    """x, y -> (x + y) * exp(x + y), with a constant 2 added: out = (s * e) + 2."""
    x, y = var("x"), var("y")
    s = add(x, y)
    e = exp(s)
    two = Constant(FLOAT, 2.0, name="two")
    out = add(mul(s, e), two)
    return x, y, s, e, two, out


# -- identity, equality and hashing --------------------------------------------------------------

def test_variables_are_equal_only_to_themselves():
    a, b = var("a"), var("a")
    assert a == a and a != b
    assert len({a, b, a}) == 2
    assert hash(a) == hash(a)


def test_constants_compare_by_identity_but_equals_compares_type_and_value():
    c1, c2, c3 = Constant(FLOAT, 2.0), Constant(FLOAT, 2), Constant(FLOAT, 3.0)
    ci = Constant(INT, 2)
    assert c1 != c2 and len({c1, c2}) == 2
    assert c1.equals(c2) and c1.signature() == c2.signature()
    assert not c1.equals(c3)
    assert not c1.equals(ci)  # same value, another type
    assert not c1.equals(var())
    assert c2.data == 2.0 and isinstance(c2.data, float)  # filtered by the type


def test_a_constant_refuses_data_its_type_cannot_hold():
    with pytest.raises(TypeError, match=r"Toy\(int\) cannot hold the float 2.5"):
        Constant(INT, 2.5)


def test_apply_nodes_are_equal_only_to_themselves_even_with_equal_ops_and_inputs():
    x, y = var(), var()
    n1, n2 = add.make_node(x, y), add.make_node(x, y)
    assert n1.op == n2.op and n1 != n2
    assert len({n1, n2}) == 2


def test_apply_sets_owner_and_index_of_its_outputs():
    x = var()
    node = Split().make_node(x)
    assert [o.owner for o in node.outputs] == [node, node]
    assert [o.index for o in node.outputs] == [0, 1]
    assert node.nin == 1 and node.nout == 2
    assert node.get_parents() == [x] and node.outputs[1].get_parents() == [node]
    assert x.get_parents() == []
    with pytest.raises(AttributeError, match="2 outputs"):
        node.out


def test_apply_refuses_an_output_of_another_node_and_non_variable_inputs():
    x = var()
    owned = neg(x)
    with pytest.raises(ValueError, match="output 0 already belongs to another Apply"):
        Apply(neg, [x], [owned])
    with pytest.raises(TypeError, match="inputs of an Apply must be Variables, got float"):
        Apply(neg, [1.5], [FLOAT()])


def test_str_of_variables_and_nodes():
    x = var("x")
    y = neg(x)
    assert str(x) == "x" and str(y) == "Unary{neg}.0"
    assert str(y.owner) == "Unary{neg}(x)"
    assert str(var()) == "<Toy(float)>"
    assert str(Constant(FLOAT, 1.5)) == "1.5"


# -- Variable, Constant and Apply clones ---------------------------------------------------------

def test_variable_clone_has_the_type_name_and_a_copy_of_the_tag_and_no_owner():
    x = var("x")
    x.tag.note = "kept"
    y = neg(x)
    cy = y.clone()
    assert cy is not y and cy.type == y.type and cy.name == y.name
    assert cy.owner is None and cy.index is None
    cx = x.clone()
    assert cx.tag.note == "kept"
    cx.tag.note = "changed"
    assert x.tag.note == "kept"  # the tag is a copy, not shared


def test_constant_clone_keeps_the_value():
    c = Constant(FLOAT, 4.0, name="four")
    cc = c.clone()
    assert cc is not c and isinstance(cc, Constant) and cc.equals(c) and cc.name == "four"


def test_apply_clone_with_new_inputs():
    x, y, z = var("x"), var("y"), var("z")
    node = add.make_node(x, y)
    new = node.clone_with_new_inputs([x, z])
    assert new is not node and new.op == node.op and new.inputs == [x, z]
    assert new.outputs[0] is not node.outputs[0] and new.outputs[0].owner is new
    assert node.inputs == [x, y]  # the original is untouched
    with pytest.raises(ValueError, match="2 inputs expected, 1 given"):
        node.clone_with_new_inputs([x])


def test_clone_with_new_inputs_of_another_type_names_the_type_or_rebuilds():
    i = var("i", INT)
    node = IntToFloat().make_node(i)
    f = var("f", FLOAT)
    with pytest.raises(TypeError, match=r"input 0 of type Toy\(int\) by f of type Toy\(float\)"):
        node.clone_with_new_inputs([f])
    a, b = var("a", INT), var("b", INT)
    sum_node = add.make_node(a, b)
    rebuilt = sum_node.clone_with_new_inputs([var(type=FLOAT), var(type=FLOAT)], strict=False)
    assert rebuilt.outputs[0].type == FLOAT  # make_node ran again for the new types


# -- walks -------------------------------------------------------------------------------------

def test_ancestors_include_the_outputs_and_stop_at_blockers():
    x, y, s, e, two, out = small_graph()
    anc = ancestors([out])
    assert anc[0] is out
    assert {x, y, s, e, two, out} <= set(anc)
    assert len(anc) == len(set(anc))  # each once, though s is read twice
    blocked = ancestors([out], blockers=[s])
    assert s in blocked and x not in blocked and y not in blocked


def test_graph_inputs_are_the_roots_constants_included():
    x, y, s, e, two, out = small_graph()
    assert set(graph_inputs([out])) == {x, y, two}
    assert set(graph_inputs([out], blockers=[s])) == {s, two}
    assert graph_inputs([x]) == [x]


def test_graph_inputs_order_is_deterministic_and_follows_the_inputs_order():
    x, y = var("x"), var("y")
    assert graph_inputs([add(x, y)]) == [x, y]
    assert graph_inputs([add(y, x)]) == [y, x]


def _check_topological(order, inputs=()):
    seen = set(inputs)
    for node in order:
        for i in node.inputs:
            assert i.owner is None or i in seen or i.owner not in order, f"{node} before {i}"
        seen.update(node.outputs)


def test_io_toposort_puts_each_node_after_the_nodes_it_reads():
    x, y, s, e, two, out = small_graph()
    order = io_toposort([x, y], [out])
    assert len(order) == 4 and len(set(order)) == 4
    _check_topological(order)
    assert order[0] is s.owner and order[-1] is out.owner


def test_io_toposort_is_deterministic_and_the_same_on_a_clone():
    x, y, s, e, two, out = small_graph()
    order = io_toposort([x, y], [out])
    assert io_toposort([x, y], [out]) == order
    memo = clone_get_equiv([x, y], [out])
    corder = io_toposort([memo[x], memo[y]], [memo[out]])
    assert corder == [memo[n] for n in order]


def test_io_toposort_stops_at_the_given_inputs_and_covers_several_outputs():
    x, y, s, e, two, out = small_graph()
    assert io_toposort([s], [out]) == [e.owner, out.owner.inputs[0].owner, out.owner]
    assert io_toposort([x, y], [s, e]) == [s.owner, e.owner]
    assert io_toposort([x, y], [x]) == []


def test_io_toposort_of_a_deep_chain_does_not_overflow_the_stack():
    x = var("x")
    v = x
    depth = sys.getrecursionlimit() * 3
    for _ in range(depth):
        v = neg(v)
    order = io_toposort([x], [v])
    assert len(order) == depth and order[0].inputs[0] is x and order[-1].outputs[0] is v


def test_io_toposort_reports_a_cycle():
    x = var("x")
    a = neg(x)
    b = exp(a)
    a.owner.inputs[0] = b  # a reads b, b reads a
    with pytest.raises(ValueError, match="cycle"):
        io_toposort([x], [b])


def test_is_in_ancestors_and_variables():
    x, y, s, e, two, out = small_graph()
    assert is_in_ancestors(out.owner, s.owner)
    assert not is_in_ancestors(s.owner, out.owner)
    vs = variables([x, y], [out])
    assert set(vs) == {x, y, s, e, two, out, out.owner.inputs[0]} and len(vs) == len(set(vs))


# -- clone -------------------------------------------------------------------------------------

def test_clone_copies_inputs_nodes_and_outputs_and_leaves_the_original_alone():
    x, y, s, e, two, out = small_graph()
    before = io_toposort([x, y], [out])
    (nx, ny), (nout,) = clone([x, y], [out])
    assert nx is not x and ny is not y and nout is not out
    assert (nx.name, ny.name, nx.type) == ("x", "y", FLOAT)
    new_nodes = io_toposort([nx, ny], [nout])
    assert not set(new_nodes) & set(before)
    assert [n.op for n in new_nodes] == [n.op for n in before]
    assert equal_computations([out], [nout], [x, y], [nx, ny])
    assert io_toposort([x, y], [out]) == before and s.owner.inputs == [x, y]


def test_clone_without_copying_inputs_reads_the_same_inputs():
    x, y, s, e, two, out = small_graph()
    (nx, ny), (nout,) = clone([x, y], [out], copy_inputs=False)
    assert nx is x and ny is y and nout is not out
    assert nout.owner not in io_toposort([x, y], [out])
    (ntwo,) = set(graph_inputs([nout])) - {x, y}
    assert ntwo is not two and ntwo.equals(two)  # constants are copied all the same


def test_clone_copies_a_constant_once_for_all_its_readers():
    x = var("x")
    c = Constant(FLOAT, 3.0)
    out = add(mul(x, c), c)
    memo = clone_get_equiv([x], [out])
    nc = memo[c]
    assert nc is not c and nc.equals(c)
    nout = memo[out]
    assert nout.owner.inputs[1] is nc and nout.owner.inputs[0].owner.inputs[1] is nc


def test_clone_get_equiv_maps_every_node_and_variable():
    x, y, s, e, two, out = small_graph()
    memo = clone_get_equiv([x, y], [out])
    for node in io_toposort([x, y], [out]):
        new = memo[node]
        assert new.op == node.op and new.inputs == [memo[i] for i in node.inputs]
        assert [memo[o] for o in node.outputs] == new.outputs
    for v in (x, y, s, e, two, out):
        assert memo[v].type == v.type and memo[v] is not v


def test_clone_get_equiv_keeps_names_and_tags_of_outputs():
    x = var("x")
    y = neg(x)
    y.name = "y"
    y.tag.note = 1
    memo = clone_get_equiv([x], [y])
    assert memo[y].name == "y" and memo[y].tag.note == 1


def test_clone_get_equiv_stops_at_a_variable_already_in_the_memo():
    # A given: s replaced by z, so nothing above s is copied.
    x, y, s, e, two, out = small_graph()
    z = var("z")
    memo = clone_get_equiv([], [out], memo={s: z})
    assert memo[e].owner.inputs == [z]
    assert x not in memo and y not in memo and s.owner not in memo


def test_clone_of_a_multi_output_node_copies_it_once():
    x = var("x")
    a, b = Split()(x)
    out = add(a, b)
    (nx,), (nout,) = clone([x], [out])
    na, nb = nout.owner.inputs
    assert na.owner is nb.owner and (na.index, nb.index) == (0, 1) and na.owner.inputs == [nx]


# -- equal_computations and clone_replace -------------------------------------------------------

def test_equal_computations():
    x, y = var("x"), var("y")
    assert equal_computations([add(x, y)], [add(x, y)])
    assert not equal_computations([add(x, y)], [add(y, x)])
    assert not equal_computations([add(x, y)], [mul(x, y)])
    assert equal_computations([add(x, Constant(FLOAT, 1.0))], [add(x, Constant(FLOAT, 1))])
    assert not equal_computations([add(x, Constant(FLOAT, 1.0))], [add(x, Constant(FLOAT, 2.0))])
    z = var("z")
    assert equal_computations([neg(x)], [neg(z)], [x], [z])
    assert not equal_computations([neg(x)], [neg(z)])
    assert not equal_computations([x], [x, y])


def test_equal_computations_when_one_side_shares_a_node_the_other_repeats():
    # Theano 1.0.5 says True in all three cases (checked with scan_utils.equal_computations).
    x = var("x")
    s, t1, t2 = exp(x), exp(x), exp(x)
    assert equal_computations([add(s, s)], [add(t1, t2)])
    assert equal_computations([add(t1, t2)], [add(s, s)])
    assert equal_computations([s, s], [t1, t2])
    assert not equal_computations([add(s, s)], [add(t1, neg(x))])


def test_clone_replace_substitutes_and_keeps_the_original():
    x, y, s, e, two, out = small_graph()
    z = var("z")
    new = clone_replace(out, {x: z})
    assert set(graph_inputs([new])) == {z, y, new.owner.inputs[1]}
    assert set(graph_inputs([out])) == {x, y, two}
    assert equal_computations([new], [out], [z, y], [x, y])
    pair = clone_replace([s, e], [(x, z)])
    assert isinstance(pair, list) and pair[1].owner.inputs[0] is pair[0]


def test_clone_replace_refuses_another_type_naming_both():
    x = var("x")
    out = neg(x)
    with pytest.raises(TypeError, match=r"type Toy\(float\) cannot be replaced by .* of type Toy\(int\)"):
        clone_replace(out, {x: var("i", INT)})
    with pytest.raises(ValueError, match="replace must be a dict"):
        clone_replace(out, 3)


def test_clone_replace_without_sharing_inputs_copies_them():
    x, y = var("x"), var("y")
    out = add(x, y)
    new = clone_replace(out, share_inputs=False)
    ins = graph_inputs([new])
    assert len(ins) == 2 and not set(ins) & {x, y} and [v.name for v in ins] == ["x", "y"]
    assert graph_inputs([clone_replace(out)]) == [x, y]
