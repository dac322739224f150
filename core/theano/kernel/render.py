"""A C-family renderer: one Kernel -> the source of one function over strided arrays.

Everything a dialect changes is data on a subclass: the type map, the qualifiers of the
function and of its pointers, the loop header (a serial loop in C, a grid-stride loop on a
GPU), the names of math functions per dtype, and the expression table of scalar ops. A
scalar op missing from the table makes `can_render` say no, with the reason, so fusion can
ask a backend "can you render this?" and never needs to know about C.

The rendered function takes, in order: the element count `n`, the output shape (ndim
int64s), a flag saying every non-broadcast array is C-contiguous (then one flat index
serves all of them: the fast path), then per input and per output a byte pointer and its
byte strides (ndim int64s). Byte strides make any NumPy view work: transposed,
sliced with steps, negative strides. `launch_arguments` computes them for NumPy arrays.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..scalar import basic as scal
from .ir import Kernel, Step

__all__ = ["CFamilyRenderer", "RenderError", "launch_arguments", "output_shape"]


class RenderError(ValueError):
    """The kernel uses something this dialect cannot express."""


_FLOAT = ("float32", "float64")
_INT = scal.int_dtypes + scal.uint_dtypes

# Scalar op name -> C math function (float64 name; float32 adds the dialect's suffix).
_MATH = {"exp": "exp", "exp2": "exp2", "expm1": "expm1", "log": "log", "log2": "log2",
         "log10": "log10", "log1p": "log1p", "sin": "sin", "cos": "cos", "tan": "tan",
         "arcsin": "asin", "arccos": "acos", "arctan": "atan", "sinh": "sinh", "cosh": "cosh",
         "tanh": "tanh", "arcsinh": "asinh", "arccosh": "acosh", "arctanh": "atanh",
         "erf": "erf", "erfc": "erfc", "gamma": "tgamma", "gammaln": "lgamma", "sqrt": "sqrt",
         "floor": "floor", "ceil": "ceil", "trunc": "trunc", "round_half_to_even": "rint",
         "round_half_away_from_zero": "round"}
_MATH2 = {"pow": "pow", "arctan2": "atan2"}


class CFamilyRenderer:
    """The C-family renderer; subclasses set the dialect's data (see the module doc)."""

    dialect = "c-family"
    type_map = {"bool": "bool", "int8": "int8_t", "int16": "int16_t", "int32": "int32_t",
                "int64": "int64_t", "uint8": "uint8_t", "uint16": "uint16_t",
                "uint32": "uint32_t", "uint64": "uint64_t", "float32": "float", "float64": "double"}
    #: qualifiers before the function, and of the array pointers (address spaces)
    function_qualifier = ""
    pointer_qualifier = ""
    index_type = "int64_t"
    #: math-function name suffix per float dtype (C: expf for float32)
    math_suffix = {"float32": "f", "float64": ""}
    #: text before every kernel (includes, helpers)
    header = ""
    #: how the flat index runs over 0..n-1; {i} and {n} are filled in
    loop_header = "for ({index} {i} = 0; {i} < {n}; ++{i}) {{"

    # -- questions ---------------------------------------------------------------------
    def can_render(self, kernel: Kernel) -> tuple[bool, str]:
        """(True, '') when this dialect can render the kernel, else (False, why)."""
        try:
            for a in kernel.inputs + kernel.outputs:
                self.ctype(a.dtype)
            for st in kernel.steps:
                self._expr(kernel, st, ["a"] * len(st.args))
            if kernel.reduction is not None:
                raise RenderError("trailing reductions are not rendered yet")
        except RenderError as e:
            return False, str(e)
        return True, ""

    def ctype(self, dtype: str) -> str:
        t = self.type_map.get(dtype)
        if t is None:
            raise RenderError(f"{self.dialect} has no type for {dtype}")
        return t

    # -- rendering -------------------------------------------------------------------------
    def render(self, kernel: Kernel, name: str | None = None) -> str:
        """The source of one function computing `kernel` (see the module doc for its
        arguments)."""
        ok, why = self.can_render(kernel)
        if not ok:
            raise RenderError(f"cannot render {kernel} in {self.dialect}: {why}")
        name = name or kernel.name
        nd = kernel.ndim
        idx = self.index_type
        pq = f"{self.pointer_qualifier} " if self.pointer_qualifier else ""
        params = [f"{idx} n", *self.vector_param("shape", nd), "int contiguous"]
        for k, _ in enumerate(kernel.inputs):
            params += [f"{pq}const char* in{k}", *self.vector_param(f"in{k}_strides", nd)]
        for k, _ in enumerate(kernel.outputs):
            params += [f"{pq}char* out{k}", *self.vector_param(f"out{k}_strides", nd)]
        body_fast = self._element(kernel, flat=True)
        body_strided = self._element(kernel, flat=False)
        decomp = []
        offs = [f"o_in{k}" for k in range(len(kernel.inputs))] + \
               [f"o_out{k}" for k in range(len(kernel.outputs))]
        decomp.append(" ".join(f"{idx} {o} = 0;" for o in offs))  # 0-d arrays: offset 0
        if nd:
            decomp.append(f"{idx} rem = i;")
            for d in reversed(range(nd)):
                sd = self.vector_item("shape", d)
                decomp.append(f"{{ {idx} j = rem % {sd}; rem /= {sd};")
                for k, a in enumerate(kernel.inputs):
                    if not a.broadcastable[d]:
                        decomp.append(f"  o_in{k} += j * {self.vector_item(f'in{k}_strides', d)};")
                for k, a in enumerate(kernel.outputs):
                    decomp.append(f"  o_out{k} += j * {self.vector_item(f'out{k}_strides', d)};")
                decomp.append("}")
        loop = self.loop_header.format(index=idx, i="i", n="n")
        lines = [self.kernel_signature(name, params) + " {",
                 "  if (contiguous) {",
                 "    " + loop]
        lines += ["      " + ln for ln in body_fast]
        lines += ["    }", "  } else {", "    " + loop]
        lines += ["      " + ln for ln in decomp + body_strided]
        lines += ["    }", "  }", "}"]
        return self.header + self._helpers(kernel) + "\n".join(lines) + "\n"

    def vector_param(self, name: str, length: int) -> list[str]:
        """The parameters that pass a vector of `length` indices (the shape, an array's
        strides): a pointer here; a GPU dialect passes them by value, one scalar each, as its
        kernels cannot read host memory and a device copy per launch would cost a transfer."""
        return [f"const {self.index_type}* {name}"]

    def vector_item(self, name: str, d: int) -> str:
        """Entry `d` of a vector passed by `vector_param`."""
        return f"{name}[{d}]"

    def kernel_signature(self, name: str, params: Sequence[str]) -> str:
        q = f"{self.function_qualifier} " if self.function_qualifier else ""
        return f"{q}void {name}({', '.join(params)})"

    def _element(self, kernel: Kernel, flat: bool) -> list[str]:
        """Statements computing one element: load inputs, run the scalar program, store."""
        lines = []
        pq = f"{self.pointer_qualifier} " if self.pointer_qualifier else ""
        refs: dict[tuple, str] = {}
        for k, a in enumerate(kernel.inputs):
            t = self.ctype(a.dtype)
            if all(a.broadcastable):
                where = f"*(const {pq}{t}*)in{k}"
            elif flat:
                where = f"((const {pq}{t}*)in{k})[i]"
            else:
                where = f"*(const {pq}{t}*)(in{k} + o_in{k})"
            lines.append(f"const {t} x{k} = {where};")
            refs[("in", k)] = f"x{k}"
        for st in kernel.steps:
            args = [self._ref(r, refs) for r in st.args]
            expr = self._expr(kernel, st, args)
            t = self.ctype(st.out_dtypes[0])
            lines.append(f"const {t} t{st.outputs[0]} = {expr};")
            refs[("tmp", st.outputs[0])] = f"t{st.outputs[0]}"
        for k, (r, a) in enumerate(zip(kernel.result_refs, kernel.outputs)):
            t = self.ctype(a.dtype)
            val = f"({t})({self._ref(r, refs)})"
            where = f"((({pq}{t}*)out{k})[i])" if flat else f"(*({pq}{t}*)(out{k} + o_out{k}))"
            lines.append(f"{where} = {val};")
        return lines

    def _ref(self, r: tuple, refs: dict) -> str:
        if r[0] == "const":
            return self.literal(r[1], r[2])
        return refs[r]

    def literal(self, value: Any, dtype: str) -> str:
        t = self.ctype(dtype)
        v = np.asarray(value, dtype=dtype)[()]
        if dtype == "bool":
            return "true" if v else "false"
        if dtype in _FLOAT:
            if np.isnan(v):
                return f"(({t})NAN)"
            if np.isinf(v):
                return f"(({t})({'-' if v < 0 else ''}INFINITY))"
            return f"(({t}){float(v).hex()})" if dtype == "float64" else f"(({t}){float(v)!r})"
        return f"(({t}){int(v)}{'ULL' if dtype == 'uint64' else 'LL'})"

    # -- the expression table ----------------------------------------------------------------
    def math(self, fname: str, dtype: str) -> str:
        if dtype not in self.math_suffix:
            raise RenderError(f"{self.dialect} has no {fname} for {dtype}")
        return fname + self.math_suffix[dtype]

    def _expr(self, kernel: Kernel, st: Step, args: list[str]) -> str:
        """The expression computing one step, with NumPy's dtype rules: operands are
        converted to the dtype NumPy computes in before the operation."""
        name = st.op.name
        odt = st.out_dtypes[0]
        in_dts = [kernel.arg_dtype(r) for r in st.args]
        t = self.ctype(odt)
        if len(st.out_dtypes) != 1:
            raise RenderError(f"scalar op {name} has several outputs")
        if any(d in scal.complex_dtypes or d == "float16" for d in in_dts + [odt]):
            raise RenderError(f"{self.dialect} renders no complex or float16 arithmetic")
        c = [f"({t})({a})" for a in args]  # operands in the output dtype
        is_f = odt in _FLOAT
        if isinstance(st.op, scal.Cast):
            return f"(({args[0]}) != 0)" if odt == "bool" else f"({t})({args[0]})"
        if name in ("add", "mul"):
            return "(" + (" + " if name == "add" else " * ").join(c) + ")" if odt != "bool" else \
                "(" + (" || " if name == "add" else " && ").join(args) + ")"
        if name == "sub":
            return f"({c[0]} - {c[1]})"
        if name == "true_div" and is_f:
            return f"({c[0]} / {c[1]})"
        if name == "neg":
            return f"(-{c[0]})"
        if name in ("int_div", "mod") and odt in _INT:
            return f"theano_{name}_{odt}({c[0]}, {c[1]})"
        if name == "mod" and is_f:
            return f"theano_fmod_{odt}({c[0]}, {c[1]})"
        if name == "gammaln" and is_f:  # SciPy says gammaln(-inf) = -inf; C's lgamma says +inf
            return f"theano_gammaln_{odt}({c[0]})"
        if name in _MATH and is_f:
            return f"{self.math(_MATH[name], odt)}({c[0]})"
        if name in _MATH2 and is_f:
            return f"{self.math(_MATH2[name], odt)}({c[0]}, {c[1]})"
        if name == "abs":
            if is_f:
                return f"{self.math('fabs', odt)}({c[0]})"
            if odt in scal.uint_dtypes or odt == "bool":
                return c[0]
            return f"({t})({c[0]} < 0 ? -{c[0]} : {c[0]})"
        if name == "sgn" and odt != "bool":
            return f"({t})({c[0]} > 0 ? 1 : ({c[0]} < 0 ? -1 : {c[0]}))"
        if name == "minimum":
            return f"(({c[0]} != {c[0]} || {c[0]} < {c[1]}) ? {c[0]} : {c[1]})"
        if name == "maximum":
            return f"(({c[0]} != {c[0]} || {c[0]} > {c[1]}) ? {c[0]} : {c[1]})"
        if name == "clip":
            lo = f"(({c[0]} != {c[0]} || {c[0]} > {c[1]}) ? {c[0]} : {c[1]})"
            return f"(({lo} != {lo} || {lo} < {c[2]}) ? {lo} : {c[2]})"
        if name == "sqr":
            return f"({c[0]} * {c[0]})"
        if name == "inv" and is_f:
            return f"(({t})1 / {c[0]})"
        if name == "identity":
            return c[0]
        if name == "second":
            return c[1]
        if name in ("lt", "gt", "le", "ge", "eq", "neq"):
            ct = self.ctype(scal.upcast(*in_dts))
            op = {"lt": "<", "gt": ">", "le": "<=", "ge": ">=", "eq": "==", "neq": "!="}[name]
            return f"(({ct})({args[0]}) {op} ({ct})({args[1]}))"
        if name in ("and", "or", "xor") and not is_f:
            op = {"and": "&", "or": "|", "xor": "^"}[name]
            return f"({t})({c[0]} {op} {c[1]})"
        if name == "invert" and not is_f:
            return f"(!{args[0]})" if odt == "bool" else f"({t})(~{c[0]})"
        if name == "isnan":
            return f"({args[0]} != {args[0]})" if in_dts[0] in _FLOAT else "false"
        if name == "isinf":
            return f"(isinf({args[0]}) != 0)" if in_dts[0] in _FLOAT else "false"
        if name == "switch":
            return f"(({args[0]}) ? {c[1]} : {c[2]})"
        if name == "deg2rad" and is_f:
            return f"({c[0]} * ({t})(M_PI / 180.0))"
        if name == "rad2deg" and is_f:
            return f"({c[0]} * ({t})(180.0 / M_PI))"
        if name == "sigmoid" and is_f:
            return f"theano_sigmoid_{odt}({c[0]})"
        if name == "softplus" and is_f:
            return f"theano_softplus_{odt}({c[0]})"
        raise RenderError(f"{self.dialect} cannot render scalar op {name} on {in_dts} -> {odt}")

    # -- helpers used by the expressions -----------------------------------------------------
    def _helpers(self, kernel: Kernel) -> str:
        """Helper functions the kernel's expressions call, each once."""
        out = []
        emitted: set = set()
        fq = self.helper_qualifier
        for st in kernel.steps:
            odt = st.out_dtypes[0]
            key = (st.op.name, odt)
            if key in emitted:
                continue
            emitted.add(key)
            t = self.type_map.get(odt, "")
            if st.op.name == "int_div" and odt in _INT:
                # b == -1 is special only for signed types (INT_MIN / -1 overflows in C).
                minus1 = f"  if (b == ({t})-1) return ({t})(0 - a);\n" if odt in scal.int_dtypes else ""
                out.append(f"{fq} {t} theano_int_div_{odt}({t} a, {t} b) {{\n"
                           f"  if (b == 0) return 0;\n" + minus1 +
                           f"  {t} q = a / b;\n"
                           f"  if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;\n"
                           f"  return q;\n}}\n")
            elif st.op.name == "mod" and odt in _INT:
                zero = "b == 0 || b == ({t})-1".format(t=t) if odt in scal.int_dtypes else "b == 0"
                out.append(f"{fq} {t} theano_mod_{odt}({t} a, {t} b) {{\n"
                           f"  if ({zero}) return 0;\n"
                           f"  {t} r = a % b;\n"
                           f"  if (r != 0 && ((r < 0) != (b < 0))) r += b;\n"
                           f"  return r;\n}}\n")
            elif st.op.name == "mod" and odt in _FLOAT:
                fm, cs = self.math("fmod", odt), self.math("copysign", odt)
                out.append(f"{fq} {t} theano_fmod_{odt}({t} a, {t} b) {{\n"
                           f"  {t} r = {fm}(a, b);\n"
                           f"  if (r != 0) {{ if ((b < 0) != (r < 0)) r += b; }}\n"
                           f"  else r = {cs}(({t})0, b);\n"
                           f"  return r;\n}}\n")
            elif st.op.name == "gammaln" and odt in _FLOAT:
                lg = self.math("lgamma", odt)
                # SciPy's cephes (the reference) also gives +inf on float64 subnormals.
                sub = ("  if (x != 0 && x > -2.2250738585072014e-308 && x < 2.2250738585072014e-308) "
                       f"return ({t})INFINITY;\n") if odt == "float64" else ""
                out.append(f"{fq} {t} theano_gammaln_{odt}({t} x) {{\n" + sub +
                           f"  return (isinf(x) && x < 0) ? x : {lg}(x);\n}}\n")
            elif st.op.name == "sigmoid" and odt in _FLOAT:
                e = self.math("exp", odt)
                out.append(f"{fq} {t} theano_sigmoid_{odt}({t} x) {{\n"
                           f"  if (x >= 0) return ({t})1 / (({t})1 + {e}(-x));\n"
                           f"  {t} z = {e}(x);\n"
                           f"  return z / (({t})1 + z);\n}}\n")
            elif st.op.name == "softplus" and odt in _FLOAT:
                e, l1 = self.math("exp", odt), self.math("log1p", odt)
                fa = self.math("fabs", odt)
                out.append(f"{fq} {t} theano_softplus_{odt}({t} x) {{\n"
                           f"  if (x != x) return x;\n"
                           f"  return (x > 0 ? x : ({t})0) + {l1}({e}(-{fa}(x)));\n}}\n")
        return "".join(out)

    #: qualifiers of helper functions (C: static inline; CUDA: __device__ inline)
    helper_qualifier = "static inline"


