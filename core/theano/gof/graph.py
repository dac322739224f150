"""`theano.gof.graph`: Theano 1.0's graph walks, in Theano 1.0's visiting orders.

User libraries depend on these orders (a layer's parameters are often listed in the order
`inputs` returns them), so each walk here visits as Theano 1.0.5 did; the orders are checked
against values recorded from a real Theano 1.0.5 (tests/compat/test_gof.py). The graph's
classes themselves are this project's (`theano.graph.basic`).
"""
from __future__ import annotations

from collections import deque
from typing import Any, Callable, Iterable, Sequence

from ..config import config
from ..graph.basic import Apply, Constant, Node, NoParams, Variable, equal_computations
from . import utils

__all__ = ["Apply", "Constant", "Node", "NoParams", "Variable", "OrderedSet", "ancestors", "as_string",
           "clone", "clone_get_equiv", "default_leaf_formatter", "default_node_formatter",
           "equal_computations", "general_toposort", "inputs", "io_connection_pattern", "io_toposort",
           "is_in_ancestors", "is_same_graph", "is_same_graph_with_merge", "list_of_nodes",
           "nodes_constructed", "op_as_string", "ops", "orphans", "stack_search", "variables",
           "variables_and_orphans", "view_roots", "utils"]

OrderedSet = dict  # insertion-ordered; Theano's toposorts accept lists and ordered sets only


def stack_search(start: deque, expand: Callable[[Any], Iterable | None], mode: str = "bfs",
                 build_inv: bool = False):
    """Visit the nodes reachable from `start` through `expand`, breadth-first ('bfs': from the
    left of `start`) or depth-first ('dfs': from its right); each node once, in visiting order.
    With build_inv, also return {node: [nodes whose expansion gave it]}."""
    if mode not in ("bfs", "dfs"):
        raise ValueError(f"stack_search: mode must be 'bfs' or 'dfs', got {mode!r}")
    pop = start.popleft if mode == "bfs" else start.pop
    seen: set[int] = set()
    order = []
    inverse: dict = {}
    while start:
        node = pop()
        if id(node) in seen:
            continue
        seen.add(id(node))
        order.append(node)
        more = expand(node)
        if more:
            more = list(more)
            if build_inv:
                for m in more:
                    inverse.setdefault(m, []).append(node)
            start.extend(more)
    return (order, inverse) if build_inv else order


def ancestors(variable_list: Sequence[Variable], blockers: Iterable[Variable] | None = None) -> list[Variable]:
    """The variables that those of `variable_list` depend on (themselves included), depth-first
    from the last of them, first inputs first; a blocker's own inputs are not visited."""
    blockers = list(blockers) if blockers is not None else None

    def expand(v: Variable):
        if v.owner is not None and not (blockers and v in blockers):
            return reversed(v.owner.inputs)
        return None

    return stack_search(deque(variable_list), expand, "dfs")


def inputs(variable_list: Sequence[Variable], blockers: Iterable[Variable] | None = None) -> list[Variable]:
    """The variables without an owner that those of `variable_list` depend on, in `ancestors` order."""
    return [v for v in ancestors(variable_list, blockers) if v.owner is None]


def variables_and_orphans(i: Sequence[Variable], o: Sequence[Variable]) -> tuple[list[Variable], list[Variable]]:
    """(every variable between inputs `i` and outputs `o`, those without owner that are not in `i`)."""
    def expand(v: Variable):
        if v.owner is not None and v not in i:
            return (list(v.owner.inputs) + list(v.owner.outputs))[::-1]
        return None

    found = stack_search(deque(o), expand, "dfs")
    return found, [v for v in found if v.owner is None and v not in i]


def ops(i: Sequence[Variable], o: Sequence[Variable]) -> set[Apply]:
    """The Apply nodes between inputs `i` and outputs `o` (a set, as in Theano)."""
    found, orphan_list = variables_and_orphans(i, o)
    return {v.owner for v in found if v not in i and v not in orphan_list and v.owner is not None}


def variables(i: Sequence[Variable], o: Sequence[Variable]) -> list[Variable]:
    """Every variable between inputs `i` and outputs `o`."""
    return variables_and_orphans(i, o)[0]


def orphans(i: Sequence[Variable], o: Sequence[Variable]) -> list[Variable]:
    """The variables without owner that `o` needs beyond the inputs `i` (constants, shared ...)."""
    return variables_and_orphans(i, o)[1]


