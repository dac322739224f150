"""The CUDA dialect of the C-family renderer: a `__global__` kernel with a grid-stride loop,
CUDA's built-in types (NVRTC has no <stdint.h>), `__device__` helpers, and the shape and
strides passed by value (a kernel cannot read the host's arrays)."""
from __future__ import annotations

from typing import Any

from theano.kernel.render import CFamilyRenderer
from theano.scalar import basic as scal

__all__ = ["CudaRenderer", "CUDA_HEADER"]

# NVRTC compiles without the host's headers: no <math.h>, so no NAN, INFINITY or M_PI. The
# guards keep nvcc (which does include them) and NVRTC on the same text.
CUDA_HEADER = (
    "#ifndef NAN\n#define NAN __int_as_float(0x7fc00000)\n#endif\n"
    "#ifndef INFINITY\n#define INFINITY __int_as_float(0x7f800000)\n#endif\n"
    "#ifndef M_PI\n#define M_PI 3.14159265358979323846\n#endif\n")


# NumPy wraps signed integers around on overflow; C++ (CUDA's language, with no -fwrapv in
# NVRTC) leaves signed overflow undefined, and the optimizer may assume it never happens. So
# int32/int64 +, -, *, negation and abs are computed in the unsigned type, which wraps by
# definition, and converted back (two's complement: the value NumPy gives). Narrower types
# are computed in int by C++'s promotions and cannot overflow there.
_UNSIGNED = {"int32": "unsigned int", "int64": "unsigned long long"}


def _wrapping(sym: str, base: object) -> object:
    def entry(r: CFamilyRenderer, e: object) -> str | None:
        ut = _UNSIGNED.get(e.odt)
        if ut is None:
            return base(r, e)
        return f"({e.t})(" + f" {sym} ".join(f"({ut}){c}" for c in e.c) + ")"

    return entry


def _wrapping_neg(r: CFamilyRenderer, e: object) -> str | None:
    ut = _UNSIGNED.get(e.odt)
    if ut is None:
        return CFamilyRenderer.expressions[scal.Neg](r, e)
    return f"({e.t})(({ut})0 - ({ut}){e.c[0]})"


def _wrapping_abs(r: CFamilyRenderer, e: object) -> str | None:
    ut = _UNSIGNED.get(e.odt)
    if ut is None:
        return CFamilyRenderer.expressions[scal.Abs](r, e)
    x = e.c[0]
    return f"({e.t})({x} < 0 ? ({ut})0 - ({ut}){x} : ({ut}){x})"


class CudaRenderer(CFamilyRenderer):
    """CUDA C++ for NVRTC and nvcc; launch with any grid: the loop
    strides over the whole range, so one launch configuration serves every size."""

    dialect = "cuda"
    type_map = {"bool": "bool", "int8": "signed char", "int16": "short", "int32": "int",
                "int64": "long long", "uint8": "unsigned char", "uint16": "unsigned short",
                "uint32": "unsigned int", "uint64": "unsigned long long", "float32": "float",
                "float64": "double"}
    index_type = "long long"
    # extern "C": CuPy's RawModule finds the kernel by its unmangled name.
    function_qualifier = 'extern "C" __global__'
    helper_qualifier = "__device__ inline"
    math_suffix = {"float32": "f", "float64": ""}
    header = CUDA_HEADER
    # The product blockIdx.x * blockDim.x is done in 64 bits: 1e8+ elements with large
    # grids would overflow 32-bit unsigned arithmetic.
    loop_header = ("for ({index} {i} = (long long)blockIdx.x * blockDim.x + threadIdx.x; "
                   "{i} < {n}; {i} += (long long)blockDim.x * gridDim.x) {{")

    expressions = {scal.Add: _wrapping("+", CFamilyRenderer.expressions[scal.Add]),
                   scal.Sub: _wrapping("-", CFamilyRenderer.expressions[scal.Sub]),
                   scal.Mul: _wrapping("*", CFamilyRenderer.expressions[scal.Mul]),
                   scal.Neg: _wrapping_neg, scal.Abs: _wrapping_abs}

    def vector_param(self, name: str, length: int) -> list[str]:
        # One scalar per entry, by value: no device buffer to allocate and copy per launch.
        return [f"{self.index_type} {name}_{d}" for d in range(length)]

    def vector_item(self, name: str, d: int) -> str:
        return f"{name}_{d}"
