"""Joining tensors: make_vector, concatenate, stack."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..scalar import basic as scal
from .basic import NotScalarConstantError, as_tensor_variable, cast, get_scalar_constant_value
from .type import TensorType
from ..graph.null_gradients import DisconnectedType
from ..graph.null_gradients import _is_disconnected
from .basic import patternbroadcast
from .basic import zeros_like
from .math import add
from .math import eq
from .math import switch
from .shape import reshape
from .shape import shape
from .shape import shape_padaxis

__all__ = ["MakeVector", "make_vector", "Join", "join", "concatenate", "stack"]


class MakeVector(Op):
    """A vector from scalars."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str = "int64"):
        self.dtype = dtype

    def make_node(self, *inputs):
        inputs = [as_tensor_variable(i) for i in inputs]
        for i in inputs:
            if i.type.ndim != 0:
                raise TypeError(f"MakeVector takes scalars, got {i.type}")
            if scal.upcast(self.dtype, i.type.dtype) != self.dtype and not (
                    self.dtype in scal.integer_dtypes and i.type.dtype in scal.integer_dtypes):
                raise TypeError(f"MakeVector({self.dtype}) cannot hold {i.type} without loss")
        return Apply(self, inputs, [TensorType(self.dtype, (len(inputs) == 1,))()])

    def make_py_fn(self, node):
        dt = self.dtype
        return lambda *xs: np.array(xs, dtype=dt)

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.array(inputs, dtype=self.dtype)

    def infer_shape(self, node, shapes):
        return [(len(node.inputs),)]

    def grad(self, inputs, gouts):
        (gz,) = gouts
        res = []
        for k, i in enumerate(inputs):
            if i.type.dtype in scal.discrete_dtypes:
                res.append(zeros_like(i, dtype="float64"))
            else:
                res.append(cast(gz[k], i.type.dtype))
        return res


def make_vector(*xs: Any, dtype: str | None = None) -> Variable:
    xs = [as_tensor_variable(x) for x in xs]
    if dtype is None:
        dtype = scal.upcast(*[x.type.dtype for x in xs]) if xs else "int64"
    return MakeVector(dtype)(*xs)


class Join(Op):
    """Concatenation along an axis given as the first input."""

    view_map: dict = {}

    def make_node(self, axis, *tensors):
        axis = as_tensor_variable(axis)
        tensors = [as_tensor_variable(t) for t in tensors]
        if not tensors:
            raise ValueError("join needs at least one tensor")
        nd = tensors[0].type.ndim
        if nd == 0:
            raise TypeError("join cannot concatenate scalars: use stack")
        for t in tensors:
            if t.type.ndim != nd:
                raise TypeError(f"join: all tensors need the same number of dimensions, got "
                                f"{', '.join(str(t.type) for t in tensors)}")
        dtype = scal.upcast(*[t.type.dtype for t in tensors])
        try:
            ax = int(get_scalar_constant_value(axis))
            if not -nd <= ax < nd:
                raise ValueError(f"join: axis {ax} out of range for {nd} dimensions")
            ax %= nd
            bcast = [all(t.type.broadcastable[k] for t in tensors) if k != ax else
                     (len(tensors) == 1 and tensors[0].type.broadcastable[k]) for k in range(nd)]
        except NotScalarConstantError:
            bcast = [False] * nd
        return Apply(self, [axis] + tensors, [TensorType(dtype, bcast)()])

    def make_py_fn(self, node):
        odt = node.outputs[0].type.dtype

        def fn(axis, *ts):
            try:
                return np.concatenate(ts, axis=int(axis)).astype(odt, copy=False)
            except ValueError as e:
                raise ValueError(f"join along axis {int(axis)}: shapes "
                                 f"{', '.join(str(t.shape) for t in ts)} do not match ({e})") from None

        return fn

    def infer_shape(self, node, shapes):
        axis = node.inputs[0]
        ts = shapes[1:]
        nd = len(ts[0])
        try:
            ax = int(get_scalar_constant_value(axis)) % nd
            out = list(ts[0])
            out[ax] = add(*[s[ax] for s in ts]) if len(ts) > 1 else ts[0][ax]
            return [tuple(out)]
        except NotScalarConstantError:
            ax = axis % nd
            return [tuple(switch(eq(ax, k), add(*[s[k] for s in ts]), ts[0][k]) for k in range(nd))]

    def L_op(self, inputs, outputs, gouts):
        axis, tensors = inputs[0], inputs[1:]
        (gz,) = gouts
        ax = int(get_scalar_constant_value(axis)) % tensors[0].type.ndim
        res = [DisconnectedType()()]
        start = as_tensor_variable(np.int64(0))
        for t in tensors:
            n = t.shape[ax]
            idx = [slice(None)] * ax + [slice(start, start + n)]
            g = _subtensor.getitem(gz, tuple(idx))
            if t.type.dtype in scal.discrete_dtypes:
                g = zeros_like(t, dtype="float64")
            else:
                g = patternbroadcast(cast(g, t.type.dtype), t.type.broadcastable)
            res.append(g)
            start = start + n
        return res

    def connection_pattern(self, node):
        return [[False]] + [[True] for _ in node.inputs[1:]]


