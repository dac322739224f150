"""RandomStateType: a NumPy random generator as a graph value, and its shared variables.

A generator is mutable, so every op that draws from one copies it first and returns the
advanced copy as a new value; a shared variable's default_update then carries the new
state over to the next call.
"""
from __future__ import annotations

import copy
from typing import Any

import numpy as np

from ..compile.sharedvalue import SharedVariable, shared_constructor
from ..graph.type import Type

__all__ = ["RandomStateType", "RandomStateSharedVariable", "random_state_type", "random_generator_type"]

_KINDS = {"RandomState": np.random.RandomState, "Generator": np.random.Generator}


class RandomStateType(Type):
    """Values are `numpy.random.RandomState` (kind='RandomState') or `numpy.random.Generator`."""

    def __init__(self, kind: str = "RandomState"):
        if kind not in _KINDS:
            raise ValueError(f"RandomStateType: kind must be one of {', '.join(_KINDS)}, got {kind!r}")
        self.kind = kind

    def filter(self, data: Any, strict: bool = False, allow_downcast: bool | None = None) -> Any:
        """`data` itself when it is a generator of this kind, else TypeError."""
        if isinstance(data, _KINDS[self.kind]):
            return data
        raise TypeError(f"{self} expects a numpy.random.{self.kind}, got {type(data).__name__}")

    def __eq__(self, other: object) -> bool:
        return type(other) is RandomStateType and other.kind == self.kind  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((RandomStateType, self.kind))

    def __str__(self) -> str:
        return f"RandomStateType({self.kind})"

    __repr__ = __str__

    def values_eq(self, a: Any, b: Any) -> bool:
        return _state_key(a) == _state_key(b)

    def data_signature(self, data: Any) -> Any:
        return ("rng", id(data))  # two generator constants are never merged


def _state_key(g: Any) -> Any:
    st = g.get_state() if isinstance(g, np.random.RandomState) else g.bit_generator.state
    return repr(st)


random_state_type = RandomStateType("RandomState")
random_generator_type = RandomStateType("Generator")


class RandomStateSharedVariable(SharedVariable):
    """A shared generator; get_value and set_value copy it unless borrow=True."""

    def get_value(self, borrow: bool = False, return_internal_type: bool = False) -> Any:
        """The generator (a deep copy unless borrow=True)."""
        v = self.container.value
        return v if borrow else copy.deepcopy(v)

    def set_value(self, new_value: Any, borrow: bool = False) -> None:
        """Replace the generator; it must be of the variable's kind."""
        try:
            v = self.type.filter(new_value)
        except TypeError as e:
            raise TypeError(f"set_value on shared variable {self.name or self}: {e}") from None
        self.container.store(v if borrow else copy.deepcopy(v), None)

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other


@shared_constructor
def randomstate_constructor(value: Any, name: str | None = None, strict: bool = False,
                            allow_downcast: bool | None = None, borrow: bool = False,
                            **kwargs: Any) -> RandomStateSharedVariable:
    """theano.shared(numpy.random.RandomState(...)) or of a numpy.random.Generator."""
    for kind, cls in _KINDS.items():
        if isinstance(value, cls):
            t = RandomStateType(kind)
            return RandomStateSharedVariable(name=name, type=t, value=value if borrow else copy.deepcopy(value),
                                             strict=strict, allow_downcast=allow_downcast)
    raise TypeError(f"not a numpy generator: {type(value).__name__}")


RandomStateType.SharedVariable = RandomStateSharedVariable
