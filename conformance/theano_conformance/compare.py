"""Comparing a backend's value with the reference's, and saying where they first differ."""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

__all__ = ["first_mismatch", "describe_inputs_at", "short"]


def short(v: Any, limit: int = 200) -> str:
    """A value printed compactly (arrays cut at `limit` characters)."""
    if isinstance(v, np.ndarray):
        body = np.array2string(v, threshold=12, edgeitems=3, max_line_width=10_000).replace("\n", "")
        s = f"{v.dtype}{tuple(v.shape)} {body}"
    else:
        s = repr(v)
    return s if len(s) <= limit else s[:limit] + "..."


def _close(e: np.ndarray, g: np.ndarray, rtol: float, atol: float) -> np.ndarray:
    """Elementwise agreement: NaN where NaN, the same infinities, finite values within
    atol + rtol * |expected|. Integers and booleans must be equal."""
    if e.dtype.kind in "biuSUO" or (rtol == 0 and atol == 0):
        return (e == g) | (_isnan(e) & _isnan(g))
    if e.dtype.kind == "c":
        return _close(e.real, g.real, rtol, atol) & _close(e.imag, g.imag, rtol, atol)
    with np.errstate(all="ignore"):
        e64, g64 = e.astype(np.float64), g.astype(np.float64)
        nan_e, nan_g = np.isnan(e64), np.isnan(g64)
        inf_same = np.isinf(e64) & (e64 == g64)
        finite = np.isfinite(e64) & np.isfinite(g64) & (np.abs(g64 - e64) <= atol + rtol * np.abs(e64))
        return (nan_e & nan_g) | inf_same | finite


def _isnan(a: np.ndarray) -> np.ndarray:
    return np.isnan(a) if a.dtype.kind in "fc" else np.zeros(a.shape, bool)


def first_mismatch(expected: Any, got: Any, rtol: float, atol: float) -> tuple[str, tuple | None] | None:
    """None when `got` matches `expected`; else (what differs, index of the first differing
    element or None when the difference is not elementwise: type, dtype, shape)."""
    if not isinstance(got, np.ndarray):
        if isinstance(expected, np.ndarray) and np.ndim(got) == expected.ndim and hasattr(got, "dtype"):
            got = np.asarray(got)
        else:
            return f"expected a NumPy array, got {type(got).__name__}", None
    e = np.asarray(expected)
    if got.dtype != e.dtype:
        return f"dtype differs: expected {e.dtype}, got {got.dtype}", None
    if got.shape != e.shape:
        return f"shape differs: expected {e.shape}, got {got.shape}", None
    ok = _close(e, got, rtol, atol)
    if ok.all():
        return None
    idx = tuple(int(i) for i in np.argwhere(~ok)[0])
    n_bad = int((~ok).sum())
    return f"values differ at {n_bad} of {ok.size} element(s); first at index {idx}", idx


def describe_inputs_at(values: Sequence[np.ndarray], names: Sequence[str], out_shape: tuple,
                       idx: tuple | None) -> str:
    """The inputs that produced element `idx` of an output, when the inputs broadcast to the
    output's shape (elementwise ops); otherwise each input in short."""
    parts = []
    for name, v in zip(names, values):
        v = np.asarray(v)
        if idx is not None and v.ndim <= len(out_shape) and v.ndim > 0:
            try:
                b = np.broadcast_to(v, out_shape)
                parts.append(f"{name}={b[idx]!r}")
                continue
            except ValueError:
                pass
        parts.append(f"{name}={short(v, 120)}")
    return ", ".join(parts)


def element(a: np.ndarray, idx: tuple | None) -> str:
    if idx is None:
        return short(a)
    return repr(np.asarray(a)[idx])


def compare_outputs(expected: Sequence[Any], got: Sequence[Any], tol_for: Callable[[str], tuple[float, float]],
                    scale: float = 1.0, atol: float = 0.0) -> tuple[int, str, tuple | None] | None:
    """The first output that differs: (its position, what differs, first index). `scale`
    multiplies the dtype's tolerances; `atol`, when larger, replaces its absolute one."""
    if len(expected) != len(got):
        return -1, f"expected {len(expected)} outputs, got {len(got)}", None
    for k, (e, g) in enumerate(zip(expected, got)):
        e = np.asarray(e)
        rtol, dt_atol = tol_for(str(e.dtype))
        m = first_mismatch(e, g, rtol * scale, max(dt_atol * scale, atol))
        if m is not None:
            return k, m[0], m[1]
    return None
