"""Theano 1.0's configuration flags: every one is accepted.

`theano_flags.json` (recorded from a real Theano 1.0.5 by scripts/theano105/flags.py, plus
the flags of 0.7-0.9 that 1.0 removed) lists them. Each flag this project does not declare
itself is declared here with Theano's type and default, so scripts can set and read it.
A flag set by the user is then either forwarded to its equivalent here (`ALIASES`) or
reported once, with the reason, as having no effect (`NO_EFFECT`). A flag that no Theano
ever had stays an error (see `Config.check_unknown`).
"""
from __future__ import annotations

import json
import os
import warnings
from typing import Any, Callable

from ..config import Config, boolean, enum, string

__all__ = ["ALIASES", "NO_EFFECT", "TheanoFlagWarning", "apply_theano10_flags", "declare_theano10_flags",
           "no_effect_reason", "theano10_flags"]

_DATA = os.path.join(os.path.dirname(os.path.abspath(__file__)), "theano_flags.json")


class TheanoFlagWarning(UserWarning):
    """A Theano 1.0 flag was set that has no effect in this implementation."""


def theano10_flags() -> dict[str, dict]:
    """Theano's flags by their dotted name: type, default, choices, the release that had it."""
    with open(_DATA) as f:
        return json.load(f)["flags"]


def _float(v: Any) -> float:
    return float(v)


_PARSERS: dict[str, Callable[[Any], Any]] = {"bool": boolean, "int": int, "float": _float, "str": string}


def _linker_to_device(value: str, cfg: Config) -> str | None:
    """Theano's pure-Python linker is the reference backend here; the others are the default."""
    return "numpy" if value == "py" else None


def _append_cflags(value: str, cfg: Config) -> str | None:
    """gcc.cxxflags adds to the C backend's flags, as it added to Theano's g++ command line."""
    return f"{cfg.c__cflags} {value}".strip() if value.strip() else None


def _same(value: Any, cfg: Config) -> Any:
    return value


# Theano flag (our spelling, sections joined by "__") -> (flag here, value conversion).
ALIASES: dict[str, tuple[str, Callable[[Any, Config], Any]]] = {
    "base_compiledir": ("compiledir", _same),
    "cxx": ("c__compiler", _same),
    "openmp": ("c__openmp", _same),
    "gcc__cxxflags": ("c__cflags", _append_cflags),
    "linker": ("device", _linker_to_device),
    "nvcc__fastmath": ("cuda__fast_math", _same),
}

# Theano flags that the code here reads directly (compile/mode.py: a Mode's include/exclude tags).
READ_DIRECTLY = {"optimizer_including", "optimizer_excluding"}

_GPU = ("the GPU runs through the cuda backend here (device=cuda); Theano's gpuarray/libgpuarray "
        "and cuDNN settings do not apply")
_OLD_CUDA = "the old CUDA backend (theano.sandbox.cuda) was removed in Theano 1.0; use device=cuda"
_CMODULE = ("the C backend keys its cache by source, compiler and flags and builds units on demand; "
            "c__compiler and c__cflags configure it")
_REWRITES = "the rewrites here are a different set; optimizer, optimizer_including and optimizer_excluding select them"
_DEBUG = "DebugMode here checks aliasing on every call; its Theano options have no counterpart"
_PROFILE = "profiling here is theano.function(..., profile=True) and its summary(); these options have no counterpart"
_WARN = "the Theano bugs these warnings are about never existed here"

