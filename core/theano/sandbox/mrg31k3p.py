"""MRG31k3p (L'Ecuyer and Touzin, 2000) in vectorised NumPy: many independent streams at once.

A stream's state is six integers: (x1[n-1], x1[n-2], x1[n-3], x2[n-1], x2[n-2], x2[n-3]).
    x1[n] = (2**22 * x1[n-2] + (2**7 + 1) * x1[n-3]) mod M1
    x2[n] = (2**15 * x2[n-1] + (2**15 + 1) * x2[n-3]) mod M2
and the output z = (x1[n] - x2[n]) mod M1, in 1..M1, becomes a float as Theano 1.0's C code
makes it (see `to_unit`). Streams are 2**134 steps apart and substreams 2**72 apart, reached
with matrix powers, so a seed gives the same numbers on every backend and whatever the order
of the work.
"""
from __future__ import annotations

import numpy as np

__all__ = ["M1", "M2", "UNIT_DTYPES", "seed_state", "jump_streams", "next_stream", "to_unit", "draw_uniform"]

M1 = 2147483647  # 2**31 - 1
M2 = 2147462579  # 2**31 - 21069
_A1 = ((0, 2 ** 22, 2 ** 7 + 1), (1, 0, 0), (0, 1, 0))
_A2 = ((2 ** 15, 0, 2 ** 15 + 1), (1, 0, 0), (0, 1, 0))


def _matmul_mod(a: tuple, b: tuple, m: int) -> tuple:
    return tuple(tuple(sum(a[i][k] * b[k][j] for k in range(3)) % m for j in range(3)) for i in range(3))


def _matpow_mod(a: tuple, e: int, m: int) -> tuple:
    """a**e mod m with Python integers (exact)."""
    result = ((1, 0, 0), (0, 1, 0), (0, 0, 1))
    while e:
        if e & 1:
            result = _matmul_mod(result, a, m)
        a = _matmul_mod(a, a, m)
        e >>= 1
    return result


_J72 = (_matpow_mod(_A1, 2 ** 72, M1), _matpow_mod(_A2, 2 ** 72, M2))
_J134 = (_matpow_mod(_A1, 2 ** 134, M1), _matpow_mod(_A2, 2 ** 134, M2))


def seed_state(seed: int | list[int] | np.ndarray) -> np.ndarray:
    """The six-integer state of a seed: an int in 1..M2-1 (used six times) or six integers."""
    if isinstance(seed, (int, np.integer)):
        s = int(seed)
        if not 0 < s < M2:
            raise ValueError(f"MRG seed must be an integer in 1..{M2 - 1}, got {s}")
        return np.full(6, s, dtype="int64")
    st = np.asarray(seed, dtype="int64").reshape(-1)
    if st.shape != (6,):
        raise ValueError(f"MRG seed must be an int or six integers, got shape {st.shape}")
    if np.any(st[:3] < 0) or np.any(st[:3] >= M1) or np.any(st[3:] < 0) or np.any(st[3:] >= M2):
        raise ValueError("MRG seed: the first three values must be in 0..M1-1 and the last three in 0..M2-1")
    if not st[:3].any() or not st[3:].any():
        raise ValueError("MRG seed: neither half of the state may be all zeros")
    return st


def _apply(j: tuple, states: np.ndarray) -> np.ndarray:
    """The matrices j = (J1, J2) applied to each row of `states` (n, 6)."""
    out = np.empty_like(states)
    for half, (mat, m) in enumerate(zip(j, (M1, M2))):
        s = states[:, 3 * half:3 * half + 3]
        for r in range(3):
            # Reduce each product before summing: entries < 2**31, so products fit in int64.
            acc = np.zeros(len(states), dtype="int64")
            for c in range(3):
                acc = (acc + (mat[r][c] * s[:, c]) % m) % m
            out[:, 3 * half + r] = acc
    return out


def jump_streams(state: np.ndarray, n: int) -> np.ndarray:
    """`n` substreams (n, 6) starting at `state`, each 2**72 steps after the previous one."""
    states = np.asarray(state, dtype="int64").reshape(1, 6)
    jump = _J72
    while len(states) < n:
        # Doubling: the first k substreams jumped by k * 2**72 give the next k.
        states = np.concatenate([states, _apply(jump, states)])
        jump = (_matmul_mod(jump[0], jump[0], M1), _matmul_mod(jump[1], jump[1], M2))
    return states[:n]


def next_stream(state: np.ndarray) -> np.ndarray:
    """The state 2**134 steps after `state`: the start of the next independent stream."""
    return _apply(_J134, np.asarray(state, dtype="int64").reshape(1, 6))[0]


def _unit64(z: np.ndarray) -> np.ndarray:
    return z * 4.656612873077392578125e-10  # z / 2**31, exact


def _unit32(z: np.ndarray) -> np.ndarray:
    # Theano's C code: z converted to float, times a float32 constant a little under 2**-31 so
    # that M1 maps below 1; each step rounds to float32.
    return z.astype("float32") * np.float32(4.6566126e-10)


def _unit16(z: np.ndarray) -> np.ndarray:
    # Theano's float16 path (Python): the low 15 bits plus 1, times 3.0458e-05, rounded once.
    return (((z & 0x7FFF) + 1) * float(np.float16(3.0458e-05))).astype("float16")


UNIT_DTYPES = {"float64": _unit64, "float32": _unit32, "float16": _unit16}


def to_unit(z: np.ndarray, dtype: str) -> np.ndarray:
    """The generator's outputs z (1..M1) as uniforms in (0, 1) of `dtype`, as Theano 1.0 makes them."""
    try:
        conv = UNIT_DTYPES[str(np.dtype(dtype))]
    except KeyError:
        raise TypeError(f"MRG uniforms are float16, float32 or float64, not {dtype}") from None
    return conv(np.asarray(z, dtype="int64"))


def draw_uniform(states: np.ndarray, n: int, dtype: str = "float64") -> tuple[np.ndarray, np.ndarray]:
    """`n` uniforms in (0, 1) from the streams `states` (k, 6): element j comes from stream j % k.
    Returns (new states, samples); a stream advances once per element it produced."""
    st = np.array(states, dtype="int64")
    k = len(st)
    if k == 0 and n:
        raise ValueError("MRG: no streams to draw from")
    z = np.empty(n, dtype="int64")
    for start in range(0, n, max(k, 1)):
        m = min(k, n - start)
        s = st[:m]
        y1 = (2 ** 22 * s[:, 1] + (2 ** 7 + 1) * s[:, 2]) % M1
        y2 = (2 ** 15 * s[:, 3] + (2 ** 15 + 1) * s[:, 5]) % M2
        st[:m] = np.stack([y1, s[:, 0], s[:, 1], y2, s[:, 3], s[:, 4]], axis=1)
        d = y1 - y2
        z[start:start + m] = np.where(d <= 0, d + M1, d)
    return st.astype(np.asarray(states).dtype), to_unit(z, dtype)
