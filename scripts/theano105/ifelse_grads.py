"""Record Theano 1.0.5's ifelse gradients for the matrix of tests/ifelse_grad_cases.py, into
tests/data/theano105/ifelse_grads.json (read by tests/test_ifelse.py).

Run in a Python 3.8 environment with `theano==1.0.5 "numpy<1.22" "scipy<1.8"`:

    THEANO_FLAGS=cxx=,optimizer=fast_compile python scripts/theano105/ifelse_grads.py

Every case is built by the same builder the tests use, from the same RandomState values,
with the condition true and false; for each cost variant the script records the cost and
its gradient with respect to every float input and shared parameter, or the error
Theano raised taking the gradient.

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
from theano.ifelse import ifelse

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests"))
import ifelse_grad_cases as cases  # noqa: E402
from gradrecord import record_variants  # noqa: E402  (beside this script)

OUT = os.path.join(ROOT, "tests", "data", "theano105", "ifelse_grads.json")


def record(name, cond):
    """The record of one case (gradrecord.record_variants) with the condition `cond`."""
    inputs, values, params, outputs, costs = cases.build(theano, T, ifelse, name, cond)
    return record_variants(theano, T, inputs, values, cases.wrt(inputs, params), costs)


def main():
    data = {"theano": theano.__version__, "numpy": np.__version__, "cases": {}}
    for name in cases.CASES:
        for cond in cases.CONDITIONS:
            data["cases"]["%s/%d" % (name, cond)] = record(name, cond)
            print(name, cond)
    with open(OUT, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()
