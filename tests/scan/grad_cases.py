"""The scan-gradient matrix of issue 20: one builder per way users write a scan.

Shared by tests/scan/test_scan_grad_matrix.py (this project) and
scripts/theano105/scan_grads.py (real Theano 1.0.5 on Python 3.8), so both sides build the
same graphs from the same RandomState values; keep it runnable on Python 3.8 and on both
libraries. A builder takes (theano, T, rng) and returns a Case; every output's gradient is
taken alone, through its last step only, and (with several outputs) through all of them.
"""
import zlib
from collections import OrderedDict

import numpy as np
import theano.sandbox.rng_mrg  # noqa: F401  (MRG_RandomStreams for random_mask_in_step)


class Case(object):
    """A built scan: symbolic inputs with their values, shared parameters, outputs to take
    gradients through; fd=False where the gradient is not the true derivative
    (truncate_gradient)."""

    def __init__(self, inputs, values, params, outputs, fd=True):
        self.inputs = list(inputs)
        self.values = list(values)
        self.params = list(params)
        self.outputs = list(outputs)
        self.fd = fd

    def wrt(self):
        """The variables to differentiate: float inputs, then the shared parameters."""
        return [v for v in self.inputs if str(v.dtype).startswith("float")] + self.params


def seed(name):
    """A per-case seed that both Python versions compute alike."""
    return zlib.crc32(name.encode()) & 0xFFFF


def cost_variants(T, outputs):
    """name -> scalar cost: each float output alone (whole sequence and last step), then all."""
    costs = OrderedDict()
    floats = [(k, o) for k, o in enumerate(outputs) if str(o.dtype).startswith("float")]
    for k, o in floats:
        costs["out%d" % k] = T.sum(T.sin(1.7 * o))
        costs["out%d[-1]" % k] = T.sum(T.sin(1.7 * o[-1]))
    if len(floats) > 1:
        costs["all"] = sum(T.sum(T.sin(1.7 * o)) * (k + 1) for k, o in floats)
        costs["all[-1]"] = sum(T.sum(T.sin(1.7 * o[-1])) * (k + 1) for k, o in floats)
    return costs


def _u(rng, *shape):
    return rng.uniform(-0.5, 0.5, shape)


def _rnn_step(T, W, U):
    return lambda xt, hp: T.tanh(T.dot(xt, W) + T.dot(hp, U))


def issue_float32(theano, T, rng):
    """The issue's example as written: float32 weights, [h, h] with outputs_info [None, zeros]."""
    W = theano.shared(_u(rng, 3, 4).astype("float32"), name="W")
    U = theano.shared(_u(rng, 4, 4).astype("float32"), name="U")
    x = T.tensor3("x")

    def step(xt, hp):
        h = T.tanh(T.dot(xt, W) + T.dot(hp, U))
        return [h, h]

    (out, st), _ = theano.scan(step, sequences=x, outputs_info=[None, T.zeros((x.shape[1], 4))])
    return Case([x], [rng.uniform(-1, 1, (5, 2, 3))], [W, U], [out, st])


def none_beside_state(theano, T, rng):
    """[h, h]: a per-step output that is the same variable as the carried state (float64)."""
    W = theano.shared(_u(rng, 3, 4), name="W")
    U = theano.shared(_u(rng, 4, 4), name="U")
    x = T.dtensor3("x")
    h0 = T.dmatrix("h0")

    def step(xt, hp):
        h = T.tanh(T.dot(xt, W) + T.dot(hp, U))
        return [h, h]

    (out, st), _ = theano.scan(step, sequences=x, outputs_info=[None, h0])
    return Case([x, h0], [_u(rng, 4, 2, 3) * 2, _u(rng, 2, 4)], [W, U], [out, st])


def nitsot_only(theano, T, rng):
    """A map: one per-step output, no state."""
    W = theano.shared(_u(rng, 3, 2), name="W")
    x = T.dmatrix("x")
    out, _ = theano.scan(lambda xt: T.tanh(T.dot(xt, W)), sequences=x)
    return Case([x], [_u(rng, 4, 3) * 2], [W], [out])


def sitsot_only(theano, T, rng):
    """A carried state only."""
    W = theano.shared(_u(rng, 3, 2), name="W")
    U = theano.shared(_u(rng, 2, 2), name="U")
    x = T.dmatrix("x")
    h0 = T.dvector("h0")
    h, _ = theano.scan(_rnn_step(T, W, U), sequences=x, outputs_info=h0)
    return Case([x, h0], [_u(rng, 4, 3) * 2, _u(rng, 2)], [W, U], [h])


