"""MRG_RandomStreams: random draws from MRG31k3p that give Theano 1.0's numbers for a seed.

Theano 1.0's layout, which fixes which number lands where:
- The streams object holds one state (six integers; an int seed is used six times). Each
  uniform draw takes `nstreams` substreams of it, 2**72 steps apart, then moves the object's
  state on by 2**134 steps (the next draw's start).
- `nstreams` defaults to `guess_n_streams(size)`: the number of elements over 6 (the number
  itself when 6 or fewer), at most 60 * 256, when size is a tuple of Python ints; 60 * 256
  otherwise (a symbolic size, a size holding NumPy integers).
- Element i of a draw comes from substream i % nstreams, each substream advancing once per
  element it produces.
- Only `uniform` draws from the generator. `normal` draws an even number of uniforms and
  applies Box-Muller to the two halves (first half radii, second half angles); with
  truncate=True the samples outside two standard deviations get new radii from a second
  draw. `binomial` compares uniforms with p; `multinomial` and `choice` read one uniform per
  sample and row (sandbox.multinomial).
The state of a draw is an int32 matrix (a row of six per substream) in a shared variable
whose default_update is the advanced state.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..compile.sharedvalue import shared
from ..config import config
from ..graph.null_gradients import DisconnectedType
from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..scalar.basic import upcast
from ..tensor import basic as tb
from ..tensor import math as tm
from ..tensor.join import join
from ..tensor.random_op import normalize_size
from ..tensor.shape import reshape
from ..tensor.sort import argsort
from ..tensor.subtensor import nonzero
from ..tensor.type import TensorType
from . import mrg31k3p
from .fma import fused_multiply_add
from .multinomial import ChoiceFromUniform, MultinomialFromUniform

__all__ = ["MRG_RandomStreams", "MRGUniform", "guess_n_streams", "MAX_NSTREAMS"]

MAX_NSTREAMS = 60 * 256  # Theano's cap, and its guess when the size is not a tuple of ints
TRUNCATED_STD = 0.87962566103423978  # std of the standard normal truncated at +-2


class MRGUniform(Op):
    """Inputs: stream states (int32, k x 6) and size (int vector). Outputs: the advanced
    states and uniforms in (0, 1) of that size, element i from stream i % k."""

    __props__ = ("dtype", "ndim")

    def __init__(self, dtype: str, ndim: int):
        if str(dtype) not in mrg31k3p.UNIT_DTYPES:
            raise TypeError(f"MRGUniform: dtype must be one of {', '.join(mrg31k3p.UNIT_DTYPES)}, "
                            f"got {dtype}")
        self.dtype, self.ndim = str(dtype), int(ndim)

    def make_node(self, rstate: Any, size: Any) -> Apply:
        rstate, size = tb.as_tensor_variable(rstate), tb.as_tensor_variable(size)
        if rstate.type.ndim != 2 or rstate.type.dtype != "int32":
            raise TypeError(f"MRGUniform: the state must be an int32 matrix, got {rstate.type}")
        if size.type.ndim != 1 or not size.type.dtype.startswith(("int", "uint")):
            raise TypeError(f"MRGUniform: size must be an integer vector, got {size.type}")
        return Apply(self, [rstate, size], [rstate.type(), TensorType(self.dtype, (False,) * self.ndim)()])

    def make_py_fn(self, node: Apply) -> Any:
        dtype, ndim = self.dtype, self.ndim

        def fn(rstate: np.ndarray, size: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
            shape = tuple(int(s) for s in size)
            if len(shape) != ndim or any(s < 0 for s in shape):
                raise ValueError(f"MRG uniform: size {shape} is not a valid shape of rank {ndim}")
            st, u = mrg31k3p.draw_uniform(rstate, int(np.prod(shape, dtype="int64")), dtype)
            return st, u.reshape(shape)

        return fn

    def do_constant_folding(self, node: Apply) -> bool:
        return False

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        size = node.inputs[1]
        return [shapes[0], tuple(size[k] for k in range(self.ndim))]

    def connection_pattern(self, node: Apply) -> list[list[bool]]:
        return [[False, False], [False, False]]  # the state and size only choose the numbers

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list[Variable]:
        return [DisconnectedType()(), DisconnectedType()()]


def guess_n_streams(size: Any) -> int:
    """Theano's number of substreams for a draw of `size`: the element count over 6 (the count
    itself up to 6), at most MAX_NSTREAMS, for a tuple or list of Python ints; MAX_NSTREAMS for
    anything else."""
    if isinstance(size, (tuple, list)) and all(isinstance(s, int) for s in size):
        r = int(np.prod(size, dtype=object)) if size else 1
        if r > 6:
            r //= 6
        return min(r, MAX_NSTREAMS)
    return MAX_NSTREAMS


def _const_int(v: Any) -> int | None:
    try:
        return int(tb.get_scalar_constant_value(v))
    except Exception:
        return None


def _size_arg(size: Any) -> tuple | Variable:
    """A uniform's size as Theano takes it (a tuple of ints and symbolic scalars, or an integer
    vector), also accepting an int or a list; an int entry must be positive."""
    if isinstance(size, (int, np.integer)) or (isinstance(size, Variable) and size.type.ndim == 0):
        size = (size,)
    if isinstance(size, list):
        size = tuple(size)
    if isinstance(size, tuple):
        for s in size:
            if isinstance(s, (int, np.integer)):
                if s <= 0:
                    raise ValueError(f"MRG_RandomStreams: the size {size} has a dimension <= 0")
            elif not isinstance(s, Variable):
                raise TypeError(f"MRG_RandomStreams: size entries must be ints or symbolic scalars, "
                                f"got {s!r} in {size}")
        return size
    v = tb.as_tensor_variable(size)
    if v.type.ndim != 1:
        raise TypeError(f"MRG_RandomStreams: size must be a tuple of ints or an integer vector, got {size}")
    return v


def _rank(size_v: Variable, ndim: int | None) -> int:
    try:
        n = tb.get_vector_length(size_v)
    except (ValueError, TypeError):
        if ndim is None:
            raise ValueError("MRG_RandomStreams: the length of size is not known when the graph is "
                             "built; pass ndim=") from None
        return int(ndim)
    if ndim is not None and int(ndim) != n:
        raise ValueError(f"MRG_RandomStreams: ndim={ndim} but size has length {n}")
    return n


def _exact(f: Any, x: Variable) -> Variable:
    """f(x) for a narrow float x computed in float64 and rounded once to x's dtype: the math
    library's float32 functions Theano's kernels call are correctly rounded far more often
    than NumPy's vectorised ones."""
    if x.type.dtype == "float64":
        return f(x)
    return tb.cast(f(tb.cast(x, "float64")), x.type.dtype)


