"""RandomFunction: one draw from a NumPy generator, as an op (Theano's raw_random).

Inputs: the generator, the size (an int64 vector), then the distribution's parameters.
Outputs: the advanced generator and the sample. The op copies the generator before
drawing, so it is a pure function of its inputs and any backend can run it through
its NumPy meaning.
"""
from __future__ import annotations

import copy
from typing import Any, Callable, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from .basic import as_tensor_variable, cast, constant, get_vector_length
from .join import make_vector
from .random_type import RandomStateType
from .type import TensorType
from ..graph.null_gradients import DisconnectedType
from ..graph.null_gradients import grad_undefined

__all__ = ["RandomFunction", "normalize_size", "DRAWS"]


def _broadcast_rows(size: tuple, *arrays: np.ndarray) -> list[np.ndarray]:
    """Each array (its leading dims; trailing ones belong to one draw) broadcast to `size`."""
    out = []
    for a, trailing in arrays:
        lead = a.shape[:a.ndim - trailing]
        if len(lead) > len(size):
            raise ValueError(f"random: a parameter of shape {a.shape} has more dimensions than the "
                             f"size {size}")
        a = a.reshape((1,) * (len(size) - len(lead)) + a.shape)
        out.append(np.broadcast_to(a, size + a.shape[a.ndim - trailing:]))
    return out


def _multinomial(g: Any, size: tuple, n: np.ndarray, pvals: np.ndarray) -> np.ndarray:
    # Theano 1.0's helper: one call per row; pvals a little over 1 in total, or whose last
    # entry is tiny, are scaled by 1 - 5e-5 first (NumPy rejects a total above 1).
    k = pvals.shape[-1]
    n_b, p_b = _broadcast_rows(size, (np.asarray(n), 0), (np.asarray(pvals), 1))
    out = np.empty(size + (k,), dtype="int64")
    for idx in np.ndindex(*size):
        p = p_b[idx]
        total = np.sum(p)
        if 1.0 < total < 1.0 + 1e-5 or p[-1] < 5e-5:
            p = p * (1.0 - 5e-5)
            total = np.sum(p)
        if total > 1.0:
            raise ValueError(f"multinomial: the probabilities {p} add up to {total}, more than 1")
        out[idx] = g.multinomial(n=n_b[idx], pvals=p.astype("float64"))
    return out


def _permutation(g: Any, size: tuple, n: np.ndarray) -> np.ndarray:
    n = int(n)
    out = np.empty(size + (n,), dtype="int64")
    for idx in np.ndindex(*size):
        out[idx] = g.permutation(n)
    return out


def _choice(g: Any, size: tuple, a: np.ndarray, p: np.ndarray | None, replace: bool) -> np.ndarray:
    a = a if a.ndim else int(a)
    return np.asarray(g.choice(a, size=size, replace=replace, p=p))


def _randint(g: Any, size: tuple, low: np.ndarray, high: np.ndarray) -> np.ndarray:
    # Theano's random_integers includes `high`.
    if isinstance(g, np.random.Generator):
        return g.integers(low, high, size=size, endpoint=True)
    # Theano 1.0 draws one randint per element, in C order (a vectorised randint draws others).
    lo, hi = _broadcast_rows(size, (np.asarray(low), 0), (np.asarray(high), 0))
    out = np.empty(size, dtype="int64")
    for idx in np.ndindex(*size):
        out[idx] = g.randint(low=lo[idx], high=hi[idx] + 1)
    return out


# name -> (draw(g, size, *params), number of dimensions the draw adds after `size`)
DRAWS: dict[str, tuple[Callable[..., np.ndarray], int]] = {
    "uniform": (lambda g, size, lo, hi: g.uniform(lo, hi, size=size), 0),
    "normal": (lambda g, size, mu, sd: g.normal(mu, sd, size=size), 0),
    "binomial": (lambda g, size, n, p: g.binomial(n, p, size=size), 0),
    "poisson": (lambda g, size, lam: g.poisson(lam, size=size), 0),
    "random_integers": (_randint, 0),
    "multinomial": (_multinomial, 1),
    "permutation": (_permutation, 1),
    "choice": (lambda g, size, a: _choice(g, size, a, None, True), 0),
    "choice_p": (lambda g, size, a, p: _choice(g, size, a, p, True), 0),
    "choice_noreplace": (lambda g, size, a: _choice(g, size, a, None, False), 0),
    "choice_p_noreplace": (lambda g, size, a, p: _choice(g, size, a, p, False), 0),
}


