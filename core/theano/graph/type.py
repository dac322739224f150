"""Type: what values a Variable may hold, and how raw data is checked into it."""
from __future__ import annotations

from typing import Any

from .basic import Constant, Variable
from .sourceinfo import user_frame

__all__ = ["Type"]


class Type:
    """Base of all types. Subclasses define `filter` and equality."""

    Variable = Variable
    Constant = Constant

    def filter(self, data: Any, strict: bool = False, allow_downcast: bool | None = None) -> Any:
        """Return `data` as a valid value of this type, or raise TypeError naming the problem."""
        raise NotImplementedError

    def is_valid_value(self, data: Any) -> bool:
        try:
            self.filter(data, strict=True)
            return True
        except (TypeError, ValueError):
            return False

    def make_variable(self, name: str | None = None) -> Variable:
        v = self.Variable(self, None, None, name)
        v.tag.trace = user_frame()
        return v

    def __call__(self, name: str | None = None) -> Variable:
        return self.make_variable(name)

    def make_constant(self, data: Any, name: str | None = None) -> Constant:
        return self.Constant(self, data, name)

    def convert_variable(self, var: Variable) -> Variable | None:
        """`var` as a variable of this type when that is safe, else None."""
        return var if var.type == self else None

    def values_eq(self, a: Any, b: Any) -> bool:
        return a == b

    def values_eq_approx(self, a: Any, b: Any) -> bool:
        return self.values_eq(a, b)

    def data_signature(self, data: Any) -> Any:
        """A hashable digest of a constant's value, for merging equal constants."""
        return data
