"""`theano.sparse`: CSR and CSC sparse matrices (over scipy.sparse) in graphs.

    x = theano.sparse.csr_matrix('x'); y = theano.tensor.dmatrix('y')
    f = theano.function([x, y], theano.sparse.dot(x, y))
"""
from .type import (SparseConstant, SparseType, SparseVariable, bsr_matrix, csc_dmatrix, csc_fmatrix,
                   csc_matrix, csr_dmatrix, csr_fmatrix, csr_matrix, matrix)
from .type import issparse as _issparse
from .basic import *  # noqa: F401,F403
from .basic import (AddSD, AddSS, AsFormat, DenseFromSparse, MulSD, MulSS, SparseFromDense, SpSum,
                    StructuredUnary, StructuredUnaryGrad, Transpose)
from .dot import Dot, StructuredDot, StructuredDotGradSparse, dot, structured_dot, true_dot
from .stack import HStack, VStack, hstack, vstack
from .csm import (CSC, CSM, CSR, CSMProperties, csm_data, csm_indices, csm_indptr, csm_properties, csm_shape,
                  structured_add, structured_maximum, structured_minimum, structured_monoid, structured_pow)
from .sharedvar import SparseSharedVariable, sparse_constructor
from ..config import config
from ..graph.null_gradients import DisconnectedType, grad_not_implemented, grad_undefined
from ..scalar.basic import (all_dtypes, complex_dtypes, continuous_dtypes, discrete_dtypes, float_dtypes,
                            int_dtypes, integer_dtypes, uint_dtypes)
from ..compat.absent import module_getattr as _module_getattr
from ..gradient import verify_grad
from .basic import mul
import numpy as np


def verify_grad_sparse(op, pt, structured: bool = False, *args, **kwargs) -> None:
    """theano.gradient.verify_grad for functions with sparse inputs: the sparse points become
    dense inputs converted inside the graph (structured checks keep their patterns)."""
    conv = [SparseFromDense(p.format if p.format in ("csr", "csc") else "csr") if _issparse(p) else None
            for p in pt]
    dense = [p.toarray() if _issparse(p) else np.asarray(p) for p in pt]
    masks = [(p.toarray() != 0) if _issparse(p) else None for p in pt]

    def fn(*xs):
        ins = []
        for x, c, m in zip(xs, conv, masks):
            if c is None:
                ins.append(x)
            elif structured:
                ins.append(mul(c(m.astype(x.dtype)), x))  # pattern kept, values from x
            else:
                ins.append(c(x))
        out = op(*ins)
        return dense_from_sparse(out) if is_sparse_variable(out) else out

    verify_grad(fn, dense, *args, **kwargs)


__getattr__ = _module_getattr(__name__)
