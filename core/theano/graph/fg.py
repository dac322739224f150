"""FunctionGraph: a graph closed over its inputs, with client lists, that rewrites edit."""
from __future__ import annotations

from typing import Any, Iterable, Sequence

from .basic import Apply, Constant, Variable, clone_get_equiv, io_toposort
from .sourceinfo import format_frame
import heapq

__all__ = ["FunctionGraph", "InconsistencyError", "MissingInputError"]


class InconsistencyError(Exception):
    """A replacement would make the graph invalid (wrong type, a cycle, a destroyed input)."""


class MissingInputError(ValueError):
    """An output depends on a variable that is not among the function's inputs."""


def missing_input_error(var: Variable, inputs: Sequence[Variable]) -> MissingInputError:
    where = ""
    for client_trace in [getattr(var.tag, "trace", None)]:
        if client_trace:
            where = f" (built at {format_frame(client_trace)})"
    return MissingInputError(
        f"the graph needs input {var} of type {var.type}{where}, which is not among the "
        f"function's inputs [{', '.join(map(str, inputs))}]; pass it as an input or in givens")


class FunctionGraph:
    """Inputs, outputs and every node between them.

    `clients[var]` lists (node, input index) pairs that read `var`; an output of the
    graph is read by the pseudo-node "output". Features (objects with optional
    on_attach / on_import / on_prune / on_change_input / validate methods) follow edits.
    """

    def __init__(self, inputs: Sequence[Variable], outputs: Sequence[Variable],
                 features: Iterable[Any] = (), clone: bool = True):
        if clone:
            memo = clone_get_equiv(inputs, outputs)
            inputs = [memo[i] for i in inputs]
            outputs = [memo[o] for o in outputs]
        self.inputs: list[Variable] = list(inputs)
        self.outputs: list[Variable] = list(outputs)
        self.apply_nodes: set[Apply] = set()
        self.variables: set[Variable] = set()
        self.clients: dict[Variable, list[tuple[Any, int]]] = {}
        self._features: list[Any] = []
        for i in self.inputs:
            if i.owner is not None:
                raise ValueError(f"input {i} of a FunctionGraph must not have an owner")
            self._add_variable(i)
        for k, o in enumerate(self.outputs):
            self._import_var(o, "init")
            self.clients[o].append(("output", k))
        for f in features:
            self.attach_feature(f)

    # -- bookkeeping -----------------------------------------------------------
    def _add_variable(self, v: Variable) -> None:
        if v not in self.variables:
            self.variables.add(v)
            self.clients.setdefault(v, [])

    def _import_var(self, var: Variable, reason: str) -> None:
        if var in self.variables:
            return
        if var.owner is None:
            if not isinstance(var, Constant) and var not in self.inputs:
                raise missing_input_error(var, self.inputs)
            self._add_variable(var)
            return
        nodes = [n for n in io_toposort(self.variables, [var]) if n not in self.apply_nodes]
        # Check every new node before importing any: a missing input must leave no half-import.
        for node in nodes:
            for i in node.inputs:
                if (i.owner is None and i not in self.variables and not isinstance(i, Constant)
                        and i not in self.inputs):
                    raise missing_input_error(i, self.inputs)
        for node in nodes:
            for i in node.inputs:
                self._add_variable(i)
            self.apply_nodes.add(node)
            for k, i in enumerate(node.inputs):
                self.clients[i].append((node, k))
            for o in node.outputs:
                self._add_variable(o)
            self._notify("on_import", node, reason)

    def _prune(self, var: Variable, reason: str) -> None:
        """Remove what only fed a variable that nobody reads any more."""
        stack = [var]
        while stack:
            v = stack.pop()
            if self.clients.get(v):
                continue
            # Inputs have no owner, so `v.owner is None` covers them (and `v in self.inputs`
            # would scan a list at every step: quadratic on big graphs); they stay, an unread
            # constant leaves.
            if v.owner is None:
                if isinstance(v, Constant) and v not in self.inputs:
                    self.variables.discard(v)
                    self.clients.pop(v, None)
                continue
            node = v.owner
            if node not in self.apply_nodes or any(self.clients.get(o) for o in node.outputs):
                continue
            self.apply_nodes.discard(node)
            for o in node.outputs:
                self.variables.discard(o)
                self.clients.pop(o, None)
            self._notify("on_prune", node, reason)
            for k, i in enumerate(node.inputs):
                cl = self.clients.get(i)
                if cl is not None:
                    try:
                        cl.remove((node, k))
                    except ValueError:
                        pass
                    if not cl:
                        stack.append(i)

    # -- edits --------------------------------------------------------------
    def change_input(self, node: Any, i: int, new: Variable, reason: str = "") -> None:
        """Make input i of node (or output i when node == 'output') read `new`."""
        old = self.outputs[i] if node == "output" else node.inputs[i]
        if old is new:
            return
        # Import first: when `new` needs a missing input, the graph stays as it was.
        self._import_var(new, reason)
        if node == "output":
            self.outputs[i] = new
        else:
            node.inputs[i] = new
        self.clients[new].append((node, i))
        self.clients[old].remove((node, i))
        self._notify("on_change_input", node, i, old, new, reason)
        if not self.clients[old]:
            self._prune(old, reason)

    def replace(self, var: Variable, new: Variable, reason: str = "", verbose: bool = False) -> None:
        """Make every reader of `var` read `new` instead; `new` must have a compatible type."""
        if var is new:
            return
        if var not in self.variables:
            return
        if var.type != new.type:
            conv = var.type.convert_variable(new)
            if conv is None:
                raise InconsistencyError(
                    f"rewrite {reason!r} tried to replace {var} of type {var.type} by {new} of type {new.type}")
            new = conv
        for node, i in list(self.clients[var]):
            self.change_input(node, i, new, reason)

    def replace_all(self, pairs: Iterable[tuple[Variable, Variable]], reason: str = "") -> None:
        for var, new in pairs:
            self.replace(var, new, reason)

    def replace_validate(self, var: Variable, new: Variable, reason: str = "") -> None:
        self.replace_all_validate([(var, new)], reason)

    def replace_all_validate(self, pairs: Sequence[tuple[Variable, Variable]], reason: str = "") -> None:
        """Replace, then ask the features to validate; undo everything if one refuses or a
        replacement fails (a wrong type, a missing input): the edit is all or nothing."""
        history: list[tuple[Any, int, Variable]] = []
        recorder = _Recorder(history)
        self._features.append(recorder)
        try:
            for var, new in pairs:
                self.replace(var, new, reason)
            self.validate()
        except (InconsistencyError, MissingInputError):
            self._features.remove(recorder)
            for node, i, old in reversed(history):
                self.change_input(node, i, old, "revert")
            raise
        finally:
            if recorder in self._features:
                self._features.remove(recorder)

    # -- features -----------------------------------------------------------
    def attach_feature(self, feature: Any) -> None:
        if feature in self._features:
            return
        self._features.append(feature)
        if hasattr(feature, "on_attach"):
            try:
                feature.on_attach(self)
            except Exception:
                self._features.remove(feature)  # a feature that refused the graph is not attached
                raise

    def remove_feature(self, feature: Any) -> None:
        self._features.remove(feature)
        if hasattr(feature, "on_detach"):
            feature.on_detach(self)

    def _notify(self, event: str, *args: Any) -> None:
        for f in self._features:
            cb = getattr(f, event, None)
            if cb is not None:
                cb(self, *args)

    def validate(self) -> None:
        for f in self._features:
            v = getattr(f, "validate", None)
            if v is not None:
                v(self)

    # -- reading ---------------------------------------------------------------
    def toposort(self) -> list[Apply]:
        """The nodes in an order that computes every input before it is used."""
        order = io_toposort(self.inputs, self.outputs)
        extra = getattr(self, "orderings", None)
        if extra:
            order = _respect_orderings(order, extra(self))
        return order

    def orderings_of(self) -> dict[Apply, list[Apply]]:
        return {}

    def clone(self, check_integrity: bool = True) -> "FunctionGraph":
        return self.clone_get_equiv()[0]

    def clone_get_equiv(self) -> tuple["FunctionGraph", dict]:
        memo = clone_get_equiv(self.inputs, self.outputs)
        fg = FunctionGraph([memo[i] for i in self.inputs], [memo[o] for o in self.outputs], clone=False)
        return fg, memo

    def __str__(self) -> str:
        return f"FunctionGraph({', '.join(map(str, self.outputs))})"


