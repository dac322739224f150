"""The lowering contract: how a backend turns each node of a graph into what runs it.

A backend keeps one `LoweringTable` (built by `lowering_table`), a dispatch table from op
class to a lowering function ``fn(op, node, backend) -> Plan | None``; dispatch follows the
op class's MRO, so a lowering registered for `Elemwise` also serves its subclasses unless a
subclass has its own. A third party adds an op to a backend with
``table.register(TheirOp)(fn)`` without touching the backend.

`LoweringTable.plan` never fails: None (no lowering) and a `RenderError` raised while
lowering (the dialect cannot express the node) both become a visible fallback `Plan` with
its reason, which `Backend.link` reports (config.fallback) and runs through the shared
host-fallback runner, `host_fallback`.

An op that runs on the host by nature (it drives compiled inner functions, like the scan
loop, or talks to other processes, like an MPI collective) declares it with the class
attribute ``host_side = "<why>"``. A table without a lowering for it plans it as a host
`Plan` (`host`): it runs through the op's NumPy meaning like a fallback, but is no fallback:
never reported, never counted by the conformance suite, shown as ``host`` by debugprint.
"""
from __future__ import annotations

import functools
from dataclasses import dataclass
from typing import Any, Callable, Iterable

import numpy as np

from ..graph.basic import Apply, Constant, Variable
from ..graph.fg import FunctionGraph
from ..kernel.render import RenderError

__all__ = ["FALLBACK_RUNNER", "HOST_RUNNER", "LoweringTable", "Plan", "all_inputs", "constants_on_host",
           "fallback", "host", "host_fallback", "host_side", "lowering_table"]

#: the runner label of a node that runs through its NumPy meaning on the host
FALLBACK_RUNNER = "numpy (fallback)"
#: the runner label of a node of a host-side op (`host_side`): on the host by design
HOST_RUNNER = "host"


@dataclass
class Plan:
    """What runs one node.

    runner: the label debugprint and the conformance suite show ("c kernel", "cuda (view)"
    ...); fn: the node's callable when the lowering could build it right away (None for a
    fallback, which the backend fills in, or when `payload` says how to build it);
    fallback/why: the node runs through its NumPy meaning, and why; host: the op is host-side
    by nature (`host_side`; `why` says why) and runs its NumPy meaning without being a
    fallback; host_inputs: the input
    positions the node reads on the host (a constant read only there is not moved to the
    device); payload: what the backend needs to build the callable at link time (a Kernel to
    compile, sources and a binder ...), read only by that backend's `Backend.node_function`.
    """

    runner: str
    fn: Callable[..., Any] | None = None
    fallback: bool = False
    why: str = ""
    host_inputs: tuple[int, ...] = ()
    payload: Any = None
    host: bool = False

    def reads_on_host(self, k: int) -> bool:
        """Whether input `k` is read on the host (every input of a fallback or host plan is)."""
        return self.fallback or self.host or k in self.host_inputs


def fallback(why: str) -> Plan:
    """A visible fallback: the node runs through its NumPy meaning, for this reason."""
    return Plan(FALLBACK_RUNNER, fallback=True, why=why)


def host(why: str) -> Plan:
    """A host plan: the node of a host-side op runs its NumPy meaning on the host, by design
    (not reported or counted as a fallback)."""
    return Plan(HOST_RUNNER, host=True, why=why)


def host_side(op: Any) -> str | None:
    """Why `op` runs on the host by nature (its class attribute `host_side`), else None."""
    why = getattr(op, "host_side", None)
    if why is not None and not isinstance(why, str):
        raise TypeError(f"{type(op).__name__}.host_side must be a string saying why the op runs "
                        f"on the host, not {why!r}")
    return why


def all_inputs(node: Apply) -> tuple[int, ...]:
    """Every input position of `node` (for a lowering that reads all its inputs on the host)."""
    return tuple(range(len(node.inputs)))


def _no_lowering(op: Any, node: Apply, backend: Any) -> Plan | None:
    return None


class LoweringTable:
    """A backend's table from op class to lowering function (see the module doc)."""

    def __init__(self, backend_name: str):
        self.backend_name = backend_name
        self._dispatch = functools.singledispatch(_no_lowering)

    def register(self, *op_classes: type) -> Callable[[Callable], Callable]:
        """A decorator registering a lowering ``fn(op, node, backend) -> Plan | None`` for
        each of `op_classes` (replacing what was registered for exactly that class)."""
        if not op_classes:
            raise TypeError("LoweringTable.register needs at least one op class")
        for cls in op_classes:
            if not isinstance(cls, type):
                raise TypeError(f"LoweringTable.register takes op classes, not {cls!r}")

        def deco(fn: Callable) -> Callable:
            for cls in op_classes:
                self._dispatch.register(cls, fn)
            return fn

        return deco

    def lowering_for(self, op_class: type) -> Callable | None:
        """The lowering that serves `op_class` (through its MRO), None when there is none."""
        fn = self._dispatch.dispatch(op_class)
        return None if fn is _no_lowering else fn

    def __call__(self, op: Any, node: Apply, backend: Any) -> Plan | None:
        """The registered lowering's answer for `node` (None when it has none)."""
        return self._dispatch(op, node, backend)

    def plan(self, node: Apply, backend: Any) -> Plan:
        """The plan for `node`: its lowering's, else a host plan for a host-side op, else a
        visible fallback with the reason (no lowering, or the render error that stopped it)."""
        try:
            p = self._dispatch(node.op, node, backend)
        except RenderError as e:
            return fallback(str(e))
        if p is None:
            why = host_side(node.op)
            if why is not None:
                return host(why)
            return fallback(f"no {self.backend_name} lowering")
        return p


def lowering_table(backend_name: str) -> LoweringTable:
    """A new, empty lowering table for the backend called `backend_name`."""
    return LoweringTable(backend_name)


def host_fallback(node: Apply, to_host: Callable[[Any], Any] | None = None,
                  to_device: Callable[[Any], Any] | None = None) -> Callable[..., Any]:
    """The shared host-fallback runner: the op's NumPy meaning on host values.

    to_host: applied to every argument (None: they are host values already); to_device:
    applied to every output (None: outputs stay on the host, for the next node to move if it
    needs to). A destroyed input that reaches the NumPy meaning as the caller's own host
    array is copied first: a device backend never writes into a host value held elsewhere.
    """
    py = node.op.make_py_fn(node)
    if to_host is None and to_device is None:
        return py
    destroyed = frozenset(i for ins in getattr(node.op, "destroy_map", {}).values() for i in ins)

    def host_args(args: Iterable[Any]) -> list:
        out = []
        for k, a in enumerate(args):
            h = to_host(a) if to_host is not None else a
            if k in destroyed and h is a and isinstance(a, np.ndarray):
                h = a.copy()
            out.append(h)
        return out

    if to_device is None:
        return lambda *args: py(*host_args(args))
    if len(node.outputs) == 1:
        return lambda *args: to_device(py(*host_args(args)))
    return lambda *args: tuple(to_device(o) for o in py(*host_args(args)))


def constants_on_host(fgraph: FunctionGraph, plans: dict[Apply, Plan]) -> set[Variable]:
    """The constants that only host readers consume (`Plan.reads_on_host`) and that are not
    outputs: a device backend keeps them as host values, so reading a shape or an index
    never waits for the device."""
    host: dict[Variable, bool] = {}
    for node, p in plans.items():
        for k, i in enumerate(node.inputs):
            if isinstance(i, Constant):
                host[i] = host.get(i, True) and p.reads_on_host(k)
    outs = set(fgraph.outputs)
    return {c for c, h in host.items() if h and c not in outs}
