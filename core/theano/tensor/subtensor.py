"""Basic indexing (integers and slices, symbolic or not), and writing into slices.

Integer-array and boolean-mask indexing live in `advanced_subtensor`; `getitem`
dispatches between the two, as NumPy does."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..graph.basic import Apply, Constant, Variable
from ..graph.op import Op
from ..scalar import basic as scal
from .basic import as_tensor_variable, cast
from .type import TensorType
from ..graph.null_gradients import DisconnectedType
from .basic import patternbroadcast
from .basic import zeros_like
from .math import sum as tsum

__all__ = ["Subtensor", "IncSubtensor", "getitem", "set_subtensor", "inc_subtensor", "nonzero"]

_SYM = "?"  # marks an index entry whose value is a symbolic input of the node


def _is_int_scalar(v: Any) -> bool:
    return isinstance(v, Variable) and getattr(v.type, "ndim", -1) == 0 and v.type.dtype in scal.integer_dtypes


def _entry(v: Any, inputs: list) -> Any:
    """An index component as stored in idx_list: None, an int, or _SYM (value in inputs)."""
    if v is None:
        return None
    if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
        return int(v)
    if isinstance(v, Constant) and np.ndim(v.data) == 0 and np.asarray(v.data).dtype.kind in "iu":
        return int(v.data)
    v = as_tensor_variable(v)
    if not _is_int_scalar(v):
        raise TypeError(f"an index must be an integer scalar, got {v} of type {v.type}")
    inputs.append(v)
    return _SYM


def _make_idx_list(index: Sequence[Any]) -> tuple[tuple, list]:
    inputs: list = []
    out = []
    for i in index:
        if isinstance(i, slice):
            out.append(slice(_entry(i.start, inputs), _entry(i.stop, inputs), _entry(i.step, inputs)))
        else:
            out.append(_entry(i, inputs))
    return tuple(out), inputs


def _fill_index(idx_list: tuple, values: Sequence[Any]) -> tuple:
    """The concrete index from idx_list and the symbolic entries' values."""
    it = iter(values)

    def get(e):
        return int(next(it)) if e == _SYM else e

    out = []
    for e in idx_list:
        if isinstance(e, slice):
            out.append(slice(get(e.start), get(e.stop), get(e.step)))
        else:
            out.append(get(e))
    return tuple(out)


def _idx_str(idx_list: tuple) -> str:
    def s(e):
        return "" if e is None else ("int64" if e == _SYM else str(e))

    parts = []
    for e in idx_list:
        if isinstance(e, slice):
            p = f"{s(e.start)}:{s(e.stop)}"
            if e.step is not None:
                p += f":{s(e.step)}"
            parts.append(p)
        else:
            parts.append(s(e))
    return ", ".join(parts)


def _slice_key(e: Any) -> Any:
    return ("slice", e.start, e.stop, e.step) if isinstance(e, slice) else e


class SliceLength(Op):
    """len(range(n)[start:stop:step]) for symbolic parts; `which` says which parts are given."""

    __props__ = ("which",)

    def __init__(self, which: tuple[bool, bool, bool]):
        self.which = tuple(which)

    def make_node(self, n, *parts):
        ins = [as_tensor_variable(n)] + [as_tensor_variable(p) for p in parts]
        return Apply(self, ins, [TensorType("int64", ())()])

    def make_py_fn(self, node):
        which = self.which

        def fn(n, *parts):
            it = iter(parts)
            s = slice(*[int(next(it)) if w else None for w in which])
            return np.asarray(len(range(*s.indices(int(n)))), dtype="int64")

        return fn

    def infer_shape(self, node, shapes):
        return [()]

    def connection_pattern(self, node):
        return [[False] for _ in node.inputs]


