"""Issue 20's scan-gradient matrix: every builder of grad_cases.py, every cost variant, on the
reference and the C backend, against central differences and against the gradients that
real Theano 1.0.5 computed (scripts/theano105/scan_grads.py -> tests/data/theano105/scan_grads.json).
"""
from __future__ import annotations

import json
import os

import numpy as np
import pytest

import theano
from theano import tensor as T

import grad_cases  # tests/scan/grad_cases.py
from finite_differences import central_differences  # tests/finite_differences.py

DATA = os.path.join(os.path.dirname(__file__), "..", "data", "theano105", "scan_grads.json")
with open(DATA) as _fh:
    _DATA = json.load(_fh)
RECORD, ISSUE = _DATA["cases"], _DATA["issue_example"]

DEVICES = ["numpy", "cpu"]

# (case, variant) pairs where Theano 1.0.5's gradient is not the derivative (it differs from
# central differences); the test checks that it still differs, and holds us to the derivative.
# until_stops: with `until`, Theano 1.0.5 places the sequence's gradient one step late
# ([0, g0, g1, g2, 0, 0] for a loop that stopped after 3 of 6 steps) and, where the step
# reads the sequence on the way back, uses the shifted entries; every variant of that case
# has at least one such wrong array.
THEANO_WRONG = {("until_stops", v) for v in ("out0", "out0[-1]", "out1", "out1[-1]", "all", "all[-1]")}


def _grads(case, costs):
    wrt = case.wrt()
    return {v: theano.grad(c, wrt, disconnected_inputs="ignore") for v, c in costs.items()}


def _tolerances(case):
    low = any(str(getattr(v, "dtype", "")) == "float32" for v in case.wrt()) or any(
        str(p.get_value().dtype) == "float32" for p in case.params)
    return (1e-4, 1e-4) if low else (1e-7, 1e-9)


@pytest.mark.parametrize("device", DEVICES)
@pytest.mark.parametrize("name", list(grad_cases.CASES))
def test_scan_gradient_matrix(name, device):
    case, costs = grad_cases.build(theano, T, name)
    rec = RECORD[name]
    assert rec["wrt"] == [str(v.name) for v in case.wrt()]
    grads = _grads(case, costs)
    flat = [g for v in costs for g in [costs[v]] + grads[v]]
    # no_default_updates: the random streams of a case start where central_differences starts
    f = theano.function(case.inputs, flat, device=device, on_unused_input="ignore", no_default_updates=True)
    vals = f(*case.values)
    ours, pos = {}, 0
    for v in costs:
        n = 1 + len(grads[v])
        ours[v] = (vals[pos], [np.asarray(g, dtype="float64") for g in vals[pos + 1: pos + n]])
        pos += n
    rtol, atol = _tolerances(case)
    fd = central_differences(case.inputs, case.values, case.params, costs, device) if case.fd else None
    for v in costs:
        cost, gs = ours[v]
        theirs = rec["variants"][v]
        if fd is not None:
            for w, g, d in zip(case.wrt(), gs, fd[v]):
                np.testing.assert_allclose(g, d, rtol=1e-4, atol=1e-5 if rtol < 1e-5 else 5e-4,
                                           err_msg=f"{name} {v}: d/d{w.name} vs central differences ({device})")
        assert "error" not in theirs, f"{name} {v}: Theano 1.0.5 raised {theirs['error']}"
        np.testing.assert_allclose(cost, theirs["cost"], rtol=rtol, atol=atol)
        if (name, v) in THEANO_WRONG:
            assert any(not np.allclose(np.asarray(t), g, rtol=1e-4, atol=1e-6)
                       for t, g in zip(theirs["grads"], gs)), f"{name} {v}: Theano 1.0.5 now agrees"
            continue
        for w, g, t in zip(case.wrt(), gs, theirs["grads"]):
            np.testing.assert_allclose(g, np.asarray(t), rtol=rtol, atol=atol,
                                       err_msg=f"{name} {v}: d/d{w.name} vs Theano 1.0.5 ({device})")


def test_issue_example_matches_theano():
    """Issue 20's example: out[-1].sum() through [h, h] with outputs_info [None, zeros] gave
    zeros; Theano 1.0.5's gradients have norms 5.5188 and 2.5398."""
    inputs, values, params, cost = grad_cases.issue_example(theano, T)
    theirs = ISSUE
    for device in DEVICES:
        gW, gU = theano.function(inputs, theano.grad(cost, params), device=device)(*values)
        np.testing.assert_allclose(gW, np.asarray(theirs["gW"]), rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(gU, np.asarray(theirs["gU"]), rtol=1e-5, atol=1e-6)
        assert round(float(np.linalg.norm(gW)), 4) == 5.5188 and round(float(np.linalg.norm(gU)), 4) == 2.5398
