"""The graph: Variables produced by Apply nodes of Ops, and walks over it."""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .sourceinfo import user_frame

if TYPE_CHECKING:
    from .op import Op
    from .type import Type

__all__ = ["Variable", "Constant", "Apply", "Scratchpad", "ancestors", "graph_inputs",
           "io_toposort", "clone", "clone_get_equiv", "applys_between", "is_in_ancestors"]

_counter = itertools.count()


class Scratchpad:
    """Free-form annotations (`tag`) of a variable or node."""

    def __repr__(self) -> str:
        return f"Scratchpad({self.__dict__})"


class Variable:
    """A symbolic value of a given Type; `owner` is the Apply that computes it, or None."""

    def __init__(self, type: "Type", owner: "Apply | None" = None, index: int | None = None,
                 name: str | None = None):
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self.tag = Scratchpad()
        self.auto_name = f"auto_{next(_counter)}"

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        if self.owner is not None:
            return f"{self.owner.op}.{self.index}"
        return f"<{self.type}>"

    def __repr__(self) -> str:
        return str(self)

    def clone(self) -> "Variable":
        """A new Variable of the same type, name and tag, with no owner."""
        cp = self.__class__(self.type, None, None, self.name)
        cp.tag = _copy_tag(self.tag)
        return cp

    def get_parents(self) -> list["Apply"]:
        return [self.owner] if self.owner is not None else []

    def eval(self, inputs_to_values: dict | None = None) -> Any:
        """Compile (once per set of inputs) and run the graph that computes this variable."""
        from ..compile.function import function

        inputs_to_values = inputs_to_values or {}
        key = tuple(inputs_to_values)
        cache = self.__dict__.setdefault("_eval_cache", {})
        if key not in cache:
            cache[key] = function(list(key), self, on_unused_input="ignore")
        return cache[key](*inputs_to_values.values())


def _copy_tag(tag: Scratchpad) -> Scratchpad:
    cp = Scratchpad()
    cp.__dict__.update(tag.__dict__)
    return cp


class Constant(Variable):
    """A Variable with a fixed value, `data`."""

    def __init__(self, type: "Type", data: Any, name: str | None = None):
        super().__init__(type, None, None, name)
        self.data = type.filter(data)

    def signature(self) -> tuple:
        """What two constants must share to be merged into one."""
        return (self.type, self.type.data_signature(self.data))

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        s = str(self.data)
        return s if len(s) < 20 else s[:10] + "..." + s[-5:]

    def clone(self) -> "Constant":
        cp = self.__class__(self.type, self.data, self.name)
        cp.tag = _copy_tag(self.tag)
        return cp

    @property
    def value(self) -> Any:
        return self.data


class Apply:
    """One application of an Op to input Variables, producing output Variables."""

    def __init__(self, op: "Op", inputs: Sequence[Variable], outputs: Sequence[Variable]):
        self.op = op
        self.inputs = list(inputs)
        for i in self.inputs:
            if not isinstance(i, Variable):
                raise TypeError(f"{op}: inputs of an Apply must be Variables, got {type(i).__name__}")
        self.outputs = []
        self.tag = Scratchpad()
        self.tag.trace = user_frame()
        for idx, out in enumerate(outputs):
            if out.owner is None:
                out.owner, out.index = self, idx
            elif out.owner is not self or out.index != idx:
                raise ValueError(f"{op}: output {idx} already belongs to another Apply")
            self.outputs.append(out)

    @property
    def out(self) -> Variable:
        if len(self.outputs) != 1:
            raise AttributeError(f"{self.op} has {len(self.outputs)} outputs; use .outputs")
        return self.outputs[0]

    @property
    def nin(self) -> int:
        return len(self.inputs)

    @property
    def nout(self) -> int:
        return len(self.outputs)

    @property
    def default_output(self) -> Variable:
        do = getattr(self.op, "default_output", None)
        if do is None:
            if len(self.outputs) == 1:
                return self.outputs[0]
            raise AttributeError(f"{self.op} has several outputs and no default_output")
        return self.outputs[do]

    def __str__(self) -> str:
        return f"{self.op}({', '.join(map(str, self.inputs))})"

    __repr__ = __str__

    def clone(self) -> "Apply":
        """Same op and inputs, new outputs."""
        cp = Apply(self.op, self.inputs, [o.clone() for o in self.outputs])
        cp.tag = _copy_tag(self.tag)
        return cp

    def clone_with_new_inputs(self, inputs: Sequence[Variable], strict: bool = True) -> "Apply":
        """Same op on `inputs`; with strict=False the op may rebuild the node for new types."""
        if len(inputs) != len(self.inputs):
            raise ValueError(f"{self.op}: {len(self.inputs)} inputs expected, {len(inputs)} given")
        same_types = all(a.type == b.type for a, b in zip(inputs, self.inputs))
        if same_types:
            new = Apply(self.op, inputs, [o.clone() for o in self.outputs])
            new.tag = _copy_tag(self.tag)
            return new
        if strict:
            # Allow a more specific type that the node's input type accepts.
            fixed = []
            for new_i, old_i in zip(inputs, self.inputs):
                if new_i.type != old_i.type:
                    new_i = old_i.type.convert_variable(new_i)
                    if new_i is None:
                        raise TypeError(f"{self.op}: cannot replace input of type {old_i.type} "
                                        f"by a variable of another type")
                fixed.append(new_i)
            new = Apply(self.op, fixed, [o.clone() for o in self.outputs])
        else:
            new = self.op.make_node(*inputs)
        new.tag = _copy_tag(self.tag)
        return new


