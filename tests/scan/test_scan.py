"""theano.scan: forward semantics, taps, early stop, shared updates, and gradients."""
from __future__ import annotations

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.gradient import verify_grad


def test_cumulative_sum_matches_numpy():
    x = T.dvector("x")
    r, upd = theano.scan(lambda v, acc: acc + v, sequences=x, outputs_info=T.constant(np.float64(0)))
    assert not upd
    f = theano.function([x], r)
    v = np.random.RandomState(0).randn(7)
    np.testing.assert_allclose(f(v), np.cumsum(v))
    assert f(np.zeros(0)).shape == (0,)


def test_linear_recurrence_with_closure_and_non_sequences():
    x = T.dmatrix("x")
    W = T.dmatrix("W")
    b = T.dvector("b")
    h0 = T.dvector("h0")
    # W comes as a non-sequence, b through the closure: both must work.
    h, _ = theano.scan(lambda xt, h, W: T.dot(h, W) + xt + b, sequences=x, outputs_info=h0,
                       non_sequences=W)
    f = theano.function([x, W, b, h0], h)
    rng = np.random.RandomState(1)
    xv, Wv, bv, h0v = rng.randn(5, 3), rng.randn(3, 3) * 0.5, rng.randn(3), rng.randn(3)
    exp, cur = [], h0v
    for t in range(5):
        cur = cur @ Wv + xv[t] + bv
        exp.append(cur)
    np.testing.assert_allclose(f(xv, Wv, bv, h0v), np.array(exp))


def test_fibonacci_with_output_taps_and_n_steps():
    n = T.iscalar("n")
    init = T.lvector("init")
    fib, _ = theano.scan(lambda a, b: a + b, outputs_info=dict(initial=init, taps=[-2, -1]), n_steps=n)
    f = theano.function([n, init], fib)
    assert f(8, [0, 1]).tolist() == [1, 2, 3, 5, 8, 13, 21, 34]


def test_sequence_taps_go_backwards_and_several_outputs():
    x = T.dvector("x")
    (s, d), _ = theano.scan(lambda prev, cur: [prev + cur, cur - prev],
                            sequences=dict(input=x, taps=[-1, 0]), outputs_info=[None, None])
    v = np.arange(6.0) ** 2
    rs, rd = theano.function([x], [s, d])(v)
    np.testing.assert_allclose(rs, v[:-1] + v[1:])
    np.testing.assert_allclose(rd, v[1:] - v[:-1])
    back, _ = theano.scan(lambda a: a * 2, sequences=x, go_backwards=True)
    np.testing.assert_allclose(theano.function([x], back)(v), v[::-1] * 2)


def test_until_stops_early():
    x = T.dscalar("x")
    out, _ = theano.scan(lambda prev: (prev * 2, theano.scan_module.until(prev * 2 > 100)),
                         outputs_info=x, n_steps=50)
    assert theano.function([x], out)(1.0).tolist() == [2, 4, 8, 16, 32, 64, 128]


def test_shared_variable_updated_inside_the_loop():
    counter = theano.shared(np.float64(0), name="counter")

    def step(x):
        return x + counter, {counter: counter + 1}

    x = T.dvector("x")
    out, upd = theano.scan(step, sequences=x)
    assert list(upd) == [counter]
    f = theano.function([x], out, updates=upd)
    np.testing.assert_allclose(f(np.zeros(4)), [0, 1, 2, 3])
    assert counter.get_value() == 4
    np.testing.assert_allclose(f(np.zeros(2)), [4, 5])


def test_dtype_mismatch_between_state_and_step_is_explained():
    x = T.fscalar("x")
    with pytest.raises(TypeError, match="dtype float32.*float64"):
        theano.scan(lambda p: p * np.float64(1.1), outputs_info=x, n_steps=3)


def test_sequences_too_short_for_n_steps_raises():
    x = T.dvector("x")
    out, _ = theano.scan(lambda v: v * 2, sequences=x, n_steps=5)
    with pytest.raises(ValueError, match="sequence 0 has 3 entries"):
        theano.function([x], out)(np.ones(3))


def _rnn(x, W, U, h0):
    h, _ = theano.scan(lambda xt, h: T.tanh(T.dot(xt, W) + T.dot(h, U)), sequences=x, outputs_info=h0)
    return h


def test_gradients_through_scan_match_finite_differences():
    rng = np.random.RandomState(2)
    verify_grad(lambda x, W, U, h0: _rnn(x, W, U, h0).sum() + (_rnn(x, W, U, h0)[-1] ** 2).sum(),
                [rng.randn(4, 3), rng.randn(3, 2) * 0.5, rng.randn(2, 2) * 0.5, rng.randn(2)], rng=rng)


def test_gradient_with_taps_matches_finite_differences():
    def f(x, init):
        out, _ = theano.scan(lambda xm1, x0, a, b: 0.5 * a - 0.25 * b + xm1 * x0,
                             sequences=dict(input=x, taps=[-1, 0]),
                             outputs_info=dict(initial=init, taps=[-2, -1]))
        return out

    rng = np.random.RandomState(3)
    verify_grad(f, [rng.randn(6), rng.randn(2)], rng=rng)


