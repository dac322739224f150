"""graph.fg: a FunctionGraph's construction, client lists, edits (replace, change_input, import
and pruning of nodes), features and validation."""
import pytest

from theano.graph.basic import Constant, io_toposort
from theano.graph.fg import FunctionGraph, InconsistencyError, MissingInputError

from .toy import FLOAT, INT, IntToFloat, Split, add, exp, mul, neg, var


class Recorder:
    """A feature that records every event it is told of."""

    def __init__(self):
        self.events = []

    def on_attach(self, fgraph):
        self.events.append(("attach",))

    def on_detach(self, fgraph):
        self.events.append(("detach",))

    def on_import(self, fgraph, node, reason):
        self.events.append(("import", node, reason))

    def on_prune(self, fgraph, node, reason):
        self.events.append(("prune", node, reason))

    def on_change_input(self, fgraph, node, i, old, new, reason):
        self.events.append(("change", node, i, old, new, reason))

    def kinds(self):
        return [e[0] for e in self.events]


class Refuser:
    """A feature whose validation refuses any graph that contains an op named `name`."""

    def __init__(self, name):
        self.name = name
        self.calls = 0

    def validate(self, fgraph):
        self.calls += 1
        if any(getattr(n.op, "name", None) == self.name for n in fgraph.apply_nodes):
            raise InconsistencyError(f"no {self.name} allowed")


def check_clients(fg):
    """Every client list says exactly who reads each variable."""
    expected = {v: [] for v in fg.variables}
    for node in fg.apply_nodes:
        for k, i in enumerate(node.inputs):
            expected[i].append((node, k))
    for k, o in enumerate(fg.outputs):
        expected[o].append(("output", k))
    assert set(fg.clients) == set(expected)
    for v, cl in fg.clients.items():
        assert sorted(map(repr, cl)) == sorted(map(repr, expected[v])), v
    assert fg.apply_nodes == set(io_toposort(fg.inputs, fg.outputs))
    # The variables are exactly those of the graph: the inputs, what the nodes read and make,
    # and the outputs (a constant nobody reads any more has left).
    in_graph = set(fg.inputs) | set(fg.outputs)
    for node in fg.apply_nodes:
        in_graph.update(node.inputs, node.outputs)
    assert fg.variables == in_graph


def graph():
    """x, y -> out = exp(x + y) * y, unclones: (fg, x, y, s, e, out)."""
    x, y = var("x"), var("y")
    s = add(x, y)
    e = exp(s)
    out = mul(e, y)
    return FunctionGraph([x, y], [out], clone=False), x, y, s, e, out


# -- construction ----------------------------------------------------------------------------

def test_construction_clones_by_default():
    x, y = var("x"), var("y")
    out = add(x, y)
    fg = FunctionGraph([x, y], [out])
    assert fg.inputs[0] is not x and fg.outputs[0] is not out
    assert [i.name for i in fg.inputs] == ["x", "y"]
    assert out.owner.inputs == [x, y]
    fg2 = FunctionGraph([x, y], [out], clone=False)
    assert fg2.inputs == [x, y] and fg2.outputs == [out]


def test_clients_after_construction():
    fg, x, y, s, e, out = graph()
    check_clients(fg)
    assert fg.clients[y] == [(s.owner, 1), (out.owner, 1)]
    assert fg.clients[out] == [("output", 0)]
    assert fg.variables == {x, y, s, e, out}


def test_an_input_with_an_owner_is_refused():
    x = var("x")
    y = neg(x)
    with pytest.raises(ValueError, match="must not have an owner"):
        FunctionGraph([y], [exp(y)], clone=False)


def test_a_missing_input_is_named_with_the_inputs():
    x, y = var("x"), var("y")
    with pytest.raises(MissingInputError, match=r"needs input y of type Toy\(float\).*\[x\]"):
        FunctionGraph([x], [add(x, y)], clone=False)


def test_constants_need_not_be_inputs_and_leave_when_nobody_reads_them():
    x = var("x")
    c = Constant(FLOAT, 1.0)
    fg = FunctionGraph([x], [mul(add(x, c), c)], clone=False)
    s = fg.outputs[0].owner.inputs[0]
    assert c in fg.variables and fg.clients[c] == [(s.owner, 1), (fg.outputs[0].owner, 1)]
    fg.replace(s, neg(x))
    assert c in fg.variables
    check_clients(fg)
    fg.replace(fg.outputs[0], exp(x))
    assert c not in fg.variables and c not in fg.clients
    check_clients(fg)


