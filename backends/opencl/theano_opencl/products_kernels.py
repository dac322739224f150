"""OpenCL C source of the tiled matrix product (GPU devices; products_cpu.py has the CPU
one). Each function returns the source of one `__kernel` (plus its helpers) and is
deterministic in its arguments, so equal requests share one compiled kernel.

Conventions shared with the dialect: arrays are `__global char*` with byte strides and a byte
offset passed by value; functions end with a lone `}` line (runtime.combine_sources splits
programs on it).
"""
from __future__ import annotations

from .dialect import OpenCLRenderer, with_fp64_pragma

__all__ = ["matmul_source", "MATMUL_TILE"]

_R = OpenCLRenderer()

#: the default tile edge of the matrix product (runtime.Runtime.matmul_tiling chooses per device)
MATMUL_TILE = 32


def matmul_source(a_dtype: str, b_dtype: str, out_dtype: str, gemm: bool,
                  tile: int = MATMUL_TILE, per_item: int = 4) -> str:
    """C = A @ B over strided A (M, K) and B (K, N) (vectors are matrices with a zero stride).

    A work-group of (tile, tile / per_item) work-items computes a tile x tile block of C: at each
    step it stages a tile x tile block of A and of B in local memory, then each work-item
    accumulates `per_item` outputs of one column in registers (rows lr, lr + tile/per_item, ...),
    reusing each B value it reads from local memory per_item times.

    With `gemm`, C = Z * beta + alpha * (A @ B), evaluated in that order (the NumPy meaning of
    Gemm/Gemv), alpha and beta read from 0-d device arrays."""
    T, W = tile, per_item
    R = T // W
    ta, tb, tc = _R.ctype(a_dtype), _R.ctype(b_dtype), _R.ctype(out_dtype)
    params = ["long M", "long N", "long K",
              "__global const char* A", "long a_off", "long as0", "long as1",
              "__global const char* B", "long b_off", "long bs0", "long bs1",
              "__global char* C", "long c_off", "long cs0", "long cs1"]
    if gemm:
        params += ["__global const char* Z", "long z_off", "long zs0", "long zs1",
                   "__global const char* alpha", "long alpha_off",
                   "__global const char* beta", "long beta_off"]
    lines = [f"__kernel void matmul({', '.join(params)}) {{",
             # Products accumulate in tile order anyway (not NumPy's BLAS order): fma is fine.
             "#pragma OPENCL FP_CONTRACT ON",
             f"  __local {tc} As[{T}][{T}];",
             f"  __local {tc} Bs[{T}][{T}];",
             "  A += a_off; B += b_off; C += c_off;",
             "  const int lc = get_local_id(0), lr = get_local_id(1);",
             f"  const long col = (long)get_group_id(0) * {T} + lc;",
             f"  const long row0 = (long)get_group_id(1) * {T} + lr;",
             f"  {tc} acc[{W}];",
             f"  for (int w = 0; w < {W}; ++w) acc[w] = ({tc})0;",
             f"  for (long t = 0; t < K; t += {T}) {{",
             f"    for (int w = 0; w < {W}; ++w) {{",
             f"      const long r = row0 + w * {R}, ak = t + lc, bk = t + lr + w * {R};",
             f"      As[lr + w * {R}][lc] = (r < M && ak < K) ? ({tc})(*(__global const {ta}*)(A + r * as0 + ak * as1)) : ({tc})0;",
             f"      Bs[lr + w * {R}][lc] = (bk < K && col < N) ? ({tc})(*(__global const {tb}*)(B + bk * bs0 + col * bs1)) : ({tc})0;",
             "    }",
             "    barrier(CLK_LOCAL_MEM_FENCE);",
             f"    for (int k = 0; k < {T}; ++k) {{",
             f"      const {tc} bv = Bs[k][lc];",
             f"      for (int w = 0; w < {W}; ++w) acc[w] += As[lr + w * {R}][k] * bv;",
             "    }",
             "    barrier(CLK_LOCAL_MEM_FENCE);",
             "  }",
             f"  for (int w = 0; w < {W}; ++w) {{",
             f"    const long row = row0 + w * {R};",
             "    if (row < M && col < N) {"]
    if gemm:
        lines += [f"      const {tc} z = *(__global const {tc}*)(Z + z_off + row * zs0 + col * zs1);",
                  f"      const {tc} al = *(__global const {tc}*)(alpha + alpha_off);",
                  f"      const {tc} be = *(__global const {tc}*)(beta + beta_off);",
                  f"      const {tc} zb = z * be;",
                  f"      const {tc} ad = al * acc[w];",
                  f"      *(__global {tc}*)(C + row * cs0 + col * cs1) = zb + ad;"]
    else:
        lines.append(f"      *(__global {tc}*)(C + row * cs0 + col * cs1) = acc[w];")
    lines += ["    }", "  }", "}"]
    return with_fp64_pragma("\n".join(lines) + "\n")
