"""A stand-in for CuPy on machines with no GPU, to run the cuda backend's Python code for real.

Arrays wrap NumPy arrays and, as CuPy's do, refuse implicit conversion to NumPy (`.get()`
fetches them), so a host conversion that would raise TypeError on a GPU raises here too;
`compile_using_nvrtc` + `function.Module` (what the backend compiles through) compile the
generated CUDA source as host C++ with g++ and run a launch as
one thread (blockDim = gridDim = 1: the grid-stride loops then cover every element, and
each reduction block is one thread whose warp shuffles receive the op's identity). Every
launch checks its arguments against the kernel's parameter list: count, pointer or scalar,
and scalar width, which is what a wrong argument order would break on a GPU.

It proves the launch protocol and the backend's logic, not CUDA's semantics (nvcc checks the
text; the GPU check runs it for real)."""
from __future__ import annotations

import ctypes
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
import types
from pathlib import Path

import numpy as np

CXX = shutil.which("g++") or shutil.which("c++")
_CACHE = Path(tempfile.gettempdir()) / "theano-cuda-fakecupy"

_PRELUDE = r"""
#include <math.h>
#include <string.h>
#define __global__
#define __device__
#define __restrict__
#define __shared__ static
struct theano_dim3 { unsigned x; };
static const theano_dim3 threadIdx = {0}, blockIdx = {0}, blockDim = {1}, gridDim = {1};
static inline void __syncthreads() {}
static inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }
"""


_IMPLICIT = ("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct "
             "a NumPy array explicitly.")  # CuPy's own message


class ndarray(np.lib.mixins.NDArrayOperatorsMixin):
    """A "device" array: it holds a host NumPy array but, as CuPy's arrays do, refuses to turn
    into one implicitly (np.asarray, np.array, a NumPy function given a host array beside it):
    only `.get()` fetches it. Attributes and methods are the wrapped array's, with array
    results kept on the "device"."""

    __slots__ = ("_a",)

    def __init__(self, a: np.ndarray):
        self._a = a

    def get(self) -> np.ndarray:
        return np.array(self._a)

    def __array__(self, *args, **kwargs):
        raise TypeError(_IMPLICIT)

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        return _device_call(getattr(ufunc, method), inputs, kwargs)

    def __array_function__(self, func, types, args, kwargs):
        return _device_call(func, args, kwargs)

    def __getattr__(self, name):
        if name.startswith("__"):  # never the buffer protocols (__array_interface__ ...)
            raise AttributeError(name)
        value = getattr(self._a, name)
        if callable(value):
            return lambda *a, **k: _device_call(value, a, k)
        return _wrap(value)

    def __getitem__(self, index):
        return _wrap(self._a[_unwrap(index)])

    def __setitem__(self, index, value):
        self._a[_unwrap(index)] = _unwrap(value, allow_host=True)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        return (_wrap(v) for v in self._a)

    def __float__(self):
        return float(self._a)

    def __int__(self):
        return int(self._a)

    def __bool__(self):
        return bool(self._a)

    def __repr__(self):
        return f"fakecupy.ndarray({self._a!r})"

    def __copy__(self):
        return ndarray(self._a.copy())

    def __deepcopy__(self, memo):
        return ndarray(self._a.copy())


def _wrap(v):
    """Array results stay on the device (0-d ones too, as in CuPy); the rest is as it is."""
    if isinstance(v, np.ndarray):
        return ndarray(v)
    if isinstance(v, tuple):
        return tuple(_wrap(x) for x in v)
    if isinstance(v, list):
        return [_wrap(x) for x in v]
    return v


def _unwrap(v, allow_host: bool = False):
    """The host arrays under device arrays; a host array among the arguments of a device
    function is refused, as CuPy refuses it."""
    if isinstance(v, ndarray):
        return v._a
    if isinstance(v, np.ndarray) and v.ndim > 0 and not allow_host:
        raise TypeError(f"Unsupported type {type(v)}: a NumPy array was given where CuPy needs a "
                        "device array (cupy.asarray it first)")
    if isinstance(v, (tuple, list)):
        return type(v)(_unwrap(x, allow_host) for x in v)
    if isinstance(v, dict):
        return {k: _unwrap(x, allow_host) for k, x in v.items()}
    return v


def _device_call(fn, args, kwargs):
    return _wrap(fn(*_unwrap(args), **_unwrap(kwargs)))


def asarray(v, dtype=None):
    """cupy.asarray: host data is copied to the device; device arrays stay (cast if asked)."""
    if isinstance(v, ndarray):
        return v if dtype is None or v._a.dtype == np.dtype(dtype) else ndarray(v._a.astype(dtype))
    return ndarray(np.array(v, dtype=dtype))


def empty(shape, dtype=float):
    return ndarray(np.empty(shape, dtype=dtype))


def matmul(a, b):
    return _device_call(np.matmul, (a, b), {})


def _on_device(fn):
    """NumPy's `fn` on device arrays, with device results (CuPy's function of that name)."""

    def call(*args, **kwargs):
        return _device_call(fn, args, kwargs)

    call.__name__ = fn.__name__
    return call


