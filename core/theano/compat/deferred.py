"""Libraries imported when first used, not when theano starts.

SciPy's sparse and linalg packages cost about 0.3 s of every process's start-up (scipy.sparse
alone 0.2 s, with NumPy's f2py that SciPy's array-API layer pulls in), and a backend's lowering
table imports the sparse and linear-algebra ops to name their classes. Their modules name
SciPy through a `DeferredModule`, which imports it at the first attribute read, so a program
that never touches a sparse matrix or a decomposition never pays for SciPy.
"""
from __future__ import annotations

import importlib
import sys
from types import ModuleType
from typing import Any

__all__ = ["DeferredModule", "loaded"]


class DeferredModule:
    """Stands for the module `name`: the first attribute read imports it (importlib's own lock
    makes that safe from many threads) and every read goes to the module itself."""

    def __init__(self, name: str):
        self.__dict__["_name"] = name
        self.__dict__["_module"] = None

    def _load(self) -> ModuleType:
        module = self.__dict__["_module"]
        if module is None:
            module = self.__dict__["_module"] = importlib.import_module(self.__dict__["_name"])
        return module

    def __getattr__(self, attr: str) -> Any:
        return getattr(self._load(), attr)

    def __setattr__(self, attr: str, value: Any) -> None:
        raise AttributeError(f"{self.__dict__['_name']} is read through a DeferredModule: set {attr} on the module")

    def __repr__(self) -> str:
        state = "imported" if self.__dict__["_module"] is not None else "not imported yet"
        return f"<deferred module {self.__dict__['_name']!r} ({state})>"


def loaded(name: str) -> ModuleType | None:
    """The module `name` if some code has imported it already, else None: what is not imported
    has made no objects that a type check could meet (scipy.sparse.issparse is False for every
    value while scipy.sparse is not imported)."""
    return sys.modules.get(name)
