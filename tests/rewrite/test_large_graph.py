"""A generated MLP training step of tens of thousands of nodes rewrites in seconds (the
time per pass is printed; never asserted)."""
import time

import numpy as np

import theano
import theano.tensor as T
from theano.compile.mode import get_mode
from theano.graph.fg import FunctionGraph


def mlp_step(n_layers: int, width: int = 4):
    x = T.dmatrix("x")
    y = T.dmatrix("y")
    params = []
    h = x
    rs = np.random.RandomState(0)
    for k in range(n_layers):
        W = theano.shared(rs.randn(width, width) * 0.1, name=f"W{k}")
        b = theano.shared(np.zeros(width), name=f"b{k}")
        params += [W, b]
        h = T.tanh(T.dot(h, W) + b)
    cost = T.mean((h - y) ** 2) + 1e-4 * sum((p ** 2).sum() for p in params[::2])
    grads = T.grad(cost, params)
    updates = [(p, p - 0.01 * g) for p, g in zip(params, grads)]
    return x, y, cost, updates


def test_large_mlp_rewrites_in_seconds(capsys):
    x, y, cost, updates = mlp_step(300)
    t0 = time.perf_counter()
    f = theano.function([x, y], cost, updates=updates, profile=True)
    total = time.perf_counter() - t0
    stats = f.maker.rewrite_stats
    from theano.graph.basic import io_toposort

    n_before = len(io_toposort([], [cost] + [u for _, u in updates]))
    n_after = len(f.maker.fgraph.apply_nodes)
    with capsys.disabled():
        print(f"\nMLP step: {n_before} nodes before, {n_after} after; compile {total:.2f}s")
        for k, v in sorted(stats.time.items(), key=lambda kv: -kv[1]):
            if k.startswith("pass:"):
                print(f"  {k[:60]:<60} {v:.3f}s")
    assert n_before > 10000
    rs = np.random.RandomState(1)
    f(rs.randn(2, 4), rs.randn(2, 4))
