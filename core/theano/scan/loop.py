"""The step loop that Scan and ScanGrad run, as data: where each argument of the compiled
step comes from (sources) and where each of its results goes (sinks), and the Python
executor of that plan.

A backend may run the same plan with its own executor (the C backend's loop runs it without
a Python frame per step, `theano_c.scan_loop`); an executor has the signature of
`run_steps` and must do what it does. Step i of n runs at time index t = t0 + i * dt.

Sources (lists, so that a sink can replace a carried value in place):
  [CONST, value]                 the same value every step
  [SLICE, array, offset, cast]   array[offset + t]; cast: None, or a callable(t) that an
                                 executor calls instead (a slice converted to another dtype)
  [CARRY, value]                 a value that a CARRY_OUT sink replaces after each step
  [ITEM, list, offset]           list[offset + t]
Sinks, one per result of the step, applied in order after the step:
  [DROP]
  [STORE, array, offset, store]  array[offset + t] = result; store(t, result) does it in
                                 general (shape checks, casts, allocating a stacked output
                                 into sink[1] on first use); an executor may copy directly
                                 when array is an ndarray of the result's dtype and row shape
  [ADD, array, offset, add]      array[offset + t] += result (offset None: array += result);
                                 add(t, result) does it in general
  [CARRY_OUT, source, record, convert]  sources[source][1] = result, converted by
                                 convert(result) unless it is an ndarray and convert's
                                 `fast_dtype` (None: any) is its dtype; record: None or a
                                 list the carried value is appended to
  [UNTIL]                        stop after this step when the result is true
  [ADD_OUTER, array, a, b, add]  array += outer(a, b), each of a and b a result (index >= 0)
                                 or an argument (source -1 - index); add(t, a, b) does it in
                                 general. It takes no result of its own: these sinks come last,
                                 after the one sink per result.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

__all__ = ["CONST", "SLICE", "CARRY", "ITEM", "DROP", "STORE", "ADD", "CARRY_OUT", "UNTIL", "ADD_OUTER",
           "run_steps", "Converter"]

CONST, SLICE, CARRY, ITEM = 0, 1, 2, 3
DROP, STORE, ADD, CARRY_OUT, UNTIL, ADD_OUTER = 0, 1, 2, 3, 4, 5


class Converter:
    """The conversion a CARRY_OUT sink applies: np.asarray(v, dtype); `fast_dtype` tells an
    executor that an ndarray already of that dtype needs none (dtype None: any ndarray)."""

    def __init__(self, dtype: Any = None):
        self.dtype = None if dtype is None else np.dtype(dtype)
        self.fast_dtype = self.dtype

    def __call__(self, v: Any) -> Any:
        if self.dtype is None:
            # Function outputs are ndarrays, except sparse matrices and random generators.
            if hasattr(v, "tocsr") or isinstance(v, (np.random.RandomState, np.random.Generator)):
                return v
            return np.asarray(v)
        return np.asarray(v, dtype=self.dtype)


def run_steps(step: Callable[..., list], sources: list, sinks: list, t0: int, dt: int, n: int) -> int:
    """Run `step` n times as the plan says (see the module doc); returns how many steps ran
    (fewer than n when an UNTIL sink stopped the loop)."""
    args: list = [None] * len(sources)
    slices, casts, items, carried = [], [], [], []
    for j, src in enumerate(sources):
        kind = src[0]
        if kind == CONST:
            args[j] = src[1]
        elif kind == SLICE:
            (slices if src[3] is None else casts).append((j, src))
        elif kind == ITEM:
            items.append((j, src))
        elif kind == CARRY:
            carried.append((j, src))
        else:
            raise ValueError(f"scan loop: unknown source kind {kind!r}")
    general, carry_outs, outers, until = [], [], [], None
    for pos, s in enumerate(sinks):
        kind = s[0]
        if kind == ADD_OUTER:
            outers.append(s)
            continue
        if outers:
            raise ValueError("scan loop: ADD_OUTER sinks come after the sinks of the results")
        if kind in (STORE, ADD):
            general.append((pos, s[3]))
        elif kind == CARRY_OUT:
            carry_outs.append((pos, sources[s[1]], s[2], s[3]))
        elif kind == UNTIL:
            until = pos
        elif kind != DROP:
            raise ValueError(f"scan loop: unknown sink kind {kind!r}")
    n_sinks = len(sinks) - len(outers)
    for i in range(n):
        t = t0 + i * dt
        for j, src in slices:
            args[j] = src[1][src[2] + t]
        for j, src in casts:
            args[j] = src[3](t)
        for j, src in items:
            args[j] = src[1][src[2] + t]
        for j, src in carried:
            args[j] = src[1]
        res = step(*args)
        if len(res) != n_sinks:
            raise ValueError(f"scan loop: the step returned {len(res)} results for {n_sinks} sinks")
        for pos, fn in general:
            fn(t, res[pos])
        for pos, src, record, convert in carry_outs:
            v = src[1] = convert(res[pos])
            if record is not None:
                record.append(v)
        for _, array, a, b, add_outer in outers:
            add_outer(t, res[a] if a >= 0 else args[-1 - a], res[b] if b >= 0 else args[-1 - b])
        if until is not None and bool(res[until]):
            return i + 1
    return n