class _Recorder:
    """Records change_input events so replace_all_validate can undo them."""

    def __init__(self, history: list):
        self.history = history

    def on_change_input(self, fgraph, node, i, old, new, reason):
        self.history.append((node, i, old))


def _respect_orderings(order: list[Apply], deps: dict[Apply, list[Apply]]) -> list[Apply]:
    """Stable topological sort of `order` with extra edges (node must come after deps[node])."""
    pos = {n: k for k, n in enumerate(order)}
    preds: dict[Apply, set[Apply]] = {n: set() for n in order}
    for n in order:
        for i in n.inputs:
            if i.owner in preds:
                preds[n].add(i.owner)
    for n, ds in deps.items():
        preds[n].update(d for d in ds if d in preds)
    succ: dict[Apply, list[Apply]] = {n: [] for n in order}
    indeg = {n: len(p) for n, p in preds.items()}
    for n, ps in preds.items():
        for p in ps:
            succ[p].append(n)
    heap = [(pos[n], n) for n in order if indeg[n] == 0]
    heapq.heapify(heap)
    out = []
    while heap:
        _, n = heapq.heappop(heap)
        out.append(n)
        for s in succ[n]:
            indeg[s] -= 1
            if indeg[s] == 0:
                heapq.heappush(heap, (pos[s], s))
    if len(out) != len(order):
        raise InconsistencyError("the ordering constraints have a cycle")
    return out
