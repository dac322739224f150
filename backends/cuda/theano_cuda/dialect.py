"""The CUDA dialect of the C-family renderer: a `__global__` kernel with a grid-stride loop,
CUDA's built-in types (NVRTC has no <stdint.h>), `__device__` helpers, and the shape and
strides passed by value (a kernel cannot read the host's arrays)."""
from __future__ import annotations

from theano.kernel.render import CFamilyRenderer
from theano.kernel.wrapping import wrapping_expressions

__all__ = ["CudaRenderer", "CUDA_HEADER"]

# NVRTC compiles without the host's headers: no <math.h>, so no NAN, INFINITY or M_PI. The
# guards keep nvcc (which does include them) and NVRTC on the same text.
CUDA_HEADER = (
    "#ifndef NAN\n#define NAN __int_as_float(0x7fc00000)\n#endif\n"
    "#ifndef INFINITY\n#define INFINITY __int_as_float(0x7f800000)\n#endif\n"
    "#ifndef M_PI\n#define M_PI 3.14159265358979323846\n#endif\n")


# NumPy wraps signed integers around on overflow; C++ (CUDA's language, with no -fwrapv in
# NVRTC) leaves signed overflow undefined: int32/int64 arithmetic is computed in the unsigned
# type and converted back (theano.kernel.wrapping).
_UNSIGNED = {"int32": "unsigned int", "int64": "unsigned long long"}


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

    expressions = wrapping_expressions(_UNSIGNED)

    def vector_param(self, name: str, length: int) -> list[str]:
        # One scalar per entry, by value: no device buffer to allocate and copy per launch.
        return [f"{self.index_type} {name}_{d}" for d in range(length)]

    def vector_item(self, name: str, d: int) -> str:
        return f"{name}_{d}"
