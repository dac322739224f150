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
from typing import Any

import numpy as np

from ...graph.basic import Apply, Constant, Variable
from ...graph.fg import InconsistencyError
from ...rewrite.basic import GraphRewriter, gc_paused
from ...scalar import basic as scal
from ..elemwise import Elemwise
from ..fused import FusedElemwise, FusedReduction
from ..type import TensorType
from .registry import register
from ..math import Max
from ..math import Min
from ..math import Prod
from ..math import Sum

__all__ = ["fuse_elemwise", "fuse_reductions", "FusionRewriter",
           "MAX_FUSED_INPUTS", "MAX_DUPLICATED_NODES"]

#: The most distinct array inputs one kernel takes (kernel argument lists are bounded on
#: GPUs, and the C calling convention gets slow with many arguments).
MAX_FUSED_INPUTS = 32

#: A reduction kernel recomputes at most this many elementwise nodes whose values are also
#: read elsewhere (softmax's exp, read by the sum and by the division): a few more flops
#: in the loop instead of writing the array out and reading it back.
MAX_DUPLICATED_NODES = 4


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


def _reduction_spec(node: Apply) -> tuple | None:
    """(axes, scalar op, acc dtype, out dtype) of a Sum/Prod/Max/Min node, else None."""
    op = node.op
    if type(op) not in (Sum, Prod, Max, Min):
        return None
    x = node.inputs[0]
    axes = op.reduced_axes(x.type.ndim)
    if type(op) in (Sum, Prod):
        return axes, op.scalar_op, op.acc_dtype, op.dtype
    return axes, op.scalar_op, x.type.dtype, node.outputs[0].type.dtype


def fuse_reductions(fgraph, max_inputs: int = MAX_FUSED_INPUTS, stats: Any = None) -> int:
    """Turn every Sum/Prod/Max/Min of an elementwise subgraph into one FusedReduction.

    The subgraph is absorbed when nothing else reads it; an elementwise value also read
    elsewhere only by elementwise nodes is recomputed inside the reduction (at most
    MAX_DUPLICATED_NODES of them per kernel) and stays in the graph for its other readers;
    one that something else needs in memory anyway is read, not recomputed. Runs before elementwise fusion,
    so those readers can then fuse what is left. Returns the number of kernels made."""
    order = fgraph.toposort()
    pos: dict[Any, int] = {n: k for k, n in enumerate(order)}
    made = 0
    for red in order:
        if red not in fgraph.apply_nodes:
            continue
        spec = _reduction_spec(red)
        if spec is None:
            continue
        x = red.inputs[0]
        root = x.owner
        if root is None or root not in fgraph.apply_nodes or not _fusable(root):
            continue
        axes, rop, acc, odt = spec
        inside = {red}
        group: set[Apply] = set()
        duplicated = 0
        ext: set[Variable] = set()
        heap = [(-pos[root], id(root), root)]
        seen = set()
        while heap:
            _, _, p = heapq.heappop(heap)
            if p in seen:
                continue
            seen.add(p)
            if p not in fgraph.apply_nodes or not _fusable(p):
                continue
            pv = p.outputs[0]
            others = [c for c, _ in fgraph.clients.get(pv, ()) if c not in inside and c not in group]
            shared = bool(others)
            # Recomputing pays only when the value may then never be written out: a reader
            # that is not elementwise (a product, a graph output) needs it in memory anyway,
            # and reading it back is cheaper than recomputing it (tanh, exp ...).
            if shared and (duplicated >= MAX_DUPLICATED_NODES
                           or any(c == "output" or not _fusable(c) for c in others)):
                continue
            new_ext = {i for i in p.inputs if not _inlinable(i) and i not in ext}
            if len(ext) - (pv in ext) + len(new_ext) > max_inputs:
                continue
            group.add(p)
            duplicated += shared
            ext.discard(pv)
            ext |= new_ext
            for i in p.inputs:
                if i.owner is not None and i.owner in pos and i.owner not in seen:
                    heapq.heappush(heap, (-pos[i.owner], id(i.owner), i.owner))
        if not group or root not in group:
            continue
        members = sorted(group, key=pos.__getitem__)
        built = _build(members, [x])
        if built is None:
            continue
        comp, inputs = built
        try:
            new_out = FusedReduction(comp, axes, rop, acc, odt).make_node(*inputs).outputs[0]
        except (TypeError, ValueError):
            continue
        if new_out.type != red.outputs[0].type:
            continue
        info = _member_info(members, inputs)
        try:
            fgraph.replace_all_validate([(red.outputs[0], new_out)], reason="reduction_fusion")
        except InconsistencyError:
            continue
        new_node = new_out.owner
        new_node.tag.fused_members = info
        new_node.tag.trace = getattr(red.tag, "trace", None)
        pos[new_node] = pos[red]
        made += 1
        if stats is not None:
            stats.record("reduction_fusion", red, [new_out])
    return made


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
        with gc_paused():
            fuse_reductions(fgraph, self.max_inputs, stats)
            fuse_elemwise(fgraph, self.max_inputs, stats)


register("fusion")(FusionRewriter())