def clone_get_equiv(inputs: Sequence[Variable], outputs: Sequence[Variable], copy_inputs: bool = True,
                    copy_orphans: bool = True, memo: dict | None = None) -> dict:
    """{original: copy} for every variable and node between inputs and outputs."""
    memo = {} if memo is None else memo
    for v in inputs:
        if copy_inputs:
            cp = v.clone()
            cp.owner, cp.index = None, None
            memo.setdefault(v, cp)
        else:
            memo.setdefault(v, v)
    for node in io_toposort(inputs, outputs):
        for v in node.inputs:
            if v not in memo:
                memo[v] = v.clone() if copy_orphans else v
        new = node.clone_with_new_inputs([memo[v] for v in node.inputs])
        memo.setdefault(node, new)
        for old_out, new_out in zip(node.outputs, new.outputs):
            memo.setdefault(old_out, new_out)
    for v in outputs:
        if v not in memo:
            memo[v] = v.clone()
    return memo


def clone(i: Sequence[Variable], o: Sequence[Variable], copy_inputs: bool = True,
          copy_orphans: bool | None = None) -> tuple[list[Variable], list[Variable]]:
    """Copy the graph from inputs `i` to outputs `o`; returns (new inputs, new outputs)."""
    if copy_orphans is None:
        copy_orphans = copy_inputs
    equiv = clone_get_equiv(i, o, copy_inputs, copy_orphans)
    return [equiv[v] for v in i], [equiv[v] for v in o]


def general_toposort(outputs: Sequence[Any], deps: Callable[[Any], list | None], debug_print: bool = False,
                     compute_deps_cache: Callable | None = None, deps_cache: dict | None = None,
                     clients: dict | None = None) -> list:
    """Order the nodes reachable from `outputs` through `deps` so that each follows its
    dependencies (Kahn's algorithm over a depth-first discovery, as Theano did)."""
    if compute_deps_cache is None:
        deps_cache = {}

        def compute_deps_cache(x):
            if x not in deps_cache:
                d = deps(x)
                if d and not isinstance(d, (list, dict)):
                    raise TypeError("general_toposort: deps must return a list (an unordered "
                                    "collection makes the order non-deterministic)")
                deps_cache[x] = list(d) if d else d
                return d
            return deps_cache[x]
    if not isinstance(outputs, (tuple, list, deque)):
        raise TypeError("general_toposort: outputs must be a list, tuple or deque")
    reachable, found_clients = stack_search(deque(outputs), compute_deps_cache, "dfs", True)
    if clients is not None:
        clients.update(found_clients)
    sources = deque(r for r in reachable if not deps_cache.get(r, None))
    done: set = set()
    order = []
    while sources:
        node = sources.popleft()
        if node in done:
            continue
        order.append(node)
        done.add(node)
        for client in found_clients.get(node, []):
            remaining = [a for a in deps_cache[client] if a is not node]
            deps_cache[client] = remaining
            if not remaining:
                sources.append(client)
    if len(order) != len(reachable):
        raise ValueError("graph contains cycles")
    return order


def io_toposort(inputs: Sequence[Variable], outputs: Sequence[Variable], orderings: dict | None = None,
                clients: dict | None = None) -> list[Apply]:
    """The Apply nodes between inputs and outputs, each after those it depends on, in Theano's
    order (for the first output first; of a node's inputs, the last one's producers first);
    `orderings` {node: [nodes it must follow]} adds constraints."""
    if not orderings and clients is None:
        computed = set(inputs)
        todo = [o.owner for o in reversed(outputs) if o.owner is not None]
        order = []
        while todo:
            cur = todo.pop()
            if cur.outputs[0] in computed:
                continue
            if all(v in computed or v.owner is None for v in cur.inputs):
                computed.update(cur.outputs)
                order.append(cur)
            else:
                todo.append(cur)
                todo.extend(v.owner for v in cur.inputs if v.owner is not None)
        return order
    known = set(inputs)

    def deps(x):
        found = []
        if x not in known:
            if isinstance(x, Variable):
                found = [x.owner] if x.owner is not None else []
            elif isinstance(x, Apply):
                found = list(x.inputs)
            found.extend((orderings or {}).get(x, []))
        return found

    return [x for x in general_toposort(list(outputs), deps, clients=clients) if isinstance(x, Apply)]


def io_connection_pattern(inputs: Sequence[Variable], outputs: Sequence[Variable]) -> list[list[bool]]:
    """[i][o]: whether output `o` depends on input `i` (through the ops' connection patterns)."""
    reach = {v: [v is inp for inp in inputs] for v in inputs}
    for node in io_toposort(inputs, outputs):
        pattern_fn = getattr(node.op, "connection_pattern", None)
        pattern = pattern_fn(node) if pattern_fn is not None else \
            [[True] * len(node.outputs) for _ in node.inputs]
        for j, out in enumerate(node.outputs):
            reach[out] = [any(pattern[k][j] and reach.get(v, [False] * len(inputs))[n]
                              for k, v in enumerate(node.inputs)) for n in range(len(inputs))]
    columns = [reach.get(o, [o is inp for inp in inputs]) for o in outputs]
    return [[col[n] for col in columns] for n in range(len(inputs))]


