"""Whole-function cases: what a Function does around the ops, on the backend's device.

Each scenario runs once on the reference and once on the backend under test; what it
observes must match, and its checks must hold on both."""
from __future__ import annotations

import numpy as np

from ..case import FunctionCase

F = "float32"


def _vec(name: str):
    import theano.tensor as T

    return T.vector(name, dtype=F)


def _arr(*values: float) -> np.ndarray:
    return np.array(values, dtype=F)


def updates_accumulate(ctx) -> None:
    """Outputs are computed from the values before the updates; updates apply after."""
    import theano

    w = theano.shared(_arr(1, 2, 3), name="w")
    n = theano.shared(np.int64(0), name="n")
    x = _vec("x")
    f = ctx.function([x], [w * x, (w * x).sum()], updates=[(w, w + x), (n, n + 1)])
    for k in range(3):
        out, s = f(_arr(0.5, -1, 2) * (k + 1))
        ctx.observe(f"call {k} output", out)
        ctx.observe(f"call {k} sum", s)
    ctx.observe("w", w.get_value())
    ctx.observe("n", n.get_value())


def updates_swap(ctx) -> None:
    """Updates are simultaneous: {a: b, b: a} swaps."""
    import theano

    a = theano.shared(_arr(1, 2), name="a")
    b = theano.shared(_arr(10, 20), name="b")
    f = ctx.function([], [], updates=[(a, b), (b, a)])
    f()
    ctx.observe("a", a.get_value())
    ctx.observe("b", b.get_value())
    f()
    ctx.observe("a again", a.get_value())


def updates_output_is_old_value(ctx) -> None:
    """An output that is the shared variable itself is its value before the update, and is a
    copy: writing into it changes neither the variable nor later outputs."""
    import theano

    w = theano.shared(_arr(1, 2, 3), name="w")
    f = ctx.function([], w, updates=[(w, w * 2)])
    first = f()
    ctx.observe("first", first)
    first[...] = -99
    ctx.observe("w after writing into the output", w.get_value())
    ctx.observe("second", f())


def givens_replace(ctx) -> None:
    """givens substitutes an input by a shared slice picked by an index (the minibatch
    pattern) and another by an expression."""
    import theano
    import theano.tensor as T

    data = theano.shared(np.arange(12, dtype=F).reshape(6, 2), name="data")
    i = T.lscalar("i")
    x = T.matrix("x", dtype=F)
    s = theano.shared(_arr(0.5, 2), name="s")
    y = T.vector("y", dtype=F)
    out = (x * y).sum(axis=1)
    f = ctx.function([i], out, givens=[(x, data[i * 2:(i + 1) * 2]), (y, s * 3)])
    for k in range(3):
        ctx.observe(f"batch {k}", f(k))


def in_defaults(ctx) -> None:
    """In(...) gives defaults and names; inputs can be passed by name."""
    import theano
    from theano import In

    x = _vec("x")
    y = _vec("y")
    z = _vec("z")
    f = ctx.function([x, In(y, value=_arr(1.5, 1.5), name="y"), In(z, value=_arr(0, 1), name="z")],
                     x * y + z)
    a, b = _arr(1, 2), _arr(3, 4)
    ctx.observe("default y, z", f(a))
    ctx.observe("y given", f(a, b))
    ctx.observe("z by name", f(a, z=b))
    ctx.observe("defaults unchanged", f(a))


def shared_stays_on_device(ctx) -> None:
    """A shared variable updated on the device stays there: calls that change nothing on the
    host do not move it; set_value moves the new value once; get_value is a copy."""
    import theano

    w = theano.shared(np.arange(5, dtype=F), name="w")
    f = ctx.function([], [], updates=[(w, w * 0.5 + 1)])
    f()  # the first call may move w to the device
    be = ctx.backend
    with ctx.count_transfers() as n:
        for _ in range(3):
            f()
    ctx.check(n.to_device == 0 and n.to_host == 0,
              f"3 calls with nothing changed on the host made {n.to_device} to_device and {n.to_host} "
              f"to_host transfers; a shared variable must stay on the device between calls")
    if not be.host_native:
        ctx.check(w.container.backend is be, "after the calls the shared variable's value is not on the "
                                             "backend's device (Container.backend)")
    v = w.get_value()
    ctx.observe("w after 4 calls", v)
    v[...] = 1000
    ctx.observe("get_value returns a copy", w.get_value())
    w.set_value(np.ones(5, dtype=F))
    f()
    ctx.observe("after set_value and a call", w.get_value())
    g = ctx.function([], w.sum())  # a second function reads the value where it is
    ctx.observe("read by another function", g())


