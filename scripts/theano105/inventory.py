"""Record the public names of the Theano 1.0.5 modules that user code imports, into
tests/data/theano105/inventory.json.

Run in a Python 3.8 environment with `theano==1.0.5 "numpy<1.22" "scipy<1.8"` (no pygpu):

    THEANO_FLAGS=blas.ldflags=-lopenblas python scripts/theano105/inventory.py

A module's public names are those of `dir(module)` that do not start with "_", minus what
the module merely imported from outside Theano (other libraries' modules, functions and
classes: `np`, `warnings`, `OrderedDict` ...). Each name is recorded with its kind
(module, class, function, value). tests/test_inventory.py checks that every name is present
in this project or listed in theano/compat/absent.py with the reason.
"""
from __future__ import annotations

import importlib
import inspect
import json
import os
import types

import __future__

import six
import theano

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data", "theano105",
                   "inventory.json")

MODULES = [
    "theano", "theano.tensor", "theano.tensor.nnet", "theano.tensor.signal.pool", "theano.tensor.nlinalg",
    "theano.tensor.slinalg", "theano.tensor.extra_ops", "theano.tensor.shared_randomstreams",
    "theano.gradient", "theano.printing", "theano.compile", "theano.gof", "theano.gof.graph",
    "theano.scan_module", "theano.scan_module.scan_utils", "theano.sparse", "theano.sparse.basic",
    "theano.ifelse", "theano.sandbox.rng_mrg", "theano.gpuarray", "theano.gpuarray.dnn",
    "theano.tests.unittest_tools", "theano.compat", "theano.updates",
]


_SIX_VALUES = [v for k, v in vars(six).items() if not k.startswith("_")]


def _from_theano(module, name: str, obj) -> bool:
    """Whether `obj` is part of `module`'s own interface (rather than something it imported
    from another library, or another Theano module that it merely refers to)."""
    if isinstance(obj, types.ModuleType):
        return obj.__name__ == f"{module.__name__}.{name}"  # its submodules, not `theano`, `gof` ...
    if inspect.isclass(obj) or inspect.isfunction(obj) or inspect.isbuiltin(obj):
        return (getattr(obj, "__module__", None) or "").split(".")[0] == "theano"
    if isinstance(obj, __future__._Feature) or type(obj).__module__ == "logging":
        return False
    # six's string_types & co.; otherwise values: constants, ops such as `tensor.exp`, dtype lists ...
    return not any(obj is v for v in _SIX_VALUES)


def _kind(obj) -> str:
    if isinstance(obj, types.ModuleType):
        return "module"
    if inspect.isclass(obj):
        return "class"
    if inspect.isfunction(obj) or inspect.isbuiltin(obj) or inspect.ismethod(obj):
        return "function"
    return "value"


def public_names(module) -> dict[str, str]:
    out = {}
    for name in dir(module):
        if name.startswith("_"):
            continue
        obj = getattr(module, name)
        if _from_theano(module, name, obj):
            out[name] = _kind(obj)
    return dict(sorted(out.items()))


def main() -> None:
    data = {"theano": theano.__version__, "modules": {}}
    for name in MODULES:
        module = importlib.import_module(name)
        data["modules"][name] = public_names(module)
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")
    print({m: len(v) for m, v in data["modules"].items()})


if __name__ == "__main__":
    main()
