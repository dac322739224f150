"""TensorType: an n-dimensional array of a dtype, with a broadcast pattern."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..config import config
from ..graph.type import Type
from ..scalar.basic import all_dtypes, upcast
from . import device_arrays

__all__ = ["HOST_DATA", "TensorType", "ndim_name", "dtype_name"]

_NDIM_NAMES = {0: "scalar", 1: "vector", 2: "matrix"}
# What NumPy reads by itself: anything else may be a device array a backend filters.
HOST_DATA = (np.ndarray, np.generic, bool, int, float, complex, list, tuple)


def ndim_name(broadcastable: Sequence[bool]) -> str:
    """Theano's name for a broadcast pattern: scalar, vector, row, col, matrix, 3D ..."""
    b = tuple(broadcastable)
    if b == (True, False):
        return "row"
    if b == (False, True):
        return "col"
    if len(b) in _NDIM_NAMES:
        return _NDIM_NAMES[len(b)]
    return f"{len(b)}D"


#: canonical dtype name -> its numpy.dtype
_CANONICAL = {d: np.dtype(d) for d in all_dtypes}


def dtype_name(dtype: Any) -> str:
    """'float32' for 'float32', numpy.float32, numpy.dtype('float32') or theano.scalar.float32.

    NumPy scalar classes have a `dtype` attribute too (a descriptor, not a dtype), so only a
    string or numpy.dtype found there is trusted.
    """
    if dtype is None:
        raise TypeError("a dtype is required")
    if isinstance(dtype, str):
        # the common case, a name already canonical, without NumPy's slow dtype -> str
        return dtype if dtype in _CANONICAL else str(np.dtype(dtype))
    inner = getattr(dtype, "dtype", None)
    if isinstance(inner, (str, np.dtype)):
        return str(np.dtype(inner))
    return str(np.dtype(dtype))


