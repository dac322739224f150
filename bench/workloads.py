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
    # PyTorch's version when PyTorch is installed: (torch module, compiled?) -> iteration
    torch: Callable[[Any, bool], Callable[[], Any]] | None = None


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


# -- W1s: a function of one scalar called with a Python float or a NumPy scalar --------------

_SCALAR_ARGS = {"py": 10.0, "np32": np.float32(10.0), "np64": np.float64(10.0)}


def w1s_numpy(kind):
    def build():
        v = _SCALAR_ARGS[kind]
        return lambda: v * 2

    return build


def w1s_graph(kind):
    def build(lib, kw):
        T, function = _lib_parts(lib)
        a = T.fscalar("a")
        f = function([a], a * 2, **kw)
        v = _SCALAR_ARGS[kind]
        return lambda: f(v)

    return build


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


def w2_graph(lib, kw, target_value=100.0):
    T, function = _lib_parts(lib)
    x, target = T.fvector("x"), T.fscalar("target")
    W = lib.shared(np.asarray([0.1, 0.25, 0.15, 0.3]), "W")
    y = (x * W).sum()
    cost = T.sqr(target - y)
    g = lib.grad(cost, W)
    f = function([x, target], y, updates=[(W, W - 0.1 * g)], **kw)
    xv = np.ones(4, dtype="float32")
    return lambda: f(xv, target_value)


def w2np_graph(lib, kw):
    """The tutorial step with the target a NumPy scalar, as read from a float32 data array."""
    return w2_graph(lib, kw, np.float32(100.0))


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


def w3_torch(n):
    def build(torch, compiled):
        rng = np.random.RandomState(0)
        x, y = torch.from_numpy(rng.rand(n)), torch.from_numpy(rng.rand(n))

        def f(x, y):
            return torch.exp(-x ** 2) * torch.sin(y) + 0.5 * torch.tanh(x * y)

        f = torch.compile(f) if compiled else f
        return lambda: f(x, y)

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


def w4s_torch(torch, compiled):
    x = torch.from_numpy(np.random.RandomState(0).rand(4096, 1024).astype("float32"))
    f = torch.compile(lambda x: torch.softmax(x, dim=1)) if compiled else (lambda x: torch.softmax(x, dim=1))
    return lambda: f(x)


def w4q_torch(torch, compiled):
    x = torch.from_numpy(np.random.RandomState(0).rand(10 ** 7))
    f = torch.compile(lambda x: (x * x).sum()) if compiled else (lambda x: (x * x).sum())
    return lambda: f(x)


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
          Workload("W2", "tutorial training step", w2_numpy, w2_graph),
          Workload("W2-np", "tutorial training step, target np.float32(100.0)", w2_numpy, w2np_graph)]
    ws += [Workload(f"W1s-{k}", f"a*2 of one fscalar called with {label}", w1s_numpy(k), w1s_graph(k))
           for k, label in (("py", "a Python float"), ("np32", "np.float32(10.0)"),
                            ("np64", "np.float64(10.0)"))]
    for n in sizes:
        ws.append(Workload(f"W3-{n:.0e}", f"fused exp(-x**2)*sin(y)+0.5*tanh(x*y), n={n:.0e}",
                           lambda n=n: w3_numpy(n), w3_graph(n), bytes_moved=3 * 8 * n,
                           torch=w3_torch(n)))
        ws.append(Workload(f"copy-{n:.0e}", f"copy of the same bytes, n={n:.0e}",
                           lambda n=n: copy_numpy(n), None, bytes_moved=3 * 8 * n))
    ws += [Workload("W4-softmax", "row softmax 4096x1024 float32", w4s_numpy, w4s_graph,
                    torch=w4s_torch),
           Workload("W4-sumsq", "sum of squares 1e7 float64 (NumPy: BLAS ddot)", w4q_numpy, w4q_graph,
                    torch=w4q_torch),
           Workload("W5", "MLP 784-512-10 step, batch 128, float32", w5_numpy, w5_graph)]
    if not quick:
        ws.append(Workload("W7", "logistic regression 10000x100, 100 steps", w7_numpy, w7_graph))
        ws.append(Workload("W8", "LeNet step (conv 20+50 5x5, max-pool, 500 tanh), batch 128, float32",
                           w8_numpy, w8_graph))
        ws.append(Workload("W9", "conv layer 64x32x56x56 * 64x32x3x3, 'half', float32", w9_numpy, w9_graph))
    return ws


# -- W8/W9: convolutional networks ------------------------------------------------------------------

def _np_windows(x, kh, kw):
    from numpy.lib.stride_tricks import sliding_window_view

    return sliding_window_view(x, (kh, kw), axis=(2, 3))  # (n, c, oh, ow, kh, kw), a view


def _np_corr(x, w):
    """Valid correlation of (n, c, h, w) with (f, c, kh, kw): im2col by tensordot, then BLAS."""
    out = np.tensordot(_np_windows(x, *w.shape[2:]), w, axes=([1, 4, 5], [1, 2, 3]))
    return np.ascontiguousarray(out.transpose(0, 3, 1, 2))


