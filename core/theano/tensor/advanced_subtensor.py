"""Advanced indexing: integer arrays and boolean masks (NumPy's rules), writing through
them, and nonzero.

`AdvancedSubtensor1`/`AdvancedIncSubtensor1` are the common case x[int_vector] on axis 0;
`AdvancedSubtensor`/`AdvancedIncSubtensor` take any mix of slices, integers, None and arrays.
An index is kept as `idx_list` (its structure: slices with constant or symbolic bounds, constant
integers, None, and _SYM for a symbolic entry) plus the symbolic entries as node inputs."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..graph.basic import Apply, Constant, Variable
from ..graph.op import Op
from ..scalar import basic as scal
from .basic import as_tensor_variable, cast
from .type import TensorType
from ..graph.null_gradients import DisconnectedType
from .basic import zeros_like
from .math import maximum
from .math import neq
from .math import sum as tsum
from .subtensor import _sum_to
from .subtensor import slice_length

__all__ = ["AdvancedSubtensor1", "AdvancedSubtensor", "AdvancedIncSubtensor1", "AdvancedIncSubtensor",
           "advanced_subtensor1", "advanced_inc_subtensor1", "advanced_set_subtensor1",
           "advanced_getitem", "advanced_write", "Nonzero", "nonzero", "nonzero_values", "flatnonzero",
           "take"]

_SYM = "?"


def _index_error_context(exc: Exception, x: np.ndarray, idx: Any) -> str:
    return f"indexing an array of shape {x.shape}: {exc}"


def _check_index_var(v: Variable) -> Variable:
    if v.type.dtype not in scal.integer_dtypes and v.type.dtype != "bool":
        raise TypeError(f"an index must hold integers or booleans, got {v} of dtype {v.type.dtype}")
    return v


# -- x[int_vector] on axis 0 -----------------------------------------------------------------

class AdvancedSubtensor1(Op):
    """x[ilist] with ilist an integer vector: rows of x, repeats allowed."""

    def make_node(self, x, ilist):
        x, ilist = as_tensor_variable(x), as_tensor_variable(ilist)
        if x.type.ndim == 0:
            raise IndexError(f"cannot index the scalar {x} ({x.type}) with an integer vector")
        if ilist.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"the index list must be integers, got {ilist} of dtype {ilist.type.dtype}")
        if ilist.type.ndim != 1:
            raise TypeError(f"the index list must be a vector, got {ilist.type}")
        bcast = (ilist.type.broadcastable[0],) + x.type.broadcastable[1:]
        return Apply(self, [x, ilist], [TensorType(x.type.dtype, bcast)()])

    def make_py_fn(self, node):
        def fn(x, i):
            try:
                return x.take(i, axis=0, mode="raise")
            except IndexError as e:
                raise IndexError(_index_error_context(e, x, i)) from None

        return fn

    def infer_shape(self, node, shapes):
        return [(shapes[1][0],) + tuple(shapes[0][1:])]

    def L_op(self, inputs, outputs, gouts):
        x, ilist = inputs
        (gz,) = gouts
        if x.type.dtype in scal.discrete_dtypes:
            return [zeros_like(x, dtype="float64"), DisconnectedType()()]
        return [AdvancedIncSubtensor1()(zeros_like(x), gz, ilist), DisconnectedType()()]

    def connection_pattern(self, node):
        return [[True], [False]]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], inputs[1])]


advanced_subtensor1 = AdvancedSubtensor1()


class AdvancedIncSubtensor1(Op):
    """A copy of x with y added to (or written into) the rows x[ilist]; repeated rows
    accumulate when adding."""

    __props__ = ("inplace", "set_instead_of_inc")

    def __init__(self, inplace: bool = False, set_instead_of_inc: bool = False):
        self.inplace = inplace
        self.set_instead_of_inc = set_instead_of_inc
        if inplace:
            self.destroy_map = {0: [0]}

    def __str__(self) -> str:
        return f"Advanced{'Set' if self.set_instead_of_inc else 'Inc'}Subtensor1{{{'inplace' if self.inplace else 'no_inplace'}}}"

    def make_node(self, x, y, ilist):
        x, y, ilist = as_tensor_variable(x), as_tensor_variable(y), as_tensor_variable(ilist)
        if ilist.type.dtype not in scal.integer_dtypes or ilist.type.ndim != 1:
            raise TypeError(f"{self}: the index list must be an integer vector, got {ilist.type}")
        if y.type.ndim > x.type.ndim:
            raise ValueError(f"{self}: cannot write {y.type} into rows of {x.type}")
        if scal.upcast(x.type.dtype, y.type.dtype) != x.type.dtype:
            raise TypeError(f"{self}: writing {y.type.dtype} values into {x.type.dtype} would lose "
                            f"precision; cast them first")
        return Apply(self, [x, y, ilist], [x.type()])

    def make_py_fn(self, node):
        set_, inplace = self.set_instead_of_inc, self.inplace

        def fn(x, y, i):
            out = x if inplace else x.copy()
            try:
                if set_:
                    out[i] = y
                else:
                    np.add.at(out, i, y)
            except IndexError as e:
                raise IndexError(_index_error_context(e, x, i)) from None
            except ValueError as e:
                raise ValueError(f"cannot {'set' if set_ else 'increment'} rows of an array of shape "
                                 f"{x.shape} with a value of shape {np.shape(y)}: {e}") from None
            return out

        return fn

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, gouts):
        x, y, ilist = inputs
        (gz,) = gouts
        if self.set_instead_of_inc:
            gx = AdvancedIncSubtensor1(set_instead_of_inc=True)(gz, zeros_like(y), ilist)
        else:
            gx = gz
        gy = _sum_to(advanced_subtensor1(gz, ilist), y)
        return [gx, gy, DisconnectedType()()]

    def connection_pattern(self, node):
        return [[True], [True], [False]]


def advanced_inc_subtensor1(x: Any, y: Any, ilist: Any) -> Variable:
    """A copy of x with y added to the rows x[ilist] (repeats accumulate)."""
    return AdvancedIncSubtensor1()(x, y, ilist)


def advanced_set_subtensor1(x: Any, y: Any, ilist: Any) -> Variable:
    """A copy of x with y written into the rows x[ilist]."""
    return AdvancedIncSubtensor1(set_instead_of_inc=True)(x, y, ilist)


# -- the general case -------------------------------------------------------------------------

def _make_idx_list(index: Sequence[Any]) -> tuple[tuple, list[Variable]]:
    """Split an index into its structure and its symbolic (or array) parts."""
    inputs: list[Variable] = []

    def scalar_part(v: Any) -> Any:
        if v is None:
            return None
        if isinstance(v, (int, np.integer)) and not isinstance(v, (bool, np.bool_)):
            return int(v)
        if isinstance(v, Constant) and np.ndim(v.data) == 0 and np.asarray(v.data).dtype.kind in "iu":
            return int(v.data)
        v = as_tensor_variable(v)
        if v.type.ndim != 0 or v.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"slice bounds must be integer scalars, got {v} of type {v.type}")
        inputs.append(v)
        return _SYM

    out: list[Any] = []
    for i in index:
        if i is None:
            out.append(None)
        elif isinstance(i, slice):
            out.append(slice(scalar_part(i.start), scalar_part(i.stop), scalar_part(i.step)))
        elif isinstance(i, (int, np.integer)) and not isinstance(i, (bool, np.bool_)):
            out.append(int(i))
        else:
            if isinstance(i, (list, tuple)) and len(i) == 0:
                i = np.zeros(0, dtype="int64")  # NumPy reads [] as an empty integer index
            v = as_tensor_variable(i)
            if v.type.dtype not in scal.integer_dtypes and v.type.dtype != "bool":
                raise TypeError(f"an index must hold integers or booleans, got {v} of dtype "
                                f"{v.type.dtype}")
            inputs.append(v)
            out.append(_SYM)
    return tuple(out), inputs


def _fill(idx_list: tuple, values: Sequence[Any]) -> tuple:
    it = iter(values)

    def get(e: Any) -> Any:
        if e != _SYM:
            return e
        v = next(it)
        return int(v) if np.ndim(v) == 0 and np.asarray(v).dtype.kind in "iu" else v

    out = []
    for e in idx_list:
        if isinstance(e, slice):
            out.append(slice(get(e.start), get(e.stop), get(e.step)))
        else:
            out.append(get(e))
    return tuple(out)


def _key(idx_list: tuple) -> tuple:
    return tuple(("slice", e.start, e.stop, e.step) if isinstance(e, slice) else e for e in idx_list)


def _idx_str(idx_list: tuple) -> str:
    def s(e: Any) -> str:
        return "" if e is None else ("*" if e == _SYM else str(e))

    parts = []
    for e in idx_list:
        if isinstance(e, slice):
            parts.append(f"{s(e.start)}:{s(e.stop)}" + (f":{s(e.step)}" if e.step is not None else ""))
        elif e is None:
            parts.append("newaxis")
        else:
            parts.append(s(e))
    return ", ".join(parts)


def _layout(idx_list: tuple, inputs: Sequence[Variable], xdims: Sequence[Any], on_slice: Any,
            on_newaxis: Any, on_adv: Any, merge: Any, where: str) -> tuple:
    """NumPy's result layout for x[index], computed over per-dimension descriptions `xdims`
    (broadcast flags for the type, lengths for the shape). `on_adv(var)` describes the
    dimensions an advanced entry contributes; `merge(parts)` combines one broadcast dimension.
    Advanced entries (arrays, and integers when arrays are present) broadcast together; the
    result's broadcast dimensions replace them in place when they are adjacent, else go first."""
    it = iter(inputs)
    basic: list[tuple[bool, Any]] = []  # (is_advanced, description of the dimension)
    adv_parts: list[list[Any]] = []
    adv_positions: list[int] = []
    dim = 0
    for e in idx_list:
        if e is None:
            basic.append((False, on_newaxis))
            continue
        if isinstance(e, slice):
            comps = [next(it) if c == _SYM else c for c in (e.start, e.stop, e.step)]
            if dim < len(xdims):
                basic.append((False, on_slice(xdims[dim], comps)))
            dim += 1
            continue
        adv_positions.append(len(basic))
        basic.append((True, None))
        if e != _SYM:
            adv_parts.append([])
            dim += 1
            continue
        v = next(it)
        adv_parts.append(on_adv(v))
        dim += v.type.ndim if v.type.dtype == "bool" else 1
    if dim > len(xdims):
        raise IndexError(f"too many indices for {where}: {dim} dimensions indexed, it has {len(xdims)}")
    rest = list(xdims[dim:])
    dims = [d for adv, d in basic if not adv]
    if not adv_positions:
        return tuple(dims + rest)
    nb = max(len(s) for s in adv_parts)
    group = [merge([s[len(s) - nb + k] for s in adv_parts if len(s) - nb + k >= 0]) for k in range(nb)]
    if adv_positions == list(range(adv_positions[0], adv_positions[-1] + 1)):
        first = sum(1 for adv, _ in basic[:adv_positions[0]] if not adv)
        out = dims[:first] + group + dims[first:]
    else:
        out = group + dims
    return tuple(out + rest)


