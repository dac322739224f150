"""The C dialect of the C-family renderer: a serial loop, C99 types and <math.h> names.
A CUDA or OpenCL dialect is another such subclass (qualifiers, a grid-stride loop header,
address spaces).

Beyond the shared tables, the dialect renders what plain C99 can compute with NumPy's and
SciPy's meaning: floor division of floats, the inverse error functions, digamma and
trigamma (special_functions.py, computed in double), and complex numbers as C99's _Complex
types with NumPy's arithmetic (complex_arithmetic.py)."""
from __future__ import annotations

from typing import Any, Callable, Sequence

from theano.kernel.ir import Kernel
from theano.kernel.render import CFamilyRenderer, Operands, RenderError
from theano.scalar import basic as scal

from .complex_arithmetic import COMPLEX_TYPES, complex_expression, complex_helpers, complex_literal
from .special_functions import DIGAMMA, ERF_INVERSES, TRIGAMMA

__all__ = ["CRenderer"]


_FLOATS = ("float32", "float64")


def _int_div(r: CFamilyRenderer, e: Operands) -> str | None:
    """Floor division: the shared integer entry, NumPy's float algorithm for floats."""
    if e.is_float:
        return f"theano_floordiv_{e.odt}({', '.join(e.c)})"
    return CFamilyRenderer.expressions[scal.IntDiv](r, e)


def _floordiv_helper(r: CFamilyRenderer, odt: str, t: str) -> str | None:
    if odt not in _FLOATS:
        return CFamilyRenderer.helpers[scal.IntDiv](r, odt, t)
    fm, fl, cs = r.math("fmod", odt), r.math("floor", odt), r.math("copysign", odt)
    # NumPy's npy_floor_divide: a / b when b is 0; else the quotient of a - fmod(a, b),
    # moved down when the remainder's sign differs from b's, snapped to the nearest integer.
    return (f"{r.helper_qualifier} {t} theano_floordiv_{odt}({t} a, {t} b) {{\n"
            f"  if (b == 0) return a / b;\n"
            f"  const {t} mod = {fm}(a, b);\n"
            f"  {t} div = (a - mod) / b;\n"
            f"  if (mod != 0 && ((b < 0) != (mod < 0))) div -= 1;\n"
            f"  if (div == 0) return {cs}(({t})0, a / b);\n"
            f"  {t} q = {fl}(div);\n"
            f"  if (div - q > ({t})0.5) q += 1;\n"
            f"  return q;\n}}\n")


def _pow(r: CFamilyRenderer, e: Operands) -> str | None:
    """The shared float entry; integer powers say why they stay NumPy's."""
    if e.odt in scal.int_dtypes + scal.uint_dtypes:
        raise RenderError("NumPy raises ValueError on a negative integer exponent, which a compiled kernel "
                          "cannot; integer powers keep NumPy's meaning")
    return CFamilyRenderer.expressions[scal.Pow](r, e)


def _special(name: str) -> Callable[[CFamilyRenderer, Operands], str | None]:
    """A call of theano_<name>_<dtype> on a float operand."""
    return lambda r, e: f"theano_{name}_{e.odt}({e.c[0]})" if e.is_float else None


def _special_helper(name: str, source: str) -> Callable[[CFamilyRenderer, str, str], str | None]:
    """The double-precision source plus theano_<name>_<dtype>, which rounds its result once."""
    def helper(r: CFamilyRenderer, odt: str, t: str) -> str | None:
        if odt not in _FLOATS:
            return None
        return (source + f"{r.helper_qualifier} {t} theano_{name}_{odt}({t} x) {{\n"
                f"  return ({t})theano_{name}_f64((double)x);\n}}\n")
    return helper


class CRenderer(CFamilyRenderer):
    """Plain C99, for the system compiler (compile with -fwrapv so integer arithmetic
    wraps around as NumPy's does)."""

    dialect = "c"
    type_map = {**CFamilyRenderer.type_map, **COMPLEX_TYPES}
    header = ("#include <math.h>\n#include <stdint.h>\n#include <stdbool.h>\n"
              "#ifndef M_PI\n#define M_PI 3.14159265358979323846\n#endif\n")
    helper_qualifier = "static inline"
    loop_header = "for ({index} {i} = 0; {i} < {n}; ++{i}) {{"
    row_loops = True
    simd_reduction_min = 64
    expressions = {
        scal.IntDiv: _int_div, scal.Pow: _pow,
        scal.Erfinv: _special("erfinv"), scal.Erfcinv: _special("erfcinv"),
        scal.Psi: _special("psi"), scal.TriGamma: _special("trigamma"),
    }
    helpers = {
        scal.IntDiv: _floordiv_helper,
        scal.Erfinv: _special_helper("erfinv", ERF_INVERSES), scal.Erfcinv: _special_helper("erfcinv", ERF_INVERSES),
        scal.Psi: _special_helper("psi", DIGAMMA), scal.TriGamma: _special_helper("trigamma", TRIGAMMA),
    }

    def expression(self, op: scal.ScalarOp, in_dts: Sequence[str], odt: str, args: Sequence[str],
                   kernel: Kernel | None = None, refs: Sequence[tuple] | None = None) -> str:
        """Steps with a complex operand or result take the complex table; the rest the
        shared one."""
        dts = [*in_dts, odt]
        if any(d in COMPLEX_TYPES for d in dts):
            if "float16" in dts:
                raise RenderError(f"{self.dialect} renders no float16 arithmetic")
            return complex_expression(self, op, Operands(self, op, list(args), list(in_dts), odt, kernel, refs))
        return super().expression(op, in_dts, odt, args, kernel, refs)

    def _helpers(self, kernel: Kernel) -> str:
        """The shared tables' helpers, then those of the complex steps (which take the
        step's complex dtype, an input's when the result is real)."""
        return super()._helpers(kernel) + complex_helpers(self, kernel)

    def literal(self, value: Any, dtype: str) -> str:
        """A constant of `dtype` (complex ones through __builtin_complex)."""
        if dtype in COMPLEX_TYPES:
            return complex_literal(value, dtype)
        return super().literal(value, dtype)
