"""The cuda backend on fakecupy, registered as the device `cuda-emulated` (see fakecupy)."""
from __future__ import annotations

import contextlib
import sys

import fakecupy


@contextlib.contextmanager
def emulated_cuda():
    """Yield the device string of a CudaBackend running on fakecupy; undo everything after
    (the real `theano_cuda.backend` must not stay bound to the fake)."""
    from theano.backend import BackendRecord, Probe, hookimpl
    from theano.backend.registry import registry
    from theano.config import config

    saved = {k: sys.modules.get(k) for k in ("cupy", "theano_cuda.backend")}
    sys.modules["cupy"] = fakecupy.module()
    sys.modules.pop("theano_cuda.backend", None)
    from theano_cuda.backend import CudaBackend

    class Plugin:
        @staticmethod
        @hookimpl
        def theano_backends():
            return [BackendRecord(name="cuda-emulated", api_version=1, priority=-100,
                                  device_prefixes=("cuda-emulated",),
                                  probe=lambda: Probe(True, devices=["cuda-emulated"]),
                                  factory=lambda dev: CudaBackend(dev),
                                  capabilities={"dtypes": ("bool", "int8", "int16", "int32", "int64",
                                                           "uint8", "uint16", "uint32", "uint64",
                                                           "float32", "float64")})]

    registry.register_plugin("cuda-emulated", Plugin, config)
    try:
        yield "cuda-emulated"
    finally:
        registry.unregister_plugin("cuda-emulated")
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v
