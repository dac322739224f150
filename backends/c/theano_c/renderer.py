"""The C backend's dialect of the shared C-family renderer: `omp simd` loops with libmvec's
vector math, OpenMP threads for long loops, faster shapes of some reductions, and the uniform
entry point through which the launcher calls every kernel."""
from __future__ import annotations

from typing import Callable

import numpy as np

from theano.kernel.ir import Kernel

from .dialect import CRenderer


# Functions glibc's libmvec has SIMD versions of (double and float), so `omp simd` loops
# calling them vectorize: 4 or 8 lanes of exp/sin/tanh per instruction.
_MVEC = ("exp", "log", "sin", "cos", "pow", "acos", "acosh", "asin", "asinh", "atan", "atan2",
         "atanh", "cbrt", "cosh", "erf", "erfc", "exp2", "expm1", "log10", "log1p", "log2", "sinh",
         "tan", "tanh")
_TWO_ARGS = ("pow", "atan2")


#: where share `part` of `parts` near-equal contiguous blocks of 0..n-1 starts (n at part ==
#: parts): the bounds of the share of a loop a kernel function runs
_SHARE = """static inline int64_t theano_share(int64_t n, int part, int parts) {
  if (parts == 1) return part ? n : 0;
  const int64_t q = n / parts, r = n % parts;
  return part * q + (part < r ? part : r);
}
"""


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
        # With OpenMP, every kernel function takes (part, parts) and runs its share of its
        # loop: the whole loop when called as part 0 of 1, one thread's contiguous block when
        # the entry point calls it inside a parallel region (see entry_source). The loop body
        # is thus compiled once; a threaded copy beside a serial one doubled every kernel's
        # compile time.
        bounds = ("theano_share({n}, part, parts); {i} < theano_share({n}, part + 1, parts)"
                  if openmp else "0; {i} < {n}")
        self.loop_header = f"_Pragma(\"omp simd\")\n    for ({{index}} {{i}} = {bounds}; ++{{i}}) {{{{"
        if vector_math:
            self.header = CRenderer.header + _simd_declarations()
        # malloc and free declared here: <stdlib.h> is 1,300 lines that every unit would parse
        # for them (about 5 ms of a small unit's 120)
        self.header += "void *malloc(__SIZE_TYPE__ size);\nvoid free(void *p);\n"
        if openmp:
            self.header += "#include <omp.h>\n" + _SHARE
        self.openmp = openmp

    def kernel_signature(self, name: str, params: list[str]) -> str:
        """With OpenMP, the function also takes which share of its loop to run."""
        return super().kernel_signature(name, [*params, "int part", "int parts"] if self.openmp else params)

    def shares_loops(self, kernel: Kernel) -> bool:
        """Whether the entry point may run shares of the kernel's loop on OpenMP threads: not
        without OpenMP, not for a 0-d kernel (one element never reaches a threshold), and
        not for a reduction with a path of its own (`_reduction_path`), which runs whole."""
        return self.openmp and kernel.ndim > 0 and (kernel.reduction is None or self._reduction_path(kernel) is None)

    def _reduction_path(self, kernel: Kernel) -> Callable[[Kernel], list[str]] | None:
        """The faster shape of this kernel's reduction, run before its general loop, if any."""
        red = kernel.reduction
        nd = kernel.ndim
        op = {"add": "+", "mul": "*"}.get(red.scalar_op.name)
        if self.openmp and op and red.acc_dtype in ("float32", "float64") and nd \
                and sorted(red.axes) == list(range(nd)):
            return self._chunked_reduction
        if nd >= 2 and sorted(red.axes) == list(range(nd - 1)):
            return self._leading_axes_reduction
        return None

    def render_reduction(self, kernel: Kernel, name: str) -> str:
        """The shared reduction, after the faster path of `_reduction_path` when it has one:
        with threads, a long contiguous sum or product of everything split into chunks
        reduced in parallel (one output gives the output loop nothing to share); a reduction
        of every axis but the last folding rows into a row of accumulators."""
        src = super().render_reduction(kernel, name)
        path = self._reduction_path(kernel)
        if path is None:
            return src
        extra = path(kernel)
        marker = "  const int64_t m = "
        at = src.index("\n", src.index(marker)) + 1
        return src[:at] + "\n".join("  " + ln for ln in extra) + "\n" + src[at:]

    def _leading_axes_reduction(self, kernel: Kernel) -> list[str]:
        """sum(axis=0) and the like (every axis but the last reduced): rows of the input are
        folded one after the other into a row of accumulators, a loop along the last axis that
        vectorizes, instead of one strided walk down each column per output. Each output sees
        its elements in the same order as the column walk, so results are bit-identical."""
        red = kernel.reduction
        last = kernel.ndim - 1
        acc_t, out_t = self.ctype(red.acc_dtype), self.ctype(red.out_dtype)
        reduced = list(range(last))
        bl = [a.broadcastable[last] for a in kernel.inputs]
        sizes = [np.dtype(a.dtype).itemsize for a in kernel.inputs]
        unit = " && ".join(f"s_in{k} == {sz}" for k, (b, sz) in enumerate(zip(bl, sizes)) if not b) or "1"
        combine = self.reduction_combine(kernel, "a", "v")

        def body(load: Callable[[int, str], str]) -> list[str]:
            return (["  " + ln for ln in self._reduction_value(kernel, load)]
                    + [f"  const {acc_t} a = acc[i];", f"  acc[i] = {combine};", "}"])

        def strided(k: int, t: str) -> str:
            return f"*(const {t}*)(in{k} + p_in{k} + i * s_in{k})"

        def unit_load(k: int, t: str) -> str:
            return (f"*(const {t}*)(in{k} + p_in{k})" if bl[k] else f"((const {t}*)(in{k} + p_in{k}))[i]")

        lines = ["if (m > 0 && n > 0) {",
                 f"  {acc_t}* acc = ({acc_t}*)malloc((__SIZE_TYPE__)n * sizeof({acc_t}));",
                 "  if (acc != 0) {",
                 f"    for (int64_t i = 0; i < n; ++i) acc[i] = {self.reduction_identity(kernel)};"]
        lines += [f"    const int64_t s_in{k} = {'0' if b else f'in{k}_strides[{last}]'};"
                  for k, b in enumerate(bl)]
        lines += ["    for (int64_t r = 0; r < m; ++r) {"]
        lines += ["      " + ln for ln in self._offsets(kernel, reduced, "r", "p", None, False)]
        lines += [f"      if ({unit}) {{", "        _Pragma(\"omp simd\")",
                  "        for (int64_t i = 0; i < n; ++i) {"]
        lines += ["        " + ln for ln in body(unit_load)]
        lines += ["      } else {", "        for (int64_t i = 0; i < n; ++i) {"]
        lines += ["        " + ln for ln in body(strided)]
        lines += ["      }", "    }",
                  f"    for (int64_t i = 0; i < n; ++i) *({out_t}*)(out0 + i * out0_strides[{last}]) = ({out_t})acc[i];",
                  "    free(acc);", "    return;", "  }", "}"]
        return lines

    def _chunked_reduction(self, kernel: Kernel) -> list[str]:
        # A fixed number of chunks, combined in order: the result does not depend on how many
        # threads ran them.
        red = kernel.reduction
        acc_t, out_t = self.ctype(red.acc_dtype), self.ctype(red.out_dtype)
        op = {"add": "+", "mul": "*"}[red.scalar_op.name]

        def load(k: int, t: str) -> str:
            return f"*(const {t}*)in{k}" if all(kernel.inputs[k].broadcastable) else f"((const {t}*)in{k})[r]"

        value = self._reduction_value(kernel, load)
        combine = self.reduction_combine(kernel, "acc", "v")
        return ([f"if (contiguous && m >= {PARALLEL_MIN}) {{",
                 f"  {acc_t} chunk_acc[{REDUCTION_CHUNKS}];",
                 "  _Pragma(\"omp parallel for schedule(dynamic)\")",
                 f"  for (int c = 0; c < {REDUCTION_CHUNKS}; ++c) {{",
                 f"    const int64_t lo = m / {REDUCTION_CHUNKS} * c, "
                 f"hi = c == {REDUCTION_CHUNKS - 1} ? m : lo + m / {REDUCTION_CHUNKS};",
                 f"    {acc_t} acc = {self.reduction_identity(kernel)};",
                 f"    _Pragma(\"omp simd reduction({op}:acc)\")",
                 "    for (int64_t r = lo; r < hi; ++r) {"]
                + ["      " + ln for ln in value]
                + [f"      acc = {combine};", "    }", "    chunk_acc[c] = acc;", "  }",
                   f"  {acc_t} acc = chunk_acc[0];",
                   f"  for (int c = 1; c < {REDUCTION_CHUNKS}; ++c) {{ const {acc_t} v = chunk_acc[c]; acc = {combine}; }}",
                   f"  *({out_t}*)out0 = ({out_t})acc;",
                   "  return;",
                   "}"])


