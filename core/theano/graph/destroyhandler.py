"""DestroyHandler: the FunctionGraph feature that proves an in-place op may overwrite its input.

An op declares in `destroy_map` which inputs it overwrites and in `view_map` which outputs
share an input's memory. Memory then has *versions*: a fresh allocation (or the output of a
destroyer) starts one; views of it belong to the same version; a destroyer ends it and its
output starts the next. A destroyer D of a variable v is legal when

- the memory is not one the caller owns: following views and destroyers back to where the
  memory was allocated, the root is neither a graph input (an argument the caller still holds,
  or a shared variable's value) nor a constant;
- nobody needs the old version afterwards: no variable of v's version is a graph output, no
  other node destroys the same version, and every other reader of the version (views
  included, followed transitively) can run before D; those readers become ordering
  constraints that `FunctionGraph.toposort` honours (through `fgraph.orderings`);
- D does not read the version through another input while writing it (an elementwise op may
  read v itself again at the same element, never a view of it: a transpose would read
  elements already overwritten).

Shared variables are refused even when the function updates them with the destroyer's own
result: the overwrite would happen before the call is known to succeed, so a later error
would leave the shared variable half-updated, and another function or a `get_value(borrow=True)`
may hold the same buffer. Refusing costs one copy per update; accepting could corrupt state.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Any, Iterator

from .basic import Apply, Constant, Variable, io_toposort
from .fg import FunctionGraph, InconsistencyError, _respect_orderings

__all__ = ["DestroyHandler", "destroyed_inputs", "memory_roots", "version_root"]


def destroyed_inputs(node: Apply) -> list[int]:
    """Indices of the inputs that `node` overwrites."""
    return sorted({i for ins in node.op.destroy_map.values() for i in ins})


def _viewed_inputs(var: Variable, maps: tuple[str, ...]) -> list[Variable]:
    node = var.owner
    if node is None:
        return []
    idx = var.index if var.index is not None else node.outputs.index(var)
    out = []
    for m in maps:
        out.extend(node.inputs[i] for i in getattr(node.op, m).get(idx, ()))
    return out


def memory_roots(var: Variable) -> list[Variable]:
    """Where var's memory was allocated, following views and destroyers back."""
    roots, stack, seen = [], [var], set()
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        up = _viewed_inputs(v, ("view_map", "destroy_map"))
        if up:
            stack.extend(up)
        else:
            roots.append(v)
    return roots


def version_root(var: Variable) -> Variable:
    """The variable that started var's memory version: back through views only (a
    destroyer's output starts a new version)."""
    v = var
    while True:
        up = _viewed_inputs(v, ("view_map",))
        if not up:
            return v
        v = up[0]