def outputs_alias(ctx) -> None:
    """Several outputs that are the same value, or an input, come back as distinct arrays
    that share no memory with each other or with the arguments."""
    import theano.tensor as T

    x = T.matrix("x", dtype=F)
    y = x * 2
    f = ctx.function([x], [y, y, x, x, y.T])
    arg = np.arange(6, dtype=F).reshape(2, 3)
    outs = f(arg)
    for k, o in enumerate(outs):
        ctx.check(isinstance(o, np.ndarray), f"output {k} is a {type(o).__name__}, not a NumPy array")
        ctx.check(not np.shares_memory(o, arg), f"output {k} shares memory with the argument")
        for j in range(k):
            ctx.check(not np.shares_memory(o, outs[j]), f"outputs {j} and {k} share memory")
    for k, o in enumerate(outs):
        ctx.observe(f"output {k}", o)
    outs[0][...] = -1
    ctx.observe("output 1 after writing into output 0", outs[1])
    ctx.observe("argument untouched", arg)


def error_leaves_shared_intact(ctx) -> None:
    """A call that fails in the middle (after some nodes ran) applies no update, and the
    function works afterwards."""
    import theano

    w = theano.shared(_arr(1, 2, 3), name="w")
    c = theano.shared(np.int64(0), name="calls")
    y = _vec("y")
    partial = w * 2  # computed before the failing node
    f = ctx.function([y], (partial + y).sum(), updates=[(w, partial), (c, c + 1)])
    ctx.observe("good call", f(_arr(1, 1, 1)))
    raised = False
    try:
        f(_arr(1, 1, 1, 1))  # (3,) + (4,): does not broadcast
    except Exception:
        raised = True
    ctx.check(raised, "a call whose inputs do not broadcast returned instead of raising")
    ctx.observe("w after the failed call", w.get_value())
    ctx.observe("counter after the failed call", c.get_value())
    ctx.observe("call after the error", f(_arr(0, 1, 2)))
    ctx.observe("w at the end", w.get_value())
    ctx.observe("counter at the end", c.get_value())


def bad_argument_leaves_shared_intact(ctx) -> None:
    """An argument of the wrong type is refused before anything runs."""
    import theano

    w = theano.shared(_arr(1, 2), name="w")
    x = _vec("x")
    f = ctx.function([x], x + w, updates=[(w, w + 1)])
    raised = False
    try:
        f(np.zeros((2, 2), dtype=F))
    except TypeError:
        raised = True
    ctx.check(raised, "a matrix given for a vector input did not raise TypeError")
    ctx.observe("w", w.get_value())
    ctx.observe("call after", f(_arr(1, 1)))


def sgd_training(ctx) -> None:
    """The tutorial's logistic regression: gradients, updates and shared variables together."""
    import theano
    import theano.tensor as T

    rng = np.random.default_rng(1234)
    n, feats = 40, 6
    X = rng.standard_normal((n, feats)).astype(F)
    Y = (rng.random(n) > 0.5).astype(F)
    x = T.matrix("x", dtype=F)
    y = T.vector("y", dtype=F)
    w = theano.shared(rng.standard_normal(feats).astype(F) * 0.1, name="w")
    b = theano.shared(np.asarray(0.0, dtype=F), name="b")
    p = 1 / (1 + T.exp(-T.dot(x, w) - b))
    xent = -y * T.log(p) - (1 - y) * T.log(1 - p)
    # float32 constants: a Python float would make the updates float64 when floatX is.
    lam, lr = np.float32(0.01), np.float32(0.1)
    cost = xent.mean() + lam * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    train = ctx.function([x, y], [p > 0.5, xent], updates=[(w, w - lr * gw), (b, b - lr * gb)])
    predict = ctx.function([x], p > 0.5)
    for k in range(10):
        pred, err = train(X, Y)
    ctx.observe("last predictions", pred)
    ctx.observe("last errors", err)
    ctx.observe("w", w.get_value())
    ctx.observe("b", b.get_value())
    ctx.observe("predict", predict(X))


def float64_function(ctx) -> None:
    """The same accumulate scenario in float64 (skipped where the device has none)."""
    import theano
    import theano.tensor as T

    w = theano.shared(np.linspace(-1, 1, 4), name="w")
    x = T.dvector("x")
    f = ctx.function([x], [T.exp(w), w * x], updates=[(w, w - 0.25 * x)])
    for k in range(3):
        ctx.observe(f"call {k}", f(np.full(4, 0.5 + k)))
    ctx.observe("w", w.get_value())


def cases() -> list[FunctionCase]:
    return [
        FunctionCase("updates", "accumulate", updates_accumulate, dtypes=(F, "int64")),
        FunctionCase("updates", "simultaneous-swap", updates_swap),
        FunctionCase("updates", "output-is-old-value", updates_output_is_old_value),
        FunctionCase("givens", "minibatch-and-expression", givens_replace, dtypes=(F, "int64")),
        FunctionCase("In", "defaults-and-names", in_defaults),
        FunctionCase("shared", "stays-on-device", shared_stays_on_device),
        FunctionCase("outputs", "aliasing", outputs_alias),
        FunctionCase("errors", "mid-call-error-keeps-shared", error_leaves_shared_intact, dtypes=(F, "int64")),
        FunctionCase("errors", "bad-argument-keeps-shared", bad_argument_leaves_shared_intact),
        FunctionCase("training", "logistic-regression-sgd", sgd_training, dtypes=(F, "bool"), tol=10),
        FunctionCase("updates", "float64", float64_function, dtypes=("float64",)),
    ]
