"""In and Out: how a function's inputs and outputs are passed."""
from __future__ import annotations

from typing import Any

from ..graph.basic import Variable

__all__ = ["In", "Out", "SymbolicInput", "SymbolicOutput"]

class _NoValue:
    """The "no default" marker; one instance, kept as such through pickling so that an
    unpickled In still knows it has no default."""

    _instance = None

    def __new__(cls):
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __reduce__(self):
        return (_NoValue, ())

    def __repr__(self) -> str:
        return "<no value>"


_NO_VALUE = _NoValue()


class In:
    """A function input: the variable, its keyword name, a default value, and options.

    `value` gives a default used when the argument is omitted; `update` makes the
    input's default change after each call (with `mutable`); `borrow` lets the
    function keep a reference to the argument.
    """

    def __init__(self, variable: Variable, name: str | None = None, value: Any = _NO_VALUE,
                 update: Variable | None = None, mutable: bool | None = None, strict: bool = False,
                 allow_downcast: bool | None = None, autoname: bool = True, implicit: bool = False,
                 borrow: bool = False, shared: bool = False):
        if not isinstance(variable, Variable):
            raise TypeError(f"In: expected a Variable, got {type(variable).__name__}")
        self.variable = variable
        self.name = name if name is not None else (variable.name if autoname else None)
        self.value = value
        self.update = update
        self.mutable = bool(mutable) if mutable is not None else update is not None
        self.strict = strict
        self.allow_downcast = allow_downcast
        self.implicit = implicit
        self.borrow = borrow
        if update is not None:
            raise NotImplementedError(
                f"In({variable}, update=...) is not supported: keep the state in a shared variable "
                f"(theano.shared) and pass updates= to theano.function")

    @property
    def has_default(self) -> bool:
        return self.value is not _NO_VALUE

    def __repr__(self) -> str:
        return f"In({self.variable}{', value=' + repr(self.value) if self.has_default else ''})"


SymbolicInput = In
Param = In


class Out:
    """A function output; borrow=True lets the function return its internal buffer."""

    def __init__(self, variable: Variable, borrow: bool = False):
        self.variable = variable
        self.borrow = borrow

    def __repr__(self) -> str:
        return f"Out({self.variable}, borrow={self.borrow})"


SymbolicOutput = Out
