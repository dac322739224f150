"""CUDA reductions (sum, prod, max, min, all, any along any axes): what a node reduces
(`ReductionSpec`) and the CUDA entries of the core's shared work-group reduction
(theano.kernel.workgroup renders the kernels and plans their launches).

Pure text, no CuPy: the tests render and compile these with NVRTC on machines with no GPU.
Accumulation is in the op's `acc_dtype` (float32 sums in float64, as Theano and the
reference do).
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any

from theano.kernel.workgroup import (REDUCTIONS, WorkgroupDialect, WorkgroupReduction,
                                     render_workgroup_reduction)

from theano.kernel.render import RenderError
from theano.scalar import basic as scal

from .dialect import CUDA_HEADER, CudaRenderer

__all__ = ["CUDA_WORKGROUP", "MAX_THREADS", "REDUCTIONS", "ReductionSpec", "fused_reduction_spec",
           "reduction_spec", "render_reduction", "variants"]

#: threads per block; a multiple of the warp size, at most 32 warps (the shared array's size)
MAX_THREADS = 256



@dataclass(frozen=True)
class ReductionSpec:
    """What one reduction kernel computes: input dtype and rank, reduced axes, scalar op,
    accumulator and output dtypes; equal specs share one compiled kernel."""

    in_dtype: str
    ndim: int
    axes: tuple[int, ...]
    #: the reduction's scalar op class (scal.Add ...)
    op: type
    acc_dtype: str
    out_dtype: str

    @property
    def kept(self) -> tuple[int, ...]:
        return tuple(d for d in range(self.ndim) if d not in self.axes)

    @property
    def has_identity(self) -> bool:
        return self.op not in (scal.Maximum, scal.Minimum)


def reduction_spec(node: Any, renderer: CudaRenderer) -> ReductionSpec:
    """The spec of a CAReduce node; RenderError when CUDA cannot render it."""
    op = node.op
    x = node.inputs[0]
    nd = x.type.ndim
    axes = tuple(range(nd)) if op.axis is None else tuple(sorted(a % nd for a in op.axis)) if nd else ()
    kind = type(op.scalar_op)
    if kind not in REDUCTIONS:
        raise RenderError(f"no CUDA reduction for scalar op {op.scalar_op}")
    out_dt = node.outputs[0].type.dtype
    acc = getattr(op, "acc_dtype", None) or out_dt
    if kind in (scal.AND, scal.OR):
        acc = "bool"
    return _checked(ReductionSpec(x.type.dtype, nd, axes, kind, acc, out_dt), renderer)


def fused_reduction_spec(op: Any, loop_type: Any, renderer: CudaRenderer) -> ReductionSpec:
    """The spec reducing a FusedReduction's elementwise values (of `loop_type`); RenderError
    when CUDA cannot render it."""
    kind = type(op.reduce_op)
    if kind not in (scal.Add, scal.Mul, scal.Maximum, scal.Minimum):
        raise RenderError(f"no CUDA reduction for {op.reduce_op}")
    return _checked(ReductionSpec(loop_type.dtype, loop_type.ndim, tuple(op.axes), kind, op.acc_dtype,
                                  op.dtype), renderer)


def _checked(spec: ReductionSpec, renderer: CudaRenderer) -> ReductionSpec:
    for dt in (spec.in_dtype, spec.acc_dtype, spec.out_dtype):
        renderer.ctype(dt)  # raises RenderError for float16 and complex
    return spec


#: the CUDA entries of the shared work-group reduction (theano.kernel.workgroup): warps of 32
#: lanes combined by shuffles, then shared memory across warps
CUDA_WORKGROUP = WorkgroupDialect(
    renderer=CudaRenderer(), kernel_qualifier='extern "C" __global__',
    buffer="{const}char* __restrict__ {name}", buffer_prologue="",
    local_array="__shared__ {t} {name}[{n}];",
    local_id="threadIdx.x", local_size="blockDim.x", group_id="blockIdx.x", num_groups="gridDim.x",
    barrier="__syncthreads();", index32="int", index64="long long",
    shuffle_down="__shfl_down_sync(0xffffffffu, {v}, {o})", sub_group=32,
    # shuffles exist for 32- and 64-bit types; narrower accumulators travel as int
    shuffle_types=("int", "unsigned int", "long long", "unsigned long long", "float", "double"),
    max_threads=MAX_THREADS, finish=lambda src: CUDA_HEADER + src)


@functools.lru_cache(maxsize=512)
def render_reduction(variant: WorkgroupReduction, name: str) -> str:
    """The CUDA source of kernel `name` computing `variant` (the shared work-group renderer
    with the CUDA entries; see theano.kernel.workgroup for the arguments)."""
    return render_workgroup_reduction(CUDA_WORKGROUP, variant, name)


def variants(spec: ReductionSpec) -> list[WorkgroupReduction]:
    """The kernels a node's reduction may launch with no axis merged away: both strategies
    (columns only with kept and reduced axes), both index widths, and the second pass of a
    split reduction; what the CI compile check builds."""
    nk, nr = len(spec.kept), len(spec.axes)
    out = []
    for bits in (32, 64):
        for strategy in ("rows", "columns") if nk and nr else ("rows",):
            out.append(WorkgroupReduction(spec.op, spec.in_dtype, spec.acc_dtype, spec.out_dtype, nk, nr,
                                          strategy, bits))
        out.append(WorkgroupReduction(spec.op, spec.acc_dtype, spec.acc_dtype, spec.out_dtype, 1, 1,
                                      "rows", bits))
    return out