def normalize_size(size: Any) -> Variable | None:
    """`size` (None, ints, symbolic ints, or a shape vector) as an int64 vector, or None."""
    if size is None:
        return None
    if isinstance(size, (int, np.integer)):
        size = (size,)
    if isinstance(size, (list, tuple)):
        if all(isinstance(s, (int, np.integer)) for s in size):
            return constant(np.asarray(size, dtype="int64").reshape(-1))
        parts = [cast(as_tensor_variable(s), "int64") for s in size]
        for s in parts:
            if s.type.ndim != 0:
                raise TypeError(f"random: size entries must be integer scalars, got {s.type}")
        return make_vector(*parts, dtype="int64")
    v = as_tensor_variable(size)
    if v.type.ndim != 1 or not v.type.dtype.startswith(("int", "uint")):
        raise TypeError(f"random: size must be a tuple of integers or an integer vector, got {v.type}")
    return cast(v, "int64")


class RandomFunction(Op):
    """Draws `fn` from the generator; with size_from_params the sample takes the broadcast
    shape of the parameters (the size input is then ignored)."""

    __props__ = ("fn", "dtype", "ndim", "size_from_params")
    # The draws are NumPy's RandomState streams (Theano 1.0's numbers), from a host generator.
    host_side = "it draws from a NumPy RandomState, a host generator whose streams define the values"

    def __init__(self, fn: str, dtype: str, ndim: int, size_from_params: bool = False):
        if fn not in DRAWS:
            raise ValueError(f"RandomFunction: unknown distribution {fn!r}")
        self.fn, self.dtype, self.ndim, self.size_from_params = fn, str(dtype), int(ndim), bool(size_from_params)

    def make_node(self, rng: Any, size: Any, *params: Any) -> Apply:
        if not isinstance(getattr(rng, "type", None), RandomStateType):
            raise TypeError(f"RandomFunction: the first input must be a random generator, got {rng}")
        size = as_tensor_variable(size)
        params = [as_tensor_variable(p) for p in params]
        out = TensorType(self.dtype, (False,) * self.ndim)()
        return Apply(self, [rng, size] + params, [rng.type(), out])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        draw, extra = DRAWS[self.fn]
        dtype, from_params, ndim = np.dtype(self.dtype), self.size_from_params, self.ndim

        def fn(rng: Any, size: np.ndarray, *params: np.ndarray) -> tuple[Any, np.ndarray]:
            g = copy.deepcopy(rng)
            if from_params:
                shape = np.broadcast_shapes(*[np.shape(p)[:np.ndim(p) - _param_extra(self.fn, k)]
                                              for k, p in enumerate(params)])
            else:
                shape = tuple(int(s) for s in size)
            if any(s < 0 for s in shape):
                raise ValueError(f"random {self.fn}: negative size {shape}")
            out = np.asarray(draw(g, shape, *params), dtype=dtype)
            if out.ndim != ndim:
                raise ValueError(f"random {self.fn}: the sample has {out.ndim} dimensions, {ndim} were "
                                 f"declared (check size= and ndim=)")
            return g, out

        return fn

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        g, out = self.make_py_fn(node)(*inputs)
        output_storage[0][0], output_storage[1][0] = g, out

    def do_constant_folding(self, node: Apply) -> bool:
        return False

    def connection_pattern(self, node: Apply) -> list[list[bool]]:
        # The generator and the size only choose which numbers come out: no gradient flows there.
        return [[False, False], [False, False]] + [[False, True] for _ in node.inputs[2:]]

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list[Variable]:
        return [DisconnectedType()(), DisconnectedType()()] + [
            grad_undefined(self, k, x, "no gradient is defined through random draws")
            for k, x in enumerate(inputs) if k >= 2]


def _param_extra(fn: str, k: int) -> int:
    """Trailing dimensions of parameter k that belong to one draw (multinomial's pvals)."""
    return 1 if fn == "multinomial" and k == 1 else 0


def sample_ndim(fn: str, size: Variable | None, params: Sequence[Variable], ndim: int | None) -> int:
    """The rank of the sample: the length of size (known, else `ndim`; the parameters' broadcast
    rank when size is None) plus the dimensions one draw adds (multinomial, permutation)."""
    extra = DRAWS[fn][1]
    if size is None:
        base = max([p.type.ndim - _param_extra(fn, k) for k, p in enumerate(params)] + [0])
    else:
        try:
            base = get_vector_length(size)
        except (ValueError, TypeError):
            if ndim is None:
                raise ValueError(f"random {fn}: the length of size {size} is not known when the graph "
                                 f"is built; pass ndim=") from None
            return int(ndim) + extra
    if ndim is not None and int(ndim) != base:
        raise ValueError(f"random {fn}: ndim={ndim} does not match size, of length {base}")
    return base + extra
