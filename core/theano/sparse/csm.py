"""A sparse matrix from and to its compressed arrays (Theano 1.0's CSM ops): `csm_properties(x)`
gives (data, indices, indptr, shape); `CSR(data, indices, indptr, shape)` and `CSC(...)` build
the matrix back. `structured_monoid(op)` makes functions that apply a tensor op to the stored
entries only (`structured_add(x, 2)` adds 2 to the nonzeros)."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from .. import tensor
from ..tensor.basic import as_tensor_variable
from ..tensor.type import TensorType
from .basic import as_sparse_variable
from .type import SparseType, scipy_sparse
from ..graph.null_gradients import DisconnectedType
from ..graph.null_gradients import grad_not_implemented

__all__ = ["CSMProperties", "csm_properties", "csm_data", "csm_indices", "csm_indptr", "csm_shape", "CSM", "CSR",
           "CSC", "structured_monoid", "structured_add", "structured_pow", "structured_minimum",
           "structured_maximum"]

_INT = ("int8", "int16", "int32", "int64", "uint8", "uint16", "uint32", "uint64")


class CSMProperties(Op):
    """(data, indices, indptr, shape) of a CSR or CSC matrix: its stored values, their column
    (CSR) or row (CSC) indices, the offsets of each row (column), and its shape (int32)."""

    __props__ = ()

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        if x.type.format not in ("csr", "csc"):
            raise TypeError(f"csm_properties: a CSR or CSC matrix is needed, got {x.type}")
        vec = lambda dt: TensorType(dt, (False,))()  # noqa: E731
        return Apply(self, [x], [vec(x.type.dtype), vec("int32"), vec("int32"), vec("int32")])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        def fn(x: Any) -> tuple:
            return (np.array(x.data), np.asarray(x.indices, dtype="int32"), np.asarray(x.indptr, dtype="int32"),
                    np.asarray(x.shape, dtype="int32"))
        return fn

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        return [grad_not_implemented(self, 0, inputs[0], "take gradients through the sparse ops instead")]


csm_properties = CSMProperties()


def csm_data(csm: Any) -> Variable:
    """The stored values of a CSR/CSC matrix."""
    return csm_properties(csm)[0]


def csm_indices(csm: Any) -> Variable:
    """The column (CSR) or row (CSC) index of each stored value."""
    return csm_properties(csm)[1]


def csm_indptr(csm: Any) -> Variable:
    """Where each row (CSR) or column (CSC) starts in data and indices."""
    return csm_properties(csm)[2]


def csm_shape(csm: Any) -> Variable:
    """The shape of the matrix (an int32 vector)."""
    return csm_properties(csm)[3]


class CSM(Op):
    """A CSR or CSC matrix (`format`) built from data, indices, indptr and shape."""

    __props__ = ("format",)

    def __init__(self, format: str):
        if format not in ("csr", "csc"):
            raise ValueError(f"CSM: format must be 'csr' or 'csc', got {format!r}")
        self.format = format

    def make_node(self, data: Any, indices: Any, indptr: Any, shape: Any) -> Apply:
        data = as_tensor_variable(data)
        ints = [as_tensor_variable(v) for v in (indices, indptr, shape)]
        if data.type.ndim != 1:
            raise TypeError(f"CSM: data must be a vector, got {data.type}")
        for what, v in zip(("indices", "indptr", "shape"), ints):
            if v.type.ndim != 1 or v.type.dtype not in _INT:
                raise TypeError(f"CSM: {what} must be an integer vector, got {v.type}")
        return Apply(self, [data, *ints], [SparseType(self.format, data.type.dtype)()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        cls = scipy_sparse.csr_matrix if self.format == "csr" else scipy_sparse.csc_matrix

        def fn(data: Any, indices: Any, indptr: Any, shape: Any) -> Any:
            if len(shape) != 2:
                raise ValueError(f"CSM: shape must have 2 entries, got {tuple(shape)}")
            return cls((np.array(data), np.array(indices), np.array(indptr)), shape=tuple(int(s) for s in shape))
        return fn

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        return [grad_not_implemented(self, 0, inputs[0], "build the matrix with csr_from_dense / "
                                                         "csc_from_dense to differentiate through it")] + \
            [DisconnectedType()() for _ in range(3)]

    def connection_pattern(self, node: Apply) -> list:
        return [[True], [False], [False], [False]]


CSR = CSM("csr")
CSC = CSM("csc")


def structured_monoid(tensor_op: Callable[..., Variable]) -> Callable[[Callable], Callable[..., Variable]]:
    """Decorator: `f(x, *args)` applies `tensor_op(data, *args)` to the stored values of the
    sparse matrix x and keeps its pattern (Theano 1.0's structured_add & co. are made so)."""
    def decorator(f: Callable) -> Callable[..., Variable]:
        def wrapper(*args: Any) -> Variable:
            x = as_sparse_variable(args[0])
            data, indices, indptr, shape = csm_properties(x)
            others = [as_tensor_variable(a) for a in args[1:]]
            return CSM(x.type.format)(tensor_op(data, *others), indices, indptr, shape)
        wrapper.__name__, wrapper.__doc__ = f.__name__, f.__doc__
        return wrapper
    return decorator


def _tensor_op(name: str) -> Callable[..., Variable]:
    def op(*args: Any) -> Variable:
        return getattr(tensor, name)(*args)
    return op


@structured_monoid(_tensor_op("add"))
def structured_add(x: Any, y: Any) -> Variable:
    """x with the scalar y added to its stored values (the zeros stay zeros)."""


@structured_monoid(_tensor_op("pow"))
def structured_pow(x: Any, y: Any) -> Variable:
    """x's stored values raised to the power y."""


@structured_monoid(_tensor_op("minimum"))
def structured_minimum(x: Any, y: Any) -> Variable:
    """The minimum of each stored value of x and y."""


@structured_monoid(_tensor_op("maximum"))
def structured_maximum(x: Any, y: Any) -> Variable:
    """The maximum of each stored value of x and y."""
