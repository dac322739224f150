"""Compiling graphs into functions: function(), modes, In/Out, shared variables."""
from .ahead import compile_ahead
from .dump import function_dump
from .function import Function, UnusedInputError, function
from .io import In, Out, Param, SymbolicInput, SymbolicOutput
from .mode import FAST_COMPILE, FAST_RUN, Mode, get_default_mode, get_mode, predefined_modes
from .sharedvalue import Container, SharedVariable, shared, shared_constructor
from ..config import config
from ..graph.null_gradients import DisconnectedType, NullType
from ..graph.basic import Variable
from ..gof.graph import io_connection_pattern, is_same_graph
from ..compat.absent import module_getattr
from . import ops
from .ops import (DeepCopyOp, FromFunctionOp, Rebroadcast, Shape, Shape_i, SpecifyShape, ViewOp, as_op, shape,
                  deep_copy_op, specify_shape, view_op)

__all__ = ["DeepCopyOp", "FAST_COMPILE", "FAST_RUN", "Function", "In", "Mode", "Out", "Param",
           "SharedVariable", "SymbolicInput", "SymbolicOutput", "UnusedInputError", "Container",
           "compile_ahead", "deep_copy_op", "function", "function_dump", "get_default_mode", "get_mode", "predefined_modes",
           "shared", "shared_constructor", "config", "DisconnectedType", "NullType", "Variable",
           "io_connection_pattern", "is_same_graph", "Rebroadcast", "Shape", "Shape_i", "SpecifyShape", "shape",
           "specify_shape", "FromFunctionOp", "ViewOp", "as_op", "view_op", "ops"]

__getattr__ = module_getattr(__name__)
