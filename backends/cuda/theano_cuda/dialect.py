"""The CUDA dialect of the C-family renderer: a `__global__` kernel with a grid-stride loop,
CUDA's built-in types (NVRTC has no <stdint.h>), `__device__` helpers, and the shape and
strides passed by value (a kernel cannot read the host's arrays)."""
from __future__ import annotations

import numpy as np

from theano.kernel.ir import Kernel
from theano.kernel.render import CFamilyRenderer
from theano.kernel.wrapping import wrapping_expressions

__all__ = ["CudaRenderer", "CUDA_HEADER", "FLAT_LIMIT", "flat_modes"]

#: the flat kernel indexes in 32 bits: outputs of fewer elements than this
FLAT_LIMIT = 2 ** 31


def flat_modes(kernel: Kernel) -> tuple[str, ...] | None:
    """How the flat elementwise kernel (`CudaRenderer.render_flat`) reads each input, from its
    broadcast pattern over the axes the output does not broadcast: "full" (the output's shape,
    read at the flat index), "scalar" (one value), "inner" (broadcast along leading axes only,
    a bias: read at the flat index modulo its own size). None when an input broadcasts along
    an inner axis (a column), which only the strided kernel serves."""
    out = kernel.outputs[0].broadcastable
    modes = []
    for a in kernel.inputs:
        pattern = [b for b, o in zip(a.broadcastable, out) if not o]
        if all(pattern):
            modes.append("scalar")
        elif not any(pattern):
            modes.append("full")
        elif pattern == sorted(pattern, reverse=True):  # broadcast axes, then kept ones
            modes.append("inner")
        else:
            return None
    return tuple(modes)

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

    def render_flat(self, kernel: Kernel, name: str) -> str | None:
        """The fast elementwise kernel for C-contiguous arrays (inputs as `flat_modes` says,
        outputs of the output's shape) of fewer than FLAT_LIMIT elements: one flat index in
        32-bit unsigned math, no per-axis division; an "inner" input of size m is read at
        i % m (one modulo per element, coalesced). Parameters: n, then m per inner input, then
        the buffers. None when an input is broadcast in a way this kernel cannot read."""
        modes = flat_modes(kernel)
        if modes is None or kernel.reduction is not None:
            return None
        pq = f"{self.pointer_qualifier} " if self.pointer_qualifier else ""
        params = ["int n", *(f"int inner{k}" for k, m in enumerate(modes) if m == "inner")]
        params += [f"{pq}const char* in{k}" for k in range(len(modes))]
        params += [f"{pq}char* out{k}" for k in range(len(kernel.outputs))]
        # Byte offsets in 64 bits (what a GPU's address arithmetic does anyway); the index
        # and its modulo stay 32-bit. The loads go through `in + offset`, as the strided
        # kernel's do.
        offsets = [f"const long long o_in{k} = (long long)({'i % inner' + str(k) if m == 'inner' else 'i'})"
                   f" * {np.dtype(a.dtype).itemsize};"
                   for k, (m, a) in enumerate(zip(modes, kernel.inputs)) if m != "scalar"]
        offsets += [f"const long long o_out{k} = (long long)i * {np.dtype(a.dtype).itemsize};"
                    for k, a in enumerate(kernel.outputs)]
        lines = [self.kernel_signature(name, params) + " {",
                 "  for (unsigned int i = blockIdx.x * blockDim.x + threadIdx.x; i < n; "
                 "i += blockDim.x * gridDim.x) {"]
        lines += ["    " + ln for ln in offsets + self._element(kernel, flat=False)]
        lines += ["  }", "}"]
        return self.header + self._helpers(kernel) + "\n".join(lines) + "\n"

    def vector_param(self, name: str, length: int) -> list[str]:
        # One scalar per entry, by value: no device buffer to allocate and copy per launch.
        return [f"{self.index_type} {name}_{d}" for d in range(length)]

    def vector_item(self, name: str, d: int) -> str:
        return f"{name}_{d}"
