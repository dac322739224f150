"""Ops whose implementation on the C backend is a library routine, as the products' is BLAS:
dense linear algebra through LAPACK (NumPy's and SciPy's wrappers), sorting and searching
through NumPy's sort and search routines, stacked matrix products through NumPy's matmul,
sparse matrices through SciPy's sparse routines, and ops that only build or copy memory
(diagonals, eye, tile, repeat) through NumPy's allocation and copy routines, like Alloc and Join in lowering.py. Each runs the op's own
NumPy meaning, labelled with the library that does the work; none is a fallback, and no C
of ours would do better than the library call.
"""
from __future__ import annotations

from typing import Any, Callable

from theano import sparse
from theano.graph.basic import Apply
from theano.sparse.basic import SpOnesLike
from theano.tensor.basic import Eye, Tile
from theano.tensor.extra_ops import FillDiagonal, FillDiagonalOffset, RepeatOp, SearchsortedOp, Unique
from theano.tensor.math import BatchedDot, _TensordotCheck
from theano.tensor.nlinalg import (SVD, AllocDiag, Det, Eig, Eigh, EighGrad, ExtractDiag, Lstsq, MatrixInverse,
                                   MatrixPinv, QRFull, SetDiag)
from theano.tensor.slinalg import Cholesky, CholeskyGrad, Eigvalsh, EigvalshGrad, Solve, SolveTriangular
from theano.tensor.sort import ArgSortOp, SortOp, TopKOp
from theano.tensor.subtensor import SliceLength

from .lowering import Plan, lower

__all__ = ["LAPACK_RUNNER", "SORT_RUNNER"]

LAPACK_RUNNER = "c (library: LAPACK)"
SORT_RUNNER = "c (library: sort)"


def _library(label: str) -> Callable[[Any, Apply, Any], Plan]:
    def lower_library(op: Any, node: Apply, backend: Any) -> Plan:
        return Plan(label, fn=op.make_py_fn(node))

    return lower_library


lower.register(MatrixInverse, MatrixPinv, Det, Eig, Eigh, EighGrad, SVD, QRFull, Lstsq, Cholesky, CholeskyGrad,
               Solve, SolveTriangular, Eigvalsh, EigvalshGrad)(_library(LAPACK_RUNNER))
lower.register(SortOp, ArgSortOp, TopKOp, Unique, SearchsortedOp)(_library(SORT_RUNNER))
lower.register(BatchedDot)(_library("c (library: matmul)"))
# Building or copying memory, no arithmetic.
lower.register(Eye, AllocDiag, Tile, RepeatOp)(_library("c (alloc)"))
lower.register(ExtractDiag, SetDiag, FillDiagonal, FillDiagonalOffset)(_library("c (copy)"))
# A shape check that passes its input through.
lower.register(_TensordotCheck, SliceLength)(_library("c (view/shape)"))
# Sparse matrices are SciPy's: their routines are the implementation.
lower.register(sparse.CSM, sparse.CSMProperties, sparse.DenseFromSparse, sparse.SparseFromDense,
               sparse.AsFormat, sparse.Transpose, sparse.StructuredUnary, sparse.StructuredUnaryGrad,
               sparse.AddSS, sparse.AddSD, sparse.MulSS, sparse.MulSD, sparse.SpSum, SpOnesLike,
               sparse.StructuredDot, sparse.StructuredDotGradSparse, sparse.Dot, sparse.HStack,
               sparse.VStack)(_library("c (library: scipy.sparse)"))
