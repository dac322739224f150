"""`theano.gof`: Theano 1.0's graph package. Libraries import the graph's classes (`Variable`,
`Apply`, `Constant`, `Op`, `Type`, `FunctionGraph`) and walks (`gof.graph`) from here; they are
this project's own (`theano.graph`), the walks in Theano 1.0's visiting orders. Theano's linkers
and optimizer classes are not here: see `theano.compat.absent`."""
from ..graph.basic import Apply, Constant, Variable
from ..graph.destroyhandler import DestroyHandler
from ..graph.fg import FunctionGraph, InconsistencyError, MissingInputError
from . import fg, graph, op, type, utils  # noqa: A004
from .graph import view_roots
from .op import Op, PureOp
from .type import Generic, Type, generic
from .utils import MethodNotDefined, hashtype, object2

__all__ = ["Apply", "Constant", "Variable", "DestroyHandler", "FunctionGraph", "InconsistencyError",
           "MissingInputError", "Op", "PureOp", "Generic", "Type", "generic", "MethodNotDefined", "hashtype",
           "object2", "view_roots", "fg", "graph", "op", "type", "utils"]


from ..compat.absent import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