def _affine(u: Variable, scale: Variable, shift: Variable, dtype: str) -> Variable:
    """u * scale + shift rounded once, as Theano 1.0's compiled kernel gives it (its C compiler,
    targeting the native CPU, fuses the multiply-add). With a scale of 1 or a shift of 0 there
    is only one rounding anyway, and the plain graph (compiled by every backend) is used."""
    if _const_float(scale) == 1.0 or _const_float(shift) == 0.0:
        return tb.cast(u * scale + shift, dtype)
    return fused_multiply_add(u, scale, shift, dtype)


def _const_float(v: Variable) -> float | None:
    try:
        return float(tb.get_scalar_constant_value(v))
    except Exception:
        return None


def _carry(out: Variable, u: Variable) -> Variable:
    """Give a derived sample the state and update of the uniforms it came from."""
    out.rstate, out.update = u.rstate, u.update
    return out


class MRG_RandomStreams:
    """Random streams over MRG31k3p with Theano 1.0's layout: `uniform`, `normal` (with
    `truncate`), `truncated_normal`, `binomial`, `multinomial`, `choice`,
    `multinomial_wo_replacement`; also `random_integers` and `permutation` (not in Theano 1.0).
    `seed(n)` reseeds every draw made so far."""

    def __init__(self, seed: int | Sequence[int] = 12345):
        self.state_updates: list[tuple[Any, Variable, int]] = []
        self.default_instance_seed = seed
        self.set_rstate(seed)

    def set_rstate(self, seed: int | Sequence[int]) -> None:
        """Restart the sequence of streams from `seed`."""
        self.rstate = mrg31k3p.seed_state(seed).astype("int32")

    def inc_rstate(self) -> None:
        """Move to the next independent stream (2**134 steps on)."""
        self.rstate = mrg31k3p.next_stream(self.rstate).astype("int32")

    def get_substream_rstates(self, n_streams: int, dtype: str | None = None,
                              inc_rstate: bool = True) -> np.ndarray:
        """States (int32, n_streams x 6) of n_streams substreams of the current stream, 2**72
        steps apart; then (inc_rstate) move to the next stream. `dtype` is unused (Theano's
        signature)."""
        n_streams = int(n_streams)
        if n_streams <= 0:
            raise ValueError(f"MRG_RandomStreams: nstreams must be positive, got {n_streams}")
        st = mrg31k3p.jump_streams(self.rstate, n_streams).astype("int32")
        if inc_rstate:
            self.inc_rstate()
        return st

    def seed(self, seed: int | Sequence[int] | None = None) -> None:
        """Reseed every draw made so far, in the order they were made, from `seed` (the
        constructor's seed when None); later draws continue from there."""
        self.set_rstate(self.default_instance_seed if seed is None else seed)
        for old_r, _, n in self.state_updates:
            old_r.set_value(self.get_substream_rstates(n), borrow=True)

    def updates(self) -> list[tuple[Any, Variable]]:
        """The (shared state, advanced state) pairs of every draw made so far."""
        return [(r, n) for r, n, _ in self.state_updates]

    def n_streams(self, size: Any) -> int:
        """How many substreams a draw of `size` uses by default (guess_n_streams)."""
        return guess_n_streams(size)

    # -- the generator's draw ----------------------------------------------------------
    def _uniform01(self, size: Any, dtype: str, ndim: int | None, nstreams: int | None) -> Variable:
        size = _size_arg(size)
        size_v = normalize_size(size)
        rank = _rank(size_v, ndim)
        n = int(nstreams) if nstreams is not None else self.n_streams(size)
        rstate = shared(self.get_substream_rstates(n), borrow=True)
        rstate.tag.is_rng = True
        new_r, u = MRGUniform(dtype, rank)(rstate, size_v)
        rstate.default_update = new_r
        u.rstate = rstate
        u.update = (rstate, new_r)
        self.state_updates.append((rstate, new_r, n))
        return u

    # -- distributions ---------------------------------------------------------------
    def uniform(self, size: Any = None, low: Any = 0.0, high: Any = 1.0, ndim: int | None = None,
                dtype: str | None = None, nstreams: int | None = None) -> Variable:
        """Uniform samples in (low, high): u * (high - low) + low in `dtype` (by default the
        upcast of floatX, low and high); size None takes the shape of low + high."""
        low, high = tb.as_tensor_variable(low), tb.as_tensor_variable(high)
        if dtype is None:
            dtype = upcast(config.floatX, low.type.dtype, high.type.dtype)
        low, high = tb.cast(low, dtype), tb.cast(high, dtype)
        if size is None:
            size = (low + high).shape
        u = self._uniform01(size, dtype, ndim, nstreams)
        return _carry(_affine(u, high - low, low, dtype), u)

    def normal(self, size: Any = None, avg: Any = 0.0, std: Any = 1.0, ndim: int | None = None,
               dtype: str | None = None, nstreams: int | None = None, truncate: bool = False) -> Variable:
        """Normal samples (Box-Muller over one draw of an even number of uniforms); with
        truncate=True, cut at two standard deviations (so their spread is less than std)."""
        avg, std = tb.as_tensor_variable(avg), tb.as_tensor_variable(std)
        if dtype is None:
            dtype = upcast(config.floatX, avg.type.dtype, std.type.dtype)
        avg, std = tb.cast(avg, dtype), tb.cast(std, dtype)
        if size is None:
            size = (avg + std).shape
        size_v = normalize_size(_size_arg(size))
        rank = _rank(size_v, ndim)
        n_odd = tm.prod(size_v, dtype="int64")
        n_even = n_odd + n_odd % 2
        u = self.uniform((n_even,), low=0.0, high=1.0, ndim=1, dtype=dtype, nstreams=nstreams)
        u1, u2 = u[:n_even // 2], u[n_even // 2:]
        r = tm.sqrt(-2.0 * _exact(tm.log, u1))
        theta = np.array(2.0 * np.pi, dtype=dtype) * u2
        cos_t, sin_t = _exact(tm.cos, theta), _exact(tm.sin, theta)
        z0, z1 = r * cos_t, r * sin_t
        if truncate:
            out0, out1 = (z0 < -2.0) | (z0 > 2.0), (z1 < -2.0) | (z1 > 2.0)
            z0_ok, z1_ok = z0[nonzero(~out0)], z1[nonzero(~out1)]
            fix0, fix1 = nonzero(out0)[0], nonzero(out1)[0]
            # New radii from [1/e**2, 1) are at most 2; the angles are kept.
            lower = tb.constant(1.0 / np.e ** 2, dtype=dtype)
            u_fix = self.uniform((fix0.size + fix1.size,), low=lower, high=1.0, ndim=1, dtype=dtype,
                                 nstreams=nstreams)
            r_fix = tm.sqrt(-2.0 * _exact(tm.log, u_fix))
            z = join(0, z0_ok, r_fix[:fix0.size] * cos_t[fix0], z1_ok, r_fix[fix0.size:] * sin_t[fix1])
        else:
            z = join(0, z0, z1)
        samples = reshape(z[:n_odd], size_v, ndim=rank)
        return _carry(_affine(samples, std, avg, dtype), u)

    def truncated_normal(self, size: Any = None, avg: Any = 0.0, std: Any = 1.0, ndim: int | None = None,
                         dtype: str | None = None, nstreams: int | None = None) -> Variable:
        """Normal samples cut at two standard deviations, scaled so that their spread is std."""
        std = tb.as_tensor_variable(std) / tb.constant(TRUNCATED_STD)
        return self.normal(size, avg, std, ndim=ndim, dtype=dtype, nstreams=nstreams, truncate=True)

    def binomial(self, size: Any = None, n: Any = 1, p: Any = 0.5, ndim: int | None = None,
                 dtype: str = "int64", nstreams: int | None = None, prob: Any = None) -> Variable:
        """Binomial samples: for n=1, uniform < p (Theano 1.0's only case); for a larger constant
        n, the successes among n such comparisons."""
        if prob is not None:
            p = prob
        p = tb.as_tensor_variable(p)
        n_c = _const_int(n)
        if n_c is None or n_c < 1:
            raise NotImplementedError("MRG_RandomStreams.binomial: n must be a constant positive integer")
        if size is None:
            size = p.shape
        if n_c == 1:
            u = self.uniform(size=size, ndim=ndim, nstreams=nstreams)
            return _carry(tb.cast(tm.lt(u, p), dtype), u)
        size_v = normalize_size(_size_arg(size))
        rank = _rank(size_v, ndim)
        u = self.uniform(size=join(0, tb.as_tensor_variable(np.array([n_c], dtype="int64")), size_v),
                         ndim=rank + 1, nstreams=nstreams)
        return _carry(tb.cast(tm.sum(tm.lt(u, p), axis=0), dtype), u)

    def random_integers(self, size: Any = None, low: Any = 0, high: Any = 1, ndim: int | None = None,
                        dtype: str = "int64", nstreams: int | None = None) -> Variable:
        """Integers uniform in [low, high], both included (not in Theano 1.0's MRG)."""
        low, high = tb.as_tensor_variable(low), tb.as_tensor_variable(high)
        if size is None:
            size = (low + high).shape
        u = self.uniform(size, ndim=ndim, dtype="float64", nstreams=nstreams)
        out = tm.floor(tb.cast(low, "float64") + u * tb.cast(high - low + 1, "float64"))
        return _carry(tb.cast(out, dtype), u)

    def multinomial(self, size: Any = None, n: Any = 1, pvals: Any = None, ndim: int | None = None,
                    dtype: str = "int64", nstreams: int | None = None) -> Variable:
        """Counts of n draws for each row of the matrix pvals (a distribution a row), shaped as
        pvals: draw c of row r reads uniform c * rows + r."""
        if pvals is None:
            raise TypeError("MRG_RandomStreams.multinomial: pvals is required")
        if size is not None:
            raise ValueError("MRG_RandomStreams.multinomial: size must be None (the rows of pvals "
                             "give the shape)")
        if ndim is not None:
            raise ValueError("MRG_RandomStreams.multinomial: ndim must be None")
        pvals = tb.as_tensor_variable(pvals)
        if pvals.type.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.multinomial: pvals must be a matrix")
        n = tb.as_tensor_variable(n)
        u = self.uniform(size=pvals[:, 0].shape * n, ndim=1, nstreams=nstreams)
        return _carry(MultinomialFromUniform(dtype)(pvals, u, n), u)

    def choice(self, size: Any = 1, a: Any = None, replace: bool = True, p: Any = None,
               ndim: int | None = None, dtype: str = "int64", nstreams: int | None = None) -> Variable:
        """For each row of the matrix p, `size` indices drawn with those probabilities (a matrix,
        rows x size). Theano 1.0 has only replace=False; replace=True and `a` an int (a vector of
        `size` indices uniform in range(a)) are this project's."""
        if ndim is not None:
            raise ValueError("MRG_RandomStreams.choice: ndim must be None")
        if p is None:
            if a is None:
                raise TypeError("MRG_RandomStreams.choice: give p (a matrix) or a (an int)")
            a_v = tb.as_tensor_variable(a)
            p_mat = tb.alloc(tb.as_tensor_variable(np.asarray(1.0)), 1, a_v) / tb.cast(a_v, "float64")
            return self._choice(size, p_mat, replace, dtype, nstreams, row=0)
        if a is not None:
            raise TypeError("MRG_RandomStreams.choice: give either a or p, not both")
        return self._choice(size, p, replace, dtype, nstreams)

    def _choice(self, size: Any, p: Any, replace: bool, dtype: str, nstreams: int | None,
                row: int | None = None) -> Variable:
        p = tb.as_tensor_variable(p)
        if p.type.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.choice: p must be a matrix (one row per draw)")
        size = tb.as_tensor_variable(size)
        if size.type.ndim != 0:
            raise TypeError(f"MRG_RandomStreams.choice: size must be an integer scalar, got {size.type}")
        u = self.uniform(size=p[:, 0].shape * size, ndim=1, nstreams=nstreams)
        out = ChoiceFromUniform(dtype, replace)(p, u, size)
        return _carry(out if row is None else out[row], u)

    def multinomial_wo_replacement(self, size: Any = None, n: Any = 1, pvals: Any = None,
                                   ndim: int | None = None, dtype: str = "int64",
                                   nstreams: int | None = None) -> Variable:
        """Theano's older name for choice(size=n, p=pvals, replace=False)."""
        if size is not None:
            raise ValueError("MRG_RandomStreams.multinomial_wo_replacement: size must be None; "
                             "n is the number of samples")
        return self.choice(size=n, p=pvals, replace=False, ndim=ndim, dtype=dtype, nstreams=nstreams)

    def permutation(self, size: Any = None, n: Any = 1, ndim: int | None = None,
                    dtype: str = "int64", nstreams: int | None = None) -> Variable:
        """Permutations of range(n), shape size + (n,): the order of n uniforms (not in
        Theano 1.0's MRG)."""
        size_v = normalize_size(() if size is None else size)
        rank = _rank(size_v, ndim)
        full = join(0, size_v, tb.cast(tb.as_tensor_variable(n), "int64").dimshuffle("x"))
        u = self.uniform(full, ndim=rank + 1, dtype="float64", nstreams=nstreams)
        return _carry(tb.cast(argsort(u, axis=-1), dtype), u)
