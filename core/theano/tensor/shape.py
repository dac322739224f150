"""Shapes as symbolic values, and ops that change shape without touching data."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..graph.basic import Apply, Constant, Variable
from ..graph.op import Op
from ..scalar import basic as scal
from .basic import NotScalarConstantError, as_tensor_variable, get_scalar_constant_value
from .type import TensorType
from ..graph.null_gradients import DisconnectedType
from .basic import addbroadcast
from .basic import constant
from .basic import get_vector_length
from .basic import patternbroadcast

__all__ = ["Shape", "Shape_i", "shape", "shape_i", "Reshape", "reshape", "flatten", "squeeze",
           "shape_padleft", "shape_padright", "shape_padaxis", "specify_shape", "SpecifyShape"]


class Shape(Op):
    """The shape of a tensor, as an int64 vector."""

    def make_node(self, x):
        x = as_tensor_variable(x)
        return Apply(self, [x], [TensorType("int64", (False,))()])

    def make_py_fn(self, node):
        return lambda x: np.asarray(x.shape, dtype="int64")

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(np.shape(inputs[0]), dtype="int64")

    def infer_shape(self, node, shapes):
        return [(node.inputs[0].type.ndim,)]

    def grad(self, inputs, gouts):
        return [DisconnectedType()()]

    def connection_pattern(self, node):
        return [[False]]


_shape = Shape()


def shape(x: Any) -> Variable:
    """The shape of `x` as a symbolic int64 vector (indexable: shape(x)[0])."""
    return _shape(x)


class Shape_i(Op):
    """One entry of a tensor's shape, as an int64 scalar."""

    __props__ = ("i",)

    def __init__(self, i: int):
        self.i = int(i)

    def make_node(self, x):
        x = as_tensor_variable(x)
        if not 0 <= self.i < x.type.ndim:
            raise ValueError(f"Shape_i: axis {self.i} out of range for {x.type}")
        return Apply(self, [x], [TensorType("int64", ())()])

    def make_py_fn(self, node):
        i = self.i
        return lambda x: np.asarray(x.shape[i], dtype="int64")

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(np.shape(inputs[0])[self.i], dtype="int64")

    def infer_shape(self, node, shapes):
        return [()]

    def grad(self, inputs, gouts):
        return [DisconnectedType()()]

    def connection_pattern(self, node):
        return [[False]]


def shape_i(x: Any, i: int) -> Variable:
    x = as_tensor_variable(x)
    if x.type.broadcastable[i]:
        return constant(np.int64(1))
    return Shape_i(i)(x)


class Reshape(Op):
    """A new shape for the same elements (C order); one entry may be -1."""

    __props__ = ("ndim",)
    view_map = {0: [0]}

    def __init__(self, ndim: int, name: str | None = None):
        self.ndim = int(ndim)

    def make_node(self, x, shp):
        x = as_tensor_variable(x)
        shp = as_tensor_variable(shp, ndim=1)
        if shp.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"Reshape: the shape must be integers, got {shp.type}")
        bcast = [False] * self.ndim
        if isinstance(shp, Constant):
            data = [int(s) for s in np.asarray(shp.data).reshape(-1)]
            if len(data) != self.ndim:
                raise ValueError(f"Reshape: shape {tuple(data)} has {len(data)} entries, "
                                 f"{self.ndim} expected")
            if data.count(-1) > 1 or any(s < -1 for s in data):
                raise ValueError(f"Reshape: invalid shape {tuple(data)}: at most one entry may be "
                                 f"-1 and the others must be non-negative")
            bcast = [s == 1 for s in data]
        elif shp.owner is not None:
            if isinstance(shp.owner.op, _join.MakeVector):
                for k, s in enumerate(shp.owner.inputs):
                    try:
                        bcast[k] = int(get_scalar_constant_value(s)) == 1
                    except NotScalarConstantError:
                        pass
        return Apply(self, [x, shp], [TensorType(x.type.dtype, bcast)()])

    def make_py_fn(self, node):
        nd = self.ndim

        def fn(x, shp):
            if len(shp) != nd:
                raise ValueError(f"Reshape: shape {tuple(shp)} has {len(shp)} entries, {nd} expected")
            try:
                return np.reshape(x, tuple(int(s) for s in shp))
            except ValueError:
                raise ValueError(f"cannot reshape an array of shape {x.shape} ({x.size} elements) "
                                 f"into shape {tuple(int(s) for s in shp)}") from None

        return fn

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(np.asarray(inputs[0]), inputs[1])

    def infer_shape(self, node, shapes):
        x, shp = node.inputs
        out = []
        total = None
        for k in range(self.ndim):
            out.append(shp[k])
        # A -1 entry is size / product of the others.
        try:
            const = [int(get_scalar_constant_value(shp[k])) for k in range(self.ndim)]
            if -1 not in const:
                return [tuple(out)]
        except NotScalarConstantError:
            pass
        size = _math.prod(shapes[0]) if shapes[0] else as_tensor_variable(np.int64(1))
        known = _math.prod(shp)  # negative exactly when one entry is -1
        total = _math.switch(_math.eq(known, 0), 0, _math.int_div(size, -known))
        return [tuple(_math.switch(_math.eq(shp[k], -1), total, shp[k]) for k in range(self.ndim))]

    def L_op(self, inputs, outputs, gouts):
        (x, shp), (gz,) = inputs, gouts
        return [patternbroadcast(reshape(gz, shape(x), ndim=x.type.ndim), x.type.broadcastable),
                DisconnectedType()()]

    def connection_pattern(self, node):
        return [[True], [False]]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], inputs[1])]


