"""Where the user built each node: rewritten nodes inherit the source trace (`tag.trace`)
of what they replace, so a run-time error names a line of the user's code."""
from __future__ import annotations

from ..graph.fg import FunctionGraph

__all__ = ["InheritTraces"]


class InheritTraces:
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
