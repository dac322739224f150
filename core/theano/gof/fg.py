"""`theano.gof.fg`: FunctionGraph (Theano 1.0's module path)."""
from ..graph.fg import FunctionGraph, InconsistencyError, MissingInputError

__all__ = ["FunctionGraph", "InconsistencyError", "MissingInputError"]
