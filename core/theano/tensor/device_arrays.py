"""Arrays that live on a device (CuPy's, say), which NumPy cannot read implicitly.

A backend whose device arrays users may hold registers a *provider*: a callable returning
(array class, filter) once the array library is imported, and None before (so registering
never imports it). `TensorType.filter` and `theano.shared` then take such arrays as they are
(`f(x)`, `shared.set_value(x)`, `theano.shared(x)`), checked and cast on the device by the
backend's filter instead of failing on an implicit host conversion.

A filter is called as ``filter(ttype, value, strict, allow_downcast)`` and returns the value
as `ttype` holds it or raises TypeError, as `TensorType.filter` does for host data.
"""
from __future__ import annotations

from typing import Any, Callable

Provider = Callable[[], "tuple[type, Callable[..., Any]] | None"]
_providers: list[Provider] = []


def register(provider: Provider) -> None:
    """Add a provider of a device array class and its filter (once per provider)."""
    if provider not in _providers:
        _providers.append(provider)


def filter_for(value: Any) -> Callable[..., Any] | None:
    """The filter of the device array class `value` belongs to, or None for other values."""
    for provider in _providers:
        got = provider()
        if got is not None and isinstance(value, got[0]):
            return got[1]
    return None
