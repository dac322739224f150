"""Turning Python values into tensors, casts, broadcast patterns, and filling ops."""
from __future__ import annotations

import builtins
from typing import Any, Sequence

import numpy as np

from ..config import config
from ..graph.basic import Apply, Constant, Variable
from ..graph.op import Op
from ..scalar import basic as scal
from .elemwise import DimShuffle, Elemwise
from .type import TensorType
from .var import TensorConstant, TensorVariable
from ..graph.null_gradients import DisconnectedType

__all__ = ["as_tensor_variable", "as_tensor", "constant", "cast", "patternbroadcast", "addbroadcast",
           "unbroadcast", "Rebroadcast", "get_vector_length", "get_scalar_constant_value",
           "NotScalarConstantError", "Alloc", "alloc", "fill", "second", "zeros_like", "ones_like",
           "zeros", "ones", "AsTensorError", "autocast_python"]


class AsTensorError(TypeError):
    """A value cannot be turned into a tensor variable."""


class NotScalarConstantError(Exception):
    """A variable is not a scalar whose value is known when the graph is built."""


def autocast_python(x: Any) -> np.ndarray:
    """A Python int or float as a 0-d array of the smallest dtype that holds it exactly
    (Theano's 'custom' cast policy; floats become floatX when floatX is float32)."""
    if isinstance(x, (bool, np.bool_)):
        return np.asarray(x, dtype="bool")
    if isinstance(x, int):
        for dt in ("int8", "int16", "int32", "int64"):
            info = np.iinfo(dt)
            if info.min <= x <= info.max:
                return np.asarray(x, dtype=dt)
        return np.asarray(x, dtype="uint64") if x >= 0 else np.asarray(float(x))
    if isinstance(x, float):
        if config.floatX == "float32":
            return np.asarray(x, dtype="float32")
        for dt in ("float16", "float32", "float64") if config.floatX == "float16" else ("float32", "float64"):
            v = np.asarray(x, dtype=dt)
            # Compare as Python floats: NumPy would compare in the narrower dtype.
            if float(v) == x or x != x or abs(x) == float("inf"):
                return v
        return np.asarray(x, dtype="float64")
    if isinstance(x, complex):
        v = np.asarray(x, dtype="complex64")
        return v if complex(v) == x else np.asarray(x, dtype="complex128")
    return np.asarray(x)


def constant(x: Any, name: str | None = None, ndim: int | None = None, dtype: str | None = None
             ) -> TensorConstant:
    """A constant tensor holding `x`."""
    if dtype is not None:
        arr = np.asarray(x, dtype=dtype)
    elif isinstance(x, (int, float, complex, bool)) and not isinstance(x, np.generic):
        arr = autocast_python(x)
    else:
        arr = np.asarray(x)
        if arr.dtype == object:
            raise AsTensorError(f"cannot make a constant tensor from {x!r}")
        if arr.size == 0 and not hasattr(x, "dtype"):
            arr = arr.astype(config.floatX)
    if ndim is not None and arr.ndim != ndim:
        if arr.ndim < ndim:
            arr = arr.reshape((1,) * (ndim - arr.ndim) + arr.shape)
        else:
            raise AsTensorError(f"constant {x!r} has {arr.ndim} dimensions, {ndim} wanted")
    bcast = tuple(n == 1 for n in arr.shape)
    return TensorConstant(TensorType(arr.dtype, bcast), arr, name=name)


def as_tensor_variable(x: Any, name: str | None = None, ndim: int | None = None) -> Variable:
    """`x` as a tensor Variable: variables pass through, Python and NumPy values become constants,
    lists of variables are stacked."""
    if isinstance(x, Variable):
        t = x.type
        if isinstance(t, TensorType):
            if ndim is not None and t.ndim != ndim:
                if t.ndim > ndim and all(t.broadcastable[: t.ndim - ndim]):
                    return DimShuffle(t.broadcastable, list(range(t.ndim - ndim, t.ndim)))(x)
                raise AsTensorError(f"{x} of type {t} has {t.ndim} dimensions, {ndim} wanted")
            return x
        if isinstance(t, scal.ScalarType):
            return tensor_from_scalar(x)
        conv = getattr(x, "_as_TensorVariable", None)
        if conv is not None:
            return conv()
        raise AsTensorError(f"{x} of type {t} cannot be used as a tensor")
    if isinstance(x, Apply):
        return as_tensor_variable(x.default_output, name, ndim)
    if isinstance(x, (list, tuple)) and any(isinstance(i, Variable) for i in _flatten(x)):
        return _join.stack([as_tensor_variable(i) for i in x])
    if isinstance(x, bool):
        raise AsTensorError("cannot use True or False as a tensor: use numpy.array(True) if you "
                            "mean a boolean constant; this may come from comparing variables with "
                            "==, which is identity: use theano.tensor.eq(a, b)")
    try:
        return constant(x, name=name, ndim=ndim)
    except (TypeError, ValueError) as e:
        raise AsTensorError(f"cannot convert {x!r} to a tensor: {e}") from None


