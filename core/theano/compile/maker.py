"""FunctionMaker: from the inputs, outputs, updates and givens given to theano.function to a
rewritten, guarded and linked FunctionGraph, plus the checks of what the user passed."""
from __future__ import annotations

import threading
import time
import warnings
from collections import OrderedDict
from contextlib import contextmanager
from typing import Any, Iterator

from ..graph.basic import Constant, Variable, clone_get_equiv, graph_inputs
from ..graph.fg import FunctionGraph, MissingInputError
from ..graph.sourceinfo import user_frame
from .aliasing import guard_outputs
from .io import In
from .mode import Mode
from .profile_stats import ProfileStats
from .sharedvalue import Container, SharedVariable
from .source_traces import InheritTraces
from ..backend.registry import get_backend
from ..tensor.basic import as_tensor_variable

__all__ = ["FunctionMaker", "InputSpec", "UnusedInputError", "compiling_device", "compiling_for", "check_update",
           "update_pairs", "as_list"]


_compiling = threading.local()


def compiling_device() -> str | None:
    """The device of the function being linked right now in this thread, if any."""
    return getattr(_compiling, "device", None)


@contextmanager
def compiling_for(device: str) -> Iterator[None]:
    """While linking (or planning) for `device` in this thread: the inner graphs of scan and
    ifelse met on the way compile for that device too (`compiling_device`)."""
    prev = getattr(_compiling, "device", None)
    _compiling.device = device
    try:
        yield
    finally:
        _compiling.device = prev


class UnusedInputError(Exception):
    """An explicit input is not needed by any output or update."""


def as_list(x: Any) -> list:
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def update_pairs(updates: Any) -> list[tuple[Variable, Variable]]:
    if updates is None:
        return []
    if isinstance(updates, dict):
        return list(updates.items())
    pairs = []
    for item in updates:
        if not isinstance(item, (list, tuple)) or len(item) != 2:
            raise TypeError(f"updates must be (shared variable, new expression) pairs or a dict; "
                            f"got {item!r}")
        pairs.append((item[0], item[1]))
    return pairs


def check_update(shared_var: Any, expr: Any) -> Variable:
    if not isinstance(shared_var, SharedVariable):
        raise TypeError(f"update target {shared_var} must be a shared variable (theano.shared), got "
                        f"{type(shared_var).__name__}")
    if not isinstance(expr, Variable):
        # As Theano's filter_variable: a raw value becomes a constant of the shared
        # variable's own type (if it fits without loss), not of its natural dtype.
        try:
            expr = shared_var.type.make_constant(shared_var.type.filter(expr))
        except (TypeError, ValueError) as e:
            raise TypeError(f"the update of {shared_var.name or shared_var} is the value {expr!r:.60}, "
                            f"which does not fit its type {shared_var.type}: {e}") from None
    if expr.type != shared_var.type:
        conv = shared_var.type.convert_variable(expr)
        if conv is None:
            hint = ""
            if getattr(expr.type, "ndim", None) != getattr(shared_var.type, "ndim", None):
                hint = (f" The new value has {getattr(expr.type, 'ndim', '?')} dimension(s), the shared "
                        f"variable {getattr(shared_var.type, 'ndim', '?')}.")
            elif getattr(expr.type, "dtype", None) == getattr(shared_var.type, "dtype", None):
                hint = (" The broadcast patterns differ: use tensor.unbroadcast / patternbroadcast on "
                        "the new value.")
            elif hasattr(expr.type, "dtype"):
                hint = f" Cast the new value: tensor.cast(new_value, '{shared_var.type.dtype}')."
            raise TypeError(f"an update must have the same type as its shared variable: "
                            f"{shared_var.name or shared_var} is {shared_var.type}, the new value "
                            f"{expr} is {expr.type}.{hint}")
        expr = conv
    return expr


class InputSpec:
    __slots__ = ("variable", "name", "default", "container", "filter", "allow_downcast", "strict")

    def __init__(self, i: In, allow_downcast: bool | None):
        self.variable = i.variable
        self.name = i.name
        self.allow_downcast = i.allow_downcast if i.allow_downcast is not None else allow_downcast
        self.strict = i.strict
        self.container = None
        if i.has_default:
            try:
                value = i.variable.type.filter(i.value, strict=i.strict,
                                               allow_downcast=self.allow_downcast)
            except (TypeError, ValueError) as e:
                raise TypeError(f"the default value of input {i.name or i.variable} does not fit its "
                                f"type: {e}") from None
            self.container = Container(i.variable.type, value)


