"""The matrix product for a CPU OpenCL device (PoCL): a register-blocked kernel whose blocks are
written out as named variables by this generator.

Why unrolled by hand: PoCL compiles a work-item's private arrays (`acc[4][2]`) indexed in loops
as stack memory (the loops are not unrolled before register promotion), so every
multiply-add loaded and stored its accumulator; named variables stay in registers (W5's two
products went from about 1.2 ms to about 0.4 ms each).
"""
from __future__ import annotations

import numpy as np

from .dialect import OpenCLRenderer, with_fp64_pragma

__all__ = ["MATMUL_CPU_ROWS", "MATMUL_CPU_LOCAL", "matmul_cpu_vector_width", "matmul_cpu_vectors",
           "matmul_cpu_source", "matmul_cpu_sources", "matmul_cpu_grid"]

_R = OpenCLRenderer()

#: register blocking: rows of C per work-item for each number of OpenCL vectors (of 64 bytes)
#: per row; a work-item holds rows x vectors accumulators (of AVX-512's 32 registers). Measured
#: on PoCL (AVX-512, 2 cores; docs/opencl.md): 6 x 4 ran W5's two products in about 0.25 ms
#: each and 1000^3 at about 400 GFLOPS; 4 x 2 took 0.37-0.47 ms, 5 x 2 and 3 x 4 0.3-0.4 ms.
#: Narrow products (N of a few vectors) take fewer vectors, so the edge path (a masked gather
#: per lane) stays rare.
MATMUL_CPU_ROWS = {1: 8, 2: 6, 4: 6}
#: the work-group shape (one work-item per group ran as fast as any other on PoCL)
MATMUL_CPU_LOCAL = (1, 1)
_VECTOR_BYTES = 64


