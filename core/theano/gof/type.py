"""`theano.gof.type`: the Type base class and `Generic`, the type of arbitrary Python objects."""
from __future__ import annotations

from typing import Any

from ..graph.type import Type

__all__ = ["Type", "Generic", "generic", "PureType", "CLinkerType"]

PureType = Type  # Theano split Type into PureType + CLinkerType; one class here
CLinkerType = Type


class Generic(Type):
    """The type of any Python object (an op's non-tensor parameter or result)."""

    def filter(self, data: Any, strict: bool = False, allow_downcast: bool | None = None) -> Any:
        return data

    def is_valid_value(self, data: Any) -> bool:
        return True

    def __eq__(self, other: object) -> bool:
        return type(self) is type(other)

    def __hash__(self) -> int:
        return hash(type(self))

    def __str__(self) -> str:
        return "generic"

    def data_signature(self, data: Any) -> Any:
        return id(data)


generic = Generic()