def state_then_none_same(theano, T, rng):
    """[h, h] with outputs_info [h0, None]: the state first, its copy as a per-step output."""
    W = theano.shared(_u(rng, 3, 2), name="W")
    U = theano.shared(_u(rng, 2, 2), name="U")
    x = T.dmatrix("x")
    h0 = T.dvector("h0")

    def step(xt, hp):
        h = T.tanh(T.dot(xt, W) + T.dot(hp, U))
        return [h, h]

    (st, out), _ = theano.scan(step, sequences=x, outputs_info=[h0, None])
    return Case([x, h0], [_u(rng, 4, 3) * 2, _u(rng, 2)], [W, U], [st, out])


def none_derived_from_state(theano, T, rng):
    """A per-step readout computed from the new state: [dot(h, V), h]."""
    W = theano.shared(_u(rng, 3, 2), name="W")
    U = theano.shared(_u(rng, 2, 2), name="U")
    V = theano.shared(_u(rng, 2, 2), name="V")
    x = T.dmatrix("x")
    h0 = T.dvector("h0")

    def step(xt, hp):
        h = T.tanh(T.dot(xt, W) + T.dot(hp, U))
        return [T.dot(h, V), h]

    (y, h), _ = theano.scan(step, sequences=x, outputs_info=[None, h0])
    return Case([x, h0], [_u(rng, 4, 3) * 2, _u(rng, 2)], [W, U, V], [y, h])


def _lstm_step(T, W, U):
    def step(xt, hp, cp):
        z = T.dot(xt, W) + T.dot(hp, U)
        i, f, o, g = (T.nnet.sigmoid(z[:, 0:2]), T.nnet.sigmoid(z[:, 2:4]),
                      T.nnet.sigmoid(z[:, 4:6]), T.tanh(z[:, 6:8]))
        c = f * cp + i * g
        h = o * T.tanh(c)
        return h, c
    return step


def lstm_states(theano, T, rng):
    """An LSTM carrying [h, c], h computed from c."""
    W = theano.shared(_u(rng, 3, 8), name="W")
    U = theano.shared(_u(rng, 2, 8), name="U")
    x = T.dtensor3("x")
    h0 = T.dmatrix("h0")
    c0 = T.dmatrix("c0")
    (h, c), _ = theano.scan(_lstm_step(T, W, U), sequences=x, outputs_info=[h0, c0])
    return Case([x, h0, c0], [_u(rng, 4, 2, 3) * 2, _u(rng, 2, 2), _u(rng, 2, 2)], [W, U], [h, c])


def lstm_library_shape(theano, T, rng):
    """The LSTM as recurrent-layer libraries write it: [output, h, c] with outputs_info
    [None, h0, c0], the output being h itself."""
    W = theano.shared(_u(rng, 3, 8), name="W")
    U = theano.shared(_u(rng, 2, 8), name="U")
    x = T.dtensor3("x")
    h0 = T.dmatrix("h0")
    c0 = T.dmatrix("c0")
    inner = _lstm_step(T, W, U)

    def step(xt, hp, cp):
        h, c = inner(xt, hp, cp)
        return [h, h, c]

    (out, h, c), _ = theano.scan(step, sequences=x, outputs_info=[None, h0, c0])
    return Case([x, h0, c0], [_u(rng, 4, 2, 3) * 2, _u(rng, 2, 2), _u(rng, 2, 2)], [W, U], [out, h, c])


def gru_library_shape(theano, T, rng):
    """A GRU as [output, h] with outputs_info [None, h0]."""
    W = theano.shared(_u(rng, 3, 6), name="W")
    U = theano.shared(_u(rng, 2, 4), name="U")
    Uh = theano.shared(_u(rng, 2, 2), name="Uh")
    x = T.dtensor3("x")
    h0 = T.dmatrix("h0")

    def step(xt, hp):
        zx = T.dot(xt, W)
        zr = T.nnet.sigmoid(zx[:, :4] + T.dot(hp, U))
        z, r = zr[:, :2], zr[:, 2:]
        hh = T.tanh(zx[:, 4:] + T.dot(r * hp, Uh))
        h = z * hp + (1 - z) * hh
        return [h, h]

    (out, h), _ = theano.scan(step, sequences=x, outputs_info=[None, h0])
    return Case([x, h0], [_u(rng, 4, 2, 3) * 2, _u(rng, 2, 2)], [W, U, Uh], [out, h])


