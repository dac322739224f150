"""SparseType: SciPy CSR or CSC matrices as graph values, and their variables."""
from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import numpy as np

from ..compat.deferred import DeferredModule, loaded
from ..graph.basic import Constant, Variable
from ..graph.type import Type
from ..scalar.basic import all_dtypes, upcast
from ..config import config
from ..tensor.math import inv
from ..tensor.shape import shape

__all__ = ["SparseType", "SparseVariable", "SparseConstant", "matrix", "csr_matrix", "csc_matrix",
           "bsr_matrix", "csr_dmatrix", "csc_dmatrix", "csr_fmatrix", "csc_fmatrix", "issparse"]

#: scipy.sparse, imported when first used (see theano.compat.deferred)
scipy_sparse = DeferredModule("scipy.sparse")


def issparse(value: Any) -> bool:
    """scipy.sparse.issparse(value), without importing SciPy for values that cannot be
    sparse matrices: none exists before scipy.sparse is imported."""
    sp = loaded("scipy.sparse")
    return sp is not None and sp.issparse(value)


class _FormatClasses(Mapping):
    """format -> the SciPy matrix class (SparseType.format_cls), SciPy imported at the first
    lookup of a class."""

    _NAMES = {"csr": "csr_matrix", "csc": "csc_matrix", "bsr": "bsr_matrix"}

    def __getitem__(self, fmt: str) -> type:
        return getattr(scipy_sparse, self._NAMES[fmt])

    def __contains__(self, fmt: object) -> bool:  # Mapping's would look the class up
        return fmt in self._NAMES

    def __iter__(self) -> Iterator[str]:
        return iter(self._NAMES)

    def __len__(self) -> int:
        return len(self._NAMES)


_FORMAT_CLS = _FormatClasses()


class SparseType(Type):
    """Sparse matrices of a format ('csr', 'csc' or 'bsr') and a dtype (always two dimensions)."""

    ndim = 2
    broadcastable = (False, False)
    format_cls = _FORMAT_CLS

    def __init__(self, format: str, dtype: Any, name: str | None = None):
        if format not in _FORMAT_CLS:
            raise ValueError(f"SparseType: format must be one of {', '.join(_FORMAT_CLS)}, got {format!r}")
        dtype = str(np.dtype(dtype))
        if dtype not in all_dtypes or dtype == "float16":
            raise TypeError(f"SparseType: unsupported dtype {dtype!r}")
        self.format, self.dtype, self.name = format, dtype, name

    def clone(self, format: str | None = None, dtype: Any = None) -> "SparseType":
        return SparseType(format or self.format, dtype or self.dtype)

    def __eq__(self, other: object) -> bool:
        return (type(other) is SparseType and other.format == self.format  # type: ignore[attr-defined]
                and other.dtype == self.dtype)  # type: ignore[attr-defined]

    def __hash__(self) -> int:
        return hash((SparseType, self.format, self.dtype))

    def __str__(self) -> str:
        return self.name or f"Sparse[{self.dtype}, {self.format}]"

    __repr__ = __str__

    def filter(self, data: Any, strict: bool = False, allow_downcast: bool | None = None) -> Any:
        """`data` as a SciPy sparse matrix of this format and dtype, or TypeError saying why not.

        Non-strict: other sparse formats and dense 2-d arrays are converted, and the dtype is
        changed when nothing is lost (any change with allow_downcast)."""
        if issparse(data) and data.format == self.format and str(data.dtype) == self.dtype:
            return data
        if strict:
            raise TypeError(f"expected a scipy.sparse {self.format} matrix of dtype {self.dtype} for "
                            f"{self}, got {_describe(data)}")
        if issparse(data):
            src = data
        else:
            arr = np.asarray(data)
            if arr.ndim != 2 or arr.dtype == object:
                raise TypeError(f"{self} holds 2-d sparse matrices; got {_describe(data)}")
            src = arr
        src_dtype = str(src.dtype)
        if src_dtype != self.dtype and not allow_downcast and upcast(self.dtype, src_dtype) != self.dtype:
            raise TypeError(f"a sparse matrix of dtype {src_dtype} cannot be converted to {self} without "
                            f"loss of precision; cast it, or pass allow_input_downcast=True")
        out = _FORMAT_CLS[self.format](src, dtype=self.dtype)
        return out

    def is_valid_value(self, data: Any) -> bool:
        return issparse(data) and data.format == self.format and str(data.dtype) == self.dtype

    def values_eq(self, a: Any, b: Any) -> bool:
        return a.shape == b.shape and (abs(a - b)).nnz == 0 if issparse(a) else False

    def values_eq_approx(self, a: Any, b: Any, eps: float = 1e-6) -> bool:
        if not (issparse(a) and issparse(b)) or a.shape != b.shape:
            return False
        d = abs(a - b)
        return d.nnz == 0 or float(d.max()) < eps

    def data_signature(self, data: Any) -> Any:
        c = data.tocsr()
        return (self.format, c.shape, c.data.tobytes(), c.indices.tobytes(), c.indptr.tobytes())

    def make_constant(self, data: Any, name: str | None = None) -> "SparseConstant":
        return SparseConstant(self, self.filter(data), name)

    def get_shape_info(self, obj: Any) -> Any:
        return obj.shape

    def sum_gradient_terms(self, terms: list[Variable]) -> Variable:
        """The total of several gradient terms of a sparse variable (used by theano.grad)."""
        total = terms[0]
        for t in terms[1:]:
            total = _basic.add(total, t)
        if not isinstance(total.type, SparseType):
            total = _basic.SparseFromDense(self.format)(total)
        return total


