"""Shared variables holding tensors."""
from __future__ import annotations

from typing import Any

import numpy as np

from ..compile.sharedvalue import SharedVariable, shared_constructor
from . import device_arrays
from .type import TensorType
from .var import _TensorOperators


class TensorSharedVariable(_TensorOperators, SharedVariable):
    """A shared variable whose value is an ndarray."""

    def __hash__(self):
        return id(self)

    def __eq__(self, other):
        return self is other

    def __ne__(self, other):
        return self is not other


@shared_constructor
def tensor_constructor(value: Any, name: str | None = None, strict: bool = False,
                       allow_downcast: bool | None = None, borrow: bool = False,
                       broadcastable: Any = None, target: str = "cpu") -> TensorSharedVariable:
    """Shared variables for NumPy arrays, device arrays a backend registered (tensor.device_arrays)
    and Python numbers (ints become int64, floats float64, as Theano did). Every dimension is non-broadcastable unless `broadcastable` says otherwise."""
    if isinstance(value, (bool, int, float, complex, np.number, np.bool_)):
        arr = np.asarray(value)
    elif isinstance(value, np.ndarray) or device_arrays.filter_for(value) is not None:
        arr = value if borrow else value.copy()  # a device array stays on its device
    else:
        raise TypeError(f"not an array: {type(value).__name__}")
    if arr.dtype == object:
        raise TypeError("object arrays cannot be shared")
    if broadcastable is None:
        broadcastable = (False,) * arr.ndim
    t = TensorType(arr.dtype, broadcastable)
    return TensorSharedVariable(name=name, type=t, value=arr, strict=strict, allow_downcast=allow_downcast)


TensorType.SharedVariable = TensorSharedVariable
