"""`theano.tensor.slinalg`: linear algebra over SciPy's scipy.linalg.

Cholesky, solve (general, symmetric, positive definite, triangular), solve_triangular,
the matrix exponential and eigvalsh, with gradients. Where SciPy reads only one triangle
of a matrix, the gradient is with respect to that triangle: an off-diagonal entry there
stands for itself and its mirror image.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ..compat.deferred import DeferredModule
from ..graph.basic import Apply, Variable
from ..scalar.basic import upcast
from .basic import as_tensor_variable
from .nlinalg import _as, _check_square, _float_dtype, _fold, _mat_t, _matrix, _NumpyOp
from .type import TensorType
from .math import outer

#: scipy.linalg, imported when first used (see theano.compat.deferred)
scipy_linalg = DeferredModule("scipy.linalg")

__all__ = ["Cholesky", "cholesky", "CholeskyGrad", "Solve", "solve", "solve_lower_triangular",
           "solve_upper_triangular", "solve_symmetric", "SolveTriangular", "solve_triangular",
           "Expm", "expm", "ExpmGrad", "Eigvalsh", "eigvalsh", "EigvalshGrad", "kron"]


class _Triangle(_NumpyOp):
    """tril/triu of a matrix ('keep'), or the gradient fold of a one-triangle input ('fold')."""

    __props__ = ("lower", "mode", "unit_diagonal")

    def __init__(self, lower: bool, mode: str = "keep", unit_diagonal: bool = False):
        self.lower, self.mode, self.unit_diagonal = bool(lower), mode, bool(unit_diagonal)

    def make_node(self, x: Any) -> Apply:
        x = as_tensor_variable(x)
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        lower, mode, unit = self.lower, self.mode, self.unit_diagonal

        def fn(g: np.ndarray) -> np.ndarray:
            out = _fold(g, lower) if mode == "fold" else (np.tril(g) if lower else np.triu(g))
            if unit:
                out = out.copy()
                np.fill_diagonal(out, 0)
            return out

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (gz,) = gouts
        if self.mode == "keep":
            return [_Triangle(self.lower, "keep", self.unit_diagonal)(gz)]
        # The adjoint of the fold copies the kept triangle onto its mirror image.
        kept = _Triangle(self.lower, "keep", self.unit_diagonal)(gz)
        strict = kept - _Triangle(not self.lower, "keep")(_Triangle(self.lower, "keep")(gz))
        return [kept + strict.T]


# -- Cholesky --------------------------------------------------------------------------------

class Cholesky(_NumpyOp):
    """The Cholesky factor of a positive definite matrix: lower (L @ L.T = x) or upper."""

    __props__ = ("lower",)

    def __init__(self, lower: bool = True):
        self.lower = bool(lower)

    def make_node(self, x: Any) -> Apply:
        x = _matrix(x, "cholesky")
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        to, lower = _as(node.outputs[0].type.dtype), self.lower

        def fn(x: np.ndarray) -> np.ndarray:
            _check_square("cholesky", x)
            return to(scipy_linalg.cholesky(x, lower=lower))

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        return [CholeskyGrad(self.lower)(inputs[0], outputs[0], gouts[0])]


cholesky = Cholesky()


class CholeskyGrad(_NumpyOp):
    """Gradient of Cholesky (Murray, 2016): inputs (x, factor, gradient of the factor)."""

    __props__ = ("lower",)

    def __init__(self, lower: bool = True):
        self.lower = bool(lower)

    def make_node(self, x: Any, chol: Any, gchol: Any) -> Apply:
        ins = [as_tensor_variable(i) for i in (x, chol, gchol)]
        return Apply(self, ins, [ins[0].type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        to, lower = _as(node.outputs[0].type.dtype), self.lower

        def fn(x: np.ndarray, chol: np.ndarray, gchol: np.ndarray) -> np.ndarray:
            L, gL = (chol, gchol) if lower else (chol.T, gchol.T)
            phi = np.tril(L.T @ gL)
            phi[np.diag_indices_from(phi)] *= 0.5
            # s = L^-T phi L^-1 through two triangular solves.
            s = scipy_linalg.solve_triangular(L, phi.T, lower=True, trans=1).T
            s = scipy_linalg.solve_triangular(L, s, lower=True, trans=1)
            g = s + s.T
            g[np.diag_indices_from(g)] *= 0.5
            return to(np.tril(g) if lower else np.triu(g))

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]


# -- solves -------------------------------------------------------------------------------------

_ASSUME = ("gen", "sym", "her", "pos")
_STRUCTURES = {"general": ("gen", False), "symmetric": ("sym", False), "hermitian": ("her", False),
               "positive_definite": ("pos", False), "lower_triangular": ("lower_triangular", True),
               "upper_triangular": ("upper_triangular", False)}


def _solve_out(a: Variable, b: Variable) -> Variable:
    return TensorType(upcast(_float_dtype(a), _float_dtype(b)), (False,) * b.type.ndim)()


def _outer_grad(gb: Variable, x: Variable) -> Variable:
    """-gb x^T, for vector or matrix right-hand sides."""
    return -outer(gb, x) if x.type.ndim == 1 else -gb.dot(x.T)


class Solve(_NumpyOp):
    """x with a @ x = b. assume_a: 'gen', 'sym', 'her', 'pos' (reading one triangle, `lower`
    saying which), or 'lower_triangular' / 'upper_triangular'."""

    __props__ = ("assume_a", "lower")

    def __init__(self, assume_a: str = "gen", lower: bool = False, A_structure: str | None = None):
        if A_structure is not None:
            if A_structure not in _STRUCTURES:
                raise ValueError(f"Solve: unknown A_structure {A_structure!r}")
            assume_a, lower = _STRUCTURES[A_structure]
        if assume_a not in _ASSUME + ("lower_triangular", "upper_triangular"):
            raise ValueError(f"solve: assume_a must be one of {', '.join(_ASSUME)}, got {assume_a!r}")
        if assume_a.endswith("triangular"):
            lower = assume_a == "lower_triangular"
        self.assume_a, self.lower = assume_a, bool(lower)

    def make_node(self, a: Any, b: Any) -> Apply:
        a = _matrix(a, "solve")
        b = as_tensor_variable(b)
        if b.type.ndim not in (1, 2):
            raise TypeError(f"solve: b must be a vector or a matrix, got {b.type}")
        return Apply(self, [a, b], [_solve_out(a, b)])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        to, assume, lower = _as(node.outputs[0].type.dtype), self.assume_a, self.lower

        def fn(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            _check_square("solve", a)
            if assume.endswith("triangular"):
                return to(scipy_linalg.solve_triangular(a, b, lower=lower))
            return to(scipy_linalg.solve(a, b, assume_a=assume, lower=lower))

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [(shapes[0][1],) + tuple(shapes[1][1:])]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (a, b), (x,), (gx,) = inputs, outputs, gouts
        if self.assume_a.endswith("triangular"):
            gb = solve_triangular(a, gx, trans=1, lower=self.lower)
            return [_Triangle(self.lower)(_outer_grad(gb, x)), gb]
        if self.assume_a == "gen":
            gb = solve(a.T, gx)
            return [_outer_grad(gb, x), gb]
        # Symmetric kinds: a equals its transpose, read from one triangle.
        gb = Solve(self.assume_a, self.lower)(a, gx)
        return [_Triangle(self.lower, "fold")(_outer_grad(gb, x)), gb]


def solve(a: Any, b: Any, assume_a: str = "gen", lower: bool = False, check_finite: bool = True,
          overwrite_a: bool = False, overwrite_b: bool = False) -> Variable:
    """x with a @ x = b (scipy.linalg.solve; assume_a 'gen', 'sym', 'her' or 'pos')."""
    return Solve(assume_a, lower)(a, b)


def solve_lower_triangular(a: Any, b: Any) -> Variable:
    """x with a @ x = b for a lower-triangular a."""
    return Solve("lower_triangular")(a, b)


def solve_upper_triangular(a: Any, b: Any) -> Variable:
    """x with a @ x = b for an upper-triangular a."""
    return Solve("upper_triangular")(a, b)


def solve_symmetric(a: Any, b: Any) -> Variable:
    """x with a @ x = b for a symmetric a (its upper triangle is read)."""
    return Solve("sym")(a, b)


class SolveTriangular(_NumpyOp):
    """x with op(a) @ x = b for a triangular a (scipy.linalg.solve_triangular); trans 0, 1 or 2."""

    __props__ = ("trans", "lower", "unit_diagonal")

    def __init__(self, trans: Any = 0, lower: bool = False, unit_diagonal: bool = False):
        trans = {"N": 0, "T": 1, "C": 2}.get(trans, trans)
        if trans not in (0, 1, 2):
            raise ValueError(f"solve_triangular: trans must be 0, 1, 2, 'N', 'T' or 'C', got {trans!r}")
        self.trans, self.lower, self.unit_diagonal = int(trans), bool(lower), bool(unit_diagonal)

    def make_node(self, a: Any, b: Any) -> Apply:
        a = _matrix(a, "solve_triangular")
        b = as_tensor_variable(b)
        if b.type.ndim not in (1, 2):
            raise TypeError(f"solve_triangular: b must be a vector or a matrix, got {b.type}")
        return Apply(self, [a, b], [_solve_out(a, b)])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        to = _as(node.outputs[0].type.dtype)
        trans, lower, unit = self.trans, self.lower, self.unit_diagonal

        def fn(a: np.ndarray, b: np.ndarray) -> np.ndarray:
            _check_square("solve_triangular", a)
            return to(scipy_linalg.solve_triangular(a, b, trans=trans, lower=lower, unit_diagonal=unit))

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [(shapes[0][1],) + tuple(shapes[1][1:])]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        (a, b), (x,), (gx,) = inputs, outputs, gouts
        back = 0 if self.trans else 1
        gb = SolveTriangular(back, self.lower, self.unit_diagonal)(a, gx)
        ga = _outer_grad(gb, x)
        if self.trans:
            ga = ga.T  # op(a) = a.T: the gradient of a is the transpose
        # The unit diagonal is implied, not read: no gradient there.
        return [_Triangle(self.lower, "keep", self.unit_diagonal)(ga), gb]


def solve_triangular(a: Any, b: Any, trans: Any = 0, lower: bool = False, unit_diagonal: bool = False,
                     check_finite: bool = True) -> Variable:
    """x with op(a) @ x = b for a triangular a; op is identity (trans=0) or transpose (1, 2)."""
    return SolveTriangular(trans, lower, unit_diagonal)(a, b)


# -- matrix exponential ----------------------------------------------------------------------------

class Expm(_NumpyOp):
    """The matrix exponential (scipy.linalg.expm)."""

    def make_node(self, x: Any) -> Apply:
        x = _matrix(x, "expm")
        return Apply(self, [x], [x.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        to = _as(node.outputs[0].type.dtype)

        def fn(x: np.ndarray) -> np.ndarray:
            _check_square("expm", x)
            return to(scipy_linalg.expm(x))

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        return [ExpmGrad()(inputs[0], gouts[0])]


expm = Expm()


class ExpmGrad(_NumpyOp):
    """Gradient of expm: the Frechet derivative at a.T in the direction g, read off the upper
    right block of expm([[a.T, g], [0, a.T]]) (exact, also for repeated eigenvalues)."""

    def make_node(self, a: Any, g: Any) -> Apply:
        a, g = as_tensor_variable(a), as_tensor_variable(g)
        return Apply(self, [a, g], [a.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        to = _as(node.outputs[0].type.dtype)

        def fn(a: np.ndarray, g: np.ndarray) -> np.ndarray:
            n = a.shape[0]
            block = np.zeros((2 * n, 2 * n), dtype=np.result_type(a, g))
            block[:n, :n] = a.T
            block[n:, n:] = a.T
            block[:n, n:] = g
            return to(scipy_linalg.expm(block)[:n, n:])

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]


# -- symmetric eigenvalues -------------------------------------------------------------------------

class Eigvalsh(_NumpyOp):
    """Eigenvalues of the symmetric a, or of the generalized problem a v = w b v (b positive
    definite); one triangle of each is read (`lower`)."""

    __props__ = ("lower",)

    def __init__(self, lower: bool = True):
        self.lower = bool(lower)

    def make_node(self, a: Any, b: Any = None) -> Apply:
        a = _matrix(a, "eigvalsh")
        ins = [a] if b is None else [a, _matrix(b, "eigvalsh")]
        dt = upcast(*[i.type.dtype for i in ins])
        wdt = "float32" if dt in ("float32", "complex64") else "float64"
        return Apply(self, ins, [_mat_t(wdt, 1)])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        to, lower = _as(node.outputs[0].type.dtype), self.lower

        def fn(a: np.ndarray, b: np.ndarray | None = None) -> np.ndarray:
            _check_square("eigvalsh", a)
            return to(scipy_linalg.eigh(a, b, lower=lower, eigvals_only=True))

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [(shapes[0][0],)]

    def L_op(self, inputs: Sequence[Variable], outputs: Sequence[Variable], gouts: Sequence[Variable]) -> list:
        res = EigvalshGrad(self.lower, len(inputs))(*inputs, gouts[0])
        return list(res) if isinstance(res, (list, tuple)) else [res]


class EigvalshGrad(_NumpyOp):
    """Gradient of Eigvalsh: inputs (a, [b,] gw); outputs the gradients of a (and b)."""

    __props__ = ("lower", "n_in")

    def __init__(self, lower: bool = True, n_in: int = 1):
        self.lower, self.n_in = bool(lower), int(n_in)

    def make_node(self, *inputs: Any) -> Apply:
        ins = [as_tensor_variable(i) for i in inputs]
        return Apply(self, ins, [i.type() for i in ins[:self.n_in]])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        tos = [_as(o.type.dtype) for o in node.outputs]
        lower, n_in = self.lower, self.n_in

        def fn(*args: np.ndarray) -> Any:
            a, b, gw = (args[0], None, args[1]) if n_in == 1 else args
            w, v = scipy_linalg.eigh(a, b, lower=lower)
            # dw_k = v_k^T (da - w_k db) v_k, with v normalised so that v^T b v = I.
            ga = _fold((v * gw) @ v.conj().T, lower)
            if n_in == 1:
                return tos[0](ga.real)
            gb = _fold(-(v * (gw * w)) @ v.conj().T, lower)
            return tos[0](ga.real), tos[1](gb.real)

        return fn


def eigvalsh(a: Any, b: Any = None, lower: bool = True) -> Variable:
    """Eigenvalues (ascending) of the symmetric a, or of a v = w b v when b is given."""
    return Eigvalsh(lower)(a) if b is None else Eigvalsh(lower)(a, b)


def kron(a: Any, b: Any) -> Variable:
    """The Kronecker product of two matrices (built from an outer product, so differentiable)."""
    a, b = as_tensor_variable(a), as_tensor_variable(b)
    if a.type.ndim != 2 or b.type.ndim != 2:
        raise NotImplementedError("kron: only matrices are supported")
    o = outer(a.flatten(), b.flatten())  # (ma*na, mb*nb)
    o = o.reshape((a.shape[0], a.shape[1], b.shape[0], b.shape[1]))
    return o.dimshuffle(0, 2, 1, 3).reshape((a.shape[0] * b.shape[0], a.shape[1] * b.shape[1]))