def _describe(data: Any) -> str:
    if issparse(data):
        return f"a {data.format} matrix of dtype {data.dtype}"
    if hasattr(data, "dtype"):
        return f"{type(data).__name__} of dtype {data.dtype} and shape {np.shape(data)}"
    return type(data).__name__


class _SparseOperators:
    """Operators and methods of sparse variables, constants and shared variables."""

    ndim = 2

    @property
    def dtype(self) -> str:
        return self.type.dtype

    @property
    def format(self) -> str:
        return self.type.format

    @property
    def broadcastable(self) -> tuple[bool, bool]:
        return (False, False)

    @property
    def shape(self) -> Variable:
        return shape(_basic.dense_from_sparse(self))

    @property
    def T(self) -> Variable:
        return _basic.transpose(self)

    def transpose(self) -> Variable:
        return _basic.transpose(self)

    def toarray(self) -> Variable:
        return _basic.dense_from_sparse(self)

    def sum(self, axis: int | None = None, sparse_grad: bool = False) -> Variable:
        return _basic.sp_sum(self, axis, sparse_grad)

    def __add__(self, other: Any) -> Variable:
        return _basic.add(self, other)

    def __radd__(self, other: Any) -> Variable:
        return _basic.add(other, self)

    def __sub__(self, other: Any) -> Variable:
        return _basic.sub(self, other)

    def __rsub__(self, other: Any) -> Variable:
        return _basic.sub(other, self)

    def __mul__(self, other: Any) -> Variable:
        return _basic.mul(self, other)

    def __rmul__(self, other: Any) -> Variable:
        return _basic.mul(other, self)

    def __truediv__(self, other: Any) -> Variable:
        if isinstance(other, Variable) and isinstance(other.type, SparseType):
            raise NotImplementedError("division by a sparse matrix is not supported")
        return _basic.mul(self, 1.0 / other if not isinstance(other, Variable) else _reciprocal(other))

    def __neg__(self) -> Variable:
        return _basic.neg(self)

    def __abs__(self) -> Variable:
        return _basic.abs_(self)

    def __dot__(self, other: Any) -> Variable:
        return _dot.dot(self, other)

    def __rdot__(self, other: Any) -> Variable:
        return _dot.dot(other, self)

    def __matmul__(self, other: Any) -> Variable:
        return self.__dot__(other)

    def __rmatmul__(self, other: Any) -> Variable:
        return self.__rdot__(other)

    def __getitem__(self, index: Any) -> Variable:
        raise NotImplementedError("indexing sparse variables is not supported; use "
                                  "theano.sparse.dense_from_sparse(x)[...]")

    def __bool__(self) -> bool:
        raise TypeError("a symbolic sparse variable has no truth value")

    def __iter__(self):
        raise TypeError("a symbolic sparse variable cannot be iterated")


def _reciprocal(v: Variable) -> Variable:
    return inv(v)


class SparseVariable(_SparseOperators, Variable):
    """A symbolic sparse matrix."""

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other


class SparseConstant(_SparseOperators, Constant):
    """A constant sparse matrix."""

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other

    def __str__(self) -> str:
        if self.name is not None:
            return self.name
        return f"SparseConstant{{{self.type.format}, {self.type.dtype}, shape={self.data.shape}, nnz={self.data.nnz}}}"


SparseType.Variable = SparseVariable
SparseType.Constant = SparseConstant


def matrix(format: str, name: str | None = None, dtype: str | None = None) -> SparseVariable:
    """A sparse matrix variable of the format ('csr' or 'csc') and dtype (default floatX)."""
    return SparseType(format, dtype or config.floatX)(name)


def csr_matrix(name: str | None = None, dtype: str | None = None) -> SparseVariable:
    """A CSR sparse matrix variable."""
    return matrix("csr", name, dtype)


def csc_matrix(name: str | None = None, dtype: str | None = None) -> SparseVariable:
    """A CSC sparse matrix variable."""
    return matrix("csc", name, dtype)


def bsr_matrix(name: str | None = None, dtype: str | None = None) -> SparseVariable:
    """A BSR sparse matrix variable (few ops accept it; convert with dense_from_sparse)."""
    return matrix("bsr", name, dtype)


csr_dmatrix = SparseType("csr", "float64")
csc_dmatrix = SparseType("csc", "float64")
csr_fmatrix = SparseType("csr", "float32")
csc_fmatrix = SparseType("csc", "float32")


# SparseType.sum_gradient_terms and the operators above call into these modules, and both
# build on the classes defined here (they import SparseType at their top), so they are
# imported once those classes exist. Only the module objects are bound: their names are read
# when a method runs, by which time each module is complete.
# cycle: sparse.type -> sparse.basic -> sparse.type
from . import basic as _basic  # noqa: E402
from . import dot as _dot  # noqa: E402