def output_shape(kernel: Kernel, arrays: Sequence[np.ndarray]) -> tuple[int, ...]:
    """The loop's shape: per axis, the length of a non-broadcast input (1 if none)."""
    shape = []
    for d in range(kernel.ndim):
        n = 1
        for a, arr in zip(kernel.inputs, arrays):
            if not a.broadcastable[d]:
                n = arr.shape[d]
                break
        shape.append(n)
    return tuple(shape)


def launch_arguments(kernel: Kernel, inputs: Sequence[np.ndarray], outputs: Sequence[np.ndarray]
                     ) -> dict[str, Any]:
    """What the rendered function needs for these NumPy arrays: n, the shape, the
    contiguous flag, and per array its byte strides (0 on broadcast axes)."""
    shape = output_shape(kernel, inputs)
    n = int(np.prod(shape, dtype=np.int64)) if shape else 1
    contiguous = True
    in_strides = []
    for a, arr in zip(kernel.inputs, inputs):
        st = [0 if b else s for b, s in zip(a.broadcastable, arr.strides)]
        in_strides.append(np.asarray(st or [0], dtype=np.int64))
        if not all(a.broadcastable) and not (arr.flags.c_contiguous and arr.shape == shape):
            contiguous = False
    out_strides = []
    for arr in outputs:
        out_strides.append(np.asarray(list(arr.strides) or [0], dtype=np.int64))
        if not (arr.flags.c_contiguous and arr.shape == shape):
            contiguous = False
    return {"n": n, "shape": np.asarray(list(shape) or [1], dtype=np.int64),
            "contiguous": int(contiguous), "in_strides": in_strides, "out_strides": out_strides}
