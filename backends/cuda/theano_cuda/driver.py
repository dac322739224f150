"""Which CUDA the machine's NVIDIA driver supports, read without CuPy, and so which CuPy
wheel fits it: CuPy publishes one wheel per CUDA major version (cupy-cuda12x, cupy-cuda13x),
and the wrong one installs but fails to load kernels."""
from __future__ import annotations

import ctypes
import functools

# CUDA major version -> the CuPy wheel built for it, and this distribution's extra naming it.
WHEELS = {11: "cupy-cuda11x", 12: "cupy-cuda12x", 13: "cupy-cuda13x"}
NEWEST = max(WHEELS)


@functools.lru_cache(maxsize=None)
def driver_cuda_version() -> tuple[int, int] | None:
    """(major, minor) of the newest CUDA the installed driver supports; None without a driver."""
    for name in ("libcuda.so.1", "libcuda.so", "nvcuda.dll"):
        try:
            lib = ctypes.CDLL(name)
        except OSError:
            continue
        version = ctypes.c_int(0)
        # cuDriverGetVersion needs no cuInit and no GPU: it reports the driver's API version.
        if lib.cuDriverGetVersion(ctypes.byref(version)) != 0 or version.value <= 0:
            return None
        return version.value // 1000, (version.value % 1000) // 10
    return None


def wheel_for(version: tuple[int, int] | None) -> str | None:
    """The CuPy wheel for a driver supporting CUDA `version` (newer majors take the newest
    wheel we know, which their driver runs); None when no driver was found."""
    if version is None:
        return None
    major = version[0]
    if major < min(WHEELS):
        return None
    return WHEELS[min(major, NEWEST)]


def install_hint(version: tuple[int, int] | None) -> str:
    """What to pip install to get CuPy on this machine, naming the matching wheel."""
    wheel = wheel_for(version)
    if wheel is None:
        if version is not None:
            return (f"the NVIDIA driver supports only CUDA {version[0]}.{version[1]}; CuPy needs CUDA "
                    f"{min(WHEELS)} or newer: update the driver")
        extras = ", ".join(f"theano-cuda[cuda{m}] for CUDA {m}" for m in sorted(WHEELS))
        return f"install the CuPy wheel matching the machine's CUDA ({extras}); no NVIDIA driver was found"
    return (f"pip install {wheel} (the driver supports CUDA {version[0]}.{version[1]}; the same as "
            f"the extra theano-cuda[cuda{min(version[0], NEWEST)}])")
