"""Compile a graph with FAST_RUN and with no rewrites, and look at what runs."""
from __future__ import annotations

import numpy as np

import theano
from theano.compile.mode import Mode
from theano.tensor.elemwise import Elemwise

REF = Mode(optimizer=None)
EDGE = np.array([0.0, -0.0, 1.0, -1.0, 2.5, -3.5, 1e-20, 1e300, -1e300, np.nan, np.inf, -np.inf])


def both(inputs, outputs, **kw):
    """(rewritten function, reference function without rewrites)."""
    f = theano.function(inputs, outputs, **kw)
    g = theano.function(inputs, outputs, mode=REF, **kw)
    return f, g


def scalar_names(f) -> list[str]:
    """Names of the scalar ops of every elementwise node (fused ones expanded) and the class
    names of the other nodes, in run order."""
    out = []
    for node in f.maker.fgraph.toposort():
        op = node.op
        if isinstance(op, Elemwise):
            sop = op.scalar_op
            if hasattr(sop, "outputs") and hasattr(sop, "inputs"):
                from theano.graph.basic import io_toposort

                out += [n.op.name for n in io_toposort(sop.inputs, sop.outputs)]
            else:
                out.append(sop.name)
        else:
            out.append(type(op).__name__)
    return out


def assert_same(f, g, *args, rtol=1e-12, atol=0.0):
    a, b = f(*args), g(*args)
    if not isinstance(a, list):
        a, b = [a], [b]
    for x, y in zip(a, b):
        x, y = np.asarray(x), np.asarray(y)
        assert x.dtype == y.dtype, (x.dtype, y.dtype)
        assert x.shape == y.shape, (x.shape, y.shape)
        np.testing.assert_allclose(x, y, rtol=rtol, atol=atol, equal_nan=True)
