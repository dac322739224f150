"""The OpenCL runtime: finding devices (and saying why there are none), one context and
in-order queue per device, a memory pool, program builds cached on disk, launches.

Everything here imports PyOpenCL lazily: the plugin module must stay light.
"""
from __future__ import annotations

import hashlib
import os
import re
import threading
from typing import Any, Sequence

import numpy as np

from theano.backend import Probe
from theano.compile.cache_safety import guard_tool_cache, private_root, safe_subdir
from theano.compile.compiledir import CompileDir, cache_key

from . import lean_header

__all__ = ["probe", "Runtime", "runtime_for", "parse_device", "BuildError"]

FIX_PYOPENCL = "pip install pyopencl"
FIX_DRIVER = ("apt-get install pocl-opencl-icd ocl-icd-libopencl1 (a CPU OpenCL driver), or install "
              "your GPU vendor's OpenCL driver")

#: local size of elementwise launches, per kind of device: fixed, so each kernel gets one
#: work-group variant compiled (PoCL compiles one per local size, at its first launch); large
#: on a CPU, where PoCL vectorizes the loop over a work-group's items
ELEMWISE_LOCAL = {"cpu": 1024, "gpu": 256}
#: OpenCL C lets the compiler fuse a*b+c into an fma by default; off, kernels round each
#: operation as NumPy does
SOURCE_HEADER = "#pragma OPENCL FP_CONTRACT OFF\n"
#: -w: the code is generated; a warning (an integer compared with itself by the
#: NaN-propagating maximum) is nothing a user could act on.
BUILD_OPTIONS = ("-w",)
#: Whether program binaries are kept in theano's compile cache. None: only for drivers that do
#: not cache builds from source themselves. PoCL does (in its guarded cache directory), and
#: asking it for a binary compiles every kernel once more, for no local size in particular
#: (W5's cold build: 2 s -> 80 s).
KEEP_BINARIES: bool | None = None


class BuildError(RuntimeError):
    """The OpenCL compiler rejected generated code; the message has its log and the source."""


def _set_pocl_cache() -> None:
    """PoCL keeps its own cache of compiled programs and work-group functions, which it loads
    as libraries; put it under theano's compiledir (unless the user chose one) so that
    `compiledir=` isolates all of it, in a directory only the user can write, checked before
    PoCL starts (`guard_tool_cache`: a damaged program file aborts PoCL); where that cannot
    be, a private directory (with a warning)."""
    if "POCL_CACHE_DIR" in os.environ:
        return
    try:
        from theano.config import config

        unsafe_ok = bool(config.compiledir_unsafe_ok)
        path = safe_subdir(os.path.abspath(os.path.expanduser(config.compiledir)), "opencl", "pocl",
                           unsafe_ok=unsafe_ok)
        # PoCL's layout: <cache>/<2 letters>/<program hash>/...: a program is removed whole.
        if not guard_tool_cache(path, 2, "PoCL", unsafe_ok):
            path = os.path.join(private_root(), "pocl")
            os.makedirs(path, exist_ok=True)
        os.environ["POCL_CACHE_DIR"] = path
    except Exception:  # never let a cache location break the probe
        pass


