"""theano.function: from symbolic inputs and outputs to a callable Function."""
from __future__ import annotations

import copy
import operator
import sys
import threading
import time
import warnings
from collections import OrderedDict
from typing import Any, Sequence

import numpy as np

from ..config import config
from ..graph.basic import Apply, Constant, Variable, clone_get_equiv, graph_inputs
from ..graph.fg import FunctionGraph, MissingInputError
from ..graph.op import Op, describe_inputs
from ..graph.sourceinfo import format_frame, user_frame
from .io import In, Out
from .mode import Mode, get_mode
from .sharedvalue import Container, SharedVariable

__all__ = ["function", "Function", "UnusedInputError", "DeepCopyOp", "deep_copy_op"]


_compiling = threading.local()


def compiling_device() -> str | None:
    """The device of the function being linked right now in this thread, if any."""
    return getattr(_compiling, "device", None)


class UnusedInputError(Exception):
    """An explicit input is not needed by any output or update."""


class DeepCopyOp(Op):
    """A copy of its input, so an output never aliases an input or another output."""

    def make_node(self, x):
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node):
        def fn(x):
            return x.copy() if hasattr(x, "copy") else copy.deepcopy(x)

        return fn

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(inputs[0])

    def infer_shape(self, node, shapes):
        return [shapes[0]]

    def grad(self, inputs, gouts):
        return [gouts[0]]


deep_copy_op = DeepCopyOp()


def _as_list(x: Any) -> list:
    if x is None:
        return []
    if isinstance(x, (list, tuple)):
        return list(x)
    return [x]


def _update_pairs(updates: Any) -> list[tuple[Variable, Variable]]:
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


def _check_update(shared_var: Any, expr: Any) -> Variable:
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


def _alias_roots(var: Variable) -> set:
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


def _memory_root(a: np.ndarray) -> Any:
    """The object that owns an array's memory (the end of its `.base` chain)."""
    while True:
        b = a.base
        if b is None:
            return a
        if not isinstance(b, np.ndarray):
            return b
        a = b


def _unalias(results: list, protected: Sequence[Any], skip: frozenset) -> None:
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
            o = id(_memory_root(r))
            owners[o] = k
            first.append((k, o))
    if not owners:
        return
    prot = {id(_memory_root(v)) for v in protected if type(v) is np.ndarray}
    for k, o in first:
        if o in prot or owners[o] != k:
            # keep the last result that owns `o` unless an argument or shared value owns it
            results[k] = results[k].copy()


class _InputSpec:
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