class FunctionMaker:
    """Builds the FunctionGraph (givens, updates, shared inputs), rewrites and links it."""

    def __init__(self, inputs: list[In], outputs: list[Variable], updates: list[tuple], givens: list,
                 mode: Mode, device: str | None, name: str | None, allow_input_downcast: bool | None,
                 on_unused_input: str, no_default_updates: Any, trust_input: bool, profile: Any,
                 spec: dict, single_output: bool, rebuild_strict: bool = True):
        t0 = time.perf_counter()
        self.spec = spec
        self.name = name
        self.location = user_frame()
        self.mode = mode
        self.single_output = single_output
        self.trust_input = trust_input
        explicit = [i.variable for i in inputs]
        seen = set()
        for k, v in enumerate(explicit):
            if isinstance(v, SharedVariable):
                raise TypeError(f"input {k} ({v}) is a shared variable: shared variables are implicit "
                                f"inputs; to replace one, use givens={{{v}: other}}")
            if isinstance(v, Constant):
                raise TypeError(f"input {k} ({v}) is a constant; function inputs must be variables "
                                f"such as tensor.dscalar()")
            if v in seen:
                raise ValueError(f"input {v} is given twice")
            seen.add(v)
        # An input computed by the graph cuts it there, as in Theano: its value is given.
        cuts = {v: v.clone() for v in explicit if v.owner is not None}
        explicit = [cuts.get(v, v) for v in explicit]
        # Updates, checked, with the shared variables' default updates.
        upd: "OrderedDict[SharedVariable, Variable]" = OrderedDict()
        for sv, expr in updates:
            if sv in upd:
                raise ValueError(f"shared variable {sv} has two updates")
            upd[sv] = check_update(sv, expr)
        # Givens: substitute in a copy of the graph.
        memo: dict = dict(cuts)
        for old, new in givens:
            if not isinstance(old, Variable):
                raise TypeError(f"givens keys must be Variables, got {type(old).__name__}")
            if not isinstance(new, Variable):
                new = as_tensor_variable(new)
            if new.type != old.type:
                conv = old.type.convert_variable(new)
                if conv is None:
                    raise TypeError(f"givens: {old} of type {old.type} is replaced by {new} of type "
                                    f"{new.type}; the types must match (cast the replacement)")
                new = conv
            memo[old] = new
        roots = list(outputs) + list(upd.values())
        if not no_default_updates:
            for v in graph_inputs(roots):
                if isinstance(v, SharedVariable) and v.default_update is not None and v not in upd:
                    if no_default_updates is True or (isinstance(no_default_updates, list)
                                                      and v in no_default_updates):
                        continue
                    upd[v] = check_update(v, v.default_update)
            roots = list(outputs) + list(upd.values())
        if memo:
            for v in explicit:
                memo.setdefault(v, v)
            memo = clone_get_equiv([], roots, copy_inputs=False, memo=memo)
            roots = [memo.get(r, r) for r in roots]
        shared_in = [v for v in graph_inputs(roots) if isinstance(v, SharedVariable)]
        for sv in upd:
            if sv not in shared_in:
                shared_in.append(sv)
        self.n_explicit = len(explicit)
        all_inputs = explicit + shared_in
        n_out = len(outputs)
        # Unused explicit inputs.
        used = set(graph_inputs(roots))
        for k, v in enumerate(explicit):
            if v not in used:
                msg = (f"theano.function was asked to create a function computing outputs given "
                       f"certain inputs, but input {k} ({v}) is not part of the graph needed to "
                       f"compute the outputs. Pass on_unused_input='warn' or 'ignore' to allow it.")
                if on_unused_input == "raise":
                    raise UnusedInputError(msg)
                if on_unused_input == "warn":
                    warnings.warn(msg, stacklevel=4)
        try:
            fgraph = FunctionGraph(all_inputs, roots[:n_out] + [roots[n_out + k] for k in range(len(upd))],
                                   clone=True)
        except MissingInputError as e:
            raise MissingInputError(str(e)) from None
        self.fgraph = fgraph
        self.outputs = fgraph.outputs[:n_out]
        self.input_specs = [InputSpec(i, allow_input_downcast) for i in inputs]
        self.shared_containers = [sv.container for sv in shared_in]
        self.updated_containers = [sv.container for sv in upd]
        t1 = time.perf_counter()
        # Device and rewrites.
        self.backend = get_backend(device or mode.device)
        traces = InheritTraces(fgraph)
        fgraph.attach_feature(traces)
        self.rewrite_stats = mode.rewrite(fgraph, self.backend.rewrite_tags,
                                          self.backend.rewrite_exclude)
        self._guard_outputs(fgraph, n_out)
        traces.finish(fgraph)
        t2 = time.perf_counter()
        self.backend.check_graph(fgraph)
        with compiling_for(self.backend.device):
            self.linked = self.backend.link(fgraph)
        t3 = time.perf_counter()
        self.profile_stats = ProfileStats(self, t1 - t0, t2 - t1, t3 - t2) if profile else None

    def _guard_outputs(self, fgraph: FunctionGraph, n_out: int) -> None:
        """Guard the outputs against aliasing (see aliasing.guard_outputs); an update's own
        shared variable may pass through unguarded."""
        n_in = len(fgraph.inputs)
        own = {}  # update position -> the fgraph input holding that shared variable's value
        for u, c in enumerate(self.updated_containers):
            own[n_out + u] = fgraph.inputs[n_in - len(self.shared_containers)
                                           + self.shared_containers.index(c)]
        self.passthrough, self.fresh = guard_outputs(fgraph, n_out, own)
