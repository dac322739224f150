"""The backend-neutral tensor rewrites, registered in theano.rewrite.rewrite_db on import:
canonicalize (10-19), stabilize (20-29), specialize (30-39), fusion (40-49), in-place
(50-59). See each module's docstring for its rules."""
from . import canonicalize, shape_rewrites, stabilize, specialize, blas, fusion, inplace  # noqa: F401
from .blas import Gemm, Gemv
from .fusion import FusedElemwise, fuse_elemwise
from .stabilize import LogSumExp, logsumexp

__all__ = ["FusedElemwise", "Gemm", "Gemv", "LogSumExp", "fuse_elemwise", "logsumexp"]