def probe() -> Probe:
    """Usable with the device list, or why not (no pyopencl, no ICD loader, no platform, no
    device) and the fix."""
    _set_pocl_cache()
    try:
        import pyopencl as cl
    except ImportError as e:
        msg = str(e)
        if "libOpenCL" in msg:
            return Probe(False, f"the OpenCL ICD loader (libOpenCL.so) is missing: {msg}",
                         "apt-get install ocl-icd-libopencl1 pocl-opencl-icd")
        return Probe(False, f"pyopencl is not installed ({msg})", FIX_PYOPENCL)
    except OSError as e:
        return Probe(False, f"the OpenCL ICD loader cannot be loaded: {e}",
                     "apt-get install ocl-icd-libopencl1 pocl-opencl-icd")
    try:
        platforms = cl.get_platforms()
    except Exception as e:  # pyopencl raises LogicError/RuntimeError for PLATFORM_NOT_FOUND_KHR
        return Probe(False, f"no OpenCL platform is installed ({type(e).__name__}: {e}); the ICD "
                            f"loader found no driver in /etc/OpenCL/vendors", FIX_DRIVER)
    if not platforms:
        return Probe(False, "no OpenCL platform is installed (the ICD loader found no driver)", FIX_DRIVER)
    devices, info = [], {}
    problems = []
    for p, plat in enumerate(platforms):
        try:
            devs = plat.get_devices()
        except Exception as e:
            problems.append(f"platform {p} ({plat.name}): {e}")
            continue
        for d, dev in enumerate(devs):
            name = f"opencl{p}:{d}"
            fp64 = "cl_khr_fp64" in dev.extensions
            devices.append(name)
            info[name] = (f"{plat.name.strip()} / {dev.name.strip()} ({dev.version.strip()}, "
                          f"{'float64' if fp64 else 'float32 only'})")
    if not devices:
        why = "; ".join(problems) or "every platform reports zero devices"
        return Probe(False, f"OpenCL platforms are installed but no device is usable ({why})", FIX_DRIVER)
    return Probe(True, devices=devices, device_info=info)


def parse_device(device: str) -> tuple[int, int]:
    """(platform, device) numbers of `opencl<p>:<d>`; plain `opencl` is 0:0."""
    m = re.fullmatch(r"opencl(?:(\d+)(?::(\d+))?)?", device.strip().lower())
    if not m:
        raise ValueError(f"not an OpenCL device string: {device!r} (expected opencl or opencl<p>:<d>)")
    return int(m.group(1) or 0), int(m.group(2) or 0)


#: From this size on, a buffer PoCL allocates is fresh memory every time (glibc maps
#: allocations above its largest mmap threshold, 32 MiB, anew and unmaps them when freed):
#: a host value this big is copied into a pooled buffer, whose pages are already there
#: (80 MB of float64: 55 ms through a new buffer, 11 ms into a pooled one).
FRESH_PAGES_BYTES = 32 << 20


