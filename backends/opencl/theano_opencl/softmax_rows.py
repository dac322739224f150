"""OpenCL C sources of the row-wise nnet kernels: softmax and its relatives, the softmax
cross-entropy ops and their gradients, max-and-argmax.

All of them share one shape: a "row" is a run of K elements along one axis; the R rows are
indexed by the kept axes (nk of them, after the launcher merged what it could), and every
array has its own byte strides over the kept axes plus one along the row (0 for a per-row
value such as a class index or a loss, and 0 over the kept axes for a per-column bias). One
work-group handles a row (groups stride over rows); its L work-items stride over the row and
combine partial results as a tree in local memory, so L = 1 is a plain serial loop, the
better choice for short rows.

A class index out of range sets `*err` and writes NaN: the launcher raises the reference's
error after reading the flag.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from .dialect import OpenCLRenderer, with_fp64_pragma


__all__ = ["RowKernel", "softmax_body", "logsoftmax_body", "softmax_grad_body", "xent_sm_argmax_body",
           "xent_dx_body", "xent_1hot_body", "xent_1hot_grad_body", "max_argmax_body", "ROW_OPS"]

_R = OpenCLRenderer()


def _is_float(dtype: str) -> bool:
    return dtype in ("float32", "float64")


class RowKernel:
    """Source builder for one row kernel: `arrays` are (name, dtype, is_output), `work` the
    dtype of the arithmetic; body functions below write the per-row code."""

    def __init__(self, arrays: Sequence[tuple[str, str, bool]], work: str, nk: int):
        self.arrays = list(arrays)
        self.dt = {n: d for n, d, _ in arrays}
        self.work = work
        self.tw = _R.ctype(work)
        self.nk = nk

    def ld(self, a: str, k: str, cast: bool = True) -> str:
        raw = f"(*(__global const {_R.ctype(self.dt[a])}*)({a} + {a}o + ({k}) * {a}ax))"
        return f"(({self.tw}){raw})" if cast else raw

    def st(self, a: str, k: str, v: str) -> str:
        t = _R.ctype(self.dt[a])
        return f"*(__global {t}*)({a} + {a}o + ({k}) * {a}ax) = ({t})({v});"

    def tree(self, var: str, combine: str, scratch: str = "scr") -> list[str]:
        """Combine `var` over the work-group; afterwards every work-item holds the result.
        `combine` is a format string of `a` and `b`."""
        return [f"{scratch}[lid] = {var};",
                "barrier(CLK_LOCAL_MEM_FENCE);",
                "for (long s = L / 2; s > 0; s >>= 1) {",
                f"  if (lid < s) {scratch}[lid] = {combine.format(a=f'{scratch}[lid]', b=f'{scratch}[lid + s]')};",
                "  barrier(CLK_LOCAL_MEM_FENCE);",
                "}",
                f"{var} = {scratch}[0];",
                "barrier(CLK_LOCAL_MEM_FENCE);"]

    def source(self, body: list[str], argmax: bool = False) -> str:
        params = ["long R", "long K"] + [f"long ks{d}" for d in range(self.nk)]
        for n, d, out in self.arrays:
            params += [f"long {n}k{j}" for j in range(self.nk)]
            params += [f"__global {'' if out else 'const '}char* {n}", f"long {n}_off", f"long {n}ax"]
        params += ["__global int* err", f"__local {self.tw}* scr"]
        if argmax:
            params.append("__local long* scri")
        lines = [f"__kernel void rows({', '.join(params)}) {{",
                 "  const long lid = get_local_id(0), L = get_local_size(0);",
                 "  for (long row_ = get_group_id(0); row_ < R; row_ += get_num_groups(0)) {",
                 "    long rem = row_;"]
        lines += [f"    long {n}o = {n}_off;" for n, _, _ in self.arrays]
        for j in reversed(range(self.nk)):
            adds = " ".join(f"{n}o += i * {n}k{j};" for n, _, _ in self.arrays)
            lines.append(f"    {{ const long i = rem % ks{j}; rem /= ks{j}; {adds} }}")
        lines += ["    " + ln for ln in body]
        lines += ["    barrier(CLK_LOCAL_MEM_FENCE);", "  }", "}"]
        return with_fp64_pragma("\n".join(lines) + "\n")


def _max_nan(a: str, b: str) -> str:
    # NumPy's max propagates NaN
    return f"(({a} != {a} || {a} > {b}) ? {a} : {b})"


_MAX = _max_nan("{a}", "{b}")
_ADD = "({a} + {b})"


def _row_max(k: RowKernel, value: str) -> list[str]:
    return [f"{k.tw} m = -INFINITY;",
            "for (long c = lid; c < K; c += L) {",
            f"  const {k.tw} v = {value};",
            f"  m = {_max_nan('m', 'v')};",
            "}"] + k.tree("m", _MAX)


def _row_sum(k: RowKernel, var: str, value: str) -> list[str]:
    return [f"{k.tw} {var} = ({k.tw})0;",
            f"for (long c = lid; c < K; c += L) {var} += {value};"] + k.tree(var, _ADD)


def _with_bias(k: RowKernel, bias: bool) -> str:
    return f"({k.ld('x', 'c')} + {k.ld('b', 'c')})" if bias else k.ld("x", "c")


def softmax_body(k: RowKernel, bias: bool = False) -> list[str]:
    """out = exp(v - max v) / sum(exp(v - max v)), v = x (+ b)."""
    v = _with_bias(k, bias)
    return (_row_max(k, v) + _row_sum(k, "s", f"exp({v} - m)")
            + [f"for (long c = lid; c < K; c += L) {k.st('out', 'c', f'exp({v} - m) / s')}"])


def logsoftmax_body(k: RowKernel) -> list[str]:
    """out = (x - max x) - log(sum(exp(x - max x)))."""
    v = k.ld("x", "c")
    return (_row_max(k, v) + _row_sum(k, "s", f"exp({v} - m)")
            + [f"const {k.tw} ls = log(s);",
               f"for (long c = lid; c < K; c += L) {k.st('out', 'c', f'({v} - m) - ls')}"])


def softmax_grad_body(k: RowKernel) -> list[str]:
    """out = (dy - sum(dy * sm)) * sm."""
    dy, sm = k.ld("dy", "c"), k.ld("sm", "c")
    return (_row_sum(k, "s", f"{dy} * {sm}")
            + [f"for (long c = lid; c < K; c += L) {k.st('out', 'c', f'({dy} - s) * {sm}')}"])


def _class_index(k: RowKernel) -> list[str]:
    return [f"const long yi = (long){k.ld('y', '0', cast=False)};",
            "const int bad = yi < 0 || yi >= K;",
            "if (bad && lid == 0) *err = 1;"]


def _argmax_combine(a: str, ia: str, b: str, ib: str, is_float: bool) -> str:
    """Whether (b, ib) replaces (a, ia): larger, or NaN (NumPy's argmax stops at the first NaN),
    or equal with a smaller index."""
    if is_float:
        return (f"((({b}) != ({b})) ? (!(({a}) != ({a})) || {ib} < {ia}) : "
                f"(!(({a}) != ({a})) && (({b}) > ({a}) || (({b}) == ({a}) && {ib} < {ia}))))")
    return f"(({b}) > ({a}) || (({b}) == ({a}) && {ib} < {ia}))"


def _argmax_tree(k: RowKernel, is_float: bool) -> list[str]:
    take = _argmax_combine("scr[lid]", "scri[lid]", "scr[lid + s]", "scri[lid + s]", is_float)
    return ["scr[lid] = m; scri[lid] = im;",
            "barrier(CLK_LOCAL_MEM_FENCE);",
            "for (long s = L / 2; s > 0; s >>= 1) {",
            f"  if (lid < s && {take}) {{ scr[lid] = scr[lid + s]; scri[lid] = scri[lid + s]; }}",
            "  barrier(CLK_LOCAL_MEM_FENCE);",
            "}",
            "m = scr[0]; im = scri[0];"]


def xent_sm_argmax_body(k: RowKernel) -> list[str]:
    """From v = x + b: logp = (v - max v) - log(sum(exp(v - max v))); nll = -logp[y],
    sm = exp(logp), am = argmax(logp), as the reference computes them."""
    v = _with_bias(k, True)
    lines = _row_max(k, v) + _row_sum(k, "s", f"exp({v} - m)")
    lines += [f"const {k.tw} ls = log(s);",
              f"{k.tw} best = -INFINITY; long ib = K;",
              "for (long c = lid; c < K; c += L) {",
              f"  const {k.tw} lp = ({v} - m) - ls;",
              f"  {k.st('sm', 'c', 'exp(lp)')}",
              f"  if ({_argmax_combine('best', 'ib', 'lp', 'c', True)}) {{ best = lp; ib = c; }}",
              "}",
              "{ m = best; long im = ib;"]
    lines += ["  " + ln for ln in _argmax_tree(k, True)]
    lines += _class_index(k)
    vy = f"({k.ld('x', 'yi')} + {k.ld('b', 'yi')})"
    lines += ["  if (lid == 0) {",
              f"    {k.st('am', '0', 'im')}",
              f"    {k.st('nll', '0', f'bad ? ({k.tw})NAN : -(({vy} - m0) - ls)')}",
              "  }",
              "}"]
    # the row maximum is overwritten by the argmax tree: keep it as m0
    i = lines.index(f"const {k.tw} ls = log(s);")
    lines.insert(i + 1, f"const {k.tw} m0 = m;")
    return lines


def xent_dx_body(k: RowKernel) -> list[str]:
    """dx = sm * dy[row], minus dy[row] at the class index."""
    return _class_index(k) + [
        f"const {k.tw} d = {k.ld('dy', '0')};",
        "for (long c = lid; c < K; c += L) {",
        f"  const {k.tw} v = {k.ld('sm', 'c')} * d;",
        f"  {k.st('dx', 'c', '(c == yi) ? v - d : v')}",
        "}"]


def xent_1hot_body(k: RowKernel) -> list[str]:
    """out[row] = -log(x[row, y[row]])."""
    val = f"bad ? ({k.tw})NAN : -log({k.ld('x', 'yi')})"
    return _class_index(k) + [f"if (lid == 0) {k.st('out', '0', val)}"]


def xent_1hot_grad_body(k: RowKernel) -> list[str]:
    """out = 0 except out[row, y[row]] = -g[row] / x[row, y[row]]."""
    val = f"(c == yi) ? (-{k.ld('g', '0')}) / {k.ld('x', 'c')} : ({k.tw})0"
    return _class_index(k) + [f"for (long c = lid; c < K; c += L) {k.st('out', 'c', val)}"]


def max_argmax_body(k: RowKernel) -> list[str]:
    """mx[row] = max of the row (NaN if any), idx[row] its first index."""
    fl = _is_float(k.work)
    ident = "-INFINITY" if fl else (
        "0" if k.work == "bool" else _R.literal(np.iinfo(k.work).min, k.work))
    return [f"{k.tw} m = {ident}; long im = K;",
            "for (long c = lid; c < K; c += L) {",
            f"  const {k.tw} v = {k.ld('x', 'c')};",
            f"  if ({_argmax_combine('m', 'im', 'v', 'c', fl)}) {{ m = v; im = c; }}",
            "}"] + _argmax_tree(k, fl) + [
            "if (lid == 0) {",
            f"  {k.st('mx', '0', 'm')}",
            f"  {k.st('idx', '0', 'im')}",
            "}"]


ROW_OPS = ("softmax", "softmax_bias", "logsoftmax", "softmax_grad", "xent_sm_argmax", "xent_dx",
           "xent_1hot", "xent_1hot_grad", "max_argmax")
