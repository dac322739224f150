"""Fusion: every maximal subgraph of elementwise ops becomes one FusedElemwise node, whose
Kernel (theano.kernel.ir) a compiled backend renders as one loop and the reference backend
evaluates with NumPy.

A group grows backwards from a root node through producers that are elementwise too. A
producer whose value is also read outside the group becomes an extra output of the kernel
(computed once, never recomputed), provided it has the root's broadcast pattern (one loop
shape for all outputs) and its outside readers come after the root in the run order (so
the fused node cannot feed itself). Every group member is an ancestor of the root, which
makes the kernel's single broadcast check equivalent to the members' checks."""
from __future__ import annotations

import heapq
from typing import Any, Sequence

import numpy as np

from ...graph.basic import Apply, Constant, Variable
from ...graph.fg import InconsistencyError
from ...rewrite.basic import GraphRewriter
from ...scalar import basic as scal
from ..elemwise import Elemwise, broadcast_check
from ..type import TensorType
from .registry import register
from ...kernel.ir import Kernel, kernel_from_composite

__all__ = ["FusedElemwise", "fuse_elemwise", "FusionRewriter", "MAX_FUSED_INPUTS"]

#: The most distinct array inputs one kernel takes (kernel argument lists are bounded on
#: GPUs, and the C calling convention gets slow with many arguments).
MAX_FUSED_INPUTS = 32


class FusedElemwise(Elemwise):
    """An Elemwise whose scalar op is a Composite made by fusion; it carries the Kernel
    that backends render. Its NumPy meaning is the kernel's evaluate."""

    def __init__(self, composite: scal.Composite, inplace_pattern: dict[int, int] | None = None):
        super().__init__(composite, inplace_pattern)
        self._kernels: dict[tuple, Kernel] = {}

    def __str__(self) -> str:
        ip = ",".join(f"{o}:{i}" for o, i in self.inplace_pattern)
        return f"FusedElemwise{{{self.scalar_op.pretty()}}}" + (f"[inplace {ip}]" if ip else "")

    def kernel(self, node: Apply) -> Kernel:
        """The Kernel this op computes for the types of `node`."""
        key = tuple(i.type for i in node.inputs)
        k = self._kernels.get(key)
        if k is None:
            k = kernel_from_composite(self.scalar_op, [i.type for i in node.inputs],
                                      [o.type for o in node.outputs],
                                      name=f"fused{len(self._kernels)}")
            self._kernels[key] = k
        return k

    def make_py_fn(self, node: Apply):
        evaluate = self.kernel(node).evaluate
        op = self
        checked = node.outputs[0].type.ndim > 0 and len(node.inputs) > 1
        nout = len(node.outputs)
        inplace = self.inplace_pattern

        def fn(*args: Any) -> Any:
            if checked:
                s0 = args[0].shape
                for a in args:
                    if a.shape != s0:
                        _check_members(op, node, args)
                        break
            res = evaluate(*args)
            if inplace:
                res = list(res)
                for o, i in inplace:
                    np.copyto(args[i], res[o], casting="no")
                    res[o] = args[i]
            return res[0] if nout == 1 else tuple(res)

        return fn

    def L_op(self, inputs, outputs, output_grads):
        raise NotImplementedError("FusedElemwise is made after gradients are taken; "
                                  "differentiate the graph before compiling it")


def _check_members(op: Any, node: Apply, args: Sequence[Any]) -> None:
    """Theano's broadcast check, member by member, so an error names the elementwise op and
    the user's line that it comes from rather than the whole kernel."""
    members = getattr(node.tag, "fused_members", None)
    if not members:
        broadcast_check(op, node, args)
        return
    from ...graph.sourceinfo import format_frame

    shapes: dict[Any, tuple] = {}
    nd = node.outputs[0].type.ndim
    for k, a in enumerate(args):
        shapes[("in", k)] = np.shape(a)
    for m, (label, trace, refs, bcasts) in enumerate(members):
        ins = [shapes.get(r, (1,) * nd) for r in refs]
        out = []
        for axis in range(nd):
            lengths = {s[axis] for s, b in zip(ins, bcasts) if not b[axis]}
            if len(lengths) > 1:
                raise ValueError(
                    f"{format_frame(trace)}: {label} (fused into this kernel): input dimension "
                    f"mismatch on axis {axis}: shapes {', '.join(str(tuple(s)) for s in ins)} do not "
                    f"broadcast (a length-1 dimension broadcasts only when its type is broadcastable, "
                    f"e.g. a row or col)")
            out.append(lengths.pop() if lengths else 1)
        shapes[("m", m)] = tuple(out)
    broadcast_check(op, node, args)


def _member_info(members: list[Apply], inputs: list[Variable]) -> list:
    """For each fused node: its label, where it was built, where its inputs come from
    (("in", k), ("m", j) or None for a literal), and their broadcast patterns."""
    where: dict[Variable, tuple] = {v: ("in", k) for k, v in enumerate(inputs)}
    info = []
    for j, n in enumerate(members):
        info.append((str(n.op), getattr(n.tag, "trace", None), [where.get(i) for i in n.inputs],
                     [i.type.broadcastable for i in n.inputs]))
        where[n.outputs[0]] = ("m", j)
    return info