class Runtime:
    """One OpenCL device: its context, in-order queue, allocator and compiled kernels."""

    def __init__(self, device: str):
        import pyopencl as cl
        import pyopencl.array as cla
        import pyopencl.tools as cltools
        from pyopencl.characterize import has_src_build_cache

        self.cl, self.cla = cl, cla
        p, d = parse_device(device)
        platforms = cl.get_platforms()
        if p >= len(platforms) or d >= len(platforms[p].get_devices()):
            raise ValueError(f"OpenCL device {device!r} does not exist")
        self.platform = platforms[p]
        self.device = platforms[p].get_devices()[d]
        self.name = f"opencl{p}:{d}"
        self.fp64 = "cl_khr_fp64" in self.device.extensions
        self.context = cl.Context([self.device])
        self.queue = cl.CommandQueue(self.context)
        # A pool: outputs are allocated and freed on every call, clCreateBuffer each time
        # would cost more than many small kernels.
        self.pool = cltools.MemoryPool(cltools.ImmediateAllocator(self.queue))
        self.max_group = int(self.device.max_work_group_size)
        self.compute_units = int(self.device.max_compute_units)
        self.is_cpu = bool(self.device.type & cl.device_type.CPU)
        #: host values become buffers created with a copy of them (see to_device)
        self.copy_at_create = self.is_cpu
        self.elemwise_local = ELEMWISE_LOCAL["cpu" if self.is_cpu else "gpu"]
        self._lock = threading.Lock()
        self._kernels: dict[str, Any] = {}     # kernel source -> cl.Kernel
        self._launch_locks: dict[int, threading.Lock] = {}
        #: the driver caches builds from source itself (PoCL, NVIDIA's): see KEEP_BINARIES
        self.driver_caches_sources = bool(has_src_build_cache(self.device))
        #: PoCL's builtin declarations, cut per program to the functions it names (see
        #: lean_header); None on other drivers, or once the cut header failed where the whole
        #: one built
        self.lean = _lean_header(self.platform)
        self.lean_built = 0   # programs built with the cut header
        self.lean_missed = 0  # programs it failed and the whole header built

    def matmul_tiling(self, itemsize: int) -> tuple[int, int]:
        """(tile edge, outputs per work-item) of the matrix product on this device: big tiles
        on a CPU (PoCL runs a work-group as loops, more reuse per loaded value pays), tiles
        that fit a GPU's local memory (2 tiles of 32 x 32 doubles: 16 KiB) elsewhere."""
        local = int(self.device.local_mem_size)
        for tile, per_item in (((64, 8), (32, 4), (16, 2)) if self.is_cpu else ((32, 4), (16, 2))):
            if 2 * tile * tile * itemsize <= local // 2 and tile * (tile // per_item) <= self.max_group:
                return tile, per_item
        return 16, 16

    # -- arrays --------------------------------------------------------------------------
    def _array(self, shape: tuple[int, ...], dtype: np.dtype, strides: tuple[int, ...], data: Any,
               offset: int) -> Any:
        """pyopencl's fast Array constructor: its checked one cost about 17 us, a few dozen
        times per call of a training step (outputs and views), on a host thread that competes
        with PoCL's workers for the CPU."""
        size = 1
        for n in shape:
            size *= n
        return self.cla.Array(None, shape, dtype, allocator=self.pool, data=data, offset=offset,
                              strides=strides, _fast=True, _size=size, _context=self.context,
                              _queue=self.queue)

    def empty(self, shape: Sequence[int], dtype: Any) -> Any:
        shape = tuple(int(n) for n in shape)
        dtype = np.dtype(dtype)
        return self._array(shape, dtype, _c_strides(shape, dtype.itemsize), None, 0)

    def to_device(self, value: np.ndarray) -> Any:
        """A device copy of host array `value`: it does not change when `value` does."""
        if not value.flags.c_contiguous:
            value = value.copy(order="C")  # (np.ascontiguousarray would make a 0-d array 1-d)
        if value.size and self.copy_at_create and value.nbytes < FRESH_PAGES_BYTES:
            # On a CPU device a new buffer created with a copy of the value: the copy is a
            # memcpy in this thread (0.6 us for 100 floats on PoCL 3.1), where a write
            # enqueued into a pooled buffer is a command the driver's worker threads run and
            # signal back (about 65 us, most of a small call's time).
            mf = self.cl.mem_flags
            buf = self.cl.Buffer(self.context, mf.READ_WRITE | mf.COPY_HOST_PTR, hostbuf=value)
            return self._array(value.shape, value.dtype, _c_strides(value.shape, value.itemsize), buf, 0)
        out = self.empty(value.shape, value.dtype)
        if value.size:
            # A blocking enqueue_copy straight into the pooled buffer: several times faster
            # than pyopencl.array.to_device for large arrays.
            self.cl.enqueue_copy(self.queue, out.base_data, value, dst_offset=out.offset, is_blocking=True)
        return out

    def to_host(self, a: Any) -> np.ndarray:
        """A C-contiguous device array as a new NumPy array (what Array.get does, faster)."""
        out = np.empty(a.shape, a.dtype)
        if out.size:
            self.cl.enqueue_copy(self.queue, out, a.base_data, src_offset=a.offset, is_blocking=True)
        return out

    def to_host_many(self, arrays: Sequence[Any]) -> list[np.ndarray]:
        """Several C-contiguous device arrays as new NumPy arrays, with one wait: the reads are
        enqueued without blocking and the queue runs them in order, so the last one's end is
        all of theirs (three reads of 100 floats on PoCL: 97 us one blocking read after the
        other, 38 us so)."""
        outs, last = [], None
        for a in arrays:
            out = np.empty(a.shape, a.dtype)
            if out.size:
                last = self.cl.enqueue_copy(self.queue, out, a.base_data, src_offset=a.offset, is_blocking=False)
            outs.append(out)
        if last is not None:
            last.wait()
        return outs

    def view(self, a: Any, shape: Sequence[int], strides: Sequence[int], offset: int) -> Any:
        """A view of device array `a`'s buffer (offset in bytes from `a`'s own start)."""
        shape = tuple(int(s) for s in shape)
        if int(np.prod(shape, dtype=np.int64)) == 0 or a.base_data is None:
            return self.empty(shape, a.dtype)
        return self._array(shape, a.dtype, tuple(int(s) for s in strides), a.base_data,
                           a.offset + int(offset))

    # -- programs ------------------------------------------------------------------------
    def build(self, sources: Sequence[str]) -> dict[str, Any]:
        """cl.Kernel objects for kernel sources (each defining one `__kernel` and its helpers).

        Sources not built yet in this process are compiled together as one program: PoCL
        pays a fixed cost per program, so a graph's kernels cost about one build. PyOpenCL
        caches the binary on disk, keyed by the program source, the device and the driver,
        so another process building the same graph compiles nothing."""
        out: dict[str, Any] = {}
        todo = []
        for s in dict.fromkeys(sources):
            k = self._kernels.get(s)
            if k is None:
                todo.append(s)
            else:
                out[s] = k
        if todo:
            names = {s: "k_" + hashlib.sha256(s.encode()).hexdigest()[:16] for s in todo}
            program_src = combine_sources([rename_kernel(s, names[s]) for s in todo])
            prog = self._build_program(program_src)
            with self._lock:
                for s in todo:
                    k = self._kernels.get(s)
                    if k is None:
                        k = getattr(prog, names[s])
                        dtypes = scalar_arg_dtypes(s)
                        if dtypes is not None:
                            k.set_scalar_arg_dtypes(dtypes)
                        self._kernels[s] = k
                    out[s] = k
        return out

    def _build_program(self, src: str) -> Any:
        """The built program of `src`. Where the driver keeps no cache of its own (see
        KEEP_BINARIES), its binary for this device is an entry of theano's compile cache
        (checked like every entry before it is used), compiled from source on a miss.
        PyOpenCL's own binary cache is not used: it unpickles what it finds on disk."""
        cl = self.cl
        dev, plat = self.device, self.platform
        keep = KEEP_BINARIES if KEEP_BINARIES is not None else not self.driver_caches_sources
        if not keep:
            return self._compile(src)
        key = cache_key("opencl", src, plat.name, plat.version, dev.name, dev.version,
                        dev.driver_version, " ".join(BUILD_OPTIONS))

        def build(tmp: str) -> None:
            (binary,) = self._compile(src).get_info(cl.program_info.BINARIES)
            with open(tmp, "wb") as f:
                f.write(binary)

        def load(path: str) -> Any:
            with open(path, "rb") as f:
                binary = f.read()
            return cl.Program(self.context, [dev], [binary]).build(options=list(BUILD_OPTIONS))

        return CompileDir().load("opencl", key, ".bin", build, load,
                                 meta={"name": f"OpenCL program ({len(src)} characters)",
                                       "device": dev.name.strip()})

    def _compile(self, src: str) -> Any:
        """The program built from source; PyOpenCL's own binary cache is never used. On PoCL
        the program first carries only the builtin declarations it names (lean_header); if
        that fails, it is built with the whole header, whose error, if any, is the one raised."""
        cl = self.cl
        lean = self.lean
        if lean is not None:
            try:
                prog = cl.Program(self.context, lean.for_source(src) + src).build(
                    options=[*BUILD_OPTIONS, lean_header.GUARD_OPTION], cache_dir=False)
            except cl.RuntimeError:
                pass
            else:
                self.lean_built += 1
                return prog
        try:
            prog = cl.Program(self.context, src).build(options=list(BUILD_OPTIONS), cache_dir=False)
        except cl.RuntimeError as e:
            raise BuildError(f"the OpenCL compiler ({self.platform.name.strip()}) rejected a "
                             f"generated program:\n{str(e)[-3000:]}\n--- source ---\n{src[:6000]}") from None
        if lean is not None:
            self.lean_missed += 1
            if not self.lean_built:  # never worked here: this PoCL lays its headers out otherwise
                self.lean = None
        return prog

    def launch_lock(self, kernel: Any) -> threading.Lock:
        """set_args + enqueue on a shared cl.Kernel must not interleave between threads."""
        key = id(kernel)
        lk = self._launch_locks.get(key)
        if lk is None:
            with self._lock:
                lk = self._launch_locks.setdefault(key, threading.Lock())
        return lk


