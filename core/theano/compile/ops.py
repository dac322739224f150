"""Small ops of Theano 1.0's `theano.compile.ops`: `as_op` (an op from a Python function),
`ViewOp` (the identity, as a view) and the shape ops it re-exported."""
from __future__ import annotations

import copy
import importlib
from typing import Any, Callable, Sequence

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..tensor.basic import Rebroadcast, as_tensor_variable as _as_tensor
from ..tensor.shape import Shape, Shape_i, SpecifyShape, shape, specify_shape

__all__ = ["DeepCopyOp", "deep_copy_op", "FromFunctionOp", "as_op", "ViewOp", "view_op", "Rebroadcast", "Shape", "Shape_i", "SpecifyShape",
           "shape", "specify_shape"]


class FromFunctionOp(Op):
    """An op whose values come from a Python function of the input values (see `as_op`); it
    has no gradient and runs on the host."""

    __props__ = ("fn", "itypes", "otypes", "infer_shape_fn")

    def __init__(self, fn: Callable[..., Any], itypes: Sequence[Any], otypes: Sequence[Any],
                 infer_shape: Callable[..., Any] | None):
        self.fn = fn
        self.itypes, self.otypes = tuple(itypes), tuple(otypes)
        self.infer_shape_fn = infer_shape
        self.__name__ = getattr(fn, "__name__", "FromFunctionOp")
        self.__doc__ = fn.__doc__
        if infer_shape is not None:
            self.infer_shape = self._infer_shape  # only ops that can tell their shapes say so

    def __str__(self) -> str:
        return f"FromFunctionOp{{{self.__name__}}}"

    def make_node(self, *inputs: Any) -> Apply:
        if len(inputs) != len(self.itypes):
            raise TypeError(f"{self}: {len(self.itypes)} inputs expected, {len(inputs)} given")
        ins = []
        for k, (v, t) in enumerate(zip(inputs, self.itypes)):
            if not isinstance(v, Variable):
                v = t.make_constant(t.filter(v))
            if v.type != t:
                conv = t.convert_variable(v)
                if conv is None:
                    raise TypeError(f"{self}: input {k} has type {v.type}, expected {t}")
                v = conv
            ins.append(v)
        return Apply(self, ins, [t() for t in self.otypes])

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        outs = self.fn(*inputs)
        if len(self.otypes) == 1:
            outs = [outs]
        for k, (store, t) in enumerate(zip(output_storage, self.otypes)):
            store[0] = t.filter(outs[k], allow_downcast=True)

    def _infer_shape(self, node: Apply, input_shapes: Sequence[Any]) -> list:
        return list(self.infer_shape_fn(node, input_shapes))

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        raise NotImplementedError(f"{self} (made with as_op) has no gradient: write an Op with a grad method")

    def __reduce__(self) -> Any:
        # Pickled by reference to the decorated function, as Theano did.
        mod, name = getattr(self.fn, "__module__", None), getattr(self.fn, "__qualname__", None)
        if mod is None or name is None:
            raise TypeError(f"cannot pickle {self}: its function has no importable name")
        return (_load_as_op, (mod, name))


def _load_as_op(module: str, qualname: str) -> Any:
    obj = importlib.import_module(module)
    for part in qualname.split("."):
        obj = getattr(obj, part)
    return obj


def as_op(itypes: Sequence[Any], otypes: Sequence[Any], infer_shape: Callable[..., Any] | None = None
          ) -> Callable[[Callable[..., Any]], FromFunctionOp]:
    """Decorator: make an op from a Python function of NumPy values, with the given input and
    output types (`@as_op(itypes=[T.dmatrix], otypes=[T.dvector])`). `infer_shape(node,
    input_shapes)` may give the output shapes."""
    if not isinstance(itypes, (list, tuple)):
        itypes = [itypes]
    if not isinstance(otypes, (list, tuple)):
        otypes = [otypes]
    if infer_shape is not None and not callable(infer_shape):
        raise TypeError("as_op: infer_shape must be callable")

    def make_op(fn: Callable[..., Any]) -> FromFunctionOp:
        return FromFunctionOp(fn, itypes, otypes, infer_shape)

    return make_op


class ViewOp(Op):
    """The identity, returning (a view of) its input; gradients pass through."""

    __props__ = ()
    view_map = {0: [0]}

    def make_node(self, x: Any) -> Apply:
        if not isinstance(x, Variable):
            x = _as_tensor(x)
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        return lambda x: x

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list:
        return list(shapes)

    def grad(self, inputs: Sequence[Variable], output_gradients: Sequence[Variable]) -> list:
        return list(output_gradients)

    def R_op(self, inputs: Sequence[Variable], eval_points: Sequence[Variable]) -> list:
        return list(eval_points)


view_op = ViewOp()


class DeepCopyOp(Op):
    """A copy of its input, so an output never aliases an input or another output."""

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node):
        def fn(x):
            return x.copy() if hasattr(x, "copy") else copy.deepcopy(x)

        return fn

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(inputs[0])

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def grad(self, inputs, gouts):
        return [gouts[0]]


deep_copy_op = DeepCopyOp()
"""The DeepCopyOp instance that guards compiled functions' outputs."""
