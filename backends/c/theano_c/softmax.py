"""Softmax, log-softmax, their gradient, softmax with a bias and the fused softmax
cross-entropy ops on the C backend: row loops in softmax_rows.c for float32/float64 along the
last axis; other dtypes and axes keep the NumPy meaning (a visible fallback)."""
from __future__ import annotations

from typing import Any

import numpy as np

from theano.graph.basic import Apply
from theano.tensor.nnet.crossentropy import CrossentropySoftmax1HotWithBiasDx, CrossentropySoftmaxArgmax1HotWithBias
from theano.tensor.nnet.softmax import LogSoftmax, Softmax, SoftmaxGrad, SoftmaxWithBias

from .lowering import Plan, lower

_RUNNER = "c (softmax rows)"


def _row_plan(kind: int, node: Apply, backend: Any, float_inputs: list) -> Plan | None:
    dtypes = {v.type.dtype for v in float_inputs} | {node.outputs[0].type.dtype}
    if len(dtypes) != 1 or not dtypes <= {"float32", "float64"}:
        return None  # the visible fallback
    fn = backend.row_op(kind, np.dtype(dtypes.pop()).num, node.op.make_py_fn(node))
    return Plan(_RUNNER, fn=fn)


_AXIS_KINDS = {Softmax: 0, LogSoftmax: 3, SoftmaxGrad: 4}


@lower.register(Softmax)
@lower.register(LogSoftmax)
@lower.register(SoftmaxGrad)
def _lower_along_axis(op: Any, node: Apply, backend: Any) -> Plan | None:
    x = node.inputs[-1]
    if x.type.ndim not in (1, 2) or op.axis != x.type.ndim - 1:
        return None
    return _row_plan(_AXIS_KINDS[type(op)], node, backend, node.inputs)


@lower.register(SoftmaxWithBias)
def _lower_softmax_with_bias(op: Any, node: Apply, backend: Any) -> Plan | None:
    return _row_plan(5, node, backend, node.inputs)


@lower.register(CrossentropySoftmaxArgmax1HotWithBias)
def _lower_xent(op: Any, node: Apply, backend: Any) -> Plan | None:
    return _row_plan(1, node, backend, node.inputs[:2])


@lower.register(CrossentropySoftmax1HotWithBiasDx)
def _lower_xent_dx(op: Any, node: Apply, backend: Any) -> Plan | None:
    return _row_plan(2, node, backend, node.inputs[:2])