# The array functions the ops' own array code (make_xp_fn) calls, as CuPy has them.
_NUMPY_API = ("zeros", "full", "where", "maximum", "tensordot", "moveaxis", "swapaxes", "ascontiguousarray",
              "exp", "log", "max", "sum", "argmax", "arange")


def _compile(code: str) -> ctypes.CDLL:
    _CACHE.mkdir(parents=True, exist_ok=True)
    text = _PRELUDE + code
    # A reduction's shuffles return its identity: with one thread per block, combining with
    # it leaves the partial result as it is, as combining with the other lanes would.
    defs = []
    if "_combine(" in code:
        ident = re.search(r"acc = lane < nwarps \? partial\[lane\] : (.*);", code).group(1)
        defs.append(f"-D__shfl_down_sync(m,v,o)=({ident})")
    key = hashlib.sha256((text + repr(defs)).encode()).hexdigest()[:24]
    so = _CACHE / f"{key}.so"
    if not so.exists():
        src = _CACHE / f"{key}.cpp"
        src.write_text(text)
        tmp = _CACHE / f"{key}.{os.getpid()}.so"
        subprocess.run([CXX, "-O0", "-shared", "-fPIC", "-fwrapv", "-w", *defs, "-o", str(tmp), str(src)],
                       check=True, capture_output=True, text=True)
        tmp.replace(so)
    return ctypes.CDLL(str(so))


def _params(code: str, name: str) -> list[str]:
    m = re.search(r'extern "C" void ' + name + r"\(([^)]*)\)", code.replace("extern \"C\" __global__", "extern \"C\""))
    assert m, f"kernel {name} not found in its source"
    return [p.strip() for p in m.group(1).split(",") if p.strip()]


class _Kernel:
    def __init__(self, code: str, name: str):
        self.lib = _compile(code)
        self.fn = getattr(self.lib, name)
        self.params = _params(code, name)
        self.launches = 0

    def __call__(self, grid, block, args):
        assert len(args) == len(self.params), \
            f"{len(args)} arguments for {len(self.params)} parameters {self.params}"
        cargs = []
        for p, a in zip(self.params, args):
            if "*" in p:
                assert isinstance(a, ndarray), f"parameter {p!r} got {type(a).__name__}, not a device array"
                cargs.append(ctypes.c_void_p(a._a.__array_interface__["data"][0]))
            elif p.startswith("long long"):
                assert type(a) is np.int64, f"parameter {p!r} got {type(a).__name__}"
                cargs.append(ctypes.c_longlong(int(a)))
            elif p.startswith("int "):
                assert type(a) is np.int32, f"parameter {p!r} got {type(a).__name__}"
                cargs.append(ctypes.c_int(int(a)))
            else:
                raise AssertionError(f"unexpected parameter {p!r}")
        assert grid[0] >= 1 and block[0] % 32 == 0, (grid, block)  # whole warps: shuffles need them
        self.launches += 1
        self.fn(*cargs)


class Module:
    """cupy.cuda.function.Module: loads what compile_using_nvrtc returned (here the source)."""

    def load(self, binary: bytes) -> None:
        self.code = binary.decode()

    def get_function(self, name: str) -> _Kernel:
        return _Kernel(self.code, name)


# Every option list compile_using_nvrtc was given, for tests of what the backend asks NVRTC.
nvrtc_calls: list[tuple[str, ...]] = []


def compile_using_nvrtc(source: str, options=(), arch=None, **kwargs):
    """CuPy's NVRTC entry point; its "binary" is the source, which Module.load compiles as C++."""
    nvrtc_calls.append(tuple(options))
    return source.encode(), None


class Device:
    def __init__(self, i: int = 0):
        self.id = i
        self.attributes = {"MultiProcessorCount": 4}
        self.compute_capability = "90"

    def __enter__(self):
        return self

    def synchronize(self) -> None:  # launches run to completion when called
        pass

    def __exit__(self, *exc):
        return False


def module() -> types.ModuleType:
    """A module object that can stand for `cupy` in sys.modules."""
    m = types.ModuleType("cupy")
    m.ndarray, m.asarray, m.empty, m.matmul = ndarray, asarray, empty, matmul
    m.multiply, m.add = _on_device(np.multiply), _on_device(np.add)
    for name in _NUMPY_API:
        setattr(m, name, _on_device(getattr(np, name)))
    m.lib = types.SimpleNamespace(stride_tricks=types.SimpleNamespace(
        as_strided=_on_device(np.lib.stride_tricks.as_strided)))
    m.cuda = types.SimpleNamespace(Device=Device, runtime=types.SimpleNamespace(
        getDeviceCount=lambda: 1, getDeviceProperties=lambda i: {"name": b"fake"}),
        compiler=types.SimpleNamespace(compile_using_nvrtc=compile_using_nvrtc),
        function=types.SimpleNamespace(Module=Module),
        nvrtc=types.SimpleNamespace(getVersion=lambda: (13, 5)))
    m.__version__ = "14.2.0-fake"
    return m
