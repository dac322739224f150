"""The rewrite engine: node rewriters run to a fixed point, and graph-level passes."""
from __future__ import annotations

import gc
import time
from collections import defaultdict, deque
from contextlib import contextmanager
from typing import Any, Callable, Iterable, Sequence

from ..config import config
from ..graph.basic import Apply, Constant, Variable
from ..graph.fg import FunctionGraph, InconsistencyError

__all__ = ["NodeRewriter", "node_rewriter", "GraphRewriter", "graph_rewriter", "EquilibriumRewriter",
           "MergeRewriter", "RewriteStats", "gc_paused"]


@contextmanager
def gc_paused():
    """Pause the cyclic garbage collector during a pass. A rewrite allocates many small
    objects that live on (nodes, variables, tags), and each allocation burst triggers a
    collection that walks every live object: on a 50,000-node graph that made rewriting
    several times slower than the rewrites themselves. Graph edits create no garbage
    cycles worth collecting before the pass ends; the collector resumes afterwards."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


class RewriteStats:
    """What fired and how long each pass took, for print_rewrites and profiles."""

    def __init__(self) -> None:
        self.fired: dict[str, int] = defaultdict(int)
        self.time: dict[str, float] = defaultdict(float)

    def record(self, name: str, node: Apply, new: Sequence[Variable]) -> None:
        self.fired[name] += 1
        if config.print_rewrites:
            print(f"rewrite {name}: {node} -> {', '.join(map(str, new))}")


class NodeRewriter:
    """A function (fgraph, node) -> replacements or None, tried on nodes whose op matches
    `tracks` (op classes or op instances; None tracks every node).

    The function returns a list of new variables (one per output of node), a dict
    {old variable: new variable}, or None/False when it does not apply.
    """

    def __init__(self, fn: Callable[[FunctionGraph, Apply], Any], tracks: Sequence[Any] | None = None,
                 name: str | None = None):
        self.fn = fn
        self.tracks = list(tracks) if tracks else None
        self.name = name or fn.__name__

    def matches(self, node: Apply) -> bool:
        if self.tracks is None:
            return True
        for t in self.tracks:
            if isinstance(t, type):
                if isinstance(node.op, t):
                    return True
            elif node.op == t:
                return True
        return False

    def transform(self, fgraph: FunctionGraph, node: Apply) -> Any:
        return self.fn(fgraph, node)

    def __call__(self, fgraph: FunctionGraph, node: Apply) -> Any:
        return self.fn(fgraph, node)

    def __repr__(self) -> str:
        return f"NodeRewriter({self.name})"


def node_rewriter(tracks: Sequence[Any] | None = None, name: str | None = None) -> Callable:
    """Decorator making a NodeRewriter: ``@node_rewriter([Elemwise]) def local_x(fgraph, node)``."""

    def deco(fn: Callable) -> NodeRewriter:
        return NodeRewriter(fn, tracks, name)

    return deco


class GraphRewriter:
    """A pass over the whole graph: `fn(fgraph)` edits it in place."""

    def __init__(self, fn: Callable[[FunctionGraph], Any], name: str | None = None):
        self.fn = fn
        self.name = name or fn.__name__

    def apply(self, fgraph: FunctionGraph, stats: RewriteStats | None = None) -> None:
        with gc_paused():
            self.fn(fgraph)

    def __repr__(self) -> str:
        return f"GraphRewriter({self.name})"


def graph_rewriter(fn: Callable[[FunctionGraph], Any]) -> GraphRewriter:
    return GraphRewriter(fn)


def _apply_replacement(fgraph: FunctionGraph, node: Apply, rw: NodeRewriter, result: Any,
                       stats: RewriteStats | None) -> bool:
    if result is None or result is False:
        return False
    if isinstance(result, dict):
        pairs = list(result.items())
    else:
        if len(result) != len(node.outputs):
            raise ValueError(f"rewrite {rw.name} returned {len(result)} replacements for "
                             f"{len(node.outputs)} outputs of {node.op}")
        pairs = [(o, n) for o, n in zip(node.outputs, result) if n is not None and n is not o]
    if not pairs:
        return False
    for old, new in pairs:
        if old.type != new.type and old.type.convert_variable(new) is None:
            raise InconsistencyError(f"rewrite {rw.name} replaced {old} ({old.type}) by {new} "
                                     f"({new.type}): the types differ")
    _copy_trace(fgraph, node, [n for _, n in pairs])
    try:
        fgraph.replace_all_validate(pairs, reason=rw.name)
    except InconsistencyError:
        return False
    if stats is not None:
        stats.record(rw.name, node, [n for _, n in pairs])
    return True


def _copy_trace(fgraph: FunctionGraph, node: Apply, new: Sequence[Variable]) -> None:
    """Nodes a rewrite creates inherit the user's line of the node they replace, so run-time
    errors still point at the user's code and not at the rewrite."""
    trace = getattr(node.tag, "trace", None)
    if trace is None:
        return
    stack = [v for v in new if v not in fgraph.variables]
    seen: set = set()
    while stack:
        v = stack.pop()
        n = v.owner
        if n is None or n in seen or n in fgraph.apply_nodes:
            continue
        seen.add(n)
        n.tag.trace = trace
        stack.extend(i for i in n.inputs if i not in fgraph.variables)


