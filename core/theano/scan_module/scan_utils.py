"""`theano.scan_module.scan_utils`: the helpers of Theano 1.0's scan that libraries import
(`equal_computations`, `clone`, `until`); scan's internals are not here (see theano.compat.absent)."""
from ..graph.basic import clone_replace as clone, equal_computations
from ..scan import until
from ..tensor.basic import get_scalar_constant_value

__all__ = ["clone", "equal_computations", "until", "get_scalar_constant_value"]


from ..compat.absent import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
