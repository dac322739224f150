"""Gradients that do not exist: the types and constructors an op's grad returns for an input
the output does not depend on (DisconnectedType) or whose gradient is undefined or not
implemented (NullType). Ops of every layer return them, so they sit below the gradient
algorithm (theano.gradient, which re-exports them under their Theano 1.0 names)."""
from __future__ import annotations

from typing import Any

from .basic import Variable
from .type import Type

__all__ = ["DisconnectedType", "NullType", "grad_not_implemented", "grad_undefined"]


class DisconnectedType(Type):
    """The type of a gradient that does not exist because the output does not depend on the input."""

    is_disconnected = True

    def filter(self, data, strict=False, allow_downcast=None):
        raise TypeError("a disconnected gradient has no value")

    def __eq__(self, other):
        return type(self) is type(other)

    def __hash__(self):
        return hash(DisconnectedType)

    def __str__(self):
        return "DisconnectedType"


class NullType(Type):
    """The type of a gradient that is undefined or not implemented; `why_null` says which."""

    def __init__(self, why_null: str = "(no explanation given)"):
        self.why_null = why_null

    def filter(self, data, strict=False, allow_downcast=None):
        raise TypeError(f"no value is allowed for a null gradient: {self.why_null}")

    def __eq__(self, other):
        return type(self) is type(other) and self.why_null == other.why_null

    def __hash__(self):
        return hash((NullType, self.why_null))

    def __str__(self):
        return "NullType"


def grad_not_implemented(op: Any, x_pos: int, x: Variable, comment: str = "") -> Variable:
    """A placeholder gradient: an error if anything actually needs it."""
    return NullType(f"the gradient of {op} with respect to its input {x_pos} is not implemented. "
                    f"{comment}")()


def grad_undefined(op: Any, x_pos: int, x: Variable, comment: str = "") -> Variable:
    """A placeholder gradient for an input where the gradient is mathematically undefined."""
    return NullType(f"the gradient of {op} with respect to its input {x_pos} is undefined. {comment}")()


def _is_disconnected(v: Any) -> bool:
    return v is None or isinstance(getattr(v, "type", None), DisconnectedType)


def _is_null(v: Any) -> bool:
    return isinstance(getattr(v, "type", None), NullType)