#: the element count past which the entry point runs the OpenMP variant of a kernel doing
#: plain arithmetic: 2**20 elements is where two cores win here for such memory-bound loops
PARALLEL_MIN = 1048576
#: what one transcendental function (exp, sin, tanh ...) costs per element, in units of
#: plain arithmetic: a loop of them is compute-bound and pays for threads much sooner
TRANSCENDENTAL_COST = 8
#: no kernel goes parallel below this many elements (waking the threads costs a few us)
PARALLEL_FLOOR = 32768


def parallel_min(kernel: Kernel) -> int:
    """The element count past which `kernel` runs on OpenMP threads: PARALLEL_MIN divided by
    its estimated work per element."""
    heavy = sum(1 for st in kernel.steps if getattr(st.op, "name", "") in _MVEC)
    return max(PARALLEL_FLOOR, PARALLEL_MIN // (1 + TRANSCENDENTAL_COST * heavy))


#: the chunks a long full reduction is split into (fixed, so results are reproducible)
REDUCTION_CHUNKS = 16


def entry_source(kernel_source: str, name: str, n_args: int, ndim: int = 0,
                 threads_from: int = PARALLEL_MIN, shares: bool = False, threads: bool = False) -> str:
    """The kernel plus a uniform entry point for the launcher (arrays passed as arrays).

    `shares`: the kernel function takes (part, parts) (CKernelRenderer with OpenMP); the
    entry runs it whole, as part 0 of 1. `threads`: past `threads_from` elements the entry
    runs one share per OpenMP thread instead; shorter loops never enter a parallel region,
    which costs about 0.3 us even when it keeps to one thread and would dominate small calls.
    """
    args = ", ".join(f"data[{k}], strides[{k}]" for k in range(n_args))
    call = f"{name}(n, shape, contiguous, {args}{', 0, 1' if shares else ''});"
    if threads:  # omp.h comes with the renderer's header
        # the work is the whole loop's size: for a reduction, more than its n outputs
        call = (f"int64_t work = 1;\n  for (int d = 0; d < {ndim}; ++d) work *= shape[d];\n"
                f"  if (work > {int(threads_from)}) {{\n"
                "    _Pragma(\"omp parallel\")\n"
                f"    {name}(n, shape, contiguous, {args}, omp_get_thread_num(), omp_get_num_threads());\n"
                f"  }} else {call}")
    # nothing before the kernel's source: units that start with the same header can share a
    # translation unit (see toolchain.load_library_group)
    return (kernel_source + "\nvoid theano_entry(int64_t n, const int64_t* shape, int contiguous, "
            "char** data, const int64_t** strides) {\n"
            f"  {call}\n}}\n")