class Function:
    """A compiled function. Call it with the input values (positionally or by name); it
    returns the output values as NumPy arrays and applies the updates.

    Introspection as in Theano: `f.maker.fgraph` is the graph that runs,
    `f.maker.fgraph.toposort()` its nodes in order.
    """

    def __init__(self, maker: "FunctionMaker"):
        self.maker = maker
        self.name = maker.name
        self.backend = maker.backend
        self.linked = maker.linked
        self._fn = maker.linked.fn
        self.input_specs = maker.input_specs
        self._n_out = len(maker.outputs)
        self._single = maker.single_output
        self._updated = maker.updated_containers
        self._shared = maker.shared_containers
        self._trust_input = maker.trust_input
        self._passthrough = frozenset(maker.passthrough | maker.fresh)
        # DebugMode checks every call for ops that return an input's memory without declaring
        # it in view_map (an op bug); other modes trust the declarations and pay nothing.
        self._check_aliasing = maker.backend.host_native and getattr(maker.mode, "name", None) == "DebugMode"
        self._names: dict[str, Any] = {}
        for k, spec in enumerate(self.input_specs):
            if spec.name:
                # Two inputs with one name cannot be passed by keyword (as in Theano).
                self._names[spec.name] = _AMBIGUOUS if spec.name in self._names else k
        self._trace_fn = None
        self._lock = threading.Lock()
        self.profile = maker.profile_stats
        if self.profile is not None:
            # profile=True: a driver that times every node (the plain one stays untouched)
            self._fn = _timed(self.linked.profiling_fn(self.profile.node_seconds), self.profile)
        # The per-call fast path: one prepared filter per input, flags read once.
        self._n_in = len(self.input_specs)
        self._device_io = not maker.backend.host_native
        self._filters = [_fast_filter(s, maker.backend) for s in self.input_specs]
        self._call = self._build_call()

    # -- calling -------------------------------------------------------------------
    # `f(...)` runs `f._call`, a function generated for this Function alone (see _build_call):
    # the property is a C-level descriptor, so no Python frame runs between the caller and it.
    __call__ = property(operator.attrgetter("_call"), doc="Call with the input values (positionally "
                        "or by name): returns the outputs and applies the updates.")

    @property
    def trust_input(self) -> bool:
        """Skip the input checks and casts: the arguments must already be arrays of the
        inputs' exact types (Theano's `f.trust_input = True`)."""
        return self._trust_input

    @trust_input.setter
    def trust_input(self, value: bool) -> None:
        self._trust_input = bool(value)
        if hasattr(self, "_filters"):
            self._call = self._build_call()

    def _build_call(self) -> Any:
        """The per-call path as straight-line Python made for this function: its number of
        inputs, filters, shared values, updates and outputs are constants of the source, so a
        call runs no loops and reads no flags. Every error takes the general path below."""
        n, n_out = self._n_in, self._n_out
        host = None if self.backend.host_native else self.backend
        env: dict[str, Any] = {"complete": self._complete_args, "slow": self._slow_filters,
                               "fn": self._fn, "runtime_error": self._runtime_error,
                               "exc_info": sys.exc_info, "ndarray": np.ndarray, "as_output": _as_output,
                               "backend": self.backend, "B": host, "unalias": _unalias,
                               "passthrough": self._passthrough, "to_device": self.backend.to_device,
                               "to_host": self.backend.to_host}
        a = [f"a{k}" for k in range(n)]
        v = [f"v{k}" for k in range(n)]
        lines = ["def call(*args, **kwargs):",
                 f"    if kwargs or len(args) != {n}:",
                 "        args = complete(args, kwargs)"]
        if n:
            lines.append(f"    {', '.join(a)}, = args")
        if self.trust_input:
            v = a
        elif n:
            env.update({f"F{k}": f for k, f in enumerate(self._filters)})
            lines += ["    try:",
                      *[f"        {v[k]} = F{k}({a[k]})" for k in range(n)],
                      "    except Exception:",
                      f"        {', '.join(v)}, = slow(args)"]
        if self._device_io:
            lines += [f"    {x} = to_device({x})" for x in v]
        # A call that updates shared variables holds their locks (in their canonical order)
        # from reading the shared values to storing the updates, so calls updating a common
        # variable run that stretch one at a time and none loses another's update. A call
        # without updates takes no lock: each value it reads is one attribute, replaced whole.
        locks = sorted({id(c): c for c in self._updated}.values(), key=operator.attrgetter("order"))
        body = []
        for k, c in enumerate(self._shared):
            env[f"C{k}"] = c
            body += [f"s{k}, p{k} = C{k}.state",
                     f"if p{k} is not B: s{k} = C{k}.value_for(backend)"]
        values = v + [f"s{k}" for k in range(len(self._shared))]
        body += ["try:",
                 f"    outs = fn({', '.join(values)})",
                 "except Exception as e:",
                 "    raise runtime_error(e, exc_info()[2]) from None"]
        if self._check_aliasing:
            body.append(f"unalias(outs, [{', '.join(values)}], passthrough)")
        # Only now, after everything succeeded, do the updates become visible.
        for k, c in enumerate(self._updated):
            env[f"U{k}"] = c
            body.append(f"U{k}.state = (outs[{n_out + k}], B)")
        if not locks:
            lines += [f"    {ln}" for ln in body]
        else:
            # acquire/release by hand: a third cheaper than `with` (whose __exit__ takes varargs).
            # The acquisitions sit inside the try and the finally releases only the locks this
            # thread holds, so a KeyboardInterrupt at any point can neither leave a lock held
            # (hanging every later call) nor release another thread's.
            env.update({f"L{k}": c.lock for k, c in enumerate(locks)})
            lines += ["    try:",
                      *[f"        L{k}.acquire()" for k in range(len(locks))],
                      *[f"        {ln}" for ln in body],
                      "    finally:",
                      *[f"        if L{k}._is_owned(): L{k}.release()" for k in reversed(range(len(locks)))]]
        host_out = "to_host(outs[{k}])" if self._device_io else "outs[{k}]"
        if self._single:
            lines += [f"    r = {host_out.format(k=0)}",
                      "    return r if type(r) is ndarray else as_output(r)"]
        else:
            for k in range(n_out):
                lines += [f"    r{k} = {host_out.format(k=k)}",
                          f"    if type(r{k}) is not ndarray: r{k} = as_output(r{k})"]
            lines.append(f"    return [{', '.join(f'r{k}' for k in range(n_out))}]")
        exec(compile("\n".join(lines) + "\n", f"<theano-call {self._label()}>", "exec"), env)
        return env["call"]

    def _slow_filters(self, args: Sequence[Any]) -> list:
        """The inputs filtered one by one, raising the message that names the argument."""
        return [self._filter(k, s, a) for k, (s, a) in enumerate(zip(self.input_specs, args))]

    def _label(self) -> str:
        if self.name:
            return f"function {self.name!r}"
        where = self.maker.location
        return f"the function built at {where[0]}:{where[1]}" if where else "the function"

    def _complete_args(self, args: Sequence[Any], kwargs: dict) -> list:
        specs = self.input_specs
        if len(args) > len(specs):
            raise TypeError(f"{self._label()} takes at most {len(specs)} argument(s) ({len(args)} given)")
        vals: list[Any] = list(args) + [_MISSING] * (len(specs) - len(args))
        for key, v in kwargs.items():
            k = self._names.get(key)
            if k is _AMBIGUOUS:
                raise TypeError(f"{self._label()}: ambiguous name {key!r}: several inputs are named "
                                f"so; check the names of the function's inputs for duplicates")
            if k is None:
                raise TypeError(f"{self._label()} has no input named {key!r}; inputs: "
                                f"{', '.join(s.name or '?' for s in specs)}")
            if vals[k] is not _MISSING:
                raise TypeError(f"{self._label()} got input {key!r} twice (by position and by name)")
            vals[k] = v
        for k, v in enumerate(vals):
            if v is _MISSING:
                s = specs[k]
                if s.container is None:
                    raise TypeError(f"{self._label()}: missing required input {s.name or s.variable} "
                                    f"(argument {k}) of type {s.variable.type}")
                vals[k] = s.container.value
        return vals

    def _filter(self, k: int, spec: _InputSpec, value: Any) -> Any:
        t = spec.variable.type
        try:
            return t.filter(value, strict=spec.strict, allow_downcast=spec.allow_downcast)
        except (TypeError, ValueError) as e:
            raise TypeError(f"bad argument {k} ({spec.name or spec.variable}) to {self._label()}: {e}"
                            ) from None

    def _runtime_error(self, exc: BaseException, tb: Any) -> BaseException:
        node = self.linked.failing_node(tb)
        if node is None:
            return exc
        values = []
        frame_locals = {}
        t = tb
        while t is not None:
            if t.tb_frame.f_code.co_filename == self.linked.filename:
                frame_locals = t.tb_frame.f_locals
            t = t.tb_next
        names = getattr(self.linked, "names", {})
        for i in node.inputs:
            nm = names.get(i)
            values.append(frame_locals.get(nm, i) if nm else i)
        shapes = describe_inputs(values)[1:-1]
        trace = getattr(node.tag, "trace", None)
        msg = (f"{format_frame(trace)}: {node.op} failed on inputs ({shapes}): {exc}\n"
               f"  while running the node built at the line above; runner: "
               f"{self.linked.runners.get(node, '?')}")
        if config.exception_verbosity == "high":
            from ..printing import debugprint

            msg += "\n  graph of the failing node:\n" + debugprint(node.outputs, file="str")
        else:
            msg += "\n  (set THEANO_FLAGS=exception_verbosity=high for the node's whole graph)"
        try:
            new = type(exc)(msg)
        except Exception:
            new = RuntimeError(msg)
        new.__cause__ = None
        return new

    # -- introspection ---------------------------------------------------------------
    def trace(self, *args: Any, **kwargs: Any) -> "Trace":
        """Run once without applying updates and return every intermediate value."""
        with self._lock:
            if self._trace_fn is None:
                order = self.maker.fgraph.toposort()
                self._trace_fn = (self.linked.recording_fn(), [o for n in order for o in n.outputs])
        fn, tvars = self._trace_fn
        specs = self.input_specs
        args = self._complete_args(args, kwargs) if (kwargs or len(args) < len(specs)) else list(args)
        values = [self._filter(k, s, a) for k, (s, a) in enumerate(zip(specs, args))]
        if not self.backend.host_native:
            values = [self.backend.to_device(v) for v in values]
        values.extend(c.value_for(self.backend) for c in self._shared)
        recorded: list = []

        def record(*vals: Any) -> None:
            recorded.extend(v.copy() if hasattr(v, "copy") else v for v in vals)

        fn(*values, record)
        if not self.backend.host_native:
            recorded = [self.backend.to_host(v) for v in recorded]
        return Trace([(v, np.asarray(o)) for v, o in zip(tvars, recorded)])

    def free(self) -> None:
        """Release the memory the backend keeps between calls (output buffers it would
        reuse); the function stays usable."""
        self.linked.free()

    def copy(self, share_memory: bool = False, swap: dict | None = None, delete_updates: bool = False,
             name: str | None = None) -> "Function":
        spec = dict(self.maker.spec)
        if swap:
            raise NotImplementedError("Function.copy(swap=...) is not supported; build a new function "
                                      "with givens instead")
        if delete_updates:
            spec["updates"] = []
        spec["name"] = name or self.name
        return function(**spec)

    def __reduce__(self):
        return (_rebuild_function, (self.maker.spec,))

    def __repr__(self) -> str:
        where = f"{self.maker.location[0]}:{self.maker.location[1]}" if self.maker.location else ""
        return f"<theano Function {self.name or where} on {self.backend.device}>"


