"""BLAS for generated C code without a system BLAS: the function pointers SciPy exports.

`scipy.linalg.cython_blas` publishes its Fortran-convention BLAS routines (the OpenBLAS that
SciPy's wheel bundles) as capsules in ``__pyx_capi__``; their addresses are passed to compiled
code, which calls them through a function pointer. Nothing links against a BLAS library, so
the same compiled unit works wherever SciPy is installed.
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
