"""RandomStreams: symbolic random draws whose NumPy generators live in shared variables.

As in Theano 1.0, each draw gets its own shared `numpy.random.RandomState`, seeded with
`gen_seedgen.randint(2**30)` where `gen_seedgen = RandomState(seed)` is made by the
constructor; its default_update is the advanced generator, so every function that computes
the draw advances it. `seed(n)` reseeds the draws made so far, in order, from a fresh
`RandomState(n)`, and leaves `gen_seedgen` (the seeds of later draws) alone. Each draw calls
the NumPy method Theano calls (random_op.DRAWS), and its parameters reach NumPy uncast, so a
seed gives Theano's numbers.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from ..compile.sharedvalue import shared
from ..config import config
from ..graph.basic import Variable
from ..scalar.basic import upcast
from .basic import as_tensor_variable, cast, constant
from .random_op import RandomFunction, normalize_size, sample_ndim
from .random_type import RandomStateSharedVariable

__all__ = ["RandomStreams", "RandomStateSharedVariable"]


class RandomStreams:
    """A factory of random streams: `uniform`, `normal`, `binomial`, `random_integers`,
    `poisson`, `multinomial`, `permutation`, `choice`, each with an optional symbolic size."""

    def __init__(self, seed: int | None = None):
        self.default_instance_seed = seed
        self.gen_seedgen = np.random.RandomState(seed)
        self.state_updates: list[tuple[Any, Variable]] = []

    def updates(self) -> list[tuple[Any, Variable]]:
        """The (shared generator, advanced generator) pairs of every draw made so far."""
        return list(self.state_updates)

    def seed(self, seed: int | None = None) -> None:
        """Reseed every stream made so far from `seed` (the constructor's when None): stream k
        gets RandomState(RandomState(seed)'s k-th randint(2**30)). Streams made later keep
        taking their seeds from the constructor's generator, as in Theano 1.0."""
        if seed is None:
            seed = self.default_instance_seed
        seedgen = np.random.RandomState(seed)
        for old_r, _ in self.state_updates:
            old_r.set_value(np.random.RandomState(int(seedgen.randint(2 ** 30))), borrow=True)

    def __getitem__(self, item: Variable) -> Any:
        """The generator of a stream: `item` is its shared generator (`out.rng`), or the draw."""
        return _rng_of(item).get_value(borrow=True)

    def __setitem__(self, item: Variable, val: Any) -> None:
        _rng_of(item).set_value(val, borrow=True)

    def gen(self, fn: str, size: Any, params: list[Any], ndim: int | None, dtype: str) -> Variable:
        """A draw of distribution `fn` from a new stream, its generator updated by default."""
        params = [as_tensor_variable(p) for p in params]
        size_v = normalize_size(size)
        rank = sample_ndim(fn, size_v, params, ndim)
        op = RandomFunction(fn, dtype, rank, size_from_params=size_v is None)
        if size_v is None:
            size_v = constant(np.zeros(0, dtype="int64"))
        rng = shared(np.random.RandomState(int(self.gen_seedgen.randint(2 ** 30))), borrow=True)
        new_r, out = op(rng, size_v, *params)
        rng.default_update = new_r
        out.rng = rng
        out.update = (rng, new_r)
        self.state_updates.append((rng, new_r))
        return out

    # -- distributions -------------------------------------------------------------------
    def uniform(self, size: Any = None, low: Any = 0.0, high: Any = 1.0, ndim: int | None = None,
                dtype: str | None = None) -> Variable:
        """Uniform samples in [low, high) (drawn in float64, then cast to dtype)."""
        low, high = as_tensor_variable(low), as_tensor_variable(high)
        dtype = dtype or upcast(config.floatX, low.type.dtype, high.type.dtype)
        return self.gen("uniform", size, [low, high], ndim, dtype)

    def normal(self, size: Any = None, avg: Any = 0.0, std: Any = 1.0, ndim: int | None = None,
               dtype: str | None = None) -> Variable:
        """Normal samples of mean avg and standard deviation std (drawn in float64, then cast)."""
        avg, std = as_tensor_variable(avg), as_tensor_variable(std)
        dtype = dtype or upcast(config.floatX, avg.type.dtype, std.type.dtype)
        return self.gen("normal", size, [avg, std], ndim, dtype)

    def binomial(self, size: Any = None, n: Any = 1, p: Any = 0.5, ndim: int | None = None,
                 dtype: str = "int64", prob: Any = None) -> Variable:
        """Binomial samples: successes in n trials of probability p."""
        if prob is not None:
            p = prob
        return self.gen("binomial", size, [cast(as_tensor_variable(n), "int64"),
                                           cast(as_tensor_variable(p), "float64")], ndim, dtype)

    def random_integers(self, size: Any = None, low: Any = 0, high: Any = 1, ndim: int | None = None,
                        dtype: str = "int64") -> Variable:
        """Integers uniform in [low, high], both included."""
        return self.gen("random_integers", size, [cast(as_tensor_variable(low), "int64"),
                                                  cast(as_tensor_variable(high), "int64")], ndim, dtype)

    def poisson(self, size: Any = None, lam: Any = 1.0, ndim: int | None = None,
                dtype: str = "int64") -> Variable:
        """Poisson samples of mean lam."""
        return self.gen("poisson", size, [cast(as_tensor_variable(lam), "float64")], ndim, dtype)

    def multinomial(self, size: Any = None, n: Any = 1, pvals: Any = (0.5, 0.5), ndim: int | None = None,
                    dtype: str = "int64") -> Variable:
        """Counts of n draws over len(pvals) outcomes; the sample has shape size + (len(pvals),)."""
        return self.gen("multinomial", size, [cast(as_tensor_variable(n), "int64"), as_tensor_variable(pvals)],
                        ndim, dtype)

    def permutation(self, size: Any = None, n: Any = 1, ndim: int | None = None,
                    dtype: str = "int64") -> Variable:
        """Permutations of range(n): shape size + (n,)."""
        return self.gen("permutation", () if size is None else size,
                        [cast(as_tensor_variable(n), "int64")], ndim, dtype)

    def choice(self, size: Any = None, a: Any = 2, replace: bool = True, p: Any = None,
               ndim: int | None = None, dtype: str = "int64") -> Variable:
        """Samples from range(a) (a an int) or from the vector a, with probabilities p."""
        a = as_tensor_variable(a)
        fn = "choice" if p is None else "choice_p"
        if not replace:
            fn += "_noreplace"
        params = [a] if p is None else [a, cast(as_tensor_variable(p), "float64")]
        return self.gen(fn, () if size is None else size, params, ndim, dtype)


def _rng_of(item: Variable) -> Any:
    """The shared generator `item` is, or the one the draw `item` came from."""
    rng = getattr(item, "rng", item)
    if not isinstance(rng, RandomStateSharedVariable):
        raise TypeError(f"RandomStreams: {item} is neither a stream's generator nor a random draw")
    return rng
