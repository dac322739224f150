"""The C dialect of the C-family renderer: a serial loop, C99 types and <math.h> names.
A CUDA or OpenCL dialect is another such subclass (qualifiers, a grid-stride loop header,
address spaces)."""
from __future__ import annotations

from theano.kernel.render import CFamilyRenderer

__all__ = ["CRenderer"]


class CRenderer(CFamilyRenderer):
    """Plain C99, for the system compiler (compile with -fwrapv so integer arithmetic
    wraps around as NumPy's does)."""

    dialect = "c"
    header = ("#include <math.h>\n#include <stdint.h>\n#include <stdbool.h>\n"
              "#ifndef M_PI\n#define M_PI 3.14159265358979323846\n#endif\n")
    helper_qualifier = "static inline"
    loop_header = "for ({index} {i} = 0; {i} < {n}; ++{i}) {{"
    row_loops = True
    simd_reduction_min = 64