def test_truncate_gradient_limits_backpropagation():
    x = T.dvector("x")
    r, _ = theano.scan(lambda v, acc: acc + v, sequences=x, outputs_info=T.constant(np.float64(0)),
                       truncate_gradient=2)
    g = theano.function([x], theano.grad(r[-1], x))(np.ones(5))
    np.testing.assert_allclose(g, [0, 0, 0, 1, 1])


def test_elman_rnn_training_reduces_the_loss():
    rng = np.random.RandomState(4)
    n_in, n_hid, n_steps = 3, 5, 6
    W = theano.shared(rng.randn(n_in, n_hid) * 0.3, name="W")
    U = theano.shared(rng.randn(n_hid, n_hid) * 0.3, name="U")
    V = theano.shared(rng.randn(n_hid) * 0.3, name="V")
    x = T.dmatrix("x")
    y = T.dvector("y")
    h = _rnn(x, W, U, T.zeros((n_hid,), dtype="float64"))
    pred = T.dot(h, V)
    loss = T.mean((pred - y) ** 2)
    params = [W, U, V]
    grads = theano.grad(loss, params)
    train = theano.function([x, y], loss, updates=[(p, p - 0.1 * g) for p, g in zip(params, grads)])
    xv, yv = rng.randn(n_steps, n_in), np.sin(np.arange(n_steps))
    losses = [float(train(xv, yv)) for _ in range(40)]
    assert losses[-1] < 0.5 * losses[0]
    assert all(np.isfinite(losses))


def test_random_streams_in_the_step_draw_every_step_and_advance():
    # As in Theano, a stream read by the step advances each step (its default_update becomes a
    # scan update), and the gradient sees the masks the forward pass drew.
    from theano.tensor.shared_randomstreams import RandomStreams

    srng = RandomStreams(seed=3)
    W = theano.shared(np.random.RandomState(5).randn(40, 40) * 0.2, name="W")
    x = T.dmatrix("x")

    def step(xt, hp):
        return T.tanh(T.dot(hp * srng.binomial(size=(40,), p=0.5, dtype="float64"), W) + xt)

    h, upd = theano.scan(step, sequences=x, outputs_info=T.zeros((40,), dtype="float64"))
    assert len(upd) == 1
    xv = np.random.RandomState(6).randn(4, 40)
    f = theano.function([x], h, updates=upd)
    first, second = f(xv), f(xv)
    assert not np.allclose(first, second)  # the scan's update advanced the stream
    cost = (h ** 2).sum()
    g = theano.function([x], theano.grad(cost, x), no_default_updates=True)(xv)
    c = theano.function([x], cost, no_default_updates=True)
    eps, num = 1e-6, np.zeros_like(xv)
    for idx in np.ndindex(*xv.shape):
        p, m = xv.copy(), xv.copy()
        p[idx] += eps
        m[idx] -= eps
        num[idx] = (c(p) - c(m)) / (2 * eps)
    np.testing.assert_allclose(g, num, rtol=1e-5, atol=1e-6)
    masks, _ = theano.scan(lambda xt: srng.binomial(size=(40,), p=0.5, dtype="float64") + 0 * xt, sequences=x)
    m = theano.function([x], masks)(xv)
    assert all(not np.array_equal(m[i], m[i + 1]) for i in range(3))  # a new mask every step


@pytest.mark.parametrize("device", ["cpu", "numpy"])
def test_a_step_changing_a_shape_is_refused_naming_the_output(device):
    x, h0 = T.dvector("x"), T.dvector("h0")
    # A state whose step returns a longer vector than its initial value.
    grow, _ = theano.scan(lambda v, acc: T.concatenate([acc, acc]), sequences=x, outputs_info=h0)
    with pytest.raises(ValueError, match=r"returned shape \(4,\) for recurrent state 0, whose initial value"):
        theano.function([x, h0], grow, device=device)(np.ones(3), np.ones(2))
    # A stacked output whose shape follows the sequence's values.
    ragged, _ = theano.scan(lambda v: T.arange(T.cast(v, "int64")), sequences=x)
    f = theano.function([x], ragged, device=device)
    np.testing.assert_array_equal(f(np.array([2.0, 2.0])), [[0, 1], [0, 1]])
    with pytest.raises(ValueError, match="output 0, while the earlier steps returned"):
        f(np.array([2.0, 3.0]))


