"""The public names of Theano 1.0.5 that this implementation deliberately lacks, with why and
what to use instead.

The data is `absent_names.py` beside this file: groups of names of one Theano module that
share a reason (which says what to use instead). Accessing such a name raises an
AttributeError (`module_getattr`, installed as the modules' `__getattr__`), importing such a
submodule an ImportError (`AbsentModuleFinder`), whose message says that it is deliberately
absent, why, and what to use. tests/test_inventory.py checks that every public name of the
recorded Theano 1.0.5 inventory is either present here or listed here.
"""
from __future__ import annotations

import importlib.abc
import importlib.machinery
import sys
import unittest
from typing import Any, Callable

__all__ = ["install", "ABSENT", "AbsentNameError", "AbsentModuleError", "RemovedBackendError", "AbsentModuleFinder",
           "absent_reason", "module_getattr"]

from .absent_names import GROUPS


def _load() -> tuple[dict[str, dict[str, str]], set[str]]:
    """({module: {name: reason}}, the dotted names of absent submodules) from GROUPS; a group
    of kind "modules" lists submodules, which importing must refuse."""
    out: dict[str, dict[str, str]] = {}
    modules: set[str] = set()
    for module, kind, reason, names in GROUPS:
        listed = out.setdefault(module, {})
        for name in names.split():
            if name in listed:
                raise ValueError(f"absent_names: {module}.{name} is listed twice")
            listed[name] = reason
            if kind == "modules":
                modules.add(f"{module}.{name}")
    return out, modules


ABSENT, _ABSENT_MODULES = _load()


class AbsentNameError(AttributeError):
    """A Theano 1.0 name that this implementation deliberately lacks."""


class AbsentModuleError(ImportError):
    """A Theano 1.0 module that this implementation deliberately lacks."""


class RemovedBackendError(AbsentModuleError, unittest.SkipTest):
    """Importing theano.sandbox.cuda: Theano 1.0 raised a SkipTest here (the old GPU backend
    was removed); this is both that and an ImportError, so either handler sees it."""


def absent_reason(module: str, name: str) -> str | None:
    """Why `module.name` is deliberately absent, or None if it is not listed."""
    return ABSENT.get(module, {}).get(name)


def _message(module: str, name: str, reason: str) -> str:
    return f"{module}.{name} (Theano 1.0) is deliberately absent from this implementation: {reason}"


def module_getattr(module: str, fallback: Callable[[str], Any] | None = None) -> Callable[[str], Any]:
    """A module `__getattr__` that explains the deliberately absent names of `module` and
    otherwise calls `fallback` (or raises a plain AttributeError)."""
    def __getattr__(name: str) -> Any:
        reason = absent_reason(module, name)
        if reason is not None:
            raise AbsentNameError(_message(module, name, reason))
        if fallback is not None:
            return fallback(name)
        raise AttributeError(f"module {module!r} has no attribute {name!r}")

    return __getattr__


def install(module: Any) -> None:
    """Give an imported module that lacks one a `__getattr__` that explains its absent names
    (modules whose own file does not set `__getattr__ = module_getattr(__name__)`)."""
    if module.__name__ in ABSENT and "__getattr__" not in vars(module):
        module.__getattr__ = module_getattr(module.__name__)


def install_all() -> None:
    """`install` on every module with absent names that is imported now."""
    for name in ABSENT:
        if name in sys.modules:
            install(sys.modules[name])


class _RaisingLoader(importlib.abc.Loader):
    def __init__(self, fullname: str, reason: str):
        self.fullname, self.reason = fullname, reason

    def create_module(self, spec: Any) -> None:
        return None

    def exec_module(self, module: Any) -> None:
        parent, _, name = self.fullname.rpartition(".")
        error = RemovedBackendError if self.fullname == "theano.sandbox.cuda" else AbsentModuleError
        raise error(_message(parent, name, self.reason), name=self.fullname)


class _InstallingLoader(importlib.abc.Loader):
    """Loads a module with its own loader, then installs the absent-name `__getattr__`."""

    def __init__(self, loader: Any):
        self.loader = loader

    def create_module(self, spec: Any) -> Any:
        return self.loader.create_module(spec)

    def exec_module(self, module: Any) -> None:
        self.loader.exec_module(module)
        install(module)

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename ... of the real loader
        return getattr(self.loader, name)


class AbsentModuleFinder(importlib.abc.MetaPathFinder):
    """Import hook for the Theano modules with absent names: a module that exists here gets
    its `__getattr__` that explains them when it loads (however it is imported); a listed
    submodule that does not exist raises an ImportError that says why."""

    def find_spec(self, fullname: str, path: Any = None, target: Any = None) -> Any:
        if fullname not in ABSENT and fullname not in _ABSENT_MODULES:
            return None
        for finder in sys.meta_path:
            if finder is self or not hasattr(finder, "find_spec"):
                continue
            spec = finder.find_spec(fullname, path, target)
            if spec is not None:  # a real module of that name always wins
                if spec.loader is not None and fullname in ABSENT:
                    spec.loader = _InstallingLoader(spec.loader)
                return spec
        if fullname in _ABSENT_MODULES:
            parent, _, name = fullname.rpartition(".")
            return importlib.machinery.ModuleSpec(fullname, _RaisingLoader(fullname, ABSENT[parent][name]))
        return None


if not any(isinstance(f, AbsentModuleFinder) for f in sys.meta_path):
    sys.meta_path.insert(0, AbsentModuleFinder())