# -- walks ------------------------------------------------------------------

def ancestors(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list[Variable]:
    """Every variable that `outputs` depend on (themselves included), stopping at blockers."""
    blocked = set(blockers)
    seen, order, stack = set(), [], list(outputs)[::-1]
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        order.append(v)
        if v.owner is not None and v not in blocked:
            stack.extend(reversed(v.owner.inputs))
    return order


def graph_inputs(outputs: Iterable[Variable], blockers: Iterable[Variable] = ()) -> list[Variable]:
    """The variables with no owner (or blocked) that `outputs` depend on."""
    blocked = set(blockers)
    return [v for v in ancestors(outputs, blocked) if v.owner is None or v in blocked]


def io_toposort(inputs: Iterable[Variable], outputs: Iterable[Variable]) -> list[Apply]:
    """The Apply nodes between inputs and outputs, each after the nodes it depends on."""
    stop = inputs if isinstance(inputs, (set, frozenset)) else set(inputs)
    order: list[Apply] = []
    done: set[Apply] = set()
    for out in outputs:
        if out in stop or out.owner is None or out.owner in done:
            continue
        # Iterative DFS: (node, next-input-index) frames; deep graphs must not overflow.
        stack = [(out.owner, 0)]
        active = {out.owner}
        while stack:
            node, i = stack[-1]
            if i < len(node.inputs):
                stack[-1] = (node, i + 1)
                v = node.inputs[i]
                parent = v.owner
                if v in stop or parent is None or parent in done:
                    continue
                if parent in active:
                    raise ValueError("the graph has a cycle")
                active.add(parent)
                stack.append((parent, 0))
            else:
                stack.pop()
                active.discard(node)
                done.add(node)
                order.append(node)
    return order


def applys_between(inputs: Iterable[Variable], outputs: Iterable[Variable]) -> list[Apply]:
    return io_toposort(inputs, outputs)


def is_in_ancestors(node: Apply, target: Apply) -> bool:
    """Whether `target` is among the nodes that `node` depends on."""
    return any(v.owner is target for v in ancestors(node.inputs))


def clone_get_equiv(inputs: Sequence[Variable], outputs: Sequence[Variable],
                    copy_inputs: bool = True, memo: dict | None = None) -> dict:
    """Map every variable and node between inputs and outputs to a fresh copy."""
    memo = {} if memo is None else memo
    for i in inputs:
        if i not in memo:
            memo[i] = i.clone() if copy_inputs else i
    for node in io_toposort(inputs, outputs):
        for i in node.inputs:
            if i not in memo:
                # Constants and un-listed roots are kept (constants copied for independence).
                memo[i] = i.clone() if isinstance(i, Constant) else i
        new = node.clone_with_new_inputs([memo[i] for i in node.inputs])
        memo[node] = new
        for o, no in zip(node.outputs, new.outputs):
            no.name = o.name
            no.tag = _copy_tag(o.tag)
            memo[o] = no
    for o in outputs:
        memo.setdefault(o, o)
    return memo


def clone(inputs: Sequence[Variable], outputs: Sequence[Variable], copy_inputs: bool = True
          ) -> tuple[list[Variable], list[Variable]]:
    """Copy the graph between inputs and outputs; returns (new inputs, new outputs)."""
    memo = clone_get_equiv(inputs, outputs, copy_inputs)
    return [memo[i] for i in inputs], [memo[o] for o in outputs]


def list_of_nodes(inputs: Iterable[Variable], outputs: Iterable[Variable]) -> list[Apply]:
    return io_toposort(inputs, outputs)


def variables(inputs: Iterable[Variable], outputs: Iterable[Variable]) -> list[Variable]:
    """Every variable between inputs and outputs."""
    nodes = io_toposort(inputs, outputs)
    seen = dict.fromkeys(inputs)
    for n in nodes:
        seen.update(dict.fromkeys(n.inputs))
        seen.update(dict.fromkeys(n.outputs))
    seen.update(dict.fromkeys(outputs))
    return list(seen)
