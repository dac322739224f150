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

from . import lowering, products
from .renderer import CKernelRenderer, entry_source, parallel_min
from .toolchain import (CompileError, build_extension, find_compiler, group_cached, library_cached,
                        load_library_group, load_shared_library)

_HERE = os.path.dirname(os.path.abspath(__file__))

#: The extension modules of this package: name -> (source, module, with OpenMP, -D flags).
#: The row ops build one module per float dtype: a program's are of one type.
EXTENSIONS = {
    "launcher": ("launcher.c", "_theano_c_launch", False, ()),
    "filters": ("input_filters.c", "_theano_c_filters", False, ()),
    "products": ("blas_products.c", "_theano_c_blas", False, ()),
    "rows32": ("softmax_rows.c", "_theano_c_softmax_f32", True, ()),
    "rows64": ("softmax_rows.c", "_theano_c_softmax_f64", True, ("-DROWS_FLOAT64",)),
}
#: the row ops' extension of each dtype number
ROWS_OF_TYPENUM = {np.dtype("float32").num: "rows32", np.dtype("float64").num: "rows64"}


def _rows_of(node: Apply) -> str | None:
    """The row ops' extension for `node`'s dtype (none for others: they fall back)."""
    return ROWS_OF_TYPENUM.get(np.dtype(node.outputs[0].type.dtype).num)


#: Which extension a lowering builds its runners from (by the module defining it, or the
#: lowering itself; a function of the node where that depends on it): a graph with such a
#: node starts building it (on a cold cache) while its other pieces compile. The products
#: module also lowers FusedReduction, to kernels mostly.
EXTENSION_OF_LOWERING: dict[Any, Any] = {"theano_c.softmax": _rows_of, products._lower_dot: "products",
                                         products._lower_gemm: "products"}
#: Built for every graph: nearly every function has inputs to filter and a kernel to launch.
ALWAYS = ("launcher", "filters")

# Background builds (extensions, and kernels missing from the disk cache); the compiler runs
# in a subprocess, so threads suffice.
_builders = ThreadPoolExecutor(max_workers=len(EXTENSIONS), thread_name_prefix="theano-c-ext")
_compilers = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="theano-c-cc")
_backends: Any = weakref.WeakSet()  # every CBackend, for _after_fork


def _after_fork() -> None:
    """A forked child has none of the parent's threads: pools whose workers are gone would
    never run what it submits, and a build the parent had under way would never finish."""
    global _builders, _compilers
    _builders = ThreadPoolExecutor(max_workers=len(EXTENSIONS), thread_name_prefix="theano-c-ext")
    _compilers = ThreadPoolExecutor(max_workers=os.cpu_count() or 2, thread_name_prefix="theano-c-cc")
    for backend in list(_backends):
        backend._forget_unfinished()