_MISSING = object()
_AMBIGUOUS = object()

def _timed(fn: Any, stats: "ProfileStats") -> Any:
    def run(*values: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*values)
        finally:
            stats.calls += 1
            stats.call_s += time.perf_counter() - t0

    return run


def _as_output(v: Any) -> Any:
    """Outputs are ndarrays (0-d for scalars); scipy.sparse matrices stay sparse, and random
    generators (RandomStateType values, e.g. a stream's state threaded through a scan) stay
    generators."""
    if hasattr(v, "tocsr") or isinstance(v, (np.random.RandomState, np.random.Generator)):
        return v
    return np.asarray(v)


def _fast_filter(spec: "_InputSpec", backend: Any) -> Any:
    """A filter for one input: the backend's (compiled) one when it offers it, else the type's
    prepared fast filter when it has one, else the type's filter."""
    t = spec.variable.type
    make = getattr(t, "fast_filter", None)
    if make is not None:
        python_filter = make(spec.strict, spec.allow_downcast)
        return backend.input_filter(t, spec.strict, spec.allow_downcast, python_filter) or python_filter
    return lambda a: t.filter(a, strict=spec.strict, allow_downcast=spec.allow_downcast)


def _rebuild_function(spec: dict) -> Function:
    """Unpickling: compile again for what is installed here; fall back to the CPU when the
    pickled device (given to function() or in its Mode) is not usable."""
    from ..backend.registry import UnknownDeviceError, registry

    mode = spec.get("mode")
    device = spec.get("device") or getattr(mode, "device", None)
    if device is not None:
        try:
            registry.resolve(device)
        except UnknownDeviceError:
            warnings.warn(f"the pickled function ran on device {device!r}, which is not usable "
                          f"here; recompiling it for device 'cpu'", stacklevel=2)
            spec = dict(spec, device="cpu")
    return function(**spec)


