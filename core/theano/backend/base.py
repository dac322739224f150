"""The Backend base class and the straight-line driver that links a graph into one callable."""
from __future__ import annotations

import itertools
import linecache
from typing import Any, Callable, Iterable, Sequence

import numpy as np

from ..graph.basic import Apply, Constant, Variable
from ..graph.fg import FunctionGraph
from .pysource import define
from .lowering import LoweringTable, Plan, constants_on_host, fallback, host, host_fallback, host_side
from ..config import config
from .registry import get_backend
import time
import warnings

__all__ = ["Backend", "LinkedGraph", "link_straight_line"]

_link_ids = itertools.count()


class LinkedGraph:
    """A graph turned into one callable: ``fn(*input_values) -> list of output values``.

    `runners` maps each node to what runs it (``"numpy"``, ``"c kernel"``,
    ``"numpy (fallback)"`` ...), shown by debugprint; `node_at_line` lets an error be
    traced back to the node that raised it.
    """

    def __init__(self, fn: Callable[..., list], fgraph: FunctionGraph, runners: dict[Apply, str],
                 filename: str = "", node_at_line: dict[int, Apply] | None = None, source: str = ""):
        self.fn = fn
        self.fgraph = fgraph
        self.runners = runners
        self.filename = filename
        self.node_at_line = node_at_line or {}
        self.source = source

    def recording_fn(self) -> Callable[..., list]:
        """The same driver with a last argument `record`, called after every node with its
        outputs (before any later in-place node can overwrite them): for f.trace."""
        def after(indent: str, node: Apply, k: int) -> list[str]:
            return [f"{indent}_record({', '.join(self.names[o] for o in node.outputs)})"]

        return self._instrumented("_record", lambda indent, node, k: [], after, "recording")

    def profiling_fn(self, seconds: list[float]) -> Callable[..., list]:
        """The same driver adding each node's run time to seconds[k] (k: its run order)."""
        def before(indent: str, node: Apply, k: int) -> list[str]:
            return [f"{indent}_t0 = _perf_counter()"]

        def after(indent: str, node: Apply, k: int) -> list[str]:
            return [f"{indent}_seconds[{k}] += _perf_counter() - _t0"]

        return self._instrumented(None, before, after, "profiling",
                                  {"_perf_counter": time.perf_counter, "_seconds": seconds})

    def _instrumented(self, extra_arg: str | None, before: Callable, after: Callable, tag: str,
                      extra_env: dict | None = None) -> Callable[..., list]:
        """The driver's source with lines added around every node's call, compiled anew."""
        out = []
        order = {n: k for k, n in enumerate(self.fgraph.toposort())}
        for lineno, text in enumerate(self.source.splitlines(), start=1):
            if lineno == 1 and extra_arg:
                text = text.replace("):", f", {extra_arg}):", 1) if "()" not in text else \
                    text.replace("():", f"({extra_arg}):", 1)
            node = self.node_at_line.get(lineno)
            indent = text[: len(text) - len(text.lstrip())]
            if node is not None:
                out += before(indent, node, order[node])
            out.append(text)
            if node is not None:
                out += after(indent, node, order[node])
        env = dict(self.env, **(extra_env or {}))
        exec(compile("\n".join(out) + "\n", f"{self.filename}-{tag}", "exec"), env)
        return env[self.source.split("(", 1)[0].split()[-1]]

    def free(self) -> None:
        """Drop what node functions keep between calls (the C backend's output buffers)."""
        for fn in getattr(self, "node_fns", ()):
            free = getattr(fn, "free", None)
            if free is not None:
                free()

    def failing_node(self, tb: Any) -> Apply | None:
        """The node whose line in the generated driver is in the traceback `tb`."""
        node = None
        while tb is not None:
            if tb.tb_frame.f_code.co_filename == self.filename:
                node = self.node_at_line.get(tb.tb_lineno, node)
            tb = tb.tb_next
        return node


