"""The C backend's scan loop (scan_loop.c) against the core's Python executor of the same loop
plan (theano.scan.loop.run_steps): every kind of source and sink, the direct paths (row views,
copies and additions in place) and the general ones (casts, other dtypes, other shapes,
allocation on the first step, errors); and scans compiled for the C backend running it."""
from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.backend import HOST_RUNNER
from theano.backend.registry import get_backend
from theano.scan.loop import (ADD, ADD_OUTER, CARRY, CARRY_OUT, CONST, DROP, ITEM, SLICE, STORE, UNTIL,
                              Converter, run_steps)

pytest.importorskip("theano_c")
from theano_c.toolchain import find_compiler  # noqa: E402

pytestmark = pytest.mark.skipif(find_compiler() is None, reason="no C compiler")


@pytest.fixture(scope="module")
def c_run_steps():
    return get_backend("c")._extension("scan_loop.c", "_theano_c_scan").run_steps


def _plan(dtype="float64", n=5):
    """A plan touching every kind: a sequence read forwards at two taps, a state stored row by
    row, a constant, a carried value recorded, a list item, an accumulation into rows and into
    a whole array, a stacked output allocated on the first step, dropped results, and rank-1
    updates from a result and an argument (in C for float64, the general path for float32;
    equal to the last bit: no fused multiply-add)."""
    rng = np.random.RandomState(0)
    seq = rng.rand(n + 1, 3).astype(dtype)
    state = np.zeros((n + 1, 3), dtype=dtype)
    state[0] = 1
    rows = np.zeros((n + 1, 3))
    total = np.zeros(3)
    outer = np.zeros((3, 3))
    items = [np.float64(k) for k in range(n)]

    def store(array, offset):
        def go(t, v):
            array[offset + t] = v
        return go

    def add(array, offset):
        def go(t, v):
            if offset is None:
                array[...] += v
            else:
                array[offset + t] += v
        return go

    def add_outer(t, a, b):
        outer[...] += np.multiply.outer(a, b)

    stacked = [STORE, None, 0, None]

    def store_stacked(t, v):
        if stacked[1] is None:
            stacked[1] = np.empty((n,) + np.shape(v), dtype="float32")
        stacked[1][t] = v

    stacked[3] = store_stacked
    record = []
    sources = [[SLICE, seq, 0, None], [SLICE, seq, 1, None], [SLICE, state, 0, None], [CONST, 2.0],
               [CARRY, np.zeros(3)], [ITEM, items, 0]]

    def step(x0, x1, h, c, acc, k):
        h = np.tanh(x0 + x1 * h * c).astype(dtype)
        return [h, h.astype("float32"), x0 + k, np.asarray(x1, dtype="float32"), acc + h, h.sum(), h]

    sinks = [[STORE, state, 1, store(state, 1)], stacked, [ADD, rows, 1, add(rows, 1)],
             [ADD, total, None, add(total, None)], [CARRY_OUT, 4, record, Converter("float64")],
             [DROP], [DROP], [ADD_OUTER, outer, 0, -3, add_outer], [ADD_OUTER, outer, -1, 6, add_outer]]
    return step, sources, sinks, (state, stacked, rows, total, record, outer)


@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_c_loop_matches_the_python_loop(c_run_steps, dtype):
    results = []
    for run in (run_steps, c_run_steps):
        step, sources, sinks, outs = _plan(dtype)
        assert run(step, sources, sinks, 0, 1, 5) == 5
        state, stacked, rows, total, record, outer = outs
        results.append((state, stacked[1], rows, total, record, sources[4][1], outer))
    for a, b in zip(*results):
        if isinstance(a, list):
            assert len(a) == len(b) == 5
            for x, y in zip(a, b):
                np.testing.assert_array_equal(x, y)
        else:
            assert a.dtype == b.dtype
            np.testing.assert_array_equal(a, b)


def test_c_loop_runs_backwards_stops_on_until_and_casts_slices(c_run_steps):
    for run in (run_steps, c_run_steps):
        seq = np.arange(12.0).reshape(6, 2)[::-1]  # a view with a negative stride
        seen = []
        sources = [[SLICE, seq, 0, None], [SLICE, seq, 0, lambda t: np.asarray(seq[t], dtype="int32")]]

        def step(x, xi):
            seen.append((x.copy(), xi.dtype))
            return [x.sum() > 15]

        assert run(step, sources, [[UNTIL]], 4, -1, 5) == 4
        assert [float(s[0][0]) for s in seen] == [2.0, 4.0, 6.0, 8.0] and {s[1] for s in seen} == {np.dtype("int32")}


def test_c_loop_reports_errors_as_the_python_loop_does(c_run_steps):
    for run in (run_steps, c_run_steps):
        def bad_store(t, v):
            raise ValueError(f"no room at step {t}")

        with pytest.raises(ValueError, match="no room at step 0"):
            run(lambda: [np.zeros(2)], [], [[STORE, np.zeros((3, 3)), 0, bad_store]], 0, 1, 3)
        with pytest.raises(ValueError, match="2 results for 1 sinks"):
            run(lambda: [1, 2], [], [[DROP]], 0, 1, 1)
        with pytest.raises(ZeroDivisionError):
            run(lambda x: [1 / 0], [[CONST, 1]], [[DROP]], 0, 1, 1)
        with pytest.raises(ValueError, match="unknown source kind"):
            run(lambda x: [x], [[9, 1]], [[DROP]], 0, 1, 1)
        with pytest.raises(ValueError, match="ADD_OUTER sinks come after"):
            run(lambda: [1, 2], [], [[ADD_OUTER, np.zeros((1, 1)), 0, 1, None], [DROP], [DROP]], 0, 1, 1)


def test_scan_and_its_gradient_run_the_c_loop():
    xs, h0 = T.dmatrix("xs"), T.dvector("h0")
    W = theano.shared(np.random.RandomState(1).rand(3, 3) * 0.3, "W")
    hs, _ = theano.scan(lambda x, h: T.tanh(T.dot(h, W) + x), sequences=xs, outputs_info=h0)
    cost = (hs ** 2).sum()
    outs = [hs] + theano.grad(cost, [W, xs])
    fc = theano.function([xs, h0], outs, device="cpu")
    fr = theano.function([xs, h0], outs, device="numpy")
    scans = [n for n in fc.maker.fgraph.toposort() if fc.linked.runners[n] == HOST_RUNNER]
    assert len(scans) == 2 and all("runs in C" in fc.linked.reasons[n] for n in scans)
    args = (np.random.RandomState(2).rand(7, 3), np.zeros(3))
    for c, r in zip(fc(*args), fr(*args)):
        np.testing.assert_allclose(c, r, rtol=1e-12, atol=1e-14)
