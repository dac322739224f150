"""Generated CUDA reductions (sum, prod, max, min, all, any along any axes).

Pure text, no CuPy: the tests render and compile these with nvcc on machines with no GPU.

Layout: the kept axes make the output's rows, the reduced axes its columns; both are
walked through the input's byte strides, so any view (transposed, sliced, negative
strides) is read in place. One thread block per output row (grid-stride over rows), its
threads stride over the columns, then a warp-shuffle tree and one shared-memory step
across warps combine the partial results. Accumulation is in the op's `acc_dtype`
(float32 sums in float64, as Theano and the reference do).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any


from theano.kernel.render import RenderError
from theano.scalar import basic as scal

from .dialect import CUDA_HEADER, CudaRenderer

__all__ = ["MAX_THREADS", "REDUCTIONS", "ReductionSpec", "fused_reduction_spec", "reduction_spec",
           "render_reduction"]

#: threads per block; a multiple of the warp size, at most 32 warps (the shared array's size)
MAX_THREADS = 256

#: the reductions CUDA renders (their folds and identities are the dialect's, shared with
#: every renderer: CFamilyRenderer.fold / fold_identity)
REDUCTIONS = (scal.Add, scal.Mul, scal.Maximum, scal.Minimum, scal.AND, scal.OR)


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


def render_reduction(spec: ReductionSpec, name: str) -> str:
    """The CUDA source of the kernel `name` computing `spec`.

    Arguments: (const char* x, char* out, long long rows, long long cols, long long parts,
    long long chunk, then per kept axis its length and byte stride, then per reduced axis its
    length and byte stride). With parts == 1 the output is C-contiguous with `rows` elements
    of the output dtype; with parts > 1 each row's columns are split into `parts` chunks of
    `chunk` and the output holds rows * parts partial results in the accumulator's dtype
    (a second launch reduces them)."""
    r = CudaRenderer()
    t_in, t_acc, t_out = r.ctype(spec.in_dtype), r.ctype(spec.acc_dtype), r.ctype(spec.out_dtype)
    # max/min: never combined with real data when the reduced range is empty (that raises
    # before the launch), so the dtype's extreme value serves.
    ident = r.fold_identity(spec.op, spec.acc_dtype)
    combine = r.fold(spec.op, spec.acc_dtype, "a", "b")
    load = "(*(const {t}*)(x + off) != 0)" if spec.acc_dtype == "bool" else "(({acc})(*(const {t}*)(x + off)))"
    load = load.format(t=t_in, acc=t_acc)
    # Shuffles exist for 32- and 64-bit types; narrower accumulators travel as int.
    shf = t_acc if t_acc in ("int", "unsigned int", "long long", "unsigned long long", "float",
                             "double") else "int"
    params = ["const char* __restrict__ x", "char* __restrict__ out", "long long rows", "long long cols",
              "long long parts", "long long chunk"]
    params += [f"long long ks_{k}, long long kst_{k}" for k in range(len(spec.kept))]
    params += [f"long long rs_{k}, long long rst_{k}" for k in range(len(spec.axes))]

    def walk(var: str, prefix: str, n: int) -> list[str]:
        out = [f"long long rem_{prefix} = {var};"]
        for k in reversed(range(n)):
            out.append(f"{{ long long j = rem_{prefix} % {prefix}s_{k}; rem_{prefix} /= {prefix}s_{k}; "
                       f"off += j * {prefix}st_{k}; }}")
        return out

    lines = [
        f"__device__ inline {t_acc} {name}_combine({t_acc} a, {t_acc} b) {{ return {combine}; }}",
        f"__device__ inline {t_acc} {name}_warp({t_acc} v) {{",
        "  for (int o = 16; o > 0; o >>= 1)",
        f"    v = {name}_combine(v, ({t_acc})__shfl_down_sync(0xffffffffu, ({shf})v, o));",
        "  return v;",
        "}",
        f'extern "C" __global__ void {name}({", ".join(params)}) {{',
        f"  __shared__ {t_acc} partial[32];",
        "  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;",
        "  const int nwarps = (blockDim.x + 31) >> 5;",
        "  for (long long blk = blockIdx.x; blk < rows * parts; blk += gridDim.x) {",
        "    const long long row = blk / parts, c0 = (blk % parts) * chunk;",
        "    const long long c1 = c0 + chunk < cols ? c0 + chunk : cols;",
        "    long long base = 0;",
        "    { long long off = 0;",
        *["      " + ln for ln in walk("row", "k", len(spec.kept))],
        "      base = off; }",
        f"    {t_acc} acc = {ident};",
        "    for (long long c = c0 + threadIdx.x; c < c1; c += blockDim.x) {",
        "      long long off = base;",
        *["      " + ln for ln in walk("c", "r", len(spec.axes))],
        f"      acc = {name}_combine(acc, {load});",
        "    }",
        f"    acc = {name}_warp(acc);",
        "    if (lane == 0) partial[warp] = acc;",
        "    __syncthreads();",
        "    if (warp == 0) {",
        f"      acc = lane < nwarps ? partial[lane] : {ident};",
        f"      acc = {name}_warp(acc);",
        "      if (lane == 0) {",
        f"        if (parts == 1) (({t_out}*)out)[row] = ({t_out})acc;",
        f"        else (({t_acc}*)out)[blk] = acc;  // a partial result, in the accumulator's type",
        "      }",
        "    }",
        "    __syncthreads();  // partial[] is reused by the block's next row",
        "  }",
        "}",
    ]
    return CUDA_HEADER + "\n".join(lines) + "\n"


def block_size(cols: int) -> int:
    """Threads per block: enough warps to cover the columns, at most MAX_THREADS."""
    t = 32
    while t < cols and t < MAX_THREADS:
        t *= 2
    return t