def link_straight_line(fgraph: FunctionGraph, node_fns: dict[Apply, Callable[..., Any]],
                       runners: dict[Apply, str], constant_fn: Callable[[Constant], Any] = lambda c: c.data,
                       name: str = "theano_fn", quiet_numpy: bool = False) -> LinkedGraph:
    """Generate and compile Python source that calls each node's function in order.

    No interpretive loop runs per node: the source is one call per line, intermediate
    values are locals (deleted after their last use), and storage is per call, so one
    linked graph may be called from several threads at once.
    """
    order = fgraph.toposort()
    names: dict[Variable, str] = {}
    env: dict[str, Any] = {}
    for k, v in enumerate(fgraph.inputs):
        names[v] = f"i{k}"
    counter = itertools.count()
    last_use: dict[Variable, int] = {}
    for pos, node in enumerate(order):
        for i in node.inputs:
            last_use[i] = pos
    outputs = set(fgraph.outputs)
    lines = []
    node_at_line: dict[int, Apply] = {}
    header = f"def {name}({', '.join(names[v] for v in fgraph.inputs)}):"
    for pos, node in enumerate(order):
        args = []
        for i in node.inputs:
            if i not in names:
                if isinstance(i, Constant):
                    cname = f"c{next(counter)}"
                    env[cname] = constant_fn(i)
                    names[i] = cname
                else:
                    raise ValueError(f"link: {i} is used before it is computed")
            args.append(names[i])
        fname = f"f{pos}"
        env[fname] = node_fns[node]
        outs = []
        for o in node.outputs:
            names[o] = f"v{next(counter)}"
            outs.append(names[o])
        target = outs[0] if len(outs) == 1 else ", ".join(outs)
        lines.append(f"    {target} = {fname}({', '.join(args)})")
        node_at_line[len(lines) + 1] = node
        dead = [names[i] for i in dict.fromkeys(node.inputs) if last_use.get(i) == pos
                and i not in outputs and names[i].startswith("v")]
        dead += [names[o] for o in node.outputs if o not in last_use and o not in outputs]
        if dead:
            lines.append(f"    del {', '.join(dead)}")
    ret = []
    for o in fgraph.outputs:
        if o not in names:
            if isinstance(o, Constant):
                cname = f"c{next(counter)}"
                env[cname] = constant_fn(o)
                names[o] = cname
            else:
                raise ValueError(f"link: output {o} is not computed by the graph")
        ret.append(names[o])
    lines.append(f"    return [{', '.join(ret)}]")
    if quiet_numpy:
        # NumPy's floating-point warnings (1/0, log(0)) are values here, as in compiled code.
        env["_errstate"] = np.errstate
        lines = ["    with _errstate(all='ignore'):"] + ["    " + ln for ln in lines]
        node_at_line = {ln + 1: n for ln, n in node_at_line.items()}
    filename = f"<theano-linked-{next(_link_ids)}>"
    source = header + "\n" + "\n".join(lines) + "\n"
    fn = define(source, name, env, filename)
    linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
    linked = LinkedGraph(fn, fgraph, runners, filename, node_at_line, source)
    linked.names = names
    linked.node_fns = list(node_fns.values())
    linked.env = env
    return linked


