"""Variable constructors: bscalar ... ztensor7, the floatX generics, and the plurals."""
from __future__ import annotations

from typing import Any, Callable, Sequence

from ..config import config
from .type import TensorType
from .var import TensorVariable
from .type import dtype_name

_PREFIX = {"b": "int8", "w": "int16", "i": "int32", "l": "int64", "f": "float32", "d": "float64",
           "c": "complex64", "z": "complex128"}
_SHAPES: dict[str, tuple[bool, ...]] = {
    "scalar": (), "vector": (False,), "matrix": (False, False), "row": (True, False),
    "col": (False, True), **{f"tensor{n}": (False,) * n for n in range(3, 8)},
}
_PLURAL = {"scalar": "scalars", "vector": "vectors", "matrix": "matrices", "row": "rows", "col": "cols",
           **{f"tensor{n}": f"tensor{n}s" for n in range(3, 8)}}

__all__ = ["tensor", "TensorType"]


def _resolve_dtype(dtype: Any) -> str:
    if dtype is None or dtype == "floatX":
        return config.floatX
    return dtype_name(dtype)


def tensor(*args: Any, **kwargs: Any) -> TensorVariable:
    """A variable of any type: ``tensor(dtype, broadcastable, name=None)`` (Theano's order),
    or ``tensor(dtype=..., broadcastable=..., name=...)``."""
    dtype = kwargs.pop("dtype", None)
    bcast = kwargs.pop("broadcastable", None)
    name = kwargs.pop("name", None)
    rest = list(args)
    if rest and dtype is None:
        dtype = rest.pop(0)
    if rest and bcast is None:
        bcast = rest.pop(0)
    if rest and name is None:
        name = rest.pop(0)
    if kwargs:
        raise TypeError(f"tensor() got unexpected arguments {sorted(kwargs)}")
    if bcast is None:
        raise TypeError("tensor() needs a broadcastable pattern, e.g. tensor('float64', (False, False))")
    return TensorType(_resolve_dtype(dtype), bcast)(name)


def _make_generic(kind: str) -> Callable[..., TensorVariable]:
    bcast = _SHAPES[kind]

    def ctor(name: str | None = None, dtype: Any = None) -> TensorVariable:
        return TensorType(_resolve_dtype(dtype), bcast)(name)

    ctor.__doc__ = f"A symbolic {kind} of dtype `dtype` (default config.floatX)."
    ctor.__name__ = kind
    return ctor


def _make_plural(single: Callable[..., TensorVariable], kind: str) -> Callable[..., Any]:
    """Theano 1.0's `_multi`: an int n gives n unnamed variables (a list, even for 1); several
    names, or one sequence of names (a string is a sequence of one-letter names: 'xy'), give
    one variable per name; exactly one name gives that one variable (not a list)."""
    def ctor(*names: Any, **kw: Any) -> Any:
        if names and isinstance(names[0], int):
            return [single(**kw) for _ in range(names[0])]
        if len(names) == 1:
            names = names[0]
        if len(names) == 1:
            return single(names, **kw)
        return [single(n, **kw) for n in names]

    ctor.__doc__ = f"Several {kind} variables, one per name (or an int count)."
    return ctor


def _define(ns: dict) -> list[str]:
    names = []
    for kind in _SHAPES:
        generic = _make_generic(kind)
        ns[kind] = generic
        ns[_PLURAL[kind]] = _make_plural(generic, kind)
        names += [kind, _PLURAL[kind]]
        for p, dt in _PREFIX.items():
            # As in Theano 1.0, `dmatrix` & co. are the types themselves: dmatrix('x') makes a
            # variable, and dmatrix.dtype, dmatrix.broadcastable and as_op(itypes=[dmatrix]) work.
            single = TensorType(dt, _SHAPES[kind])
            ns[p + kind] = single
            ns[p + _PLURAL[kind]] = _make_plural(single, kind)
            names += [p + kind, p + _PLURAL[kind]]
    return names


__all__ += _define(globals())
