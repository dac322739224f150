"""The graph IR: variables, nodes, ops, types and function graphs."""
from .basic import Apply, Constant, Variable, ancestors, clone, clone_get_equiv, graph_inputs, io_toposort
from .fg import FunctionGraph, InconsistencyError, MissingInputError
from .op import Op
from .type import Type

__all__ = ["Apply", "Constant", "Variable", "Op", "Type", "FunctionGraph", "InconsistencyError",
           "MissingInputError", "ancestors", "clone", "clone_get_equiv", "graph_inputs", "io_toposort"]
