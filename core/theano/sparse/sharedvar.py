"""Shared variables holding SciPy sparse matrices: theano.shared(scipy.sparse.csr_matrix(...))."""
from __future__ import annotations

from typing import Any

from ..compile.sharedvalue import SharedVariable, shared_constructor
from .type import SparseType, _SparseOperators, issparse

__all__ = ["SparseSharedVariable", "sparse_constructor"]


class SparseSharedVariable(_SparseOperators, SharedVariable):
    """A shared sparse matrix; get_value returns a copy unless borrow=True."""

    def __hash__(self) -> int:
        return id(self)

    def __eq__(self, other: object) -> bool:
        return self is other

    def __ne__(self, other: object) -> bool:
        return self is not other


@shared_constructor
def sparse_constructor(value: Any, name: str | None = None, strict: bool = False,
                       allow_downcast: bool | None = None, borrow: bool = False,
                       format: str | None = None) -> SparseSharedVariable:
    """Shared variables for csr and csc matrices (other formats are stored as csr)."""
    if not issparse(value):
        raise TypeError(f"not a sparse matrix: {type(value).__name__}")
    fmt = format or (value.format if value.format in ("csr", "csc") else "csr")
    t = SparseType(fmt, str(value.dtype))
    if not borrow or value.format != fmt:
        value = value.asformat(fmt).copy()
    return SparseSharedVariable(name=name, type=t, value=value, strict=strict, allow_downcast=allow_downcast)


SparseType.SharedVariable = SparseSharedVariable
