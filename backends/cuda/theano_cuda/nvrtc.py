"""Compiling the cuda backend's generated kernels: NVRTC with the options this backend
chooses, the binary kept in theano's compile cache, the loaded functions in a bounded table.

Why not `cupy.RawModule(code=..., options=...)`: CuPy appends `-ftz=true` after the caller's
options and NVRTC takes the last of two conflicting options, so float32 subnormals would flush
to zero in every kernel and results would leave NumPy's (the reference's). Compiling through
`cupy.cuda.compiler.compile_using_nvrtc`, which adds only the architecture and
`--device-as-default-execution-space`, keeps exactly the backend's options (compile_options.py); the cubin is then
loaded as a module. The binary lives under `compiledir` (kind `cuda`), so it gets the cache's
integrity and ownership checks and `python -m theano cache` sees, verifies and prunes it.
"""
from __future__ import annotations

import threading
from collections import OrderedDict
from typing import Any

import cupy as cp

from theano.compile.compiledir import CompileDir, cache_key

# Loaded kernels kept per backend: generated sources are many but each is small; a long
# session that builds thousands of graphs must not keep every module it ever loaded.
MAX_FUNCTIONS = 4096


class KernelCache:
    """Compiled kernels of one device: `function(source, name)` compiles once (per machine,
    through the compile cache) and loads once (per process, bounded LRU)."""

    def __init__(self, device: Any, opts: tuple[str, ...]):
        self.device = device
        self.options = opts
        self._lock = threading.Lock()
        self._functions: OrderedDict[tuple[str, str], Any] = OrderedDict()

    def function(self, source: str, name: str) -> Any:
        """The kernel `name` of `source`, ready to launch on this device."""
        key = (source, name)
        with self._lock:
            fn = self._functions.get(key)
            if fn is not None:
                self._functions.move_to_end(key)
                return fn
        with self.device:
            fn = self._load(source, name)
        with self._lock:
            self._functions[key] = fn
            if len(self._functions) > MAX_FUNCTIONS:
                self._functions.popitem(last=False)
        return fn

    def _load(self, source: str, name: str) -> Any:
        nvrtc_version = ".".join(map(str, cp.cuda.nvrtc.getVersion()))
        arch = str(self.device.compute_capability)
        # The cubin depends on the source, the options, the compiler and the GPU architecture.
        key = cache_key(source, " ".join(self.options), nvrtc_version, arch, cp.__version__)

        def build(tmp_out: str) -> None:
            binary, _ = cp.cuda.compiler.compile_using_nvrtc(source, self.options)
            with open(tmp_out, "wb") as f:
                f.write(binary)

        def load(path: str) -> Any:
            with open(path, "rb") as f:
                module = cp.cuda.function.Module()
                module.load(f.read())
            return module.get_function(name)  # the function keeps its module alive

        return CompileDir().load("cuda", key, ".cubin", build, load,
                                 meta={"name": name, "nvrtc": nvrtc_version, "arch": arch,
                                       "options": " ".join(self.options)})