class Trace(list):
    """Intermediate values of one call: a list of (variable, value)."""

    def __str__(self) -> str:
        lines = []
        for v, val in self:
            op = v.owner.op if v.owner is not None else "input"
            lines.append(f"{str(v):<40} {str(op):<36} {val.dtype}{tuple(val.shape)}")
        return "\n".join(lines)


class _InheritTraces:
    """A node made by a rewrite takes the trace of the variable it replaces (Theano's
    copy_stack_trace), so a run-time error names the line where the user built that part
    of the graph, not the line that called theano.function."""

    def __init__(self, fgraph: FunctionGraph):
        self.known = set(fgraph.apply_nodes)

    def on_change_input(self, fgraph, node, i, old, new, reason) -> None:
        n = new.owner
        if n is None or n in self.known or old.owner is None:
            return
        trace = getattr(old.owner.tag, "trace", None)
        if trace is not None:
            n.tag.trace = trace
            self.known.add(n)

    def finish(self, fgraph: FunctionGraph) -> None:
        """New nodes that replaced nothing (the inner parts of a replacement) take the trace
        of a node that reads them."""
        for node in reversed(fgraph.toposort()):
            if node in self.known:
                continue
            for o in node.outputs:
                reader = next((c for c, _ in fgraph.clients.get(o, ())
                               if c != "output" and c in self.known), None)
                if reader is not None:
                    node.tag.trace = getattr(reader.tag, "trace", None)
                    self.known.add(node)
                    break