# -- replace ---------------------------------------------------------------------------------

def test_replace_moves_every_client_and_prunes_what_nobody_reads():
    fg, x, y, s, e, out = graph()
    rec = Recorder()
    fg.attach_feature(rec)
    new_s = mul(x, y)
    fg.replace(s, new_s, reason="test")
    check_clients(fg)
    assert e.owner.inputs == [new_s]
    assert s not in fg.variables and s.owner not in fg.apply_nodes
    assert new_s.owner in fg.apply_nodes
    assert rec.kinds() == ["attach", "import", "change", "prune"]
    assert rec.events[1] == ("import", new_s.owner, "test")
    assert rec.events[2] == ("change", e.owner, 0, s, new_s, "test")
    assert rec.events[3] == ("prune", s.owner, "test")


def test_replace_of_an_output():
    fg, x, y, s, e, out = graph()
    fg.replace(out, e)
    assert fg.outputs == [e]
    check_clients(fg)
    assert out.owner not in fg.apply_nodes


def test_replace_by_an_existing_variable_imports_nothing():
    fg, x, y, s, e, out = graph()
    rec = Recorder()
    fg.attach_feature(rec)
    fg.replace(e, s)
    assert rec.kinds() == ["attach", "change", "prune"]
    assert out.owner.inputs == [s, y]
    check_clients(fg)


def test_replace_of_another_type_raises_naming_both_types():
    a, b = var("a", INT), var("b", INT)
    out = IntToFloat()(add(a, b))
    fg = FunctionGraph([a, b], [out], clone=False)
    s = out.owner.inputs[0]
    with pytest.raises(InconsistencyError, match=r"of type Toy\(int\) by .* of type Toy\(float\)"):
        fg.replace(s, var("f", FLOAT), reason="bad")
    assert out.owner.inputs == [s]
    check_clients(fg)


def test_replace_by_a_variable_that_needs_a_missing_input_leaves_the_graph_unchanged():
    fg, x, y, s, e, out = graph()
    z = var("z")
    with pytest.raises(MissingInputError, match="needs input z"):
        fg.replace(s, add(x, z))
    assert e.owner.inputs == [s]
    check_clients(fg)
    assert len(fg.apply_nodes) == 3


def test_replace_all_and_identity_replacements():
    fg, x, y, s, e, out = graph()
    fg.replace(s, s)
    check_clients(fg)
    fg.replace_all([(s, mul(x, x)), (e, neg(y))])
    check_clients(fg)
    assert [n.op.name for n in fg.toposort()] == ["neg", "mul"]


def test_replace_validate_asks_the_features_and_reverts_when_one_refuses():
    fg, x, y, s, e, out = graph()
    ref = Refuser("neg")
    fg.attach_feature(ref)
    before = fg.toposort()
    with pytest.raises(InconsistencyError, match="no neg allowed"):
        fg.replace_all_validate([(s, mul(x, y)), (e, neg(y))], reason="try")
    assert fg.toposort() == before and e.owner.inputs == [s]
    check_clients(fg)
    fg.replace_validate(s, mul(x, y))
    assert ref.calls == 2 and [n.op.name for n in fg.toposort()] == ["mul", "exp", "mul"]
    check_clients(fg)


def test_replace_all_validate_undoes_earlier_pairs_when_a_later_one_fails():
    fg, x, y, s, e, out = graph()
    before = fg.toposort()
    with pytest.raises(MissingInputError, match="needs input z"):
        fg.replace_all_validate([(s, mul(x, y)), (e, add(x, var("z")))])
    assert fg.toposort() == before and e.owner.inputs == [s]
    check_clients(fg)
    with pytest.raises(InconsistencyError, match=r"Toy\(float\) by .* of type Toy\(int\)"):
        fg.replace_all_validate([(s, mul(x, y)), (e, var("i", INT))])
    assert fg.toposort() == before
    check_clients(fg)


# -- change_input and imports ----------------------------------------------------------------

