"""The C backend: elementwise kernels rendered by the shared C-family renderer, compiled by
the system compiler (one cached unit per distinct kernel, reused across graphs) and called
through one generic launcher; the Python driver that strings the nodes together is the
core's straight-line linker."""
from __future__ import annotations

import ctypes
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable

import numpy as np

from theano.backend import Backend, LinkedGraph, link_straight_line
from theano.graph.basic import Apply
from theano.graph.fg import FunctionGraph
from theano.kernel.c_dialect import CRenderer
from theano.kernel.ir import Kernel

from . import lowering
from .toolchain import CompileError, build_extension, build_shared_library, find_compiler

_HERE = os.path.dirname(os.path.abspath(__file__))


# Functions glibc's libmvec has SIMD versions of (double and float), so `omp simd` loops
# calling them vectorize: 4 or 8 lanes of exp/sin/tanh per instruction.
_MVEC = ("exp", "log", "sin", "cos", "pow", "acos", "acosh", "asin", "asinh", "atan", "atan2",
         "atanh", "cbrt", "cosh", "erf", "erfc", "exp2", "expm1", "log10", "log1p", "log2", "sinh",
         "tan", "tanh")
_TWO_ARGS = ("pow", "atan2")


def _simd_declarations() -> str:
    lines = []
    for f in _MVEC:
        for t, suffix in (("double", ""), ("float", "f")):
            args = f"{t}, {t}" if f in _TWO_ARGS else t
            lines.append(f"#pragma omp declare simd notinbranch\n{t} {f}{suffix}({args});")
    return "\n".join(lines) + "\n"


class CKernelRenderer(CRenderer):
    """The C dialect as the C backend compiles it: loops marked `omp simd` (vector math from
    libmvec when the C library has it), shared among OpenMP threads when they are long enough
    to pay for waking them."""

    def __init__(self, openmp: bool, vector_math: bool):
        # Threads pay off only for long loops: short ones would wait for threads that BLAS (or
        # another kernel) keeps busy; 2**20 elements is where two cores win here.
        pragma = ("omp parallel for simd schedule(static) if(parallel: {n} > 1048576)" if openmp
                  else "omp simd")  # the modifier: a plain if() would turn simd off too
        self.loop_header = (f"_Pragma(\"{pragma}\")\n"
                            "    for ({index} {i} = 0; {i} < {n}; ++{i}) {{")
        if vector_math:
            self.header = CRenderer.header + _simd_declarations()


def entry_source(kernel_source: str, name: str, n_args: int) -> str:
    """The kernel plus a uniform entry point for the launcher (arrays passed as arrays)."""
    args = ", ".join(f"data[{k}], strides[{k}]" for k in range(n_args))
    return (kernel_source + "\nvoid theano_entry(int64_t n, const int64_t* shape, int contiguous, "
            "char** data, const int64_t** strides) {\n"
            f"  {name}(n, shape, contiguous, {args});\n}}\n")


class CBackend(Backend):
    """Runs elementwise (fused) kernels as compiled C; views and shapes as NumPy views;
    products through NumPy's BLAS; every other op falls back to its NumPy meaning, visibly."""

    name = "c"
    host_native = True
    rewrite_tags = ("c",)

    def __init__(self, device: str):
        super().__init__(device)
        comp = find_compiler()
        from theano.config import config

        self.renderer = CKernelRenderer(openmp=bool(comp and comp.openmp and config.c__openmp),
                                        vector_math=bool(comp and comp.vector_math))
        self._lock = threading.Lock()
        self._launcher: Any = None
        self._entries: dict[str, tuple[Any, int]] = {}  # kernel source -> (library, address)

    # -- compiled pieces ----------------------------------------------------------------
    @property
    def launch(self) -> Callable[..., Any]:
        if self._launcher is None:
            with self._lock:
                if self._launcher is None:
                    self._launcher = build_extension(os.path.join(_HERE, "launcher.c"), "_theano_c_launch")
        return self._launcher.launch

    def kernel_entry(self, kernel: Kernel) -> int:
        """The address of the compiled entry point of `kernel` (compiled once, cached on disk)."""
        src = self.renderer.render(kernel, "theano_kernel")
        hit = self._entries.get(src)
        if hit is not None:
            return hit[1]
        full = entry_source(src, "theano_kernel", len(kernel.inputs) + len(kernel.outputs))
        path = build_shared_library(full, str(kernel))
        lib = ctypes.CDLL(os.path.abspath(path))
        addr = ctypes.cast(lib.theano_entry, ctypes.c_void_p).value
        with self._lock:
            self._entries[src] = (lib, addr)
        return addr

    # -- linking -------------------------------------------------------------------------
    def link(self, fgraph: FunctionGraph) -> LinkedGraph:
        from theano.config import config

        order = fgraph.toposort()
        plans = {node: lowering.plan(node, self) for node in order}
        kernels = [p.kernel for p in plans.values() if p.kernel is not None]
        # Distinct kernels compile in parallel: a cold graph costs about one compile, not N.
        todo = {self.renderer.render(k, "theano_kernel"): k for k in kernels}
        todo = [k for s, k in todo.items() if s not in self._entries]
        if len(todo) > 1:
            with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 2)) as ex:
                list(ex.map(self.kernel_entry, todo))
        fns, runners = {}, {}
        for node, p in plans.items():
            if p.kernel is not None:
                fns[node] = self.kernel_callable(node, p.kernel)
            else:
                fns[node] = p.fn
                if p.fallback:
                    self.report_fallback(node, p.why)
            runners[node] = p.runner
        # Compiled kernels never warn; NumPy code (fallbacks) is told to stay quiet too.
        quiet = any(p.fallback for p in plans.values())
        return link_straight_line(fgraph, fns, runners, quiet_numpy=quiet)

    def kernel_callable(self, node: Apply, kernel: Kernel) -> Callable[..., Any]:
        """launch bound to this kernel's metadata: one C call per node at run time."""
        from functools import partial

        nd = kernel.ndim
        bcast = bytes(int(b) for a in kernel.inputs for b in a.broadcastable)
        out_types = tuple(np.dtype(o.type.dtype).num for o in node.outputs)
        in_types = tuple(np.dtype(a.dtype).num for a in kernel.inputs)
        checker = node.op.make_py_fn(node)
        red = kernel.reduction
        reduced = None if red is None else bytes(int(d in red.axes) for d in range(nd))
        nonempty = red is not None and red.scalar_op.identity is None
        meta = (self.kernel_entry(kernel), nd, bcast, out_types, in_types, checker, reduced, nonempty)
        return partial(self.launch, meta)


__all__ = ["CBackend", "CompileError"]
