"""Record which scalar inputs real Theano 1.0.5 accepts, and as what, into
tests/data/theano105/scalar_filter.json: NumPy scalars of every kind (np.float64(0.1) into a
float32 input ...), Python numbers and 0-d arrays, into 0-d inputs of every dtype, with
allow_input_downcast None (the default), False and True, and floatX float64 and float32.

Run in a Python 3.8 environment with `theano==1.0.5 "numpy<1.22" "scipy<1.8"`:

    THEANO_FLAGS=blas.ldflags=-lopenblas python scripts/theano105/scalar_filter.py

Each case goes through a compiled function `theano.function([In(x, allow_downcast=...)], x)`,
so what is recorded is what a call does. tests/tensor/test_scalar_filter.py replays the cases
on this project's filters and on every CPU backend's call path.
"""
from __future__ import annotations

import json
import os
import warnings

import numpy as np
import theano
import theano.tensor as T
from theano.compile.io import In

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "tests", "data",
                   "theano105", "scalar_filter.json")

TARGETS = ["float64", "float32", "float16", "int64", "int32", "int16", "int8", "uint8", "uint64",
           "bool", "complex128"]

# (constructor, argument): what the value is built from, so the test can rebuild it exactly.
VALUES = (
    [("float64", v) for v in ("1.5", "0.1", "10.0", "3.0", "-0.0", "nan", "inf", "-inf", "1e300",
                              "1e-50", "16777217.0", "9007199254740993.0", "-129.0", "300.0", "3.5")]
    + [("float32", v) for v in ("0.1", "1.5", "10.0", "3.0", "nan", "inf", "3.5", "-129.0")]
    + [("float16", v) for v in ("0.1", "1.5")]
    + [("int64", v) for v in (3, -7, 0, 300, -129, 70000, 2 ** 24 + 1, 2 ** 31, 2 ** 53 + 1, 2 ** 63 - 1)]
    + [("int32", v) for v in (3, -129, 70000)]
    + [("int16", v) for v in (3, -300)]
    + [("int8", v) for v in (-5, 100)]
    + [("uint8", v) for v in (200, 7)]
    + [("uint32", v) for v in (5, 2 ** 32 - 1)]
    + [("uint64", v) for v in (5, 2 ** 64 - 1)]
    + [("bool", v) for v in (True, False)]
    + [("complex128", v) for v in ("1+0j", "1+1j")]
    + [("py_float", v) for v in ("0.1", "1.5", "10.0", "nan", "1e300")]
    + [("py_int", v) for v in (3, 300, 2 ** 31, -1)]
    + [("array0d_float64", v) for v in ("0.1", "1.5")]
    + [("array0d_float32", v) for v in ("0.1",)]
    + [("array0d_int64", v) for v in (3,)]
)


def build(kind: str, arg):
    """The value a case passes (the same rule is used by the test that reads the JSON)."""
    if kind == "py_float":
        return float(arg)
    if kind == "py_int":
        return int(arg)
    if kind.startswith("array0d_"):
        return np.array(arg, dtype=kind[len("array0d_"):])
    if kind.startswith("complex"):
        return np.dtype(kind).type(complex(arg))
    if kind.startswith("float"):
        return np.dtype(kind).type(float(arg)) if arg not in ("nan", "inf", "-inf") else np.dtype(kind).type(arg)
    return np.dtype(kind).type(arg)


def outcome(f, value) -> list:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            r = f(value)
    except (TypeError, ValueError, OverflowError) as e:
        return ["refused", type(e).__name__]
    r = np.asarray(r)
    item = r.item()
    return ["ok", str(r.dtype), repr(item)]


def main() -> None:
    cases = []
    for floatx in ("float64", "float32"):
        theano.config.floatX = floatx
        for target in TARGETS:
            for downcast in (None, False, True):
                x = T.TensorType(target, ())("x")
                f = theano.function([In(x, allow_downcast=downcast)], x)
                for kind, arg in VALUES:
                    cases.append({"floatX": floatx, "target": target, "allow_downcast": downcast,
                                  "kind": kind, "arg": arg, "result": outcome(f, build(kind, arg))})
    theano.config.floatX = "float64"
    res = {"theano_version": theano.__version__, "numpy_version": np.__version__, "cases": cases}
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as fh:
        json.dump(res, fh, indent=0)
        fh.write("\n")
    print(f"{len(cases)} cases written to {os.path.normpath(OUT)}")


if __name__ == "__main__":
    main()
