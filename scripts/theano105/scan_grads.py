"""Record Theano 1.0.5's scan gradients for the matrix of tests/scan/grad_cases.py, into
tests/data/theano105/scan_grads.json (read by tests/scan/test_scan_grad_matrix.py).

Run in a Python 3.8 environment with `theano==1.0.5 "numpy<1.22" "scipy<1.8"`:

    THEANO_FLAGS=cxx=,optimizer=fast_compile python scripts/theano105/scan_grads.py

Every case is built by the same builder the tests use, from the same RandomState values;
for each cost variant the script records the cost and its gradient with respect to every
float input and shared parameter, or the error Theano raised taking the gradient.

The recorded file was made with the flags above: Python implementations and few rewrites
give the same gradients as the C ones (to rounding) and record the matrix in a minute
rather than an hour of C compilation.
"""
import json
import os
import sys

import numpy as np
import theano
import theano.tensor as T

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "scan"))
import grad_cases  # noqa: E402
from gradrecord import record_variants  # noqa: E402  (beside this script)

OUT = os.path.join(ROOT, "tests", "data", "theano105", "scan_grads.json")


def record(name):
    """The record of one case (gradrecord.record_variants)."""
    case, costs = grad_cases.build(theano, T, name)
    return record_variants(theano, T, case.inputs, case.values, case.wrt(), costs)


def main():
    data = {"theano": theano.__version__, "numpy": np.__version__, "cases": {}}
    inputs, values, params, cost = grad_cases.issue_example(theano, T)
    gW, gU = theano.function(inputs, T.grad(cost, params))(*values)
    data["issue_example"] = {"gW": np.asarray(gW, dtype="float64").tolist(),
                             "gU": np.asarray(gU, dtype="float64").tolist()}
    for name in grad_cases.CASES:
        data["cases"][name] = record(name)
        print(name, sorted(data["cases"][name]["variants"]))
    with open(OUT, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()