# Why a flag set by the user changes nothing: by exact name, then by section prefix.
NO_EFFECT: dict[str, str] = {
    "compiledir_format": "compiled units are keyed by compiler, flags, platform and Python, so one "
                         "directory (compiledir, or base_compiledir) serves every configuration",
    "allow_gc": "intermediate values are freed as soon as the generated driver drops them",
    "blas__ldflags": "the BLAS comes from NumPy's bundled OpenBLAS or SciPy (see c__blas)",
    "blas__check_openmp": "the BLAS comes from NumPy's bundled OpenBLAS or SciPy (see c__blas)",
    "openmp_elemwise_minsize": "the C backend chooses its threaded loops by size (2**20 elements)",
    "init_gpu_device": _GPU, "contexts": _GPU, "force_device": _GPU, "print_active_device": _GPU,
    "assert_no_cpu_op": _GPU, "home": _OLD_CUDA, "enable_initial_driver_test": _OLD_CUDA,
    "int_division": "integer division follows Theano's default 'int' policy",
    "pickle_test_value": "test values are not supported (compute_test_value=off)",
    "print_test_value": "test values are not supported (compute_test_value=off)",
    "compute_test_value_opt": "test values are not supported (compute_test_value=off)",
    "optimizer_verbose": "print_rewrites=True prints every rewrite that fires",
    "on_opt_error": "a failing rewrite is an error in this implementation",
    "nocleanup": _CMODULE, "check_input": _CMODULE, "cache_optimizations": _REWRITES,
    "unpickle_function": "pickled functions always unpickle (and recompile)",
    "reoptimize_unpickled_function": "pickled functions store the user's graph and are rewritten on load",
    "print_global_stats": _PROFILE, "profile_optimizer": _PROFILE, "profile_memory": _PROFILE,
    "on_shape_error": "a shape mismatch found at run time is always an error",
    "cycle_detection": "the destroy handler here has one cycle check",
    "check_stack_trace": "node traces are kept by the graph, not checked by rewrites",
    "vm__lazy": "ifelse and scan are always lazy here",
    "optimizer_requiring": _REWRITES,
    "unittests__rseed": "read by theano.tests.unittest_tools.fetch_seed only",
}
NO_EFFECT_SECTIONS: dict[str, str] = {
    "gpuarray": _GPU, "dnn": _GPU, "magma": _GPU, "cuda": _GPU, "gpu": _GPU, "gpuelemwise": _GPU,
    "ctc": _GPU, "lib": _OLD_CUDA, "nvcc": _OLD_CUDA, "pycuda": _OLD_CUDA, "cublas": _OLD_CUDA,
    "gcc": _CMODULE, "cmodule": _CMODULE, "compile": _CMODULE, "tensor": _REWRITES, "optdb": _REWRITES,
    "metaopt": _REWRITES, "experimental": _REWRITES, "scan": "scan's memory use is managed by its op",
    "DebugMode": _DEBUG, "NanGuardMode": "NanGuardMode runs as FAST_RUN here; it does not check values",
    "ProfileMode": _PROFILE, "profiling": _PROFILE, "warn": _WARN, "traceback": "node traces keep the user's frame",
    "numpy": "NumPy's floating-point state is set around each call so 1/0 gives inf, as compiled code does",
    "conv": "convolution shapes are checked at run time",
}


def no_effect_reason(name: str) -> str:
    """Why Theano flag `name` (sections joined by "__") does nothing here."""
    if name in NO_EFFECT:
        return NO_EFFECT[name]
    return NO_EFFECT_SECTIONS.get(name.split("__", 1)[0], "this implementation has no counterpart")


def _parser(spec: dict) -> Callable[[Any], Any]:
    if spec["type"] == "enum" and spec["choices"]:
        return enum(*dict.fromkeys([*spec["choices"], str(spec["default"])]))
    return _PARSERS[spec["type"]]


def declare_theano10_flags(cfg: Config) -> list[str]:
    """Declare on `cfg` each Theano flag it lacks, with Theano's type and default; returns them."""
    declared = cfg.flags()
    added = []
    for dotted, spec in theano10_flags().items():
        name = dotted.replace(".", "__")
        if name in declared:
            continue
        default = spec["default"]
        if name == "base_compiledir":
            default = os.path.dirname(cfg.compiledir)
        cfg.add(name, f"Theano 1.0 flag {dotted}", default, _parser(spec))
        added.append(name)
    return added


_reported: set[str] = set()


def apply_theano10_flags(cfg: Config, added: list[str]) -> list[str]:
    """Forward the user's settings of Theano flags to their equivalents here and warn (once per
    flag) about those that have no effect. Returns the messages, for tests."""
    flags = cfg.flags()
    messages = []
    for name in [*added, *(n for n in ALIASES if n not in added)]:
        flag = flags.get(name)
        if flag is None or flag.source in ("default", "theano10") or name in READ_DIRECTLY:
            continue
        if name in ALIASES:
            target, convert = ALIASES[name]
            if target not in flags:
                msg = (f"Theano flag {name} would set {target}, which is not declared here "
                       f"(its backend did not load); ignored")
            else:
                value = convert(flag.value, cfg)
                if value is not None and flags[target].source in ("default", "theano10"):
                    cfg._assign(flags[target], value, f"{flag.source} via {name}")
                continue
        else:
            msg = f"Theano flag {name.replace('__', '.')} has no effect here: {no_effect_reason(name)}"
        messages.append(msg)
        if name not in _reported:
            _reported.add(name)
            warnings.warn(msg, TheanoFlagWarning, stacklevel=2)
    return messages
