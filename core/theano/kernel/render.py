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
    def check(self, kernel: Kernel) -> None:
        """Raise RenderError, saying why, when this dialect cannot render the kernel (a
        lowering lets it propagate: the lowering table makes it a visible fallback)."""
        for a in kernel.inputs + kernel.outputs:
            self.ctype(a.dtype)
        for st in kernel.steps:
            self._expr(kernel, st, ["a"] * len(st.args))
        if kernel.reduction is not None:
            self._check_reduction(kernel)

    def can_render(self, kernel: Kernel) -> tuple[bool, str]:
        """(True, '') when this dialect can render the kernel, else (False, why)."""
        try:
            self.check(kernel)
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
        if kernel.reduction is not None:
            return self.header + self._helpers(kernel) + self.render_reduction(kernel, name)
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
        lines = [self.kernel_signature(name, params) + " {"]
        lines += ["  " + ln for ln in self.prologue(kernel)]
        lines += ["  if (contiguous) {",
                 "    " + loop]
        lines += ["      " + ln for ln in body_fast]
        if self.row_loops and nd:
            lines += ["    }", "  } else {"] + ["    " + ln for ln in self._row_loops(kernel, body_strided)]
            lines += ["  }", "}"]
        else:
            lines += ["    }", "  } else {", "    " + loop]
            lines += ["      " + ln for ln in decomp + body_strided]
            lines += ["    }", "  }", "}"]
        return self.header + self._helpers(kernel) + "\n".join(lines) + "\n"

    #: reductions over at least this many contiguous elements use a SIMD (reassociated) sum
    #: or product; None keeps every reduction sequential
    simd_reduction_min: int | None = None

    #: strided arrays run as rows (an index decomposition per row, then a plain loop along
    #: the last axis that the compiler can vectorize); a GPU dialect keeps one index per thread
    row_loops = False

    def _row_loops(self, kernel: Kernel, body: list[str]) -> list[str]:
        """The general (strided, broadcast) path as rows along the last axis."""
        nd, idx = kernel.ndim, self.index_type
        last = nd - 1
        arrays = [(f"in{k}", a.broadcastable[last], a.broadcastable) for k, a in enumerate(kernel.inputs)]
        arrays += [(f"out{k}", False, (False,) * nd) for k in range(len(kernel.outputs))]
        inner = self.vector_item("shape", last)
        out = [f"const {idx} inner = {inner};", f"const {idx} rows = inner ? n / inner : 0;",
               self.loop_header.format(index=idx, i="r", n="rows")]
        out.append("  " + " ".join(f"{idx} b_{a} = 0;" for a, _, _ in arrays) + f" {idx} rem = r;")
        for d in reversed(range(last)):
            sd = self.vector_item("shape", d)
            out.append(f"  {{ {idx} q = rem % {sd}; rem /= {sd};")
            for a, _, bc in arrays:
                if not bc[d]:
                    out.append(f"    b_{a} += q * {self.vector_item(f'{a}_strides', d)};")
            out.append("  }")
        for a, bc_last, _ in arrays:
            out.append(f"  const {idx} s_{a} = {'0' if bc_last else self.vector_item(f'{a}_strides', last)};")
        # Rows whose arrays all have unit stride along them index like plain C arrays, which
        # the compiler vectorizes; other rows step by byte strides.
        sizes = [np.dtype(a.dtype).itemsize for a in kernel.inputs] + \
                [np.dtype(a.dtype).itemsize for a in kernel.outputs]
        unit = [f"s_{a} == {size}" for (a, bc, _), size in zip(arrays, sizes) if not bc]
        out.append(f"  if ({' && '.join(unit) or '1'}) {{")
        out.append(f"    for ({idx} j = 0; j < inner; ++j) {{")
        out += ["      " + ln for ln in self._element(kernel, flat="row")]
        out += ["    }", "  } else {"]
        out.append(f"    for ({idx} j = 0; j < inner; ++j) {{")
        out += ["      " + " ".join(f"const {idx} o_{a} = b_{a} + j * s_{a};" for a, _, _ in arrays)]
        out += ["      " + ln for ln in body]
        out += ["    }", "  }", "}"]
        return out

    # -- trailing reductions ---------------------------------------------------------------
    # A kernel with a reduction takes the same arguments as an elementwise one, read
    # differently: `n` counts the *output* elements (the kept axes), `shape` is the whole
    # loop's shape, and the output's strides have one entry per loop axis, 0 on the reduced
    # ones (launch_arguments computes them). `contiguous` promises C-contiguous arrays; the
    # fast path uses it only when the reduced axes are the trailing ones.
    _REDUCE_OPS = ("add", "mul", "maximum", "minimum")

    def _check_reduction(self, kernel: Kernel) -> None:
        red = kernel.reduction
        if red.scalar_op.name not in self._REDUCE_OPS:
            raise RenderError(f"{self.dialect} renders no {red.scalar_op.name} reduction")
        if len(kernel.outputs) != 1:
            raise RenderError("a kernel with a reduction has exactly one output")
        for d in (red.acc_dtype, red.out_dtype):
            if d in scal.complex_dtypes or d == "float16":
                raise RenderError(f"{self.dialect} renders no complex or float16 arithmetic")
            self.ctype(d)

    def reduction_identity(self, kernel: Kernel) -> str:
        """The accumulator's start value: 0 for add, 1 for mul, the dtype's lowest (highest)
        value for maximum (minimum), so an empty reduction yields the identity."""
        red = kernel.reduction
        acc = red.acc_dtype
        name = red.scalar_op.name
        if name in ("add", "mul"):
            return self.literal(0 if name == "add" else 1, acc)
        low = name == "maximum"
        if acc == "bool":
            return self.literal(not low, acc)
        if acc in _FLOAT:
            return self.literal(-np.inf if low else np.inf, acc)
        info = np.iinfo(acc)
        return self.literal(info.min if low else info.max, acc)

    def reduction_combine(self, kernel: Kernel, acc: str, value: str) -> str:
        """The expression folding `value` (already in the accumulator's type) into `acc`;
        maximum and minimum propagate NaN as NumPy does."""
        name = kernel.reduction.scalar_op.name
        t = self.ctype(kernel.reduction.acc_dtype)
        if name == "add":
            return f"({t})({acc} + {value})" if kernel.reduction.acc_dtype != "bool" else f"({acc} || {value})"
        if name == "mul":
            return f"({t})({acc} * {value})" if kernel.reduction.acc_dtype != "bool" else f"({acc} && {value})"
        cmp = ">" if name == "maximum" else "<"
        return f"(({acc} != {acc} || {acc} {cmp} {value}) ? {acc} : {value})"

    def _reduction_value(self, kernel: Kernel, load: Any) -> list[str]:
        """Statements computing the loop's element value `v` (in the accumulator's type) for
        one point; load(k, t) is the expression reading input k (of C type t)."""
        lines = []
        refs: dict[tuple, str] = {}
        for k, a in enumerate(kernel.inputs):
            t = self.ctype(a.dtype)
            lines.append(f"const {t} x{k} = {load(k, t)};")
            refs[("in", k)] = f"x{k}"
        lines += self._program(kernel, refs)
        elem_t = self.ctype(kernel.outputs[0].dtype)
        acc_t = self.ctype(kernel.reduction.acc_dtype)
        # First the elementwise output's dtype (as the unfused graph stores it), then the
        # accumulator's (as NumPy's reduce with dtype=acc converts each element).
        lines.append(f"const {acc_t} v = ({acc_t})(({elem_t})({self._ref(kernel.result_refs[0], refs)}));")
        return lines

    def _offsets(self, kernel: Kernel, axes: Sequence[int], counter: str, prefix: str,
                 base: str | None, with_output: bool) -> list[str]:
        """Statements decomposing `counter` over `axes` (last fastest) into byte offsets
        {prefix}_in{k} (and {prefix}_out0), starting from {base}_in{k} or 0."""
        idx = self.index_type
        lines = []
        for k in range(len(kernel.inputs)):
            lines.append(f"{idx} {prefix}_in{k} = {base + '_in' + str(k) if base else '0'};")
        if with_output:
            lines.append(f"{idx} {prefix}_out0 = 0;")
        if axes:
            lines.append(f"{idx} {prefix}_rem = {counter};")
        for d in reversed(axes):
            sd = self.vector_item("shape", d)
            lines.append(f"{{ {idx} j = {prefix}_rem % {sd}; {prefix}_rem /= {sd};")
            for k, a in enumerate(kernel.inputs):
                if not a.broadcastable[d]:
                    lines.append(f"  {prefix}_in{k} += j * {self.vector_item(f'in{k}_strides', d)};")
            if with_output:
                lines.append(f"  {prefix}_out0 += j * {self.vector_item('out0_strides', d)};")
            lines.append("}")
        return lines

    def render_reduction(self, kernel: Kernel, name: str) -> str:
        """The function for a kernel with a trailing reduction. This serial strategy runs
        the dialect's loop header over the output elements (kept axes) and, inside, a plain
        loop over the reduced axes accumulating in acc_dtype: correct on every dialect (one
        work-item per output on a GPU); a GPU dialect overrides this method alone to reduce
        cooperatively within a work-group."""
        red = kernel.reduction
        nd = kernel.ndim
        idx = self.index_type
        pq = f"{self.pointer_qualifier} " if self.pointer_qualifier else ""
        kept = [d for d in range(nd) if d not in red.axes]
        reduced = list(red.axes)
        params = [f"{idx} n", *self.vector_param("shape", nd), "int contiguous"]
        for k, _ in enumerate(kernel.inputs):
            params += [f"{pq}const char* in{k}", *self.vector_param(f"in{k}_strides", nd)]
        params += [f"{pq}char* out0", *self.vector_param("out0_strides", nd)]
        acc_t = self.ctype(red.acc_dtype)
        out_t = self.ctype(red.out_dtype)
        m = " * ".join([f"({idx}){self.vector_item('shape', d)}" for d in reduced]) or "1"
        loop = self.loop_header.format(index=idx, i="i", n="n")
        combine = self.reduction_combine(kernel, "acc", "v")
        ident = self.reduction_identity(kernel)

        def inner(load: Any, pre: list[str], simd: bool = False) -> list[str]:
            loop_body = ["  " + ln for ln in pre + self._reduction_value(kernel, load)]
            loop_body += [f"  acc = {combine};", "}"]
            head = f"for ({idx} r = 0; r < m; ++r) {{"
            op = {"add": "+", "mul": "*"}.get(red.scalar_op.name)
            if not (simd and op and self.simd_reduction_min and red.acc_dtype in _FLOAT):
                return [f"{acc_t} acc = {ident};", head] + loop_body
            # Long sums vectorize (a reassociated order, as NumPy's pairwise sum also is);
            # short ones keep the sequential order, the one NumPy uses below 8 elements.
            return ([f"{acc_t} acc = {ident};", f"if (m >= {self.simd_reduction_min}) {{",
                     f"  _Pragma(\"omp simd reduction({op}:acc)\")", "  " + head]
                    + ["  " + ln for ln in loop_body] + ["} else {", "  " + head]
                    + ["  " + ln for ln in loop_body] + ["}"])

        def bcast_or(k: int, t: str, where: str) -> str:
            if all(kernel.inputs[k].broadcastable):
                return f"*(const {pq}{t}*)in{k}"
            return where

        strided = self._offsets(kernel, kept, "i", "o", None, True)
        strided += inner(lambda k, t: bcast_or(k, t, f"*(const {pq}{t}*)(in{k} + p_in{k})"),
                         self._offsets(kernel, reduced, "r", "p", "o", False))
        strided.append(f"*({pq}{out_t}*)(out0 + o_out0) = ({out_t})acc;")
        lines = [self.kernel_signature(name, params) + " {"]
        lines += ["  " + ln for ln in self.prologue(kernel)]
        lines.append(f"  const {idx} m = {m};")
        if reduced == list(range(nd - len(reduced), nd)):
            fast = inner(lambda k, t: bcast_or(k, t, f"((const {pq}{t}*)in{k})[i * m + r]"), [], simd=True)
            fast.append(f"(({pq}{out_t}*)out0)[i] = ({out_t})acc;")
            lines += ["  if (contiguous) {", "    " + loop]
            lines += ["      " + ln for ln in fast]
            lines += ["    }", "  } else {", "    " + loop]
            lines += ["      " + ln for ln in strided]
            lines += ["    }", "  }", "}"]
        else:
            lines += ["  " + loop]
            lines += ["    " + ln for ln in strided]
            lines += ["  }", "}"]
        return "\n".join(lines) + "\n"

    def vector_param(self, name: str, length: int) -> list[str]:
        """The parameters that pass a vector of `length` indices (the shape, an array's
        strides): a pointer here; a GPU dialect passes them by value, one scalar each, as its
        kernels cannot read host memory and a device copy per launch would cost a transfer."""
        return [f"const {self.index_type}* {name}"]

    def prologue(self, kernel: Kernel) -> list[str]:
        """Statements at the top of the function body, before the loop (OpenCL: move each
        array pointer by its byte offset, as a buffer handle cannot carry one)."""
        return []

    def vector_item(self, name: str, d: int) -> str:
        """Entry `d` of a vector passed by `vector_param`."""
        return f"{name}[{d}]"

    def kernel_signature(self, name: str, params: Sequence[str]) -> str:
        q = f"{self.function_qualifier} " if self.function_qualifier else ""
        return f"{q}void {name}({', '.join(params)})"

    def _element(self, kernel: Kernel, flat: bool | str) -> list[str]:
        """Statements computing one element: load inputs, run the scalar program, store.
        flat: True indexes every array by `i`; False reads byte offsets o_<array>; "row"
        indexes by `j` from the row's base offsets b_<array>."""
        lines = []
        pq = f"{self.pointer_qualifier} " if self.pointer_qualifier else ""
        refs: dict[tuple, str] = {}
        for k, a in enumerate(kernel.inputs):
            t = self.ctype(a.dtype)
            if all(a.broadcastable):
                where = f"*(const {pq}{t}*)in{k}"
            elif flat == "row":  # along a row with unit stride (or constant along it)
                where = (f"*(const {pq}{t}*)(in{k} + b_in{k})" if a.broadcastable[-1]
                         else f"((const {pq}{t}*)(in{k} + b_in{k}))[j]")
            elif flat:
                where = f"((const {pq}{t}*)in{k})[i]"
            else:
                where = f"*(const {pq}{t}*)(in{k} + o_in{k})"
            lines.append(f"const {t} x{k} = {where};")
            refs[("in", k)] = f"x{k}"
        lines += self._program(kernel, refs)
        for k, (r, a) in enumerate(zip(kernel.result_refs, kernel.outputs)):
            t = self.ctype(a.dtype)
            val = f"({t})({self._ref(r, refs)})"
            if flat == "row":
                where = f"((({pq}{t}*)(out{k} + b_out{k}))[j])"
            else:
                where = f"((({pq}{t}*)out{k})[i])" if flat else f"(*({pq}{t}*)(out{k} + o_out{k}))"
            lines.append(f"{where} = {val};")
        return lines

    def _program(self, kernel: Kernel, refs: dict) -> list[str]:
        """One statement per scalar step, each result a named temporary (refs is filled in)."""
        lines = []
        for st in kernel.steps:
            expr = self._expr(kernel, st, [self._ref(r, refs) for r in st.args])
            lines.append(f"const {self.ctype(st.out_dtypes[0])} t{st.outputs[0]} = {expr};")
            refs[("tmp", st.outputs[0])] = f"t{st.outputs[0]}"
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
        if name == "pow" and is_f and self._scalar_operand(kernel, st.args[1]):
            # NumPy's power takes its sqrt path for a scalar exponent of 0.5 (-0.0 -> -0.0,
            # -inf -> nan); the reference is NumPy, so render the same.
            sq, pw = self.math("sqrt", odt), self.math("pow", odt)
            if st.args[1][0] == "const":
                return f"{sq}({c[0]})" if float(st.args[1][1]) == 0.5 else f"{pw}({c[0]}, {c[1]})"
            return f"({c[1]} == ({t})0.5 ? {sq}({c[0]}) : {pw}({c[0]}, {c[1]}))"
        if name in _MATH2 and is_f:
            return f"{self.math(_MATH2[name], odt)}({c[0]}, {c[1]})"
        if name == "abs":
            if is_f:
                return f"{self.math('fabs', odt)}({c[0]})"
            if odt in scal.uint_dtypes or odt == "bool":
                return c[0]
            return f"({t})({c[0]} < 0 ? -{c[0]} : {c[0]})"
        if name == "sgn" and odt != "bool":  # sign(-0.0) is +0.0 in NumPy; NaN stays NaN
            return f"({t})({c[0]} > 0 ? 1 : ({c[0]} < 0 ? -1 : ({c[0]} == 0 ? 0 : {c[0]})))"
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

    @staticmethod
    def _scalar_operand(kernel: Kernel, ref: tuple) -> bool:
        """Whether an operand is one value for the whole loop (a literal or a broadcast
        input), which NumPy treats as a scalar."""
        return ref[0] == "const" or (ref[0] == "in" and all(kernel.inputs[ref[1]].broadcastable))

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
    if kernel.reduction is not None:
        return _reduction_launch_arguments(kernel, shape, inputs, outputs)
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


