"""OpenCL C sources for convolutions and pooling over 2 spatial axes: im2col (an image batch
unrolled into the matrix the tiled product multiplies), col2im (its adjoint, a gather: every
input cell sums the column entries that read it, so no atomics), and the pooling kernels.

Geometry (shapes, strides, padding, dilation, whether the filters are flipped) is passed by
value, so one compiled kernel per dtype serves every layer. A column row is (channel, u, v) of
the unflipped filter; with `flip`, filter cell (u, v) reads the image at the mirrored offset,
which is how a convolution differs from a correlation.
"""
from __future__ import annotations

from .dialect import OpenCLRenderer, with_fp64_pragma

__all__ = ["im2col_source", "im2col_t_source", "col2im_source", "pool_source", "pool_grad_source"]

_R = OpenCLRenderer()

#: image rows per work-item of col2im: its reads of the column matrix, one row per filter tap,
#: then run along whole cache lines
COL2IM_ROWS = 8

_GEOM = ["long kh", "long kw", "long oh", "long ow", "long sh", "long sw", "long dh", "long dw",
         "long ph", "long pw", "int flip"]


def im2col_source(in_dtype: str, out_dtype: str) -> str:
    """col[(c, u, v), (b, y, x)] from img[b, c, h, w] (byte strides), zero where the window
    reads padding. One work-item per (c, u, v, b, y) fills a run of ow entries: the index
    arithmetic (divisions) is paid once per run, not per entry."""
    ti, to = _R.ctype(in_dtype), _R.ctype(out_dtype)
    params = ["long n", "long NB", "long C", "long H", "long W"] + _GEOM + [
        "__global const char* img", "long i_off", "long is0", "long is1", "long is2", "long is3",
        "__global char* col", "long c_off"]
    lines = [f"__kernel void im2col({', '.join(params)}) {{",
             "  const long e = get_global_id(0);",
             "  if (e >= n) return;",
             "  const long ncol = NB * oh * ow;",
             "  const long y = e % oh, b = (e / oh) % NB, row = e / (oh * NB);",
             "  const long v = row % kw, u = (row / kw) % kh, c = row / (kw * kh);",
             "  const long ue = flip ? kh - 1 - u : u, ve = flip ? kw - 1 - v : v;",
             "  const long h = y * sh - ph + ue * dh, w0 = ve * dw - pw;",
             f"  __global {to}* dst = (__global {to}*)(col + c_off) + row * ncol + (b * oh + y) * ow;",
             "  if (h < 0 || h >= H) {",
             f"    for (long x = 0; x < ow; ++x) dst[x] = ({to})0;",
             "    return;",
             "  }",
             "  __global const char* src = img + i_off + b * is0 + c * is1 + h * is2;",
             "  for (long x = 0; x < ow; ++x) {",
             "    const long w = x * sw + w0;",
             f"    dst[x] = (w >= 0 && w < W) ? ({to})(*(__global const {ti}*)(src + w * is3)) : ({to})0;",
             "  }",
             "}"]
    return with_fp64_pragma("\n".join(lines) + "\n")


def im2col_t_source(in_dtype: str, out_dtype: str) -> str:
    """The transpose of im2col_source, colT[(b, y, x), (c, u, v)]: one work-item per output
    pixel fills its row of C * kh * kw entries, written contiguously."""
    ti, to = _R.ctype(in_dtype), _R.ctype(out_dtype)
    params = ["long n", "long NB", "long C", "long H", "long W"] + _GEOM + [
        "__global const char* img", "long i_off", "long is0", "long is1", "long is2", "long is3",
        "__global char* col", "long c_off"]
    lines = [f"__kernel void im2col_t({', '.join(params)}) {{",
             "  const long e = get_global_id(0);",
             "  if (e >= n) return;",
             "  const long x = e % ow, y = (e / ow) % oh, b = e / (ow * oh);",
             f"  __global {to}* dst = (__global {to}*)(col + c_off) + e * C * kh * kw;",
             "  __global const char* src = img + i_off + b * is0;",
             # the window's columns, first and last: inside the image for most pixels
             "  const long wa = x * sw - pw, wz = wa + (kw - 1) * dw;",
             f"  const int inner = wa >= 0 && wz < W && is3 == sizeof({ti});",
             "  for (long c = 0; c < C; ++c)",
             "    for (long u = 0; u < kh; ++u) {",
             "      const long h = y * sh - ph + (flip ? kh - 1 - u : u) * dh;",
             "      const int hin = h >= 0 && h < H;",
             "      if (hin && inner) {",  # a run of the image row, read with element strides
             f"        __global const {ti}* sr = (__global const {ti}*)(src + c * is1 + h * is2);",
             "        if (flip) for (long v = 0; v < kw; ++v) *dst++ = " + f"({to})sr[wz - v * dw];",
             "        else for (long v = 0; v < kw; ++v) *dst++ = " + f"({to})sr[wa + v * dw];",
             "        continue;",
             "      }",
             "      for (long v = 0; v < kw; ++v) {",
             "        const long w = x * sw - pw + (flip ? kw - 1 - v : v) * dw;",
             f"        *dst++ = (hin && w >= 0 && w < W) ? ({to})(*(__global const {ti}*)(src + c * is1 + h * is2 + w * is3)) : ({to})0;",
             "      }",
             "    }",
             "}"]
    return with_fp64_pragma("\n".join(lines) + "\n")


