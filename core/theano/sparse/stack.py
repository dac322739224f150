"""Stacking sparse matrices side by side (`hstack`) or one above the other (`vstack`), as
Theano 1.0's `theano.sparse.basic.hstack`/`vstack`: the result is sparse."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..scalar.basic import upcast
from ..tensor.join import split, stack
from .basic import SparseFromDense, as_sparse_variable, dense_from_sparse, is_sparse_variable
from .type import SparseType, scipy_sparse

__all__ = ["HStack", "VStack", "hstack", "vstack"]


class _Stack(Op):
    """Join sparse matrices along `axis` (1: hstack, 0: vstack) into a `format` matrix of `dtype`."""

    __props__ = ("format", "dtype")
    axis = 1
    #: the scipy.sparse function that joins the blocks (SciPy is imported when first used)
    _scipy_function = "hstack"

    def __init__(self, format: str | None = None, dtype: str | None = None):
        self.format = format or "csc"
        if dtype is None:
            raise ValueError(f"{type(self).__name__}: the output dtype must be given")
        self.dtype = dtype

    def make_node(self, *blocks: Any) -> Apply:
        if not blocks:
            raise ValueError(f"{type(self).__name__}: at least one block is needed")
        blocks = [as_sparse_variable(b) for b in blocks]
        return Apply(self, blocks, [SparseType(self.format, self.dtype)()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        scipy_fn, fmt, dtype = getattr(scipy_sparse, self._scipy_function), self.format, self.dtype
        return lambda *bs: scipy_fn(bs, format=fmt, dtype=dtype)

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        along = sum(s[self.axis] for s in shapes[1:]) + shapes[0][self.axis]
        return [(shapes[0][0], along) if self.axis == 1 else (along, shapes[0][1])]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (gz,) = gouts
        if is_sparse_variable(gz):
            gz = dense_from_sparse(gz)
        sizes = stack([b.shape[self.axis] for b in inputs])
        parts = split(gz, sizes, len(inputs), axis=self.axis)
        if not isinstance(parts, (list, tuple)):
            parts = [parts]
        to_sparse = SparseFromDense(self.format if self.format in ("csr", "csc") else "csc")
        return [to_sparse(p) for p in parts]


class HStack(_Stack):
    """Sparse matrices side by side (same number of rows)."""

    axis = 1
    _scipy_function = "hstack"


class VStack(_Stack):
    """Sparse matrices one above the other (same number of columns)."""

    axis = 0
    _scipy_function = "vstack"


def _dtype(blocks: Sequence[Any], dtype: str | None) -> str:
    if dtype is not None:
        return str(np.dtype(dtype))
    return upcast(*[as_sparse_variable(b).type.dtype for b in blocks])


def hstack(blocks: Sequence[Any], format: str | None = None, dtype: str | None = None) -> Variable:
    """The sparse matrices of `blocks` side by side, as a sparse matrix of `format` (default
    'csc') and `dtype` (default: the blocks' common dtype)."""
    blocks = list(blocks)
    return HStack(format=format, dtype=_dtype(blocks, dtype))(*blocks)


def vstack(blocks: Sequence[Any], format: str | None = None, dtype: str | None = None) -> Variable:
    """The sparse matrices of `blocks` one above the other, as a sparse matrix of `format`
    (default 'csc') and `dtype` (default: the blocks' common dtype)."""
    blocks = list(blocks)
    return VStack(format=format, dtype=_dtype(blocks, dtype))(*blocks)
