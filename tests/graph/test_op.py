"""graph.op: Op's two meanings (perform and make_py_fn, each defined through the other by
default), equality by props, calling, and the errors make_node raises."""
import inspect
import os

import numpy as np
import pytest

import theano.tensor as T
from theano.graph.basic import Apply, NoParams
from theano.graph.fg import FunctionGraph
from theano.graph.op import Op, describe_inputs
from theano.rewrite.basic import MergeRewriter

from .toy import INT, Binary, Split, Unary, add, var


class _Halves(Op):
    """Defines make_py_fn only: (x / 2, x % 2) or just x / 2."""

    def __init__(self, nout):
        self.nout = nout

    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type() for _ in range(self.nout)])

    def make_py_fn(self, node):
        if self.nout == 1:
            return lambda x: x / 2
        return lambda x: (x / 2, x % 2)


class _Nothing(Op):
    def make_node(self, x):
        x = T.as_tensor_variable(x)
        return Apply(self, [x], [x.type()])


@pytest.mark.parametrize("nout", [1, 2])
def test_default_perform_goes_through_make_py_fn(nout):
    node = _Halves(nout).make_node(T.dvector())
    store = [[None] for _ in range(nout)]
    node.op.perform(node, [np.array([3.0, 4.0])], store)
    np.testing.assert_array_equal(store[0][0], [1.5, 2.0])
    if nout == 2:
        np.testing.assert_array_equal(store[1][0], [1.0, 0.0])


def test_an_op_with_neither_meaning_says_so():
    node = _Nothing().make_node(T.dvector())
    with pytest.raises(NotImplementedError, match="neither perform nor make_py_fn"):
        node.op.perform(node, [np.zeros(2)], [[None]])
    with pytest.raises(NotImplementedError):
        node.op.make_py_fn(node)(np.zeros(2))


# -- identity, calling and errors (with the toy ops of tests/graph/toy.py) ------------------------

def test_ops_are_equal_when_their_class_and_props_are():
    assert Binary("add") == add and hash(Binary("add")) == hash(add)
    assert Binary("mul") != add
    assert Unary("add") != add  # another class, same props
    assert len({Binary("add"), add, Binary("mul")}) == 2
    assert Split() == Split() and str(Split()) == "Split" and str(add) == "Binary{add}"


def test_calling_an_op_gives_its_output_or_outputs():
    x = var("x")
    assert add(x, x).owner.op is add
    a, b = Split()(x)
    assert a.owner is b.owner and (a.index, b.index) == (0, 1)


def test_default_output_picks_one_output():
    class SecondOfTwo(Split):
        default_output = 1

    x = var("x")
    out = SecondOfTwo()(x)
    assert out.index == 1 and out.owner.default_output is out
    with pytest.raises(AttributeError, match="several outputs and no default_output"):
        Split().make_node(x).default_output


def test_a_make_node_error_names_the_users_line_the_op_and_the_input_types():
    x, i = var("x"), var("i", INT)
    line = inspect.currentframe().f_lineno + 2
    with pytest.raises(TypeError) as info:
        add(x, i)
    msg = str(info.value)
    assert msg.startswith(f"{os.path.abspath(__file__)}:{line}: Binary{{add}} on inputs (Toy(float), Toy(int)): ")
    assert msg.endswith("operand types differ: Toy(float) and Toy(int)")


def test_describe_inputs_keeps_errors_short():
    assert describe_inputs([var(), np.zeros((2, 3), dtype="int32"), 1.5]) == "(Toy(float), int32(2, 3), float)"
    many = describe_inputs([var()] * 10)
    assert many == "(" + ", ".join(["Toy(float)"] * 6) + ", ... 4 more)"


def test_defaults_for_gradients_and_connections():
    x = var("x")
    node = add.make_node(x, x)
    assert node.op.connection_pattern(node) == [[True], [True]]
    assert node.op.do_constant_folding(node)
    assert node.run_params() is NoParams
    with pytest.raises(NotImplementedError, match="has no R_op"):
        add.R_op([x, x], [x, x])


class _Scale(Op):
    """A user's op in Theano 1.0 style: state in attributes, no __props__."""

    def __init__(self, k):
        self.k = k

    def make_node(self, x):
        return Apply(self, [x], [x.type()])


class _ScaleByType(_Scale):
    """The same, declaring that its attributes do not matter."""

    __props__ = ()


def test_ops_without_props_are_equal_only_with_equal_attributes():
    assert _Scale(2) != _Scale(3) and _Scale(2) == _Scale(2)
    assert hash(_Scale(2)) == hash(_Scale(2)) and len({_Scale(2), _Scale(2), _Scale(3)}) == 2
    assert _Scale(2) != _Scale("2")
    arr = np.arange(3.0)
    assert _Scale(arr) == _Scale(arr) and _Scale(arr) != _Scale(arr.copy())
    assert _ScaleByType(2) == _ScaleByType(3)  # declared: the props (none) decide
    assert _Scale(2) != _ScaleByType(2)


def test_merge_keeps_two_ops_without_props_that_differ():
    x = var("x")
    a, b, c = _Scale(2)(x), _Scale(3)(x), _Scale(2)(x)
    fg = FunctionGraph([x], [a, b, c], clone=False)
    MergeRewriter().apply(fg)
    assert fg.outputs[0] is not fg.outputs[1] and fg.outputs[0] is fg.outputs[2]
    assert [n.op.k for n in fg.toposort()] == [2, 3]