class TensorType(Type):
    """Arrays of `dtype` with `len(broadcastable)` dimensions; a True entry means that
    dimension has length 1 and broadcasts."""

    def __init__(self, dtype: Any, broadcastable: Sequence[bool], name: str | None = None):
        dtype = dtype_name(dtype)
        if dtype not in all_dtypes:
            raise TypeError(f"TensorType: unsupported dtype {dtype!r}; use one of {', '.join(all_dtypes)}")
        self.dtype = dtype
        self.broadcastable = tuple(bool(b) for b in broadcastable)
        self.name = name
        self.numpy_dtype = _CANONICAL[dtype]
        self._hash = hash((TensorType, self.dtype, self.broadcastable))

    @property
    def ndim(self) -> int:
        return len(self.broadcastable)

    def clone(self, dtype: Any = None, broadcastable: Sequence[bool] | None = None) -> "TensorType":
        return TensorType(self.dtype if dtype is None else dtype,
                          self.broadcastable if broadcastable is None else broadcastable)

    def __eq__(self, other: object) -> bool:
        return (type(other) is TensorType and other.dtype == self.dtype  # type: ignore[attr-defined]
                and other.broadcastable == self.broadcastable)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return self._hash

    def __str__(self) -> str:
        if self.name:
            return self.name
        return f"TensorType({self.dtype}, {ndim_name(self.broadcastable)})"

    __repr__ = __str__

    # -- values ------------------------------------------------------------------
    def filter(self, data: Any, strict: bool = False, allow_downcast: bool | None = None) -> np.ndarray:
        """`data` as an ndarray of this type, or TypeError saying why it is not one.

        Without allow_downcast, a value is accepted only when the conversion loses nothing:
        a Python float may become floatX; other data must convert exactly.
        """
        if type(data) is np.ndarray and data.dtype == self.numpy_dtype:
            arr = data
        elif not isinstance(data, HOST_DATA) and (on_device := device_arrays.filter_for(data)):
            return on_device(self, data, strict, allow_downcast)
        elif strict:
            if not isinstance(data, np.ndarray):
                raise TypeError(f"expected a numpy.ndarray for {self}, got {type(data).__name__}")
            raise TypeError(f"expected an array of dtype {self.dtype} for {self}, got {data.dtype}")
        elif allow_downcast:
            if type(data) is float and self.numpy_dtype.kind in "iu" and not (
                    np.iinfo(self.numpy_dtype).min <= data <= np.iinfo(self.numpy_dtype).max):
                # As Theano (Python's int conversion): no integer stands for NaN, an infinity
                # or a float beyond the dtype's range, even when casting is allowed.
                raise TypeError(f"cannot convert {data!r} to {self}: no {self.dtype} value stands for it")
            try:
                arr = np.asarray(data, dtype=self.dtype)
            except OverflowError:
                # NumPy 2 refuses a Python int outside the dtype's range; Theano (on NumPy 1)
                # wrapped it around as a cast does, and allow_input_downcast asks for the cast.
                arr = np.asarray(data).astype(self.dtype)
        elif isinstance(data, np.ndarray):
            # An array keeps its dtype's meaning: only a dtype this type holds exactly is
            # accepted. A NumPy scalar (np.float64(1.5)) is a value like a Python number and
            # takes the value-exactness path below, as in Theano.
            self.check_array_dtype(str(data.dtype), strict, allow_downcast)
            arr = data.astype(self.dtype)
        elif allow_downcast is None and type(data) is float and self.dtype == config.floatX:
            arr = np.asarray(data, dtype=self.dtype)
        else:
            try:
                src = np.asarray(data)
            except ValueError as e:
                raise TypeError(f"cannot convert {_short(data)} to {self}: {e}") from None
            if src.dtype == object:
                raise TypeError(f"cannot convert {_short(data)} to {self}: ragged or non-numeric data")
            with np.errstate(all="ignore"):
                arr = src.astype(self.dtype)
                same = (arr == src) | ((arr != arr) & (src != src)) if src.dtype.kind in "fc" else arr == src
            if not np.all(same):
                raise TypeError(
                    f"value {_short(data)} cannot be converted to {self} without loss of precision; "
                    f"pass allow_input_downcast=True to function() to allow it")
        self.check_dims(arr)
        return arr

    def check_array_dtype(self, src_dtype: str, strict: bool, allow_downcast: bool | None) -> None:
        """Raise TypeError unless an array (host or device) of `src_dtype` may become this type:
        its own dtype always; under `strict` nothing else; otherwise a dtype this one holds
        exactly, or any with `allow_downcast`."""
        if src_dtype == self.dtype or (not strict and (allow_downcast or upcast(self.dtype, src_dtype) == self.dtype)):
            return
        if strict:
            raise TypeError(f"expected an array of dtype {self.dtype} for {self}, got {src_dtype}")
        raise TypeError(f"an array of dtype {src_dtype} cannot be converted to {self} without loss of "
                        f"precision; cast it yourself, or pass allow_input_downcast=True to function()")

    def check_dims(self, arr: Any) -> None:
        """Raise TypeError unless the array (host or device) has this type's rank and length 1
        along its broadcastable dimensions."""
        if arr.ndim != len(self.broadcastable):
            raise TypeError(f"wrong number of dimensions for {self}: expected {self.ndim}, got "
                            f"{arr.ndim} with shape {arr.shape}")
        for axis, (b, n) in enumerate(zip(self.broadcastable, arr.shape)):
            if b and n != 1:
                raise TypeError(f"{self} has a broadcastable dimension {axis}, which must have length 1, "
                                f"but the value has shape {arr.shape}")

    def fast_filter(self, strict: bool = False, allow_downcast: bool | None = None):
        """A filter for the common cases of a call (an ndarray of exactly this type; for a 0-d
        input a Python float, or a NumPy scalar that converts exactly), deferring everything
        else, and every refusal, to `filter`."""
        dtype, nd = self.numpy_dtype, self.ndim
        plain = not any(self.broadcastable)
        full, ndarray, array = self.filter, np.ndarray, np.array
        scalar_in = nd == 0 and not strict
        py_float = scalar_in and self.dtype in ("float64", "float32")
        # A Python float becomes a float32 scalar when that loses nothing, or when Theano's
        # rule lets it (allow_downcast, or float32 is floatX).
        lossy_ok = bool(allow_downcast) or (allow_downcast is None and self.dtype == config.floatX)
        own = dtype.type
        # NumPy scalars of other kinds: a converter per class (None: leave it to `filter`).
        others = _scalar_converters(dtype, bool(allow_downcast)) if scalar_in else {}

        def f(a: Any) -> Any:
            if type(a) is ndarray and a.dtype == dtype and a.ndim == nd and plain:
                return a
            if scalar_in:
                t = type(a)
                if t is own:
                    return array(a)
                if py_float and t is float:
                    v = array(a, dtype)
                    if lossy_ok or float(v) == a or a != a:
                        return v
                conv = others.get(t)
                if conv is not None:
                    v = conv(a)
                    if v is not None:
                        return v
            return full(a, strict, allow_downcast)

        return f

    def value_zeros(self, shape: Sequence[int]) -> np.ndarray:
        return np.zeros(shape, dtype=self.dtype)

    def values_eq(self, a: Any, b: Any) -> bool:
        return bool(np.shape(a) == np.shape(b) and np.array_equal(a, b, equal_nan=a.dtype.kind in "fc"))

    def values_eq_approx(self, a: Any, b: Any, rtol: float | None = None, atol: float | None = None) -> bool:
        if np.shape(a) != np.shape(b):
            return False
        if self.dtype not in ("float16", "float32", "float64", "complex64", "complex128"):
            return bool(np.array_equal(a, b))
        tol = {"float16": 1e-2, "float32": 1e-5, "complex64": 1e-5}.get(self.dtype, 1e-8)
        return bool(np.allclose(a, b, rtol=rtol or tol * 10, atol=atol or tol, equal_nan=True))

    def data_signature(self, data: Any) -> Any:
        arr = np.asarray(data)
        if arr.size > 64:
            return (arr.shape, arr.dtype.str, hash(arr.tobytes()))
        return (arr.shape, arr.dtype.str, arr.tobytes())

    def convert_variable(self, var: Any) -> Any:
        """`var` re-typed to this type when it is the same array type with at least as many
        broadcastable dimensions, else None."""
        t = var.type
        if t == self:
            return var
        if (isinstance(t, TensorType) and t.dtype == self.dtype and t.ndim == self.ndim
                and all(ob or not sb for sb, ob in zip(self.broadcastable, t.broadcastable))):
            # cycle: tensor.type -> tensor.basic -> tensor.type
            from .basic import patternbroadcast

            return patternbroadcast(var, self.broadcastable)
        return None

    def get_shape_info(self, obj: Any) -> Any:
        return obj.shape


