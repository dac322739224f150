"""The NVRTC options of the cuda backend's kernels, in a module without CuPy so that the CI
check (backends/cuda/tests/nvrtcbuild.py) compiles every generated kernel with exactly these on a
machine with no GPU."""
from __future__ import annotations

# Results must match the reference: keep subnormals, IEEE division and square root, and no
# contraction of a*b+c into one rounding (NumPy rounds the product and the sum separately).
EXACT_OPTIONS = ("-ftz=false", "-prec-div=true", "-prec-sqrt=true", "--fmad=false")
FAST_OPTIONS = ("--use_fast_math",)
# What cupy.cuda.compiler.compile_using_nvrtc adds to the options on CUDA (CuPy 13 and 14),
# besides -arch=sm_XX of the device.
CUPY_ADDS = ("--device-as-default-execution-space",)


def options(fast_math: bool) -> tuple[str, ...]:
    """The NVRTC options of the backend's kernels (`cuda__fast_math` picks the fast set)."""
    return FAST_OPTIONS if fast_math else EXACT_OPTIONS