def output_taps(theano, T, rng):
    """A state with taps [-2, -1] (a two-entry initial value)."""
    a = theano.shared(np.float64(0.7), name="a")
    x = T.dvector("x")
    init = T.dvector("init")
    out, _ = theano.scan(lambda xt, p2, p1: a * xt + 0.5 * T.tanh(p2) + 0.3 * p1 * xt,
                         sequences=x, outputs_info=dict(initial=init, taps=[-2, -1]))
    return Case([x, init], [_u(rng, 5) * 2, _u(rng, 2)], [a], [out])


def sequence_taps(theano, T, rng):
    """A sequence read at taps [-2, 0, 1] beside a state."""
    w = theano.shared(_u(rng, 3), name="w")
    x = T.dvector("x")
    h0 = T.dscalar("h0")
    out, _ = theano.scan(lambda xm2, x0, x1, h: T.tanh(w[0] * xm2 + w[1] * x0 * h + w[2] * x1 + h),
                         sequences=dict(input=x, taps=[-2, 0, 1]), outputs_info=h0)
    return Case([x, h0], [_u(rng, 7) * 2, np.float64(0.3)], [w], [out])


def several_sequences(theano, T, rng):
    """Two sequences, one with taps [-1, 0], and a [None, state] pair."""
    x = T.dmatrix("x")
    y = T.dvector("y")
    h0 = T.dvector("h0")
    W = theano.shared(_u(rng, 2, 2), name="W")

    def step(xt, ym1, y0, hp):
        h = T.tanh(T.dot(hp, W) + xt * ym1 - y0)
        return [h.sum() * y0, h]

    (s, h), _ = theano.scan(step, sequences=[x, dict(input=y, taps=[-1, 0])], outputs_info=[None, h0])
    return Case([x, y, h0], [_u(rng, 5, 2) * 2, _u(rng, 6) * 2, _u(rng, 2)], [W], [s, h])


def several_states_mix(theano, T, rng):
    """[state with taps [-3, -1], per-step output, plain state]: taps, None and a state mixed."""
    x = T.dvector("x")
    a0 = T.dvector("a0")
    b0 = T.dscalar("b0")
    k = theano.shared(np.float64(0.6), name="k")

    def step(xt, am3, am1, bp):
        a = T.tanh(k * am1 + 0.5 * am3 * bp + xt)
        y = a * am3 - bp
        b = bp * 0.9 + a * xt
        return [a, y, b]

    (a, y, b), _ = theano.scan(step, sequences=x, outputs_info=[dict(initial=a0, taps=[-3, -1]), None, b0])
    return Case([x, a0, b0], [_u(rng, 5) * 2, _u(rng, 3), np.float64(0.2)], [k], [a, y, b])


def explicit_non_sequences(theano, T, rng):
    """A symbolic matrix and a shared vector passed as non_sequences (strict=True)."""
    x = T.dmatrix("x")
    W = T.dmatrix("W")
    h0 = T.dvector("h0")
    b = theano.shared(_u(rng, 2), name="b")
    h, _ = theano.scan(lambda xt, hp, W_, b_: T.tanh(T.dot(hp, W_) + xt + b_), sequences=x,
                       outputs_info=h0, non_sequences=[W, b], strict=True)
    return Case([x, W, h0], [_u(rng, 4, 2) * 2, _u(rng, 2, 2), _u(rng, 2)], [b], [h])


def closures(theano, T, rng):
    """A symbolic matrix and a shared vector read from the enclosing scope."""
    x = T.dmatrix("x")
    W = T.dmatrix("W")
    h0 = T.dvector("h0")
    b = theano.shared(_u(rng, 2), name="b")
    (y, h), _ = theano.scan(lambda xt, hp: [T.sum(hp * b), T.tanh(T.dot(hp, W) + xt * b)], sequences=x,
                            outputs_info=[None, h0])
    return Case([x, W, h0], [_u(rng, 4, 2) * 2, _u(rng, 2, 2), _u(rng, 2)], [b], [y, h])


