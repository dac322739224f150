"""The backend-neutral tensor rewrites, registered in theano.rewrite.rewrite_db on import:
canonicalize (10-19), stabilize (20-29), specialize (30-39), fusion (40-49), in-place
(50-59). See each module's docstring for its rules."""
from . import canonicalize, shape_rewrites, stabilize, specialize, blas, fusion, inplace  # noqa: F401
from .fusion import fuse_elemwise
from ..fused import FusedElemwise  # the ops' home is tensor.fused, tensor.gemm; re-exported
from ..gemm import Gemm, Gemv  # for out-of-tree code that imported them from here
from ..logsumexp import LogSumExp, logsumexp  # home: tensor.logsumexp; re-exported likewise

__all__ = ["FusedElemwise", "Gemm", "Gemv", "LogSumExp", "fuse_elemwise", "logsumexp"]