class EquilibriumRewriter:
    """Applies node rewriters until none fires (a fixed point), visiting each changed or new
    node again. `max_passes` bounds the work on pathological rule sets."""

    def __init__(self, rewriters: Iterable[NodeRewriter], name: str = "equilibrium", max_passes: int = 50):
        self.rewriters = list(rewriters)
        self.name = name
        self.max_passes = max_passes
        self._by_class: dict[type, list[NodeRewriter]] = {}

    def _for(self, node: Apply) -> list[NodeRewriter]:
        cls = type(node.op)
        rws = self._by_class.get(cls)
        if rws is None:
            rws = [rw for rw in self.rewriters if rw.tracks is None or any(
                (isinstance(t, type) and issubclass(cls, t)) or (not isinstance(t, type) and type(t) is cls)
                for t in rw.tracks)]
            self._by_class[cls] = rws
        return rws

    def apply(self, fgraph: FunctionGraph, stats: RewriteStats | None = None) -> None:
        with gc_paused():
            self._apply(fgraph, stats)

    def _apply(self, fgraph: FunctionGraph, stats: RewriteStats | None = None) -> None:
        queue: deque[Apply] = deque(fgraph.toposort())
        queued = set(queue)

        class _Tracker:
            def on_import(self, fg, node, reason):
                if node not in queued:
                    queued.add(node)
                    queue.append(node)

            def on_change_input(self, fg, node, i, old, new, reason):
                if node != "output" and node not in queued:
                    queued.add(node)
                    queue.append(node)

        tracker = _Tracker()
        fgraph.attach_feature(tracker)
        budget = self.max_passes * max(len(fgraph.apply_nodes), 1)
        try:
            while queue and budget > 0:
                budget -= 1
                node = queue.popleft()
                queued.discard(node)
                if node not in fgraph.apply_nodes:
                    continue
                for rw in self._for(node):
                    if not rw.matches(node):
                        continue
                    t0 = time.perf_counter()
                    result = rw.transform(fgraph, node)
                    fired = _apply_replacement(fgraph, node, rw, result, stats)
                    if stats is not None:
                        stats.time[rw.name] += time.perf_counter() - t0
                    if fired:
                        break
        finally:
            fgraph.remove_feature(tracker)


class MergeRewriter:
    """Merge equal constants and nodes that apply equal ops to the same inputs (CSE)."""

    name = "merge"

    def apply(self, fgraph: FunctionGraph, stats: RewriteStats | None = None) -> None:
        with gc_paused():
            self._apply(fgraph, stats)

    def _apply(self, fgraph: FunctionGraph, stats: RewriteStats | None = None) -> None:
        consts: dict[Any, Constant] = {}
        for v in list(fgraph.variables):
            if isinstance(v, Constant) and v in fgraph.variables and fgraph.clients.get(v):
                try:
                    sig = v.signature()
                    hash(sig)
                except TypeError:
                    continue
                keep = consts.setdefault(sig, v)
                if keep is not v and keep.type == v.type:
                    fgraph.replace(v, keep, reason="merge")
        seen: dict[Any, Apply] = {}
        for node in fgraph.toposort():
            if node not in fgraph.apply_nodes:
                continue
            if node.op.destroy_map:
                continue
            key = (node.op, tuple(node.inputs))
            try:
                other = seen.setdefault(key, node)
            except TypeError:
                continue
            if other is not node:
                pairs = list(zip(node.outputs, other.outputs))
                try:
                    fgraph.replace_all_validate(pairs, reason="merge")
                    if stats is not None:
                        stats.record("merge", node, other.outputs)
                except InconsistencyError:
                    pass
