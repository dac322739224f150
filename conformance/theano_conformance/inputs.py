"""Input generators: deterministic functions ``rng -> np.ndarray`` that the cases are made of.

A generator is data, not a value, so the catalog can be listed (ids, ops, dtypes) without
allocating anything, and each case draws from its own seeded stream: a case's inputs do
not change when another case is added or removed.
"""
from __future__ import annotations

from typing import Callable

import numpy as np

Gen = Callable[[np.random.Generator], np.ndarray]

__all__ = ["Gen", "rand", "edges", "pairs_of_edges", "extremes", "extremes_long", "pairs_of_extremes", "extreme_rows", "extreme_wide_rows",
           "ints", "fixed", "scalar", "view", "empty", "float_edge_values", "extreme_values",
           "int_edge_values", "DOMAINS"]

# Intervals where each op family is defined and well conditioned, for the "normal"
# variants (the ones whose gradient is checked). Edge values ignore domains on purpose.
DOMAINS = {
    "real": (-3.0, 3.0),
    "positive": (0.1, 5.0),
    "unit": (-0.9, 0.9),
    "ge1": (1.1, 5.0),
    "open02": (0.1, 1.9),
    "small": (-1.0, 1.0),
    "nonzero": (0.5, 3.0),   # used with a random sign
}


def float_edge_values(dtype: str) -> np.ndarray:
    """Zeros of both signs, NaN, infinities, denormals, extremes, and values that overflow
    exp/cosh/sqr in this dtype, plus a few ordinary numbers so ordinary code paths run too."""
    fi = np.finfo(dtype)
    overflow_exp = {"float16": 12.0, "float32": 89.0, "float64": 710.0}.get(str(np.dtype(dtype)), 1e3)
    vals = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.5, 3.5, 1e-3, -1e-3, 0.9999, -0.9999,
            np.nan, np.inf, -np.inf,
            float(fi.smallest_subnormal), -float(fi.smallest_subnormal), float(fi.tiny), float(fi.eps),
            float(fi.max), -float(fi.max), float(fi.max) / 4,
            overflow_exp, -overflow_exp, 100.0, -100.0, 37.5, -40.25]
    with np.errstate(over="ignore"):
        return np.array(vals, dtype=dtype)


def extreme_values(dtype: str) -> np.ndarray:
    """The inputs where numerically careless code breaks: +-1000 (exp overflows, sigmoid and
    tanh saturate), 1e-300 and the subnormals (log, division, gammaln near zero), NaN, both
    infinities, both zeros, and the thresholds just either side of where exp overflows or
    underflows in this dtype (float32: 1e-300 is 0 there, 1e-40 a subnormal)."""
    dt = np.dtype(dtype)
    fi = np.finfo(dt)
    over = {"float16": 11.1, "float32": 88.7, "float64": 709.78}[str(dt)]
    under = {"float16": -17.0, "float32": -103.9, "float64": -745.1}[str(dt)]
    vals = [1000.0, -1000.0, 1e-300, -1e-300, float(fi.smallest_subnormal), -float(fi.smallest_subnormal),
            float(fi.tiny) / 8, float(fi.tiny), np.nan, np.inf, -np.inf, 0.0, -0.0,
            over, -over, under, 40.0, -40.0, 1e-40, 1e300 if dt.itemsize >= 8 else float(fi.max),
            -1.0, 1.0, 0.5, -0.5]
    with np.errstate(over="ignore", under="ignore"):
        return np.array(vals, dtype=dt)


def extremes(dtype: str) -> Gen:
    """The extreme values of `dtype` (see extreme_values) as a vector."""
    def gen(rng: np.random.Generator) -> np.ndarray:
        return extreme_values(dtype)
    gen.describe = f"extremes({dtype})"  # type: ignore[attr-defined]
    return gen


