"""The benchmark workloads, written once against the Theano API so the same builder serves
theano (any device) and PyTensor; each also has a hand-written NumPy version.

A builder returns a zero-argument callable that runs one iteration.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np


@dataclass
class Workload:
    name: str
    label: str
    numpy: Callable[[], Callable[[], Any]]
    graph: Callable[[Any, dict], Callable[[], Any]]  # (library namespace, function kwargs)
    bytes_moved: int = 0  # for an effective-bandwidth column


def _lib_parts(lib: Any) -> tuple[Any, Any]:
    return lib.tensor, lib.function


# -- W1: call overhead -------------------------------------------------------------

def w1_numpy():
    add = np.add
    return lambda: add(1.5, 2.5)


def w1_graph(lib, kw):
    T, function = _lib_parts(lib)
    a, b = T.dscalar("a"), T.dscalar("b")
    f = function([a, b], a + b, **kw)
    return lambda: f(1.5, 2.5)


# -- W2: the tutorial's training step ---------------------------------------------------

def w2_numpy():
    W = np.asarray([0.1, 0.25, 0.15, 0.3])
    x = np.ones(4, dtype="float32")
    state = {"W": W}

    def step():
        Wc = state["W"]
        y = (x * Wc).sum()
        g = -2.0 * (100.0 - y) * x
        state["W"] = Wc - 0.1 * g
        return y

    return step


def w2_graph(lib, kw):
    T, function = _lib_parts(lib)
    x, target = T.fvector("x"), T.fscalar("target")
    W = lib.shared(np.asarray([0.1, 0.25, 0.15, 0.3]), "W")
    y = (x * W).sum()
    cost = T.sqr(target - y)
    g = lib.grad(cost, W)
    f = function([x, target], y, updates=[(W, W - 0.1 * g)], **kw)
    xv = np.ones(4, dtype="float32")
    return lambda: f(xv, 100.0)


# -- W3: fused elementwise -----------------------------------------------------------------

def w3_numpy(n):
    rng = np.random.RandomState(0)
    x, y = rng.rand(n), rng.rand(n)
    return lambda: np.exp(-x ** 2) * np.sin(y) + 0.5 * np.tanh(x * y)


def w3_graph(n):
    def build(lib, kw):
        T, function = _lib_parts(lib)
        x, y = T.dvector("x"), T.dvector("y")
        f = function([x, y], T.exp(-x ** 2) * T.sin(y) + 0.5 * T.tanh(x * y), **kw)
        rng = np.random.RandomState(0)
        xv, yv = rng.rand(n), rng.rand(n)
        return lambda: f(xv, yv)

    return build


def copy_numpy(n):
    """The memory-bandwidth limit: moving the same bytes (two reads, one write)."""
    rng = np.random.RandomState(0)
    x, y, out = rng.rand(n), rng.rand(n), np.empty(n)

    def run():
        np.copyto(out, x)
        np.copyto(out, y)

    return run


# -- W4: softmax and sum of squares ---------------------------------------------------------

def w4s_numpy():
    x = np.random.RandomState(0).rand(4096, 1024).astype("float32")

    def run():
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    return run


def w4s_graph(lib, kw):
    T, function = _lib_parts(lib)
    x = T.fmatrix("x")
    softmax = getattr(T, "softmax", None) or T.nnet.softmax
    f = function([x], softmax(x), **kw)
    xv = np.random.RandomState(0).rand(4096, 1024).astype("float32")
    return lambda: f(xv)


def w4q_numpy():
    x = np.random.RandomState(0).rand(10 ** 7)
    return lambda: np.dot(x, x)


def w4q_graph(lib, kw):
    T, function = _lib_parts(lib)
    x = T.dvector("x")
    f = function([x], T.sum(x ** 2), **kw)
    xv = np.random.RandomState(0).rand(10 ** 7)
    return lambda: f(xv)


# -- W5: MLP training step -------------------------------------------------------------------

def _mlp_data(batch=128):
    rng = np.random.RandomState(0)
    X = rng.rand(batch, 784).astype("float32")
    y = rng.randint(0, 10, size=batch).astype("int64")
    W1 = (rng.randn(784, 512) * 0.01).astype("float32")
    W2 = (rng.randn(512, 10) * 0.01).astype("float32")
    return X, y, W1, np.zeros(512, "float32"), W2, np.zeros(10, "float32")


def w5_numpy():
    X, y, W1, b1, W2, b2 = _mlp_data()
    lr = np.float32(0.1)
    n = X.shape[0]
    onehot = np.eye(10, dtype="float32")[y]

    def step():
        nonlocal W1, b1, W2, b2
        h = np.tanh(X @ W1 + b1)
        z = h @ W2 + b2
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(n), y]).mean()
        dz = (p - onehot) / n
        dW2, db2 = h.T @ dz, dz.sum(0)
        dh = (dz @ W2.T) * (1 - h * h)
        dW1, db1 = X.T @ dh, dh.sum(0)
        W1 -= lr * dW1
        b1 -= lr * db1
        W2 -= lr * dW2
        b2 -= lr * db2
        return loss

    return step


def w5_graph(lib, kw):
    T, function = _lib_parts(lib)
    X, y, W1v, b1v, W2v, b2v = _mlp_data()
    x, t = T.fmatrix("x"), T.lvector("t")
    W1, b1, W2, b2 = (lib.shared(v, n) for v, n in ((W1v, "W1"), (b1v, "b1"), (W2v, "W2"), (b2v, "b2")))
    nnet = T.nnet
    h = T.tanh(T.dot(x, W1) + b1)
    p = nnet.softmax(T.dot(h, W2) + b2)
    loss = nnet.categorical_crossentropy(p, t).mean()
    params = [W1, b1, W2, b2]
    grads = lib.grad(loss, params)
    lr = np.float32(0.1)
    f = function([x, t], loss, updates=[(q, q - lr * g) for q, g in zip(params, grads)], **kw)
    return lambda: f(X, y)


# -- W7: logistic regression ------------------------------------------------------------------

def _logreg_data():
    rng = np.random.RandomState(0)
    X = rng.randn(10000, 100)
    w_true = rng.randn(100)
    y = (X @ w_true + 0.1 * rng.randn(10000) > 0).astype("float64")
    return X, y


def w7_numpy():
    X, y = _logreg_data()

    def run():
        w, b = np.zeros(100), 0.0
        for _ in range(100):
            p = 1 / (1 + np.exp(-(X @ w + b)))
            g = p - y
            w = w - 0.1 * (X.T @ g) / len(y)
            b = b - 0.1 * g.mean()
        return w

    return run


def w7_graph(lib, kw):
    T, function = _lib_parts(lib)
    Xv, yv = _logreg_data()
    X, y = T.dmatrix("X"), T.dvector("y")
    w = lib.shared(np.zeros(100), "w")
    b = lib.shared(0.0, "b")
    p = 1 / (1 + T.exp(-(T.dot(X, w) + b)))
    cost = -(y * T.log(p) + (1 - y) * T.log(1 - p)).mean()
    gw, gb = lib.grad(cost, [w, b])
    step = function([X, y], cost, updates=[(w, w - 0.1 * gw), (b, b - 0.1 * gb)], **kw)

    def run():
        w.set_value(np.zeros(100))
        b.set_value(0.0)
        for _ in range(100):
            step(Xv, yv)

    return run


def workloads(quick: bool = False) -> list[Workload]:
    sizes = [10 ** 5, 10 ** 6] if quick else [10 ** 5, 10 ** 6, 10 ** 7]
    ws = [Workload("W1", "call overhead a+b (dscalars)", w1_numpy, w1_graph),
          Workload("W2", "tutorial training step", w2_numpy, w2_graph)]
    for n in sizes:
        ws.append(Workload(f"W3-{n:.0e}", f"fused exp(-x**2)*sin(y)+0.5*tanh(x*y), n={n:.0e}",
                           lambda n=n: w3_numpy(n), w3_graph(n), bytes_moved=3 * 8 * n))
        ws.append(Workload(f"copy-{n:.0e}", f"copy of the same bytes, n={n:.0e}",
                           lambda n=n: copy_numpy(n), None, bytes_moved=3 * 8 * n))
    ws += [Workload("W4-softmax", "row softmax 4096x1024 float32", w4s_numpy, w4s_graph),
           Workload("W4-sumsq", "sum of squares 1e7 float64 (NumPy: BLAS ddot)", w4q_numpy, w4q_graph),
           Workload("W5", "MLP 784-512-10 step, batch 128, float32", w5_numpy, w5_graph)]
    if not quick:
        ws.append(Workload("W7", "logistic regression 10000x100, 100 steps", w7_numpy, w7_graph))
    return ws
