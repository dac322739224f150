"""Run the compatibility corpus (tests/compat_corpus/*.py: programs from the Theano 1.0
documentation, kept as written) and record what real Theano 1.0.5 computes into
tests/data/theano105/corpus.json.

Record, in a Python 3.8 environment with `theano==1.0.5 "numpy<1.22" "scipy<1.8"`:

    THEANO_FLAGS=blas.ldflags=-lopenblas python scripts/theano105/corpus.py

Run one program and print its result as JSON (what tests/compat/test_corpus.py does on this
implementation, once per usable CPU backend):

    python scripts/theano105/corpus.py --run tests/compat_corpus/loop_scan_power.py

A program runs in a fresh process with NumPy's global generator seeded with 0 (several use
numpy.random unseeded), from a scratch directory, with `time.clock` restored (removed in Python
3.8; the conditions example times itself with it). Its result is the value of each top-level
expression statement (what the documentation's doctests printed) and the final value of each
numeric global (arrays, numbers, shared variables' values), as JSON; plus its stdout, kept for
reading but not compared (graph printouts and timings differ by design).
"""
from __future__ import annotations

import ast
import contextlib
import io
import json
import os
import subprocess
import sys
import tempfile
import time

import numpy as np

ROOT = os.path.abspath(os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
CORPUS = os.path.join(ROOT, "tests", "compat_corpus")
OUT = os.path.join(ROOT, "tests", "data", "theano105", "corpus.json")
BIG = 4096  # arrays with more elements are recorded as a summary (shape, sums, first values)


def programs() -> list[str]:
    """The corpus programs' file names, sorted."""
    return sorted(f for f in os.listdir(CORPUS) if f.endswith(".py"))


def to_json(value):
    """A computed value as JSON (None when it is not numeric data)."""
    import scipy.sparse

    if hasattr(value, "get_value") and hasattr(value, "type"):  # a shared variable
        value = value.get_value()
    if scipy.sparse.issparse(value):
        value = value.toarray()
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, (np.ndarray, np.generic)) for v in value):
        parts = [to_json(v) for v in value]
        return {"list": parts}
    if isinstance(value, (bool, int, float, np.generic, np.ndarray)) and not isinstance(value, str):
        a = np.asarray(value)
        if a.dtype.kind not in "biufc":
            return None
        if a.size > BIG:  # a data set: a summary, so the record stays small
            f = a.astype(np.complex128 if a.dtype.kind == "c" else np.float64).ravel()
            return {"dtype": str(a.dtype), "shape": list(a.shape), "sum": to_json(f.sum())["value"]
                    if a.dtype.kind != "c" else [f.sum().real, f.sum().imag],
                    "abs_sum": float(np.abs(f).sum()), "head": to_json(a.ravel()[:10])}
        if a.dtype.kind == "c":
            return {"dtype": str(a.dtype), "real": a.real.tolist(), "imag": a.imag.tolist()}
        return {"dtype": str(a.dtype), "value": a.tolist()}
    return None


def run(path: str) -> dict:
    """Run one program in this process; its expression values, numeric globals and stdout."""
    if not hasattr(time, "clock"):
        time.clock = time.perf_counter  # the Python of Theano 1.0's documentation had it
    np.random.seed(0)
    with open(path) as f:
        source = f.read()
    tree = ast.parse(source, path)
    env = {"__name__": "__main__", "__file__": path}
    exprs = []
    out = io.StringIO()
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as scratch, contextlib.redirect_stdout(out):
        os.chdir(scratch)
        try:
            for node in tree.body:
                if isinstance(node, ast.Expr):
                    code = compile(ast.Expression(node.value), path, "eval")
                    exprs.append(to_json(eval(code, env)))
                else:
                    exec(compile(ast.Module([node], []), path, "exec"), env)
        finally:
            os.chdir(cwd)
    final = {}
    for name, value in env.items():
        if not name.startswith("_"):
            j = to_json(value)
            if j is not None:
                final[name] = j
    return {"expressions": exprs, "globals": final, "stdout": out.getvalue()}


def run_in_subprocess(program: str, python: str = sys.executable, env: dict | None = None,
                      timeout: float = 900) -> dict:
    """Run corpus program `program` (a file name) in a fresh process; its result or {'error': ...}."""
    r = subprocess.run([python, os.path.abspath(__file__), "--run", os.path.join(CORPUS, program)],
                       capture_output=True, text=True, timeout=timeout, env=env)
    if r.returncode != 0:
        return {"error": r.stderr[-3000:]}
    return json.loads(r.stdout.strip().splitlines()[-1])


def main() -> None:
    if len(sys.argv) == 3 and sys.argv[1] == "--run":
        result = run(sys.argv[2])
        sys.stdout.write("\n" + json.dumps(result) + "\n")
        return
    import theano

    data = {"theano": theano.__version__, "programs": {}}
    for program in programs():
        t0 = time.time()
        data["programs"][program] = run_in_subprocess(program)
        print(program, "error" if "error" in data["programs"][program] else "ok", f"{time.time() - t0:.1f}s",
              file=sys.stderr)
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
