"""`theano.updates.OrderedUpdates`: the (shared variable -> new value) mapping that
`theano.scan` returns and `theano.function(updates=...)` accepts, as in Theano 1.0."""
from __future__ import annotations

from collections import OrderedDict
from typing import Any

from .compile.sharedvalue import SharedVariable

__all__ = ["OrderedUpdates"]


def _same(a: Any, b: Any) -> bool:
    """Whether two update values are the same one (an identical variable, or equal plain values)."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # arrays and the like: only identity counts
        return False


class OrderedUpdates(OrderedDict):
    """Updates keyed by shared variables, in insertion order; `+` is their union.

    As in Theano 1.0.5: keys must be SharedVariables (TypeError otherwise); `update` and
    `+` raise KeyError('Collision', key) when both sides update the same variable to
    different values; `a + b` and `dict + a` return a new OrderedUpdates (for `dict + a`,
    a's entries come first); `a += b` rebinds `a` to the union and leaves the old object
    unchanged. Theano's warning about initialising from a plain dict is left out: dicts
    keep insertion order since Python 3.7.
    """

    def __init__(self, *args: Any, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for key in self:
            if not isinstance(key, SharedVariable):
                raise TypeError("OrderedUpdates keys must inherit from SharedVariable", key)

    def __setitem__(self, key: Any, value: Any) -> None:
        if not isinstance(key, SharedVariable):
            raise TypeError("OrderedUpdates keys must inherit from SharedVariable", key)
        super().__setitem__(key, value)

    def update(self, other: Any = None) -> None:
        """Add the pairs of `other` (a mapping or (key, value) pairs); KeyError('Collision', key)
        for a variable already updated to a different value."""
        if other is None:
            return
        for key, val in OrderedDict(other).items():
            if key in self:
                if _same(self[key], val):
                    continue
                raise KeyError("Collision", key)
            self[key] = val

    def __add__(self, other: Any) -> "OrderedUpdates":
        rval = OrderedUpdates()
        rval.update(self)
        rval.update(other)
        return rval

    def __radd__(self, other: Any) -> "OrderedUpdates":
        # Theano 1.0.5's order for `dict + OrderedUpdates`: the OrderedUpdates' entries first.
        rval = OrderedUpdates()
        rval.update(self)
        rval.update(other)
        return rval

    # No __iadd__, as in Theano: `a += b` falls back to `a = a + b`.