@pytest.mark.parametrize("device", ["cpu", "numpy"])
def test_the_gradient_step_reads_the_forward_values_instead_of_recomputing_them(device):
    from theano.scan.grad import ScanGrad

    x, h0 = T.dmatrix("x"), T.dvector("h0")
    W = theano.shared(np.random.RandomState(3).randn(3, 3) * 0.4, "W")
    h, _ = theano.scan(lambda xt, hp: T.tanh(T.dot(hp, W) + xt), sequences=x, outputs_info=h0)
    gW = theano.grad((h ** 2).sum(), W)
    f = theano.function([x, h0], gW, device=device)
    node = next(n for n in f.maker.fgraph.toposort() if isinstance(n.op, ScanGrad))
    assert [j for j, _ in node.op.fed_values] == [0]  # the state's new value: the tanh
    step = node.op.grad_function(device)
    # the step graph has no tanh left (tanh' = 1 - tanh**2 reads the stored tanh)
    assert not any("tanh" in str(n.op) for n in step.maker.fgraph.toposort())
    xv, h0v = np.random.RandomState(4).randn(6, 3), np.zeros(3)
    Wv, exp = W.get_value(), np.zeros((3, 3))
    hs, cur = [], h0v
    for t in range(6):
        cur = np.tanh(cur @ Wv + xv[t])
        hs.append(cur)
    gh = np.zeros(3)
    for t in reversed(range(6)):
        ga = (gh + 2 * hs[t]) * (1 - hs[t] ** 2)
        exp += np.outer(hs[t - 1] if t else h0v, ga)
        gh = ga @ Wv.T
    np.testing.assert_allclose(f(xv, h0v), exp, rtol=1e-12, atol=1e-14)


@pytest.mark.parametrize("device", ["cpu", "numpy"])
def test_an_error_inside_the_step_names_the_inner_node(device):
    x, W = T.dmatrix("x"), T.dmatrix("W")
    h, _ = theano.scan(lambda xt, W: T.dot(xt, W), sequences=x, non_sequences=W)
    f = theano.function([x, W], h, device=device)
    with pytest.raises(ValueError, match=r"Scan\{scan_fn\} failed on inputs .*Dot failed on inputs \(float64\(3,\), "
                                         r"float64\(4, 4\)\)"):
        f(np.ones((3, 3)), np.ones((4, 4)))


@pytest.mark.parametrize("device", ["cpu", "numpy"])
def test_a_gradient_nobody_reads_is_not_computed(device):
    from theano.scan.grad import ScanGrad

    x, h0 = T.dmatrix("x"), T.dvector("h0")
    W, c = theano.shared(np.random.RandomState(5).randn(3, 3) * 0.4, "W"), T.dvector("c")
    h, _ = theano.scan(lambda xt, hp, c: T.tanh(T.dot(hp, W) + xt * c), sequences=x, outputs_info=h0,
                       non_sequences=c)
    cost = (h ** 2).sum()
    some = theano.function([x, h0, c], theano.grad(cost, [W, h0]), device=device)
    every = theano.function([x, h0, c], theano.grad(cost, [W, h0, x, c]), device=device)
    node = next(n for n in some.maker.fgraph.toposort() if isinstance(n.op, ScanGrad))
    assert node.op.unneeded == {0, 3}  # the sequence x and the non-sequence c
    assert next(n for n in every.maker.fgraph.toposort() if isinstance(n.op, ScanGrad)).op.unneeded == set()
    rng = np.random.RandomState(6)
    args = rng.randn(5, 3), rng.randn(3), rng.randn(3)
    for a, b in zip(some(*args), every(*args)):
        np.testing.assert_array_equal(a, b)


def test_an_outer_product_gradient_is_a_rank_one_update_of_the_loop():
    from theano.scan.grad import ScanGrad

    x, h0 = T.dmatrix("x"), T.dvector("h0")
    W = theano.shared(np.random.RandomState(7).randn(3, 4) * 0.4, "W")
    U = theano.shared(np.random.RandomState(8).randn(4, 4) * 0.4, "U")
    h, _ = theano.scan(lambda xt, hp: T.tanh(T.dot(xt, W) + T.dot(hp, U)), sequences=x, outputs_info=h0)
    cost = (h ** 2).sum()
    f = theano.function([x, h0], theano.grad(cost, [W, U]))
    node = next(n for n in f.maker.fgraph.toposort() if isinstance(n.op, ScanGrad))
    assert len(node.op.outer_products) == 2
    step = node.op.grad_function("cpu")
    # the step computes the gradients of the state and of the tanh, no outer product (no matrix)
    nodes = step.maker.fgraph.toposort()
    assert [type(n.op).__name__ for n in nodes].count("Dot") == 1 and all(n.outputs[0].ndim < 2 for n in nodes)
    rng = np.random.RandomState(9)
    xv, h0v = rng.randn(6, 3), rng.randn(4)
    hs, cur = [], h0v
    for t in range(6):
        cur = np.tanh(xv[t] @ W.get_value() + cur @ U.get_value())
        hs.append(cur)
    gW, gU, gh = np.zeros((3, 4)), np.zeros((4, 4)), np.zeros(4)
    for t in reversed(range(6)):
        ga = (gh + 2 * hs[t]) * (1 - hs[t] ** 2)
        gW += np.multiply.outer(xv[t], ga)
        gU += np.multiply.outer(hs[t - 1] if t else h0v, ga)
        gh = ga @ U.get_value().T
    for d in ("cpu", "numpy"):
        got = theano.function([x, h0], theano.grad(cost, [W, U]), device=d)(xv, h0v)
        np.testing.assert_allclose(got[0], gW, rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(got[1], gU, rtol=1e-12, atol=1e-14)
