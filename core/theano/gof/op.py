"""`theano.gof.op`: the Op base class (Theano 1.0's module path)."""
from ..graph.op import Op
from .utils import MethodNotDefined

__all__ = ["Op", "PureOp", "MethodNotDefined"]

PureOp = Op  # Theano split Op into PureOp (the graph interface) and Op (plus C code); one class here
