"""Central differences of several scalar costs with respect to float inputs and shared
variables: the ground truth the gradient matrices (scan, ifelse) compare with."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

import theano


def central_differences(inputs: Sequence[Any], values: Sequence[Any], params: Sequence[Any],
                        costs: dict, device: str) -> dict:
    """{cost name: [d cost / d w for w in float inputs, then params]}, one entry at a time
    (step 1e-6, or 1e-3 for float32 values); params are restored afterwards."""
    # no_default_updates: every evaluation must draw the same random numbers (streams in a scan)
    f = theano.function(list(inputs), list(costs.values()), device=device, on_unused_input="ignore",
                        no_default_updates=True)
    values = [np.array(v, copy=True) for v in values]
    slots = [("input", k) for k, v in enumerate(inputs) if str(v.dtype).startswith("float")]
    slots += [("param", p) for p in params]
    out: dict = {name: [] for name in costs}

    def read(slot):
        return values[slot[1]] if slot[0] == "input" else slot[1].get_value()

    def write(slot, arr):
        if slot[0] == "input":
            values[slot[1]] = arr
        else:
            slot[1].set_value(arr)

    for slot in slots:
        base = np.array(read(slot), copy=True)
        eps = 1e-3 if base.dtype == np.float32 else 1e-6
        grads = np.zeros((len(costs),) + base.shape)
        for idx in np.ndindex(*base.shape):
            plus, minus = base.copy(), base.copy()
            plus[idx] += eps
            minus[idx] -= eps
            write(slot, plus)
            cp = np.asarray(f(*values), dtype="float64")
            write(slot, minus)
            cm = np.asarray(f(*values), dtype="float64")
            # the step actually taken (float32 rounds plus and minus)
            grads[(slice(None),) + idx] = (cp - cm) / float(np.float64(plus[idx]) - np.float64(minus[idx]))
        write(slot, base)
        for j, name in enumerate(costs):
            out[name].append(grads[j])
    return out
