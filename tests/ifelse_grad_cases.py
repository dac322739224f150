"""The ifelse-gradient matrix of issue 20: one builder per way users write an ifelse.

Shared by tests/test_ifelse.py (this project) and scripts/theano105/ifelse_grads.py (real
Theano 1.0.5 on Python 3.8); keep it runnable on Python 3.8 and on both libraries. A builder
takes (theano, T, ifelse, rng) and returns (inputs, values, params, outputs); the condition
is the first input, and every case runs with it true and false. Each output's gradient is
taken alone and, with several outputs, through all of them.
"""
import zlib
from collections import OrderedDict

import numpy as np


def seed(name):
    """A per-case seed that both Python versions compute alike."""
    return zlib.crc32(name.encode()) & 0xFFFF


def cost_variants(T, outputs):
    """name -> scalar cost: each float output alone, then all of them weighted."""
    costs = OrderedDict()
    for k, o in enumerate(outputs):
        costs["out%d" % k] = T.sum(T.sin(1.7 * o))
    if len(outputs) > 1:
        costs["all"] = sum(T.sum(T.sin(1.7 * o)) * (k + 1) for k, o in enumerate(outputs))
    return costs


def _u(rng, *shape):
    return rng.uniform(-0.5, 0.5, shape) * 2


def single_output(theano, T, ifelse, rng):
    """One output, both branches reading x and a shared W."""
    c = T.iscalar("c")
    x = T.dvector("x")
    W = theano.shared(_u(rng, 3, 3), name="W")
    out = ifelse(c, T.tanh(T.dot(W, x)), x * T.sum(W))
    return [c, x], [_u(rng, 3)], [W], [out]


def output_from_output(theano, T, ifelse, rng):
    """[h, tanh(h)] against [x, 3 x]: an output computed from another, an output that is an input."""
    c = T.iscalar("c")
    x = T.dvector("x")
    y = T.dvector("y")
    h = x * y
    a, b = ifelse(c, [h, T.tanh(h)], [x, x * 3])
    return [c, x, y], [_u(rng, 2), _u(rng, 2)], [], [a, b]


def same_variable_twice(theano, T, ifelse, rng):
    """[h, h] against [x, y]."""
    c = T.iscalar("c")
    x = T.dvector("x")
    y = T.dvector("y")
    h = T.tanh(x * y)
    a, b = ifelse(c, [h, h], [x, y])
    return [c, x, y], [_u(rng, 2), _u(rng, 2)], [], [a, b]


def input_and_its_double(theano, T, ifelse, rng):
    """[x, 2 x] against [y, y]."""
    c = T.iscalar("c")
    x = T.dscalar("x")
    y = T.dscalar("y")
    a, b = ifelse(c, [x, x * 2], [y, y])
    return [c, x, y], [np.float64(0.3), np.float64(-0.4)], [], [a, b]


def nested(theano, T, ifelse, rng):
    """An ifelse inside each branch of another."""
    c = T.iscalar("c")
    x = T.dvector("x")
    w = theano.shared(np.float64(0.7), name="w")
    inner_t = ifelse(T.gt(T.sum(x), 100), x * 0, T.sin(x * w))
    inner_e = ifelse(T.lt(T.sum(x), 100), T.cos(x) * w, x)
    return [c, x], [_u(rng, 3)], [w], [ifelse(c, inner_t, inner_e)]


def inside_scan(theano, T, ifelse, rng):
    """An ifelse in a scan step choosing the update by a per-step integer."""
    c = T.iscalar("c")
    x = T.dvector("x")
    s = T.ivector("s")
    h0 = T.dscalar("h0")
    a = theano.shared(np.float64(0.8), name="a")

    def step(xt, st, hp):
        h = ifelse(T.eq(st, c), T.tanh(a * hp + xt), hp * xt)
        return [h, h]

    (y, h), _ = theano.scan(step, sequences=[x, s], outputs_info=[None, h0])
    return [c, x, s, h0], [_u(rng, 4), np.array([0, 1, 1, 0], dtype="int32"), np.float64(0.2)], [a], [y, h]


def matrix_branches(theano, T, ifelse, rng):
    """Matrix outputs, one branch a dot product and the other elementwise."""
    c = T.iscalar("c")
    A = T.dmatrix("A")
    B = T.dmatrix("B")
    p, q = ifelse(c, [T.dot(A, B), A + B], [A * B, T.dot(B, A)])
    return [c, A, B], [_u(rng, 2, 2), _u(rng, 2, 2)], [], [p, q]


CASES = OrderedDict((f.__name__, f) for f in [
    single_output, output_from_output, same_variable_twice, input_and_its_double, nested, inside_scan,
    matrix_branches,
])

CONDITIONS = (1, 0)


def build(theano, T, ifelse, name, cond):
    """The case `name` with the condition `cond`: (inputs, values, params, outputs, costs)."""
    rng = np.random.RandomState(seed(name))
    inputs, values, params, outputs = CASES[name](theano, T, ifelse, rng)
    values = [np.int32(cond)] + list(values)
    return inputs, values, params, outputs, cost_variants(T, outputs)


def wrt(inputs, params):
    """The variables to differentiate: float inputs, then the shared parameters."""
    return [v for v in inputs if str(v.dtype).startswith("float")] + list(params)
