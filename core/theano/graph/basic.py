"""The graph: Variables produced by Apply nodes of Ops, and walks over it."""
from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any, Iterable, Sequence

from .sourceinfo import user_frame

if TYPE_CHECKING:
    from .op import Op
    from .type import Type

__all__ = ["Node", "Variable", "Constant", "Apply", "Scratchpad", "ancestors", "graph_inputs",
           "io_toposort", "clone", "clone_get_equiv", "applys_between", "is_in_ancestors",
           "equal_computations", "NoParams"]

_counter = itertools.count()


class Scratchpad:
    """Free-form annotations (`tag`) of a variable or node."""

    def __repr__(self) -> str:
        return f"Scratchpad({self.__dict__})"


class Node:
    """A node of a graph: a Variable or an Apply (Theano 1.0's `gof.graph.Node`)."""

    def get_parents(self) -> list:
        """The nodes this one depends on directly, as a new list."""
        raise NotImplementedError(f"{type(self).__name__} does not define get_parents")


class _NoParams:
    """What `Apply.run_params` gives for an op without parameters."""

    def __repr__(self) -> str:
        return "NoParams"


NoParams = _NoParams()


class Variable(Node):
    """A symbolic value of a given Type; `owner` is the Apply that computes it, or None."""

    # Callables told of every Variable made (Theano's `nodes_constructed` uses it).
    construction_observers: list = []

    def __init__(self, type: "Type", owner: "Apply | None" = None, index: int | None = None,
                 name: str | None = None):
        self.type = type
        self.owner = owner
        self.index = index
        self.name = name
        self.tag = Scratchpad()
        self.auto_name = f"auto_{next(_counter)}"
        if Variable.construction_observers:
            for observer in Variable.construction_observers:
                observer(self)

    @classmethod
    def append_construction_observer(cls, observer) -> None:
        """Call `observer(variable)` for every Variable made from now on."""
        Variable.construction_observers.append(observer)

    @classmethod
    def remove_construction_observer(cls, observer) -> None:
        """Stop calling `observer`."""
        Variable.construction_observers.remove(observer)

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
        """[owner], or [] for a graph input."""
        return [self.owner] if self.owner is not None else []

    def eval(self, inputs_to_values: dict | None = None) -> Any:
        """Compile (once per set of inputs) and run the graph that computes this variable."""
        # cycle: graph.basic -> compile.function -> graph.basic
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

    def equals(self, other: Any) -> bool:
        """Whether `other` is a constant of the same type and value."""
        return isinstance(other, Constant) and self.signature() == other.signature()

    def merge_signature(self) -> tuple:
        """What the merge rewrite compares (the signature)."""
        return self.signature()


class Apply(Node):
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

    def get_parents(self) -> list[Variable]:
        """The inputs, as a new list."""
        return list(self.inputs)

    def run_params(self) -> Any:
        """The op's parameters for this node (`op.get_params(node)`), or NoParams."""
        get_params = getattr(self.op, "get_params", None)
        return get_params(self) if get_params is not None else NoParams

    @property
    def params_type(self) -> Any:
        """The type of the op's parameters (None when it has none)."""
        return getattr(self.op, "params_type", None)

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
            for k, (new_i, old_i) in enumerate(zip(inputs, self.inputs)):
                if new_i.type != old_i.type:
                    converted = old_i.type.convert_variable(new_i)
                    if converted is None:
                        raise TypeError(f"{self.op}: cannot replace input {k} of type {old_i.type} "
                                        f"by {new_i} of type {new_i.type}")
                    new_i = converted
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
    # A variable already mapped (a replacement, a cut) is not walked through.
    for node in io_toposort(set(memo), outputs):
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


def equal_computations(xs: Sequence[Variable], ys: Sequence[Variable], in_xs: Sequence[Variable] | None = None,
                       in_ys: Sequence[Variable] | None = None) -> bool:
    """Whether the graphs of `xs` and `ys` compute the same thing: the same ops applied in the
    same way, equal constants, and inputs that correspond (`in_xs[i]` to `in_ys[i]`; other
    inputs only to themselves)."""
    in_xs, in_ys = list(in_xs or []), list(in_ys or [])
    if len(xs) != len(ys) or len(in_xs) != len(in_ys):
        return False
    given: dict = dict(zip(in_xs, in_ys))
    # Memo of compared pairs, not of x alone: x may be compared with two distinct variables
    # that compute the same thing (exp(x) + exp(x) against one shared exp(x) read twice).
    same: dict[tuple[Variable, Variable], bool] = {}

    def eq_var(x: Variable, y: Variable) -> bool:
        if x in given:
            return given[x] is y
        if (x, y) in same:
            return same[x, y]
        if x.type != y.type:
            return False
        if isinstance(x, Constant) or isinstance(y, Constant):
            ok = isinstance(x, Constant) and isinstance(y, Constant) and x.equals(y)
        elif x.owner is None or y.owner is None:
            ok = x is y
        else:
            ok = x.index == y.index and eq_node(x.owner, y.owner)
        same[x, y] = ok
        return ok

    def eq_node(a: Apply, b: Apply) -> bool:
        return (a.op == b.op and len(a.inputs) == len(b.inputs)
                and all(eq_var(i, j) for i, j in zip(a.inputs, b.inputs)))

    return all(eq_var(x, y) for x, y in zip(xs, ys))


def clone_replace(output: Any, replace: Any = None, strict: bool = True, share_inputs: bool = True) -> Any:
    """A copy of the graph of `output` (a variable or a list of them) with the variables of
    `replace` ({old: new} or [(old, new)]) substituted; `theano.clone` in Theano 1.0. With
    share_inputs=False the graph's inputs (shared variables included) are copied too; with
    strict=False a replacement may have another type (the nodes are rebuilt for it)."""
    if isinstance(replace, dict):
        pairs = list(replace.items())
    elif isinstance(replace, (list, tuple)):
        pairs = list(replace)
    elif replace is None:
        pairs = []
    else:
        raise ValueError(f"clone: replace must be a dict, a list of pairs or None, got {type(replace).__name__}")
    outputs = list(output) if isinstance(output, (list, tuple)) else [output]
    memo: dict = {}
    for old, new in pairs:
        if not isinstance(new, Variable):
            from ..tensor.basic import as_tensor_variable  # cycle: graph.basic -> tensor.basic -> graph.basic

            new = as_tensor_variable(new)
        if strict and new.type != old.type:
            conv = old.type.convert_variable(new)
            if conv is None:
                raise TypeError(f"clone: {old} of type {old.type} cannot be replaced by {new} of type "
                                f"{new.type} (pass strict=False to allow it)")
            new = conv
        memo[old] = new
    if not share_inputs:
        for v in graph_inputs(outputs, blockers=memo):
            if v not in memo and not isinstance(v, Constant):
                memo[v] = v.clone()
    stop = set(memo)
    for node in io_toposort(stop, outputs):
        new_inputs = [memo.get(i, i) for i in node.inputs]
        if all(a is b for a, b in zip(new_inputs, node.inputs)):
            new = node.clone()
        else:
            new = node.clone_with_new_inputs(new_inputs, strict=strict)
        for o, no in zip(node.outputs, new.outputs):
            no.name = o.name
            memo[o] = no
    result = [memo.get(o, o) for o in outputs]
    return result if isinstance(output, (list, tuple)) else result[0]
