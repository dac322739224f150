"""NVRTC, the compiler the GPU uses, driven through its C API with ctypes, so CI compiles
every generated kernel exactly as the cuda backend will on a GPU (its option list from
theano_cuda.compile_options plus what CuPy's compile_using_nvrtc adds), with no GPU and no
CuPy. The library comes from PyPI's `nvidia-cuda-nvrtc` wheel (scripts/setup.sh installs it);
a CUDA toolkit's libnvrtc is used when that wheel is absent."""
from __future__ import annotations

import ctypes
import glob
import os
from pathlib import Path


def _candidates() -> list[str]:
    out = []
    try:
        import nvidia  # the namespace package of NVIDIA's PyPI wheels

        for base in nvidia.__path__:
            out += sorted(glob.glob(os.path.join(base, "cu*", "lib", "libnvrtc.so*")), reverse=True)
            out += sorted(glob.glob(os.path.join(base, "cuda_nvrtc", "lib", "libnvrtc.so*")), reverse=True)
    except ImportError:
        pass
    out += sorted(glob.glob("/usr/local/cuda*/lib64/libnvrtc.so*"), reverse=True)
    return [p for p in out if "builtins" not in Path(p).name]


def load() -> ctypes.CDLL | None:
    """libnvrtc, or None when neither the wheel nor a toolkit provides it."""
    for path in _candidates():
        try:
            return ctypes.CDLL(path)
        except OSError:
            continue
    return None


LIB = load()


def version() -> tuple[int, int] | None:
    """NVRTC's (major, minor)."""
    if LIB is None:
        return None
    major, minor = ctypes.c_int(), ctypes.c_int()
    LIB.nvrtcVersion(ctypes.byref(major), ctypes.byref(minor))
    return major.value, minor.value


def compile_source(text: str, options: tuple[str, ...], name: str = "batch.cu") -> tuple[bool, str, int]:
    """(compiled?, the compiler's log, size of the binary) for `text` under `options`."""
    prog = ctypes.c_void_p()
    rc = LIB.nvrtcCreateProgram(ctypes.byref(prog), text.encode(), name.encode(), 0, None, None)
    if rc != 0:
        raise RuntimeError(f"nvrtcCreateProgram failed with code {rc}")
    try:
        opts = (ctypes.c_char_p * len(options))(*[o.encode() for o in options])
        rc = LIB.nvrtcCompileProgram(prog, len(options), opts)
        size = ctypes.c_size_t()
        LIB.nvrtcGetProgramLogSize(prog, ctypes.byref(size))
        buf = ctypes.create_string_buffer(size.value)
        LIB.nvrtcGetProgramLog(prog, buf)
        log = buf.value.decode(errors="replace")
        binary = 0
        if rc == 0:
            cubin = ctypes.c_size_t()
            getter = LIB.nvrtcGetCUBINSize if any(o.startswith("-arch=sm_") for o in options) else LIB.nvrtcGetPTXSize
            getter(prog, ctypes.byref(cubin))
            binary = cubin.value
        return rc == 0, log, binary
    finally:
        LIB.nvrtcDestroyProgram(ctypes.byref(prog))


def ptx_of(text: str, options: tuple[str, ...]) -> str:
    """The PTX NVRTC makes of `text` (options with -arch=compute_XX), to inspect instructions."""
    prog = ctypes.c_void_p()
    LIB.nvrtcCreateProgram(ctypes.byref(prog), text.encode(), b"inspect.cu", 0, None, None)
    try:
        opts = (ctypes.c_char_p * len(options))(*[o.encode() for o in options])
        if LIB.nvrtcCompileProgram(prog, len(options), opts) != 0:
            raise RuntimeError(f"NVRTC rejected the source with {options}")
        size = ctypes.c_size_t()
        LIB.nvrtcGetPTXSize(prog, ctypes.byref(size))
        buf = ctypes.create_string_buffer(size.value)
        LIB.nvrtcGetPTX(prog, buf)
        return buf.value.decode()
    finally:
        LIB.nvrtcDestroyProgram(ctypes.byref(prog))