def is_same_graph(var1: Variable, var2: Variable, givens: dict | None = None, debug: bool = False) -> bool:
    """Whether `var1` and `var2` compute the same thing, once `givens` {a: b} says which
    variables of one graph stand for which of the other."""
    givens = dict(givens or {})
    in_xs, in_ys = list(givens), list(givens.values())
    return equal_computations([var1], [var2], in_xs, in_ys)


is_same_graph_with_merge = is_same_graph


def default_leaf_formatter(v: Variable) -> str:
    """How `as_string` writes a graph input."""
    return str(v)


def default_node_formatter(op: Apply, argstrings: Sequence[str]) -> str:
    """How `as_string` writes a node: op(arg, ...)."""
    return f"{op.op}({', '.join(argstrings)})"


def op_as_string(i: Sequence[Variable], op: Apply, leaf_formatter=default_leaf_formatter,
                 node_formatter=default_node_formatter) -> str:
    """One node as text, its inputs written out down to `i`."""
    return node_formatter(op, as_string(i, op.inputs, leaf_formatter, node_formatter))


def as_string(i: Sequence[Variable], o: Sequence[Variable], leaf_formatter=default_leaf_formatter,
              node_formatter=default_node_formatter) -> list[str]:
    """Each output of `o` as an expression over the inputs `i`; shared subexpressions are
    written once, named *1, *2 ..."""
    i = list(i)
    orph = orphans(i, o)
    multi: set = set()
    seen: set = set()
    for out in o:
        for node in io_toposort(i, [out]):
            for v in node.inputs:
                if v.owner is not None and v not in i and v not in orph:
                    (multi.add(v.owner) if v.owner in seen else seen.add(v.owner))
    names: dict = {}
    done: set = set()

    def describe(v: Variable) -> str:
        if v in i or v in orph or v.owner is None:
            return leaf_formatter(v)
        node = v.owner
        idx = node.outputs.index(v)
        if node in done:
            return f"{names[node]}.{idx}" if len(node.outputs) > 1 else names[node]
        done.add(node)
        text = node_formatter(node, [describe(x) for x in node.inputs])
        if node in multi:
            names[node] = f"*{len(names) + 1}"
            return f"{names[node]} -> {text}"
        return text

    return [describe(v) for v in o]


def view_roots(r: Variable) -> list[Variable]:
    """The variables whose memory `r` is a view of (through the ops' view_map), or [r]."""
    node = r.owner
    if node is None:
        return [r]
    view_map = getattr(node.op, "view_map", None)
    if view_map is None:
        return [r]
    by_output = {node.outputs[o]: ins for o, ins in view_map.items()}
    if r not in by_output:
        return [r]
    return [root for k in by_output[r] for root in view_roots(node.inputs[k])]


def list_of_nodes(inputs: Sequence[Variable], outputs: Sequence[Variable]) -> list[Apply]:
    """The Apply nodes from outputs back to (not through) the producers of `inputs`, breadth-first."""
    return stack_search(deque(o.owner for o in outputs),
                        lambda node: [v.owner for v in node.inputs
                                      if v.owner is not None and not any(x in v.owner.outputs for x in inputs)])


def is_in_ancestors(l_node: Apply, f_node: Apply) -> bool:
    """Whether node `f_node` is `l_node` or one of the nodes it depends on."""
    computed: set = set()
    todo = [l_node]
    while todo:
        cur = todo.pop()
        if cur.outputs[0] in computed:
            continue
        if all(v in computed or v.owner is None for v in cur.inputs):
            computed.update(cur.outputs)
            if cur is f_node:
                return True
        else:
            todo.append(cur)
            todo.extend(v.owner for v in cur.inputs if v.owner is not None)
    return False


class nodes_constructed:  # noqa: N801  (Theano's name; used as `with nodes_constructed() as new:`)
    """A context manager collecting every Variable made inside it."""

    def __enter__(self) -> list[Variable]:
        self.new: list[Variable] = []
        Variable.append_construction_observer(self.new.append)
        return self.new

    def __exit__(self, *exc: Any) -> None:
        Variable.remove_construction_observer(self.new.append)


from ..compat.absent import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
