"""The C backend: elementwise kernels rendered by the shared C-family renderer, compiled by
the system compiler (one cached unit per distinct kernel, reused across graphs) and called
through one generic launcher; the Python driver that strings the nodes together is the
core's straight-line linker."""
from __future__ import annotations

import ctypes
import os
import threading
import weakref
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, Callable

import numpy as np

from theano.backend import Backend, Plan
from theano.graph.basic import Apply
from theano.kernel.ir import Kernel

from . import lowering
from .renderer import CKernelRenderer, entry_source, parallel_min
from .toolchain import CompileError, build_extension, find_compiler, library_cached, load_shared_library

_HERE = os.path.dirname(os.path.abspath(__file__))

#: The extension modules of this package: property name -> (source, module, with OpenMP).
EXTENSIONS = {
    "launcher": ("launcher.c", "_theano_c_launch", False),
    "filters": ("input_filters.c", "_theano_c_filters", False),
    "products": ("blas_products.c", "_theano_c_blas", False),
    "rows": ("softmax_rows.c", "_theano_c_softmax", True),
}
#: Which extension the lowerings defined in a module build their runners from: a graph with
#: such a node starts building it (on a cold cache) while its other pieces compile.
EXTENSION_OF_LOWERING = {"theano_c.products": "products", "theano_c.softmax": "rows"}
#: Built for every graph: nearly every function has inputs to filter and a kernel to launch.
ALWAYS = ("launcher", "filters")

# Background builds (extensions, and kernels missing from the disk cache); the compiler runs
# in a subprocess, so threads suffice.
_builders = ThreadPoolExecutor(max_workers=len(EXTENSIONS), thread_name_prefix="theano-c-ext")
_compilers = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="theano-c-cc")