def slice_length(n: Any, start: Any, stop: Any, step: Any) -> Any:
    """The length of a slice of a dimension of length n; an int when all of it is known."""
    parts = (start, stop, step)
    if all(p is None or isinstance(p, int) for p in parts) and isinstance(n, (int, np.integer)):
        return len(range(*slice(*parts).indices(int(n))))
    if start is None and stop is None and step is None:
        return n
    which = tuple(p is not None for p in parts)
    return SliceLength(which)(n, *[p for p in parts if p is not None])


class Subtensor(Op):
    """x[idx] with integers and slices; the result is a view."""

    __props__ = ("idx_key",)
    view_map = {0: [0]}

    def __init__(self, idx_list: tuple):
        self.idx_list = tuple(idx_list)
        self.idx_key = tuple(_slice_key(e) for e in self.idx_list)

    def __str__(self) -> str:
        return f"Subtensor{{{_idx_str(self.idx_list)}}}"

    def make_node(self, x, *index_inputs):
        x = as_tensor_variable(x)
        if len(self.idx_list) > x.type.ndim:
            raise IndexError(f"too many indices for {x.type}: {len(self.idx_list)} given")
        index_inputs = [as_tensor_variable(i) for i in index_inputs]
        bcast = []
        for k, e in enumerate(self.idx_list):
            if isinstance(e, slice):
                b = x.type.broadcastable[k]
                if not b and e.step in (None, 1) and isinstance(e.start, int) and isinstance(e.stop, int):
                    b = e.stop - e.start == 1 and e.start >= 0
                bcast.append(b)
        bcast.extend(x.type.broadcastable[len(self.idx_list):])
        return Apply(self, [x] + index_inputs, [TensorType(x.type.dtype, bcast)()])

    def make_py_fn(self, node):
        idx_list = self.idx_list
        static = _SYM not in [c for e in idx_list for c in ((e.start, e.stop, e.step)
                                                             if isinstance(e, slice) else (e,))]
        if static:
            idx = idx_list

            def fn(x):
                r = x[idx]
                return r if type(r) is np.ndarray else np.asarray(r)
        else:
            def fn(x, *vals):
                r = x[_fill_index(idx_list, vals)]
                return r if type(r) is np.ndarray else np.asarray(r)
        return fn

    def infer_shape(self, node, shapes):
        x = node.inputs[0]
        vals = iter(node.inputs[1:])
        out = []
        for k, e in enumerate(self.idx_list):
            if isinstance(e, slice):
                comps = [next(vals) if c == _SYM else c for c in (e.start, e.stop, e.step)]
                out.append(slice_length(shapes[0][k], *comps))
            elif e == _SYM:
                next(vals)
        out.extend(shapes[0][len(self.idx_list):])
        return [tuple(out)]

    def L_op(self, inputs, outputs, gouts):
        x, rest = inputs[0], inputs[1:]
        (gz,) = gouts
        if x.type.dtype in scal.discrete_dtypes:
            first = zeros_like(x, dtype="float64")
        else:
            first = IncSubtensor(self.idx_list)(zeros_like(x), gz, *rest)
        return [first] + [DisconnectedType()() for _ in rest]

    def connection_pattern(self, node):
        return [[True]] + [[False] for _ in node.inputs[1:]]


