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


def counted_call(device: str, build, types, inputs) -> tuple:
    """Compile `build` over inputs of `types` on `device` and on the reference; return the
    device's result (on the host), the reference's, and the launch model's counts of that
    one call (fakecupy.stats)."""
    import theano

    xs = [t(f"x{k}") for k, t in enumerate(types)]
    f = theano.function(xs, build(*xs), device=device)
    want = theano.function(xs, build(*xs), device="numpy")(*inputs)
    fakecupy.reset_stats()
    got = f(*inputs)
    return (got.get() if hasattr(got, "get") else got), want, dict(fakecupy.stats)
