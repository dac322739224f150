"""compile_ahead: compile what many functions will need in one batch, before they are built."""
from __future__ import annotations

from typing import Any, Iterable, Iterator, Sequence

from ..backend.registry import get_backend
from ..graph.fg import FunctionGraph
from .maker import compiling_for
from .mode import get_mode

__all__ = ["compile_ahead"]


def compile_ahead(graphs: Iterable[tuple[Sequence[Any], Sequence[Any]]], device: str | None = None,
                  mode: Any = None) -> None:
    """Start compiling, as one batch, what `theano.function(inputs, outputs, mode=mode,
    device=device)` will compile for each `(inputs, outputs)` of `graphs` (variables, no
    updates or givens); the functions built afterwards find their code compiled or compiling.

    For a caller about to build many small functions, such as the conformance suite: the C
    backend then runs gcc a few times for all of them rather than once or twice per function,
    whose fixed cost (starting the compiler, reading the headers, linking) exceeds a small
    kernel's own. Nothing is computed and nothing changes in the graphs, and nothing is raised:
    a graph that cannot be rewritten is left out, a batch the backend fails to start is left
    undone (the theano.function calls report the error). A backend that compiles nothing
    ahead (`Backend.start_compiling`) costs nothing here: the graphs are rewritten only as
    the backend asks for them.
    """
    m = get_mode(mode)
    backend = get_backend(device or m.device)

    def rewritten() -> Iterator[FunctionGraph]:
        for inputs, outputs in graphs:
            try:
                fgraph = FunctionGraph(list(inputs), list(outputs), clone=True)
                m.rewrite(fgraph, backend.rewrite_tags, backend.rewrite_exclude)
            except Exception:  # noqa: BLE001 - theano.function raises it, with its context
                continue
            yield fgraph

    with compiling_for(backend.device):
        try:
            backend.start_compiling(rewritten())
        except Exception:  # noqa: BLE001 - only a head start: each function compiles what it
            pass  # needs again, and raises the error then, with the graph it belongs to
