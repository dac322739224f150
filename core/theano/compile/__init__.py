"""Compiling graphs into functions: function(), modes, In/Out, shared variables."""
from .function import DeepCopyOp, Function, UnusedInputError, deep_copy_op, function
from .io import In, Out, Param, SymbolicInput, SymbolicOutput
from .mode import FAST_COMPILE, FAST_RUN, Mode, get_default_mode, get_mode, predefined_modes
from .sharedvalue import Container, SharedVariable, shared, shared_constructor

__all__ = ["DeepCopyOp", "FAST_COMPILE", "FAST_RUN", "Function", "In", "Mode", "Out", "Param",
           "SharedVariable", "SymbolicInput", "SymbolicOutput", "UnusedInputError", "Container",
           "deep_copy_op", "function", "get_default_mode", "get_mode", "predefined_modes", "shared",
           "shared_constructor"]