def _output_type(x: Variable, idx_list: tuple, inputs: Sequence[Variable]) -> TensorType:
    """The type of x[index]; a malformed index raises IndexError here, at build time."""
    def on_adv(v: Variable) -> list[bool]:
        # A mask gives one dimension whose length (its True count) is never known statically.
        return [False] if v.type.dtype == "bool" else list(v.type.broadcastable)

    bcast = _layout(idx_list, inputs, x.type.broadcastable, lambda b, comps: b, True, on_adv, all,
                    f"{x} of type {x.type}")
    return TensorType(x.type.dtype, bcast)


class AdvancedSubtensor(Op):
    """x[index] for any NumPy index mixing slices, integers, None, integer arrays and boolean
    masks; the result is a copy."""

    __props__ = ("idx_key",)

    def __init__(self, idx_list: tuple):
        self.idx_list = tuple(idx_list)
        self.idx_key = _key(self.idx_list)

    def __str__(self) -> str:
        return f"AdvancedSubtensor{{{_idx_str(self.idx_list)}}}"

    def make_node(self, x, *index_inputs):
        x = as_tensor_variable(x)
        index_inputs = [_check_index_var(as_tensor_variable(i)) for i in index_inputs]
        return Apply(self, [x] + index_inputs, [_output_type(x, self.idx_list, index_inputs)()])

    def make_py_fn(self, node):
        idx_list = self.idx_list

        def fn(x, *vals):
            idx = _fill(idx_list, vals)
            try:
                r = x[idx]
            except IndexError as e:
                raise IndexError(_index_error_context(e, x, idx)) from None
            return r if type(r) is np.ndarray else np.asarray(r)

        return fn

    def infer_shape(self, node, shapes):
        return [_advanced_shape(self.idx_list, node.inputs, shapes)]

    def L_op(self, inputs, outputs, gouts):
        x, rest = inputs[0], inputs[1:]
        (gz,) = gouts
        if x.type.dtype in scal.discrete_dtypes:
            first = zeros_like(x, dtype="float64")
        else:
            first = AdvancedIncSubtensor(self.idx_list)(zeros_like(x), gz, *rest)
        return [first] + [DisconnectedType()() for _ in rest]

    def connection_pattern(self, node):
        return [[True]] + [[False] for _ in node.inputs[1:]]

    def R_op(self, inputs, eval_points):
        if eval_points[0] is None:
            return [None]
        return [self(eval_points[0], *inputs[1:])]


