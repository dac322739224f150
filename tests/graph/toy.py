"""Small types and ops for testing the graph layer on its own: no tensors, nothing compiled."""
from __future__ import annotations

from theano.graph.basic import Apply, Variable
from theano.graph.op import Op
from theano.graph.type import Type


class ToyType(Type):
    """Python numbers of one kind ('float' or 'int'); equal types have equal kinds."""

    def __init__(self, kind: str = "float"):
        self.kind = kind

    def filter(self, data, strict=False, allow_downcast=None):
        """`data` as this kind of number, or TypeError naming what it got."""
        if isinstance(data, bool) or not isinstance(data, (int, float)):
            raise TypeError(f"{self} cannot hold a {type(data).__name__}")
        if self.kind == "int":
            if isinstance(data, float) and (strict or data != int(data)):
                raise TypeError(f"{self} cannot hold the float {data}")
            return int(data)
        if strict and not isinstance(data, float):
            raise TypeError(f"{self} cannot hold the int {data} (strict)")
        return float(data)

    def __eq__(self, other):
        return type(other) is ToyType and other.kind == self.kind

    def __hash__(self):
        return hash((ToyType, self.kind))

    def __str__(self):
        return f"Toy({self.kind})"

    __repr__ = __str__


FLOAT = ToyType("float")
INT = ToyType("int")


def var(name: str | None = None, type: ToyType = FLOAT) -> Variable:
    """A graph input of `type`."""
    return type(name)


class Binary(Op):
    """f(a, b) of two variables of one type, output of that type; `name` tells ops apart."""

    __props__ = ("name",)

    def __init__(self, name: str = "add"):
        self.name = name

    def make_node(self, a, b):
        if a.type != b.type:
            raise TypeError(f"{self.name}: operand types differ: {a.type} and {b.type}")
        return Apply(self, [a, b], [a.type()])

    def perform(self, node, inputs, output_storage):
        a, b = inputs
        output_storage[0][0] = a + b if self.name == "add" else a * b


class Unary(Op):
    """g(a) of one variable."""

    __props__ = ("name",)

    def __init__(self, name: str = "neg"):
        self.name = name

    def make_node(self, a):
        return Apply(self, [a], [a.type()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = -inputs[0]


class Split(Op):
    """Two outputs from one input (a multi-output node)."""

    def make_node(self, a):
        return Apply(self, [a], [a.type(), a.type()])


class IntToFloat(Op):
    """Changes the type: an int input, a float output."""

    def make_node(self, a):
        return Apply(self, [a], [FLOAT()])


class AddInplace(Op):
    """a + b written into a's memory: destroys input 0. `elementwise` marks it as an elementwise
    op (it may read its destroyed input again at the same element)."""

    __props__ = ("elementwise",)
    destroy_map = {0: [0]}

    def __init__(self, elementwise: bool = False):
        self.elementwise = elementwise
        if elementwise:
            self.inplace_pattern = {0: 0}

    def make_node(self, a, b):
        return Apply(self, [a, b], [a.type()])


class DestroyBoth(Op):
    """Overwrites both of its inputs."""

    destroy_map = {0: [0, 1]}

    def make_node(self, a, b):
        return Apply(self, [a, b], [a.type()])


class View(Op):
    """Output 0 shares the memory of input 0 (a transpose, a reshape)."""

    view_map = {0: [0]}

    def make_node(self, a):
        return Apply(self, [a], [a.type()])


add = Binary("add")
mul = Binary("mul")
neg = Unary("neg")
exp = Unary("exp")
view = View()
add_inplace = AddInplace()
