"""Sparse conversions, transpose, elementwise arithmetic that keeps sparsity, and sums.

Gradients with respect to sparse inputs are sparse and, as in Theano, structured: they
are nonzero only where the input has stored entries (except for the explicit
conversions csr_from_dense / csc_from_dense, whose gradient is the dense gradient).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..scalar.basic import upcast
from ..tensor.basic import as_tensor_variable
from ..tensor.type import TensorType
from .type import SparseConstant, SparseType, issparse
from ..tensor.basic import ones_like
from ..tensor.math import neg as tneg

__all__ = ["as_sparse_variable", "as_sparse", "as_sparse_or_tensor_variable", "is_sparse_variable",
           "DenseFromSparse", "dense_from_sparse", "SparseFromDense", "csr_from_dense", "csc_from_dense",
           "AsFormat", "Transpose", "transpose", "StructuredUnary", "StructuredUnaryGrad", "neg", "abs_",
           "sqrt", "sqr", "sgn", "ceil", "floor", "trunc", "rint", "log1p", "expm1", "sin", "tan", "arcsin",
           "arctan", "sinh", "tanh", "arcsinh", "arctanh", "deg2rad", "rad2deg",
           "structured_sigmoid", "structured_exp", "structured_log", "AddSS", "AddSD", "MulSS", "MulSD",
           "add", "sub", "mul", "SpSum", "sp_sum", "sp_ones_like", "sp_zeros_like"]


def is_sparse_variable(x: Any) -> bool:
    """Whether x is a symbolic sparse matrix."""
    return isinstance(x, Variable) and isinstance(x.type, SparseType)


def as_sparse_variable(x: Any, name: str | None = None) -> Variable:
    """x as a sparse Variable: sparse variables pass through, SciPy matrices become constants."""
    if isinstance(x, Apply):
        x = x.default_output
    if isinstance(x, Variable):
        if not isinstance(x.type, SparseType):
            raise TypeError(f"{x} of type {x.type} is not sparse: use csr_from_dense / csc_from_dense")
        return x
    if issparse(x):
        fmt = x.format if x.format in ("csr", "csc") else "csr"
        return SparseConstant(SparseType(fmt, str(x.dtype)), x.asformat(fmt), name=name)
    raise TypeError(f"cannot make a sparse variable from {type(x).__name__}")


as_sparse = as_sparse_variable


def as_sparse_or_tensor_variable(x: Any, name: str | None = None) -> Variable:
    """x as a sparse variable when it is sparse, else as a tensor variable."""
    if is_sparse_variable(x) or issparse(x):
        return as_sparse_variable(x, name)
    return as_tensor_variable(x, name)


def _dense(dtype: str, ndim: int = 2) -> Variable:
    return TensorType(dtype, (False,) * ndim)()


def _fmt_cls(fmt: str) -> Any:
    return SparseType.format_cls[fmt]


# -- conversions -----------------------------------------------------------------------------

class DenseFromSparse(Op):
    """The dense ndarray of a sparse matrix. Its gradient is structured unless sparse_grad=False."""

    __props__ = ("sparse_grad",)

    def __init__(self, sparse_grad: bool = True):
        self.sparse_grad = bool(sparse_grad)

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        return Apply(self, [x], [_dense(x.type.dtype)])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        return lambda x: np.asarray(x.toarray())

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (x,), (gz,) = inputs, gouts
        if self.sparse_grad:
            return [mul(sp_ones_like(x), gz)]
        return [SparseFromDense(x.type.format)(gz)]


dense_from_sparse = DenseFromSparse()


class SparseFromDense(Op):
    """The sparse matrix (format 'csr' or 'csc') of the nonzeros of a dense matrix."""

    __props__ = ("format",)

    def __init__(self, format: str):
        if format not in ("csr", "csc"):
            raise ValueError(f"SparseFromDense: format must be 'csr' or 'csc', got {format!r}")
        self.format = format

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.type.ndim != 2:
            raise TypeError(f"{self.format}_from_dense: expected a matrix, got {x.type}")
        return Apply(self, [x], [SparseType(self.format, x.type.dtype)()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        cls = _fmt_cls(self.format)
        return lambda x: cls(x)

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (gz,) = gouts
        return [DenseFromSparse(sparse_grad=False)(gz) if is_sparse_variable(gz) else gz]


csr_from_dense = SparseFromDense("csr")
csc_from_dense = SparseFromDense("csc")


class AsFormat(Op):
    """The same sparse matrix in another format (csr <-> csc)."""

    __props__ = ("format",)

    def __init__(self, format: str):
        self.format = format

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        return Apply(self, [x], [SparseType(self.format, x.type.dtype)()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        fmt = self.format
        return lambda x: x.asformat(fmt)

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        return [_in_format(gouts[0], inputs[0].type.format)]


def _in_format(x: Variable, fmt: str) -> Variable:
    return x if x.type.format == fmt else AsFormat(fmt)(x)


class Transpose(Op):
    """The transpose; a csr matrix becomes csc and the reverse."""

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        fmt = {"csr": "csc", "csc": "csr"}.get(x.type.format)
        if fmt is None:
            raise TypeError(f"transpose: unsupported sparse format {x.type.format}")
        return Apply(self, [x], [SparseType(fmt, x.type.dtype)()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        fmt = node.outputs[0].type.format
        return lambda x: x.transpose().asformat(fmt, copy=True)  # never a view of the input

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0][::-1]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        return [_in_format(transpose(gouts[0]), inputs[0].type.format)]


def transpose(x: Any) -> Variable:
    """The transpose of the sparse matrix x."""
    return Transpose()(x)


# -- elementwise functions on the stored entries ---------------------------------------------------------

def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


# name -> (f, f'); f(0) = 0 for the zero-preserving ones, the structured ones ignore zeros.
_UNARY: dict[str, tuple[Callable[[np.ndarray], np.ndarray], Callable[[np.ndarray], np.ndarray]]] = {
    "neg": (np.negative, lambda x: -np.ones_like(x)),
    "abs": (np.abs, np.sign),
    "sqrt": (np.sqrt, lambda x: 0.5 / np.sqrt(x)),
    "sqr": (np.square, lambda x: 2 * x),
    "sgn": (np.sign, np.zeros_like),
    "ceil": (np.ceil, np.zeros_like),
    "floor": (np.floor, np.zeros_like),
    "trunc": (np.trunc, np.zeros_like),
    "rint": (np.rint, np.zeros_like),
    "log1p": (np.log1p, lambda x: 1.0 / (1.0 + x)),
    "expm1": (np.expm1, np.exp),
    "sin": (np.sin, np.cos),
    "tan": (np.tan, lambda x: 1.0 + np.tan(x) ** 2),
    "arcsin": (np.arcsin, lambda x: 1.0 / np.sqrt(1.0 - x ** 2)),
    "arctan": (np.arctan, lambda x: 1.0 / (1.0 + x ** 2)),
    "sinh": (np.sinh, np.cosh),
    "tanh": (np.tanh, lambda x: 1.0 - np.tanh(x) ** 2),
    "arcsinh": (np.arcsinh, lambda x: 1.0 / np.sqrt(x ** 2 + 1.0)),
    "arctanh": (np.arctanh, lambda x: 1.0 / (1.0 - x ** 2)),
    "deg2rad": (np.deg2rad, lambda x: np.full_like(x, np.pi / 180)),
    "rad2deg": (np.rad2deg, lambda x: np.full_like(x, 180 / np.pi)),
    "sigmoid": (_sigmoid, lambda x: _sigmoid(x) * (1.0 - _sigmoid(x))),
    "exp": (np.exp, np.exp),
    "log": (np.log, lambda x: 1.0 / x),
}


def _values_at(pattern: Any, src: Any) -> np.ndarray:
    """The entries of sparse `src` at the stored positions of `pattern`, in pattern.data's order."""
    coo = pattern.tocoo()
    return np.asarray(src.tocsr()[coo.row, coo.col]).ravel()