def _advanced_shape(idx_list: tuple, inputs: Sequence[Variable], shapes: Sequence[Any]) -> tuple:
    """The symbolic shape of x[index]."""
    shape_of = dict(zip(inputs[1:], shapes[1:]))

    def on_adv(v: Variable) -> list[Any]:
        return [tsum(cast(v, "int64"))] if v.type.dtype == "bool" else list(shape_of[v])

    def merge(parts: list[Any]) -> Any:
        # Lengths of 1 broadcast, so the largest is the result's.
        m = parts[0]
        for p in parts[1:]:
            m = maximum(m, p)
        return m

    return _layout(idx_list, inputs[1:], shapes[0], lambda n, comps: slice_length(n, *comps), 1,
                   on_adv, merge, "the tensor")


class AdvancedIncSubtensor(Op):
    """A copy of x with y added to (np.add.at: repeated indices accumulate) or written into
    x[index], for any NumPy index."""

    __props__ = ("idx_key", "inplace", "set_instead_of_inc")

    def __init__(self, idx_list: tuple, inplace: bool = False, set_instead_of_inc: bool = False):
        self.idx_list = tuple(idx_list)
        self.idx_key = _key(self.idx_list)
        self.inplace = inplace
        self.set_instead_of_inc = set_instead_of_inc
        if inplace:
            self.destroy_map = {0: [0]}

    def __str__(self) -> str:
        kind = "Set" if self.set_instead_of_inc else "Inc"
        return f"Advanced{kind}Subtensor{{{'inplace; ' if self.inplace else ''}{_idx_str(self.idx_list)}}}"

    def make_node(self, x, y, *index_inputs):
        x, y = as_tensor_variable(x), as_tensor_variable(y)
        index_inputs = [_check_index_var(as_tensor_variable(i)) for i in index_inputs]
        target = _output_type(x, self.idx_list, index_inputs)
        if y.type.ndim > target.ndim:
            raise ValueError(f"{self}: cannot write {y.type} into a part of {x.type} with "
                             f"{target.ndim} dimensions")
        if scal.upcast(x.type.dtype, y.type.dtype) != x.type.dtype:
            raise TypeError(f"{self}: writing {y.type.dtype} values into {x.type.dtype} would lose "
                            f"precision; cast them first")
        return Apply(self, [x, y] + index_inputs, [x.type()])

    def make_py_fn(self, node):
        idx_list, set_, inplace = self.idx_list, self.set_instead_of_inc, self.inplace

        def fn(x, y, *vals):
            out = x if inplace else x.copy()
            idx = _fill(idx_list, vals)
            try:
                if set_:
                    out[idx] = y
                else:
                    np.add.at(out, idx, y)
            except IndexError as e:
                raise IndexError(_index_error_context(e, x, idx)) from None
            except ValueError as e:
                raise ValueError(f"cannot {'set' if set_ else 'increment'} x[{_idx_str(idx_list)}] "
                                 f"(x of shape {x.shape}) with a value of shape {np.shape(y)}: {e}") from None
            return out

        return fn

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def L_op(self, inputs, outputs, gouts):
        x, y, rest = inputs[0], inputs[1], inputs[2:]
        (gz,) = gouts
        if self.set_instead_of_inc:
            gx = AdvancedIncSubtensor(self.idx_list, set_instead_of_inc=True)(gz, zeros_like(y), *rest)
        else:
            gx = gz
        gy = _sum_to(AdvancedSubtensor(self.idx_list)(gz, *rest), y)
        return [gx, gy] + [DisconnectedType()() for _ in rest]

    def connection_pattern(self, node):
        return [[True], [True]] + [[False] for _ in node.inputs[2:]]