def test_change_input_updates_both_client_lists():
    fg, x, y, s, e, out = graph()
    fg.change_input(out.owner, 1, x)
    assert out.owner.inputs == [e, x]
    check_clients(fg)
    fg.change_input("output", 0, s)
    assert fg.outputs == [s]
    check_clients(fg)
    assert fg.apply_nodes == {s.owner}


def test_change_input_imports_a_whole_new_subgraph_in_order():
    fg, x, y, s, e, out = graph()
    rec = Recorder()
    fg.attach_feature(rec)
    a = neg(x)
    b = exp(a)
    c = mul(b, a)
    fg.change_input(out.owner, 1, c, reason="grow")
    imported = [ev[1] for ev in rec.events if ev[0] == "import"]
    assert imported == [a.owner, b.owner, c.owner]
    check_clients(fg)


def test_a_node_read_twice_stays_until_its_last_reader_goes():
    x = var("x")
    s = neg(x)
    out = add(s, s)
    fg = FunctionGraph([x], [out], clone=False)
    fg.change_input(out.owner, 0, x)
    assert s.owner in fg.apply_nodes
    fg.change_input(out.owner, 1, x)
    assert s.owner not in fg.apply_nodes
    check_clients(fg)


def test_a_multi_output_node_is_pruned_only_when_no_output_is_read():
    x = var("x")
    a, b = Split()(x)
    out = add(a, b)
    fg = FunctionGraph([x], [out], clone=False)
    fg.change_input(out.owner, 0, x)
    assert a.owner in fg.apply_nodes
    fg.change_input(out.owner, 1, x)
    assert a.owner not in fg.apply_nodes and a not in fg.variables and b not in fg.variables
    check_clients(fg)


def test_replacing_one_of_two_outputs_keeps_the_other():
    x, y = var("x"), var("y")
    s = add(x, y)
    fg = FunctionGraph([x, y], [exp(s), s], clone=False)
    fg.replace(s, mul(x, y))
    assert fg.outputs[1].owner.op.name == "mul" and fg.outputs[0].owner.inputs == [fg.outputs[1]]
    check_clients(fg)


# -- features --------------------------------------------------------------------------------

def test_features_attach_once_and_detach():
    fg, *_ = graph()
    rec = Recorder()
    fg.attach_feature(rec)
    fg.attach_feature(rec)
    assert rec.kinds() == ["attach"]
    fg.remove_feature(rec)
    assert rec.kinds() == ["attach", "detach"]
    fg.replace(fg.outputs[0], fg.inputs[0])
    assert rec.kinds() == ["attach", "detach"]


def test_features_given_at_construction_see_the_built_graph():
    seen = []

    class Counter:
        def on_attach(self, fgraph):
            seen.append(len(fgraph.apply_nodes))

    x = var("x")
    FunctionGraph([x], [exp(neg(x))], features=[Counter()], clone=False)
    assert seen == [2]


# -- reading ---------------------------------------------------------------------------------

def test_toposort_and_orderings():
    fg, x, y, s, e, out = graph()
    assert fg.toposort() == [s.owner, e.owner, out.owner]
    # Two independent nodes; an extra ordering puts the second one first.
    a, b = neg(x), exp(y)
    fg2 = FunctionGraph([x, y], [a, b], clone=False)
    assert fg2.toposort() == [a.owner, b.owner]
    fg2.orderings = lambda fgraph: {a.owner: [b.owner]}
    assert fg2.toposort() == [b.owner, a.owner]
    fg2.orderings = lambda fgraph: {a.owner: [b.owner], b.owner: [a.owner]}
    with pytest.raises(InconsistencyError, match="cycle"):
        fg2.toposort()


def test_clone_of_a_function_graph_is_independent():
    fg, x, y, s, e, out = graph()
    fg2, memo = fg.clone_get_equiv()
    assert fg2.inputs == [memo[x], memo[y]] and fg2.outputs == [memo[out]]
    assert not fg2.apply_nodes & fg.apply_nodes
    fg2.replace(memo[s], mul(*fg2.inputs))
    check_clients(fg2)
    check_clients(fg)
    assert e.owner.inputs == [s]
    assert len(fg.clone().apply_nodes) == 3
