"""A Theano 1.0-compatible compiler for tensor expressions.

``import theano; from theano import tensor`` then build expressions, take gradients
with ``theano.grad`` and compile them with ``theano.function``.
"""
from __future__ import annotations

import importlib

from .version import core_version, version as __version__  # "1.0.5": the Theano API implemented

__api_version__ = 1
from .config import config
from . import compat  # noqa: E402  (installs the import hook for deliberately absent modules)
from .compat import absent as _absent, flags as _compat_flags

_theano10_flags = _compat_flags.declare_theano10_flags(config)  # before a backend reads its flags
from .graph.basic import Apply, Constant, Variable
from .graph.fg import FunctionGraph
from .graph.op import Op
from .graph.type import Type
from .graph.fg import InconsistencyError
from . import scalar, tensor  # noqa: E402
from . import gof  # noqa: E402
from .gof import Generic, generic, object2, utils
from .compile import (Container, Function, In, Mode, Out, Param, SharedVariable, SymbolicInput,
                      SymbolicOutput, function, function_dump, predefined_modes, shared,
                      shared_constructor, FAST_COMPILE, FAST_RUN)
from .compile.ops import deep_copy_op
from .compile.ops import as_op
from .config import change_flags  # noqa: E402
from .gradient import grad, Lop, Rop
from . import gradient, printing, compile  # noqa: E402
from . import ifelse, sandbox  # noqa: E402
from .scan import scan, map, reduce, foldl, foldr  # noqa: E402,A004  (Theano's names)
from .updates import OrderedUpdates  # noqa: E402
from . import scan_module  # noqa: E402
from .scan_module import clone  # noqa: E402
from .compat import PY3  # noqa: E402
from .tensor import get_scalar_constant_value  # noqa: E402
from . import tests, version, updates  # noqa: E402
from . import distributed  # noqa: E402  (declares distributed__* flags before check_unknown; no mpi4py import)
from .printing import pp, pprint
from .tensor import dot
from .scalar.basic import int8, int16, int32, int64, uint8, uint16, uint32, uint64, float16, \
    float32, float64, complex64, complex128

from .backend.registry import registry as _registry

_registry.load(config)
from .rewrite.db import rewrite_db as _rewrite_db  # noqa: E402

_registry.register_rewrites(_rewrite_db)  # backends' own rewrites, tagged with their names
_compat_flags.apply_theano10_flags(config, _theano10_flags)
_absent.install_all()  # the modules of others' files: their deliberately absent names explained
for _name in config.check_unknown({f.name for f in _registry.failures} | set(_registry.disabled)):
    import warnings as _warnings

    _warnings.warn(f"theano: flag {_name} belongs to a backend that did not load; ignored")

theano = __import__(__name__)  # `from theano import *` then `theano.function(...)`, as the tutorial does

__all__ = ["Apply", "Constant", "FunctionGraph", "In", "Mode", "Op", "Out", "Param", "SharedVariable",
           "Type", "Variable", "config", "compile", "dot", "function", "gradient", "grad", "printing",
           "pp", "pprint", "scalar", "shared", "shared_constructor", "tensor", "theano", "Lop", "Rop",
           "FAST_COMPILE", "FAST_RUN", "OrderedUpdates", "scan", "scan_module", "change_flags", "int8", "int16", "int32",
           "int64", "uint8", "uint16", "uint32", "uint64", "float16", "float32", "float64", "complex64", "complex128", "function_dump",
           "gof", "clone", "foldl", "foldr", "Generic", "generic", "InconsistencyError", "Container",
           "SymbolicInput", "SymbolicOutput", "predefined_modes", "get_scalar_constant_value", "version"]


def _lazy_submodule(name: str):
    """Lazy submodules: `theano.sparse` loads scipy.sparse only when first used."""
    if name == "sparse":
        return importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__getattr__ = _absent.module_getattr(__name__, _lazy_submodule)