def n_steps_without_sequences(theano, T, rng):
    """n_steps and a non-sequence only: h <- tanh(h W + b)."""
    W = T.dmatrix("W")
    h0 = T.dvector("h0")
    b = theano.shared(_u(rng, 2), name="b")
    h, _ = theano.scan(lambda hp, W_: T.tanh(T.dot(hp, W_) + b), outputs_info=h0, non_sequences=W,
                       n_steps=4)
    return Case([W, h0], [_u(rng, 2, 2) * 2, _u(rng, 2)], [b], [h])


def n_steps_shorter_than_sequence(theano, T, rng):
    """A symbolic n_steps of 3 over a 6-entry sequence."""
    x = T.dvector("x")
    n = T.iscalar("n")
    h0 = T.dscalar("h0")
    (y, h), _ = theano.scan(lambda xt, hp: [xt * hp, T.tanh(hp + xt)], sequences=x, outputs_info=[None, h0],
                            n_steps=n)
    return Case([x, n, h0], [_u(rng, 6) * 2, np.int32(3), np.float64(0.4)], [], [y, h])


def go_backwards(theano, T, rng):
    """go_backwards=True with [None, state]."""
    W = theano.shared(_u(rng, 3, 2), name="W")
    U = theano.shared(_u(rng, 2, 2), name="U")
    x = T.dmatrix("x")
    h0 = T.dvector("h0")
    step = _rnn_step(T, W, U)
    (y, h), _ = theano.scan(lambda xt, hp: [step(xt, hp) * xt[0], step(xt, hp)], sequences=x,
                            outputs_info=[None, h0], go_backwards=True)
    return Case([x, h0], [_u(rng, 4, 3) * 2, _u(rng, 2)], [W, U], [y, h])


def truncated(theano, T, rng):
    """truncate_gradient=2: only the last two steps backpropagate (not a derivative: no FD)."""
    W = theano.shared(_u(rng, 3, 2), name="W")
    U = theano.shared(_u(rng, 2, 2), name="U")
    x = T.dmatrix("x")
    h0 = T.dvector("h0")

    def step(xt, hp):
        h = T.tanh(T.dot(xt, W) + T.dot(hp, U))
        return [h, h]

    (y, h), _ = theano.scan(step, sequences=x, outputs_info=[None, h0], truncate_gradient=2)
    return Case([x, h0], [_u(rng, 5, 3) * 2, _u(rng, 2)], [W, U], [y, h], fd=False)


def until_stops(theano, T, rng):
    """until on an integer sequence: the loop stops after 3 of 6 steps."""
    x = T.dvector("x")
    stop = T.ivector("stop")
    h0 = T.dscalar("h0")
    a = theano.shared(np.float64(0.8), name="a")

    def step(xt, st, hp):
        h = T.tanh(a * hp + xt)
        return [h * xt, h], theano.scan_module.until(T.eq(st, 1))

    (y, h), _ = theano.scan(step, sequences=[x, stop], outputs_info=[None, h0])
    return Case([x, stop, h0], [_u(rng, 6) * 2, np.array([0, 0, 1, 0, 0, 0], dtype="int32"), np.float64(0.1)],
                [a], [y, h])


def shared_update_beside(theano, T, rng):
    """A shared counter updated in the loop, the outputs not reading it."""
    w = theano.shared(np.float64(0.9), name="w")
    count = theano.shared(np.int64(0), name="count")
    x = T.dvector("x")

    def step(xt):
        return T.tanh(w * xt), {count: count + 1}

    y, _ = theano.scan(step, sequences=x)
    return Case([x], [_u(rng, 5) * 2], [w], [y])


def shared_update_read(theano, T, rng):
    """A shared float updated in the loop and read by the output: c <- c + 1, y = x * c."""
    c = theano.shared(np.float64(0.5), name="c")
    x = T.dvector("x")

    def step(xt):
        return T.sin(xt * c), {c: c + 1.0}

    y, _ = theano.scan(step, sequences=x)
    return Case([x], [_u(rng, 4) * 2], [], [y])


def nested(theano, T, rng):
    """A scan whose step runs a scan (over a row) carrying the outer state."""
    W = theano.shared(_u(rng, 2, 2), name="W")
    X = T.dtensor3("X")
    h0 = T.dvector("h0")

    def inner_step(xv, hp):
        return T.tanh(T.dot(hp, W) + xv)

    def outer_step(xrow, hp):
        hs, _ = theano.scan(inner_step, sequences=xrow, outputs_info=hp)
        return [hs.sum(axis=0), hs[-1]]

    (y, h), _ = theano.scan(outer_step, sequences=X, outputs_info=[None, h0])
    return Case([X, h0], [_u(rng, 3, 2, 2) * 2, _u(rng, 2)], [W], [y, h])