join_ = Join()


def join(axis: Any, *tensors: Any) -> Variable:
    """Concatenate `tensors` along `axis`."""
    if len(tensors) == 1:
        return as_tensor_variable(tensors[0])
    return join_(axis, *tensors)


def concatenate(tensor_list: Sequence[Any], axis: int = 0) -> Variable:
    """Concatenate a list of tensors along an existing axis."""
    if not isinstance(tensor_list, (list, tuple)):
        raise TypeError("concatenate takes a list or tuple of tensors as first argument")
    return join(axis, *tensor_list)


def stack(*tensors: Any, axis: int = 0) -> Variable:
    """Stack tensors of equal shape along a new axis (`stack([a, b], axis=1)` or `stack(a, b)`)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    if not tensors:
        raise ValueError("stack needs at least one tensor")
    ts = [as_tensor_variable(t) for t in tensors]
    if axis == 0 and all(t.type.ndim == 0 for t in ts):
        return make_vector(*ts)
    return join(axis, *[shape_padaxis(t, axis) for t in ts])


# -- splitting, stacking 2-D tensors, rolling ----------------------------------------------

__all__ += ["Split", "split", "horizontal_stack", "vertical_stack", "roll"]


class Split(Op):
    """x cut along an axis into `len_splits` pieces of the given sizes (Theano's Split)."""

    __props__ = ("len_splits",)

    def __init__(self, len_splits: int):
        self.len_splits = int(len_splits)

    def make_node(self, x, axis, splits):
        x, axis, splits = as_tensor_variable(x), as_tensor_variable(axis), as_tensor_variable(splits)
        if x.type.ndim == 0:
            raise TypeError("split: cannot split a scalar")
        if axis.type.ndim != 0 or axis.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"split: axis must be an integer scalar, got {axis.type}")
        if splits.type.ndim != 1 or splits.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"split: the split sizes must be an integer vector, got {splits.type}")
        try:
            ax = int(get_scalar_constant_value(axis)) % x.type.ndim
            bcast = [b and k != ax for k, b in enumerate(x.type.broadcastable)]
        except NotScalarConstantError:
            bcast = [False] * x.type.ndim
        return Apply(self, [x, axis, splits], [TensorType(x.type.dtype, bcast)()
                                               for _ in range(self.len_splits)])

    def make_py_fn(self, node):
        n = self.len_splits

        def fn(x, axis, splits):
            axis = int(axis)
            if not -x.ndim <= axis < x.ndim:
                raise ValueError(f"split: axis {axis} out of range for an array of {x.ndim} dimensions")
            if len(splits) != n:
                raise ValueError(f"split: {len(splits)} split sizes given, {n} expected")
            splits = [int(s) for s in splits]
            if any(s < 0 for s in splits):
                raise ValueError(f"split: negative split size in {splits}")
            if sum(splits) != x.shape[axis]:
                raise ValueError(f"split: the sizes {splits} add up to {sum(splits)}, "
                                 f"not to the length {x.shape[axis]} of axis {axis}")
            cuts = np.cumsum(splits)[:-1]
            pieces = np.split(x, cuts, axis=axis)
            return tuple(pieces) if n != 1 else pieces[0]

        return fn

    def perform(self, node, inputs, output_storage):
        res = self.make_py_fn(node)(*inputs)
        for s, v in zip(output_storage, res if self.len_splits != 1 else (res,)):
            s[0] = v

    def infer_shape(self, node, shapes):
        x, axis, splits = node.inputs
        nd = x.type.ndim
        try:
            ax = int(get_scalar_constant_value(axis)) % nd
            return [tuple(splits[i] if k == ax else shapes[0][k] for k in range(nd))
                    for i in range(self.len_splits)]
        except NotScalarConstantError:
            ax = axis % nd
            return [tuple(switch(eq(ax, k), splits[i], shapes[0][k]) for k in range(nd))
                    for i in range(self.len_splits)]

    def L_op(self, inputs, outputs, gouts):
        x, axis, splits = inputs
        if x.type.dtype in scal.discrete_dtypes:
            return [zeros_like(x, dtype="float64"), DisconnectedType()(), DisconnectedType()()]
        # A piece whose gradient is missing contributes zeros of its own shape.
        parts = [zeros_like(o) if _is_disconnected(g) else g for o, g in zip(outputs, gouts)]
        return [join(axis, *parts) if len(parts) > 1 else parts[0],
                DisconnectedType()(), DisconnectedType()()]

    def connection_pattern(self, node):
        return [[True] * self.len_splits, [False] * self.len_splits, [False] * self.len_splits]


