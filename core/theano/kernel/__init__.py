"""The loop-level kernel IR made by fusion, and the C-family renderer that compiled
backends subclass for their dialects."""
from .ir import Kernel, KernelArg, Reduction, Step

__all__ = ["Kernel", "KernelArg", "Reduction", "Step"]
