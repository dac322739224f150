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

`render(kernel, name, path=...)` can also write one path alone, with the same arguments (the
flag then goes unread): a dialect whose compiler generates each kernel's code when it is
first launched (PoCL) compiles the two paths as two kernels, so that a launch pays only for
the path it takes (see ELEMENTWISE_PATHS).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..graph.basic import Constant, Variable, io_toposort
from ..scalar import basic as scal
from .expansions import expansion
from .ir import Kernel, Step

__all__ = ["CFamilyRenderer", "ELEMENTWISE_PATHS", "Operands", "RenderError", "launch_arguments",
           "output_shape"]

#: what `CFamilyRenderer.render`'s `path` may ask for: both paths behind the run-time flag
#: (None), only the contiguous one, only the general (strided, broadcast) one
ELEMENTWISE_PATHS = (None, "contiguous", "strided")


class RenderError(ValueError):
    """The kernel uses something this dialect cannot express."""


_FLOAT = ("float32", "float64")
_INT = scal.int_dtypes + scal.uint_dtypes

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

    def checked(self, kernel: Kernel | None) -> Kernel | None:
        """`kernel` itself once `check` passed (None passes through: no kernel for this
        node); what a lowering writes as ``kernel = renderer.checked(elemwise_kernel(node))``."""
        if kernel is not None:
            self.check(kernel)
        return kernel

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
    def render(self, kernel: Kernel, name: str | None = None, path: str | None = None) -> str:
        """The source of one function computing `kernel` (see the module doc for its
        arguments). `path` (one of ELEMENTWISE_PATHS, elementwise kernels only): None writes
        both paths, chosen by the `contiguous` argument; "contiguous" or "strided" writes that
        path alone, which must then only be launched with arrays it serves."""
        if path not in ELEMENTWISE_PATHS:
            raise ValueError(f"render: path must be one of {ELEMENTWISE_PATHS}, not {path!r}")
        ok, why = self.can_render(kernel)
        if not ok:
            raise RenderError(f"cannot render {kernel} in {self.dialect}: {why}")
        name = name or kernel.name
        if kernel.reduction is not None:
            if path is not None:
                raise ValueError(f"render: a reduction kernel has no separate paths ({kernel})")
            return self.header + self._helpers(kernel) + self.render_reduction(kernel, name)
        nd = kernel.ndim
        idx = self.index_type
        pq = f"{self.pointer_qualifier} " if self.pointer_qualifier else ""
        params = [f"{idx} n", *self.vector_param("shape", nd), "int contiguous"]
        for k, _ in enumerate(kernel.inputs):
            params += [f"{pq}const char* in{k}", *self.vector_param(f"in{k}_strides", nd)]
        for k, _ in enumerate(kernel.outputs):
            params += [f"{pq}char* out{k}", *self.vector_param(f"out{k}_strides", nd)]
        loop = self.loop_header.format(index=idx, i="i", n="n")
        # only the path asked for is built (OpenCL asks for each alone)
        fast = [loop] + ["  " + ln for ln in self._element(kernel, flat=True)] + ["}"] \
            if path != "strided" else []
        general = self._general_path(kernel, loop) if path != "contiguous" else []
        if path is None:
            body = (["if (contiguous) {"] + ["  " + ln for ln in fast] + ["} else {"]
                    + ["  " + ln for ln in general] + ["}"])
        else:
            body = fast if path == "contiguous" else general
        lines = [self.kernel_signature(name, params) + " {"]
        lines += ["  " + ln for ln in self.prologue(kernel) + body]
        lines.append("}")
        return self.header + self._helpers(kernel) + "\n".join(lines) + "\n"

    def _general_path(self, kernel: Kernel, loop: str) -> list[str]:
        """The loop over strided and broadcast arrays: rows (`row_loops`), or an index
        decomposition per element into each array's byte offset."""
        nd, idx = kernel.ndim, self.index_type
        body = self._element(kernel, flat=False)
        if self.row_loops and nd:
            return self._row_loops(kernel, body)
        offs = [f"o_in{k}" for k in range(len(kernel.inputs))] + \
               [f"o_out{k}" for k in range(len(kernel.outputs))]
        decomp = [" ".join(f"{idx} {o} = 0;" for o in offs)]  # 0-d arrays: offset 0
        if nd:
            decomp.append(f"{idx} rem = i;")
            for d in reversed(range(nd)):
                sd = self.vector_item("shape", d)
                # the outermost axis takes what remains of the index: no division there
                decomp.append(f"{{ {idx} j = rem % {sd}; rem /= {sd};" if d else f"{{ {idx} j = rem;")
                for k, a in enumerate(kernel.inputs):
                    if not a.broadcastable[d]:
                        decomp.append(f"  o_in{k} += j * {self.vector_item(f'in{k}_strides', d)};")
                for k, a in enumerate(kernel.outputs):
                    decomp.append(f"  o_out{k} += j * {self.vector_item(f'out{k}_strides', d)};")
                decomp.append("}")
        return [loop] + ["  " + ln for ln in decomp + body] + ["}"]

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
    def _check_reduction(self, kernel: Kernel) -> None:
        red = kernel.reduction
        if type(red.scalar_op) not in _FUSED_REDUCTIONS:
            raise RenderError(f"{self.dialect} renders no {red.scalar_op} reduction")
        if len(kernel.outputs) != 1:
            raise RenderError("a kernel with a reduction has exactly one output")
        for d in (red.acc_dtype, red.out_dtype):
            if d in scal.complex_dtypes or d == "float16":
                raise RenderError(f"{self.dialect} renders no complex or float16 arithmetic")
            self.ctype(d)

    # The folds every reduction renders, the fused ones here and the GPU dialects'
    # work-group reductions alike: one table, keyed by the reduction's scalar op class.
    def fold(self, op: type, acc_dtype: str, a: str, b: str) -> str:
        """The expression combining accumulator values `a` and `b` (of `acc_dtype`) by scalar
        op class `op`; maximum and minimum propagate NaN as NumPy does."""
        forms = _FOLDS.get(op)
        if forms is None:
            raise RenderError(f"{self.dialect} renders no {getattr(op, 'name', op)} reduction")
        return forms[acc_dtype == "bool"].format(a=a, b=b)

    def fold_identity(self, op: type, acc_dtype: str) -> str:
        """The accumulator's start value for scalar op class `op`: 0 for add, 1 for mul, the
        dtype's lowest (highest) value for maximum (minimum), true for and, false for or, so
        an empty reduction yields the identity."""
        if op not in _FOLDS:
            raise RenderError(f"{self.dialect} renders no {getattr(op, 'name', op)} reduction")
        if op in (scal.AND, scal.OR):
            return self.literal(op is scal.AND, "bool")
        if op in (scal.Add, scal.Mul):
            return self.literal(0 if op is scal.Add else 1, acc_dtype)
        low = op is scal.Maximum
        if acc_dtype == "bool":
            return self.literal(not low, acc_dtype)
        if acc_dtype in _FLOAT:
            return self.literal(-np.inf if low else np.inf, acc_dtype)
        info = np.iinfo(acc_dtype)
        return self.literal(info.min if low else info.max, acc_dtype)

    def reduction_identity(self, kernel: Kernel) -> str:
        """The identity of the kernel's trailing reduction (see `fold_identity`)."""
        red = kernel.reduction
        return self.fold_identity(type(red.scalar_op), red.acc_dtype)

    def reduction_combine(self, kernel: Kernel, acc: str, value: str) -> str:
        """The expression folding `value` (already in the accumulator's type) into `acc`,
        kept in the accumulator's type."""
        red = kernel.reduction
        text = self.fold(type(red.scalar_op), red.acc_dtype, acc, value)
        if type(red.scalar_op) in (scal.Add, scal.Mul) and red.acc_dtype != "bool":
            return f"({self.ctype(red.acc_dtype)}){text}"
        return text

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
            op = {scal.Add: "+", scal.Mul: "*"}.get(type(red.scalar_op))
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
        if dtype == "int64" and int(v) == -(2 ** 63):
            # -9223372036854775808LL negates a literal no long long holds
            return f"(({t})(-9223372036854775807LL - 1))"
        return f"(({t}){int(v)}{'ULL' if dtype == 'uint64' else 'LL'})"

    # -- the expression table ----------------------------------------------------------------
    #: scalar op class -> fn(renderer, operands) -> C expression, or None when the entry does
    #: not cover these dtypes (then the core's expansion of the op is tried, else RenderError).
    #: A dialect subclass lists only what it changes (an entry set to None removes one); the
    #: tables are merged along the class hierarchy when the subclass is created.
    expressions: dict[type, Callable[..., str | None]] = {}
    #: scalar op class -> fn(renderer, dtype, ctype) -> the source of the helper functions an
    #: expression of that op calls, or None when that dtype needs none; merged like expressions
    helpers: dict[type, Callable[..., str | None]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        for attr in ("expressions", "helpers"):
            merged = dict(getattr(super(cls, cls), attr))
            merged.update(cls.__dict__.get(attr, {}))
            for key in merged:
                if not (isinstance(key, type) and issubclass(key, scal.ScalarOp)):
                    raise TypeError(f"{cls.__name__}.{attr}: keys are scalar op classes, not {key!r}")
            setattr(cls, attr, {k: v for k, v in merged.items() if v is not None})

    #: prefix of every math-library function name (a vendor library: "__nv_", "sleef_" ...)
    math_prefix = ""

    def math(self, fname: str, dtype: str) -> str:
        """The dialect's name of C math function `fname` (its float64 name) for `dtype`."""
        if dtype not in self.math_suffix:
            raise RenderError(f"{self.dialect} has no {fname} for {dtype}")
        return self.math_prefix + fname + self.math_suffix[dtype]

    def _expr(self, kernel: Kernel, st: Step, args: list[str]) -> str:
        """The expression computing one step (see `expression`)."""
        if len(st.out_dtypes) != 1:
            raise RenderError(f"scalar op {st.op} has several outputs")
        in_dts = [kernel.arg_dtype(r) for r in st.args]
        return self.expression(st.op, in_dts, st.out_dtypes[0], args, kernel, st.args)

    def expression(self, op: scal.ScalarOp, in_dts: Sequence[str], odt: str, args: Sequence[str],
                   kernel: Kernel | None = None, refs: Sequence[tuple] | None = None) -> str:
        """The expression computing scalar op `op` on `args` (of dtypes `in_dts`) into `odt`,
        with NumPy's dtype rules: operands are converted to the dtype NumPy computes in
        before the operation. `refs` are the operands' kernel references (literals and
        inputs that are one value for the whole loop render some ops as NumPy does)."""
        if any(d in scal.complex_dtypes or d == "float16" for d in [*in_dts, odt]):
            raise RenderError(f"{self.dialect} renders no complex or float16 arithmetic")
        e = Operands(self, op, list(args), list(in_dts), odt, kernel, refs)
        entry = self.expression_for(op)
        if entry is not None:
            text = entry(self, e)
            if text is not None:
                return text
        defined = expansion(op)
        if defined is not None:
            return self._expanded(defined, in_dts, odt, args)
        why = "on these dtypes" if entry is not None else "(no entry in its expression table, no expansion in the core)"
        raise RenderError(f"{self.dialect} cannot render scalar op {op} on {list(in_dts)} -> {odt} {why}")

    @classmethod
    def expression_for(cls, op: scal.ScalarOp) -> Callable[..., str | None] | None:
        """The expression-table entry serving `op` (through its class's MRO), or None."""
        for k in type(op).__mro__:
            entry = cls.expressions.get(k)
            if entry is not None:
                return entry
        return None

    def _expanded(self, defined: Callable, in_dts: Sequence[str], odt: str, args: Sequence[str]) -> str:
        """The expression of an op through its definition in simpler core scalar ops."""
        xs = [scal.get_scalar_type(d)() for d in in_dts]
        out = defined(*xs)
        names: dict[Variable, str] = dict(zip(xs, args))
        for node in io_toposort(xs, [out]):
            sub = [self.literal(i.data, i.type.dtype) if isinstance(i, Constant) else names[i]
                   for i in node.inputs]
            o = node.outputs[0]
            text = self.expression(node.op, [i.type.dtype for i in node.inputs], o.type.dtype, sub)
            names[o] = f"(({self.ctype(o.type.dtype)}){text})"
        return f"(({self.ctype(odt)}){names[out]})"

    def _scalar_operand(self, kernel: Kernel | None, ref: tuple | None) -> bool:
        """Whether an operand is one value for the whole loop (a literal or a broadcast
        input), which NumPy treats as a scalar."""
        if kernel is None or ref is None:
            return False
        return ref[0] == "const" or (ref[0] == "in" and all(kernel.inputs[ref[1]].broadcastable))

    # -- helpers used by the expressions -----------------------------------------------------
    def _helpers(self, kernel: Kernel) -> str:
        """Helper functions the kernel's expressions call, each once."""
        out = []
        emitted: set = set()
        for st in kernel.steps:
            in_dts = [kernel.arg_dtype(r) for r in st.args]
            for op, odt in self._rendered_ops(st.op, in_dts, st.out_dtypes[0]):
                entry = self._helper_for(op)
                if entry is None or (type(op), odt) in emitted:
                    continue
                emitted.add((type(op), odt))
                text = entry(self, odt, self.type_map.get(odt, ""))
                if text:
                    out.append(text)
        return "".join(out)

    def _rendered_ops(self, op: scal.ScalarOp, in_dts: Sequence[str], odt: str) -> list[tuple]:
        """(op, output dtype) of every op the expression of `op` renders: itself, or the ops
        of its expansion when the dialect's table does not cover it."""
        entry = self.expression_for(op)
        if entry is not None and entry(self, Operands(self, op, ["a"] * len(in_dts), list(in_dts), odt,
                                                      None, None)) is not None:
            return [(op, odt)]
        defined = expansion(op)
        if defined is None:
            return [(op, odt)]
        xs = [scal.get_scalar_type(d)() for d in in_dts]
        found = []
        for node in io_toposort(xs, [defined(*xs)]):
            found += self._rendered_ops(node.op, [i.type.dtype for i in node.inputs],
                                        node.outputs[0].type.dtype)
        return found

    @classmethod
    def _helper_for(cls, op: scal.ScalarOp) -> Callable[..., str | None] | None:
        for k in type(op).__mro__:
            entry = cls.helpers.get(k)
            if entry is not None:
                return entry
        return None

    #: qualifiers of helper functions (C: static inline; CUDA: __device__ inline)
    helper_qualifier = "static inline"


class Operands:
    """What an expression-table entry reads: `args` (the operands' expressions), `c` (each
    converted to the output's C type `t`), `in_dts`, `odt`, `is_float` (the output is a
    float), and, for literal-sensitive entries, the kernel and the operands' references."""

    __slots__ = ("op", "args", "c", "in_dts", "odt", "t", "is_float", "kernel", "refs")

    def __init__(self, renderer: CFamilyRenderer, op: scal.ScalarOp, args: list[str], in_dts: list[str],
                 odt: str, kernel: Kernel | None, refs: Sequence[tuple] | None):
        self.op, self.args, self.in_dts, self.odt = op, args, in_dts, odt
        self.t = renderer.ctype(odt)
        self.c = [f"({self.t})({a})" for a in args]
        self.is_float = odt in _FLOAT
        self.kernel, self.refs = kernel, refs


# -- the C-family expression table ----------------------------------------------------------------
# Entries take (renderer, operands); they return None for dtypes they do not cover.

def _floats_only(fn: Callable[[CFamilyRenderer, Operands], str]) -> Callable[..., str | None]:
    return lambda r, e: fn(r, e) if e.is_float else None


def _ints_only(fn: Callable[[CFamilyRenderer, Operands], str]) -> Callable[..., str | None]:
    return lambda r, e: fn(r, e) if e.odt in _INT else None


def _math1(fname: str) -> Callable[..., str | None]:
    return _floats_only(lambda r, e: f"{r.math(fname, e.odt)}({e.c[0]})")


def _math2(fname: str) -> Callable[..., str | None]:
    return _floats_only(lambda r, e: f"{r.math(fname, e.odt)}({e.c[0]}, {e.c[1]})")


def _fold(sym: str, bool_sym: str) -> Callable[..., str]:
    """add and mul over any number of operands (or and and on bool)."""
    return lambda r, e: ("(" + sym.join(e.c) + ")" if e.odt != "bool" else "(" + bool_sym.join(e.args) + ")")


def _pow(r: CFamilyRenderer, e: Operands) -> str | None:
    if not e.is_float:
        return None
    c, t, odt = e.c, e.t, e.odt
    if e.refs is not None and r._scalar_operand(e.kernel, e.refs[1]):
        # NumPy's power takes its sqrt path for a scalar exponent of 0.5 (-0.0 -> -0.0,
        # -inf -> nan); the reference is NumPy, so render the same.
        sq, pw = r.math("sqrt", odt), r.math("pow", odt)
        if e.refs[1][0] == "const":
            return f"{sq}({c[0]})" if float(e.refs[1][1]) == 0.5 else f"{pw}({c[0]}, {c[1]})"
        return f"({c[1]} == ({t})0.5 ? {sq}({c[0]}) : {pw}({c[0]}, {c[1]}))"
    return f"{r.math('pow', odt)}({c[0]}, {c[1]})"


def _abs(r: CFamilyRenderer, e: Operands) -> str:
    if e.is_float:
        return f"{r.math('fabs', e.odt)}({e.c[0]})"
    if e.odt in scal.uint_dtypes or e.odt == "bool":
        return e.c[0]
    return f"({e.t})({e.c[0]} < 0 ? -{e.c[0]} : {e.c[0]})"


def _nan_first(cmp: str) -> Callable[..., str]:
    """maximum/minimum propagating NaN as NumPy's do."""
    return lambda r, e: f"(({e.c[0]} != {e.c[0]} || {e.c[0]} {cmp} {e.c[1]}) ? {e.c[0]} : {e.c[1]})"


def _clip(r: CFamilyRenderer, e: Operands) -> str:
    c = e.c
    lo = f"(({c[0]} != {c[0]} || {c[0]} > {c[1]}) ? {c[0]} : {c[1]})"
    return f"(({lo} != {lo} || {lo} < {c[2]}) ? {lo} : {c[2]})"


def _compare(sym: str) -> Callable[..., str]:
    def entry(r: CFamilyRenderer, e: Operands) -> str:
        ct = r.ctype(scal.upcast(*e.in_dts))
        return f"(({ct})({e.args[0]}) {sym} ({ct})({e.args[1]}))"

    return entry


def _bitwise(sym: str) -> Callable[..., str | None]:
    return lambda r, e: None if e.is_float else f"({e.t})({e.c[0]} {sym} {e.c[1]})"


def _helper_call(prefix: str) -> Callable[..., str]:
    """A call of the helper function `prefix`_<dtype> on the converted operands."""
    return lambda r, e: f"{prefix}_{e.odt}({', '.join(e.c)})"


_EXPRESSIONS: dict[type, Callable[..., str | None]] = {
    scal.Cast: lambda r, e: f"(({e.args[0]}) != 0)" if e.odt == "bool" else f"({e.t})({e.args[0]})",
    scal.Add: _fold(" + ", " || "),
    scal.Mul: _fold(" * ", " && "),
    scal.Sub: lambda r, e: f"({e.c[0]} - {e.c[1]})",
    scal.TrueDiv: _floats_only(lambda r, e: f"({e.c[0]} / {e.c[1]})"),
    scal.Neg: lambda r, e: f"(-{e.c[0]})",
    scal.IntDiv: _ints_only(_helper_call("theano_int_div")),
    scal.Mod: lambda r, e: (_helper_call("theano_mod")(r, e) if e.odt in _INT else
                            _helper_call("theano_fmod")(r, e) if e.is_float else None),
    scal.GammaLn: _floats_only(_helper_call("theano_gammaln")),
    scal.Exp: _math1("exp"), scal.Exp2: _math1("exp2"), scal.Expm1: _math1("expm1"),
    scal.Log: _math1("log"), scal.Log2: _math1("log2"), scal.Log10: _math1("log10"),
    scal.Log1p: _math1("log1p"), scal.Sin: _math1("sin"), scal.Cos: _math1("cos"),
    scal.Tan: _math1("tan"), scal.ArcSin: _math1("asin"), scal.ArcCos: _math1("acos"),
    scal.ArcTan: _math1("atan"), scal.Sinh: _math1("sinh"), scal.Cosh: _math1("cosh"),
    scal.Tanh: _math1("tanh"), scal.ArcSinh: _math1("asinh"), scal.ArcCosh: _math1("acosh"),
    scal.ArcTanh: _math1("atanh"), scal.Erf: _math1("erf"), scal.Erfc: _math1("erfc"),
    scal.Gamma: _math1("tgamma"), scal.Sqrt: _math1("sqrt"),
    scal.Floor: _math1("floor"), scal.Ceil: _math1("ceil"), scal.Trunc: _math1("trunc"),
    scal.RoundHalfToEven: _math1("rint"), scal.RoundHalfAwayFromZero: _math1("round"),
    scal.Pow: _pow,
    scal.ArcTan2: _math2("atan2"),
    scal.Abs: _abs,
    # sign(-0.0) is +0.0 in NumPy; NaN stays NaN
    scal.Sgn: lambda r, e: None if e.odt == "bool" else
    f"({e.t})({e.c[0]} > 0 ? 1 : ({e.c[0]} < 0 ? -1 : ({e.c[0]} == 0 ? 0 : {e.c[0]})))",
    scal.Minimum: _nan_first("<"),
    scal.Maximum: _nan_first(">"),
    scal.Clip: _clip,
    scal.Sqr: lambda r, e: f"({e.c[0]} * {e.c[0]})",
    scal.Inv: _floats_only(lambda r, e: f"(({e.t})1 / {e.c[0]})"),
    scal.Identity: lambda r, e: e.c[0],
    scal.Second: lambda r, e: e.c[1],
    scal.LT: _compare("<"), scal.GT: _compare(">"), scal.LE: _compare("<="),
    scal.GE: _compare(">="), scal.EQ: _compare("=="), scal.NEQ: _compare("!="),
    scal.AND: _bitwise("&"), scal.OR: _bitwise("|"), scal.XOR: _bitwise("^"),
    scal.Invert: lambda r, e: None if e.is_float else
    (f"(!{e.args[0]})" if e.odt == "bool" else f"({e.t})(~{e.c[0]})"),
    scal.IsNan: lambda r, e: f"({e.args[0]} != {e.args[0]})" if e.in_dts[0] in _FLOAT else "false",
    scal.IsInf: lambda r, e: f"(isinf({e.args[0]}) != 0)" if e.in_dts[0] in _FLOAT else "false",
    scal.Switch: lambda r, e: f"(({e.args[0]}) ? {e.c[1]} : {e.c[2]})",
    scal.Deg2Rad: _floats_only(lambda r, e: f"({e.c[0]} * ({e.t})(M_PI / 180.0))"),
    scal.Rad2Deg: _floats_only(lambda r, e: f"({e.c[0]} * ({e.t})(180.0 / M_PI))"),
    scal.ScalarSigmoid: _floats_only(_helper_call("theano_sigmoid")),
    scal.ScalarSoftplus: _floats_only(_helper_call("theano_softplus")),
}


# -- the C-family helper table ----------------------------------------------------------------------
# Entries take (renderer, dtype, C type) and return the helper's source (None: no helper).

def _int_div_helper(r: CFamilyRenderer, odt: str, t: str) -> str | None:
    if odt not in _INT:
        return None
    # b == -1 is special only for signed types (INT_MIN / -1 overflows in C).
    minus1 = f"  if (b == ({t})-1) return ({t})(0 - a);\n" if odt in scal.int_dtypes else ""
    return (f"{r.helper_qualifier} {t} theano_int_div_{odt}({t} a, {t} b) {{\n"
            f"  if (b == 0) return 0;\n" + minus1 +
            f"  {t} q = a / b;\n"
            f"  if ((a % b != 0) && ((a < 0) != (b < 0))) q -= 1;\n"
            f"  return q;\n}}\n")


def _mod_helper(r: CFamilyRenderer, odt: str, t: str) -> str | None:
    fq = r.helper_qualifier
    if odt in _INT:
        zero = "b == 0 || b == ({t})-1".format(t=t) if odt in scal.int_dtypes else "b == 0"
        return (f"{fq} {t} theano_mod_{odt}({t} a, {t} b) {{\n"
                f"  if ({zero}) return 0;\n"
                f"  {t} r = a % b;\n"
                f"  if (r != 0 && ((r < 0) != (b < 0))) r += b;\n"
                f"  return r;\n}}\n")
    if odt in _FLOAT:
        fm, cs = r.math("fmod", odt), r.math("copysign", odt)
        return (f"{fq} {t} theano_fmod_{odt}({t} a, {t} b) {{\n"
                f"  {t} r = {fm}(a, b);\n"
                f"  if (r != 0) {{ if ((b < 0) != (r < 0)) r += b; }}\n"
                f"  else r = {cs}(({t})0, b);\n"
                f"  return r;\n}}\n")
    return None


def _gammaln_helper(r: CFamilyRenderer, odt: str, t: str) -> str | None:
    if odt not in _FLOAT:
        return None
    lg = r.math("lgamma", odt)
    # C99's lgamma is the meaning: the reference follows it where SciPy's cephes differs
    # (+inf at -inf, -log|x| at float64 subnormals), as Theano 1.0's compiled code did.
    return (f"{r.helper_qualifier} {t} theano_gammaln_{odt}({t} x) {{\n"
            f"  return {lg}(x);\n}}\n")


def _sigmoid_helper(r: CFamilyRenderer, odt: str, t: str) -> str | None:
    if odt not in _FLOAT:
        return None
    e = r.math("exp", odt)
    return (f"{r.helper_qualifier} {t} theano_sigmoid_{odt}({t} x) {{\n"
            f"  if (x >= 0) return ({t})1 / (({t})1 + {e}(-x));\n"
            f"  {t} z = {e}(x);\n"
            f"  return z / (({t})1 + z);\n}}\n")


def _softplus_helper(r: CFamilyRenderer, odt: str, t: str) -> str | None:
    if odt not in _FLOAT:
        return None
    e, l1, fa = r.math("exp", odt), r.math("log1p", odt), r.math("fabs", odt)
    return (f"{r.helper_qualifier} {t} theano_softplus_{odt}({t} x) {{\n"
            f"  if (x != x) return x;\n"
            f"  return (x > 0 ? x : ({t})0) + {l1}({e}(-{fa}(x)));\n}}\n")


_HELPERS: dict[type, Callable[..., str | None]] = {
    scal.IntDiv: _int_div_helper,
    scal.Mod: _mod_helper,
    scal.GammaLn: _gammaln_helper,
    scal.ScalarSigmoid: _sigmoid_helper,
    scal.ScalarSoftplus: _softplus_helper,
}
CFamilyRenderer.expressions = _EXPRESSIONS
CFamilyRenderer.helpers = _HELPERS

_NAN_FIRST = "(({a} != {a} || {a} %s {b}) ? {a} : {b})"
#: reduction scalar op class -> (its fold of two values, its fold of two bools)
_FOLDS: dict[type, tuple[str, str]] = {
    scal.Add: ("({a} + {b})", "({a} || {b})"),
    scal.Mul: ("({a} * {b})", "({a} && {b})"),
    scal.Maximum: (_NAN_FIRST % ">", "({a} || {b})"),
    scal.Minimum: (_NAN_FIRST % "<", "({a} && {b})"),
    scal.AND: ("({a} && {b})", "({a} && {b})"),
    scal.OR: ("({a} || {b})", "({a} || {b})"),
}
#: the reductions a fused (trailing-reduction) kernel renders
_FUSED_REDUCTIONS = (scal.Add, scal.Mul, scal.Maximum, scal.Minimum)


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
