"""One function called from many threads at once (each call's updates applied whole, none lost);
compiling from many threads at once."""
import sys
import threading

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.backend.registry import registry

N_THREADS = 8


def _run_in_threads(target, n=N_THREADS, switch_s=None):
    """Run target(k) in n threads released together; return the exceptions they raised.
    switch_s: the interpreter's thread switch interval meanwhile (a short one interleaves the
    threads inside calls often, so a race shows up in every run rather than now and then)."""
    barrier = threading.Barrier(n)
    errors = []

    def wrapper(k):
        try:
            barrier.wait()
            target(k)
        except BaseException as e:  # reported by the test, not lost in the thread
            errors.append(e)

    threads = [threading.Thread(target=wrapper, args=(k,)) for k in range(n)]
    old = sys.getswitchinterval()
    if switch_s is not None:
        sys.setswitchinterval(switch_s)
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=120)
    finally:
        sys.setswitchinterval(old)
    assert not any(t.is_alive() for t in threads), "a thread hung"
    return errors


def test_one_function_many_threads_each_gets_its_own_result():
    x = T.dmatrix("x")
    h = T.tanh(T.dot(x, x.T))
    f = theano.function([x], [h.sum(axis=1) + x.mean(), h.shape[0]])
    results = {}

    def work(k):
        # Different shapes per thread: shared scratch storage would mix them up.
        a = np.random.RandomState(k).randn(10 + k, 5 + k)
        out = []
        for _ in range(30):
            r, n = f(a)
            out.append((r.copy(), int(n)))
        results[k] = (a, out)

    errors = _run_in_threads(work)
    assert not errors, errors
    assert len(results) == N_THREADS
    for k, (a, out) in results.items():
        expected = np.tanh(a @ a.T).sum(axis=1) + a.mean()
        for r, n in out:
            assert n == 10 + k
            np.testing.assert_allclose(r, expected)


def test_trace_from_many_threads():
    x = T.dvector("x")
    f = theano.function([x], (T.exp(x) * 2).sum())

    def work(k):
        v = np.full(k + 1, float(k))
        for var, val in f.trace(v):
            assert val.dtype == var.type.dtype
        tr = f.trace(v)
        assert np.isclose(tr[-1][1], 2 * np.exp(k) * (k + 1))

    errors = _run_in_threads(work)
    assert not errors, errors


def _cpu_side_devices() -> list:
    """Every CPU-side backend that is installed (the reference, C, OpenCL on PoCL); one that is
    installed but unusable here is skipped with its probe's reason."""
    params = []
    for name in ("numpy", "c", "opencl"):
        rec = registry.records.get(name)
        if rec is None:
            continue
        p = rec.probe_cached()
        params.append(pytest.param(name, marks=() if p.usable else
                                   pytest.mark.skip(reason=f"{name} is unusable here: {p.reason}")))
    return params


CPU_SIDE = _cpu_side_devices()
N_UPDATERS, CALLS = 16, 200  # the numbers: 3200 increments
SWITCH_S = 1e-6
# Vectors this long make the C backend's kernels run without the GIL, as real work does.
LONG = 20000


@pytest.mark.parametrize("device", CPU_SIDE)
def test_updates_from_many_threads_are_all_applied(device):
    c = theano.shared(np.float64(0.0), "count")
    inc = theano.function([], [], updates=[(c, c + 1)], device=device)

    def work(k):
        for _ in range(CALLS):
            inc()

    errors = _run_in_threads(work, N_UPDATERS, SWITCH_S)
    assert not errors, errors
    v = c.get_value()
    assert v.dtype == np.float64 and v.shape == ()
    assert v == N_UPDATERS * CALLS  # none lost