#: The NumPy scalar classes a 0-d input's fast filter converts itself (np.longdouble, complex
#: and bool values take TensorType.filter's general path).
_FLOAT_SCALARS = (np.float16, np.float32, np.float64)
_INT_SCALARS = (np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64)
#: Integers up to 2**p convert exactly to a float of p-bit significand; beyond, Theano's check
#: compares rounded values, which TensorType.filter reproduces.
_EXACT_INT_BITS = {"float16": 11, "float32": 24, "float64": 53}


def _scalar_converters(dtype: np.dtype, downcast: bool) -> dict:
    """For a 0-d input of `dtype`: NumPy scalar class -> a function that returns the value
    as a 0-d array of dtype when the conversion is exact (or, with `downcast`, a plain cast
    that stays in range), else None so that TensorType.filter decides (and explains a refusal).
    They agree with filter's rule: a value is accepted without allow_downcast only when it
    survives the conversion unchanged."""
    array = np.array
    convs: dict = {}
    if dtype.kind == "f":
        hi = float(np.finfo(dtype).max)
        lim = 2 ** _EXACT_INT_BITS[dtype.name] if dtype.name in _EXACT_INT_BITS else 0

        def from_float(a: Any) -> Any:
            x = float(a)
            if -hi <= x <= hi:  # also false for NaN and infinities: filter handles those
                v = array(x, dtype)
                if downcast or float(v) == x:
                    return v
            return None

        def from_int(a: Any) -> Any:
            x = int(a)
            return array(x, dtype) if -lim <= x <= lim else None

        convs.update({t: from_float for t in _FLOAT_SCALARS if t is not dtype.type})
        if lim:
            convs.update({t: from_int for t in _INT_SCALARS})
    elif dtype.kind in "iu":
        info = np.iinfo(dtype)
        lo, hi = int(info.min), int(info.max)

        def int_from_int(a: Any) -> Any:
            x = int(a)
            return array(x, dtype) if lo <= x <= hi else None

        def int_from_float(a: Any) -> Any:
            x = float(a)
            return array(int(x), dtype) if lo <= x <= hi and x == int(x) else None

        convs.update({t: int_from_int for t in _INT_SCALARS if t is not dtype.type})
        convs.update({t: int_from_float for t in _FLOAT_SCALARS})
    return convs


def _short(data: Any) -> str:
    s = repr(data)
    return s if len(s) < 60 else s[:57] + "..."