def col2im_source(dtype: str) -> str:
    """img[b, c, h, w] (contiguous) = the sum of the column entries im2col would have filled
    from that cell, filter cells in increasing order. One work-item per image row (b, c, h)
    walks along it: the index decomposition is paid per row, and a stride of 1 (most layers)
    needs no division at all (per cell and filter tap, they cost W8's input gradient 7 ms)."""
    t = _R.ctype(dtype)
    params = ["long n", "long NB", "long C", "long H", "long W"] + _GEOM + [
        "__global const char* col", "long c_off", "__global char* img", "long i_off"]
    R = COL2IM_ROWS
    lines = [f"__kernel void col2im({', '.join(params)}) {{",
             "  const long e = get_global_id(0);",
             "  if (e >= n) return;",
             f"  const long HB = (H + {R - 1}) / {R};",
             "  const long hb = e % HB, c = (e / HB) % C, b = e / (HB * C);",
             "  const long ncol = NB * oh * ow;",
             f"  __global const {t}* cp = (__global const {t}*)(col + c_off) + c * kh * kw * ncol + b * oh * ow;",
             f"  for (long h = hb * {R}; h < min(H, hb * {R} + {R}); ++h) {{",
             f"  __global {t}* dst = (__global {t}*)(img + i_off) + ((b * C + c) * H + h) * W;",
             "  for (long w = 0; w < W; ++w) {",
             f"    {t} acc = ({t})0;",
             "    for (long u = 0; u < kh; ++u) {",
             "      const long yy = h + ph - (flip ? kh - 1 - u : u) * dh;",
             "      if (yy < 0 || (sh != 1 && yy % sh)) continue;",
             "      const long y = sh == 1 ? yy : yy / sh;",
             "      if (y >= oh) continue;",
             "      for (long v = 0; v < kw; ++v) {",
             "        const long xx = w + pw - (flip ? kw - 1 - v : v) * dw;",
             "        if (xx < 0 || (sw != 1 && xx % sw)) continue;",
             "        const long x = sw == 1 ? xx : xx / sw;",
             "        if (x >= ow) continue;",
             "        acc += cp[(u * kw + v) * ncol + y * ow + x];",
             "      }",
             "    }",
             "    dst[w] = acc;",
             "  }",
             "  }",
             "}"]
    return with_fp64_pragma("\n".join(lines) + "\n")


def pool_source(dtype: str, mode: str) -> str:
    """Pool over contiguous x (N, H, W) into (N, oh, ow); one work-item per output. Windows
    start at k * stride - pad and see only real cells; average_inc_pad counts the window up
    to the padded border (H + 2 * pad), as the reference does."""
    t = _R.ctype(dtype)
    params = ["long n", "long H", "long W", "long oh", "long ow", "long wh", "long ww",
              "long sh", "long sw", "long ph", "long pw",
              "__global const char* x_", "long x_off", "__global char* o_", "long o_off"]
    lines = [f"__kernel void pool({', '.join(params)}) {{",
             "  const long e = get_global_id(0);",
             "  if (e >= n) return;",
             "  const long j = e % ow, i = (e / ow) % oh, p = e / (ow * oh);",
             f"  __global const {t}* x = (__global const {t}*)(x_ + x_off) + p * H * W;",
             "  const long h0 = i * sh - ph, w0 = j * sw - pw;",
             "  const long hs = max(h0, 0L), he = min(h0 + wh, H), ws = max(w0, 0L), we = min(w0 + ww, W);",
             f"  {t} acc = {'-INFINITY' if mode == 'max' else f'({t})0'};",
             "  for (long h = hs; h < he; ++h)",
             "    for (long w = ws; w < we; ++w) {",
             f"      const {t} v = x[h * W + w];"]
    if mode == "max":
        lines.append("      acc = (acc != acc || acc > v) ? acc : v;")
    else:
        lines.append("      acc += v;")
    lines.append("    }")
    if mode == "average_inc_pad":
        lines.append(f"  acc /= ({t})((min(h0 + wh, H + ph) - max(h0, -ph)) * (min(w0 + ww, W + pw) - max(w0, -pw)));")
    elif mode == "average_exc_pad":
        lines.append(f"  acc /= ({t})((he - hs) * (we - ws));")
    lines += [f"  ((__global {t}*)(o_ + o_off))[e] = acc;", "}"]
    return with_fp64_pragma("\n".join(lines) + "\n")


