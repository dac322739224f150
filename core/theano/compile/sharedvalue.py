"""Shared variables: values that live between calls, read and updated by functions."""
from __future__ import annotations

import copy
import itertools
import threading
from typing import Any, Callable

import numpy as np

from ..graph.basic import Variable
from ..graph.sourceinfo import user_frame

__all__ = ["SharedVariable", "Container", "shared", "shared_constructor"]


_container_ids = itertools.count()


class Container:
    """Holds a shared variable's value where it was last used (host or a backend's device).

    `state` is the pair (value, backend): backend is None when the value is a host NumPy
    array (or other host object), else the Backend whose native array type holds it.
    Transfers happen only when another place asks for the value.

    Threads: the pair is one attribute, replaced whole and never modified in place, so a
    reader that takes no lock still gets a value together with the place it lives. `lock`
    (reentrant: a call made from inside another's node, in the same thread, does not hang)
    is held by a function call that updates this variable, from reading its shared values
    to storing the updates, and by `store` (set_value), so those are serialized; `order`
    (creation order) is the order in which a call takes several such locks, which keeps
    calls that update overlapping sets of variables from deadlocking.
    """

    def __init__(self, type: Any, value: Any, name: str | None = None):
        self.type = type
        self.state = (value, None)
        self.name = name
        self.lock = threading.RLock()
        self.order = next(_container_ids)

    @property
    def value(self) -> Any:
        """The value, wherever it lives (a device array when `backend` is not None)."""
        return self.state[0]

    @property
    def backend(self) -> Any:
        """None when the value is on the host, else the Backend that holds it."""
        return self.state[1]

    def host_value(self) -> Any:
        value, backend = self.state
        if backend is None or backend.host_native:
            return value
        return backend.to_host(value)

    def value_for(self, backend: Any) -> Any:
        """The value as `backend`'s native array, moving it there if needed.

        The moved value is kept (so the next call finds it there) only when nobody holds the
        lock and the value has not changed meanwhile: a call that is updating this variable
        must not see its update replaced by a copy of the older value, and a caller that
        holds this lock itself (or other locks) must not wait for it here."""
        st = self.state
        value, here = st
        if backend is here or (backend.host_native and (here is None or here.host_native)):
            return value
        host = value if here is None or here.host_native else here.to_host(value)
        moved = host if backend.host_native else backend.to_device(host)
        if self.lock.acquire(False):
            try:
                if self.state is st:
                    self.state = (moved, None if backend.host_native else backend)
            finally:
                self.lock.release()
        return moved

    def store(self, value: Any, backend: Any) -> None:
        """Replace the value (it lives on `backend`, None for the host); waits for a call
        that is updating this variable to finish, so that call's update cannot overwrite it."""
        with self.lock:
            self.state = (value, None if backend is None or backend.host_native else backend)

    def __getstate__(self):
        d = dict(self.__dict__)
        d["state"] = (self.host_value(), None)
        del d["lock"], d["order"]
        return d

    def __setstate__(self, d):
        if "value" in d:  # pickled before the value and its place became one attribute
            d["state"] = (d.pop("value"), None)
            d.pop("backend", None)
        self.__dict__.update(d)
        self.lock = threading.RLock()
        self.order = next(_container_ids)


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
        value, backend = self.container.state  # one read: a value and where it lives
        if return_internal_type and borrow:
            return value
        if backend is None or backend.host_native:
            return value if borrow else value.copy()
        host = backend.to_host(value)  # brought back from a device: already a copy
        # A value the device backend holds on the host (a sparse matrix, a generator) comes
        # back as it is: copy it, or the caller would write into the shared value.
        return host.copy() if host is value and not borrow else host

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
        var.tag.trace = user_frame()
        return var
    raise TypeError(f"theano.shared: no shared-variable type holds a value of type "
                    f"{type(value).__name__} ({value!r:.60})")