# -- front ends ----------------------------------------------------------------------------

def advanced_getitem(x: Variable, index: tuple) -> Variable:
    """x[index] for an index holding at least one integer array or boolean mask."""
    x = as_tensor_variable(x)
    if len(index) == 1 and not isinstance(index[0], slice) and index[0] is not None:
        v = index[0]
        if isinstance(v, (list, tuple)) and len(v) == 0:
            v = np.zeros(0, dtype="int64")
        v = as_tensor_variable(v)
        if v.type.ndim == 1 and v.type.dtype in scal.integer_dtypes and x.type.ndim >= 1:
            return advanced_subtensor1(x, v)
    idx_list, inputs = _make_idx_list(index)
    return AdvancedSubtensor(idx_list)(x, *inputs)


def advanced_write(x: Variable, y: Any, set_: bool) -> Variable | None:
    """set/inc_subtensor on a tensor produced by an advanced-indexing op, or None when `x` was
    produced by another op."""
    node = x.owner
    if node is None or not isinstance(node.op, (AdvancedSubtensor1, AdvancedSubtensor)):
        return None
    base = node.inputs[0]
    y = as_tensor_variable(y)
    if y.type.dtype != base.type.dtype and scal.upcast(base.type.dtype, y.type.dtype) == base.type.dtype:
        y = cast(y, base.type.dtype)
    if isinstance(node.op, AdvancedSubtensor1):
        return AdvancedIncSubtensor1(set_instead_of_inc=set_)(base, y, node.inputs[1])
    return AdvancedIncSubtensor(node.op.idx_list, set_instead_of_inc=set_)(base, y, *node.inputs[1:])


