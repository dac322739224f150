"""Products with sparse matrices: structured_dot (structured gradient) and dot (regular one)."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..scalar.basic import upcast
from ..tensor.basic import as_tensor_variable
from ..tensor.type import TensorType
from .basic import SparseFromDense, as_sparse_variable, is_sparse_variable, transpose
from ..tensor.math import dot as tdot
from ..tensor.math import outer
from .basic import dense_from_sparse
from .type import issparse

__all__ = ["true_dot", "StructuredDot", "structured_dot", "StructuredDotGradSparse", "Dot", "dot"]


class StructuredDot(Op):
    """sparse a @ dense b (a matrix or a vector): dense. The gradient of a is structured: only
    a's stored entries get one."""

    def make_node(self, a: Any, b: Any) -> Apply:
        a, b = as_sparse_variable(a), as_tensor_variable(b)
        if b.type.ndim not in (1, 2):
            raise TypeError(f"structured_dot: b must be a vector or a matrix, got {b.type}")
        return Apply(self, [a, b], [TensorType(upcast(a.type.dtype, b.type.dtype), (False,) * b.type.ndim)()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        dt = np.dtype(node.outputs[0].type.dtype)

        def fn(a: Any, b: np.ndarray) -> np.ndarray:
            if a.shape[1] != b.shape[0]:
                raise ValueError(f"structured_dot: shapes {a.shape} and {b.shape} are not aligned")
            return np.asarray(a @ b, dtype=dt)

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [(shapes[0][0],) + tuple(shapes[1][1:])]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (a, b), (gz,) = inputs, gouts
        return [StructuredDotGradSparse()(a, b, gz), structured_dot(transpose(a), gz)]


def structured_dot(a: Any, b: Any) -> Variable:
    """sparse a @ dense b, with a gradient for a only at its stored entries."""
    return StructuredDot()(a, b)


class StructuredDotGradSparse(Op):
    """(gz @ b.T) at the stored entries of a: the structured gradient of a in a @ b."""

    def make_node(self, a: Any, b: Any, gz: Any) -> Apply:
        a, b, gz = as_sparse_variable(a), as_tensor_variable(b), as_tensor_variable(gz)
        return Apply(self, [a, b, gz], [a.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        dt = np.dtype(node.outputs[0].type.dtype)

        def fn(a: Any, b: np.ndarray, gz: np.ndarray) -> Any:
            coo = a.tocoo()  # the same order as a.data for csr and csc
            if b.ndim == 1:
                vals = gz[coo.row] * b[coo.col]
            else:
                vals = np.einsum("ij,ij->i", gz[coo.row], b[coo.col])
            out = a.copy()
            out.data = vals.astype(dt)
            return out

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]


class Dot(Op):
    """x @ y where x or y (or both) is sparse: a dense result, with regular (not structured)
    gradients; a sparse operand's gradient is a sparse matrix of the full dense gradient."""

    def make_node(self, x: Any, y: Any) -> Apply:
        xs, ys = _as_any(x), _as_any(y)
        if not (is_sparse_variable(xs) or is_sparse_variable(ys)):
            raise TypeError("theano.sparse.dot: neither operand is sparse; use theano.tensor.dot")
        if xs.type.ndim != 2 or ys.type.ndim not in (1, 2):
            raise TypeError(f"sparse dot: expected a matrix and a matrix or vector, got {xs.type} and {ys.type}")
        dt = upcast(xs.type.dtype, ys.type.dtype)
        return Apply(self, [xs, ys], [TensorType(dt, (False,) * ys.type.ndim)()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        dt = np.dtype(node.outputs[0].type.dtype)

        def fn(x: Any, y: Any) -> np.ndarray:
            if x.shape[1] != y.shape[0]:
                raise ValueError(f"sparse dot: shapes {x.shape} and {y.shape} are not aligned")
            r = x @ y
            return np.asarray(r.toarray() if issparse(r) else r, dtype=dt)

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [(shapes[0][0],) + tuple(shapes[1][1:])]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (x, y), (gz,) = inputs, gouts
        if y.type.ndim == 1:
            gx = outer(gz, _dense_of(y))
            gy = _prod(_t(x), gz)
        else:
            gx = _prod(gz, _t(y))
            gy = _prod(_t(x), gz)
        res = []
        for v, g in ((x, gx), (y, gy)):
            res.append(SparseFromDense(v.type.format)(g) if is_sparse_variable(v) else g)
        return res


def _as_any(v: Any) -> Variable:
    if is_sparse_variable(v) or issparse(v):
        return as_sparse_variable(v)
    return as_tensor_variable(v)


def _t(v: Variable) -> Variable:
    return transpose(v) if is_sparse_variable(v) else v.T


def _dense_of(v: Variable) -> Variable:
    return dense_from_sparse(v) if is_sparse_variable(v) else v


def _prod(a: Variable, b: Variable) -> Variable:
    """a @ b as a dense variable, whichever operands are sparse."""
    if is_sparse_variable(a) or is_sparse_variable(b):
        return Dot()(a, b)
    return tdot(a, b)


def dot(x: Any, y: Any) -> Variable:
    """x @ y where at least one operand is sparse; the result is dense."""
    return Dot()(x, y)


def true_dot(x: Any, y: Any, grad_preserves_dense: bool = True) -> Variable:
    """Theano's true_dot: the product of x and y, at least one of them sparse (a dense result here)."""
    return dot(x, y)