class CBackend(Backend):
    """Runs elementwise (fused) kernels as compiled C; views and shapes as NumPy views;
    products through SciPy's BLAS; every other op falls back to its NumPy meaning, visibly."""

    name = "c"
    host_native = True
    rewrite_tags = ("c",)

    def __init__(self, device: str):
        super().__init__(device)
        comp = find_compiler()
        from theano.config import config

        openmp, vector_math = bool(comp and comp.openmp and config.c__openmp), bool(comp and comp.vector_math)
        self.renderer = CKernelRenderer(openmp=openmp, vector_math=vector_math)
        self._serial_renderer = CKernelRenderer(openmp=False, vector_math=vector_math) if openmp else None
        self._lock = threading.Lock()
        self._extensions: dict[str, Any] = {}
        self._building: dict[str, Future] = {}
        self._entries: dict[str, tuple[Any, int]] = {}  # kernel source -> (library, address)
        self._compiling: dict[str, Future] = {}  # kernel source -> its library being built
        self._sources: Any = weakref.WeakKeyDictionary()  # Kernel -> (source, unit source)
        self._planned = threading.local()  # the plans `link` made ahead, per linking thread

    # -- compiled pieces ----------------------------------------------------------------
    def _extension(self, source: str, module: str, openmp: bool = False) -> Any:
        """A CPython extension of this package, compiled once per machine (cached on disk);
        waits for its build when one started in the background (`start_extensions`)."""
        mod = self._extensions.get(module)
        if mod is None:
            mod = self._extension_build(source, module, openmp).result()
            self._extensions[module] = mod
        return mod

    def _extension_build(self, source: str, module: str, openmp: bool) -> Future:
        with self._lock:
            fut = self._building.get(module)
            if fut is None:
                fut = _builders.submit(build_extension, os.path.join(_HERE, source), module, openmp)
                # a failed build is tried again by the next caller, as before
                fut.add_done_callback(lambda f: f.exception() is None or self._forget(module, f))
                self._building[module] = fut
        return fut

    def _forget(self, module: str, fut: Future) -> None:
        with self._lock:
            if self._building.get(module) is fut:
                del self._building[module]

    def start_extensions(self, names: Any) -> None:
        """Start building the extensions called `names` (keys of EXTENSIONS) that this process
        has not loaded: on a cold cache they compile alongside the graph's kernels instead of
        one after another as the lowering meets them."""
        for name in names:
            source, module, openmp = EXTENSIONS[name]
            if module not in self._extensions:
                self._extension_build(source, module, openmp)

    def _named(self, name: str) -> Any:
        return self._extension(*EXTENSIONS[name])

    @property
    def launcher(self) -> Any:
        """The extension whose Kernel objects run compiled kernels (launcher.c)."""
        return self._named("launcher")

    @property
    def products(self) -> Any:
        """The extension whose Product objects run Dot/Gemm/Gemv through BLAS (blas_products.c)."""
        return self._named("products")

    @property
    def rows(self) -> Any:
        """The extension whose RowOp objects run softmax and its cross-entropies (softmax_rows.c)."""
        return self._named("rows")

    def input_filter(self, ttype: Any, strict: bool, allow_downcast: bool | None,
                     python_filter: Callable[[Any], Any]) -> Callable[[Any], Any] | None:
        """TensorType's common cases in C (input_filters.c), the rest through python_filter."""
        from theano.config import config
        from theano.tensor.type import TensorType

        if type(ttype) is not TensorType:
            return None
        try:
            filters = self._named("filters")
        except CompileError:
            return None
        lossy_ok = bool(allow_downcast) or (allow_downcast is None and ttype.dtype == config.floatX)
        return filters.Filter(ttype.numpy_dtype.num, bytes(int(b) for b in ttype.broadcastable),
                              bool(strict), lossy_ok, python_filter, bool(allow_downcast))

    def _kernel_sources(self, kernel: Kernel) -> tuple[str, str]:
        """(the kernel's rendered function, the whole unit compiled for it), rendered once."""
        hit = self._sources.get(kernel)
        if hit is None:
            src = self.renderer.render(kernel, "theano_kernel")
            serial = (self._serial_renderer.render(kernel, "theano_kernel_serial")
                      if self._serial_renderer is not None else None)
            full = entry_source(src, "theano_kernel", len(kernel.inputs) + len(kernel.outputs), serial,
                                kernel.ndim, parallel_min(kernel))
            hit = self._sources[kernel] = (src, full)
        return hit

    def _load_kernel(self, src: str, full: str, name: str) -> tuple[Any, int]:
        # A cached library that fails to load or lacks the entry point is rebuilt, not fatal.
        lib = load_shared_library(full, name, ("theano_entry",))
        hit = (lib, ctypes.cast(lib.theano_entry, ctypes.c_void_p).value)
        with self._lock:
            self._entries[src] = hit
        return hit

    def start_kernel(self, kernel: Kernel) -> None:
        """Start compiling `kernel` in the background when the disk cache lacks it (a cached
        one is loaded when it is needed, without a thread)."""
        src, full = self._kernel_sources(kernel)
        with self._lock:
            if src in self._entries or src in self._compiling:
                return
        if library_cached(full):
            return
        with self._lock:
            if src not in self._entries and src not in self._compiling:
                fut = _compilers.submit(self._load_kernel, src, full, str(kernel))
                fut.add_done_callback(lambda f: f.exception() is None or self._forget_kernel(src, f))
                self._compiling[src] = fut

    def _forget_kernel(self, src: str, fut: Future) -> None:
        with self._lock:
            if self._compiling.get(src) is fut:
                del self._compiling[src]

    def kernel_entry(self, kernel: Kernel) -> int:
        """The address of the compiled entry point of `kernel` (compiled once, cached on disk;
        waits for a compile `start_kernel` began)."""
        src, full = self._kernel_sources(kernel)
        hit = self._entries.get(src)
        if hit is None:
            fut = self._compiling.get(src)
            hit = fut.result() if fut is not None else self._load_kernel(src, full, str(kernel))
        return hit[1]

    # -- linking -------------------------------------------------------------------------
    lowering = lowering.lower

    def link(self, fgraph: Any) -> Any:
        """The core's link, with every compile the graph needs started at once: the extensions
        its lowerings build on begin building in the background, nodes whose lowering does not
        wait for one are planned first (each kernel starts compiling as it is planned), then
        those that do. On a cold cache the pieces compile side by side instead of one after
        another as the lowering meets them."""
        order = fgraph.toposort()
        needed, later = set(ALWAYS), []
        for node in order:
            fn = self.lowering.lowering_for(type(node.op))
            ext = EXTENSION_OF_LOWERING.get(getattr(fn, "__module__", None))
            if ext is not None:
                needed.add(ext)
                if EXTENSIONS[ext][1] not in self._extensions:
                    later.append(node)
        self.start_extensions(sorted(needed))
        waits = set(later)
        plans = {node: self.plan(node) for node in order if node not in waits}
        plans.update((node, self.plan(node)) for node in later)
        outer = getattr(self._planned, "plans", None)  # a scan's inner graph links inside
        self._planned.plans = plans
        try:
            return super().link(fgraph)
        finally:
            self._planned.plans = outer

    def plan(self, node: Apply) -> Plan:
        """The plan `link` already made for `node`, else the lowering's; a kernel starts
        compiling (`start_kernel`)."""
        made = getattr(self._planned, "plans", None)
        if made is not None and node in made:
            return made[node]
        p = super().plan(node)
        if isinstance(p.payload, Kernel):
            self.start_kernel(p.payload)
        return p

    def prepare(self, plans: dict[Apply, Plan]) -> None:
        """Distinct kernels compile in parallel (`plan` started them): a cold graph costs about
        one compile, not N."""
        for p in plans.values():
            if isinstance(p.payload, Kernel):
                self.start_kernel(p.payload)

    def node_function(self, node: Apply, plan: Plan, prepared: Any) -> Callable[..., Any]:
        """A compiled kernel's launcher object, or the plan's own callable."""
        if isinstance(plan.payload, Kernel):
            return self.kernel_callable(node, plan.payload)
        return super().node_function(node, plan, prepared)

    def kernel_callable(self, node: Apply, kernel: Kernel) -> Callable[..., Any]:
        """A Kernel object of the launcher, bound to this kernel's metadata: one C call per
        node at run time, which keeps the node's output buffers between calls."""
        nd = kernel.ndim
        bcast = bytes(int(b) for a in kernel.inputs for b in a.broadcastable)
        out_types = tuple(np.dtype(o.type.dtype).num for o in node.outputs)
        in_types = tuple(np.dtype(a.dtype).num for a in kernel.inputs)
        checker = node.op.make_py_fn(node)
        red = kernel.reduction
        reduced = None if red is None else bytes(int(d in red.axes) for d in range(nd))
        nonempty = red is not None and red.scalar_op.identity is None
        # destroy_map: the output is written into that input's buffer when the launcher can
        inplace = tuple(node.op.destroy_map.get(k, [-1])[0] for k in range(len(node.outputs)))
        return self.launcher.Kernel(self.kernel_entry(kernel), nd, bcast, out_types, in_types, checker,
                                    reduced, nonempty, None if red is not None else inplace)


__all__ = ["CBackend", "CompileError"]
