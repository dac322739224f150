"""The template backend: its arrays, its transfers, and its lowering table.

It pretends to be a device: values live in `TemplateArray` boxes that only this backend
reads, so every boundary a real accelerator has is here too (to_device/to_host, shared
variables kept on the device, host round trips for the nodes it cannot run). It runs two
ops itself, elementwise add/mul and Dot; every other node falls back to the op's NumPy
meaning (`op.make_py_fn`) with a host round trip, marked "numpy (fallback)" in the runners
so debugprint and the conformance suite show it, with the reason.

Everything but the arrays and the op implementations is the core's lowering contract
(`theano.backend`): a `lowering_table`, `Plan`s, and `Backend.link`, which plans every node,
reports fallbacks, runs them through the shared host fallback and places the constants.
"""
from __future__ import annotations

import functools
from typing import Any

import numpy as np

from theano.backend import Backend, Plan, fallback, lowering_table
from theano.config import config
from theano.graph.basic import Apply
from theano.scalar import basic as scal
from theano.tensor.elemwise import Elemwise, broadcast_check
from theano.tensor.math import Dot


class TemplateArray:
    """A value on the template "device". A real backend has a CuPy, PyOpenCL or own buffer."""

    __slots__ = ("data",)

    def __init__(self, data: np.ndarray):
        self.data = data

    def __repr__(self) -> str:
        return f"TemplateArray({self.data!r})"


# -- the lowering table --------------------------------------------------------------------------
# A lowering returns a Plan (a runner label and the node's function of device values), or
# None when this backend does not run that node (it then falls back, visibly). Dispatch is
# on the Op's class, so another package can add an op to this backend with
# `@lower.register(TheirOp)` without touching this file.

lower = lowering_table("template")

# The scalar ops whose Elemwise this backend runs natively, by the scalar op's class.
ELEMWISE = {scal.Add: np.add, scal.Mul: np.multiply}
RUNNER = "template"


@lower.register(Elemwise)
def _lower_elemwise(op: Elemwise, node: Apply, backend: Any) -> Plan | None:
    if type(op) is not Elemwise:  # FusedElemwise and other subclasses: not handled here
        return None
    impl = ELEMWISE.get(type(op.scalar_op))
    if impl is None:
        return fallback(f"the template runs no elementwise {op.scalar_op}")
    odt = np.dtype(node.outputs[0].type.dtype)
    check = node.outputs[0].type.ndim > 0

    def run(*xs: TemplateArray) -> TemplateArray:
        args = [x.data for x in xs]
        if check:
            # Theano's rule, stricter than NumPy's: a length-1 axis broadcasts only when its
            # type says so. Without this check the conformance suite reports a failure.
            broadcast_check(op, node, args)
        return TemplateArray(np.asarray(functools.reduce(impl, args), dtype=odt))

    return Plan(RUNNER, fn=run)


@lower.register(Dot)
def _lower_dot(op: Dot, node: Apply, backend: Any) -> Plan:
    odt = np.dtype(node.outputs[0].type.dtype)

    def run(a: TemplateArray, b: TemplateArray) -> TemplateArray:
        return TemplateArray(np.asarray(np.dot(a.data, b.data), dtype=odt))

    return Plan(RUNNER, fn=run)


# -- the backend ---------------------------------------------------------------------------------

class TemplateBackend(Backend):
    """The template "device" (see the module doc): transfers, and the lowering table; the
    core's `Backend.link` does the rest."""

    name = "template"
    host_native = False  # values are TemplateArrays: the core calls to_device/to_host
    rewrite_tags = ("template",)
    lowering = lower

    def to_device(self, value: Any) -> Any:
        if isinstance(value, (np.ndarray, np.generic)):
            return TemplateArray(np.array(value))  # a transfer is a copy
        return value  # non-tensor values (slices, random states ...) stay as they are

    def to_host(self, value: Any) -> Any:
        if isinstance(value, TemplateArray):
            return value.data.copy()  # never hand out the device's buffer
        return value

    def plan(self, node: Apply) -> Plan:
        if not config.template__native:
            return fallback("template__native is off")
        return super().plan(node)
