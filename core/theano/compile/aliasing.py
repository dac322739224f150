"""The aliasing guard of compiled functions: no result shares memory with an argument, a
constant, a shared value or another result. Checked statically when compiling (copies
inserted where the ops' view_map/destroy_map say memory may be shared) and, in DebugMode,
after every call against ops that return a view without declaring it."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..graph.basic import Constant, Variable
from ..graph.fg import FunctionGraph
from .ops import DeepCopyOp, deep_copy_op

__all__ = ["alias_roots", "memory_root", "unalias", "guard_outputs"]


def alias_roots(var: Variable) -> set:
    """The variables whose memory `var` may share, following the ops' declared views
    (view_map / destroy_map) back to where the memory was allocated."""
    roots, stack, seen = set(), [var], set()
    while stack:
        v = stack.pop()
        if v in seen:
            continue
        seen.add(v)
        viewed = []
        if v.owner is not None:
            op = v.owner.op
            idx = v.owner.outputs.index(v)
            for m in (op.view_map, op.destroy_map):
                viewed.extend(v.owner.inputs[i] for i in m.get(idx, ()))
        if viewed:
            stack.extend(viewed)
        else:
            roots.add(v)
    return roots


def memory_root(a: np.ndarray) -> Any:
    """The object that owns an array's memory (the end of its `.base` chain)."""
    while True:
        b = a.base
        if b is None:
            return a
        if not isinstance(b, np.ndarray):
            return b
        a = b


def unalias(results: list, protected: Sequence[Any], skip: frozenset) -> None:
    """Copy every result array whose memory belongs to a protected array (an argument or a
    shared value) or to a later result, so nothing the user or a container holds shares
    memory with anything else.

    DebugMode runs it after every call to back up the static guard for ops that return a
    view or an input without declaring it in view_map. It compares memory owners (`.base` chains), which is cheap
    per call and never misses a NumPy view; it may copy a result that merely shares an
    owner without overlapping, which costs time, not correctness."""
    owners: dict[int, int] = {}  # id(owner) -> last result index owned by it
    first: list[tuple[int, int]] = []
    for k, r in enumerate(results):
        if type(r) is np.ndarray and k not in skip:
            o = id(memory_root(r))
            owners[o] = k
            first.append((k, o))
    if not owners:
        return
    prot = {id(memory_root(v)) for v in protected if type(v) is np.ndarray}
    for k, o in first:
        if o in prot or owners[o] != k:
            # keep the last result that owns `o` unless an argument or shared value owns it
            results[k] = results[k].copy()


def guard_outputs(fgraph: FunctionGraph, n_out: int, own: dict[int, Variable]) -> tuple[set, set]:
    """Copy outputs (and updates) that may share memory with an input, a constant or a
    later output, so the user can mutate what they get back and each shared variable
    owns its value. The last of several aliased outputs keeps the original.

    `own` maps an update's output position to the input holding that shared variable's
    value (storing it back is harmless). Returns the positions that pass through that way
    and the positions a copy makes fresh each call (the run-time check skips both)."""
    inputs = set(fgraph.inputs)
    passthrough = set()
    outs = list(fgraph.outputs)
    roots = [alias_roots(o) for o in outs]
    for k, o in enumerate(outs):
        if own.get(k) is o:
            # `updates=[(s, s)]`: storing the value it already holds is harmless.
            passthrough.add(k)
            continue
        bad = any(r in inputs or isinstance(r, Constant) for r in roots[k])
        bad = bad or any(roots[k] & roots[j] for j in range(k + 1, len(outs)))
        if bad:
            fgraph.change_input("output", k, deep_copy_op(o),
                                reason="output_guard" if k < n_out else "update_guard")
            roots[k] = {fgraph.outputs[k]}
    # Results made by a copy are fresh memory each call: the run-time check skips them.
    fresh = {k for k, o in enumerate(fgraph.outputs)
             if o.owner is not None and isinstance(o.owner.op, DeepCopyOp)}
    return passthrough, fresh
