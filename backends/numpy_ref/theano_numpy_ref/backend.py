"""Links a graph into one straight-line Python function over the ops' NumPy meaning."""
from __future__ import annotations

from theano.backend import Backend, LinkedGraph, link_straight_line
from theano.graph.fg import FunctionGraph


class NumpyBackend(Backend):
    """Runs every node through `op.make_py_fn` (which defaults to `perform`)."""

    name = "numpy"
    host_native = True
    rewrite_tags = ("numpy",)

    def link(self, fgraph: FunctionGraph) -> LinkedGraph:
        order = fgraph.toposort()
        fns = {node: node.op.make_py_fn(node) for node in order}
        return link_straight_line(fgraph, fns, {node: "numpy" for node in order}, quiet_numpy=True)
