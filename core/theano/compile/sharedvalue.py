"""Shared variables: values that live between calls, read and updated by functions."""
from __future__ import annotations

import copy
import threading
from typing import Any, Callable

import numpy as np

from ..graph.basic import Variable

__all__ = ["SharedVariable", "Container", "shared", "shared_constructor"]


class Container:
    """Holds a shared variable's value where it was last used (host or a backend's device).

    `backend` is None when the value is a host NumPy array, else the Backend whose native
    array type holds it. Transfers happen only when another place asks for the value.
    """

    def __init__(self, type: Any, value: Any, name: str | None = None):
        self.type = type
        self.value = value
        self.backend = None
        self.name = name
        self.lock = threading.Lock()

    def host_value(self) -> Any:
        if self.backend is None or self.backend.host_native:
            return self.value
        return self.backend.to_host(self.value)

    def value_for(self, backend: Any) -> Any:
        """The value as `backend`'s native array, moving it there if needed."""
        if backend is self.backend or (backend.host_native and (self.backend is None or
                                                                self.backend.host_native)):
            return self.value
        host = self.host_value()
        self.value = host if backend.host_native else backend.to_device(host)
        self.backend = None if backend.host_native else backend
        return self.value

    def store(self, value: Any, backend: Any) -> None:
        self.value = value
        self.backend = None if backend is None or backend.host_native else backend

    def __getstate__(self):
        d = dict(self.__dict__)
        d["value"] = self.host_value()
        d["backend"] = None
        del d["lock"]
        return d

    def __setstate__(self, d):
        self.__dict__.update(d)
        self.lock = threading.Lock()


class SharedVariable(Variable):
    """A variable with a value that functions read as an implicit input and may update."""

    def __init__(self, name: str | None, type: Any, value: Any, strict: bool,
                 allow_downcast: bool | None = None, container: Container | None = None):
        super().__init__(type, None, None, name)
        if container is not None:
            self.container = container
        else:
            self.container = Container(type, type.filter(value, strict=strict,
                                                         allow_downcast=allow_downcast), name)
        self.default_update = None

    def get_value(self, borrow: bool = False, return_internal_type: bool = False) -> Any:
        """The current value as a NumPy array (a copy unless borrow=True)."""
        if return_internal_type and borrow:
            return self.container.value
        v = self.container.host_value()
        fresh = v is not self.container.value  # brought back from a device: already a copy
        return v if borrow or fresh else v.copy()

    def set_value(self, new_value: Any, borrow: bool = False) -> None:
        """Replace the value; it is checked against the variable's type (dtype, ndim)."""
        try:
            v = self.type.filter(new_value, strict=False, allow_downcast=None)
        except (TypeError, ValueError) as e:
            raise TypeError(f"set_value on shared variable {self.name or self}: {e}") from None
        if not borrow and v is new_value:
            v = v.copy()
        self.container.store(v, None)

    @property
    def value(self):
        return self.get_value()

    def zero(self, borrow: bool = False) -> None:
        self.set_value(np.zeros_like(self.get_value(borrow=True)), borrow=True)

    def clone(self) -> "SharedVariable":
        cp = self.__class__(self.name, self.type, None, strict=None, container=self.container)
        cp.tag = copy.copy(self.tag)
        cp.default_update = self.default_update
        return cp

    def __str__(self) -> str:
        return self.name if self.name is not None else f"<{self.type}>"

    def __getstate__(self):
        d = dict(self.__dict__)
        d.pop("_eval_cache", None)
        return d


_constructors: list[Callable[..., SharedVariable]] = []


def shared_constructor(ctor: Callable[..., SharedVariable], remove: bool = False) -> Callable:
    """Register a function that builds a shared variable for values it recognises
    (it raises TypeError for others). The last registered is tried first."""
    if remove:
        _constructors.remove(ctor)
    else:
        _constructors.append(ctor)
    return ctor


def shared(value: Any, name: str | None = None, strict: bool = False, allow_downcast: bool | None = None,
           **kwargs: Any) -> SharedVariable:
    """A shared variable holding `value` (a copy unless borrow=True)."""
    if isinstance(value, Variable):
        raise TypeError("theano.shared takes a value (e.g. a NumPy array), not a symbolic variable")
    borrow = kwargs.pop("borrow", False)
    for ctor in reversed(_constructors):
        try:
            var = ctor(value, name=name, strict=strict, allow_downcast=allow_downcast, borrow=borrow,
                       **kwargs)
        except TypeError:
            continue
        from ..graph.sourceinfo import user_frame

        var.tag.trace = user_frame()
        return var
    raise TypeError(f"theano.shared: no shared-variable type holds a value of type "
                    f"{type(value).__name__} ({value!r:.60})")
