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

from theano.backend import Backend, Plan
from theano.graph.basic import Apply
from theano.kernel.ir import Kernel

from . import lowering
from .renderer import CKernelRenderer, entry_source, parallel_min
from .toolchain import CompileError, build_extension, find_compiler, load_shared_library

_HERE = os.path.dirname(os.path.abspath(__file__))


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
        self._entries: dict[str, tuple[Any, int]] = {}  # kernel source -> (library, address)

    # -- compiled pieces ----------------------------------------------------------------
    def _extension(self, source: str, module: str, openmp: bool = False) -> Any:
        """A CPython extension of this package, compiled once per machine (cached on disk)."""
        mod = self._extensions.get(module)
        if mod is None:
            with self._lock:
                mod = self._extensions.get(module)
                if mod is None:
                    mod = build_extension(os.path.join(_HERE, source), module, openmp)
                    self._extensions[module] = mod
        return mod

    @property
    def launcher(self) -> Any:
        """The extension whose Kernel objects run compiled kernels (launcher.c)."""
        return self._extension("launcher.c", "_theano_c_launch")

    @property
    def products(self) -> Any:
        """The extension whose Product objects run Dot/Gemm/Gemv through BLAS (blas_products.c)."""
        return self._extension("blas_products.c", "_theano_c_blas")

    @property
    def rows(self) -> Any:
        """The extension whose RowOp objects run softmax and its cross-entropies (softmax_rows.c)."""
        return self._extension("softmax_rows.c", "_theano_c_softmax", openmp=True)

    def input_filter(self, ttype: Any, strict: bool, allow_downcast: bool | None,
                     python_filter: Callable[[Any], Any]) -> Callable[[Any], Any] | None:
        """TensorType's common cases in C (input_filters.c), the rest through python_filter."""
        from theano.config import config
        from theano.tensor.type import TensorType

        if type(ttype) is not TensorType:
            return None
        try:
            filters = self._extension("input_filters.c", "_theano_c_filters")
        except CompileError:
            return None
        lossy_ok = bool(allow_downcast) or (allow_downcast is None and ttype.dtype == config.floatX)
        return filters.Filter(ttype.numpy_dtype.num, bytes(int(b) for b in ttype.broadcastable),
                              bool(strict), lossy_ok, python_filter, bool(allow_downcast))

    def kernel_entry(self, kernel: Kernel) -> int:
        """The address of the compiled entry point of `kernel` (compiled once, cached on disk)."""
        src = self.renderer.render(kernel, "theano_kernel")
        hit = self._entries.get(src)
        if hit is not None:
            return hit[1]
        serial = (self._serial_renderer.render(kernel, "theano_kernel_serial")
                  if self._serial_renderer is not None else None)
        full = entry_source(src, "theano_kernel", len(kernel.inputs) + len(kernel.outputs), serial,
                            kernel.ndim, parallel_min(kernel))
        # A cached library that fails to load or lacks the entry point is rebuilt, not fatal.
        lib = load_shared_library(full, str(kernel), ("theano_entry",))
        addr = ctypes.cast(lib.theano_entry, ctypes.c_void_p).value
        with self._lock:
            self._entries[src] = (lib, addr)
        return addr

    # -- linking -------------------------------------------------------------------------
    lowering = lowering.lower

    def prepare(self, plans: dict[Apply, Plan]) -> None:
        """Distinct kernels compile in parallel: a cold graph costs about one compile, not N."""
        todo = {self.renderer.render(p.payload, "theano_kernel"): p.payload
                for p in plans.values() if isinstance(p.payload, Kernel)}
        todo = [k for s, k in todo.items() if s not in self._entries]
        if len(todo) > 1:
            with ThreadPoolExecutor(max_workers=min(len(todo), os.cpu_count() or 2)) as ex:
                list(ex.map(self.kernel_entry, todo))

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