def pool_grad_source(dtype: str, mode: str) -> str:
    """The gradient of pool_source with respect to x: the sum, over the windows that contain
    a cell, of gz (max: only where the cell equals the window's maximum; averages: gz divided
    by the window's count). Windows are visited from the last to the first, the order in which
    the reference adds them. One work-item per input row walks along it, tracking
    (w + pad) / stride as a quotient and remainder: no division per cell (five per cell cost
    W8's max-pool gradient 9 ms). Windows that cannot overlap (stride >= window, the usual
    pooling) take a direct path: each window adds its value to its own cells."""
    t = _R.ctype(dtype)
    params = ["long n", "long H", "long W", "long oh", "long ow", "long wh", "long ww",
              "long sh", "long sw", "long ph", "long pw",
              "__global const char* x_", "long x_off", "__global const char* m_", "long m_off",
              "__global const char* gz_", "long gz_off", "__global char* o_", "long o_off"]

    def add(target: str, indent: str) -> list[str]:
        """`target` += window q's contribution to the cell at w (value xv)."""
        if mode == "max":
            return [f"{indent}if (mx[q] == xv) {target} += gz[q];"]
        if mode == "sum":
            return [f"{indent}{target} += gz[q];"]
        out = [f"{indent}const long h0 = i * sh - ph, w0 = j * sw - pw;"]
        if mode == "average_inc_pad":
            out.append(f"{indent}const {t} cnt = ({t})((min(h0 + wh, H + ph) - max(h0, -ph)) * "
                       "(min(w0 + ww, W + pw) - max(w0, -pw)));")
        else:
            out.append(f"{indent}const {t} cnt = ({t})((min(h0 + wh, H) - max(h0, 0L)) * "
                       "(min(w0 + ww, W) - max(w0, 0L)));")
        return out + [f"{indent}{target} += gz[q] / cnt;"]

    lines = [f"__kernel void pool_grad({', '.join(params)}) {{",
             "  const long e = get_global_id(0);",
             "  if (e >= n) return;",
             "  const long h = e % H, p = e / H;",
             f"  __global const {t}* gz = (__global const {t}*)(gz_ + gz_off) + p * oh * ow;",
             f"  __global const {t}* mx = (__global const {t}*)(m_ + m_off) + p * oh * ow;",
             f"  __global const {t}* xr = (__global const {t}*)(x_ + x_off) + e * W;",
             f"  __global {t}* dst = (__global {t}*)(o_ + o_off) + e * W;",
             "  if (sh >= wh && sw >= ww) {",  # a cell lies in one window at most
             f"    for (long w = 0; w < W; ++w) dst[w] = ({t})0;",
             "    const long i = (h + ph) / sh;",
             "    if (i >= oh || h + ph - i * sh >= wh) return;",
             "    for (long j = 0; j < ow; ++j) {",
             "      const long q = i * ow + j, wa = j * sw - pw;",
             "      for (long w = max(wa, 0L); w < min(wa + ww, W); ++w) {",
             f"        const {t} xv = xr[w];"]
    lines += add("dst[w]", "        ")
    lines += ["      }",
              "    }",
              "    return;",
              "  }",
              "  const long i_hi = min((h + ph) / sh, oh - 1);",
              "  long jq = pw / sw, jr = pw % sw;",  # (w + pw) = jq * sw + jr
              "  for (long w = 0; w < W; ++w) {",
              f"    const {t} xv = xr[w];",
              f"    {t} acc = ({t})0;",
              "    const long j_hi = min(jq, ow - 1);",
              "    for (long i = i_hi; i >= 0 && i * sh - ph + wh > h; --i)",
              "      for (long j = j_hi; j >= 0 && j * sw - pw + ww > w; --j) {",
              "        const long q = i * ow + j;"]
    lines += add("acc", "        ")
    lines += ["      }", "    dst[w] = acc;", "    if (++jr == sw) { jr = 0; ++jq; }", "  }", "}"]
    return with_fp64_pragma("\n".join(lines) + "\n")