def extremes_long(dtype: str, n: int = 4099) -> Gen:
    """The extreme values repeated (with ordinary values between) to n elements: long
    enough for the vectorized and threaded loops of a compiled backend, an odd length so
    their tails run too."""
    def gen(rng: np.random.Generator) -> np.ndarray:
        ext = extreme_values(dtype)
        out = rng.uniform(-3, 3, size=n).astype(dtype)
        out[::3] = np.resize(ext, len(out[::3]))
        return out
    gen.describe = f"extremes_long({dtype}, {n})"  # type: ignore[attr-defined]
    return gen


def pairs_of_extremes(dtype: str, which: int) -> Gen:
    """Operand `which` (0 or 1) of every pair of extreme values (as pairs_of_edges)."""
    def gen(rng: np.random.Generator) -> np.ndarray:
        v = extreme_values(dtype)
        return np.repeat(v, len(v)) if which == 0 else np.tile(v, len(v))
    return gen


def extreme_rows(dtype: str, width: int = 4) -> Gen:
    """Rows of logits for softmax-like ops: each extreme value beside ordinary ones (one
    row per value, in each position of the row), plus rows that are all +-1000, all -inf
    or hold both infinities."""
    def gen(rng: np.random.Generator) -> np.ndarray:
        ext = extreme_values(dtype)
        rows = []
        for k, v in enumerate(ext):
            row = np.array([0.5, -1.0, 2.0, 0.0][:width], dtype=dtype)
            row[k % width] = v
            rows.append(row)
        rows += [np.full(width, 1000.0), np.full(width, -1000.0), np.full(width, -np.inf),
                 np.array([np.inf, -np.inf, 0.0, 1.0][:width]), np.array([1000.0, -1000.0, 999.0, 0.0][:width])]
        with np.errstate(over="ignore"):
            return np.array(rows, dtype=dtype)
    gen.describe = f"extreme_rows({dtype}, {width})"  # type: ignore[attr-defined]
    return gen


def extreme_wide_rows(dtype: str, width: int = 257) -> Gen:
    """Long rows (for vectorized row loops: max, sum, softmax) of ordinary values, each with
    one extreme value at a position that moves from row to row (first, last, inside a SIMD
    block and in the tail), plus rows that are all +-1000, all -inf, or hold NaN last."""
    def gen(rng: np.random.Generator) -> np.ndarray:
        ext = extreme_values(dtype)
        rows = rng.uniform(-3, 3, size=(len(ext) + 4, width))
        for k, v in enumerate(ext):
            rows[k, (k * 37) % width] = v
        rows[len(ext)] = 1000.0
        rows[len(ext) + 1] = -np.inf
        rows[len(ext) + 2, -1] = np.nan
        rows[len(ext) + 3, :: 2] = -1000.0
        with np.errstate(over="ignore"):
            return rows.astype(dtype)
    gen.describe = f"extreme_wide_rows({dtype}, {width})"  # type: ignore[attr-defined]
    return gen


def int_edge_values(dtype: str, safe_divisor: bool = False, nonneg: bool = False) -> np.ndarray:
    """Zero, small values and the extremes of the dtype (wraparound on overflow is NumPy's
    meaning). `safe_divisor` drops 0 and -1, whose division is undefined in C (SIGFPE);
    `nonneg` keeps values >= 0 (integer powers)."""
    dt = np.dtype(dtype)
    if dt == np.bool_:
        return np.array([False, True, True, False], dtype=dt)
    ii = np.iinfo(dt)
    vals = [0, 1, 2, 3, 7, 100 % (ii.max + 1), int(ii.max), int(ii.max) - 1]
    if ii.min < 0:
        vals += [-1, -2, -7, int(ii.min), int(ii.min) + 1]
    vals = [v for v in vals if ii.min <= v <= ii.max]
    if safe_divisor:
        vals = [v for v in vals if v not in (0, -1)]
    if nonneg:
        vals = [v for v in vals if 0 <= v <= 5]
    return np.array(vals, dtype=dt)