def _lean_header(platform: Any) -> lean_header.LeanHeader | None:
    """The cut-down builtin header on PoCL, where its opencl-c.h is found and reads as
    expected; None elsewhere."""
    if "Portable Computing Language" not in platform.name:
        return None
    path = lean_header.header_path()
    if path is None:
        return None
    try:
        return lean_header.load(path)
    except (OSError, ValueError):
        return None


def _c_strides(shape: tuple[int, ...], itemsize: int) -> tuple[int, ...]:
    """Byte strides of a C-contiguous array, as pyopencl gives them (length-0 axes count as 1)."""
    strides, st = [0] * len(shape), itemsize
    for k in range(len(shape) - 1, -1, -1):
        strides[k] = st
        st *= max(1, shape[k])
    return tuple(strides)


_KERNEL_RE = re.compile(r"__kernel\s+void\s+(\w+)\s*\(")
_SCALARS = {"char": np.int8, "uchar": np.uint8, "short": np.int16, "ushort": np.uint16,
            "int": np.int32, "uint": np.uint32, "long": np.int64, "ulong": np.uint64,
            "float": np.float32, "double": np.float64}


def scalar_arg_dtypes(src: str) -> list[Any] | None:
    """The kernel's argument types as pyopencl's set_scalar_arg_dtypes wants them (None for
    buffers and local memory), read from its signature; None if a parameter's type is not a
    plain scalar. Declared, set_args packs the scalars directly: about 1 us per launch instead
    of 4 us per argument (90 us for the matrix product's 21), host time that a CPU device's
    workers would otherwise share."""
    m = _KERNEL_RE.search(src)
    if m is None:
        return None
    end = src.index(")", m.end())
    out: list[Any] = []
    for param in src[m.end():end].split(","):
        words = param.replace("*", " * ").split()
        if not words:
            continue
        if "*" in words or words[0] in ("__global", "__local", "global", "local"):
            out.append(None)
            continue
        t = _SCALARS.get(" ".join(w for w in words[:-1] if w != "const"))
        if t is None:
            return None
        out.append(t)
    return out



