"""`theano.tensor.nlinalg`: linear algebra over NumPy's numpy.linalg.

inverse, pseudo-inverse, determinant, eigen and singular value decompositions, QR,
least squares, diagonals, trace, matrix power and norms, with gradients where Theano
had them (inverse, pinv, det, eigh, diagonals, trace, matrix power).
"""
from __future__ import annotations

import builtins
from typing import Any, Callable, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..scalar.basic import upcast
from .basic import as_tensor_variable, cast
from .type import TensorType
from . import math as tm
from ..graph.null_gradients import DisconnectedType
from .basic import identity_like
from .basic import zeros_like
from .math import minimum

__all__ = ["MatrixInverse", "matrix_inverse", "inv", "MatrixPinv", "pinv", "Det", "det", "Eig", "eig",
           "Eigh", "eigh", "EighGrad", "SVD", "svd", "QRFull", "qr", "Lstsq", "lstsq", "ExtractDiag",
           "extract_diag", "AllocDiag", "alloc_diag", "diag", "trace", "matrix_power", "norm",
           "matrix_dot", "tensorinv", "tensorsolve"]


def _float_dtype(x: Variable) -> str:
    d = x.type.dtype
    return d if d.startswith(("float", "complex")) else upcast(d, "float64")


def _matrix(x: Any, fname: str, square: bool = False) -> Variable:
    x = as_tensor_variable(x)
    if x.type.ndim != 2:
        raise TypeError(f"{fname}: expected a matrix, got {x.type}")
    return x if x.type.dtype.startswith(("float", "complex")) else cast(x, _float_dtype(x))


def _mat_t(dtype: str, ndim: int = 2) -> Variable:
    return TensorType(dtype, (False,) * ndim)()


def _check_square(fname: str, a: np.ndarray) -> None:
    if a.ndim < 2 or a.shape[-1] != a.shape[-2]:
        raise ValueError(f"{fname}: expected a square matrix, got shape {a.shape}")


class _NumpyOp(Op):
    """An op with one NumPy function and fixed output dtypes (helpers for the ops below)."""

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        res = self.make_py_fn(node)(*inputs)
        res = (res,) if len(node.outputs) == 1 else res
        for st, r in zip(output_storage, res):
            st[0] = r


def _as(dtype: str) -> Callable[[Any], np.ndarray]:
    dt = np.dtype(dtype)
    return lambda r: np.asarray(r, dtype=dt)


# -- inverses and determinant ------------------------------------------------------------

class MatrixInverse(_NumpyOp):
    """The inverse of a square matrix (numpy.linalg.inv)."""

    def make_node(self, x: Any) -> Apply:
        x = _matrix(x, "matrix_inverse")
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        to = _as(node.outputs[0].type.dtype)

        def fn(x: np.ndarray) -> np.ndarray:
            _check_square("matrix_inverse", x)
            return to(np.linalg.inv(x))

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        # d(X^-1) = -X^-1 dX X^-1, so the gradient is -X^-T G X^-T.
        (xi,), (gz,) = outputs, gouts
        return [-matrix_dot(xi.T, gz, xi.T)]

    def R_op(self, inputs: Sequence[Variable], eval_points: Sequence[Variable]) -> list:
        xi = self(inputs[0])
        ev = eval_points[0]
        return [None if ev is None else -matrix_dot(xi, ev, xi)]


matrix_inverse = MatrixInverse()
inv = matrix_inverse


class MatrixPinv(_NumpyOp):
    """The Moore-Penrose pseudo-inverse (numpy.linalg.pinv)."""

    def make_node(self, x: Any) -> Apply:
        x = _matrix(x, "pinv")
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        to = _as(node.outputs[0].type.dtype)
        return lambda x: to(np.linalg.pinv(x))

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [(shapes[0][1], shapes[0][0])]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        # From dZ = -Z dA Z + Z Z^T dA^T (I - A Z) + (I - Z A) dA^T Z^T Z (Golub and Pereyra).
        (a,), (z,), (g,) = inputs, outputs, gouts
        az, za = a.dot(z), z.dot(a)
        return [-matrix_dot(z.T, g, z.T) + matrix_dot(identity_like(az) - az, g.T, z, z.T)
                + matrix_dot(z.T, z, g.T, identity_like(za) - za)]