def rand(dtype: str, shape: tuple[int, ...], domain: str = "real") -> Gen:
    """Random values of `dtype` in the named domain (integers: small, of both signs if signed)."""
    def gen(rng: np.random.Generator) -> np.ndarray:
        dt = np.dtype(dtype)
        if dt == np.bool_:
            return rng.random(shape) < 0.5
        if dt.kind in "iu":
            lo = 0 if (dt.kind == "u" or domain in ("positive", "nonzero", "ge1")) else -5
            if domain in ("positive", "nonzero", "ge1"):
                lo = 1
            return rng.integers(lo, 6, size=shape).astype(dt)
        lo, hi = DOMAINS[domain]
        v = rng.uniform(lo, hi, size=shape)
        if domain == "nonzero":
            v = v * rng.choice([-1.0, 1.0], size=shape)
        if dt.kind == "c":
            v = v + 1j * rng.uniform(lo, hi, size=shape)
        return v.astype(dt)
    gen.describe = f"rand({dtype}, {shape}, {domain})"  # type: ignore[attr-defined]
    return gen


def edges(dtype: str, **kw: bool) -> Gen:
    """The edge values of `dtype` as a vector."""
    def gen(rng: np.random.Generator) -> np.ndarray:
        dt = np.dtype(dtype)
        if dt.kind == "f":
            return float_edge_values(dtype)
        if dt.kind == "c":
            f = float_edge_values("float32" if dt == np.complex64 else "float64")
            with np.errstate(invalid="ignore"):  # 1j * inf has a NaN real part, as intended
                return (f + 1j * np.roll(f, 3)).astype(dt)
        return int_edge_values(dtype, **kw)
    return gen


def pairs_of_edges(dtype: str, which: int, **kw: bool) -> Gen:
    """Operand `which` (0 or 1) of every pair of edge values: both operands are vectors of
    length n*m, so a binary op sees each combination (inf - inf, 0 * inf, NaN < 1, ...).
    `kw` restricts the second operand (e.g. safe_divisor for integer division); give the
    same `kw` for both operands so their lengths agree."""
    def gen(rng: np.random.Generator) -> np.ndarray:
        a, b = edges(dtype)(rng), edges(dtype, **kw)(rng)
        return np.repeat(a, len(b)) if which == 0 else np.tile(b, len(a))
    return gen


def ints(dtype: str, shape: tuple[int, ...], lo: int, hi: int) -> Gen:
    """Integers in [lo, hi) (indices, shapes, counts)."""
    def gen(rng: np.random.Generator) -> np.ndarray:
        return rng.integers(lo, hi, size=shape).astype(dtype)
    return gen


def fixed(value: object, dtype: str | None = None) -> Gen:
    """A fixed value, copied at each draw so no case can change another's input."""
    arr = np.array(value, dtype=dtype)

    def gen(rng: np.random.Generator) -> np.ndarray:
        return arr.copy()
    return gen


def scalar(value: object, dtype: str = "int64") -> Gen:
    """A 0-d array: a symbolic scalar input such as a slice bound or a length."""
    return fixed(value, dtype)


def empty(dtype: str, shape: tuple[int, ...]) -> Gen:
    def gen(rng: np.random.Generator) -> np.ndarray:
        return np.zeros(shape, dtype=dtype)
    return gen


def view(gen: Gen, kind: str) -> Gen:
    """The values of `gen` seen through a view that is not C-contiguous:

    - ``transposed``: the transpose of a C-contiguous array (Fortran order);
    - ``strided``: every other element along each axis of a larger buffer;
    - ``negstride``: reversed along every axis (negative strides).
    The values are the same as gen's; only the memory layout differs.
    """
    def g(rng: np.random.Generator) -> np.ndarray:
        v = gen(rng)
        if kind == "transposed":
            return np.ascontiguousarray(v.T).T
        if kind == "strided":
            big = np.zeros(tuple(2 * s for s in v.shape), dtype=v.dtype)
            sl = tuple(slice(None, None, 2) for _ in v.shape)
            big[sl] = v
            return big[sl]
        if kind == "negstride":
            rev = tuple(slice(None, None, -1) for _ in v.shape)
            return np.ascontiguousarray(v[rev])[rev]
        raise ValueError(f"unknown view kind {kind!r}")
    return g
