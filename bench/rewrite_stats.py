"""Node counts before and after the FAST_RUN rewrites, and the time spent rewriting, for a
few real graphs: the tutorial's logistic-regression training step, an MLP training step
(small and large), and the fused expression exp(-x**2)*sin(y) + 0.5*tanh(x*y).

Run: python bench/rewrite_stats.py"""
from __future__ import annotations

import time

import numpy as np

import theano
import theano.tensor as T
from theano.graph.basic import io_toposort


def tutorial_step():
    rng = np.random
    feats = 784
    x, y = T.dmatrix("x"), T.dvector("y")
    w = theano.shared(rng.randn(feats), name="w")
    b = theano.shared(0.0, name="b")
    p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
    prediction = p_1 > 0.5
    xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    return [x, y], [prediction, xent], [(w, w - 0.1 * gw), (b, b - 0.1 * gb)]


def mlp_step(n_layers: int, width: int = 32):
    x, y = T.dmatrix("x"), T.dmatrix("y")
    rs = np.random.RandomState(0)
    params, h = [], x
    for k in range(n_layers):
        W = theano.shared(rs.randn(width, width) * 0.1, name=f"W{k}")
        bb = theano.shared(np.zeros(width), name=f"b{k}")
        params += [W, bb]
        h = T.tanh(T.dot(h, W) + bb)
    cost = T.mean((h - y) ** 2) + 1e-4 * sum((p ** 2).sum() for p in params[::2])
    grads = T.grad(cost, params)
    return [x, y], [cost], [(p, p - 0.01 * g) for p, g in zip(params, grads)]


def fused_expression():
    x, y = T.dmatrices("x", "y")
    return [x, y], [T.exp(-x ** 2) * T.sin(y) + 0.5 * T.tanh(x * y)], []


def report(name, build):
    inputs, outputs, updates = build()
    n_before = len(io_toposort([], list(outputs) + [u for _, u in updates]))
    t0 = time.perf_counter()
    f = theano.function(inputs, outputs, updates=updates, profile=True)
    total = time.perf_counter() - t0
    ps = f.maker.profile_stats
    n_after = len(f.maker.fgraph.apply_nodes)
    kernels = sum(type(n.op).__name__ == "FusedElemwise" for n in f.maker.fgraph.apply_nodes)
    print(f"{name:<28} {n_before:>7} -> {n_after:<6} nodes  ({kernels} fused kernels)  "
          f"rewrite {ps['rewrite_s']:.3f}s of compile {total:.3f}s")
    passes = sorted(((k[5:], v) for k, v in ps["rewrite_time"].items() if k.startswith("pass:")),
                    key=lambda kv: -kv[1])
    for k, v in passes[:4]:
        print(f"    {k[:70]:<70} {v:.3f}s")


if __name__ == "__main__":
    report("tutorial training step", tutorial_step)
    report("MLP step, 3 layers", lambda: mlp_step(3))
    report("fused expression", fused_expression)
    report("MLP step, 300 layers", lambda: mlp_step(300))
    report("MLP step, 1500 layers", lambda: mlp_step(1500))
