"""CuPy arrays as values: `f(x)`, `shared.set_value(x)` and `theano.shared(x)` take a CuPy array
as it is, checked against the TensorType (rank, broadcastable dimensions, and the dtype rule
of host arrays) and cast on the device, never copied through the host.

Registered with theano.tensor.device_arrays when the plugin loads; the provider looks for
CuPy in sys.modules, so it never imports CuPy itself (whoever holds a CuPy array has)."""
from __future__ import annotations

import sys
from typing import Any


def provider() -> tuple[type, Any] | None:
    """(cupy.ndarray, its filter) once CuPy is imported, else None."""
    cp = sys.modules.get("cupy")
    return None if cp is None else (cp.ndarray, filter_device_array)


def filter_device_array(ttype: Any, value: Any, strict: bool, allow_downcast: bool | None) -> Any:
    """`value` (a CuPy array) as `ttype` holds it, or TypeError saying why not."""
    ttype.check_dims(value)
    src = str(value.dtype)
    ttype.check_array_dtype(src, strict, allow_downcast)
    return value if src == ttype.dtype else value.astype(ttype.dtype)
