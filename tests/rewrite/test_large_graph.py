"""A generated MLP training step of tens of thousands of nodes compiles with every rewrite and
computes what the unrewritten graph computes on the reference backend. How long it takes is
measured by bench/graph_scale.py, not here."""
import numpy as np

import theano
import theano.tensor as T
from theano.compile.mode import Mode
from theano.graph.basic import io_toposort


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
    return x, y, cost, params, updates


def test_large_mlp_step_computes_what_the_unrewritten_graph_computes():
    x, y, cost, params, updates = mlp_step(300)
    assert len(io_toposort([], [cost] + [u for _, u in updates])) > 10000
    f = theano.function([x, y], cost, updates=updates)
    ref = theano.function([x, y], cost, updates=updates, mode=Mode(optimizer=None), device="numpy")
    assert len(f.maker.fgraph.apply_nodes) < len(ref.maker.fgraph.apply_nodes)
    start = [p.get_value() for p in params]
    rs = np.random.RandomState(1)
    xv, yv = rs.randn(2, 4), rs.randn(2, 4)
    results = []
    for fn in (f, ref):
        for p, v in zip(params, start):
            p.set_value(v.copy())
        costs = [fn(xv, yv) for _ in range(2)]  # the second call sees the first's updates
        results.append((costs, [p.get_value() for p in params]))
    (got_costs, got_params), (want_costs, want_params) = results
    np.testing.assert_allclose(got_costs, want_costs, rtol=1e-10)
    assert got_costs[1] < got_costs[0]  # a descent step
    for got, want in zip(got_params, want_params):
        np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-15)