class StructuredUnary(Op):
    """f applied to the stored entries of a sparse matrix (the pattern is kept)."""

    __props__ = ("name",)

    def __init__(self, name: str):
        if name not in _UNARY:
            raise ValueError(f"StructuredUnary: unknown function {name!r}")
        self.name = name

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        dt = x.type.dtype
        if self.name not in ("neg", "abs", "sgn", "sqr") and not dt.startswith("float"):
            dt = upcast(dt, "float64")
        return Apply(self, [x], [SparseType(x.type.format, dt)()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        f, dt = _UNARY[self.name][0], np.dtype(node.outputs[0].type.dtype)

        def fn(x: Any) -> Any:
            out = x.copy().astype(dt)
            with np.errstate(all="ignore"):
                out.data = f(x.data).astype(dt)
            return out

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (x,), (gz,) = inputs, gouts
        if self.name == "neg":
            return [neg(gz) if is_sparse_variable(gz) else neg(SparseFromDense(x.type.format)(gz))]
        return [StructuredUnaryGrad(self.name)(x, gz)]


class StructuredUnaryGrad(Op):
    """f'(x) * gz on the stored entries of x (the gradient of StructuredUnary)."""

    __props__ = ("name",)

    def __init__(self, name: str):
        self.name = name

    def make_node(self, x: Any, gz: Any) -> Apply:
        x, gz = as_sparse_variable(x), as_sparse_variable(gz)
        return Apply(self, [x, gz], [x.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        fprime, dt = _UNARY[self.name][1], np.dtype(node.outputs[0].type.dtype)

        def fn(x: Any, gz: Any) -> Any:
            out = x.copy()
            with np.errstate(all="ignore"):
                out.data = (fprime(x.data) * _values_at(x, gz)).astype(dt)
            return out

        return fn


def _unary(name: str, doc: str) -> Callable[[Any], Variable]:
    op = StructuredUnary(name)

    def fn(x: Any) -> Variable:
        return op(x)

    fn.__name__ = name
    fn.__doc__ = doc
    return fn


neg = _unary("neg", "-x, on the stored entries.")
abs_ = _unary("abs", "|x|, on the stored entries.")
sqrt = _unary("sqrt", "sqrt(x), on the stored entries.")
sqr = _unary("sqr", "x ** 2, on the stored entries.")
sgn = _unary("sgn", "sign(x), on the stored entries.")
ceil = _unary("ceil", "ceil(x), on the stored entries.")
floor = _unary("floor", "floor(x), on the stored entries.")
trunc = _unary("trunc", "trunc(x), on the stored entries.")
rint = _unary("rint", "rint(x), on the stored entries.")
log1p = _unary("log1p", "log(1 + x), on the stored entries.")
expm1 = _unary("expm1", "exp(x) - 1, on the stored entries.")
sin = _unary("sin", "sin(x), on the stored entries.")
tan = _unary("tan", "tan(x), on the stored entries.")
arcsin = _unary("arcsin", "arcsin(x), on the stored entries.")
arctan = _unary("arctan", "arctan(x), on the stored entries.")
sinh = _unary("sinh", "sinh(x), on the stored entries.")
tanh = _unary("tanh", "tanh(x), on the stored entries.")
arcsinh = _unary("arcsinh", "arcsinh(x), on the stored entries.")
arctanh = _unary("arctanh", "arctanh(x), on the stored entries.")
deg2rad = _unary("deg2rad", "x in radians, on the stored entries.")
rad2deg = _unary("rad2deg", "x in degrees, on the stored entries.")
structured_sigmoid = _unary("sigmoid", "sigmoid of the stored entries (zeros stay zero).")
structured_exp = _unary("exp", "exp of the stored entries (zeros stay zero).")
structured_log = _unary("log", "log of the stored entries (zeros stay zero).")


# -- sums and products of two matrices --------------------------------------------------------------

class AddSS(Op):
    """Sparse + sparse, in the first operand's format."""

    def make_node(self, x: Any, y: Any) -> Apply:
        x, y = as_sparse_variable(x), as_sparse_variable(y)
        return Apply(self, [x, y], [SparseType(x.type.format, upcast(x.type.dtype, y.type.dtype))()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        fmt, dt = node.outputs[0].type.format, node.outputs[0].type.dtype

        def fn(x: Any, y: Any) -> Any:
            if x.shape != y.shape:
                raise ValueError(f"sparse add: shapes {x.shape} and {y.shape} differ")
            return (x + y).asformat(fmt).astype(dt)

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (x, y), (gz,) = inputs, gouts
        return [_in_format(gz, x.type.format), _in_format(gz, y.type.format)]


class AddSD(Op):
    """Sparse + dense matrix: a dense matrix."""

    def make_node(self, x: Any, y: Any) -> Apply:
        x, y = as_sparse_variable(x), as_tensor_variable(y)
        if y.type.ndim != 2:
            raise TypeError(f"sparse add: the dense operand must be a matrix, got {y.type}")
        return Apply(self, [x, y], [_dense(upcast(x.type.dtype, y.type.dtype))])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        dt = np.dtype(node.outputs[0].type.dtype)

        def fn(x: Any, y: np.ndarray) -> np.ndarray:
            if x.shape != y.shape:
                raise ValueError(f"sparse add: shapes {x.shape} and {y.shape} differ")
            return np.asarray(x + y, dtype=dt)

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[1]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (x, y), (gz,) = inputs, gouts
        return [mul(sp_ones_like(x), gz), gz]


class MulSS(Op):
    """Elementwise sparse * sparse (nonzero where both are)."""

    def make_node(self, x: Any, y: Any) -> Apply:
        x, y = as_sparse_variable(x), as_sparse_variable(y)
        return Apply(self, [x, y], [SparseType(x.type.format, upcast(x.type.dtype, y.type.dtype))()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        fmt, dt = node.outputs[0].type.format, node.outputs[0].type.dtype

        def fn(x: Any, y: Any) -> Any:
            if x.shape != y.shape:
                raise ValueError(f"sparse mul: shapes {x.shape} and {y.shape} differ")
            return x.multiply(y).asformat(fmt).astype(dt)

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (x, y), (gz,) = inputs, gouts
        return [_in_format(MulSS()(gz, y), x.type.format), _in_format(MulSS()(gz, x), y.type.format)]


class MulSD(Op):
    """Sparse * dense (a scalar, a row vector or a matrix, broadcast): sparse, in x's pattern."""

    def make_node(self, x: Any, y: Any) -> Apply:
        x, y = as_sparse_variable(x), as_tensor_variable(y)
        if y.type.ndim > 2:
            raise TypeError(f"sparse mul: the dense operand has {y.type.ndim} dimensions")
        return Apply(self, [x, y], [SparseType(x.type.format, upcast(x.type.dtype, y.type.dtype))()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        dt = np.dtype(node.outputs[0].type.dtype)

        def fn(x: Any, y: np.ndarray) -> Any:
            out = x.astype(dt)  # a copy: the stored entries are rewritten below
            if y.ndim == 0:
                out.data = (x.data * y).astype(dt)
                return out
            yb = np.broadcast_to(y, x.shape)
            coo = x.tocoo()
            out.data = (x.data * yb[coo.row, coo.col]).astype(dt)
            return out

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (x, y), (gz,) = inputs, gouts
        gz = gz if is_sparse_variable(gz) else SparseFromDense(x.type.format)(gz)
        gx = _in_format(MulSD()(MulSS()(gz, sp_ones_like(x)), y), x.type.format)
        xg = MulSS()(x, gz)
        if y.type.ndim == 0:
            gy = sp_sum(xg)
        elif y.type.ndim == 1:
            gy = sp_sum(xg, axis=0)
        else:
            gy = dense_from_sparse(xg)
        return [gx, gy]


def add(x: Any, y: Any) -> Variable:
    """x + y where at least one is sparse: sparse + sparse is sparse, sparse + dense is dense."""
    xs, ys = is_sparse_variable(x) or issparse(x), is_sparse_variable(y) or issparse(y)
    if xs and ys:
        return AddSS()(x, y)
    if xs:
        return AddSD()(x, y)
    if ys:
        return AddSD()(y, x)
    raise TypeError("theano.sparse.add: neither operand is sparse; use theano.tensor.add")


def sub(x: Any, y: Any) -> Variable:
    """x - y where at least one is sparse."""
    if is_sparse_variable(y) or issparse(y):
        return add(x, neg(y))
    return add(x, tneg(as_tensor_variable(y)))


def mul(x: Any, y: Any) -> Variable:
    """x * y elementwise where at least one is sparse; the result is sparse."""
    xs, ys = is_sparse_variable(x) or issparse(x), is_sparse_variable(y) or issparse(y)
    if xs and ys:
        return MulSS()(x, y)
    if xs:
        return MulSD()(x, y)
    if ys:
        return MulSD()(y, x)
    raise TypeError("theano.sparse.mul: neither operand is sparse; use theano.tensor.mul")


# -- reductions and patterns ------------------------------------------------------------------------

class SpSum(Op):
    """Sum of a sparse matrix over axis None, 0 or 1 (a dense result). With sparse_grad the
    gradient is structured; otherwise it is the full (sparse-typed) gradient."""

    __props__ = ("axis", "sparse_grad")

    def __init__(self, axis: int | None = None, sparse_grad: bool = False):
        if axis not in (None, 0, 1, -1, -2):
            raise ValueError(f"sp_sum: axis must be None, 0 or 1, got {axis!r}")
        self.axis = None if axis is None else int(axis) % 2
        self.sparse_grad = bool(sparse_grad)

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        return Apply(self, [x], [_dense(x.type.dtype, 0 if self.axis is None else 1)])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        axis, dt = self.axis, np.dtype(node.outputs[0].type.dtype)

        def fn(x: Any) -> np.ndarray:
            s = x.sum() if axis is None else x.sum(axis=axis)
            return np.asarray(s, dtype=dt).reshape(-1) if axis is not None else np.asarray(s, dtype=dt)

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [()] if self.axis is None else [(shapes[0][1 - self.axis],)]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (x,), (gz,) = inputs, gouts
        dense_x = dense_from_sparse(x)
        if self.axis is None:
            g = ones_like(dense_x) * gz
        elif self.axis == 0:
            g = ones_like(dense_x) * gz.dimshuffle("x", 0)
        else:
            g = ones_like(dense_x) * gz.dimshuffle(0, "x")
        if self.sparse_grad:
            return [mul(sp_ones_like(x), g)]
        return [SparseFromDense(x.type.format)(g)]


def sp_sum(x: Any, axis: int | None = None, sparse_grad: bool = False) -> Variable:
    """The sum of the sparse matrix x over all entries (axis None), columns (0) or rows (1)."""
    return SpSum(axis, sparse_grad)(x)


class SpOnesLike(Op):
    """Ones at the stored entries of x (its pattern)."""

    def make_node(self, x: Any) -> Apply:
        x = as_sparse_variable(x)
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        def fn(x: Any) -> Any:
            out = x.copy()
            out.data = np.ones_like(x.data)
            return out

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        return [DisconnectedType()()]

    def connection_pattern(self, node: Apply) -> list[list[bool]]:
        return [[False]]


_sp_ones_like = SpOnesLike()


def sp_ones_like(x: Any) -> Variable:
    """A sparse matrix with x's pattern and every stored entry 1."""
    return _sp_ones_like(x)


def sp_zeros_like(x: Any) -> Variable:
    """A sparse matrix of x's shape and type whose stored entries (x's pattern) are all zero."""
    return MulSD()(x, as_tensor_variable(np.asarray(0, dtype=as_sparse_variable(x).type.dtype)))


# Theano 1.0's `theano.sparse.basic` also held the types, products and stacking; they live in
# their own modules here, which import this one (hence at the end).
from ..config import config  # noqa: E402
from ..graph.null_gradients import DisconnectedType, grad_not_implemented, grad_undefined  # noqa: E402
from ..scalar.basic import (all_dtypes, complex_dtypes, continuous_dtypes, discrete_dtypes,  # noqa: E402
                            float_dtypes, int_dtypes, integer_dtypes, uint_dtypes)
from .type import (SparseVariable, bsr_matrix, csc_dmatrix, csc_fmatrix, csc_matrix, csr_dmatrix,  # noqa: E402
                   csr_fmatrix, csr_matrix, matrix)
from .dot import Dot, StructuredDot, dot, structured_dot, true_dot  # noqa: E402
from .stack import HStack, VStack, hstack, vstack  # noqa: E402
from .csm import (CSC, CSM, CSR, CSMProperties, csm_data, csm_indices, csm_indptr, csm_properties,  # noqa: E402
                  csm_shape, structured_add, structured_maximum, structured_minimum, structured_monoid,
                  structured_pow)
from ..compat.absent import module_getattr as _module_getattr  # noqa: E402

__getattr__ = _module_getattr(__name__)
