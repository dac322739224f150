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
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np

__all__ = ["CONST", "SLICE", "CARRY", "ITEM", "DROP", "STORE", "ADD", "CARRY_OUT", "UNTIL",
           "run_steps", "Converter"]

CONST, SLICE, CARRY, ITEM = 0, 1, 2, 3
DROP, STORE, ADD, CARRY_OUT, UNTIL = 0, 1, 2, 3, 4


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
    args = [None] * len(sources)
    slices, items = [], []
    for j, src in enumerate(sources):
        kind = src[0]
        if kind == SLICE:
            slices.append((j, src))
        elif kind == ITEM:
            items.append((j, src))
        elif kind not in (CONST, CARRY):
            raise ValueError(f"scan loop: unknown source kind {kind!r}")
    for s in sinks:
        if s[0] not in (DROP, STORE, ADD, CARRY_OUT, UNTIL):
            raise ValueError(f"scan loop: unknown sink kind {s[0]!r}")
    n_sinks = len(sinks)
    for i in range(n):
        t = t0 + i * dt
        for j, src in enumerate(sources):
            if src[0] in (CONST, CARRY):
                args[j] = src[1]
        for j, (_, array, offset, cast) in slices:
            args[j] = array[offset + t] if cast is None else cast(t)
        for j, (_, seq, offset) in items:
            args[j] = seq[offset + t]
        res = step(*args)
        if len(res) != n_sinks:
            raise ValueError(f"scan loop: the step returned {len(res)} results for {n_sinks} sinks")
        stop = False
        for sink, v in zip(sinks, res):
            kind = sink[0]
            if kind == STORE or kind == ADD:
                sink[3](t, v)
            elif kind == CARRY_OUT:
                v = sink[3](v)
                sources[sink[1]][1] = v
                if sink[2] is not None:
                    sink[2].append(v)
            elif kind == UNTIL:
                stop = bool(v)
        if stop:
            return i + 1
    return n