class Backend:
    """A place where graphs run. Subclasses define how values move there and how a graph
    is linked into a callable; `host_native` backends take and return NumPy arrays."""

    name = "base"
    host_native = True
    #: tags of the backend's own rewrites, run after the core rewrites
    rewrite_tags: tuple[str, ...] = ()
    #: tags of core rewrites this backend declines (the reference: fusion, in-place, BLAS)
    rewrite_exclude: tuple[str, ...] = ()

    def __init__(self, device: str):
        self.device = device

    def __repr__(self) -> str:
        return f"<{type(self).__name__} device={self.device}>"

    def to_device(self, value: np.ndarray) -> Any:
        """A host array as this backend's native array."""
        return value

    def to_host(self, value: Any) -> np.ndarray:
        """A native array as a host NumPy array."""
        return value

    def to_host_many(self, values: Sequence[Any]) -> list[np.ndarray]:
        """`to_host` of each value (a function's outputs): a device backend overrides it to
        wait once for all of them rather than once per value."""
        return [self.to_host(v) for v in values]

    def input_filter(self, ttype: Any, strict: bool, allow_downcast: bool | None,
                     python_filter: Callable[[Any], Any]) -> Callable[[Any], Any] | None:
        """Optionally, a faster equivalent of `python_filter` (the type's fast filter) for the
        inputs of this backend's functions, e.g. compiled; None keeps `python_filter`. It must
        accept and convert exactly what `python_filter` does, and may call it for the rest."""
        return None

    def report_fallback(self, node: Apply, why: str) -> None:
        """Apply config.fallback to a node this backend runs through its NumPy meaning:
        raise, warn once per op class, or stay silent."""
        msg = (f"the {self.name} backend has no implementation of {node.op} ({why}); it runs "
               f"through its NumPy meaning on the host"
               f"{'' if self.host_native else ', with transfers'} (THEANO_FLAGS=fallback=silent|raise)")
        if config.fallback == "raise":
            raise NotImplementedError(msg)
        warned = self.__dict__.setdefault("_fallbacks_warned", set())
        if config.fallback == "warn" and type(node.op) not in warned:
            warned.add(type(node.op))
            warnings.warn(msg, stacklevel=5)

    def check_graph(self, fgraph: FunctionGraph) -> None:
        """Raise if the graph cannot run here at all (e.g. float64 on a device without it)."""

    # -- the link step ----------------------------------------------------------------------
    #: the backend's lowering table (theano.backend.lowering_table); None: every node falls back
    lowering: LoweringTable | None = None

    def link(self, fgraph: FunctionGraph) -> LinkedGraph:
        """The graph as one callable: a Plan per node (`plan`), everything compiled at once
        (`prepare`), each node's callable (`node_function`, or `fallback_function` for a
        fallback, reported through `report_fallback`, or `host_function` for a host-side op,
        not reported), constants placed (`constant_value`),
        and the straight-line driver (`finish_link` may wrap it). A backend extends these
        hooks; it does not copy this loop."""
        plans = {node: self.plan(node) for node in fgraph.toposort()}
        prepared = self.prepare(plans)
        fns, runners = {}, {}
        for node, p in plans.items():
            if p.fallback:
                self.report_fallback(node, p.why)
                fns[node] = p.fn if p.fn is not None else self.fallback_function(node)
            elif p.host:
                fns[node] = p.fn if p.fn is not None else self.host_function(node)
            else:
                fns[node] = self.node_function(node, p, prepared)
            runners[node] = p.runner
        on_host = constants_on_host(fgraph, plans)
        # Compiled code never warns; NumPy code (fallbacks) is told to stay quiet too.
        linked = link_straight_line(fgraph, fns, runners,
                                    constant_fn=lambda c: self.constant_value(c, c in on_host),
                                    quiet_numpy=any(p.fallback or p.host for p in plans.values()))
        # Why each fallback and host-side node runs on the host (the conformance report shows it).
        linked.reasons = {node: p.why for node, p in plans.items() if p.fallback or p.host}
        return self.finish_link(linked)

    def plan(self, node: Apply) -> Plan:
        """The Plan for one node: the lowering table's, else a host plan for a host-side op,
        else a visible fallback."""
        if self.lowering is None:
            why = host_side(node.op)
            if why is not None:
                return host(why)
            return fallback(f"the {self.name} backend has no lowering table")
        return self.lowering.plan(node, self)

    def prepare(self, plans: dict[Apply, Plan]) -> Any:
        """Hook: compile what the plans need, all at once (in parallel, or as one program);
        what it returns is passed to every `node_function` call."""
        return None

    def start_compiling(self, fgraphs: Iterable[FunctionGraph]) -> None:
        """Hook: begin compiling, together, what linking each of `fgraphs` (rewritten for this
        backend) will compile, so that the `link` calls that follow find it compiled or
        compiling (`theano.compile.compile_ahead` calls it for a caller about to compile many
        small functions, such as the conformance suite). A backend whose compiler costs a fixed
        amount per run (the C backend: a gcc run per library) builds a few libraries for all
        the graphs instead of one or two per function. `fgraphs` is produced lazily: a backend
        with nothing to compile ahead (this default) does not iterate it, and no graph is
        rewritten for nothing."""

    def node_function(self, node: Apply, plan: Plan, prepared: Any) -> Callable[..., Any]:
        """Hook: the callable of a node that does not fall back, from its plan's `fn` or its
        `payload` and what `prepare` returned."""
        if plan.fn is None:
            raise ValueError(f"the {self.name} backend's plan for {node.op} ({plan.runner}) has "
                             f"neither fn nor a payload this backend builds from")
        return plan.fn

    def fallback_function(self, node: Apply) -> Callable[..., Any]:
        """Hook: the callable of a fallback node, the shared host-fallback runner (arguments
        to the host and outputs back to the device, unless the backend is host-native)."""
        if self.host_native:
            return host_fallback(node)
        return host_fallback(node, self.to_host, self.to_device)

    def host_function(self, node: Apply) -> Callable[..., Any]:
        """Hook: the callable of a host-side op's node (`host_side`): on a device backend, the
        op's own driver of the backend's values where it has one (`make_backend_fn(node,
        backend)`, e.g. IfElse's), else its NumPy meaning on the host, moved as a fallback's
        is (the same runner, `fallback_function`)."""
        make = getattr(node.op, "make_backend_fn", None)
        if make is not None and not self.host_native:
            return make(node, self)
        return self.fallback_function(node)

    def constant_value(self, constant: Constant, on_host: bool) -> Any:
        """Hook: the value the driver holds for a constant (`on_host`: only host readers
        consume it), moved to the device once, at link time, when a device op reads it."""
        if self.host_native or on_host:
            return constant.data
        return self.to_device(constant.data)

    def finish_link(self, linked: LinkedGraph) -> LinkedGraph:
        """Hook: the linked graph as returned (a backend may wrap its fn, e.g. to select a
        device around every call)."""
        return linked

    def __reduce__(self):
        return (get_backend, (self.device,))
