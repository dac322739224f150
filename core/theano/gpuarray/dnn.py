"""`theano.gpuarray.dnn`: cuDNN through pygpu, absent as in Theano 1.0.5 without pygpu:
`dnn_present()` and `dnn_available(context)` are False with the message Theano gave."""
from __future__ import annotations

from typing import Any

from ..compat.absent import module_getattr
from ..config import config

__all__ = ["dnn_present", "dnn_available", "version"]


def dnn_present() -> bool:
    """Whether cuDNN can be used through pygpu: never here (see `dnn_present.msg`)."""
    if str(getattr(config, "dnn__enabled", "auto")) == "False":
        dnn_present.msg = "Disabled by dnn.enabled flag"
    else:
        dnn_present.msg = "PyGPU not available"
    dnn_present.avail = False
    return False


dnn_present.avail = None
dnn_present.msg = None


def dnn_available(context_name: Any) -> bool:
    """Whether cuDNN can be used in the given pygpu context: never here (see `dnn_available.msg`)."""
    dnn_present()
    dnn_available.msg = dnn_present.msg
    return False


dnn_available.msg = None


def version(raises: bool = True) -> Any:
    """cuDNN's version; without pygpu Theano raised, as here."""
    if raises:
        raise RuntimeError(f"cuDNN is not available: {dnn_present.msg or 'PyGPU not available'}")
    return -1


__getattr__ = module_getattr(__name__)