def _reduction_launch_arguments(kernel: Kernel, shape: tuple, inputs: Sequence[np.ndarray],
                                outputs: Sequence[np.ndarray]) -> dict[str, Any]:
    """launch_arguments of a kernel with a trailing reduction: n counts output elements, the
    output's strides get one entry per loop axis (0 on reduced axes)."""
    axes = kernel.reduction.axes
    kept_shape = tuple(s for d, s in enumerate(shape) if d not in axes)
    n = int(np.prod(kept_shape, dtype=np.int64)) if kept_shape else 1
    contiguous = True
    in_strides = []
    for a, arr in zip(kernel.inputs, inputs):
        st = [0 if b else s for b, s in zip(a.broadcastable, arr.strides)]
        in_strides.append(np.asarray(st or [0], dtype=np.int64))
        if not all(a.broadcastable) and not (arr.flags.c_contiguous and arr.shape == shape):
            contiguous = False
    out = outputs[0]
    if not (out.flags.c_contiguous and out.shape == kept_shape):
        contiguous = False
    it = iter(out.strides)
    ost = [0 if d in axes else next(it) for d in range(len(shape))]
    return {"n": n, "shape": np.asarray(list(shape) or [1], dtype=np.int64),
            "contiguous": int(contiguous), "in_strides": in_strides,
            "out_strides": [np.asarray(ost or [0], dtype=np.int64)]}