def split(x: Any, splits_size: Any, n_splits: int, axis: Any = 0) -> list[Variable]:
    """x cut along axis into n_splits pieces whose lengths are splits_size."""
    if isinstance(splits_size, (list, tuple)):
        splits_size = make_vector(*[as_tensor_variable(s) if isinstance(s, Variable) else np.int64(s)
                                    for s in splits_size], dtype="int64") if splits_size else \
            as_tensor_variable(np.zeros(0, dtype="int64"))
    out = Split(n_splits)(x, axis, splits_size)
    return out if isinstance(out, list) else [out]


def horizontal_stack(*args: Any) -> Variable:
    """Matrices side by side (concatenated along axis 1)."""
    if len(args) < 2:
        raise ValueError("horizontal_stack needs at least two tensors")
    ts = [as_tensor_variable(a) for a in args]
    for t in ts:
        if t.type.ndim != 2:
            raise TypeError(f"horizontal_stack takes matrices, got {t} of type {t.type}")
    return concatenate(ts, axis=1)


def vertical_stack(*args: Any) -> Variable:
    """Matrices one above the other (concatenated along axis 0)."""
    if len(args) < 2:
        raise ValueError("vertical_stack needs at least two tensors")
    ts = [as_tensor_variable(a) for a in args]
    for t in ts:
        if t.type.ndim != 2:
            raise TypeError(f"vertical_stack takes matrices, got {t} of type {t.type}")
    return concatenate(ts, axis=0)


def roll(x: Any, shift: Any, axis: int | None = None) -> Variable:
    """x rotated by shift positions along axis (the flattened x when axis is None), numpy.roll."""
    x = as_tensor_variable(x)
    if axis is None:
        if x.type.ndim > 1:
            return reshape(roll(x.flatten(), shift, 0), shape(x), ndim=x.type.ndim)
        axis = 0
    if not -x.type.ndim <= int(axis) < x.type.ndim:
        raise ValueError(f"roll: axis {axis} out of range for {x} of type {x.type}")
    axis = int(axis) % x.type.ndim
    # The last `shift` elements (taken modulo the length) come first.
    n = x.shape[axis]
    s = as_tensor_variable(shift) % n if isinstance(shift, Variable) else shift
    if isinstance(s, (int, np.integer)):
        s = as_tensor_variable(np.int64(s)) % n
    lead = (slice(None),) * axis
    return join(axis, _subtensor.getitem(x, lead + (slice(n - s, None),)),
                _subtensor.getitem(x, lead + (slice(None, n - s),)))


# Join's gradient and roll index with tensor.subtensor's getitem. This module loads in the
# middle of tensor.basic's own imports (at basic's end), so subtensor is bound as a module
# object once this module is complete: its names are read only when a function runs.
# cycle: tensor.join -> tensor.subtensor -> tensor -> tensor.join
from . import subtensor as _subtensor  # noqa: E402
