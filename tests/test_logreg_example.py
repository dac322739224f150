"""The Theano 1.0 documentation's logistic regression ("A Real Example: Logistic
Regression") trains as on Theano 1.0.5, written as the documentation writes it and with
T.nnet.sigmoid / binary_crossentropy, on the device the test run uses (the test command
runs it once per usable backend).

Theano 1.0.5's results were recorded by scripts/theano105/logreg.py. Without the
stabilization rewrites (1/(1+exp(-x)) -> sigmoid, log(sigmoid) -> -softplus and the
product canonicalizer on the gradients), the weights are NaN after the first step.
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import theano
import theano.tensor as T

DATA = json.loads((Path(__file__).parent / "data" / "theano105" / "logreg.json").read_text())
#: Theano 1.0.5's two forms themselves differ by ~1e-9 in the final weights (rounding of
#: differently rewritten graphs over 300 steps); ours must be as close to each.
W_RTOL, W_ATOL = 1e-6, 1e-9


def train(form: str, steps: int):
    """The documentation's program, `steps` training steps; (accuracy, w, b, first xent)."""
    rng = np.random.RandomState(42)
    D = (rng.randn(DATA["N"], DATA["feats"]), rng.randint(size=DATA["N"], low=0, high=2))
    x = T.dmatrix("x")
    y = T.dvector("y")
    w = theano.shared(rng.randn(DATA["feats"]), name="w")
    b = theano.shared(0., name="b")
    if form == "as_written":
        p_1 = 1 / (1 + T.exp(-T.dot(x, w) - b))
        xent = -y * T.log(p_1) - (1 - y) * T.log(1 - p_1)
    else:
        p_1 = T.nnet.sigmoid(T.dot(x, w) + b)
        xent = T.nnet.binary_crossentropy(p_1, y)
    prediction = p_1 > 0.5
    cost = xent.mean() + 0.01 * (w ** 2).sum()
    gw, gb = T.grad(cost, [w, b])
    step = theano.function([x, y], [prediction, xent],
                           updates=((w, w - 0.1 * gw), (b, b - 0.1 * gb)))
    predict = theano.function([x], prediction)
    first = None
    for i in range(steps):
        _, err = step(D[0], D[1])
        if i == 0:
            first = err
    acc = float((predict(D[0]) == D[1]).mean())
    return acc, w.get_value(), float(b.get_value()), first


@pytest.mark.parametrize("form", ["as_written", "nnet"])
def test_trains_like_theano_105(form):
    ref = DATA["forms"][form]
    acc, w, b, first = train(form, DATA["steps"])
    assert np.isfinite(w).all() and np.isfinite(b)
    assert acc == ref["accuracy"] == 1.0
    np.testing.assert_allclose(b, ref["b"], rtol=W_RTOL, atol=W_ATOL)
    np.testing.assert_allclose(w, np.asarray(ref["w"]), rtol=W_RTOL, atol=W_ATOL)
    # The cross-entropy itself is finite here (Theano 1.0.5 prints NaN for the first form:
    # its -y*log(p) is not rewritten to softplus there).
    assert np.isfinite(first).all()
