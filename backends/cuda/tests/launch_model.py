"""The launch model of the cuda backend's kernels, with no GPU: representative reductions and
a broadcast add run on the fake CuPy (its threads are fibers, see fakecupy), which counts per
call the launches, blocks and threads, the index divisions/modulos by run-time values, the
global loads, and the warp requests and 32-byte sectors those loads touch (sectors per
request: 4 is a coalesced float32 read, 32 a fully strided one).

    python3 backends/cuda/tests/launch_model.py [--json FILE]

Counts, not times: what the emulation cannot see (latency, occupancy, caches, the cost of
each instruction) is listed in docs/cuda.md."""
from __future__ import annotations

import argparse
import json
import sys
import warnings
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
import fakecupy  # noqa: E402
from emulated import counted_call, emulated_cuda  # noqa: E402

#: an H100's streaming multiprocessors (the backend sizes grids by them)
fakecupy.SM_COUNT = 132


def cases():
    """(label, inputs, graph builder) of the modelled workloads."""
    import theano.tensor as T

    rng = np.random.default_rng(0)
    m = rng.standard_normal((4096, 1024)).astype("float32")
    t4 = rng.standard_normal((16, 64, 64, 16)).astype("float32")
    short = rng.standard_normal((100000, 7)).astype("float32")
    b = rng.standard_normal(1024).astype("float32")
    return [
        ("sum(x (4096,1024), axis=1)", [m], lambda x: x.sum(axis=1), [T.fmatrix]),
        ("sum(x (4096,1024), axis=0)", [m], lambda x: x.sum(axis=0), [T.fmatrix]),
        ("sum(x (16,64,64,16), axis=(1,2))", [t4], lambda x: x.sum(axis=(1, 2)), [T.ftensor4]),
        ("sum(x (100000,7), axis=1)", [short], lambda x: x.sum(axis=1), [T.fmatrix]),
        ("x (4096,1024) + b (1024,)", [m, b], lambda x, y: x + y, [T.fmatrix, T.fvector]),
        ("x (4096,1024) * 2 + 1", [m], lambda x: x * 2 + 1, [T.fmatrix]),
        ("x.T + c (4096,), strided", [m, rng.standard_normal(4096).astype("float32")],
         lambda x, y: x.T + y, [T.fmatrix, T.fvector]),
    ]


def measure() -> list[dict]:
    """One row of counts per workload (the counts of one call)."""
    rows = []
    with emulated_cuda() as dev, warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for label, inputs, build, types in cases():
            got, want, s = counted_call(dev, build, types, inputs)
            np.testing.assert_allclose(got, want, rtol=1e-5, atol=1e-4)
            n = int(np.prod(inputs[0].shape))
            s["divmods per element"] = round(s["divmods"] / n, 3)
            s["sectors per request"] = round(s["sectors"] / s["requests"], 2) if s["requests"] else None
            rows.append({"workload": label, **s})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--json", help="also write the rows to this file")
    args = ap.parse_args()
    rows = measure()
    keys = ["launches", "blocks", "threads", "divmods", "divmods per element", "loads", "requests", "sectors",
            "sectors per request"]
    print(f"{'workload':34s} " + " ".join(f"{k:>12s}" for k in keys))
    for r in rows:
        print(f"{r['workload']:34s} " + " ".join(f"{str(r[k]):>12s}" for k in keys))
    if args.json:
        Path(args.json).write_text(json.dumps(rows, indent=1))


if __name__ == "__main__":
    main()
