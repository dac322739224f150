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
import functools
import os
import re
import shutil
import subprocess
import types
from pathlib import Path
from typing import Callable

import numpy as np

from theano.compile.compiledir import CompileDir, cache_key

#: streaming multiprocessors the fake device reports (the backend sizes its grids by them)
SM_COUNT = 4

CXX = shutil.which("g++") or shutil.which("c++")
#: The fake's header and libraries are entries of theano's compile cache as it was when the fake
#: was imported (a test that points `compiledir` elsewhere keeps them): private to the user and
#: checked before they are loaded, like every entry. Under fixed names in the system's temporary
#: directory another user could have planted a library the tests would load.
_CDIR = CompileDir()
_KIND, _SRC_KIND = "cuda-fake", "cuda-fake-src"  # entries; the sources they were built from

# What a kernel's unit sees: CUDA's names over the launch model's state, which lives in the
# runtime library (_RUNTIME) that every kernel library links to. The header is compiled once
# into a precompiled header (the C++ headers cost 0.3 of the 0.4 CPU s a kernel took when each
# unit carried the whole model), and the runtime once per cache.
_HEADER = r"""
#include <math.h>
#include <string.h>
#include <stdint.h>
#include <stdlib.h>
#define __global__
#define __device__
#define __restrict__
#define __shared__ static
struct theano_dim3 { unsigned x; };
extern unsigned theano_thread, theano_block, theano_block_dim, theano_grid;
#define threadIdx (theano_dim3{theano_thread})
#define blockIdx (theano_dim3{theano_block})
#define blockDim (theano_dim3{theano_block_dim})
#define gridDim (theano_dim3{theano_grid})
static inline float __int_as_float(int i) { float f; memcpy(&f, &i, 4); return f; }

/* The model's counters: index divisions and modulos by run-time values (a kernel's index
   parameters are theano_counted: dividing by one counts), global loads through a const buffer
   parameter, and per warp request (the loads a warp's lanes issue as their n-th load) the
   32-byte sectors it touches. */
extern long long theano_divmods, theano_error;
template <class V> struct theano_counted { V v; operator V() const { return v; } };
typedef theano_counted<long long> theano_i64;
typedef theano_counted<int> theano_i32;
template <class A, class V> auto operator/(A a, theano_counted<V> b) -> decltype(a / b.v) { ++theano_divmods; return a / b.v; }
template <class A, class V> auto operator%(A a, theano_counted<V> b) -> decltype(a % b.v) { ++theano_divmods; return a % b.v; }
template <class A, class V> A& operator/=(A& a, theano_counted<V> b) { ++theano_divmods; a /= b.v; return a; }
template <class A, class V> A& operator%=(A& a, theano_counted<V> b) { ++theano_divmods; a %= b.v; return a; }
void theano_touch(const char* q);
struct theano_gptr {
  const char* p;
  template <class I> const char* operator+(I off) const {
    const char* q = p + (long long)off;
    theano_touch(q);
    return q;
  }
  template <class T> operator const T*() const { return (const T*)p; }
};

/* Threads of a block as fibers (the runtime schedules them): a thread runs until it reaches
   a barrier (__syncthreads: the block's; a shuffle: its warp's) or ends. */
enum { THEANO_RUN, THEANO_BLOCK_BARRIER, THEANO_WARP_BARRIER, THEANO_DONE };
void theano_wait(int state);
extern int theano_fibered;
extern unsigned long long theano_exchange[1024];
static inline void __syncthreads() { if (theano_fibered) theano_wait(THEANO_BLOCK_BARRIER); }
template <class V, class O> static V __shfl_down_sync(unsigned mask, V v, O o) {
  unsigned t = theano_thread, lane = t & 31;
  if (!theano_fibered) { theano_error = 2; return v; }
  memcpy(&theano_exchange[t], &v, sizeof(V));
  theano_wait(THEANO_WARP_BARRIER);  /* every lane has written */
  V r = v;
  if (lane + (unsigned)o < 32 && t + (unsigned)o < theano_block_dim) memcpy(&r, &theano_exchange[t + o], sizeof(V));
  theano_wait(THEANO_WARP_BARRIER);  /* every lane has read */
  return r;
}
void theano_launch(unsigned grid, unsigned block, int fibered, void (*body)(void*), void* arg);
"""