def take(a: Any, indices: Any, axis: int | None = None, mode: str = "raise") -> Variable:
    """Elements of `a` at `indices` along `axis` (the flattened array when axis is None)."""
    a = as_tensor_variable(a)
    if mode != "raise":
        raise NotImplementedError(f"take: mode={mode!r} is not supported; only 'raise'")
    if axis is None:
        return advanced_getitem(a.flatten(), (indices,))
    axis = int(axis) % a.type.ndim
    return advanced_getitem(a, (slice(None),) * axis + (indices,))


# -- nonzero ------------------------------------------------------------------------------

class Nonzero(Op):
    """The indices of the non-zero elements of a, as a (a.ndim, count) int64 matrix."""

    def make_node(self, a):
        a = as_tensor_variable(a)
        if a.type.ndim == 0:
            raise ValueError("nonzero is not defined for scalars")
        return Apply(self, [a], [TensorType("int64", (a.type.ndim == 1, False))()])

    def make_py_fn(self, node):
        return lambda a: np.asarray(np.nonzero(a), dtype="int64").reshape(a.ndim, -1)

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(inputs[0])

    def infer_shape(self, node, shapes):
        a = node.inputs[0]
        return [(a.type.ndim, tsum(cast(neq(a, 0), "int64")))]

    def grad(self, inputs, gouts):
        return [zeros_like(inputs[0], dtype="float64")]

    def connection_pattern(self, node):
        return [[False]]


def nonzero(a: Any, return_matrix: bool = False) -> Any:
    """The indices of the non-zero elements: a tuple of vectors, one per dimension, or with
    return_matrix a (ndim, count) matrix."""
    a = as_tensor_variable(a)
    m = Nonzero()(a)
    if return_matrix:
        return m
    return tuple(m[k] for k in range(a.type.ndim))


def flatnonzero(a: Any) -> Variable:
    """The indices of the non-zero elements of the flattened a."""
    a = as_tensor_variable(a)
    if a.type.ndim == 0:
        raise ValueError("flatnonzero is not defined for scalars")
    return nonzero(a.flatten(), return_matrix=True)[0]


def nonzero_values(a: Any) -> Variable:
    """The non-zero elements of the flattened a, in order."""
    a = as_tensor_variable(a)
    return a.flatten()[flatnonzero(a)]