class ProfileStats:
    """What compiling and running a function cost: `f.profile` when built with profile=True
    (or config.profile). `summary()` is the report; node_seconds[k] is the time spent in the
    k-th node of the run order over all calls."""

    def __init__(self, maker: "FunctionMaker", build_s: float, rewrite_s: float, link_s: float):
        self.build_s, self.rewrite_s, self.link_s = build_s, rewrite_s, link_s
        self.rewrites = dict(maker.rewrite_stats.fired)
        self.rewrite_time = dict(maker.rewrite_stats.time)
        self.nodes = maker.fgraph.toposort()
        self.runners = maker.linked.runners
        self.node_seconds = [0.0] * len(self.nodes)
        self.calls = 0
        self.call_s = 0.0

    def __getitem__(self, key: str) -> Any:  # the dict-style access earlier code used
        return {"build_s": self.build_s, "rewrite_s": self.rewrite_s, "link_s": self.link_s,
                "rewrites": self.rewrites, "rewrite_time": self.rewrite_time}[key]

    def summary(self, top: int = 20) -> str:
        """A short report: compile phases, the slowest rewrite passes, and time per node."""
        lines = [f"compile: graph {self.build_s * 1e3:.1f} ms, rewriting {self.rewrite_s * 1e3:.1f} ms, "
                 f"linking {self.link_s * 1e3:.1f} ms",
                 f"run: {self.calls} call(s), {self.call_s * 1e3:.3f} ms in all "
                 f"({sum(self.node_seconds) * 1e3:.3f} ms inside nodes)"]
        passes = sorted(((t, n) for n, t in self.rewrite_time.items() if n.startswith("pass:")), reverse=True)
        for t, n in passes[:5]:
            lines.append(f"  rewrite {n[5:]:<50} {t * 1e3:9.2f} ms")
        total = sum(self.node_seconds) or 1.0
        order = sorted(range(len(self.nodes)), key=lambda k: -self.node_seconds[k])
        lines.append(f"  {'%':>6} {'ms':>10}  node (runner)")
        for k in order[:top]:
            n = self.nodes[k]
            lines.append(f"  {100 * self.node_seconds[k] / total:6.1f} {self.node_seconds[k] * 1e3:10.3f}  "
                         f"{k}: {n.op} ({self.runners.get(n, '?')})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()


class FunctionMaker:
    """Builds the FunctionGraph (givens, updates, shared inputs), rewrites and links it."""

    def __init__(self, inputs: list[In], outputs: list[Variable], updates: list[tuple], givens: list,
                 mode: Mode, device: str | None, name: str | None, allow_input_downcast: bool | None,
                 on_unused_input: str, no_default_updates: Any, trust_input: bool, profile: Any,
                 spec: dict, single_output: bool, rebuild_strict: bool = True):
        from ..backend.registry import get_backend

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
            upd[sv] = _check_update(sv, expr)
        # Givens: substitute in a copy of the graph.
        memo: dict = dict(cuts)
        for old, new in givens:
            if not isinstance(old, Variable):
                raise TypeError(f"givens keys must be Variables, got {type(old).__name__}")
            if not isinstance(new, Variable):
                from ..tensor.basic import as_tensor_variable

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
                    upd[v] = _check_update(v, v.default_update)
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
        self.input_specs = [_InputSpec(i, allow_input_downcast) for i in inputs]
        self.shared_containers = [sv.container for sv in shared_in]
        self.updated_containers = [sv.container for sv in upd]
        t1 = time.perf_counter()
        # Device and rewrites.
        self.backend = get_backend(device or mode.device)
        traces = _InheritTraces(fgraph)
        fgraph.attach_feature(traces)
        self.rewrite_stats = mode.rewrite(fgraph, self.backend.rewrite_tags,
                                          self.backend.rewrite_exclude)
        self._guard_outputs(fgraph, n_out)
        traces.finish(fgraph)
        t2 = time.perf_counter()
        self.backend.check_graph(fgraph)
        prev = getattr(_compiling, "device", None)
        _compiling.device = self.backend.device  # inner graphs (scan, ifelse) compile for it too
        try:
            self.linked = self.backend.link(fgraph)
        finally:
            _compiling.device = prev
        t3 = time.perf_counter()
        self.profile_stats = ProfileStats(self, t1 - t0, t2 - t1, t3 - t2) if profile else None

    def _guard_outputs(self, fgraph: FunctionGraph, n_out: int) -> None:
        """Copy outputs (and updates) that may share memory with an input, a constant or a
        later output, so the user can mutate what they get back and each shared variable
        owns its value. The last of several aliased outputs keeps the original."""
        inputs = set(fgraph.inputs)
        n_in = len(fgraph.inputs)
        own = {}  # update position -> the fgraph input holding that shared variable's value
        for u, c in enumerate(self.updated_containers):
            own[n_out + u] = fgraph.inputs[n_in - len(self.shared_containers)
                                           + self.shared_containers.index(c)]
        self.passthrough = set()
        outs = list(fgraph.outputs)
        roots = [_alias_roots(o) for o in outs]
        for k, o in enumerate(outs):
            if own.get(k) is o:
                # `updates=[(s, s)]`: storing the value it already holds is harmless.
                self.passthrough.add(k)
                continue
            bad = any(r in inputs or isinstance(r, Constant) for r in roots[k])
            bad = bad or any(roots[k] & roots[j] for j in range(k + 1, len(outs)))
            if bad:
                fgraph.change_input("output", k, deep_copy_op(o),
                                    reason="output_guard" if k < n_out else "update_guard")
                roots[k] = {fgraph.outputs[k]}
        # Results made by a copy are fresh memory each call: the run-time check skips them.
        self.fresh = {k for k, o in enumerate(fgraph.outputs)
                      if o.owner is not None and isinstance(o.owner.op, DeepCopyOp)}


def function(inputs: Sequence[Any], outputs: Any = None, mode: Any = None, updates: Any = None,
             givens: Any = None, no_default_updates: Any = False, accept_inplace: bool = False,
             name: str | None = None, rebuild_strict: bool = True, allow_input_downcast: bool | None = None,
             profile: Any = None, on_unused_input: str | None = None, device: str | None = None,
             trust_input: bool = False) -> Function:
    """Compile a function from `inputs` to `outputs`.

    updates: pairs (shared variable, new value) or a dict, applied after each successful call;
    givens: pairs (variable, replacement) substituted in the graph; mode: 'FAST_RUN',
    'FAST_COMPILE' or a Mode; device: where it runs ('cpu', 'numpy', 'c', 'opencl', 'cuda' ...).
    """
    if not isinstance(inputs, (list, tuple)):
        raise TypeError("the inputs of theano.function must be given as a list, even when there is "
                        "one input: theano.function([x], y)")
    if on_unused_input is None:
        on_unused_input = config.on_unused_input
    if on_unused_input not in ("raise", "warn", "ignore"):
        raise ValueError(f"on_unused_input must be 'raise', 'warn' or 'ignore', got {on_unused_input!r}")
    ins = [i if isinstance(i, In) else In(i) for i in inputs]
    single = not isinstance(outputs, (list, tuple))
    outs = []
    for o in _as_list(outputs):
        if isinstance(o, Out):
            o = o.variable
        if not isinstance(o, Variable):
            from ..tensor.basic import as_tensor_variable

            o = as_tensor_variable(o)
        outs.append(o)
    if single and outputs is None:
        single = False
    spec = dict(inputs=ins, outputs=outputs, mode=mode, updates=updates, givens=givens,
                no_default_updates=no_default_updates, name=name,
                allow_input_downcast=allow_input_downcast, on_unused_input=on_unused_input,
                device=device, trust_input=trust_input, profile=profile)
    givens_pairs = _update_pairs(givens)
    profile = profile if profile is not None else config.profile
    m = get_mode(mode)
    maker = FunctionMaker(ins, outs, _update_pairs(updates), givens_pairs, m, device, name,
                          allow_input_downcast, on_unused_input, no_default_updates, trust_input,
                          profile, spec, single, rebuild_strict)
    return Function(maker)
