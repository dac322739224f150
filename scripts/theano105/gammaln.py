"""Record what real Theano 1.0.5 returns for `tensor.gammaln` at the edges (infinities,
subnormals, zeros, poles, huge values), into tests/data/theano105/gammaln.json.

Run in a Python 3.8 environment with `theano==1.0.5 "numpy<1.22" "scipy<1.8"`:

    THEANO_FLAGS=blas.ldflags=-lopenblas python scripts/theano105/gammaln.py

Theano 1.0.5 computes gammaln two ways: its compiled code (FAST_RUN, the default) calls C's
`lgamma`, and its Python linker calls `scipy.special.gammaln`. They differ at -inf and at
float64 subnormals; both are recorded, with SciPy's own values, so tests/scalar/test_gammaln.py
can say which one this project follows (the compiled one, C99's).
"""
from __future__ import annotations

import json
import os

import numpy as np
import scipy
import scipy.special as sp
import theano
import theano.tensor as T

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data",
                   "theano105", "gammaln.json")


def inputs(dtype: str) -> list[float]:
    """The edge values of `dtype` where log|Gamma| is delicate."""
    fi = np.finfo(dtype)
    sub = float(fi.tiny) / 1024
    vals = [-np.inf, np.inf, np.nan, 0.0, -0.0, float(fi.tiny), -float(fi.tiny), sub, -sub,
            -1.5, -2.0, -1000.0, -1000.5, 1.0, 2.0, 0.5, 1000.0, float(fi.max), -float(fi.max)]
    if dtype == "float64":
        vals += [5e-324, -5e-324, 1e-310, 1e-300, 1e300, 2.5e305]
    else:
        vals += [1e-45, -1e-45, 1e-40, 1e-30, 1e30]
    return [float(v) for v in np.array(vals, dtype=dtype)]


def as_json(a: np.ndarray) -> list:
    """Floats with inf/nan spelled as strings (JSON has no such numbers)."""
    return [x if np.isfinite(x) else str(x) for x in np.asarray(a, dtype="float64").tolist()]


def main() -> None:
    out = {"theano": theano.__version__, "numpy": np.__version__, "scipy": scipy.__version__,
           "cases": {}}
    for dtype in ("float64", "float32"):
        x = T.vector(dtype=dtype)
        v = np.array(inputs(dtype), dtype=dtype)
        fast_run = theano.function([x], T.gammaln(x), mode="FAST_RUN")
        py = theano.function([x], T.gammaln(x), mode=theano.Mode(linker="py", optimizer="fast_run"))
        out["cases"][dtype] = {"inputs": as_json(v), "fast_run": as_json(fast_run(v)),
                               "python_linker": as_json(py(v)), "scipy": as_json(sp.gammaln(v))}
    with open(OUT, "w") as fh:
        json.dump(out, fh, indent=1)
    print("wrote", os.path.normpath(OUT))


if __name__ == "__main__":
    main()
