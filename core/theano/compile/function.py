"""theano.function: from symbolic inputs and outputs to a callable Function.

The compile steps live in maker.py (FunctionMaker), the aliasing guard in aliasing.py,
profiling and value traces in profile_stats.py (not profiling.py: Theano 1.0.5's
theano.compile.profiling has another shape and stays absent here), DeepCopyOp in ops.py;
their public names stay importable from here, where Theano 1.0 users found them."""
from __future__ import annotations

import operator
import sys
import threading
import warnings
from typing import Any, Sequence

import numpy as np

from ..config import config
from ..graph.basic import Variable
from ..graph.op import describe_inputs
from ..graph.sourceinfo import format_frame
from .aliasing import unalias
from .io import In, Out
from .maker import (FunctionMaker, InputSpec, UnusedInputError, as_list, compiling_device,
                    update_pairs)
from .mode import get_mode
from .ops import DeepCopyOp, deep_copy_op
from .profile_stats import ProfileStats, Trace, timed
from ..backend.pysource import define
from ..backend.registry import UnknownDeviceError
from ..backend.registry import registry
from ..tensor.basic import as_tensor_variable
from ..tensor.type import HOST_DATA

__all__ = ["function", "Function", "UnusedInputError", "DeepCopyOp", "deep_copy_op", "FunctionMaker",
           "ProfileStats", "Trace", "compiling_device"]


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
            self._fn = timed(self.linked.profiling_fn(self.profile.node_seconds), self.profile)
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
                               "backend": self.backend, "B": host, "unalias": unalias,
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
        rs = [f"r{k}" for k in range(n_out)]
        if self._single:
            lines += [f"    r = {host_out.format(k=0)}",
                      "    return r if type(r) is ndarray else as_output(r)"]
        else:
            if self._device_io and n_out > 1:  # one wait for all the outputs' transfers
                env["to_host_many"] = self.backend.to_host_many
                lines.append(f"    {', '.join(rs)}, = to_host_many(outs[:{n_out}])")
            else:
                lines += [f"    r{k} = {host_out.format(k=k)}" for k in range(n_out)]
            lines += [f"    if type(r{k}) is not ndarray: r{k} = as_output(r{k})" for k in range(n_out)]
            lines.append(f"    return [{', '.join(rs)}]")
        return define("\n".join(lines) + "\n", "call", env, f"<theano-call {self._label()}>")

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

    def _filter(self, k: int, spec: InputSpec, value: Any) -> Any:
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
            # cycle: compile.function -> printing -> compile.function
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

    def call_on_backend(self, *args: Any) -> list:
        """Run with values as this function's backend holds them and return the outputs so,
        for an op that drives the function from inside another function on the same backend
        (IfElse's branches): the backend's own arrays (device arrays) pass as they are, host
        values are checked and moved as a call's are, and the outputs stay on the device (a
        call would copy each to the host, and the driving op each back). No updates are
        applied: only for functions without shared values, whose outputs are fresh (see
        aliasing.guard_outputs) so the caller may keep them."""
        if self._shared or len(args) != self._n_in:
            raise TypeError(f"call_on_backend: {self._label()} takes {self._n_in} values and no "
                            f"shared ones; it has {len(self._shared)} shared and got {len(args)}")
        values = [self.backend.to_device(self._filter(k, s, a)) if isinstance(a, HOST_DATA) else a
                  for k, (s, a) in enumerate(zip(self.input_specs, args))]
        try:
            outs = self._fn(*values)
        except Exception as e:
            raise self._runtime_error(e, sys.exc_info()[2]) from None
        return list(outs[:self._n_out])

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


def _as_output(v: Any) -> Any:
    """Outputs are ndarrays (0-d for scalars); scipy.sparse matrices stay sparse, and random
    generators (RandomStateType values, e.g. a stream's state threaded through a scan) stay
    generators."""
    if hasattr(v, "tocsr") or isinstance(v, (np.random.RandomState, np.random.Generator)):
        return v
    return np.asarray(v)


def _fast_filter(spec: "InputSpec", backend: Any) -> Any:
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
    for o in as_list(outputs):
        if isinstance(o, Out):
            o = o.variable
        if not isinstance(o, Variable):
            o = as_tensor_variable(o)
        outs.append(o)
    if single and outputs is None:
        single = False
    spec = dict(inputs=ins, outputs=outputs, mode=mode, updates=updates, givens=givens,
                no_default_updates=no_default_updates, name=name,
                allow_input_downcast=allow_input_downcast, on_unused_input=on_unused_input,
                device=device, trust_input=trust_input, profile=profile)
    givens_pairs = update_pairs(givens)
    profile = profile if profile is not None else config.profile
    m = get_mode(mode)
    maker = FunctionMaker(ins, outs, update_pairs(updates), givens_pairs, m, device, name,
                          allow_input_downcast, on_unused_input, no_default_updates, trust_input,
                          profile, spec, single, rebuild_strict)
    return Function(maker)
