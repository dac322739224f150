"""MRG_RandomStreams: random draws from MRG31k3p, reproducible on every backend.

The state of each draw is an int32 matrix (one row of six per stream) in a shared
variable whose default_update is the advanced state. Only uniforms come from the
generator; the other distributions are graphs over uniforms (Box-Muller for normal,
comparisons for binomial) or small NumPy ops (multinomial, choice, permutation).
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..config import config
from ..graph.basic import Apply, Constant, Variable
from ..graph.op import Op
from ..tensor import basic as tb
from ..tensor import math as tm
from ..tensor.random_op import normalize_size
from ..tensor.type import TensorType
from . import mrg31k3p

__all__ = ["MRG_RandomStreams", "MRGUniform", "FromUniform", "DEFAULT_NSTREAMS"]

DEFAULT_NSTREAMS = 1024  # streams per draw when its size is only known at run time
MAX_NSTREAMS = 4096


class MRGUniform(Op):
    """Inputs: stream states (int32, k x 6) and size (int64 vector). Outputs: the advanced
    states and uniforms in (0, 1) of that size."""

    __props__ = ("dtype", "ndim")

    def __init__(self, dtype: str, ndim: int):
        self.dtype, self.ndim = str(dtype), int(ndim)

    def make_node(self, rstate: Any, size: Any) -> Apply:
        rstate, size = tb.as_tensor_variable(rstate), tb.as_tensor_variable(size)
        if rstate.type.ndim != 2 or rstate.type.dtype != "int32":
            raise TypeError(f"MRGUniform: the state must be an int32 matrix, got {rstate.type}")
        if size.type.ndim != 1 or not size.type.dtype.startswith("int"):
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

    def perform(self, node: Apply, inputs: Sequence[Any], output_storage: list) -> None:
        output_storage[0][0], output_storage[1][0] = self.make_py_fn(node)(*inputs)

    def do_constant_folding(self, node: Apply) -> bool:
        return False

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        size = node.inputs[1]
        return [shapes[0], tuple(size[k] for k in range(self.ndim))]

    def connection_pattern(self, node: Apply) -> list[list[bool]]:
        return [[False, False], [False, False]]  # the state and size only choose the numbers

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list[Variable]:
        from ..gradient import DisconnectedType

        return [DisconnectedType()(), DisconnectedType()()]


class FromUniform(Op):
    """Discrete draws computed from uniforms, batched over the rows of a probability matrix.

    kind 'multinomial': inputs pvals (b, k), u (n, b); output the counts (b, k) of n draws.
    kind 'choice' / 'choice_noreplace': inputs pvals (b, k), u (b, n); output indices (b, n).
    kind 'argsort': input u (..., n); output the permutation that sorts each row.
    """

    __props__ = ("kind", "dtype")

    def __init__(self, kind: str, dtype: str = "int64"):
        if kind not in ("multinomial", "choice", "choice_noreplace", "argsort"):
            raise ValueError(f"FromUniform: unknown kind {kind!r}")
        self.kind, self.dtype = kind, str(dtype)

    def make_node(self, *inputs: Any) -> Apply:
        ins = [tb.as_tensor_variable(i) for i in inputs]
        if self.kind == "argsort":
            out_nd = ins[0].type.ndim
        else:
            if len(ins) != 2 or ins[0].type.ndim != 2 or ins[1].type.ndim != 2:
                raise TypeError(f"FromUniform({self.kind}): pvals and u must be matrices, got "
                                f"{', '.join(str(i.type) for i in ins)}")
            out_nd = 2
        return Apply(self, ins, [TensorType(self.dtype, (False,) * out_nd)()])

    def make_py_fn(self, node: Apply) -> Any:
        kind, dtype = self.kind, self.dtype

        def fn(*args: np.ndarray) -> np.ndarray:
            if kind == "argsort":
                return np.argsort(args[0], axis=-1, kind="stable").astype(dtype)
            pvals, u = args
            cdf = np.cumsum(pvals, axis=1)
            cdf = cdf / cdf[:, -1:]
            if kind == "multinomial":
                if u.shape[1] != pvals.shape[0]:
                    raise ValueError(f"multinomial: {pvals.shape[0]} rows of pvals but uniforms for "
                                     f"{u.shape[1]}")
                idx = np.minimum((u.T[:, :, None] >= cdf[:, None, :]).sum(axis=2), pvals.shape[1] - 1)
                out = np.zeros(pvals.shape, dtype=dtype)
                for j in range(u.shape[0]):
                    out[np.arange(len(pvals)), idx[:, j]] += 1
                return out
            if kind == "choice":
                idx = (u[:, :, None] >= cdf[:, None, :]).sum(axis=2)
                return np.minimum(idx, pvals.shape[1] - 1).astype(dtype)
            if u.shape[1] > pvals.shape[1]:
                raise ValueError(f"choice without replacement: {u.shape[1]} draws from "
                                 f"{pvals.shape[1]} outcomes")
            out = np.empty(u.shape, dtype=dtype)
            p = np.array(pvals, dtype="float64")
            rows = np.arange(len(p))
            for j in range(u.shape[1]):
                # Sequential draws: each one renormalises what is left.
                c = np.cumsum(p, axis=1)
                tot = c[:, -1:]
                if np.any(tot <= 0):
                    raise ValueError("choice without replacement: fewer outcomes of nonzero "
                                     "probability than draws")
                k = np.minimum(((u[:, j:j + 1] * tot) >= c).sum(axis=1), p.shape[1] - 1)
                # Skip over zero-probability outcomes that the comparison may land on.
                while np.any(p[rows, k] == 0):
                    bad = p[rows, k] == 0
                    k = np.where(bad, np.argmax(p > 0, axis=1), k)
                out[:, j] = k
                p[rows, k] = 0
            return out

        return fn

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list[Variable]:
        from ..gradient import grad_undefined

        return [grad_undefined(self, k, x) for k, x in enumerate(inputs)]


def _const_int(v: Any) -> int | None:
    try:
        return int(tb.get_scalar_constant_value(v))
    except Exception:
        return None


class MRG_RandomStreams:
    """Random streams over MRG31k3p: `uniform`, `normal`, `binomial`, `random_integers`,
    `multinomial`, `choice`, `permutation`, with symbolic sizes; `seed(n)` reseeds."""

    def __init__(self, seed: int | Sequence[int] = 12345):
        self.default_instance_seed = seed
        self.set_rstate(seed)
        self.state_updates: list[tuple[Any, Variable, int]] = []

    def set_rstate(self, seed: int | Sequence[int]) -> None:
        """Restart the sequence of streams from `seed`."""
        self.rstate = mrg31k3p.seed_state(seed)

    def inc_rstate(self) -> None:
        """Move to the next independent stream (2**134 steps on)."""
        self.rstate = mrg31k3p.next_stream(self.rstate)

    def get_substream_rstates(self, n_streams: int) -> np.ndarray:
        """States of n_streams substreams of the current stream, then move to the next stream."""
        st = mrg31k3p.jump_streams(self.rstate, int(n_streams)).astype("int32")
        self.inc_rstate()
        return st

    def seed(self, seed: int | Sequence[int] | None = None) -> None:
        """Reseed every draw made so far, and the ones made later, from `seed`."""
        self.set_rstate(self.default_instance_seed if seed is None else seed)
        for old_r, _, n in self.state_updates:
            old_r.set_value(self.get_substream_rstates(n), borrow=True)

    def updates(self) -> list[tuple[Any, Variable]]:
        """The (shared state, advanced state) pairs of every draw made so far."""
        return [(r, n) for r, n, _ in self.state_updates]

    @staticmethod
    def n_streams(size: Any) -> int:
        """How many streams a draw of `size` uses: one per element up to MAX_NSTREAMS, and
        DEFAULT_NSTREAMS when the size is only known at run time."""
        if isinstance(size, (int, np.integer)):
            size = (size,)
        try:
            if isinstance(size, (list, tuple)):
                dims = [int(s) if not isinstance(s, Variable) else int(tb.get_scalar_constant_value(s))
                        for s in size]
            elif isinstance(size, Constant):
                dims = [int(d) for d in np.asarray(size.data).reshape(-1)]
            else:
                return DEFAULT_NSTREAMS
        except Exception:
            return DEFAULT_NSTREAMS
        return int(max(1, min(MAX_NSTREAMS, int(np.prod(dims, dtype="int64")))))

    # -- the generator's draw ----------------------------------------------------------
    def _uniform01(self, size: Any, dtype: str, ndim: int | None = None,
                   nstreams: int | None = None) -> Variable:
        from ..compile.sharedvalue import shared

        size_v = normalize_size(size)
        if size_v is None:
            raise ValueError("MRG_RandomStreams: size must be given")
        try:
            rank = tb.get_vector_length(size_v)
        except (ValueError, TypeError):
            if ndim is None:
                raise ValueError(f"MRG_RandomStreams: the length of size {size} is not known when the "
                                 f"graph is built; pass ndim=") from None
            rank = int(ndim)
        n = int(nstreams) if nstreams is not None else self.n_streams(size)
        rstate = shared(self.get_substream_rstates(n), borrow=True)
        new_r, u = MRGUniform(dtype, rank)(rstate, size_v)
        rstate.default_update = new_r
        u.rstate = rstate
        u.update = (rstate, new_r)
        self.state_updates.append((rstate, new_r, n))
        return u

    # -- distributions ---------------------------------------------------------------
    def uniform(self, size: Any = None, low: Any = 0.0, high: Any = 1.0, ndim: int | None = None,
                dtype: str | None = None, nstreams: int | None = None) -> Variable:
        """Uniform samples in (low, high)."""
        low, high = tb.as_tensor_variable(low), tb.as_tensor_variable(high)
        if dtype is None:
            from ..scalar.basic import upcast

            dtype = upcast(config.floatX, low.type.dtype, high.type.dtype)
        if size is None:
            size = (low + high).shape  # the parameters' broadcast shape
        u = self._uniform01(size, dtype, ndim, nstreams)
        out = tb.cast(low, dtype) + u * tb.cast(high - low, dtype)
        return _carry(tb.cast(out, dtype), u)

    def normal(self, size: Any = None, avg: Any = 0.0, std: Any = 1.0, ndim: int | None = None,
               dtype: str | None = None, nstreams: int | None = None) -> Variable:
        """Normal samples (Box-Muller on pairs of uniforms)."""
        avg, std = tb.as_tensor_variable(avg), tb.as_tensor_variable(std)
        if dtype is None:
            from ..scalar.basic import upcast

            dtype = upcast(config.floatX, avg.type.dtype, std.type.dtype)
        if size is None:
            size = (avg + std).shape
        rank = _rank(normalize_size(size), ndim)
        u = self._uniform01(_extend(size, 2, first=True), "float64", rank + 1, nstreams)
        z = tm.sqrt(-2.0 * tm.log(u[0])) * tm.cos(2.0 * np.pi * u[1])
        out = tb.cast(avg + std * z, dtype)
        return _carry(out, u)

    def binomial(self, size: Any = None, n: int = 1, p: Any = 0.5, ndim: int | None = None,
                 dtype: str = "int64", nstreams: int | None = None, prob: Any = None) -> Variable:
        """Binomial samples; n must be a constant integer."""
        if prob is not None:
            p = prob
        p = tb.as_tensor_variable(p)
        n_c = _const_int(n)
        if n_c is None or n_c < 1:
            raise NotImplementedError("MRG_RandomStreams.binomial: n must be a constant positive integer")
        if size is None:
            size = p.shape
        rank = _rank(normalize_size(size), ndim)
        u = self._uniform01(_extend(size, n_c, first=True), p.type.dtype if p.type.dtype.startswith("float") else config.floatX,
                            rank + 1, nstreams)
        out = tb.cast(tm.sum(tm.lt(u, p), axis=0), dtype)
        return _carry(out, u)

    def random_integers(self, size: Any = None, low: Any = 0, high: Any = 1, ndim: int | None = None,
                        dtype: str = "int64", nstreams: int | None = None) -> Variable:
        """Integers uniform in [low, high], both included."""
        low, high = tb.as_tensor_variable(low), tb.as_tensor_variable(high)
        if size is None:
            size = (low + high).shape
        u = self._uniform01(size, "float64", ndim, nstreams)
        out = tb.cast(tm.floor(tb.cast(low, "float64") + u * tb.cast(high - low + 1, "float64")), dtype)
        return _carry(out, u)

    def multinomial(self, size: Any = None, n: int = 1, pvals: Any = None, ndim: int | None = None,
                    dtype: str = "int64", nstreams: int | None = None) -> Variable:
        """Counts of n draws for each row of the matrix pvals (one row a distribution): shape of pvals."""
        if pvals is None:
            raise TypeError("MRG_RandomStreams.multinomial: pvals is required")
        if size is not None:
            raise ValueError("MRG_RandomStreams.multinomial: size must be None (the rows of pvals "
                             "give the shape)")
        pvals = tb.as_tensor_variable(pvals)
        if pvals.type.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.multinomial: pvals must be a matrix")
        n_c = _const_int(n)
        if n_c is None or n_c < 1:
            raise NotImplementedError("MRG_RandomStreams.multinomial: n must be a constant positive integer")
        u = self._uniform01((n_c, pvals.shape[0]), pvals.type.dtype if pvals.type.dtype.startswith("float")
                            else "float64", 2, nstreams)
        return _carry(FromUniform("multinomial", dtype)(pvals, u), u)

    def choice(self, size: Any = 1, a: Any = None, replace: bool = True, p: Any = None,
               ndim: int | None = None, dtype: str = "int64", nstreams: int | None = None) -> Variable:
        """For each row of the matrix p, `size` indices drawn with those probabilities (a matrix);
        or, with p None and `a` an int, `size` indices uniform in range(a) (a vector)."""
        n = _const_int(size) if not isinstance(size, (tuple, list)) else None
        if p is None:
            if a is None:
                raise TypeError("MRG_RandomStreams.choice: give p (a matrix) or a (an int)")
            a_v = tb.as_tensor_variable(a)
            p_mat = tb.alloc(tb.as_tensor_variable(np.asarray(1.0)), 1, a_v)
            draws = self.choice(size, None, replace, p_mat, ndim, dtype, nstreams)
            return draws[0]
        p = tb.as_tensor_variable(p)
        if p.type.ndim != 2:
            raise NotImplementedError("MRG_RandomStreams.choice: p must be a matrix (one row per draw)")
        count = n if n is not None else size
        u = self._uniform01((p.shape[0], count), "float64", 2, nstreams)
        return _carry(FromUniform("choice" if replace else "choice_noreplace", dtype)(p, u), u)

    def multinomial_wo_replacement(self, size: Any = None, n: int = 1, pvals: Any = None,
                                   ndim: int | None = None, dtype: str = "int64",
                                   nstreams: int | None = None) -> Variable:
        """Theano's older name for choice(size=n, p=pvals, replace=False)."""
        return self.choice(size=n, p=pvals, replace=False, dtype=dtype, nstreams=nstreams)

    def permutation(self, size: Any = None, n: Any = 1, ndim: int | None = None,
                    dtype: str = "int64", nstreams: int | None = None) -> Variable:
        """Permutations of range(n), shape size + (n,) (the order of n uniforms)."""
        size = () if size is None else size
        rank = _rank(normalize_size(size), ndim)
        u = self._uniform01(_extend(size, n, first=False), "float64", rank + 1, nstreams)
        return _carry(FromUniform("argsort", dtype)(u), u)


def _extend(size: Any, k: Any, first: bool) -> Any:
    """size with one more dimension k in front (first) or at the end, kept a tuple when it is one
    so that its length stays known."""
    if isinstance(size, (int, np.integer)):
        size = (size,)
    if isinstance(size, (list, tuple)):
        return (k,) + tuple(size) if first else tuple(size) + (k,)
    from ..tensor.join import concatenate

    kv = tb.cast(tb.as_tensor_variable(k), "int64").dimshuffle("x")
    sv = normalize_size(size)
    return concatenate([kv, sv] if first else [sv, kv])


def _rank(size_v: Variable, ndim: int | None) -> int:
    try:
        return tb.get_vector_length(size_v)
    except (ValueError, TypeError):
        if ndim is None:
            raise ValueError("MRG_RandomStreams: the length of size is not known when the graph is "
                             "built; pass ndim=") from None
        return int(ndim)


def _carry(out: Variable, u: Variable) -> Variable:
    """Give a derived sample the state and update of the uniforms it came from."""
    out.rstate, out.update = u.rstate, u.update
    return out