def _fusable(node: Any) -> bool:
    op = getattr(node, "op", None)
    if type(op) is not Elemwise or op.inplace_pattern or len(node.outputs) != 1:
        return False
    sop = op.scalar_op
    if isinstance(sop, scal.Composite) or (sop.nfunc is None and type(sop).impl is scal.ScalarOp.impl):
        return False
    return all(isinstance(i.type, TensorType) for i in node.inputs)


def _inlinable(v: Variable) -> bool:
    """A constant with one element becomes a literal of the kernel instead of an input."""
    return isinstance(v, Constant) and np.asarray(v.data).size == 1 and all(v.type.broadcastable)


def _build(group: list[Apply], outputs: list[Variable]) -> tuple[scal.Composite, list[Variable]] | None:
    """The composite for nodes `group` (in run order) with these outputs, and its inputs."""
    smap: dict[Variable, Variable] = {}
    ext: list[Variable] = []
    s_inputs: list[Variable] = []
    for node in group:
        args = []
        for i in node.inputs:
            if i not in smap:
                if _inlinable(i):
                    smap[i] = scal.constant(np.asarray(i.data).reshape(()), dtype=i.type.dtype)
                else:
                    smap[i] = scal.get_scalar_type(i.type.dtype)()
                    ext.append(i)
                    s_inputs.append(smap[i])
            args.append(smap[i])
        snode = node.op.scalar_op.make_node(*args)
        so = snode.outputs[0]
        if so.type.dtype != node.outputs[0].type.dtype:
            return None  # the scalar rule disagrees with the tensor node: leave it
        smap[node.outputs[0]] = so
    comp = scal.Composite(s_inputs, [smap[o] for o in outputs])
    return comp, ext


def fuse_elemwise(fgraph, max_inputs: int = MAX_FUSED_INPUTS, stats: Any = None) -> int:
    """Fuse every maximal elementwise subgraph of fgraph; returns the number of kernels made."""
    order = fgraph.toposort()
    pos: dict[Any, int] = {n: k for k, n in enumerate(order)}
    assigned: set[Apply] = set()
    made = 0
    for root in reversed(order):
        if root in assigned or root not in fgraph.apply_nodes or not _fusable(root):
            continue
        rout = root.outputs[0]
        rpos = pos[root]
        group = {root}
        ext = {i for i in root.inputs if not _inlinable(i)}
        extra_outputs: list[Variable] = []
        heap = [(-pos[i.owner], id(i.owner), i.owner) for i in root.inputs
                if i.owner is not None and i.owner in pos]
        heapq.heapify(heap)
        seen = set()
        while heap:
            _, _, p = heapq.heappop(heap)
            if p in seen:
                continue
            seen.add(p)
            if p in assigned or not _fusable(p) or p not in fgraph.apply_nodes:
                continue
            pv = p.outputs[0]
            outside = [c for c, _ in fgraph.clients.get(pv, ()) if c not in group]
            if outside:
                if pv.type.broadcastable != rout.type.broadcastable:
                    continue
                if any(c != "output" and pos.get(c, -1) <= rpos for c in outside):
                    continue
            new_ext = {i for i in p.inputs if not _inlinable(i) and i not in ext}
            if len(ext) - (pv in ext) + len(new_ext) > max_inputs:
                continue
            group.add(p)
            ext.discard(pv)
            ext |= new_ext
            if outside:
                extra_outputs.append(pv)
            for i in p.inputs:
                if i.owner is not None and i.owner in pos and i.owner not in seen:
                    heapq.heappush(heap, (-pos[i.owner], id(i.owner), i.owner))
        if len(group) < 2:
            continue
        members = sorted(group, key=pos.__getitem__)
        outputs = [rout] + sorted(extra_outputs, key=lambda v: pos[v.owner])
        built = _build(members, outputs)
        if built is None:
            continue
        comp, inputs = built
        try:
            new_outs = FusedElemwise(comp).make_node(*inputs).outputs
        except (TypeError, ValueError):
            continue
        if any(n.type != o.type for n, o in zip(new_outs, outputs)):
            continue
        info = _member_info(members, inputs)  # before the replacement rewires members' inputs
        try:
            fgraph.replace_all_validate(list(zip(outputs, new_outs)), reason="fusion")
        except InconsistencyError:
            continue
        assigned |= group
        new_node = new_outs[0].owner
        new_node.tag.fused_members = info
        # The run-time error of a kernel points at the first member that combines arrays.
        for n in members:
            if sum(not _inlinable(i) for i in n.inputs) > 1:
                new_node.tag.trace = getattr(n.tag, "trace", None)
                break
        else:
            new_node.tag.trace = getattr(root.tag, "trace", None)
        pos[new_node] = rpos
        made += 1
        if stats is not None:
            stats.record("fusion", root, new_outs)
    return made


class FusionRewriter(GraphRewriter):
    """The fusion pass as a database entry."""

    def __init__(self, max_inputs: int = MAX_FUSED_INPUTS):
        self.max_inputs = max_inputs
        self.name = "elemwise_fusion"
        self.fn = lambda fg: fuse_elemwise(fg, self.max_inputs)

    def apply(self, fgraph, stats=None) -> None:
        fuse_elemwise(fgraph, self.max_inputs, stats)


register("fusion")(FusionRewriter())
