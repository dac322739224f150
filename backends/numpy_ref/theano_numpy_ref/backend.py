"""Links a graph into one straight-line Python function over the ops' NumPy meaning."""
from __future__ import annotations

from theano.backend import Backend, LinkedGraph, link_straight_line
from theano.graph.fg import FunctionGraph


class NumpyBackend(Backend):
    """Runs every node through `op.make_py_fn` (which defaults to `perform`).

    It is the reference the conformance suite compares every backend with, so it runs each
    node's own NumPy meaning: the core's fusion, in-place and BLAS rewrites, which change
    how a value is computed rather than what it means, are declined (a fusion bug must not
    look the same on both sides). Canonicalization, stabilization (log1p, softplus,
    log-softmax ...) and specialization stay: they are part of the meaning."""

    name = "numpy"
    host_native = True
    rewrite_tags = ("numpy",)
    rewrite_exclude = ("fusion", "inplace", "blas")

    def link(self, fgraph: FunctionGraph) -> LinkedGraph:
        order = fgraph.toposort()
        fns = {node: node.op.make_py_fn(node) for node in order}
        return link_straight_line(fgraph, fns, {node: "numpy" for node in order}, quiet_numpy=True)
