"""Work-group reductions for GPU dialects: one renderer, dialect entries in, one kernel out.

A GPU dialect (CUDA, OpenCL, ...) hands in a `WorkgroupDialect`: the names of its thread and
group ids, its local-memory qualifier, its barrier, optionally a sub-group (warp) shuffle, its
32- and 64-bit index types and how a buffer parameter is written. From these entries this
module renders the reduction kernel (sum, prod, max, min, all, any over any axes of a strided
array; folds and identities are the C-family renderer's) and plans its launch on the host
(`plan_launch`), so no dialect writes a reduction kernel of its own. No dialect's text lives
here: everything the kernel says in a GPU language comes from the entries.

The launch plan does on the host what would otherwise cost every element on the device:

- axes of length 1 are dropped and adjacent axes that address memory as one are merged, kept
  axes with kept axes and reduced ones with reduced ones (a contiguous (a, b, c) summed over
  (1, 2) is one row of b*c elements per output): fewer index divisions per element;
- index arithmetic is 32-bit when every index and byte offset of the launch fits, 64-bit
  otherwise (a 64-bit division costs several times a 32-bit one on a GPU);
- "rows" strategy (the reduced axes hold the smallest stride): `W` consecutive threads share
  one output and stride over its reduced elements, several short rows are packed into one
  work-group (`G = threads / W` rows), so neighbouring threads read neighbouring addresses;
- "columns" strategy (a kept axis holds the smallest stride, as in `x.sum(axis=0)`):
  consecutive threads take consecutive outputs and walk the reduced axes together, so each
  step of a warp reads one contiguous run (coalesced); `W` slices of the reduced range per
  output are combined in local memory;
- few long rows are split in `parts` chunks over several groups, the partial results (in the
  accumulator's dtype, `rows x parts`) reduced by a second launch of the same kernel.

Kernel parameters, in order: the input buffer, the output buffer (each as the dialect writes
a buffer), then index-typed `rows, cols, parts, chunk, shift`, then per kept axis its length
and byte stride, then per reduced axis its length and byte stride. `shift` is log2 of the
threads per output (rows) or of the outputs per group (columns). The output is C-contiguous:
`rows` values of the output dtype, or with parts > 1 `rows * parts` partial results of the
accumulator's dtype.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Sequence

from ..scalar import basic as scal

__all__ = ["WorkgroupDialect", "WorkgroupReduction", "LaunchPlan", "REDUCTIONS", "render_workgroup_reduction",
           "plan_launch", "partials_launch", "collapse"]

#: the reductions the work-group renderer produces (their folds and identities are the
#: C-family renderer's tables)
REDUCTIONS = (scal.Add, scal.Mul, scal.Maximum, scal.Minimum, scal.AND, scal.OR)

_INT32_MAX = 2 ** 31 - 1


@dataclass(frozen=True)
class WorkgroupDialect:
    """What a GPU dialect contributes to the work-group reduction: text entries only.

    `renderer` is the dialect's C-family renderer (types, literals, folds). Format entries:
    `buffer` ({name}, {const}) the parameter(s) of one byte buffer; `buffer_prologue`
    ({name}) a statement adjusting it (OpenCL: add its byte offset) or ""; `local_array`
    ({t}, {name}, {n}) a local/shared array declaration; `shuffle_down` ({v}, {o}) the
    sub-group shuffle reading lane + o, or None when the dialect has none (local memory
    then serves)."""

    renderer: Any
    kernel_qualifier: str
    buffer: str
    buffer_prologue: str
    local_array: str
    local_id: str
    local_size: str
    group_id: str
    num_groups: str
    barrier: str
    index32: str
    index64: str
    shuffle_down: str | None = None
    #: lanes of one sub-group (warp) the shuffle spans
    sub_group: int = 32
    #: accumulator C types the shuffle carries as they are; others travel as `shuffle_carrier`
    shuffle_types: tuple[str, ...] = ()
    shuffle_carrier: str = "int"
    #: the largest work-group the kernels are rendered for (the local array's size)
    max_threads: int = 256
    #: applied to the finished source (a header, a pragma)
    finish: Callable[[str], str] = staticmethod(lambda src: src)


@dataclass(frozen=True)
class WorkgroupReduction:
    """One compiled variant: the fold, the dtypes, how many kept and reduced axes remain after
    merging, the strategy ("rows" or "columns") and the index width (32 or 64)."""

    op: type
    in_dtype: str
    acc_dtype: str
    out_dtype: str
    nk: int
    nr: int
    strategy: str = "rows"
    index_bits: int = 64


def _decompose(var: str, prefix: str, n: int, into: str, I: str) -> list[str]:
    """Statements adding to `into` the byte offset of flat index `var` over n axes (lengths
    {prefix}s_k, strides {prefix}st_k, the last fastest). The outermost axis needs no modulo:
    what remains of the index is its coordinate."""
    if n == 0:
        return []
    out = [f"{{ {I} rem = {var};"]
    for k in reversed(range(1, n)):
        out.append(f"  {{ const {I} j = rem % {prefix}s_{k}; rem /= {prefix}s_{k}; {into} += j * {prefix}st_{k}; }}")
    out.append(f"  {into} += rem * {prefix}st_0; }}")
    return out


def _tree(d: WorkgroupDialect, fold: Callable[[str, str], str], count: str, pos: str, within: str,
          unit: str, active: str, I: str) -> list[str]:
    """Combine `count` (a power of two) values per output held in scratch at pos, pos + unit,
    ... by halving; every thread runs the barriers. The result lands at the first slot."""
    cond = f"{within} < s" if active == "1" else f"{active} && {within} < s"
    return [f"for ({I} s = {count} >> 1; s > 0; s >>= 1) {{",
            f"  if ({cond}) scratch[{pos}] = {fold(f'scratch[{pos}]', f'scratch[{pos} + s * {unit}]')};",
            f"  {d.barrier}",
            "}"]


def render_workgroup_reduction(d: WorkgroupDialect, spec: WorkgroupReduction, name: str) -> str:
    """The source of kernel `name` computing `spec` in dialect `d` (see the module doc)."""
    r = d.renderer
    if spec.op not in REDUCTIONS:
        raise ValueError(f"no work-group reduction for {spec.op}")
    if spec.strategy not in ("rows", "columns"):
        raise ValueError(f"unknown reduction strategy {spec.strategy!r}")
    I = d.index32 if spec.index_bits == 32 else d.index64
    t_in, t_acc, t_out = r.ctype(spec.in_dtype), r.ctype(spec.acc_dtype), r.ctype(spec.out_dtype)
    pq = f"{r.pointer_qualifier} " if r.pointer_qualifier else ""
    ident = r.fold_identity(spec.op, spec.acc_dtype)

    def fold(a: str, b: str) -> str:
        return r.fold(spec.op, spec.acc_dtype, a, b)

    raw = f"*(const {pq}{t_in}*)(x + off)"
    load = f"({raw} != 0)" if spec.acc_dtype == "bool" else f"(({t_acc})({raw}))"
    params = [d.buffer.format(name="x", const="const "), d.buffer.format(name="out", const=""),
              *[f"{I} {p}" for p in ("rows", "cols", "parts", "chunk", "shift")]]
    params += [f"{I} ks_{k}, {I} kst_{k}" for k in range(spec.nk)]
    params += [f"{I} rs_{k}, {I} rst_{k}" for k in range(spec.nr)]
    pro = [d.buffer_prologue.format(name=n) for n in ("x", "out")] if d.buffer_prologue else []
    lines = [f"{d.kernel_qualifier} void {name}({', '.join(params)}) {{",
             *["  " + p for p in pro],
             "  " + d.local_array.format(t=t_acc, name="scratch", n=d.max_threads),
             f"  const {I} tid = ({I}){d.local_id}, T = ({I}){d.local_size};"]

    def accumulate(first: str, step: str) -> list[str]:
        body = [f"{I} base = 0;", *_decompose("row", "k", spec.nk, "base", I),
                f"for ({I} c = {first}; c < c1; c += {step}) {{",
                f"  {I} off = base;", *["  " + ln for ln in _decompose("c", "r", spec.nr, "off", I)],
                f"  const {t_acc} v = {load};  // once: a fold may name its operand twice",
                f"  acc = {fold('acc', 'v')};",
                "}"]
        return body

    def store(index: str) -> str:
        return (f"if (parts == 1) (({pq}{t_out}*)out)[{index}] = ({t_out})acc; "
                f"else (({pq}{t_acc}*)out)[{index}] = acc;")

    if spec.strategy == "rows":
        lines += [f"  const {I} W = ({I})1 << shift, lane = tid & (W - 1), g = tid >> shift, G = T >> shift;",
                  f"  const {I} tasks = rows * parts;",
                  f"  for ({I} blk = ({I}){d.group_id}; blk * G < tasks; blk += ({I}){d.num_groups}) {{",
                  f"    const {I} task = blk * G + g;",
                  f"    {t_acc} acc = {ident};",
                  "    if (task < tasks) {",
                  f"      const {I} row = parts == 1 ? task : task / parts;",
                  f"      const {I} c0 = (task - row * parts) * chunk;",
                  f"      {I} c1 = c0 + chunk; if (c1 > cols) c1 = cols;",
                  *["      " + ln for ln in accumulate("c0 + lane", "W")],
                  "    }"]
        if d.shuffle_down is not None:
            S = d.sub_group
            carrier = t_acc if t_acc in d.shuffle_types else d.shuffle_carrier
            shfl = d.shuffle_down.format(v=f"({carrier})acc", o="o")
            lsub = S.bit_length() - 1
            lines += [f"    // the lanes of one row are consecutive: combine them within the sub-group",
                      f"    for ({I} o = (W < {S} ? W : {S}) >> 1; o > 0; o >>= 1) {{",
                      f"      const {t_acc} other = ({t_acc}){shfl};  // every lane shuffles, once",
                      f"      acc = {fold('acc', 'other')};",
                      "    }",
                      f"    if (W > {S}) {{  // then the sub-groups' results, in local memory",
                      f"      const {I} C = W >> {lsub};",
                      f"      if ((tid & {S - 1}) == 0) scratch[tid >> {lsub}] = acc;",
                      f"      {d.barrier}",
                      *["      " + ln for ln in _tree(d, fold, "C", "tid", "(tid & (C - 1))", "1",
                                                     f"tid < (T >> {lsub})", I)],
                      f"      if (lane == 0) acc = scratch[tid >> {lsub}];",
                      "    }"]
        else:
            lines += ["    scratch[tid] = acc;",
                      f"    {d.barrier}",
                      *["    " + ln for ln in _tree(d, fold, "W", "tid", "lane", "1", "1", I)],
                      "    acc = scratch[tid];"]
        lines += [f"    if (lane == 0 && task < tasks) {{ {store('task')} }}",
                  f"    {d.barrier}  // scratch is reused by the next rows",
                  "  }",
                  "}"]
    else:
        lines += [f"  const {I} G = ({I})1 << shift, ol = tid & (G - 1), slice = tid >> shift, W = T >> shift;",
                  f"  const {I} blocks = ((rows + G - 1) >> shift) * parts;",
                  f"  for ({I} blk = ({I}){d.group_id}; blk < blocks; blk += ({I}){d.num_groups}) {{",
                  f"    const {I} ob = parts == 1 ? blk : blk / parts;",
                  f"    const {I} part = blk - ob * parts, row = (ob << shift) + ol;",
                  f"    const {I} c0 = part * chunk;",
                  f"    {I} c1 = c0 + chunk; if (c1 > cols) c1 = cols;",
                  f"    {t_acc} acc = {ident};",
                  "    if (row < rows) {",
                  *["      " + ln for ln in accumulate("c0 + slice", "W")],
                  "    }",
                  "    // neighbouring threads hold neighbouring outputs: combine the slices",
                  "    scratch[tid] = acc;",
                  f"    {d.barrier}",
                  *["    " + ln for ln in _tree(d, fold, "W", "tid", "slice", "G", "1", I)],
                  f"    if (slice == 0 && row < rows) {{ acc = scratch[tid]; {store('row * parts + part')} }}",
                  f"    {d.barrier}  // scratch is reused by the next outputs",
                  "  }",
                  "}"]
    return d.finish("\n".join(lines) + "\n")


# -- the launch, planned on the host ---------------------------------------------------------

def collapse(dims: Sequence[tuple[int, ...]]) -> list[tuple[int, ...]]:
    """Merge adjacent (length, stride, stride ...) axes that address memory as one axis, and
    drop length-1 axes: fewer axes, fewer index divisions, fewer distinct kernels."""
    out: list[tuple[int, ...]] = []
    for dim in dims:
        if dim[0] == 1:
            continue
        if out:
            p = out[-1]
            if all(p[k] == dim[0] * dim[k] for k in range(1, len(dim))):
                out[-1] = (p[0] * dim[0],) + tuple(dim[1:])
                continue
        out.append(tuple(dim))
    return out


@dataclass(frozen=True)
class LaunchPlan:
    """One launch of a work-group reduction: the kernel variant, the grid, and the index
    arguments after the two buffers (`arguments`)."""

    spec: WorkgroupReduction
    kept: tuple[tuple[int, int], ...]
    reduced: tuple[tuple[int, int], ...]
    rows: int
    cols: int
    parts: int
    chunk: int
    threads: int
    shift: int
    groups: int

    def arguments(self) -> list[int]:
        """rows, cols, parts, chunk, shift, then (length, stride) per kept and reduced axis."""
        out = [self.rows, self.cols, self.parts, self.chunk, self.shift]
        for n, s in self.kept + self.reduced:
            out += [n, s]
        return out


def _pow2_at_least(n: int, cap: int) -> int:
    p = 1
    while p < n and p < cap:
        p *= 2
    return p


def plan_launch(op: type, in_dtype: str, acc_dtype: str, out_dtype: str, shape: Sequence[int],
                strides: Sequence[int], axes: Sequence[int], *, threads: int, max_groups: int,
                sub_group: int = 1, split_units: int = 0, itemsize: int = 1) -> LaunchPlan:
    """The launch reducing an array of `shape` and byte `strides` over `axes` (the output
    C-contiguous over the kept axes). `threads` caps the work-group size (a power of two),
    `sub_group` is its granularity (the warp size, or 1), `max_groups` caps the grid;
    `split_units` > 0 lets few long rows split over groups (parts > 1: a second pass reduces
    the partial results; 0 never splits)."""
    nd = len(shape)
    kept = collapse([(shape[k], strides[k]) for k in range(nd) if k not in axes])
    # Reduced axes in any order (a fold's order within a row is the launch's choice): the
    # smallest stride fastest, so neighbouring threads read neighbouring addresses.
    red = sorted(((shape[k], strides[k]) for k in axes), key=lambda a: -abs(a[1]))
    red = collapse(red)
    rows = 1
    for n, _ in kept:
        rows *= n
    cols = 1
    for n, _ in red:
        cols *= n
    columns = bool(kept and red) and min(abs(s) for _, s in kept) < min(abs(s) for _, s in red)
    parts, chunk = 1, max(cols, 1)
    if columns:
        # as many neighbouring outputs as the innermost kept run holds (up to a warp); the
        # other lanes take the next reduced slices, which a merged reduced axis puts right
        # after: a warp's read stays one contiguous run
        G = _pow2_at_least(min(rows, kept[-1][0]), min(threads, max(sub_group, 32)))
        W = max(1, threads // G)
        units = -(-rows // G)
        # few groups of outputs: split the reduced range too (each thread still folds at
        # least 64 values), so every multiprocessor streams
        if split_units and units < 2 * split_units and cols >= 64 * W * 2:
            parts = min(-(-cols // (64 * W)), -(-4 * split_units // units))
        shift = G.bit_length() - 1
        T = G * W
    else:
        units = rows
        if split_units and rows < 2 * split_units and cols >= 1 << 15:
            parts = min(-(-cols // 4096), -(-4 * split_units // rows))
    if parts > 1:
        chunk = -(-cols // parts)
        parts = -(-cols // chunk)
    if columns:
        groups = min(units * parts, max_groups)
    else:
        W = _pow2_at_least(chunk, threads)
        T = max(sub_group, min(threads, _pow2_at_least(rows * parts * W, threads)))
        W = min(W, T)
        shift = W.bit_length() - 1
        groups = min(-(-(rows * parts) // (T // W)), max_groups)
    groups = max(groups, 1)
    extent = sum((n - 1) * abs(s) for n, s in kept + red) + max(itemsize, 1)
    biggest = max(rows * parts, cols, extent) + (groups + 1) * T
    bits = 32 if biggest <= _INT32_MAX else 64
    spec = WorkgroupReduction(op, in_dtype, acc_dtype, out_dtype, len(kept), len(red),
                              "columns" if columns else "rows", bits)
    return LaunchPlan(spec, tuple(kept), tuple(red), rows, cols, parts, chunk, T, shift, groups)


def partials_launch(plan: LaunchPlan, acc_itemsize: int, *, threads: int, max_groups: int,
                    sub_group: int = 1) -> LaunchPlan:
    """The second launch of a split plan (parts > 1): it reduces the rows x parts partial
    results, a C-contiguous array of the accumulator's dtype, into the output."""
    s = plan.spec
    return plan_launch(s.op, s.acc_dtype, s.acc_dtype, s.out_dtype, (plan.rows, plan.parts),
                       (plan.parts * acc_itemsize, acc_itemsize), (1,), threads=threads,
                       max_groups=max_groups, sub_group=sub_group, itemsize=acc_itemsize)