@pytest.mark.parametrize("device", CPU_SIDE)
def test_several_functions_updating_shared_variables_are_serialized(device):
    # Three functions over two shared variables, with overlapping update sets and one that
    # updates both at once: every call counts, and the pair is never seen half updated.
    a = theano.shared(np.zeros(LONG), "a")
    b = theano.shared(np.zeros(LONG), "b")
    x = T.dvector("x")
    inc_a = theano.function([x], [], updates=[(a, a + x)], device=device)
    inc_b = theano.function([], [], updates=[(b, b + 2)], device=device)
    # b before a in the updates: the locks are taken in one canonical order all the same
    both = theano.function([], (a - b).sum(), updates=[(b, b + 1), (a, a + 1)], device=device)
    ones = np.ones(LONG)
    seen = []

    def work(k):
        for _ in range(CALLS // 2):
            if k % 3 == 0:
                inc_a(ones)
            elif k % 3 == 1:
                inc_b()
            else:
                seen.append(float(both()))

    errors = _run_in_threads(work, N_UPDATERS, SWITCH_S)
    assert not errors, errors
    n = [sum(1 for k in range(N_UPDATERS) if k % 3 == r) * (CALLS // 2) for r in range(3)]
    np.testing.assert_array_equal(a.get_value(), np.full(LONG, n[0] + n[2]))
    np.testing.assert_array_equal(b.get_value(), np.full(LONG, 2 * n[1] + n[2]))
    assert len(seen) == n[2]


@pytest.mark.parametrize("device", CPU_SIDE)
def test_many_variables_updated_in_opposite_orders_neither_hang_nor_lose(device):
    # 25 locks per call, listed in opposite orders by two functions: taken in one canonical
    # order, they cannot deadlock; every increment counts.
    vs = [theano.shared(np.float64(0.0), f"v{k}") for k in range(25)]
    up = theano.function([], [], updates=[(v, v + 1) for v in vs], device=device)
    down = theano.function([], [], updates=[(v, v + 2) for v in reversed(vs)], device=device)

    def work(k):
        for _ in range(CALLS // 4):
            (up if k % 2 else down)()

    errors = _run_in_threads(work, N_UPDATERS, SWITCH_S)
    assert not errors, errors
    half = (N_UPDATERS // 2) * (CALLS // 4)
    assert [float(v.get_value()) for v in vs] == [3.0 * half] * len(vs)


@pytest.mark.parametrize("device", CPU_SIDE)
def test_readers_see_whole_values_while_updates_run(device):
    # A function without updates reads a shared vector that other threads replace: every value
    # it sees is one that some call stored in full (all elements equal), never a mix.
    s = theano.shared(np.zeros(LONG), "s")
    bump = theano.function([], [], updates=[(s, s + 1)], device=device)
    spread = theano.function([], s.max() - s.min(), device=device)
    spreads = []

    def work(k):
        for _ in range(CALLS // 2):
            if k % 2:
                bump()
            else:
                spreads.append(float(spread()))

    errors = _run_in_threads(work, N_UPDATERS, SWITCH_S)
    assert not errors, errors
    assert s.get_value()[0] == (N_UPDATERS // 2) * (CALLS // 2)
    assert spreads and max(spreads) == 0.0


@pytest.mark.parametrize("device", CPU_SIDE)
def test_set_value_and_calls_from_many_threads(device):
    # set_value is serialized with the calls that update the variable: after a reset no
    # call's update may resurrect the old count.
    c = theano.shared(np.float64(0.0), "count")
    inc = theano.function([], c, updates=[(c, c + 1)], device=device)
    marks = []

    def work(k):
        for i in range(CALLS // 4):
            if k == 0 and i == CALLS // 8:
                c.set_value(np.float64(-1e9))
                marks.append(True)
            else:
                inc()

    errors = _run_in_threads(work, N_UPDATERS, SWITCH_S)
    assert not errors, errors
    v = float(c.get_value())
    total = N_UPDATERS * (CALLS // 4) - 1
    # every increment after the reset counts; those before it are wiped out by it
    assert marks and -1e9 <= v <= -1e9 + total and (v + 1e9) % 1 == 0


def test_compiling_from_many_threads_at_once():
    results = {}

    def work(k):
        x = T.dvector("x")
        s = theano.shared(np.full(3, float(k)), f"s{k}")
        y = (T.exp(x * k) + s).sum() + T.dot(x, s) + (x ** 2).mean()
        fs = [theano.function([x], y, mode=m) for m in ("FAST_RUN", "FAST_COMPILE")]
        g = theano.function([x], theano.grad(y, x))
        v = np.array([0.1, 0.2, 0.3])
        results[k] = (v, [f(v) for f in fs], g(v))

    errors = _run_in_threads(work)
    assert not errors, errors
    for k, (v, outs, grad) in results.items():
        s = np.full(3, float(k))
        expected = (np.exp(v * k) + s).sum() + v @ s + (v ** 2).mean()
        for o in outs:
            np.testing.assert_allclose(o, expected)
        np.testing.assert_allclose(grad, k * np.exp(v * k) + s + 2 * v / 3)