def matmul_cpu_vector_width(out_dtype: str) -> int:
    """Elements per OpenCL vector (64 bytes of them, at most 16, the widest OpenCL type)."""
    return min(16, _VECTOR_BYTES // np.dtype(out_dtype).itemsize)


def matmul_cpu_vectors(N: int, out_dtype: str) -> int:
    """Vectors per row of a work-item's block for a C of N columns."""
    VW = matmul_cpu_vector_width(out_dtype)
    return 1 if N <= VW else (2 if N <= 2 * VW else 4)


def matmul_cpu_sources(a_dtype: str, b_dtype: str, out_dtype: str, gemm: bool) -> dict[int, str]:
    """The source of every block variant, by vectors per row (all are compiled with the graph;
    the launch picks one by N)."""
    return {v: matmul_cpu_source(a_dtype, b_dtype, out_dtype, gemm, v) for v in MATMUL_CPU_ROWS}


def matmul_cpu_grid(M: int, N: int, vectors: int, out_dtype: str) -> tuple[tuple[int, int], tuple[int, int]]:
    """(global, local) sizes of the first two launch dimensions for a C of M x N."""
    W = vectors * matmul_cpu_vector_width(out_dtype)
    WM = MATMUL_CPU_ROWS[vectors]
    L0, L1 = MATMUL_CPU_LOCAL
    return ((-(-(-(-N // W)) // L0) * L0, -(-(-(-M // WM)) // L1) * L1), (L0, L1))


def matmul_cpu_source(a_dtype: str, b_dtype: str, out_dtype: str, gemm: bool, vectors: int = 4) -> str:
    """C = A @ B: each work-item accumulates a block of `rows` rows x `vectors` OpenCL vectors of
    C in registers (MATMUL_CPU_ROWS), reading A and B straight from global memory (the caches do the blocking a
    GPU does by hand in local memory).

    Element (r, c) of C is stored at (r / PR) * rps + (r % PR) * cs0 + (c / P) * cps +
    (c % P) * cs1 (PR = M and P = N for a plain matrix, which takes a vector store): a
    convolution's product over a batch writes its (batch, channel, pixel) layout directly.
    With a third launch dimension of S slices, slice s sums k over [s * KS, (s + 1) * KS) into
    C + s * csl (split-K: parallel work for a small C and a long K; the caller adds the slices).
    Strides are in elements; B rows with unit stride are read with vloadN, other layouts
    (a transposed B) element by element. A may have any strides (a transposed A costs
    nothing). With `gemm`, C = Z * beta + alpha * (A @ B), evaluated in that order (the NumPy
    meaning of Gemm/Gemv), alpha and beta read from 0-d device arrays."""
    WM, NV = MATMUL_CPU_ROWS[vectors], vectors
    VW = matmul_cpu_vector_width(out_dtype)
    W = VW * NV
    ta, tb, tc = _R.ctype(a_dtype), _R.ctype(b_dtype), _R.ctype(out_dtype)
    vt = f"{tc}{VW}"
    rows, vecs = range(WM), range(NV)
    params = ["long M", "long N", "long K",
              "__global const char* A_", "long a_off", "long as0", "long as1",
              "__global const char* B_", "long b_off", "long bs0", "long bs1",
              "__global char* C_", "long c_off", "long cs0", "long cs1", "long PR", "long rps",
              "long P", "long cps", "long KS", "long csl"]
    if gemm:
        params += ["__global const char* Z_", "long z_off", "long zs0", "long zs1",
                   "__global const char* alpha", "long alpha_off",
                   "__global const char* beta", "long beta_off"]
    lines = [f"__kernel void matmul({', '.join(params)}) {{",
             "#pragma OPENCL FP_CONTRACT ON",
             f"  __global const {ta}* A = (__global const {ta}*)(A_ + a_off);",
             f"  __global const {tb}* B = (__global const {tb}*)(B_ + b_off);",
             f"  __global {tc}* C = (__global {tc}*)(C_ + c_off) + get_global_id(2) * csl;",
             "  const long k_lo = get_global_id(2) * KS, k_hi = min(K, k_lo + KS);",
             f"  const long c0 = (long)get_global_id(0) * {W};",
             f"  const long r0 = (long)get_global_id(1) * {WM};",
             "  if (c0 >= N || r0 >= M) return;"]
    # rows past M read row M - 1 (never stored): no bounds test in the inner loop
    lines += [f"  const long ar{i} = min(r0 + {i}, M - 1) * as0;" for i in rows]
    lines += [f"  {vt} acc{i}_{v} = ({vt})0;" for i in rows for v in vecs]

    def load_b(mode: str) -> list[str]:
        out = []
        for v in vecs:
            if mode == "vector":
                e = f"vload{VW}(0, B + k * bs0 + c0 + {v * VW})"
                out.append(f"      const {vt} b{v} = {e if tb == tc else f'convert_{vt}({e})'};")
                continue
            comps = []
            for lane in range(VW):
                c = f"(c0 + {v * VW + lane})"
                ld = f"({tc})B[k * bs0 + {c} * bs1]"
                comps.append(ld if mode == "gather" else f"({c} < N ? {ld} : ({tc})0)")
            out.append(f"      const {vt} b{v} = ({vt})({', '.join(comps)});")
        return out

    def loop(mode: str, lo: str = "k_lo", hi: str = "k_hi") -> list[str]:
        body = [f"    for (long k = {lo}; k < {hi}; ++k) {{"] + load_b(mode)
        body.append("      const long ak = k * as1;")
        for i in rows:
            body.append(f"      const {tc} a{i} = ({tc})A[ar{i} + ak];")
            body += [f"      acc{i}_{v} += a{i} * b{v};" for v in vecs]
        return body + ["    }"]

    lines += [f"  if (c0 + {W} <= N && bs1 == 1) {{"] + loop("vector")
    lines += [f"  }} else if (c0 + {W} <= N) {{"] + loop("gather")
    # A block past column N: rows whose W elements from c0 still lie inside B (the lanes past N
    # read the next row, never stored) take whole vectors; only the last rows mask each lane.
    # A C of few columns (a 10-class output layer) then runs at the speed of a wide one.
    lines += ["  } else {",
              "    long k_mid = k_lo;",
              "    if (bs1 == 1 && bs0 > 0) {",
              f"      const long room = (K - 1) * bs0 + N - c0 - {W};",
              "      k_mid = room < 0 ? k_lo : clamp(room / bs0 + 1, k_lo, k_hi);",
              "    }"]
    lines += loop("vector", "k_lo", "k_mid") + loop("edge", "k_mid", "k_hi") + ["  }"]
    lines += _store(WM, NV, VW, tc, vt, gemm)
    lines.append("}")
    return with_fp64_pragma("\n".join(lines) + "\n")


def _store(WM: int, NV: int, VW: int, tc: str, vt: str, gemm: bool) -> list[str]:
    """The block's store: whole vectors for a plain row-major C (no index division per
    element), else element by element through the split index."""
    W = VW * NV
    out = []
    if gemm:
        out += [f"  const {tc} al = *(__global const {tc}*)(alpha + alpha_off);",
                f"  const {tc} be = *(__global const {tc}*)(beta + beta_off);",
                f"  __global const {tc}* Z = (__global const {tc}*)(Z_ + z_off);"]
    fast = f"P == N && PR == M && cs1 == 1 && c0 + {W} <= N" + (" && zs1 == 1" if gemm else "")
    out.append(f"  if ({fast}) {{")
    for i in range(WM):
        out.append(f"    if (r0 + {i} < M) {{")
        for v in range(NV):
            val = f"acc{i}_{v}"
            if gemm:
                z = f"vload{VW}(0, Z + (r0 + {i}) * zs0 + c0 + {v * VW})"
                # z * beta + alpha * dot, each product rounded as the NumPy meaning does
                out.append(f"      const {vt} zb{v} = {z} * be;")
                out.append(f"      const {vt} ad{v} = al * {val};")
                val = f"zb{v} + ad{v}"
            out.append(f"      vstore{VW}({val}, 0, C + (r0 + {i}) * cs0 + c0 + {v * VW});")
        out.append("    }")
    out.append("  } else {")
    for i in range(WM):
        out += [f"    if (r0 + {i} < M) {{",
                f"      const long r = r0 + {i};",
                "      const long rb = (r / PR) * rps + (r % PR) * cs0;"]
        for v in range(NV):
            if not gemm:  # a vector that stays within one run of P columns: one store
                out += [f"      const long cf{v} = c0 + {v * VW}, cq{v} = cf{v} / P, cr{v} = cf{v} % P;",
                        f"      if (cs1 == 1 && cf{v} + {VW} <= N && cr{v} + {VW} <= P)",
                        f"        vstore{VW}(acc{i}_{v}, 0, C + rb + cq{v} * cps + cr{v});",
                        "      else"]
            out += [f"      {{ {tc} t[{VW}];",
                    f"        vstore{VW}(acc{i}_{v}, 0, t);",
                    f"        for (int l = 0; l < {VW}; ++l) {{",
                    f"          const long c = c0 + {v * VW} + l;",
                    "          if (c >= N) break;",
                    "          const long cbo = (c / P) * cps + (c % P) * cs1;"]
            if gemm:
                out += [f"          const {tc} zb = Z[r * zs0 + c * zs1] * be;",
                        f"          const {tc} ad = al * t[l];",
                        "          C[rb + cbo] = zb + ad;"]
            else:
                out.append("          C[rb + cbo] = t[l];")
            out += ["        }", "      }"]
        out.append("    }")
    out.append("  }")
    return out
