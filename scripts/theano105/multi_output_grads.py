"""Record Theano 1.0.5's gradients through ops with several outputs, for the matrix of
tests/tensor/multi_output_grad_cases.py, into tests/data/theano105/multi_output_grads.json
(read by tests/tensor/test_multi_output_grads.py).

Run in a Python 3.8 environment with `theano==1.0.5 "numpy<1.22" "scipy<1.8"`:

    THEANO_FLAGS=cxx=,optimizer=fast_compile python scripts/theano105/multi_output_grads.py

For each case and cost variant: the cost and its gradient with respect to every input, or
the error Theano raised taking the gradient.
"""
import json
import os
import sys

import numpy as np
import theano
import theano.tensor as T

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..")
sys.path.insert(0, os.path.join(ROOT, "tests", "tensor"))
import multi_output_grad_cases as cases  # noqa: E402
from gradrecord import record_variants  # noqa: E402  (beside this script)

OUT = os.path.join(ROOT, "tests", "data", "theano105", "multi_output_grads.json")


def record(name):
    """The record of one case (gradrecord.record_variants), gradients w.r.t. every input."""
    inputs, values, outputs, costs = cases.build(theano, T, name)
    return record_variants(theano, T, inputs, values, inputs, costs)


def main():
    data = {"theano": theano.__version__, "numpy": np.__version__, "cases": {}}
    for name in cases.CASES:
        data["cases"][name] = record(name)
        print(name, sorted(data["cases"][name]["variants"]))
    with open(OUT, "w") as fh:
        json.dump(data, fh, indent=1, sort_keys=True)
        fh.write("\n")


if __name__ == "__main__":
    main()
