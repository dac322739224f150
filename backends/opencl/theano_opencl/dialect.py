"""The OpenCL dialect of the C-family renderer: a `__kernel` over `__global` byte pointers,
one work-item per element with a grid-stride loop, OpenCL C's own scalar types and its
overloaded math built-ins (no `f` suffix), and the shape, strides and byte offsets passed by
value (a kernel argument is a buffer handle, which cannot point into the middle of a buffer).

Kernel arguments, in order: `n`, the shape (ndim longs), the contiguous flag (int), then per
input and per output its buffer, its byte strides (ndim longs) and its byte offset (a long).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from theano.kernel.ir import Kernel
from theano.kernel.render import CFamilyRenderer
from theano.kernel.wrapping import wrapping_expressions

__all__ = ["OpenCLRenderer", "FP64_PRAGMA"]

FP64_PRAGMA = "#pragma OPENCL EXTENSION cl_khr_fp64 : enable\n"


class OpenCLRenderer(CFamilyRenderer):
    """OpenCL C 1.2 for any OpenCL device; launch with any global size (the loop strides over
    the whole range), a fixed local size keeps the number of compiled work-group variants at
    one per kernel."""

    dialect = "opencl"
    # OpenCL C's `bool` has no defined size and may not appear in a __global pointer's
    # pointee: NumPy's one-byte bool is read and written as uchar (0 or 1).
    type_map = {"bool": "uchar", "int8": "char", "int16": "short", "int32": "int",
                "int64": "long", "uint8": "uchar", "uint16": "ushort", "uint32": "uint",
                "uint64": "ulong", "float32": "float", "float64": "double"}
    index_type = "long"
    function_qualifier = "__kernel"
    pointer_qualifier = "__global"
    helper_qualifier = "inline"
    # OpenCL's math built-ins are overloaded on float and double.
    math_suffix = {"float32": "", "float64": ""}
    header = ""
    loop_header = ("for ({index} {i} = (long)get_global_id(0); {i} < {n}; "
                   "{i} += (long)get_global_size(0)) {{")

    # OpenCL C leaves signed overflow undefined, as C does: int32/int64 arithmetic is
    # computed in the unsigned type, which wraps, and converted back (NumPy's values).
    expressions = wrapping_expressions({"int32": "uint", "int64": "ulong"})

    def render(self, kernel: Kernel, name: str | None = None, path: str | None = None) -> str:
        src = super().render(kernel, name, path)
        return with_fp64_pragma(src)

    def vector_param(self, name: str, length: int) -> list[str]:
        # By value: no buffer to create per launch. An array's strides are followed by its
        # byte offset, which the prologue adds to its pointer.
        params = [f"{self.index_type} {name}_{d}" for d in range(length)]
        if name.endswith("_strides"):
            params.append(f"{self.index_type} {name[:-len('_strides')]}_offset")
        return params

    def vector_item(self, name: str, d: int) -> str:
        return f"{name}_{d}"

    def prologue(self, kernel: Kernel) -> list[str]:
        return ([f"in{k} += in{k}_offset;" for k in range(len(kernel.inputs))]
                + [f"out{k} += out{k}_offset;" for k in range(len(kernel.outputs))])

    def literal(self, value: Any, dtype: str) -> str:
        v = np.asarray(value, dtype=dtype)[()]
        t = self.ctype(dtype)
        if dtype == "float32" and np.isfinite(v):
            # An f suffix: an unsuffixed literal is a double, which a device without
            # cl_khr_fp64 rejects.
            return f"(({t}){float(v)!r}f)"
        if dtype in ("int64", "int32", "int16", "int8") and int(v) == np.iinfo(dtype).min:
            # -2**63 has no literal of its own (2**63 does not fit in a long).
            return f"(({t})({int(v) + 1}L - 1L))"
        if dtype in ("int64", "int32", "int16", "int8", "uint8", "uint16", "uint32", "bool"):
            if dtype == "bool":
                return "((uchar)1)" if v else "((uchar)0)"
            return f"(({t}){int(v)}L)"
        if dtype == "uint64":
            return f"(({t}){int(v)}UL)"
        return super().literal(value, dtype)


def with_fp64_pragma(src: str) -> str:
    """Source that uses double, preceded by the cl_khr_fp64 pragma (required by OpenCL 1.0/1.1
    compilers, harmless later)."""
    if "double" in src or "M_PI" in src:
        return FP64_PRAGMA + src
    return src
