"""BLAS for compiled code without a system BLAS: function pointers, never a link.

Two sources, both already loaded in the process: the OpenBLAS that NumPy's wheels bundle
(64-bit integers, `scipy_*64_` symbols, found among the process's libraries), and the
Fortran-convention routines `scipy.linalg.cython_blas` publishes as capsules in
``__pyx_capi__``. Their addresses are passed to compiled code, which calls them through a
function pointer, so the same compiled unit works wherever NumPy and SciPy are installed.
`c__blas=auto` prefers NumPy's (one BLAS thread pool for NumPy and theano), `scipy` forces
SciPy's.
"""
from __future__ import annotations

import ctypes
import functools

_get_pointer = ctypes.pythonapi.PyCapsule_GetPointer
_get_pointer.restype = ctypes.c_void_p
_get_pointer.argtypes = [ctypes.py_object, ctypes.c_char_p]
_get_name = ctypes.pythonapi.PyCapsule_GetName
_get_name.restype = ctypes.c_char_p
_get_name.argtypes = [ctypes.py_object]


class BlasUnavailable(RuntimeError):
    """SciPy (and so its BLAS) is not installed, or lacks the routine asked for."""


@functools.lru_cache(maxsize=None)
def blas_address(routine: str) -> int:
    """The address of BLAS `routine` ("dgemm", "sgemv", "ddot" ...), Fortran calling
    convention (every argument by pointer, column-major matrices)."""
    try:
        from scipy.linalg import cython_blas
    except ImportError as e:  # pragma: no cover - scipy is a dependency of the C backend
        raise BlasUnavailable(f"the C backend calls BLAS through SciPy, which is not installed: {e}")
    capsule = cython_blas.__pyx_capi__.get(routine)
    if capsule is None:
        raise BlasUnavailable(f"scipy.linalg.cython_blas has no routine {routine!r}")
    return _get_pointer(capsule, _get_name(capsule))


def _numpy_openblas() -> ctypes.CDLL | None:
    """The OpenBLAS that NumPy's wheels bundle and have loaded (ILP64, symbols scipy_*64_),
    found among the libraries of this process; None when NumPy links another BLAS."""
    import numpy  # noqa: F401  (its BLAS is loaded with it)

    try:
        with open("/proc/self/maps") as f:
            paths = {ln.split()[-1] for ln in f if "openblas64_" in ln.rsplit("/", 1)[-1]}
    except OSError:  # not Linux: SciPy's routines serve
        return None
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
            lib.scipy_sgemm_64_, lib.scipy_cblas_sdot64_  # noqa: B018  (present, or AttributeError)
            return lib
        except (OSError, AttributeError):
            continue
    return None


@functools.lru_cache(maxsize=None)
def blas_routines(prefix: str, which: str = "auto") -> tuple[tuple[int, int, int], bool, str]:
    """Addresses of (gemm, gemv, dot) for prefix "s" or "d", whether they take 64-bit integers
    (and dot the CBLAS convention), and which library they come from.

    which="auto" prefers NumPy's own OpenBLAS when it can be found: then NumPy and theano share
    one BLAS thread pool instead of two that spin against each other on a small machine.
    "scipy" always takes SciPy's exported routines (32-bit integers, Fortran convention).
    """
    if which in ("auto", "numpy"):
        lib = _numpy_openblas()
        if lib is not None:
            addr = [ctypes.cast(getattr(lib, f"scipy_{prefix}{r}_64_"), ctypes.c_void_p).value
                    for r in ("gemm", "gemv")]
            addr.append(ctypes.cast(getattr(lib, f"scipy_cblas_{prefix}dot64_"), ctypes.c_void_p).value)
            return (addr[0], addr[1], addr[2]), True, "numpy's OpenBLAS"
        if which == "numpy":
            raise BlasUnavailable("NumPy's bundled OpenBLAS was not found in this process")
    return tuple(blas_address(prefix + r) for r in ("gemm", "gemv", "dot")), False, "scipy's BLAS"