as_tensor = as_tensor_variable


def _flatten(x: Any) -> list:
    out = []
    for i in x:
        if isinstance(i, (list, tuple)):
            out.extend(_flatten(i))
        else:
            out.append(i)
    return out


class TensorFromScalar(Op):
    """A scalar-typed variable as a 0-d tensor."""

    def make_node(self, s):
        s = scal.as_scalar(s)
        return Apply(self, [s], [TensorType(s.type.dtype, ())()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(inputs[0], dtype=node.outputs[0].type.dtype)

    def make_py_fn(self, node):
        d = node.outputs[0].type.dtype
        return lambda s: np.asarray(s, dtype=d)

    def infer_shape(self, node, shapes):
        return [()]

    def grad(self, inputs, gouts):
        return [scalar_from_tensor(gouts[0])]


class ScalarFromTensor(Op):
    """A 0-d tensor as a scalar-typed variable."""

    def make_node(self, t):
        t = as_tensor_variable(t)
        if t.type.ndim != 0:
            raise TypeError(f"ScalarFromTensor needs a 0-d tensor, got {t.type}")
        return Apply(self, [t], [scal.get_scalar_type(t.type.dtype)()])

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = np.asarray(inputs[0])[()]

    def infer_shape(self, node, shapes):
        return [()]

    def grad(self, inputs, gouts):
        return [tensor_from_scalar(gouts[0])]


tensor_from_scalar = TensorFromScalar()
scalar_from_tensor = ScalarFromTensor()


# -- casts ---------------------------------------------------------------------

def cast(x: Any, dtype: Any) -> Variable:
    """`x` converted to `dtype` ('floatX' means config.floatX)."""
    if dtype == "floatX":
        dtype = config.floatX
    dtype = str(np.dtype(dtype if not isinstance(dtype, scal.ScalarType) else dtype.dtype))
    x = as_tensor_variable(x)
    if x.type.dtype == dtype:
        return x
    if x.type.dtype in scal.complex_dtypes and dtype not in scal.complex_dtypes:
        raise TypeError("casting a complex tensor to a real dtype loses the imaginary part: use "
                        "real(), imag() or abs() explicitly")
    return Elemwise(scal.cast_op(dtype))(x)


def _cast_fn(dtype: str):
    def f(x: Any) -> Variable:
        return cast(x, dtype)

    f.__name__ = f"cast_to_{dtype}"
    f.__doc__ = f"`x` converted to {dtype}."
    return f


_convert_to = {d: _cast_fn(d) for d in scal.all_dtypes}
_convert_to_int8, _convert_to_int16 = _convert_to["int8"], _convert_to["int16"]
_convert_to_int32, _convert_to_int64 = _convert_to["int32"], _convert_to["int64"]
_convert_to_float32, _convert_to_float64 = _convert_to["float32"], _convert_to["float64"]


# -- broadcast patterns ------------------------------------------------------------

class Rebroadcast(Op):
    """Change which axes a tensor's type says are broadcastable (checked at run time)."""

    __props__ = ("axis",)
    view_map = {0: [0]}

    def __init__(self, *axis: tuple[int, bool]):
        self.axis = tuple(sorted((int(a), bool(b)) for a, b in axis))

    def make_node(self, x):
        x = as_tensor_variable(x)
        b = list(x.type.broadcastable)
        for a, v in self.axis:
            if not 0 <= a < x.type.ndim:
                raise ValueError(f"Rebroadcast: axis {a} out of range for {x.type}")
            b[a] = v
        return Apply(self, [x], [TensorType(x.type.dtype, b)()])

    def make_py_fn(self, node):
        checks = [a for a, v in self.axis if v]

        def fn(x):
            for a in checks:
                if x.shape[a] != 1:
                    raise ValueError(f"Rebroadcast: axis {a} was declared broadcastable but has "
                                     f"length {x.shape[a]} (shape {x.shape})")
            return x

        return fn

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(inputs[0])

    def infer_shape(self, node, shapes):
        s = list(shapes[0])
        for a, v in self.axis:
            if v:
                s[a] = 1
        return [tuple(s)]

    def grad(self, inputs, gouts):
        (x,), (gz,) = inputs, gouts
        return [patternbroadcast(gz, x.type.broadcastable)]


def patternbroadcast(x: Any, broadcastable: Sequence[bool]) -> Variable:
    """`x` with exactly this broadcast pattern."""
    x = as_tensor_variable(x)
    if tuple(x.type.broadcastable) == tuple(broadcastable):
        return x
    changes = [(k, b) for k, (b, xb) in enumerate(zip(broadcastable, x.type.broadcastable)) if b != xb]
    return Rebroadcast(*changes)(x)


def addbroadcast(x: Any, *axes: int) -> Variable:
    """`x` with these axes declared broadcastable (they must have length 1)."""
    x = as_tensor_variable(x)
    b = list(x.type.broadcastable)
    for a in axes:
        b[a] = True
    return patternbroadcast(x, b)


def unbroadcast(x: Any, *axes: int) -> Variable:
    """`x` with these axes declared not broadcastable."""
    x = as_tensor_variable(x)
    b = list(x.type.broadcastable)
    for a in axes:
        b[a] = False
    return patternbroadcast(x, b)


# -- constants known at build time -----------------------------------------------------

def get_scalar_constant_value(v: Any) -> np.ndarray:
    """The value of `v` when it is a scalar known at graph-build time, else
    NotScalarConstantError."""
    if isinstance(v, (int, float, np.number)):
        return np.asarray(v)
    if isinstance(v, Constant):
        data = np.asarray(v.data)
        if data.size == 1:
            return data.reshape(())
        if data.size and (data == data.flat[0]).all():
            return np.asarray(data.flat[0])
        raise NotScalarConstantError(f"{v} is not a scalar constant")
    if isinstance(v, Variable) and v.owner is not None:
        op = v.owner.op
        if isinstance(op, (Rebroadcast, TensorFromScalar, ScalarFromTensor)) or (
                isinstance(op, DimShuffle)):
            return get_scalar_constant_value(v.owner.inputs[0])
        if isinstance(op, Elemwise) and isinstance(op.scalar_op, scal.Cast):
            return np.asarray(get_scalar_constant_value(v.owner.inputs[0])).astype(v.type.dtype)
        if isinstance(op, _shape.Shape_i):
            b = v.owner.inputs[0].type.broadcastable
            if b[op.i]:
                return np.asarray(1, dtype="int64")
    raise NotScalarConstantError(f"{v} is not known when the graph is built")


def _sliced_length(v: Variable) -> int | None:
    """The length of a constant slice of a vector of known length (x.shape[2:]), else None."""
    op = v.owner.op
    if (not isinstance(op, _subtensor.Subtensor) or len(op.idx_list) != 1
            or not isinstance(op.idx_list[0], slice)):
        return None
    sl = op.idx_list[0]
    if not all(e is None or isinstance(e, int) for e in (sl.start, sl.stop, sl.step)):
        return None  # a symbolic bound: the length depends on values
    try:
        n = get_vector_length(v.owner.inputs[0])
    except (TypeError, ValueError):
        return None
    return len(range(*sl.indices(n)))


def get_vector_length(v: Any) -> int:
    """The length of a 1-d variable when it is known at graph-build time."""
    v = as_tensor_variable(v)
    if v.type.ndim != 1:
        raise TypeError(f"get_vector_length: {v} of type {v.type} is not a vector")
    if v.type.broadcastable[0]:
        return 1
    if isinstance(v, Constant):
        return len(v.data)
    if v.owner is not None:
        op = v.owner.op
        if isinstance(op, _join.MakeVector):
            return len(v.owner.inputs)
        if isinstance(op, _shape.Shape):
            return v.owner.inputs[0].type.ndim
        sliced = _sliced_length(v)
        if sliced is not None:
            return sliced
    raise ValueError(f"the length of {v} is not known when the graph is built")


# -- filling ---------------------------------------------------------------------

class Alloc(Op):
    """An array of the given shape filled with a value (broadcast)."""

    def make_node(self, value, *shape):
        value = as_tensor_variable(value)
        sh = []
        for s in shape:
            s = as_tensor_variable(s)
            if s.type.ndim != 0 or s.type.dtype not in scal.integer_dtypes:
                raise TypeError(f"Alloc: shape entries must be integer scalars, got {s.type}")
            sh.append(s)
        if len(sh) < value.type.ndim:
            raise ValueError(f"Alloc: value of type {value.type} has more dimensions than the shape")
        bcast = []
        for s in sh:
            try:
                bcast.append(int(get_scalar_constant_value(s)) == 1)
            except NotScalarConstantError:
                bcast.append(False)
        return Apply(self, [value] + sh, [TensorType(value.type.dtype, bcast)()])

    def make_py_fn(self, node):
        def fn(v, *shape):
            shape = tuple(int(s) for s in shape)
            if any(s < 0 for s in shape):
                raise ValueError(f"Alloc: negative dimension in shape {shape}")
            v = np.asarray(v)
            if v.size == 1:
                return np.full(shape, v.reshape(()), dtype=v.dtype)
            out = np.empty(shape, dtype=v.dtype)
            out[...] = v
            return out

        return fn

    def infer_shape(self, node, shapes):
        return [tuple(node.inputs[1:])]

    def grad(self, inputs, gouts):
        value, shape = inputs[0], inputs[1:]
        (gz,) = gouts
        n_extra = gz.type.ndim - value.type.ndim
        axes = list(range(n_extra)) + [n_extra + k for k, b in enumerate(value.type.broadcastable)
                                       if b and not gz.type.broadcastable[n_extra + k]]
        g = _math.sum(gz, axis=axes, keepdims=True) if axes else gz
        if n_extra:
            g = DimShuffle(g.type.broadcastable, list(range(n_extra, g.type.ndim)))(g)
        return [patternbroadcast(g, value.type.broadcastable)] + [DisconnectedType()() for _ in shape]

    def connection_pattern(self, node):
        return [[True]] + [[False] for _ in node.inputs[1:]]


alloc = Alloc()


def second(a: Any, b: Any) -> Variable:
    """`b` broadcast to the shape of `a` (Theano's fill)."""
    return Elemwise(scal.second)(a, b)


fill = second


def zeros_like(model: Any, dtype: str | None = None, opt: bool = False) -> Variable:
    """Zeros with the shape of `model` (and its dtype unless given)."""
    model = as_tensor_variable(model)
    dtype = dtype or model.type.dtype
    return fill(model, constant(np.zeros((), dtype=dtype)))


def ones_like(model: Any, dtype: str | None = None, opt: bool = False) -> Variable:
    """Ones with the shape of `model` (and its dtype unless given)."""
    model = as_tensor_variable(model)
    dtype = dtype or model.type.dtype
    return fill(model, constant(np.ones((), dtype=dtype)))


def _shape_args(shape: Any) -> list:
    if isinstance(shape, (int, np.integer)):
        return [shape]
    if isinstance(shape, Variable):
        if shape.type.ndim == 0:
            return [shape]
        n = get_vector_length(shape)
        return [shape[i] for i in range(n)]
    return list(shape)


def zeros(shape: Any, dtype: str | None = None) -> Variable:
    """An array of zeros; `shape` may hold symbolic integers."""
    return alloc(np.zeros((), dtype=dtype or config.floatX), *_shape_args(shape))


def ones(shape: Any, dtype: str | None = None) -> Variable:
    """An array of ones; `shape` may hold symbolic integers."""
    return alloc(np.ones((), dtype=dtype or config.floatX), *_shape_args(shape))


# -- ranges, identity matrices, tiling, triangles ------------------------------------------

__all__ += ["ARange", "arange", "Eye", "eye", "identity_like", "Tile", "tile", "tri", "tril", "triu"]


class ARange(Op):
    """np.arange(start, stop, step) with symbolic scalar bounds."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str):
        self.dtype = dtype

    def make_node(self, start, stop, step):
        ins = [as_tensor_variable(v) for v in (start, stop, step)]
        for name, v in zip(("start", "stop", "step"), ins):
            if v.type.ndim != 0:
                raise TypeError(f"arange: {name} must be a scalar, got {v} of type {v.type}")
        return Apply(self, ins, [TensorType(self.dtype, (False,))()])

    def make_py_fn(self, node):
        dt = self.dtype

        def fn(start, stop, step):
            if step == 0:
                raise ValueError("arange: step must not be zero")
            return np.arange(start.item(), stop.item(), step.item(), dtype=dt)

        return fn

    def infer_shape(self, node, shapes):
        start, stop, step = node.inputs
        n = _math.ceil(_math.true_div(cast(stop, "float64") - cast(start, "float64"), cast(step, "float64")))
        return [(_math.maximum(cast(n, "int64"), 0),)]

    def L_op(self, inputs, outputs, gouts):
        start, stop, step = inputs
        (gz,) = gouts
        if self.dtype in scal.discrete_dtypes:
            return [zeros_like(i, dtype=config.floatX) for i in inputs]
        # out[k] = start + k * step: d/dstart = sum(gz), d/dstep = sum(gz * k); stop only
        # changes the length, a step function with no gradient.
        k = arange(outputs[0].shape[0], dtype=self.dtype)
        return [cast(gz.sum(), start.type.dtype) if start.type.dtype in scal.continuous_dtypes
                else zeros_like(start, dtype=config.floatX),
                zeros_like(stop, dtype=stop.type.dtype if stop.type.dtype in scal.continuous_dtypes
                           else config.floatX),
                cast((gz * k).sum(), step.type.dtype) if step.type.dtype in scal.continuous_dtypes
                else zeros_like(step, dtype=config.floatX)]


def arange(start: Any, stop: Any = None, step: Any = 1, dtype: str | None = None) -> Variable:
    """Evenly spaced values in [start, stop), like numpy.arange; the bounds may be symbolic."""
    if stop is None:
        start, stop = 0, start
    start, stop, step = (as_tensor_variable(v) for v in (start, stop, step))
    if dtype is None:
        dtype = scal.upcast(start.type.dtype, stop.type.dtype, step.type.dtype)
        # As Theano: integer ranges are int64 (uint64) whatever the inputs, to avoid overflow.
        if dtype in scal.int_dtypes or dtype == "bool":
            dtype = "int64"
        elif dtype in scal.uint_dtypes:
            dtype = "uint64"
    elif dtype == "floatX":
        dtype = config.floatX
    dtype = str(np.dtype(dtype))
    return ARange(dtype)(start, stop, step)


class Eye(Op):
    """An n x m matrix with ones on the k-th diagonal."""

    __props__ = ("dtype",)

    def __init__(self, dtype: str | None = None):
        self.dtype = str(np.dtype(dtype or config.floatX))

    def make_node(self, n, m, k):
        ins = [as_tensor_variable(v) for v in (n, m, k)]
        for name, v in zip(("n", "m", "k"), ins):
            if v.type.ndim != 0 or v.type.dtype not in scal.integer_dtypes:
                raise TypeError(f"eye: {name} must be an integer scalar, got {v} of type {v.type}")
        return Apply(self, ins, [TensorType(self.dtype, (False, False))()])

    def make_py_fn(self, node):
        dt = self.dtype
        return lambda n, m, k: np.eye(int(n), int(m), int(k), dtype=dt)

    def infer_shape(self, node, shapes):
        return [(cast(node.inputs[0], "int64"), cast(node.inputs[1], "int64"))]

    def grad(self, inputs, gouts):
        return [zeros_like(i, dtype=config.floatX) for i in inputs]

    def connection_pattern(self, node):
        return [[False], [False], [False]]


def eye(n: Any, m: Any = None, k: Any = 0, dtype: str | None = None) -> Variable:
    """The n x m (n x n) matrix with ones on diagonal k, zeros elsewhere."""
    if dtype == "floatX":
        dtype = None
    return Eye(dtype)(n, n if m is None else m, k)


def identity_like(x: Any) -> Variable:
    """The identity matrix with the shape and dtype of the matrix x."""
    x = as_tensor_variable(x)
    return eye(x.shape[0], x.shape[1], k=0, dtype=x.type.dtype)


class Tile(Op):
    """x repeated reps[k] times along each axis k (len(reps) == x.ndim)."""

    __props__ = ("ndim",)

    def __init__(self, ndim: int):
        self.ndim = int(ndim)

    def make_node(self, x, reps):
        x, reps = as_tensor_variable(x), as_tensor_variable(reps)
        if x.type.ndim != self.ndim:
            raise TypeError(f"Tile: expected a tensor of {self.ndim} dimensions, got {x.type}")
        if reps.type.ndim != 1 or reps.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"Tile: reps must be an integer vector, got {reps.type}")
        bcast = [False] * self.ndim
        if isinstance(reps, Constant):
            bcast = [b and int(r) == 1 for b, r in zip(x.type.broadcastable, reps.data)]
        return Apply(self, [x, reps], [TensorType(x.type.dtype, bcast)()])

    def make_py_fn(self, node):
        nd = self.ndim

        def fn(x, reps):
            if len(reps) != nd:
                raise ValueError(f"Tile: reps {tuple(reps)} must have {nd} entries")
            if any(r < 0 for r in reps):
                raise ValueError(f"Tile: negative repetition in reps {tuple(reps)}")
            return np.tile(x, tuple(int(r) for r in reps))

        return fn

    def infer_shape(self, node, shapes):
        reps = node.inputs[1]
        return [tuple(shapes[0][k] * reps[k] for k in range(self.ndim))]

    def L_op(self, inputs, outputs, gouts):
        x, reps = inputs
        (gz,) = gouts
        # Output axis k is reps[k] blocks of x.shape[k]: split it in two and sum the blocks.
        split = []
        for k in range(self.ndim):
            split += [reps[k], x.shape[k]]
        g = _shape.reshape(gz, split, ndim=2 * self.ndim).sum(axis=list(range(0, 2 * self.ndim, 2)))
        return [patternbroadcast(g, x.type.broadcastable), DisconnectedType()()]

    def connection_pattern(self, node):
        return [[True], [False]]


def tile(x: Any, reps: Any, ndim: int | None = None) -> Variable:
    """x repeated reps[k] times along axis k (numpy.tile); reps may hold symbolic integers, or be
    a symbolic vector (of unknown length when ndim gives it)."""
    x = as_tensor_variable(x)
    if isinstance(reps, (int, np.integer)) or (isinstance(reps, Variable) and reps.type.ndim == 0):
        reps = [reps]
    if isinstance(reps, Variable):
        if reps.type.ndim != 1 or reps.type.dtype not in scal.integer_dtypes:
            raise TypeError(f"tile: reps must be an integer vector or a list of integers, got {reps.type}")
        try:
            n = get_vector_length(reps)
        except ValueError:
            if ndim is None:
                raise ValueError(f"tile: the length of reps {reps} is not known when the graph is built; "
                                 f"pass ndim (its length, as Theano 1.0 required)") from None
            n = int(ndim)  # as Theano 1.0: reps must then hold ndim entries when the function runs
        reps = [reps[k] for k in range(n)]
    reps = list(reps)
    nd = builtins.max(x.type.ndim, len(reps)) if ndim is None else int(ndim)
    if nd < builtins.max(x.type.ndim, len(reps)):
        raise ValueError(f"tile: ndim={ndim} is less than the dimensions of x ({x.type.ndim}) or "
                         f"of reps ({len(reps)})")
    reps = [1] * (nd - len(reps)) + reps
    if x.type.ndim < nd:
        x = DimShuffle(x.type.broadcastable, ["x"] * (nd - x.type.ndim) + list(range(x.type.ndim)))(x)
    reps_v = _join.make_vector(*[as_tensor_variable(r) if isinstance(r, Variable) else np.int64(r)
                                 for r in reps], dtype="int64") if nd else constant(np.zeros(0, dtype="int64"))
    return Tile(nd)(x, reps_v)


def tri(N: Any, M: Any = None, k: Any = 0, dtype: str | None = None) -> Variable:
    """The N x M matrix with ones at and below diagonal k, zeros above."""
    M = N if M is None else M
    rows = arange(N).dimshuffle(0, "x")
    cols = arange(M).dimshuffle("x", 0)
    return cast(_math.ge(rows + k, cols), dtype or config.floatX)


def tril(m: Any, k: Any = 0) -> Variable:
    """m with the elements above diagonal k (of its last two axes) set to zero."""
    m = as_tensor_variable(m)
    if m.type.ndim < 2:
        raise ValueError(f"tril needs at least 2 dimensions, got {m.type}")
    return m * tri(m.shape[-2], m.shape[-1], k=k, dtype=m.type.dtype)


def triu(m: Any, k: Any = 0) -> Variable:
    """m with the elements below diagonal k (of its last two axes) set to zero."""
    m = as_tensor_variable(m)
    if m.type.ndim < 2:
        raise ValueError(f"triu needs at least 2 dimensions, got {m.type}")
    return m * (1 - tri(m.shape[-2], m.shape[-1], k=k - 1, dtype=m.type.dtype))


# Functions and ops above call tensor.join, math, shape and subtensor (to stack lists, read
# shapes, sum gradients), and each of those builds on this module (imports its names at its
# top), so they are imported once this module is complete. Only the module objects are
# bound: their names are read when a function runs.
# cycle: tensor.basic -> tensor.math -> tensor.basic
from . import join as _join  # noqa: E402
from . import math as _math  # noqa: E402
from . import shape as _shape  # noqa: E402
from . import subtensor as _subtensor  # noqa: E402
