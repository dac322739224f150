"""Checks an op's infer_shape against the shapes of the values it really computes."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import theano
import theano.tensor as T
from theano.tensor.shape import shape_i


def check_infer_shape(inputs: Sequence[Any], outputs: Sequence[Any], values: Sequence[Any]) -> None:
    """Compile each output's op.infer_shape (given symbolic input shapes) and compare it with
    the shape of the output computed from `values`; also compile `out.shape`."""
    outputs = list(outputs)
    real = theano.function(list(inputs), outputs, on_unused_input="ignore")(*values)
    for out, val in zip(outputs, real):
        node = out.owner
        shapes = [tuple(shape_i(i, k) for k in range(i.type.ndim)) if hasattr(i.type, "ndim") else None
                  for i in node.inputs]
        inferred = node.op.infer_shape(node, shapes)[node.outputs.index(out)]
        assert len(inferred) == val.ndim, f"{node.op}: infer_shape gave {len(inferred)} dims, value has {val.ndim}"
        sym = [T.as_tensor_variable(np.int64(s)) if isinstance(s, (int, np.integer)) else T.as_tensor_variable(s)
               for s in inferred]
        got = theano.function(list(inputs), sym, on_unused_input="ignore")(*values) if sym else []
        assert tuple(int(g) for g in got) == val.shape, f"{node.op}: infer_shape {tuple(got)} != {val.shape}"
        compiled = theano.function(list(inputs), out.shape, on_unused_input="ignore")(*values)
        assert tuple(compiled) == val.shape