os.register_at_fork(after_in_child=_after_fork)
#: A graph's kernels missing from the disk cache compile as this many libraries (each one
#: compiler run over one file per kernel, linked once), side by side. A fixed number, so the
#: grouping depends on the graph and the cache alone and a warm start finds the same groups.
KERNEL_GROUPS = 2
#: the global symbols of a kernel's unit, suffixed per member of a group
_KERNEL_SYMBOLS = ("theano_entry", "theano_kernel")


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
        self._lock = threading.Lock()
        self._extensions: dict[str, Any] = {}
        self._building: dict[str, Future] = {}
        self._entries: dict[str, tuple[Any, int]] = {}  # kernel source -> (library, address)
        self._compiling: dict[str, Future] = {}  # kernel source -> its library being built
        self._sources: Any = weakref.WeakKeyDictionary()  # Kernel -> (source, unit source)
        self._planned = threading.local()  # the plans `link` made ahead, per linking thread
        _backends.add(self)

    def _forget_unfinished(self) -> None:
        """In a forked child: builds under way in the parent are started again when needed."""
        self._lock = threading.Lock()
        self._building = {m: f for m, f in self._building.items() if f.done() and f.exception() is None}
        self._compiling = {s: f for s, f in self._compiling.items() if f.done() and f.exception() is None}

    # -- compiled pieces ----------------------------------------------------------------
    def _extension(self, source: str, module: str, openmp: bool = False, defines: tuple[str, ...] = ()) -> Any:
        """A CPython extension of this package, compiled once per machine (cached on disk);
        waits for its build when one started in the background (`start_extensions`)."""
        mod = self._extensions.get(module)
        if mod is None:
            mod = self._extension_build(source, module, openmp, defines).result()
            self._extensions[module] = mod
        return mod

    def _extension_build(self, source: str, module: str, openmp: bool, defines: tuple[str, ...]) -> Future:
        with self._lock:
            fut = self._building.get(module)
            if fut is None:
                fut = _builders.submit(build_extension, os.path.join(_HERE, source), module, openmp, defines)
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
            source, module, openmp, defines = EXTENSIONS[name]
            if module not in self._extensions:
                self._extension_build(source, module, openmp, defines)

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

    def row_op(self, kind: int, typenum: int, fallback: Callable[..., Any]) -> Any:
        """A RowOp object running softmax or one of its cross-entropies (softmax_rows.c: the
        kinds) on arrays of dtype number `typenum`, from the extension of that dtype."""
        name = ROWS_OF_TYPENUM.get(typenum)
        if name is None:
            raise ValueError(f"row ops take float32 or float64, not dtype number {typenum}")
        return self._named(name).RowOp(kind, typenum, fallback)

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
            # another dialect (a subclass's renderer) renders plain serial functions
            shares = isinstance(self.renderer, CKernelRenderer) and self.renderer.openmp
            full = entry_source(src, "theano_kernel", len(kernel.inputs) + len(kernel.outputs), kernel.ndim,
                                parallel_min(kernel), shares, shares and self.renderer.shares_loops(kernel))
            hit = self._sources[kernel] = (src, full)
        return hit

    def _load_kernel(self, src: str, full: str, name: str) -> dict[str, tuple[Any, int]]:
        # A cached library that fails to load or lacks the entry point is rebuilt, not fatal.
        lib = load_shared_library(full, name, ("theano_entry",))
        hit = (lib, ctypes.cast(lib.theano_entry, ctypes.c_void_p).value)
        with self._lock:
            self._entries[src] = hit
        return {src: hit}

    def _load_group(self, members: list[tuple[str, str, str]]) -> dict[str, tuple[Any, int]]:
        try:
            lib = load_library_group([full for _, full, _ in members], _KERNEL_SYMBOLS, "theano_entry",
                                     self.renderer.header)
        except CompileError:  # compiled one by one, the error names the kernel that fails
            return {k: v for m in members for k, v in self._load_kernel(*m).items()}
        hits = {src: (lib, ctypes.cast(getattr(lib, f"theano_entry_{i}"), ctypes.c_void_p).value)
                for i, (src, _, _) in enumerate(members)}
        with self._lock:
            self._entries.update(hits)
        return hits

    def start_kernels(self, kernels: list[Kernel], every: bool = False) -> None:
        """Compile, in the background, the kernels of one graph that the disk cache lacks (a
        cached one is loaded when it is needed, without a thread): KERNEL_GROUPS libraries
        side by side, or one per kernel when a group would hold one. What is missing is judged
        by the disk cache alone, never by what this process has loaded, so the next process
        forms the same groups and finds them (a cached group is loaded at once: one library
        load for all its kernels). With `every`, the groups hold every kernel, cached alone
        or not: a batch of many graphs (`start_compiling`) is grouped by its kernels alone,
        so that the functions of a first run, which may compile a kernel the batch missed
        into a library of its own, do not change the groups the next run looks for."""
        units = {}
        for k in kernels:
            src, full = self._kernel_sources(k)
            units.setdefault(src, (src, full, str(k)))
        missing = [u for u in units.values() if every or not library_cached(u[1])]
        missing.sort(key=lambda u: u[1])
        for group in (missing[g::KERNEL_GROUPS] for g in range(KERNEL_GROUPS)):
            if not group or self._started(group):
                continue
            if len(group) > 1 and group_cached([u[1] for u in group], _KERNEL_SYMBOLS, self.renderer.header):
                self._load_group(group)
                continue
            with self._lock:
                if self._started(group):
                    continue
                fut = _compilers.submit(*((self._load_kernel, *group[0]) if len(group) == 1
                                          else (self._load_group, group)))
                for src, _, _ in group:
                    self._compiling.setdefault(src, fut)
            fut.add_done_callback(lambda f, g=group: f.exception() is None or self._forget_kernels(g, f))

    def _started(self, group: list[tuple[str, str, str]]) -> bool:
        return all(u[0] in self._entries or u[0] in self._compiling for u in group)

    def _forget_kernels(self, group: list[tuple[str, str, str]], fut: Future) -> None:
        with self._lock:
            for src, _, _ in group:
                if self._compiling.get(src) is fut:
                    del self._compiling[src]

    def kernel_entry(self, kernel: Kernel) -> int:
        """The address of the compiled entry point of `kernel` (compiled once, cached on disk;
        waits for a compile `start_kernels` began)."""
        src, full = self._kernel_sources(kernel)
        hit = self._entries.get(src)
        if hit is None:
            fut = self._compiling.get(src)
            hit = (fut.result() if fut is not None else self._load_kernel(src, full, str(kernel)))[src]
        return hit[1]

    # -- linking -------------------------------------------------------------------------
    lowering = lowering.lower

    def _start(self, fgraphs: list[Any], every: bool = False) -> dict[Apply, Plan]:
        """The plans of every node of `fgraphs`, with every compile they need started at once:
        the extensions their lowerings build on begin building in the background; the nodes
        whose lowering needs none are planned first and their kernels start compiling; then
        those that do (waiting for the extension while the kernels compile) and their kernels.
        On a cold cache the pieces compile side by side instead of one after another as the
        lowering meets them. The split depends on the graphs alone, so kernels are grouped the
        same way in every process (see `start_kernels`, which `every` is passed to)."""
        order = [node for fgraph in fgraphs for node in fgraph.toposort()]
        needed, later = set(ALWAYS), []
        for node in order:
            fn = self.lowering.lowering_for(type(node.op))
            ext = EXTENSION_OF_LOWERING.get(fn) or EXTENSION_OF_LOWERING.get(getattr(fn, "__module__", None))
            if callable(ext):
                ext = ext(node)
            if ext is not None:
                needed.add(ext)
                later.append(node)
        self.start_extensions(sorted(needed))
        waits = set(later)
        plans = {node: self.plan(node) for node in order if node not in waits}
        self.start_kernels([p.payload for p in plans.values() if isinstance(p.payload, Kernel)], every)
        late = {node: self.plan(node) for node in later}
        self.start_kernels([p.payload for p in late.values() if isinstance(p.payload, Kernel)], every)
        plans.update(late)
        return plans

    def start_compiling(self, fgraphs: Any) -> None:
        """The kernels of all `fgraphs` start compiling together (`_start`): KERNEL_GROUPS
        libraries for all of them, not one or two per graph; `link` then finds each kernel
        compiled or compiling. The groups depend on the graphs alone (`every`): a later
        process given the same graphs finds the same libraries in the disk cache."""
        self._start(list(fgraphs), every=True)

    def link(self, fgraph: Any) -> Any:
        """The core's link, with every compile the graph needs started at once (`_start`)."""
        plans = self._start([fgraph])
        outer = getattr(self._planned, "plans", None)  # a scan's inner graph links inside
        self._planned.plans = plans
        try:
            return super().link(fgraph)
        finally:
            self._planned.plans = outer

    def plan(self, node: Apply) -> Plan:
        """The plan `link` already made for `node`, else the lowering's."""
        made = getattr(self._planned, "plans", None)
        if made is not None and node in made:
            return made[node]
        return super().plan(node)

    def prepare(self, plans: dict[Apply, Plan]) -> None:
        """Nothing left: `link` started every kernel's compile (`kernel_entry` waits for it)."""

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
