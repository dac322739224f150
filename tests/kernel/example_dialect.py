"""A new C-like dialect, made the way a backend author makes one: a subclass of the core's
C-family renderer that changes only data (its type names, its math library's prefix, and the
table entries it lacks), plus the few lines that give it to a compiling backend. Nothing in
the core is edited; the conformance suite runs on it (test_example_dialect.py).

The dialect spells every C type with its own typedef (`th_f64`, `th_i32` ...), calls the math
library through GCC's `__builtin_` names, and has no expressions of its own for sigmoid,
softplus, sqr and deg2rad: those render through the core's definitions of them in simpler
scalar ops (theano.kernel.expansions), so fused kernels that use them still compile.
"""
from __future__ import annotations

import types

from theano.backend import BackendRecord, Probe, hookimpl
from theano.backend.registry import registry
from theano.config import config
from theano.kernel.render import CFamilyRenderer
from theano.scalar import basic as scal

from theano_c.backend import CBackend
from theano_c.plugin import theano_backends as c_records

NAME = "example-c"

_TYPES = {"bool": "bool", "int8": "int8_t", "int16": "int16_t", "int32": "int32_t", "int64": "int64_t",
          "uint8": "uint8_t", "uint16": "uint16_t", "uint32": "uint32_t", "uint64": "uint64_t",
          "float32": "float", "float64": "double"}
_NAMES = {"bool": "th_b", "int8": "th_i8", "int16": "th_i16", "int32": "th_i32", "int64": "th_i64",
          "uint8": "th_u8", "uint16": "th_u16", "uint32": "th_u32", "uint64": "th_u64",
          "float32": "th_f32", "float64": "th_f64"}


class ExampleCRenderer(CFamilyRenderer):
    """C99 with the dialect's own type names and math-library prefix (see the module doc)."""

    dialect = "example-c"
    type_map = _NAMES
    math_prefix = "__builtin_"
    header = ("#include <math.h>\n#include <stdint.h>\n#include <stdbool.h>\n"
              + "".join(f"typedef {_TYPES[d]} {n};\n" for d, n in _NAMES.items()))
    index_type = "th_i64"
    # What this dialect lacks: the renderer expands these into core scalar ops.
    expressions = {scal.ScalarSigmoid: None, scal.ScalarSoftplus: None, scal.Sqr: None, scal.Deg2Rad: None}
    helpers = {scal.ScalarSigmoid: None, scal.ScalarSoftplus: None}


class ExampleCBackend(CBackend):
    """The C backend's compiler, launcher and lowering table with the example dialect."""

    name = NAME

    def __init__(self, device: str):
        super().__init__(device)
        self.renderer = ExampleCRenderer()


def register() -> None:
    """Register the backend `example-c` in this process (as an entry point would)."""
    (c,) = c_records()

    @hookimpl
    def theano_backends():
        return [BackendRecord(name=NAME, api_version=1, version="0", device_prefixes=(NAME,),
                              factory=ExampleCBackend, probe=lambda: Probe(True, devices=[NAME]),
                              capabilities=dict(c.capabilities, cpu=False))]

    plugin = types.ModuleType(f"{NAME}_plugin")
    plugin.theano_backends = theano_backends
    registry.register_plugin(f"{NAME}-plugin", plugin, config)


def unregister() -> None:
    registry.unregister_plugin(f"{NAME}-plugin")