def reshape(x: Any, newshape: Any, ndim: int | None = None) -> Variable:
    """`x` with shape `newshape` (a tuple/list that may hold symbolic scalars, or a vector)."""
    x = as_tensor_variable(x)
    if isinstance(newshape, (int, np.integer)) or (isinstance(newshape, Variable) and newshape.type.ndim == 0):
        newshape = [newshape]
    if isinstance(newshape, (list, tuple)):
        if any(isinstance(s, Variable) for s in newshape):
            newshape = _join.make_vector(*[as_tensor_variable(s) if isinstance(s, Variable) else
                                           np.int64(s) for s in newshape], dtype="int64")
        else:
            newshape = as_tensor_variable(np.asarray(newshape, dtype="int64"))
    newshape = as_tensor_variable(newshape)
    if ndim is None:
        try:
            ndim = get_vector_length(newshape)
        except ValueError:
            raise ValueError(f"reshape: the length of the new shape {newshape} is not known; pass "
                             f"ndim=") from None
    return Reshape(ndim)(x, newshape)


def flatten(x: Any, ndim: int = 1, outdim: int | None = None) -> Variable:
    """`x` with its trailing dimensions merged so that it has `ndim` dimensions."""
    x = as_tensor_variable(x)
    ndim = outdim if outdim is not None else ndim
    if not 1 <= ndim <= max(x.type.ndim, 1):
        raise ValueError(f"flatten: ndim must be between 1 and {x.type.ndim}, got {ndim}")
    s = shape(x)
    lead = [s[k] for k in range(ndim - 1)]
    return reshape(x, lead + [-1], ndim=ndim) if x.type.ndim else reshape(x, [1], ndim=1)


def squeeze(x: Any, axis: Any = None) -> Variable:
    """`x` without its broadcastable dimensions (or just those in `axis`)."""
    x = as_tensor_variable(x)
    if axis is None:
        axes = [k for k, b in enumerate(x.type.broadcastable) if b]
    else:
        axes = [int(a) % x.type.ndim for a in np.atleast_1d(axis)]
        for a in axes:
            if not x.type.broadcastable[a]:
                x = addbroadcast(x, a)
    return x.dimshuffle([k for k in range(x.type.ndim) if k not in axes])


def shape_padleft(x: Any, n_ones: int = 1) -> Variable:
    x = as_tensor_variable(x)
    return x.dimshuffle(["x"] * n_ones + list(range(x.type.ndim)))


def shape_padright(x: Any, n_ones: int = 1) -> Variable:
    x = as_tensor_variable(x)
    return x.dimshuffle(list(range(x.type.ndim)) + ["x"] * n_ones)


def shape_padaxis(x: Any, axis: int) -> Variable:
    x = as_tensor_variable(x)
    nd = x.type.ndim + 1
    if not -nd <= axis < nd:
        raise IndexError(f"shape_padaxis: axis {axis} out of range for {nd} dimensions")
    axis %= nd
    order = list(range(x.type.ndim))
    order.insert(axis, "x")
    return x.dimshuffle(order)


class SpecifyShape(Op):
    """Asserts at run time that a tensor has a given shape."""

    view_map = {0: [0]}

    def make_node(self, x, shp):
        x = as_tensor_variable(x)
        shp = as_tensor_variable(shp, ndim=1)
        return Apply(self, [x, shp], [x.type()])

    def make_py_fn(self, node):
        def fn(x, shp):
            if tuple(x.shape) != tuple(int(s) for s in shp):
                raise AssertionError(f"SpecifyShape: expected shape {tuple(shp)}, got {x.shape}")
            return x

        return fn

    def infer_shape(self, node, shapes):
        return [tuple(node.inputs[1][k] for k in range(node.inputs[0].type.ndim))]

    def grad(self, inputs, gouts):
        return [gouts[0], DisconnectedType()()]

    def connection_pattern(self, node):
        return [[True], [False]]


def specify_shape(x: Any, shp: Any) -> Variable:
    if isinstance(shp, (list, tuple)):
        shp = _join.make_vector(*shp, dtype="int64") if shp else np.zeros(0, dtype="int64")
    return SpecifyShape()(x, shp)


# Reshape's shape inference and the shape helpers call tensor.math and tensor.join, both of
# which import this module's names at their tops, so only the module objects are bound, once
# this module is complete: their names are read when a function runs. This module loads from
# math's top, itself loading from join's top (tensor.basic's end imports join first), so
# both are already partly loaded here.
# cycle: tensor.shape -> tensor.join -> tensor.shape
from . import join as _join  # noqa: E402
from . import math as _math  # noqa: E402
