"""`theano.tensor`: symbolic arrays, their constructors and operations."""
from .type import TensorType
from .var import TensorConstant, TensorVariable, _TensorOperators
from .sharedvar import TensorSharedVariable
from .constructors import *  # noqa: F401,F403
from .constructors import tensor
from .basic import *  # noqa: F401,F403
from .basic import (AsTensorError, NotScalarConstantError, TensorFromScalar, ScalarFromTensor, _convert_to,
                    get_scalar_constant_value, scalar_from_tensor, tensor_from_scalar, autocast_python)
from .elemwise import CAReduce, DimShuffle, Elemwise
from .math import *  # noqa: F401,F403
from .math import (All, Any, BatchedDot, Dot, Max, MaxAndArgmax, Min, Prod, Sum, _dot, abs_, and_,
                   argmax, argmin, max_and_argmax, or_, xor)
from .shape import *  # noqa: F401,F403
from .join import *  # noqa: F401,F403
from .subtensor import (IncSubtensor, Subtensor, getitem, inc_subtensor, nonzero, set_subtensor)
from .advanced_subtensor import (AdvancedIncSubtensor, AdvancedIncSubtensor1, AdvancedSubtensor,
                                 AdvancedSubtensor1, advanced_inc_subtensor1, advanced_set_subtensor1,
                                 advanced_subtensor1, flatnonzero, nonzero_values, take)
from .sort import *  # noqa: F401,F403
from .extra_ops import *  # noqa: F401,F403
from .composite import (allclose, batched_tensordot, isclose, largest, ptp, smallest, square, stacklists,
                        swapaxes, transpose)
from .nlinalg import AllocDiag, ExtractDiag
from .advanced_subtensor import Nonzero
from .join import join_
from ..graph.basic import Constant
from ..graph.type import Type
from ..gof.type import Generic
from ..gof.utils import MethodNotDefined, hashtype
from ..gradient import consider_constant
from ..graph.null_gradients import DisconnectedType, grad_not_implemented, grad_undefined
from ..printing import min_informative_str, pprint
from ..gradient import grad, jacobian, hessian, Lop, Rop, verify_grad
from ..scalar.basic import (all_dtypes, complex_dtypes, continuous_dtypes, discrete_dtypes,
                            float_dtypes, int_dtypes, integer_dtypes, uint_dtypes)
from . import nnet  # noqa: E402
from . import nlinalg, shared_randomstreams  # noqa: E402
from . import signal  # noqa: E402
from ..scalar.basic import bool as _sbool, int8, int16, int32, int64, uint8, uint16, uint32, uint64, \
    float16, float32, float64, complex64, complex128  # noqa: E402

# Dtype names usable as dtype= arguments, as in `tensor.vector('x', dtype=int32)`.
_dtype_names = ["int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64", "float16",
                "float32", "float64", "complex64", "complex128"]

import importlib
import types as _types

__all__ = [_n for _n, _v in list(globals().items())
           if not _n.startswith("_") and (not isinstance(_v, _types.ModuleType) or _n == "nnet")]
from . import rewriting  # noqa: E402,F401  (registers the tensor rewrites in rewrite_db)


def _lazy_submodule(name: str):
    """Lazy submodules: `tensor.slinalg` loads scipy.linalg only when first used."""
    if name == "slinalg":
        module = importlib.import_module(f"{__name__}.{name}")
        _absent_install(module)
        return module
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


from ..compat.absent import install as _absent_install, module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__, _lazy_submodule)