class IncSubtensor(Op):
    """A copy of x with y added to (or written into, set_instead_of_inc) x[idx]."""

    __props__ = ("idx_key", "inplace", "set_instead_of_inc")

    def __init__(self, idx_list: tuple, inplace: bool = False, set_instead_of_inc: bool = False):
        self.idx_list = tuple(idx_list)
        self.idx_key = tuple(_slice_key(e) for e in self.idx_list)
        self.inplace = inplace
        self.set_instead_of_inc = set_instead_of_inc
        if inplace:
            self.destroy_map = {0: [0]}

    def __str__(self) -> str:
        kind = "Set" if self.set_instead_of_inc else "Inc"
        return f"{kind}Subtensor{{{'Inplace' if self.inplace else ''}{';' if self.inplace else ''}{_idx_str(self.idx_list)}}}"

    def make_node(self, x, y, *index_inputs):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        if y.type.ndim > x.type.ndim:
            raise ValueError(f"{self}: cannot write {y.type} into a part of {x.type}")
        if scal.upcast(x.type.dtype, y.type.dtype) != x.type.dtype:
            raise TypeError(f"{self}: writing {y.type.dtype} values into {x.type.dtype} would lose "
                            f"precision; cast them first")
        index_inputs = [as_tensor_variable(i) for i in index_inputs]
        return Apply(self, [x, y] + index_inputs, [x.type()])

    def make_py_fn(self, node):
        idx_list, set_ = self.idx_list, self.set_instead_of_inc
        inplace = self.inplace

        def fn(x, y, *vals):
            out = x if inplace else x.copy()
            idx = _fill_index(idx_list, vals)
            try:
                if set_:
                    out[idx] = y
                else:
                    out[idx] += y
            except ValueError as e:
                raise ValueError(f"cannot {'set' if set_ else 'increment'} x[{_idx_str(idx)}] "
                                 f"(x of shape {x.shape}) with a value of shape {np.shape(y)}: {e}") from None
            return out

        return fn

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, gouts):
        x, y, rest = inputs[0], inputs[1], inputs[2:]
        (gz,) = gouts
        if self.set_instead_of_inc:
            gx = IncSubtensor(self.idx_list, set_instead_of_inc=True)(gz, zeros_like(y), *rest)
        else:
            gx = gz
        gy = Subtensor(self.idx_list)(gz, *rest)
        gy = _sum_to(gy, y)
        return [gx, gy] + [DisconnectedType()() for _ in rest]

    def connection_pattern(self, node):
        return [[True], [True]] + [[False] for _ in node.inputs[2:]]


def _sum_to(g: Variable, y: Variable) -> Variable:
    """Reduce a gradient to the shape of `y`, which was broadcast into it."""
    extra = g.type.ndim - y.type.ndim
    if extra > 0:
        g = tsum(g, axis=list(range(extra)))
    axes = [k for k, b in enumerate(y.type.broadcastable) if b and not g.type.broadcastable[k]]
    if axes:
        g = tsum(g, axis=axes, keepdims=True)
    if y.type.dtype in scal.continuous_dtypes and g.type.dtype != y.type.dtype:
        g = cast(g, y.type.dtype)
    return patternbroadcast(g, y.type.broadcastable)


# -- the indexing front end -----------------------------------------------------------------

def _expand_index(x: Variable, index: Any) -> tuple[tuple, list[int]]:
    """Normalize: a tuple without Ellipsis; positions of np.newaxis (None) are returned apart."""
    if not isinstance(index, tuple):
        index = (index,)
    n_real = sum(1 for i in index if i is not None and i is not Ellipsis)
    if sum(1 for i in index if i is Ellipsis) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    out = []
    for i in index:
        if i is Ellipsis:
            out.extend([slice(None)] * (x.type.ndim - n_real))
        else:
            out.append(i)
    newaxes = [k for k, i in enumerate(out) if i is None]
    return tuple(out), newaxes


def _is_advanced(i: Any) -> bool:
    if isinstance(i, (slice, int, np.integer)) or i is None:
        return False
    if isinstance(i, Variable):
        return getattr(i.type, "ndim", 0) > 0 or getattr(i.type, "dtype", "") == "bool"
    if isinstance(i, (list, tuple)):
        return True  # a list index (of numbers or of symbolic scalars) is an array index
    arr = np.asarray(i)
    return arr.ndim > 0 or arr.dtype == bool


