"""In-place: elementwise kernels and Gemm/Gemv write their result into the buffer of an input
that nothing needs afterwards (theano.graph.destroyhandler proves it).

The pass walks the graph once in a topological order that respects every ordering already
imposed, and accepts a destruction only when every other reader of the destroyed memory
comes earlier in that order. Every new constraint then points forward, the order stays
valid, no cycle can appear, and the pass is linear in the size of the graph (the destroy
handler checks each new destroyer locally, not the whole graph per replacement).

Only memory that an op of a known kind allocated afresh is ever overwritten (elementwise
ops, products, reductions): an op that returns one of its inputs without declaring it in
view_map would otherwise let the pass overwrite a function argument."""
from __future__ import annotations

from typing import Any

from ...graph.basic import Apply, Variable
from ...graph.destroyhandler import DestroyHandler, memory_roots
from ...graph.fg import FunctionGraph, InconsistencyError
from ...rewrite.basic import GraphRewriter, gc_paused
from ..elemwise import CAReduce, Elemwise
from ..fused import FusedElemwise
from ..gemm import Gemm, GemmBase, Gemv, gemm_inplace, gemv_inplace
from ..math import Dot
from .registry import register

__all__ = ["InplaceRewriter", "FRESH_MEMORY_OPS"]

#: Ops whose outputs are newly allocated memory (or, when in place, an input's memory,
#: which their destroy_map declares): only such memory is ever overwritten.
FRESH_MEMORY_OPS: tuple[type, ...] = (Elemwise, Dot, GemmBase, CAReduce)


def _fresh(var: Variable) -> bool:
    for r in memory_roots(var):
        node = r.owner
        if node is None or not isinstance(node.op, FRESH_MEMORY_OPS):
            return False
    return True


def _may_destroy(fgraph: FunctionGraph, dh: DestroyHandler, node: Apply, k: int,
                 pos: dict[Apply, int], elementwise: bool, chosen: list[int]) -> bool:
    """Whether node may overwrite its input k, given that every other reader of that memory
    must come before it in the order `pos` (see the module docstring)."""
    v = node.inputs[k]
    if not _fresh(v):
        return False
    here = pos[node]
    alias, readers = dh.version_readers(v)
    for c, i in readers:
        if c == "output":
            return False
        if c is node:
            if i == k:
                continue
            if elementwise and node.inputs[i] is v and i not in chosen:
                continue
            return False
        if c.op.destroy_map:
            return False  # another destroyer of (or reader beside a destroyer of) this memory
        if pos.get(c, here) >= here:
            return False
    # Two outputs must never share one buffer.
    return not any(node.inputs[j] in alias for j in chosen)


def _elemwise_pattern(fgraph, dh, node, pos) -> dict[int, int]:
    pattern: dict[int, int] = {}
    chosen: list[int] = []
    for o, out in enumerate(node.outputs):
        for k, v in enumerate(node.inputs):
            if k in chosen or v.type != out.type:
                continue
            if _may_destroy(fgraph, dh, node, k, pos, True, chosen):
                pattern[o] = k
                chosen.append(k)
                break
    return pattern


def _inplace_version(fgraph, dh, node, pos) -> Any:
    """The in-place op for node, or None."""
    op = node.op
    if type(op) is FusedElemwise or type(op) is Elemwise:
        if op.inplace_pattern:
            return None
        pattern = _elemwise_pattern(fgraph, dh, node, pos)
        if not pattern:
            return None
        if type(op) is FusedElemwise:
            return FusedElemwise(op.scalar_op, pattern)
        return Elemwise(op.scalar_op, pattern)
    if type(op) in (Gemm, Gemv) and not op.inplace:
        if _may_destroy(fgraph, dh, node, 0, pos, False, []):
            return gemm_inplace if type(op) is Gemm else gemv_inplace
    return None


class InplaceRewriter(GraphRewriter):
    """The in-place pass as a database entry (tag 'inplace')."""

    def __init__(self) -> None:
        self.name = "inplace"
        self.fn = self._run

    def _run(self, fgraph: FunctionGraph) -> None:
        self.apply(fgraph)

    def apply(self, fgraph: FunctionGraph, stats: Any = None) -> None:
        with gc_paused():
            self._apply(fgraph, stats)

    def _apply(self, fgraph: FunctionGraph, stats: Any = None) -> None:
        dh = getattr(fgraph, "destroy_handler", None)
        if dh is None:
            dh = DestroyHandler()
            fgraph.attach_feature(dh)
        order = fgraph.toposort()
        pos = {n: k for k, n in enumerate(order)}
        with dh.proven_order():
            for node in order:
                if node not in fgraph.apply_nodes or node.op.destroy_map:
                    continue
                new_op = _inplace_version(fgraph, dh, node, pos)
                if new_op is None:
                    continue
                try:
                    new_node = new_op.make_node(*node.inputs)
                except (TypeError, ValueError):
                    continue
                if any(n.type != o.type for n, o in zip(new_node.outputs, node.outputs)):
                    continue
                for key, val in vars(node.tag).items():
                    setattr(new_node.tag, key, val)
                try:
                    fgraph.replace_all_validate(list(zip(node.outputs, new_node.outputs)),
                                                reason="inplace")
                except InconsistencyError:
                    continue
                pos[new_node] = pos[node]
                if stats is not None:
                    stats.record("inplace", node, new_node.outputs)


register("inplace")(InplaceRewriter())
