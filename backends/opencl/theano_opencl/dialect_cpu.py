"""Kernels shaped for a CPU OpenCL device (PoCL), where a work-item is a loop iteration of a
thread rather than a GPU lane.

- `CpuOpenCLRenderer`: the OpenCL dialect with the shared renderer's row loops for strided and
  broadcast arrays: one work-item per row and a plain loop along it, which the compiler
  vectorizes. The one-work-item-per-element strided path decomposes every element's index with
  64-bit divisions (W5's `tanh(x @ W + b)` took 0.33 ms that way, 0.13 ms as rows).
- `column_reduction_source`: a reduction over leading axes (`x.sum(axis=0)`, the bias
  gradients of a network) with its elementwise graph computed inline: each work-item owns a
  run of COLUMNS adjacent outputs and walks down the reduced rows, reading each row's run
  contiguously. The generic reduction gives each output a work-group that reads a column with
  a stride, and a fused one first materializes its elementwise part.
"""
from __future__ import annotations

from theano.kernel.ir import Kernel
from theano.scalar import basic as scal

from .dialect import OpenCLRenderer, with_fp64_pragma

__all__ = ["CpuOpenCLRenderer", "column_reduction_source", "COLUMNS"]

#: outputs per work-item of a column reduction (its accumulators are a private array that the
#: loop along the row vectorizes over)
COLUMNS = 64


#: float32 tanh without branches, so that loops over it vectorize: PoCL's own is scalar code
#: (about 15 cycles an element; W5's bias gradient spent most of its time there). An odd
#: polynomial below 0.625 (least-squares fit of (tanh(x) - x) / x^3 in x^2, relative error
#: under 1e-7), 1 - 2 / (exp(2|x|) + 1) above (under 2e-7; exp overflows to inf, giving 1);
#: NaN stays NaN, -0.0 stays -0.0.
TANH_F32 = """inline float theano_tanh_float32(float x) {
  const float a = fabs(x), z = x * x;
  const float p = a + a * z * (-0.33333331f + z * (0.13333230f + z * (-0.053949796f
                  + z * (0.021717690f + z * (-0.0082201669f + z * 0.0021827079f)))));
  const float r = 1.0f - 2.0f / (exp(2.0f * a) + 1.0f);
  return copysign(a < 0.625f ? p : r, x);
}
"""


class CpuOpenCLRenderer(OpenCLRenderer):
    """OpenCL C for a CPU device: strided arrays run as rows (see the module doc), float32
    tanh without branches (TANH_F32). Launch the strided path with one work-item per row
    (elementwise_launcher does)."""

    row_loops = True
    # float32 tanh through TANH_F32; float64 keeps the built-in
    expressions = {scal.Tanh: lambda r, e: f"theano_tanh_float32({e.c[0]})" if e.odt == "float32"
                   else OpenCLRenderer.expressions[scal.Tanh](r, e)}
    helpers = {scal.Tanh: lambda r, odt, t: TANH_F32 if odt == "float32" else None}


def column_reduction_source(renderer: OpenCLRenderer, kernel: Kernel, nr: int,
                            kept_broadcast: tuple[bool, ...]) -> str:
    """Reduce `kernel` (an elementwise graph with a trailing reduction) laid out as `nr` reduced
    axes before one kept axis of length Kc (the launcher merges axes into that form).

    Arguments: Kc, the reduced lengths R0..R{nr-1}; per input its buffer, byte offset, byte
    stride along the kept axis and along each reduced axis; the output's buffer, byte offset
    and byte stride. Inputs with kept_broadcast[k] are constant along the kept axis (a bias
    row's gradient reads them once per row). Rows whose strided inputs all have unit stride
    along the kept axis index like plain arrays (the loop vectorizes); others use byte
    strides."""
    red = kernel.reduction
    acc_t = renderer.ctype(red.acc_dtype)
    out_t = renderer.ctype(red.out_dtype)
    nin = len(kernel.inputs)
    params = ["long Kc"] + [f"long R{d}" for d in range(nr)]
    for k in range(nin):
        params += [f"__global const char* in{k}", f"long in{k}_offset", f"long in{k}_ks"]
        params += [f"long in{k}_rs{d}" for d in range(nr)]
    params += ["__global char* out0", "long out0_offset", "long out0_ks"]
    ctypes = [renderer.ctype(a.dtype) for a in kernel.inputs]
    lines = [f"__kernel void colreduce({', '.join(params)}) {{",
             f"  const long c0 = (long)get_global_id(0) * {COLUMNS};",
             "  if (c0 >= Kc) return;",
             f"  const long cn = min((long){COLUMNS}, Kc - c0);",
             f"  {acc_t} acc[{COLUMNS}];",
             f"  for (int j = 0; j < {COLUMNS}; ++j) acc[j] = {renderer.reduction_identity(kernel)};"]
    lines += [f"  in{k} += in{k}_offset + c0 * in{k}_ks;" for k in range(nin)]
    unit = [f"in{k}_ks == sizeof({ctypes[k]})" for k in range(nin) if not kept_broadcast[k]]
    lines.append(f"  const int unit = {' && '.join(unit) or '1'};")
    indent = "  "
    for d in range(nr):
        lines.append(f"{indent}for (long r{d} = 0; r{d} < R{d}; ++r{d}) {{")
        indent += "  "
    for k in range(nin):
        off = " + ".join(f"r{d} * in{k}_rs{d}" for d in range(nr)) or "0"
        lines.append(f"{indent}__global const char* p{k} = in{k} + {off};")

    def body(load) -> list[str]:
        stmts = renderer._reduction_value(kernel, load)
        return ([f"{indent}  for (long j = 0; j < cn; ++j) {{"]
                + [f"{indent}    {s}" for s in stmts]
                + [f"{indent}    acc[j] = {renderer.reduction_combine(kernel, 'acc[j]', 'v')};",
                   f"{indent}  }}"])

    def fast(k: int, t: str) -> str:
        return f"*(__global const {t}*)p{k}" if kept_broadcast[k] else f"((__global const {t}*)p{k})[j]"

    def strided(k: int, t: str) -> str:
        return f"*(__global const {t}*)p{k}" if kept_broadcast[k] else f"*(__global const {t}*)(p{k} + j * in{k}_ks)"

    lines.append(f"{indent}if (unit) {{")
    lines += body(fast)
    lines.append(f"{indent}}} else {{")
    lines += body(strided)
    lines.append(f"{indent}}}")
    for d in reversed(range(nr)):
        indent = indent[:-2]
        lines.append(f"{indent}}}")
    lines += ["  out0 += out0_offset + c0 * out0_ks;",
              f"  for (long j = 0; j < cn; ++j) *(__global {out_t}*)(out0 + j * out0_ks) = ({out_t})acc[j];",
              "}"]
    return with_fp64_pragma(renderer._helpers(kernel) + "\n".join(lines) + "\n")
