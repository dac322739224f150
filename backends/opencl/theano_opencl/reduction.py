"""Reductions on OpenCL: the OpenCL entries of the core's shared work-group reduction
(theano.kernel.workgroup renders the kernel and plans its launch: merged axes, 32-bit index
math when it fits, rows or columns strategy, short rows packed per work-group), the
lowerings of CAReduce and FusedReduction, and on a CPU device the column kernel for
reductions over leading axes (reduction_columns).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from theano.backend import Plan, fallback
from theano.graph.basic import Apply
from theano.kernel.ir import Kernel, reduction_kernel, reduction_values_kernel
from theano.kernel.workgroup import (LaunchPlan, WorkgroupDialect, WorkgroupReduction, partials_launch,
                                     plan_launch, render_workgroup_reduction)
from theano.scalar import basic as scal
from theano.tensor.elemwise import CAReduce
from theano.tensor.fused import FusedReduction
from theano.tensor.math import All, Any as AnyOp, Max, Min, Prod, Sum

from .dialect import OpenCLRenderer, with_fp64_pragma
from .lowering import NATIVE, Program, elemwise_launcher, elemwise_sources, lower, paths_of
from .reduction_columns import column_reducer, column_sources

__all__ = ["OPENCL_WORKGROUP", "reduction_source", "reduce_launcher"]

_R = OpenCLRenderer()

#: the reductions a kernel fuses with its elementwise part (scalar op classes)
_FUSED_REDUCTIONS = (scal.Add, scal.Mul, scal.Maximum, scal.Minimum)

#: the OpenCL entries of the shared work-group reduction (theano.kernel.workgroup): no
#: sub-group shuffle (OpenCL 1.2 has none), work-items combine in local memory
OPENCL_WORKGROUP = WorkgroupDialect(
    renderer=_R, kernel_qualifier="__kernel",
    # a buffer argument cannot point into a buffer: its byte offset travels beside it
    buffer="__global {const}char* {name}, long {name}_off", buffer_prologue="{name} += {name}_off;",
    local_array="__local {t} {name}[{n}];", local_id="get_local_id(0)", local_size="get_local_size(0)",
    group_id="get_group_id(0)", num_groups="get_num_groups(0)", barrier="barrier(CLK_LOCAL_MEM_FENCE);",
    index32="int", index64="long", max_threads=256, finish=with_fp64_pragma)


def reduction_source(variant: WorkgroupReduction) -> str:
    """The OpenCL source of the work-group reduction `variant` (kernel `reduce`; its arguments
    are theano.kernel.workgroup's, each buffer followed by its byte offset)."""
    return render_workgroup_reduction(OPENCL_WORKGROUP, variant, "reduce")


def _reduce_spec(op: CAReduce, node: Apply, backend: Any) -> tuple[str, str, str, str] | None:
    """(scalar op class, input, accumulator and output dtypes) of a reduction, or None."""
    idt = node.inputs[0].type.dtype
    odt = node.outputs[0].type.dtype
    name = type(op.scalar_op)
    if isinstance(op, (Sum, Prod)):
        acc = op.acc_dtype
        if acc == "float64" and not backend.rt.fp64 and idt == "float32":
            acc = "float32"  # documented: without cl_khr_fp64, float32 sums accumulate in float32
    elif isinstance(op, (Max, Min)):
        acc = idt
    elif isinstance(op, (All, AnyOp)):
        acc = "bool"
    else:
        return None
    for d in (idt, acc, odt):
        if d not in backend.renderer.type_map:
            return None
    return name, idt, acc, odt


@lower.register(CAReduce)
def _lower_reduce(op: CAReduce, node: Apply, backend: Any) -> Plan | None:
    spec = _reduce_spec(op, node, backend)
    if spec is None:
        return None
    name, idt, acc, odt = spec
    ndim = node.inputs[0].type.ndim
    axes = op.reduced_axes(ndim)
    py = op.make_py_fn(node)
    if name in _FUSED_REDUCTIONS:
        cols = _column_plan(node, backend, reduction_kernel(node), (),
                            lambda _k: reduce_launcher(backend, name, idt, acc, odt, axes, ndim, py))
        if cols is not None:
            return cols
    return Plan(NATIVE, payload=Program((), lambda _k: reduce_launcher(backend, name, idt, acc, odt, axes, ndim, py)))


def _column_plan(node: Apply, backend: Any, kernel: Kernel | None, general_sources: tuple[str, ...],
                 general: Callable[[dict[str, Any]], Callable[..., Any]]) -> Plan | None:
    """On a CPU device, a reduction over leading axes with its elementwise graph inline
    (reduction_columns), and the general plan (its sources and bind) for the layouts it does
    not take; None elsewhere."""
    if not backend.rt.is_cpu or kernel is None or kernel.reduction is None:
        return None
    if kernel.reduction.acc_dtype == "float64" and not backend.rt.fp64:
        return None
    if not backend.renderer.can_render(kernel)[0]:
        return None
    srcs = column_sources(backend, kernel)

    def bind(kernels: dict[str, Any]) -> Callable[..., Any]:
        cols = column_reducer(backend, node, kernel, {nr: kernels[s] for nr, s in srcs.items()})
        other = general(kernels)

        def fn(*args: Any) -> Any:
            out = cols(*args)
            return other(*args) if out is None else out

        return fn

    return Plan(NATIVE, payload=Program(tuple(srcs.values()) + general_sources, bind))


def reduce_launcher(backend: Any, name: type, idt: str, acc: str, odt: str, axes: tuple[int, ...],
                    ndim: int, py: Callable[..., Any]) -> Callable[..., Any]:
    """The reduction launched as the core's work-group plan says (theano.kernel.workgroup):
    axes merged on the host, 32-bit index math when it fits, rows or columns strategy, short
    rows packed per work-group.

    On a CPU device the rows strategy gives each row one work-item, and splits few long rows
    over the compute units (a second launch reduces the parts), unless the accumulator is
    float32 or narrower. PoCL runs a work-group's work-items one after the other, each
    through its whole loop: lanes striding over a row together, as a GPU wants, made each
    lane sweep the whole row one value per cache line (the sum of a contiguous 10,000 x
    1,000 float64 matrix: 61 ms, now 5.5 ms; NumPy 4.9 ms)."""
    rt = backend.rt
    cl = rt.cl
    kept_axes = [d for d in range(ndim) if d not in axes]
    kernels: dict[WorkgroupReduction, Any] = {}
    i64 = np.int64
    dev = backend.dev
    acc_dt = np.dtype(acc)
    # the largest power-of-two work-group the device takes, at most the kernel's local array
    cap = 1 << (min(rt.max_group, OPENCL_WORKGROUP.max_threads).bit_length() - 1)
    max_groups = 4096

    def get_kernel(variant: WorkgroupReduction) -> Any:
        k = kernels.get(variant)
        if k is None:
            src = reduction_source(variant)
            k = kernels[variant] = rt.build([src])[src]
        return k

    # (a float32 accumulator keeps the lanes: they add up a row as 256 shorter sums, closer
    # to NumPy's pairwise sum than one long serial one)
    serial_rows = rt.is_cpu and acc not in ("float16", "float32")

    plans: dict[tuple, LaunchPlan] = {}  # by layout: a training step reduces the same shapes

    def plan_for(x: Any, K: int) -> LaunchPlan:
        key = (x.shape, x.strides)
        plan = plans.get(key)
        if plan is None:
            if len(plans) >= 64:
                plans.clear()
            plan = plans[key] = new_plan(x, K)
        return plan

    def new_plan(x: Any, K: int) -> LaunchPlan:
        if serial_rows:
            plan = plan_launch(name, idt, acc, odt, x.shape, x.strides, axes, threads=1,
                               max_groups=max_groups, split_units=rt.compute_units,
                               itemsize=x.dtype.itemsize)
            if plan.spec.strategy == "rows":
                return plan
        # short reductions: one work-item per output, serially (packed per group)
        L = min(1 if K < 16 else (64 if K < 2048 else 256), cap)
        return plan_launch(name, idt, acc, odt, x.shape, x.strides, axes, threads=L,
                           max_groups=max_groups, itemsize=x.dtype.itemsize)

    def launch(plan: LaunchPlan, x: Any, out: Any) -> None:
        clk = get_kernel(plan.spec)
        it = np.int32 if plan.spec.index_bits == 32 else i64
        kargs = [x.base_data, i64(x.offset), out.base_data, i64(out.offset), *[it(v) for v in plan.arguments()]]
        with rt.launch_lock(clk):
            clk.set_args(*kargs)
            cl.enqueue_nd_range_kernel(rt.queue, clk, (plan.groups * plan.threads,), (plan.threads,))

    def fn(x: Any) -> Any:
        if getattr(x, "size", 1) == 0:
            # Nothing to read: the NumPy meaning gives the identities, or the error of a
            # reduction without one.
            return py(np.empty(x.shape, dtype=idt))
        x = dev(x)
        out = rt.empty(tuple(x.shape[d] for d in kept_axes), odt)
        if out.size == 0:
            return out
        K = 1
        for d in axes:
            K *= x.shape[d]
        plan = plan_for(x, K)
        if plan.parts == 1:
            launch(plan, x, out)
            return out
        partial = rt.empty((plan.rows, plan.parts), acc_dt)
        launch(plan, x, partial)
        launch(partials_launch(plan, acc_dt.itemsize, threads=plan.threads, max_groups=max_groups),
               partial, out)
        return out

    return fn


@lower.register(FusedReduction)
def _lower_fused_reduction(op: Any, node: Apply, backend: Any) -> Plan | None:
    """The elementwise part as a kernel into a temporary, then the reduction kernel."""
    loop_t = op.loop_type(node)
    kernel = reduction_values_kernel(node, "fused_reduce_loop")
    backend.renderer.check(kernel)
    name = type(op.reduce_op)
    acc = op.acc_dtype
    if acc == "float64" and not backend.rt.fp64 and loop_t.dtype == "float32":
        acc = "float32"
    dts = (loop_t.dtype, acc, op.dtype)
    if name not in _FUSED_REDUCTIONS or \
            any(d not in backend.renderer.type_map for d in dts):
        return fallback(f"cannot reduce {dts} with {op.reduce_op}")
    srcs = elemwise_sources(backend.renderer, kernel, "elemwise")
    py = op.make_py_fn(node)
    ndim = loop_t.ndim

    def bind(kernels: dict[str, Any]) -> Callable[..., Any]:
        elem = elemwise_launcher(backend, node, kernel, paths_of(kernels, srcs), None)
        red = reduce_launcher(backend, name, loop_t.dtype, acc, op.dtype, op.axes, ndim, py)
        host = backend.host

        def fn(*args: Any) -> Any:
            tmp = elem(*args)
            if tmp.size == 0:  # the identity, or the error of max/min of nothing
                with np.errstate(all="ignore"):
                    return py(*[host(a) for a in args])
            return red(tmp)

        return fn

    cols = _column_plan(node, backend, reduction_kernel(node), srcs, bind)
    if cols is not None:
        return cols
    return Plan(NATIVE, payload=Program(srcs, bind))