def rename_kernel(src: str, new: str) -> str:
    """The source with its (single) __kernel function renamed to `new`."""
    m = _KERNEL_RE.search(src)
    if m is None:
        raise ValueError("no __kernel function in the source")
    return src[:m.start(1)] + new + src[m.end(1):]


def combine_sources(sources: Sequence[str]) -> str:
    """One program from several kernel sources: pragmas once, each helper function once
    (helpers of the same name are generated identically), then every kernel.

    A source is split into top-level chunks: a chunk starts at a line with no indentation and
    ends with a line that is a lone `}` (how the renderers write functions)."""
    pragmas: dict[str, None] = {SOURCE_HEADER.strip(): None}
    chunks: dict[str, None] = {}
    for src in sources:
        cur: list[str] = []
        for line in src.splitlines():
            if line.startswith("#pragma") or line.startswith("#define") or line.startswith("#ifndef") \
                    or line.startswith("#endif"):
                if not cur:
                    pragmas[line] = None
                    continue
            cur.append(line)
            if line == "}":
                chunks["\n".join(cur)] = None
                cur = []
        if cur and any(ln.strip() for ln in cur):
            chunks["\n".join(cur)] = None
    head = [p for p in pragmas if p.startswith("#pragma OPENCL EXTENSION")]
    rest = [p for p in pragmas if not p.startswith("#pragma OPENCL EXTENSION")]
    return "\n".join(head + rest) + "\n" + "\n".join(chunks) + "\n"


_runtimes: dict[str, Runtime] = {}
_rt_lock = threading.Lock()


def runtime_for(device: str) -> Runtime:
    """The Runtime of `device` (one per process and device)."""
    p, d = parse_device(device)
    key = f"opencl{p}:{d}"
    with _rt_lock:
        rt = _runtimes.get(key)
        if rt is None:
            rt = Runtime(key)
            _runtimes[key] = rt
    return rt