def _np_corr_grads(x, w, dout, need_dx=True):
    dw = np.tensordot(dout, _np_windows(x, *w.shape[2:]), axes=([0, 2, 3], [0, 2, 3]))
    if not need_dx:
        return None, dw
    kh, kw = w.shape[2:]
    dp = np.pad(dout, ((0, 0), (0, 0), (kh - 1, kh - 1), (kw - 1, kw - 1)))
    return _np_corr(dp, np.ascontiguousarray(w[:, :, ::-1, ::-1].transpose(1, 0, 2, 3))), dw


def _np_maxpool2(x):
    n, c, h, w = x.shape
    r = x.reshape(n, c, h // 2, 2, w // 2, 2)
    return r.max(axis=(3, 5)), r


def _np_maxpool2_grad(r, m, dm):
    mask = r == m[:, :, :, None, :, None]
    return (mask * dm[:, :, :, None, :, None]).reshape(r.shape[0], r.shape[1], r.shape[2] * 2, r.shape[4] * 2)


def _lenet_data(batch=128):
    """The deeplearning.net LeNet: 20 and 50 5x5 filters, 2x2 max-pooling, 500 tanh units, 10 classes."""
    rng = np.random.RandomState(0)
    X = rng.rand(batch, 1, 28, 28).astype("float32")
    y = rng.randint(0, 10, size=batch).astype("int64")
    shapes = [(20, 1, 5, 5), (20,), (50, 20, 5, 5), (50,), (800, 500), (500,), (500, 10), (10,)]
    params = [(rng.randn(*s) * 0.05).astype("float32") if len(s) > 1 else np.zeros(s, "float32")
              for s in shapes]
    return X, y, params


def w8_numpy():
    X, y, (W1, b1, W2, b2, W3, b3, W4, b4) = _lenet_data()
    lr, n = np.float32(0.1), X.shape[0]
    onehot = np.eye(10, dtype="float32")[y]
    params = [W1, b1, W2, b2, W3, b3, W4, b4]

    def step():
        W1, b1, W2, b2, W3, b3, W4, b4 = params
        p1, r1 = _np_maxpool2(_np_corr(X, W1))
        h1 = np.tanh(p1 + b1[:, None, None])
        p2, r2 = _np_maxpool2(_np_corr(h1, W2))
        h2 = np.tanh(p2 + b2[:, None, None])
        f = h2.reshape(n, -1)
        h3 = np.tanh(f @ W3 + b3)
        z = h3 @ W4 + b4
        z = z - z.max(axis=1, keepdims=True)
        e = np.exp(z)
        p = e / e.sum(axis=1, keepdims=True)
        loss = -np.log(p[np.arange(n), y]).mean()
        dz = (p - onehot) / n
        dW4, db4 = h3.T @ dz, dz.sum(0)
        dh3 = (dz @ W4.T) * (1 - h3 * h3)
        dW3, db3 = f.T @ dh3, dh3.sum(0)
        dp2 = (dh3 @ W3.T).reshape(h2.shape) * (1 - h2 * h2)
        db2 = dp2.sum(axis=(0, 2, 3))
        dh1, dW2 = _np_corr_grads(h1, W2, _np_maxpool2_grad(r2, p2, dp2))
        dp1 = dh1 * (1 - h1 * h1)
        db1 = dp1.sum(axis=(0, 2, 3))
        _, dW1 = _np_corr_grads(X, W1, _np_maxpool2_grad(r1, p1, dp1), need_dx=False)
        for q, g in zip(params, (dW1, db1, dW2, db2, dW3, db3, dW4, db4)):
            q -= lr * g
        return loss

    return step


def w8_graph(lib, kw):
    T, function = _lib_parts(lib)
    X, y, values = _lenet_data()
    names = ("W1", "b1", "W2", "b2", "W3", "b3", "W4", "b4")
    params = [lib.shared(v, n) for v, n in zip(values, names)]
    W1, b1, W2, b2, W3, b3, W4, b4 = params
    conv2d, pool_2d = T.nnet.conv2d, T.signal.pool.pool_2d
    x, t = T.ftensor4("x"), T.lvector("t")
    h1 = T.tanh(pool_2d(conv2d(x, W1), ws=(2, 2), ignore_border=True) + b1.dimshuffle("x", 0, "x", "x"))
    h2 = T.tanh(pool_2d(conv2d(h1, W2), ws=(2, 2), ignore_border=True) + b2.dimshuffle("x", 0, "x", "x"))
    h3 = T.tanh(T.dot(h2.flatten(2), W3) + b3)
    p = T.nnet.softmax(T.dot(h3, W4) + b4)
    loss = T.nnet.categorical_crossentropy(p, t).mean()
    grads = lib.grad(loss, params)
    lr = np.float32(0.1)
    f = function([x, t], loss, updates=[(q, q - lr * g) for q, g in zip(params, grads)], **kw)
    return lambda: f(X, y)


def _conv_layer_data():
    rng = np.random.RandomState(0)
    return (rng.rand(64, 32, 56, 56).astype("float32"), (rng.randn(64, 32, 3, 3) * 0.1).astype("float32"))


def w9_numpy():
    X, W = _conv_layer_data()

    def run():
        return _np_corr(np.pad(X, ((0, 0), (0, 0), (1, 1), (1, 1))), W)

    return run


def w9_graph(lib, kw):
    T, function = _lib_parts(lib)
    Xv, Wv = _conv_layer_data()
    x, w = T.ftensor4("x"), T.ftensor4("w")
    f = function([x, w], T.nnet.conv2d(x, w, border_mode="half"), **kw)
    return lambda: f(Xv, Wv)