_RUNTIME = r"""
#include <ucontext.h>
#include <algorithm>
#include <utility>
#include <vector>
unsigned theano_thread, theano_block, theano_block_dim, theano_grid;
long long theano_divmods, theano_loads, theano_requests, theano_sectors, theano_error;
int theano_fibered;
unsigned long long theano_exchange[1024];
static unsigned theano_seq[1024];
static std::vector<std::pair<unsigned long long, unsigned long long> > theano_touched;
void theano_touch(const char* q) {
  ++theano_loads;
  unsigned t = theano_thread;
  theano_touched.push_back(std::make_pair(((unsigned long long)(t >> 5) << 40) | theano_seq[t]++,
                                          (unsigned long long)(uintptr_t)q >> 5));
}
static void theano_flush() {
  std::sort(theano_touched.begin(), theano_touched.end());
  for (size_t i = 0; i < theano_touched.size(); ++i) {
    if (i == 0 || theano_touched[i] != theano_touched[i - 1]) ++theano_sectors;
    if (i == 0 || theano_touched[i].first != theano_touched[i - 1].first) ++theano_requests;
  }
  theano_touched.clear();
  memset(theano_seq, 0, sizeof theano_seq);
}

/* A barrier opens when every thread it waits for has reached it. A barrier some thread never
   reaches is an error, as a hang would be. */
struct theano_fiber { ucontext_t ctx; char* stack; int state; };
static theano_fiber theano_fibers[1024];
static ucontext_t theano_main;
static void (*theano_body)(void*);
static void* theano_arg;
static void theano_entry() {
  theano_body(theano_arg);
  theano_fibers[theano_thread].state = THEANO_DONE;
  swapcontext(&theano_fibers[theano_thread].ctx, &theano_main);
}
void theano_wait(int state) {
  theano_fibers[theano_thread].state = state;
  swapcontext(&theano_fibers[theano_thread].ctx, &theano_main);
}
static void theano_run_block(unsigned n) {
  const size_t stack = 64 * 1024;
  for (unsigned t = 0; t < n; ++t) {
    theano_fiber& f = theano_fibers[t];
    if (!f.stack) f.stack = (char*)malloc(stack);
    getcontext(&f.ctx);
    f.ctx.uc_stack.ss_sp = f.stack;
    f.ctx.uc_stack.ss_size = stack;
    f.ctx.uc_link = 0;
    makecontext(&f.ctx, theano_entry, 0);
    f.state = THEANO_RUN;
  }
  for (;;) {
    bool ran = false;
    for (unsigned t = 0; t < n; ++t)
      if (theano_fibers[t].state == THEANO_RUN) {
        theano_thread = t;
        swapcontext(&theano_main, &theano_fibers[t].ctx);
        ran = true;
      }
    if (ran) continue;
    bool done = true, released = false;
    for (unsigned t = 0; t < n; ++t) done = done && theano_fibers[t].state == THEANO_DONE;
    if (done) return;
    for (unsigned w = 0; w < n; w += 32) {
      unsigned end = w + 32 < n ? w + 32 : n, waiting = 0, other = 0;
      for (unsigned t = w; t < end; ++t) {
        if (theano_fibers[t].state == THEANO_WARP_BARRIER) ++waiting; else ++other;
      }
      if (waiting && other) { theano_error = 3; return; }  /* a shuffle some lanes skip */
      if (waiting) { released = true; for (unsigned t = w; t < end; ++t) theano_fibers[t].state = THEANO_RUN; }
    }
    if (released) continue;
    for (unsigned t = 0; t < n; ++t) {
      if (theano_fibers[t].state != THEANO_BLOCK_BARRIER) { theano_error = 4; return; }  /* divergent __syncthreads */
      theano_fibers[t].state = THEANO_RUN;
    }
  }
}
void theano_launch(unsigned grid, unsigned block, int fibered, void (*body)(void*), void* arg) {
  theano_grid = grid; theano_block_dim = block; theano_fibered = fibered;
  theano_body = body; theano_arg = arg;
  for (unsigned b = 0; b < grid && !theano_error; ++b) {
    theano_block = b;
    if (fibered) theano_run_block(block);
    else for (unsigned t = 0; t < block; ++t) { theano_thread = t; body(arg); }
    theano_flush();
  }
}
extern "C" void theano_stats(long long* out) {
  out[0] = theano_divmods; out[1] = theano_loads; out[2] = theano_requests; out[3] = theano_sectors;
  out[4] = theano_error;
  theano_divmods = theano_loads = theano_requests = theano_sectors = theano_error = 0;
}
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


def _counted_params(params: list[str]) -> list[str]:
    """The kernel's parameters with the model's types: index scalars count their divisions,
    const buffers record their loads (same size and calling convention as the originals)."""
    out = []
    for p in params:
        m = re.fullmatch(r"const char\*\s*(?:__restrict__\s+)?(\w+)", p)
        if m:
            out.append(f"theano_gptr {m.group(1)}")
        elif p.startswith("long long "):
            out.append("theano_i64 " + p[len("long long "):])
        elif p.startswith("int "):
            out.append("theano_i32 " + p[len("int "):])
        else:
            out.append(p)
    return out


def _instrumented(code: str, name: str) -> str:
    """The kernel's source with counted parameter types, and an entry point that runs a
    launch (grid, block, then the kernel's own arguments)."""
    params = _params(code, name)
    counted = _counted_params(params)
    sig = re.compile(r'(extern "C" __global__ void ' + name + r")\(([^)]*)\)")
    code = sig.sub(lambda m: f"{m.group(1)}({', '.join(counted)})", code, count=1)
    names = [re.search(r"(\w+)\s*$", p).group(1) for p in params]
    fibered = int("__syncthreads" in code or "__shfl" in code)
    return (code + f"\nstruct theano_args_{name} {{ {' '.join(p + ';' for p in counted)} }};\n"
            f"static void theano_body_{name}(void* a) {{ theano_args_{name}* p = (theano_args_{name}*)a; "
            f"{name}({', '.join('p->' + n for n in names)}); }}\n"
            f'extern "C" void theano_launch_{name}(unsigned grid, unsigned block, {", ".join(counted)}) {{\n'
            f"  theano_args_{name} a = {{ {', '.join(names)} }};\n"
            f"  theano_launch(grid, block, {fibered}, theano_body_{name}, &a);\n}}\n")


_FLAGS = ("-O0", "-fPIC", "-fwrapv", "-w")


def _write(path: Path, text: str) -> None:
    """Write under a temporary name, then rename: a compiler reading the file while another
    process writes the same text reads a whole one."""
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    tmp.write_text(text)
    tmp.replace(path)


def _source(key: str, suffix: str, text: str) -> Path:
    """A source file kept beside the cache's entries (not an entry: what is compiled from it
    is), rewritten unless it holds `text`."""
    path = Path(_CDIR.path_for(_SRC_KIND, key, suffix))
    _CDIR.make_dir(str(path.parent))
    try:
        same = path.read_text() == text
    except OSError:
        same = False
    if not same:
        _write(path, text)
    return path


def _compiler(argv: list[str]) -> Callable[[str], object]:
    """A CompileDir build step: the compiler writes into the temporary name it is given."""
    def build(tmp: str) -> None:
        r = subprocess.run([*argv, "-o", tmp], capture_output=True, text=True)
        if r.returncode:
            raise RuntimeError(f"{' '.join(argv)} failed:\n{r.stderr[-3000:]}")

    return build


@functools.lru_cache(maxsize=None)
def _model() -> tuple[Path, Path]:
    """(the kernels' header, with its precompiled form beside it; the runtime library), built
    once per cache: their key is the hash of their text, the compiler and its flags."""
    key = cache_key(CXX, " ".join(_FLAGS), _HEADER, _RUNTIME)
    # g++ reads key.h.gch, beside it, for key.h: both are entries
    header = _CDIR.get_or_build(_KIND, key, ".h", lambda tmp: Path(tmp).write_text(_HEADER),
                                meta={"name": "fake CuPy's kernel header"})
    _CDIR.get_or_build(_KIND, key, ".h.gch", _compiler([CXX, *_FLAGS, "-x", "c++-header", str(header)]),
                       meta={"name": "fake CuPy's precompiled header"})
    src = _source(key, "-runtime.cpp", _RUNTIME)
    runtime = _CDIR.get_or_build(_KIND, key, ".so",
                                 _compiler([CXX, *_FLAGS, "-shared", "-include", str(header), str(src)]),
                                 meta={"name": "fake CuPy's launch model"})
    return Path(header), Path(runtime)


def _kernel_key(code: str) -> str:
    return cache_key(_model()[0].name, code)


def library_path(code: str) -> str:
    """Where the compile cache keeps the library of a kernel unit `code`."""
    return _CDIR.path_for(_KIND, _kernel_key(code), ".so")


def _compile(code: str) -> ctypes.CDLL:
    """A kernel's library, linked to the runtime (whose state every kernel then shares)."""
    header, runtime = _model()
    key = _kernel_key(code)
    src = _source(key, ".cpp", code)
    build = _compiler([CXX, *_FLAGS, "-shared", "-include", str(header), str(src), str(runtime)])
    return _CDIR.load(_KIND, key, ".so", build, ctypes.CDLL, meta={"name": "a kernel on fake CuPy"})


def _params(code: str, name: str) -> list[str]:
    m = re.search(r'extern "C" __global__ void ' + name + r"\(([^)]*)\)", code)
    assert m, f"kernel {name} not found in its source"
    return [p.strip() for p in m.group(1).split(",") if p.strip()]


#: what the launches did, summed over every launch since the last `reset_stats()`: launches,
#: blocks, threads, index divisions/modulos by run-time values, global loads through const
#: buffers, warp requests (a warp's n-th load) and the 32-byte sectors they touch (a request
#: of 32 coalesced 4-byte loads touches 4; a strided one up to 32)
stats: dict[str, int] = {}


def reset_stats() -> None:
    """Zero the launch model's counters."""
    stats.clear()
    stats.update(launches=0, blocks=0, threads=0, divmods=0, loads=0, requests=0, sectors=0)


reset_stats()


class _Kernel:
    def __init__(self, code: str, name: str):
        self.params = _params(code, name)
        self.lib = _compile(_instrumented(code, name))
        self.fn = getattr(self.lib, f"theano_launch_{name}")
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
        assert 1 <= grid[0] < 2 ** 31 and 32 <= block[0] <= 1024 and block[0] % 32 == 0, (grid, block)
        self.launches += 1
        self.fn(ctypes.c_uint(grid[0]), ctypes.c_uint(block[0]), *cargs)
        got = (ctypes.c_longlong * 5)()
        self.lib.theano_stats(got)
        assert got[4] == 0, {2: "a shuffle outside a block's threads", 3: "a shuffle some lanes of a warp skip",
                             4: "a __syncthreads some threads never reach"}.get(got[4], got[4])
        for k, v in zip(("divmods", "loads", "requests", "sectors"), got[:4]):
            stats[k] += v
        stats["launches"] += 1
        stats["blocks"] += grid[0]
        stats["threads"] += grid[0] * block[0]


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
        self.attributes = {"MultiProcessorCount": SM_COUNT}
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