def getitem(x: Variable, index: Any) -> Variable:
    """x[index] with NumPy's semantics: integers, slices, None, Ellipsis, integer arrays and
    boolean masks, each possibly symbolic. A list holding a slice means the tuple of its items,
    as in Theano 1.0 (and old NumPy): x[[slice(1, 3), slice(0, 2)]] is x[1:3, 0:2]."""
    if isinstance(index, list) and any(isinstance(i, slice) for i in index):
        index = tuple(index)
    index, newaxes = _expand_index(x, index)
    if any(_is_advanced(i) for i in index):
        return _advanced_subtensor.advanced_getitem(x, index)
    real = tuple(i for i in index if i is not None)
    if len(real) > x.type.ndim:
        raise IndexError(f"too many indices for {x} of type {x.type}: {len(real)} given")
    out = x
    if real and not all(isinstance(i, slice) and i == slice(None) for i in real):
        idx_list, inputs = _make_idx_list(real)
        out = Subtensor(idx_list)(x, *inputs)
    if newaxes:
        # Position of each newaxis among the output's axes.
        order, k = [], 0
        for i in index:
            if i is None:
                order.append("x")
            elif isinstance(i, slice):
                order.append(k)
                k += 1
        order.extend(range(k, out.type.ndim))
        out = out.dimshuffle(order)
    return out


def _value_for(base: Variable, y: Variable, set_: bool) -> Variable:
    """The value written into `base`, in base's dtype, with Theano 1.0's casting: a set
    converts any dtype as NumPy's assignment does (int64 300 into int8 is 44, as in C); an inc
    adds with NumPy's same_kind rule (int8 += int64 wraps, int32 += float64 is refused; Theano
    refused it when the function ran, here when the graph is built)."""
    bd, yd = getattr(base.type, "dtype", None), y.type.dtype
    if bd is None or yd == bd:
        return y
    if set_ or scal.upcast(bd, yd) == bd or np.can_cast(yd, bd, casting="same_kind"):
        return cast(y, bd)
    raise TypeError(f"inc_subtensor: adding {yd} values to a part of a {bd} tensor would lose precision; "
                    f"refused, as Theano 1.0 refused it (NumPy's same_kind rule for +=): cast the values to "
                    f"{bd} first")


def _write(x: Any, y: Any, set_: bool, inplace: bool = False, tolerate_inplace_aliasing: bool = False
           ) -> Variable:
    y = as_tensor_variable(y)
    if x.owner is not None and x.owner.inputs:
        y = _value_for(x.owner.inputs[0], y, set_)
    if x.owner is None or not isinstance(x.owner.op, Subtensor):
        adv = None
        if x.owner is not None:
            adv = _advanced_subtensor.advanced_write(x, y, set_)
        if adv is None:
            raise TypeError(f"{'set' if set_ else 'inc'}_subtensor: the first argument must be an "
                            f"indexed tensor such as x[1:3], got {x}")
        return adv
    base = x.owner.inputs[0]
    op = x.owner.op
    return IncSubtensor(op.idx_list, set_instead_of_inc=set_)(base, y, *x.owner.inputs[1:])


def set_subtensor(x: Any, y: Any, inplace: bool = False, tolerate_inplace_aliasing: bool = False) -> Variable:
    """A copy of the tensor that `x` indexes, with `y` written at that index."""
    return _write(x, y, True)


def inc_subtensor(x: Any, y: Any, inplace: bool = False, set_instead_of_inc: bool = False,
                  tolerate_inplace_aliasing: bool = False) -> Variable:
    """A copy of the tensor that `x` indexes, with `y` added at that index."""
    return _write(x, y, set_instead_of_inc)


def nonzero(a: Any, return_matrix: bool = False) -> Any:
    """The indices of the non-zero elements, as a tuple of vectors (or a matrix)."""
    return _advanced_subtensor.nonzero(a, return_matrix)


# getitem, the writes and nonzero hand integer-array and mask indexing to
# tensor.advanced_subtensor, which imports this module's names at its top, so only its module
# object is bound, once this module is complete: its names are read when a function runs.
# cycle: tensor.subtensor -> tensor.advanced_subtensor -> tensor.subtensor
from . import advanced_subtensor as _advanced_subtensor  # noqa: E402