def nested_inner_outputs_twice(theano, T, rng):
    """A nested scan whose inner scan returns [h, h] with [None, state]."""
    a = theano.shared(np.float64(0.7), name="a")
    X = T.dmatrix("X")

    def inner_step(xv, hp):
        h = T.tanh(a * hp + xv)
        return [h, h]

    def outer_step(xrow):
        (o, s), _ = theano.scan(inner_step, sequences=xrow, outputs_info=[None, T.constant(np.float64(0.0))])
        return o[-1] + s.sum()

    y, _ = theano.scan(outer_step, sequences=X)
    return Case([X], [_u(rng, 3, 4) * 2], [a], [y])


def identity_and_passthrough(theano, T, rng):
    """Outputs that are step inputs: the sequence entry itself, and a state passed on unchanged."""
    x = T.dvector("x")
    h0 = T.dscalar("h0")
    (e, h, y), _ = theano.scan(lambda xt, hp: [xt, hp, hp * xt], sequences=x, outputs_info=[None, h0, None])
    return Case([x, h0], [_u(rng, 4) * 2, np.float64(0.7)], [], [e, h, y])


def integer_state_beside(theano, T, rng):
    """An integer counter state beside a float one."""
    x = T.dvector("x")
    h0 = T.dscalar("h0")
    k0 = T.lscalar("k0")
    (h, k), _ = theano.scan(lambda xt, hp, kp: [T.tanh(hp * xt + kp), kp + 1], sequences=x,
                            outputs_info=[h0, k0])
    return Case([x, h0, k0], [_u(rng, 4) * 2, np.float64(0.3), np.int64(-1)], [], [h, k])


def reduce_and_foldr(theano, T, rng):
    """theano.reduce (foldl) and theano.foldr."""
    x = T.dvector("x")
    a0 = T.dscalar("a0")
    left, _ = theano.reduce(lambda v, acc: T.tanh(acc * v + v), sequences=x, outputs_info=a0)
    right, _ = theano.foldr(lambda v, acc: T.tanh(acc * v + v), sequences=x, outputs_info=a0)
    return Case([x, a0], [_u(rng, 5) * 2, np.float64(0.2)], [], [T.stack([left, right])])


def map_two_sequences(theano, T, rng):
    """theano.map over two sequences, two outputs."""
    x = T.dmatrix("x")
    y = T.dmatrix("y")
    (p, q), _ = theano.map(lambda a, b: [a * b + T.sin(a), T.dot(a, b)], sequences=[x, y])
    return Case([x, y], [_u(rng, 3, 2) * 2, _u(rng, 3, 2) * 2], [], [p, q])


def shared_update_final_value(theano, T, rng):
    """The cost reads a shared accumulator's final value (the scan's update) and a per-step output."""
    acc = theano.shared(np.float64(0.2), name="acc")
    w = theano.shared(np.float64(0.7), name="w")
    x = T.dvector("x")

    def step(xt):
        return T.tanh(xt * acc), {acc: acc * w + xt}

    y, upd = theano.scan(step, sequences=x)
    return Case([x], [_u(rng, 4) * 2], [w], [y, T.stack([upd[acc]])])


def shared_update_wrt_itself(theano, T, rng):
    """The gradient with respect to a shared variable the loop updates."""
    c = theano.shared(np.float64(0.5), name="c")
    x = T.dvector("x")

    def step(xt):
        return T.sin(xt * c), {c: c * 0.9 + xt}

    y, _ = theano.scan(step, sequences=x)
    return Case([x], [_u(rng, 4) * 2], [c], [y])


def sequence_taps_backwards(theano, T, rng):
    """A sequence read at taps [-1, 1] with go_backwards, beside a state."""
    x = T.dvector("x")
    h0 = T.dscalar("h0")
    (y, h), _ = theano.scan(lambda xm1, x1, hp: [xm1 * hp, T.tanh(hp * x1 + xm1)],
                            sequences=dict(input=x, taps=[-1, 1]), outputs_info=[None, h0], go_backwards=True)
    return Case([x, h0], [_u(rng, 6) * 2, np.float64(0.3)], [], [y, h])