class DestroyHandler:
    """The feature; see the module docstring. Attach it with `fgraph.attach_feature`; it sets
    `fgraph.destroy_handler` and `fgraph.orderings`."""

    def __init__(self) -> None:
        self.fgraph: FunctionGraph | None = None
        self.destroyers: set[Apply] = set()
        self._new: set[Apply] = set()
        self._local_only = 0
        # orderings() is asked by every toposort; it only changes when the graph does.
        self._orderings: dict[Apply, list[Apply]] | None = None

    # -- feature protocol --------------------------------------------------------------
    def on_attach(self, fgraph: FunctionGraph) -> None:
        other = getattr(fgraph, "destroy_handler", None)
        if other is not None and other is not self:
            raise ValueError("this FunctionGraph already has a DestroyHandler")
        self.fgraph = fgraph
        self.destroyers = {n for n in fgraph.apply_nodes if n.op.destroy_map}
        self._new = set(self.destroyers)
        self._orderings = None
        # Validate before taking the graph: a refused graph keeps no handler.
        try:
            self.validate(fgraph)
        except InconsistencyError:
            self.on_detach(fgraph)
            raise
        fgraph.destroy_handler = self
        fgraph.orderings = self.orderings

    def on_detach(self, fgraph: FunctionGraph) -> None:
        if getattr(fgraph, "destroy_handler", None) is self:
            del fgraph.destroy_handler
            del fgraph.orderings
        self.fgraph = None
        self.destroyers = set()

    def on_change_input(self, fgraph, node, i, old, new, reason) -> None:
        self._orderings = None

    def on_import(self, fgraph, node, reason) -> None:
        self._orderings = None
        if node.op.destroy_map:
            self.destroyers.add(node)
            self._new.add(node)

    def on_prune(self, fgraph, node, reason) -> None:
        self._orderings = None
        self.destroyers.discard(node)
        self._new.discard(node)

    # -- the analysis --------------------------------------------------------------------
    def version_readers(self, var: Variable) -> tuple[set[Variable], list[tuple[Any, int]]]:
        """The variables of var's memory version (its version root and every view of it,
        transitively) and their readers, as (node or 'output', input index) pairs."""
        fg = self.fgraph
        assert fg is not None
        start = version_root(var)
        alias = {start}
        stack = [start]
        readers: list[tuple[Any, int]] = []
        while stack:
            a = stack.pop()
            for c, i in fg.clients.get(a, ()):
                readers.append((c, i))
                if c == "output":
                    continue
                for o, ins in c.op.view_map.items():
                    if i in ins:
                        w = c.outputs[o]
                        if w not in alias:
                            alias.add(w)
                            stack.append(w)
        return alias, readers

    def check(self, node: Apply) -> list[Apply]:
        """The nodes that must run before destroyer `node`; raises InconsistencyError when
        the destruction is not legal (see the module docstring)."""
        fg = self.fgraph
        assert fg is not None
        before: list[Apply] = []
        elementwise = getattr(node.op, "inplace_pattern", None) is not None
        destroyed = destroyed_inputs(node)
        for k in destroyed:
            v = node.inputs[k]
            for r in memory_roots(v):
                # Graph inputs and constants are exactly the roots without an owner.
                if r.owner is None or isinstance(r, Constant):
                    raise InconsistencyError(
                        f"{node.op} would overwrite {r}, which the caller owns (a function input, "
                        f"a shared variable's value or a constant)")
            alias, readers = self.version_readers(v)
            for c, i in readers:
                if c == "output":
                    raise InconsistencyError(f"{node.op} would overwrite {v}, whose memory is an "
                                             f"output of the function")
                if c is node:
                    if i == k:
                        continue
                    if i in destroyed:
                        raise InconsistencyError(f"{node.op} overwrites the same memory through "
                                                 f"inputs {k} and {i}")
                    if elementwise and node.inputs[i] is v:
                        continue  # the same element is read before it is written
                    raise InconsistencyError(f"{node.op} reads the memory it overwrites through "
                                             f"input {i}")
                if c.op.destroy_map and i in destroyed_inputs(c):
                    raise InconsistencyError(f"{node.op} and {c.op} both overwrite the memory of {v}")
                before.append(c)
        return before

    def orderings(self, fgraph: FunctionGraph | None = None) -> dict[Apply, list[Apply]]:
        """{destroyer: nodes that must run before it}, for FunctionGraph.toposort."""
        if self._orderings is not None:
            return self._orderings
        out: dict[Apply, list[Apply]] = {}
        for d in self.destroyers:
            try:
                before = self.check(d)
            except InconsistencyError:
                continue  # validate() reports it; toposort stays usable for printing
            if before:
                out[d] = before
        self._orderings = out
        return out

    # -- validation ---------------------------------------------------------------------
    @contextmanager
    def proven_order(self) -> Iterator[None]:
        """While active, validate() checks only the destroyers added since the last
        validation, and trusts the caller to keep one topological order in which every
        new ordering constraint points forward (so no cycle can appear): the in-place
        pass does, which keeps it linear on large graphs."""
        self._local_only += 1
        try:
            yield
        finally:
            self._local_only -= 1

    def validate(self, fgraph: FunctionGraph) -> None:
        if not self.destroyers:
            self._new.clear()
            return
        if self._local_only:
            for d in list(self._new):
                if d in fgraph.apply_nodes:
                    self.check(d)
            self._new.clear()
            return
        deps = {}
        for d in self.destroyers:
            before = self.check(d)
            if before:
                deps[d] = before
        # A cycle through the new constraints raises InconsistencyError.
        _respect_orderings(io_toposort(fgraph.inputs, fgraph.outputs), deps)
        self._new.clear()
