"""The template backend: its arrays, its transfers, and its per-op lowering table.

It pretends to be a device: values live in `TemplateArray` boxes that only this backend
reads, so every boundary a real accelerator has is here too (to_device/to_host, shared
variables kept on the device, host round trips for the nodes it cannot run). It runs two
ops itself, elementwise add/mul and Dot; every other node falls back to the op's NumPy
meaning (`op.make_py_fn`) with a host round trip, marked "fallback" in the runners so
debugprint and the conformance suite show it.
"""
from __future__ import annotations

import functools
import warnings
from typing import Any, Callable

import numpy as np

from theano.backend import Backend, LinkedGraph, link_straight_line
from theano.config import config
from theano.graph.basic import Apply
from theano.graph.fg import FunctionGraph
from theano.tensor.elemwise import Elemwise, broadcast_check
from theano.tensor.math import Dot


class TemplateArray:
    """A value on the template "device". A real backend has a CuPy, PyOpenCL or own buffer."""

    __slots__ = ("data",)

    def __init__(self, data: np.ndarray):
        self.data = data

    def __repr__(self) -> str:
        return f"TemplateArray({self.data!r})"


# -- the per-op lowering table ---------------------------------------------------------------
# lower(op, node) returns a function of device values, or None when this backend does not
# run that node (it then falls back). Dispatch is on the Op's class, so another package can
# add an op to this backend with `@lower.register(TheirOp)` without touching this file.

@functools.singledispatch
def lower(op: Any, node: Apply) -> Callable[..., Any] | None:
    return None


# The scalar ops whose Elemwise this backend runs natively, by the scalar op's name.
ELEMWISE = {"add": np.add, "mul": np.multiply}


@lower.register(Elemwise)
def _lower_elemwise(op: Elemwise, node: Apply) -> Callable[..., Any] | None:
    if type(op) is not Elemwise:  # FusedElemwise and other subclasses: not handled here
        return None
    impl = ELEMWISE.get(op.scalar_op.name)
    if impl is None:
        return None
    odt = np.dtype(node.outputs[0].type.dtype)
    check = node.outputs[0].type.ndim > 0

    def run(*xs: TemplateArray) -> TemplateArray:
        args = [x.data for x in xs]
        if check:
            # Theano's rule, stricter than NumPy's: a length-1 axis broadcasts only when its
            # type says so. Without this check the conformance suite reports a failure.
            broadcast_check(op, node, args)
        return TemplateArray(np.asarray(functools.reduce(impl, args), dtype=odt))

    return run


@lower.register(Dot)
def _lower_dot(op: Dot, node: Apply) -> Callable[..., Any]:
    odt = np.dtype(node.outputs[0].type.dtype)

    def run(a: TemplateArray, b: TemplateArray) -> TemplateArray:
        return TemplateArray(np.asarray(np.dot(a.data, b.data), dtype=odt))

    return run


# -- the backend ---------------------------------------------------------------------------------

class TemplateBackend(Backend):
    name = "template"
    host_native = False  # values are TemplateArrays: the core calls to_device/to_host
    rewrite_tags = ("template",)

    def to_device(self, value: Any) -> Any:
        if isinstance(value, (np.ndarray, np.generic)):
            return TemplateArray(np.array(value))  # a transfer is a copy
        return value  # non-tensor values (slices, random states ...) stay as they are

    def to_host(self, value: Any) -> Any:
        if isinstance(value, TemplateArray):
            return value.data.copy()  # never hand out the device's buffer
        return value

    def link(self, fgraph: FunctionGraph) -> LinkedGraph:
        fns, runners = {}, {}
        native = config.template__native
        for node in fgraph.toposort():
            fn = lower(node.op, node) if native else None
            if fn is not None:
                fns[node], runners[node] = fn, "template"
            else:
                fns[node], runners[node] = self._fallback(node), "numpy (fallback)"
        return link_straight_line(fgraph, fns, runners, constant_fn=lambda c: self.to_device(c.data))

    def _fallback(self, node: Apply) -> Callable[..., Any]:
        """Run the op's NumPy meaning on the host: inputs to the host, outputs back."""
        if config.fallback == "raise":
            raise NotImplementedError(f"the template backend cannot run {node.op} and "
                                      f"config.fallback is 'raise'")
        if config.fallback == "warn":
            _warn_once(type(node.op).__name__)
        py = node.op.make_py_fn(node)
        to_host, to_device = self.to_host, self.to_device
        if len(node.outputs) == 1:
            def run(*xs: Any) -> Any:
                return to_device(py(*[to_host(x) for x in xs]))
        else:
            def run(*xs: Any) -> Any:
                return tuple(to_device(o) for o in py(*[to_host(x) for x in xs]))
        return run


@functools.lru_cache(maxsize=None)
def _warn_once(op_name: str) -> None:
    warnings.warn(f"the template backend has no implementation of {op_name}: it runs on the "
                  f"host through the reference (config.fallback=silent hides this)", stacklevel=4)
