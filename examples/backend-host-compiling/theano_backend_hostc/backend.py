"""The host-compiling backend: every elementwise node (a fused subgraph, or a lone Elemwise)
becomes one C function, rendered from the node's Kernel by the core's C-family renderer,
compiled by the system compiler (cached under compiledir, see compiler.py) and called
through ctypes on the NumPy arrays themselves. Every other node runs its NumPy meaning.

What a compiling backend writes is here and nothing else: a dialect (a renderer subclass:
here only the header, as the core's renderer already speaks C), a lowering that turns a
node into a plan carrying its kernel, and `node_function`, which compiles the kernel and
wraps the call. Planning, fallbacks with their reasons, constants and the driver are the
core's `Backend.link`.
"""
from __future__ import annotations

import ctypes
from typing import Any, Callable

import numpy as np

from theano.backend import Backend, Plan, fallback, lowering_table
from theano.graph.basic import Apply
from theano.kernel.ir import Kernel, elemwise_kernel
from theano.kernel.render import CFamilyRenderer, launch_arguments, output_shape
from theano.tensor.elemwise import Elemwise, broadcast_check

from .compiler import load_library

RUNNER = "hostc kernel"
SYMBOL = "hostc_kernel"  # one function per library: a fixed name keeps equal sources equal


class HostCRenderer(CFamilyRenderer):
    """C99 for the system compiler. The core's renderer writes C-family code already; a
    dialect sets what differs (here the includes; see docs/backend-authors.md for the rest:
    types, qualifiers, loop header, math names, and the expression tables)."""

    dialect = "hostc"
    header = ("#include <math.h>\n#include <stdint.h>\n#include <stdbool.h>\n"
              "#ifndef M_PI\n#define M_PI 3.14159265358979323846\n#endif\n")


RENDERER = HostCRenderer()
lower = lowering_table("hostc")


@lower.register(Elemwise)  # FusedElemwise too: dispatch follows the op class's MRO
def _lower_elemwise(op: Elemwise, node: Apply, backend: Any) -> Plan:
    # checked() raises RenderError, saying why, for what the dialect cannot express (float16,
    # complex, an op the table lacks): the lowering table makes that a visible fallback.
    kernel = RENDERER.checked(elemwise_kernel(node))
    if kernel is None:
        return fallback("no elementwise kernel for this node")
    return Plan(RUNNER, payload=kernel)


def kernel_function(op: Elemwise, node: Apply, kernel: Kernel) -> Callable[..., Any]:
    """The node's callable: check Theano's broadcasting rule, allocate the outputs, pass
    every array's data pointer and byte strides to the compiled function."""
    lib = load_library(RENDERER.render(kernel, SYMBOL), kernel.name)
    cfunc = getattr(lib, SYMBOL)
    narrays = len(kernel.inputs) + len(kernel.outputs)
    # n, the shape, the contiguous flag, then a (data, strides) pointer pair per array
    cfunc.argtypes = [ctypes.c_int64, ctypes.c_void_p, ctypes.c_int] + [ctypes.c_void_p] * (2 * narrays)
    cfunc.restype = None
    out_dtypes = [np.dtype(a.dtype) for a in kernel.outputs]
    check = node.outputs[0].type.ndim > 0 and len(node.inputs) > 1
    single = len(out_dtypes) == 1

    def run(*values: Any) -> Any:
        args = [np.asarray(v) for v in values]
        if check:
            broadcast_check(op, node, args)  # a length-1 axis broadcasts only if its type says so
        shape = output_shape(kernel, args)
        outs = [np.empty(shape, dtype=d) for d in out_dtypes]
        la = launch_arguments(kernel, args, outs)
        call = [la["n"], la["shape"].ctypes.data, la["contiguous"]]
        for arr, strides in zip(args + outs, la["in_strides"] + la["out_strides"]):
            call += [arr.ctypes.data, strides.ctypes.data]
        cfunc(*call)
        return outs[0] if single else tuple(outs)

    return run


class HostCompilingBackend(Backend):
    """NumPy arrays in host memory (host-native: no transfers), elementwise kernels compiled."""

    name = "hostc"
    host_native = True
    lowering = lower
    # Kernels always write fresh outputs: declining the in-place rewrites keeps every
    # destroy_map honest without handling in-place patterns here.
    rewrite_exclude = ("inplace",)

    def node_function(self, node: Apply, plan: Plan, prepared: Any) -> Callable[..., Any]:
        return kernel_function(node.op, node, plan.payload)
