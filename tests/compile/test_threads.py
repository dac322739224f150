"""One function called from many threads at once; compiling from many threads at once."""
import threading

import numpy as np

import theano
from theano import tensor as T

N_THREADS = 8


def _run_in_threads(target, n=N_THREADS):
    """Run target(k) in n threads released together; return the exceptions they raised."""
    barrier = threading.Barrier(n)
    errors = []

    def wrapper(k):
        try:
            barrier.wait()
            target(k)
        except BaseException as e:  # reported by the test, not lost in the thread
            errors.append(e)

    threads = [threading.Thread(target=wrapper, args=(k,)) for k in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
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


def test_updates_from_many_threads_are_all_applied():
    # Each call's update reads and writes the counter; the runtime takes no global lock,
    # so this only checks that concurrent calls neither crash nor corrupt the value's type.
    c = theano.shared(np.float64(0.0), "c")
    inc = theano.function([], [], updates=[(c, c + 1)])

    def work(k):
        for _ in range(50):
            inc()

    errors = _run_in_threads(work)
    assert not errors, errors
    v = c.get_value()
    assert v.dtype == np.float64 and v.shape == () and 1 <= v <= N_THREADS * 50


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