pinv = MatrixPinv()


class Det(_NumpyOp):
    """The determinant of a square matrix."""

    def make_node(self, x: Any) -> Apply:
        x = _matrix(x, "det")
        return Apply(self, [x], [TensorType(x.type.dtype, ())()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        to = _as(node.outputs[0].type.dtype)

        def fn(x: np.ndarray) -> np.ndarray:
            _check_square("det", x)
            return to(np.linalg.det(x))

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [()]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (x,), (d,), (gz,) = inputs, outputs, gouts
        return [gz * d * matrix_inverse(x).T]


det = Det()


# -- decompositions ----------------------------------------------------------------------

class Eig(_NumpyOp):
    """Eigenvalues and right eigenvectors of a square matrix (numpy.linalg.eig).

    The outputs have the input's dtype, as in Theano: a real matrix with complex eigenvalues
    is an error (pass a complex matrix to get them)."""

    def make_node(self, x: Any) -> Apply:
        x = _matrix(x, "eig")
        return Apply(self, [x], [_mat_t(x.type.dtype, 1), _mat_t(x.type.dtype)])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        dt = node.outputs[0].type.dtype

        def fn(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            _check_square("eig", x)
            w, v = np.linalg.eig(x)
            if not dt.startswith("complex") and (np.iscomplexobj(w) and np.any(w.imag != 0)):
                raise ValueError("eig: the real matrix has complex eigenvalues; cast it to complex "
                                 "to compute them")
            return np.asarray(w.real if not dt.startswith("complex") else w, dtype=dt), \
                np.asarray(v.real if not dt.startswith("complex") else v, dtype=dt)

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        n = shapes[0][0]
        return [(n,), (n, n)]


eig = Eig()


class Eigh(_NumpyOp):
    """Eigenvalues (ascending) and eigenvectors of a symmetric or Hermitian matrix; only the
    lower (UPLO='L') or upper ('U') triangle is read."""

    __props__ = ("UPLO",)

    def __init__(self, UPLO: str = "L"):
        if UPLO not in ("L", "U"):
            raise ValueError(f"eigh: UPLO must be 'L' or 'U', got {UPLO!r}")
        self.UPLO = UPLO

    def make_node(self, x: Any) -> Apply:
        x = _matrix(x, "eigh")
        wdt = "float32" if x.type.dtype in ("float32", "complex64") else "float64"
        return Apply(self, [x], [_mat_t(wdt, 1), x.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        tw, tv, uplo = _as(node.outputs[0].type.dtype), _as(node.outputs[1].type.dtype), self.UPLO

        def fn(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            _check_square("eigh", x)
            w, v = np.linalg.eigh(x, uplo)
            return tw(w), tv(v)

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        n = shapes[0][0]
        return [(n,), (n, n)]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (x,), (w, v) = inputs, outputs
        gw, gv = gouts
        gw = zeros_like(w) if isinstance(gw.type, DisconnectedType) else gw
        gv = zeros_like(v) if isinstance(gv.type, DisconnectedType) else gv
        return [EighGrad(self.UPLO)(x, w, v, gw, gv)]


def eigh(a: Any, UPLO: str = "L") -> list[Variable]:
    """(w, v): eigenvalues and eigenvectors of the symmetric matrix a."""
    return Eigh(UPLO)(a)


def _fold(g: np.ndarray, lower: bool) -> np.ndarray:
    """The gradient with respect to a matrix of which only one triangle is read: the entries of
    that triangle stand for both g[i, j] and g[j, i]."""
    if lower:
        return np.tril(g) + np.triu(g, 1).T
    return np.triu(g) + np.tril(g, -1).T


class EighGrad(_NumpyOp):
    """Gradient of Eigh: inputs (x, w, v, gw, gv), output the gradient with respect to x."""

    __props__ = ("UPLO",)

    def __init__(self, UPLO: str = "L"):
        self.UPLO = UPLO

    def make_node(self, x: Any, w: Any, v: Any, gw: Any, gv: Any) -> Apply:
        ins = [as_tensor_variable(i) for i in (x, w, v, gw, gv)]
        return Apply(self, ins, [ins[0].type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        to, lower = _as(node.outputs[0].type.dtype), self.UPLO == "L"

        def fn(x: np.ndarray, w: np.ndarray, v: np.ndarray, gw: np.ndarray, gv: np.ndarray) -> np.ndarray:
            # F[m, n] = 1 / (w[n] - w[m]) off the diagonal: first-order eigenvector perturbation.
            with np.errstate(divide="ignore", invalid="ignore"):
                f = 1.0 / (w[None, :] - w[:, None])
            np.fill_diagonal(f, 0.0)
            k = f * (v.conj().T @ gv)
            g = v @ (np.diag(gw) + k.T) @ v.conj().T
            return to(_fold(g if np.iscomplexobj(x) else g.real, lower))

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]


class SVD(_NumpyOp):
    """Singular value decomposition: (u, s, v) with a = u @ diag(s) @ v, or s alone."""

    __props__ = ("full_matrices", "compute_uv")

    def __init__(self, full_matrices: bool = True, compute_uv: bool = True):
        self.full_matrices, self.compute_uv = bool(full_matrices), bool(compute_uv)

    def make_node(self, x: Any) -> Apply:
        x = _matrix(x, "svd")
        sdt = "float32" if x.type.dtype in ("float32", "complex64") else "float64"
        outs = [_mat_t(x.type.dtype), _mat_t(sdt, 1), _mat_t(x.type.dtype)] if self.compute_uv \
            else [_mat_t(sdt, 1)]
        return Apply(self, [x], outs)

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        tos = [_as(o.type.dtype) for o in node.outputs]
        full, uv = self.full_matrices, self.compute_uv

        def fn(x: np.ndarray) -> Any:
            if uv:
                return tuple(t(r) for t, r in zip(tos, np.linalg.svd(x, full, True)))
            return tos[0](np.linalg.svd(x, full, False))

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        m, n = shapes[0]
        k = minimum(m, n)
        if not self.compute_uv:
            return [(k,)]
        if self.full_matrices:
            return [(m, m), (k,), (n, n)]
        return [(m, k), (k,), (k, n)]


def svd(a: Any, full_matrices: bool = True, compute_uv: bool = True) -> Any:
    """(u, s, v) such that a = u @ diag(s) @ v (or s alone when compute_uv is False)."""
    return SVD(full_matrices, compute_uv)(a)


class QRFull(_NumpyOp):
    """QR decomposition; mode 'reduced' or 'complete' gives (q, r), mode 'r' gives r."""

    __props__ = ("mode",)

    def __init__(self, mode: str = "reduced"):
        if mode not in ("reduced", "complete", "r"):
            raise ValueError(f"qr: mode must be 'reduced', 'complete' or 'r', got {mode!r}")
        self.mode = mode

    def make_node(self, x: Any) -> Apply:
        x = _matrix(x, "qr")
        n_out = 1 if self.mode == "r" else 2
        return Apply(self, [x], [_mat_t(x.type.dtype) for _ in range(n_out)])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        tos = [_as(o.type.dtype) for o in node.outputs]
        mode = self.mode

        def fn(x: np.ndarray) -> Any:
            res = np.linalg.qr(x, mode)
            if mode == "r":
                return tos[0](res)
            return tos[0](res[0]), tos[1](res[1])

        return fn


def qr(a: Any, mode: str = "reduced") -> Any:
    """(q, r) with a = q @ r (mode 'reduced' or 'complete'), or r alone (mode 'r')."""
    return QRFull(mode)(a)


class Lstsq(_NumpyOp):
    """Least-squares solution of a @ x = b: (x, residuals, rank, singular values)."""

    def make_node(self, a: Any, b: Any, rcond: Any) -> Apply:
        a = _matrix(a, "lstsq")
        b = as_tensor_variable(b)
        rcond = as_tensor_variable(rcond)
        dt = upcast(a.type.dtype, _float_dtype(b))
        return Apply(self, [a, b, rcond], [_mat_t(dt, b.type.ndim), _mat_t(dt, 1), _mat_t("int32", 0),
                                           _mat_t(dt, 1)])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        tos = [_as(o.type.dtype) for o in node.outputs]

        def fn(a: np.ndarray, b: np.ndarray, rcond: np.ndarray) -> tuple:
            rc = None if np.isnan(rcond) or rcond < 0 else float(rcond)
            res = np.linalg.lstsq(a, b, rcond=rc)
            return tuple(t(r) for t, r in zip(tos, res))

        return fn


def lstsq(a: Any, b: Any, rcond: float | None = None) -> list[Variable]:
    """(x, residuals, rank, s) minimising ||a @ x - b|| (numpy.linalg.lstsq)."""
    return Lstsq()(a, b, -1.0 if rcond is None else rcond)


# -- diagonals and trace -------------------------------------------------------------------

class ExtractDiag(_NumpyOp):
    """The diagonal of a matrix (offset > 0 above the main diagonal, < 0 below)."""

    __props__ = ("offset",)

    def __init__(self, offset: int = 0):
        self.offset = int(offset)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        if x.type.ndim != 2:
            raise TypeError(f"extract_diag: expected a matrix, got {x.type}")
        return Apply(self, [x], [_mat_t(x.type.dtype, 1)])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        off = self.offset
        return lambda x: np.diagonal(x, off).copy()

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        return [SetDiag(self.offset)(inputs[0].zeros_like(), gouts[0])]


def extract_diag(x: Any, offset: int = 0) -> Variable:
    """The diagonal of the matrix x."""
    return ExtractDiag(offset)(x)


class SetDiag(_NumpyOp):
    """A copy of the matrix x whose diagonal (at offset) is replaced by the vector d."""

    __props__ = ("offset",)

    def __init__(self, offset: int = 0):
        self.offset = int(offset)

    def make_node(self, x: Any, d: Any) -> Apply:
        x, d = as_tensor_variable(x), as_tensor_variable(d)
        if x.type.ndim != 2 or d.type.ndim != 1:
            raise TypeError(f"SetDiag: expected a matrix and a vector, got {x.type} and {d.type}")
        return Apply(self, [x, d], [x.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        off = self.offset

        def fn(x: np.ndarray, d: np.ndarray) -> np.ndarray:
            out = x.copy()
            rows = np.arange(len(d)) + builtins.max(-off, 0)
            cols = np.arange(len(d)) + builtins.max(off, 0)
            out[rows, cols] = d
            return out

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (gz,) = gouts
        return [SetDiag(self.offset)(gz, inputs[1].zeros_like()), ExtractDiag(self.offset)(gz)]


class AllocDiag(_NumpyOp):
    """A square matrix with the vector v on its diagonal (at offset) and zeros elsewhere."""

    __props__ = ("offset",)

    def __init__(self, offset: int = 0):
        self.offset = int(offset)

    def make_node(self, v: Any) -> Apply:
        v = as_tensor_variable(v)
        if v.type.ndim != 1:
            raise TypeError(f"alloc_diag: expected a vector, got {v.type}")
        return Apply(self, [v], [_mat_t(v.type.dtype)])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        off = self.offset
        return lambda v: np.diag(v, off)

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        n = shapes[0][0] + builtins.abs(self.offset)
        return [(n, n)]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        return [ExtractDiag(self.offset)(gouts[0])]


def alloc_diag(v: Any, offset: int = 0) -> Variable:
    """The square matrix with diagonal v."""
    return AllocDiag(offset)(v)


def diag(x: Any) -> Variable:
    """NumPy's diag: the diagonal of a matrix, or the diagonal matrix of a vector."""
    x = as_tensor_variable(x)
    if x.type.ndim == 1:
        return alloc_diag(x)
    if x.type.ndim == 2:
        return extract_diag(x)
    raise TypeError(f"diag: expected a vector or a matrix, got {x.type}")


def trace(X: Any) -> Variable:
    """The sum of the diagonal of the matrix X."""
    return extract_diag(X).sum()


# -- products, powers and norms ----------------------------------------------------------------

def matrix_dot(*args: Any) -> Variable:
    """The product of the matrices in order: matrix_dot(a, b, c) = a @ b @ c."""
    if not args:
        raise TypeError("matrix_dot needs at least one argument")
    rval = as_tensor_variable(args[0])
    for a in args[1:]:
        rval = rval.dot(a)
    return rval


def matrix_power(M: Any, n: int) -> Variable:
    """M to the integer power n (by repeated squaring; n < 0 uses the inverse)."""
    M = as_tensor_variable(M)
    n = int(n)
    if n < 0:
        M, n = matrix_inverse(M), -n
    if n == 0:
        return identity_like(M)
    result = None
    base = M
    while n:
        if n & 1:
            result = base if result is None else result.dot(base)
        n >>= 1
        if n:
            base = base.dot(base)
    return result


def norm(x: Any, ord: Any) -> Variable:  # noqa: A002 - Theano's signature
    """Vector or matrix norm (numpy.linalg.norm's ord: None, 'fro', 'inf', '-inf', 0, 1, -1, p)."""
    x = as_tensor_variable(x)
    if x.type.ndim == 1:
        if ord is None:
            return tm.sqrt(tm.sum(tm.sqr(tm.abs_(x))))
        if ord in ("inf", np.inf):
            return tm.max(tm.abs_(x))
        if ord in ("-inf", -np.inf):
            return tm.min(tm.abs_(x))
        if ord == 0:
            return tm.sum(tm.neq(x, 0))
        return tm.sum(tm.abs_(x) ** ord) ** (1.0 / ord)
    if x.type.ndim == 2:
        if ord in (None, "fro"):
            return tm.sqrt(tm.sum(tm.sqr(tm.abs_(x))))
        if ord in ("inf", np.inf):
            return tm.max(tm.sum(tm.abs_(x), axis=1))
        if ord in ("-inf", -np.inf):
            return tm.min(tm.sum(tm.abs_(x), axis=1))
        if ord == 1:
            return tm.max(tm.sum(tm.abs_(x), axis=0))
        if ord == -1:
            return tm.min(tm.sum(tm.abs_(x), axis=0))
        if ord in (2, -2, "nuc"):
            s = svd(x, compute_uv=False)
            return tm.max(s) if ord == 2 else tm.min(s) if ord == -2 else tm.sum(s)
        raise ValueError(f"norm: ord={ord!r} is not a matrix norm")
    raise NotImplementedError(f"norm: {x.type.ndim}-dimensional tensors are not supported")


class _TensorNumpy(_NumpyOp):
    """numpy.linalg.tensorinv / tensorsolve (no gradient)."""

    __props__ = ("fname", "ind", "out_ndim")

    def __init__(self, fname: str, ind: int, out_ndim: int):
        self.fname, self.ind, self.out_ndim = fname, int(ind), int(out_ndim)

    def make_node(self, *inputs: Any) -> Apply:
        ins = [as_tensor_variable(i) for i in inputs]
        dt = upcast(*[_float_dtype(i) for i in ins])
        return Apply(self, ins, [_mat_t(dt, self.out_ndim)])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        to = _as(node.outputs[0].type.dtype)
        if self.fname == "tensorinv":
            return lambda a: to(np.linalg.tensorinv(a, self.ind))
        return lambda a, b: to(np.linalg.tensorsolve(a, b))


def tensorinv(a: Any, ind: int = 2) -> Variable:
    """numpy.linalg.tensorinv: the inverse of a for tensordot over its first `ind` axes."""
    a = as_tensor_variable(a)
    return _TensorNumpy("tensorinv", ind, a.type.ndim)(a)


def tensorsolve(a: Any, b: Any, axes: Any = None) -> Variable:
    """numpy.linalg.tensorsolve: x such that tensordot(a, x, b.ndim) = b."""
    if axes is not None:
        raise NotImplementedError("tensorsolve: axes= is not supported; transpose a first")
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    return _TensorNumpy("tensorsolve", 0, a.type.ndim - b.type.ndim)(a, b)
