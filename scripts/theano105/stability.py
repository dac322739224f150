"""Record what real Theano 1.0.5 gives for the expressions of the stability table, and their
exact values (mpmath, 60 digits), into tests/data/theano105/stability.json.

Run in a Python 3.8 environment with `theano==1.0.5 "numpy<1.22" "scipy<1.8" mpmath`:

    THEANO_FLAGS=blas.ldflags=-lopenblas python scripts/theano105/stability.py

The expressions are in scripts/stability_cases.py; scripts/stability_table.py evaluates
the same ones on this project's backends and writes docs/stability.md.
"""
from __future__ import annotations

import json
import math
import os
import sys

import mpmath
import numpy as np
import theano
import theano.tensor as T

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
import stability_cases  # noqa: E402

OUT = os.path.join(HERE, "..", "..", "tests", "data", "theano105", "stability.json")


def _jsonable(row):
    """Floats as JSON allows them: non-finite ones as the strings 'nan', 'inf', '-inf'."""
    return [v if math.isfinite(v) else repr(v) for v in row]


def main() -> None:
    theano_rows = stability_cases.evaluate(theano, T)
    exact = stability_cases.exact_rows(mpmath)
    res = {"theano_version": theano.__version__, "numpy_version": np.__version__,
           "python": sys.version.split()[0], "mode": "FAST_RUN (default)",
           "rows": {name: {"theano": _jsonable(theano_rows[name]), "exact": _jsonable(exact[name])}
                    for name in theano_rows}}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(res, fh, indent=0)
    print(len(res["rows"]), "rows written to", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
