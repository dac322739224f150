"""Complex numbers in the C dialect: C99's `float _Complex` and `double _Complex` (NumPy's
complex64 and complex128 layouts), with NumPy's arithmetic written out where C's differs:
products are NumPy's formula (C recovers infinities from NaN products, NumPy does not),
quotients Smith's algorithm and absolute values NumPy's scaled square root, as NumPy's
loops compute them, and sqrt, exp and log the C library's csqrt, cexp and clog, which NumPy's
complex loops call too.

`EXPRESSIONS` (scalar op class -> entry) serves any step that has a complex operand or
result; an op missing from it keeps its NumPy meaning (a visible fallback).
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

from theano.kernel.ir import Kernel
from theano.kernel.render import CFamilyRenderer, Operands, RenderError
from theano.scalar import basic as scal

__all__ = ["COMPLEX_TYPES", "EXPRESSIONS", "HELPERS", "complex_expression", "complex_helpers", "complex_literal"]

COMPLEX_TYPES = {"complex64": "float _Complex", "complex128": "double _Complex"}
#: the real type of each complex dtype's parts, and the C library's name suffix for it
_PART = {"complex64": ("float", "f"), "complex128": ("double", "")}


def complex_literal(value: Any, dtype: str) -> str:
    """A complex constant (NaN and infinite parts included) as a C expression."""
    v = complex(np.asarray(value, dtype=dtype)[()])
    part, _ = _PART[dtype]

    def lit(x: float) -> str:
        if np.isnan(x):
            return f"(({part})NAN)"
        if np.isinf(x):
            return f"(({part})({'-' if x < 0 else ''}INFINITY))"
        return f"(({part}){x.hex()})"

    return f"__builtin_complex({lit(v.real)}, {lit(v.imag)})"


def _is_complex(e: Operands) -> bool:
    return e.odt in COMPLEX_TYPES


def _call(name: str) -> Callable[[CFamilyRenderer, Operands], str | None]:
    """theano_<name>_<dtype>(operands...) for a complex result."""
    return lambda r, e: f"theano_{name}_{e.odt}({', '.join(e.c)})" if _is_complex(e) else None


def _chain(name: str) -> Callable[[CFamilyRenderer, Operands], str | None]:
    """A variadic op as helper calls folded left to right, as NumPy applies it pairwise."""
    def entry(r: CFamilyRenderer, e: Operands) -> str | None:
        if not _is_complex(e):
            return None
        text = e.c[0]
        for c in e.c[1:]:
            text = f"theano_{name}_{e.odt}({text}, {c})"
        return text
    return entry


def _part(which: str) -> Callable[[CFamilyRenderer, Operands], str | None]:
    """The real or imaginary part of a complex operand, into the (real) output type."""
    return lambda r, e: f"({e.t})(__{which}__ ({e.args[0]}))" if e.in_dts[0] in COMPLEX_TYPES else None


def _angle(r: CFamilyRenderer, e: Operands) -> str | None:
    if e.in_dts[0] not in COMPLEX_TYPES:
        return None
    # NumPy's angle: arctan2(imag, real), in the parts' precision
    z, (_, sfx) = e.args[0], _PART[e.in_dts[0]]
    return f"({e.t})atan2{sfx}(__imag__ ({z}), __real__ ({z}))"


def _abs(r: CFamilyRenderer, e: Operands) -> str | None:
    cdt = e.in_dts[0]
    return f"({e.t})theano_cabs_{cdt}({e.args[0]})" if cdt in COMPLEX_TYPES else None


def _make_complex(r: CFamilyRenderer, e: Operands) -> str | None:
    if not _is_complex(e):
        return None
    part, _ = _PART[e.odt]
    return f"__builtin_complex(({part})({e.args[0]}), ({part})({e.args[1]}))"


def _compare(sym: str) -> Callable[[CFamilyRenderer, Operands], str | None]:
    def entry(r: CFamilyRenderer, e: Operands) -> str | None:
        ct = r.ctype(scal.upcast(*e.in_dts))
        return f"(({ct})({e.args[0]}) {sym} ({ct})({e.args[1]}))"
    return entry


def _cast(r: CFamilyRenderer, e: Operands) -> str | None:
    if e.odt == "bool":
        return f"(({e.args[0]}) != 0)"
    return f"({e.t})({e.args[0]})"  # complex to real keeps the real part, as NumPy's cast does


def _complex_only(fn: Callable[[CFamilyRenderer, Operands], str]) -> Callable[..., str | None]:
    return lambda r, e: fn(r, e) if _is_complex(e) else None


EXPRESSIONS: dict[type, Callable[..., str | None]] = {
    scal.Add: _complex_only(lambda r, e: "(" + " + ".join(e.c) + ")"),
    scal.Sub: _complex_only(lambda r, e: f"({e.c[0]} - {e.c[1]})"),
    scal.Neg: _complex_only(lambda r, e: f"(-{e.c[0]})"),
    scal.Mul: _chain("cmul"),
    scal.Sqr: _complex_only(lambda r, e: f"theano_cmul_{e.odt}({e.c[0]}, {e.c[0]})"),
    scal.TrueDiv: _call("cdiv"),
    scal.Sqrt: _call("csqrt"), scal.Exp: _call("cexp"), scal.Log: _call("clog"),
    scal.Conj: _complex_only(lambda r, e: f"theano_conj_{e.odt}({e.c[0]})"),
    scal.Real: _part("real"), scal.Imag: _part("imag"),
    scal.Abs: _abs, scal.Angle: _angle,
    scal.Complex: _make_complex,
    scal.Cast: _cast,
    scal.Identity: lambda r, e: e.c[0],
    scal.Second: lambda r, e: e.c[1],
    scal.Switch: lambda r, e: f"(({e.args[0]}) ? {e.c[1]} : {e.c[2]})",
    scal.EQ: _compare("=="), scal.NEQ: _compare("!="),
}


# Helpers take (renderer, the step's complex dtype: its output's, or its input's when the
# output is real, C type of that dtype) and return their source.

def _cmul_helper(r: CFamilyRenderer, cdt: str, t: str) -> str:
    # NumPy's loops fuse one multiply-add per part where the CPU has FMA (the kernels are
    # compiled for this CPU too): re = fma(ar, br, -(ai bi)), im = fma(ar, bi, ai br).
    fma = "fma" + _PART[cdt][1]
    return (f"{r.helper_qualifier} {t} theano_cmul_{cdt}({t} a, {t} b) {{\n"
            "#ifdef __FMA__\n"
            f"  return __builtin_complex({fma}(__real__ a, __real__ b, -(__imag__ a * __imag__ b)),\n"
            f"                           {fma}(__real__ a, __imag__ b, __imag__ a * __real__ b));\n"
            "#else\n"
            "  return __builtin_complex(__real__ a * __real__ b - __imag__ a * __imag__ b,\n"
            "                           __real__ a * __imag__ b + __imag__ a * __real__ b);\n"
            "#endif\n}\n")


def _cdiv_helper(r: CFamilyRenderer, cdt: str, t: str) -> str:
    p, sfx = _PART[cdt]
    # NumPy's complex division (Smith's algorithm; a zero divisor divides by its |real part|)
    return (f"{r.helper_qualifier} {t} theano_cdiv_{cdt}({t} a, {t} b) {{\n"
            f"  const {p} ar = __real__ a, ai = __imag__ a, br = __real__ b, bi = __imag__ b;\n"
            f"  const {p} abs_br = fabs{sfx}(br), abs_bi = fabs{sfx}(bi);\n"
            "  if (abs_br >= abs_bi) {\n"
            "    if (abs_br == 0 && abs_bi == 0) return __builtin_complex(ar / abs_br, ai / abs_br);\n"
            f"    const {p} rat = bi / br, scl = ({p})1.0 / (br + bi * rat);\n"
            "    return __builtin_complex((ar + ai * rat) * scl, (ai - ar * rat) * scl);\n"
            "  }\n"
            f"  const {p} rat = br / bi, scl = ({p})1.0 / (bi + br * rat);\n"
            "  return __builtin_complex((ar * rat + ai) * scl, (ai * rat - ar) * scl);\n}\n")


def _cabs_helper(r: CFamilyRenderer, cdt: str, t: str) -> str:
    p, sfx = _PART[cdt]
    # NumPy's complex absolute value: an infinite part wins over NaN, then NaN; else
    # larger * sqrt(1 + (smaller / larger)^2), the square fused where the CPU has FMA
    return (f"{r.helper_qualifier} {p} theano_cabs_{cdt}({t} z) {{\n"
            f"  const {p} re = fabs{sfx}(__real__ z), im = fabs{sfx}(__imag__ z);\n"
            f"  if (re == ({p})INFINITY || im == ({p})INFINITY) return ({p})INFINITY;\n"
            f"  if (re != re || im != im) return ({p})NAN;\n"
            f"  const {p} larger = re > im ? re : im, smaller = re > im ? im : re;\n"
            f"  if (larger == 0) return 0;\n"
            f"  const {p} ratio = smaller / larger;\n"
            "#ifdef __FMA__\n"
            f"  return sqrt{sfx}(fma{sfx}(ratio, ratio, ({p})1.0)) * larger;\n"
            "#else\n"
            f"  return sqrt{sfx}(ratio * ratio + ({p})1.0) * larger;\n"
            "#endif\n}\n")


def _conj_helper(r: CFamilyRenderer, cdt: str, t: str) -> str:
    return f"{r.helper_qualifier} {t} theano_conj_{cdt}({t} a) {{ return __builtin_complex(__real__ a, -__imag__ a); }}\n"


def _libm_helper(name: str) -> Callable[[CFamilyRenderer, str, str], str]:
    """theano_<name>_<dtype>: the C library's <name> (declared here: <complex.h> would define
    the macros `I` and `complex` in every kernel)."""
    def helper(r: CFamilyRenderer, cdt: str, t: str) -> str:
        fn = name + _PART[cdt][1]
        return f"{t} {fn}({t});\n{r.helper_qualifier} {t} theano_{name}_{cdt}({t} a) {{ return {fn}(a); }}\n"
    return helper


HELPERS: dict[type, Callable[[CFamilyRenderer, str, str], str]] = {
    scal.Mul: _cmul_helper, scal.Sqr: _cmul_helper, scal.TrueDiv: _cdiv_helper, scal.Conj: _conj_helper,
    scal.Abs: _cabs_helper,
    scal.Sqrt: _libm_helper("csqrt"), scal.Exp: _libm_helper("cexp"), scal.Log: _libm_helper("clog"),
}


def complex_helpers(renderer: CFamilyRenderer, kernel: Kernel) -> str:
    """The helper functions the kernel's complex steps call, each once."""
    out: list[str] = []
    for st in kernel.steps:
        dts = [st.out_dtypes[0], *(kernel.arg_dtype(a) for a in st.args)]
        cdt = next((d for d in dts if d in COMPLEX_TYPES), None)
        entry = None if cdt is None else next((HELPERS[k] for k in type(st.op).__mro__ if k in HELPERS), None)
        if entry is not None:
            text = entry(renderer, cdt, COMPLEX_TYPES[cdt])
            if text not in out:
                out.append(text)
    return "".join(out)


def complex_expression(renderer: CFamilyRenderer, op: scal.ScalarOp, e: Operands) -> str:
    """The expression of a step with a complex operand or result, or RenderError saying which
    op has none."""
    for k in type(op).__mro__:
        entry = EXPRESSIONS.get(k)
        if entry is not None:
            text = entry(renderer, e)
            if text is not None:
                return text
            break
    raise RenderError(f"{renderer.dialect} renders no complex {op} on {list(e.in_dts)} -> {e.odt}")
