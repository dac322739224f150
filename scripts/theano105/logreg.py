"""Record what real Theano 1.0.5 gives for the documentation's logistic regression
("A Real Example: Logistic Regression"), in its two forms, into
tests/data/theano105/logreg.json.

Run in a Python 3.8 environment with `theano==1.0.5 "numpy<1.22" "scipy<1.8"`:

    THEANO_FLAGS=blas.ldflags=-lopenblas python scripts/theano105/logreg.py

The same program (data from RandomState(42), 300 steps) is run by
tests/test_logreg_example.py on every CPU backend of this project, which compares the
accuracy and the final weights with these numbers.
"""
from __future__ import annotations

import json
import os
import sys

import numpy as np
import theano
import theano.tensor as T

N, FEATS, STEPS = 400, 784, 300
OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data",
                   "theano105", "logreg.json")


def run(form: str) -> dict:
    """Train the example written as `form` ('as_written' or 'nnet') and return what it ends with."""
    rng = np.random.RandomState(42)
    D = (rng.randn(N, FEATS), rng.randint(size=N, low=0, high=2))
    x = T.dmatrix("x")
    y = T.dvector("y")
    w = theano.shared(rng.randn(FEATS), name="w")
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
    train = theano.function([x, y], [prediction, xent],
                            updates=((w, w - 0.1 * gw), (b, b - 0.1 * gb)))
    predict = theano.function([x], prediction)
    first_xent = None
    for i in range(STEPS):
        _, err = train(D[0], D[1])
        if i == 0:
            first_xent = float(err.mean())
    acc = float((predict(D[0]) == D[1]).mean())
    return {"accuracy": acc, "b": float(b.get_value()), "w": [float(v) for v in w.get_value()],
            "first_step_mean_xent": None if not np.isfinite(first_xent) else first_xent,
            "first_step_mean_xent_is_nan": bool(np.isnan(first_xent))}


def main() -> None:
    res = {"theano_version": theano.__version__, "numpy_version": np.__version__,
           "python": sys.version.split()[0], "N": N, "feats": FEATS, "steps": STEPS,
           "forms": {f: run(f) for f in ("as_written", "nnet")}}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(res, fh, indent=1)
    for f, r in res["forms"].items():
        print(f, "accuracy", r["accuracy"], "b", r["b"], "w[:3]", r["w"][:3])


if __name__ == "__main__":
    main()