def output_taps_n_steps(theano, T, rng):
    """taps [-2, -1] with n_steps and no sequence, a longer initial value than the taps need."""
    init = T.dvector("init")
    k = theano.shared(np.float64(0.8), name="k")
    out, _ = theano.scan(lambda a, b: T.tanh(k * a - b * 0.5 + 0.1), outputs_info=dict(initial=init, taps=[-2, -1]),
                         n_steps=5)
    return Case([init], [_u(rng, 4)], [k], [out])


def embedding_lookup(theano, T, rng):
    """An integer sequence indexing an embedding matrix in the step (a language model's input)."""
    E = theano.shared(_u(rng, 5, 2), name="E")
    U = theano.shared(_u(rng, 2, 2), name="U")
    idx = T.ivector("idx")
    h0 = T.dvector("h0")

    def step(i, hp):
        h = T.tanh(E[i] + T.dot(hp, U))
        return [h, h]

    (y, h), _ = theano.scan(step, sequences=idx, outputs_info=[None, h0])
    return Case([idx, h0], [np.array([1, 3, 1, 4], dtype="int32"), _u(rng, 2)], [E, U], [y, h])


def random_mask_in_step(theano, T, rng):
    """Dropout in the step with MRG_RandomStreams: the gradient must see the forward's masks."""
    srng = theano.sandbox.rng_mrg.MRG_RandomStreams(seed=11)
    W = theano.shared(_u(rng, 3, 3), name="W")
    x = T.dmatrix("x")
    h0 = T.dvector("h0")

    def step(xt, hp):
        mask = srng.binomial(size=(3,), p=0.5, dtype="float64")
        h = T.tanh(T.dot(hp * mask, W) + xt)
        return [h, h]

    (y, h), _ = theano.scan(step, sequences=x, outputs_info=[None, h0])
    return Case([x, h0], [_u(rng, 4, 3) * 2, _u(rng, 3)], [W], [y, h])


def unsorted_taps(theano, T, rng):
    """Taps given out of order ([0, -2] on the sequence, [-1, -3] on the state): fn receives them
    in the order given."""
    x = T.dvector("x")
    init = T.dvector("init")
    out, _ = theano.scan(lambda a, b, p1, p3: T.tanh(a - 0.5 * b + 0.8 * p1 - 0.3 * p3 * a),
                         sequences=dict(input=x, taps=[0, -2]), outputs_info=dict(initial=init, taps=[-1, -3]))
    return Case([x, init], [_u(rng, 6) * 2, _u(rng, 3)], [], [out])


def issue_example(theano, T):
    """Issue 20's example exactly: RandomState(0) for W and U, then a 5x2x3 randn input; the
    cost is out[-1].sum(). Returns (inputs, values, params, cost)."""
    rng = np.random.RandomState(0)
    W = theano.shared(rng.uniform(-.5, .5, (3, 4)).astype("float32"), name="W")
    U = theano.shared(rng.uniform(-.5, .5, (4, 4)).astype("float32"), name="U")
    x = T.tensor3("x")

    def step(xt, hp):
        h = T.tanh(T.dot(xt, W) + T.dot(hp, U))
        return [h, h]

    (out, st), _ = theano.scan(step, sequences=x, outputs_info=[None, T.zeros((x.shape[1], 4))])
    return [x], [rng.randn(5, 2, 3)], [W, U], out[-1].sum()


CASES = OrderedDict((f.__name__, f) for f in [
    issue_float32, none_beside_state, nitsot_only, sitsot_only, state_then_none_same,
    none_derived_from_state, lstm_states, lstm_library_shape, gru_library_shape, output_taps,
    sequence_taps, several_sequences, several_states_mix, explicit_non_sequences, closures,
    n_steps_without_sequences, n_steps_shorter_than_sequence, go_backwards, truncated, until_stops,
    shared_update_beside, shared_update_read, nested, nested_inner_outputs_twice,
    identity_and_passthrough, integer_state_beside, reduce_and_foldr, map_two_sequences,
    shared_update_final_value, shared_update_wrt_itself, sequence_taps_backwards, output_taps_n_steps,
    embedding_lookup, random_mask_in_step, unsorted_taps,
])


def build(theano, T, name):
    """The case `name`, built with fresh RandomState values; also its cost variants."""
    rng = np.random.RandomState(seed(name))
    case = CASES[name](theano, T, rng)
    return case, cost_variants(T, case.outputs)
