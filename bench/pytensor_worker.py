"""Runs benchmark workloads on the PyTensor of another Python environment, for bench/run.py.

PyTensor 2.9 and later dropped `conv2d` and `pool_2d`, so the convolution workloads (W8, W9)
can only be compared with a PyTensor that still has them (2.8.x, which needs NumPy < 1.26):

    python -m venv /tmp/pyt28 && /tmp/pyt28/bin/pip install "pytensor==2.8.11" "numpy<1.26" "scipy<1.14"
    L=/tmp/pyt28/lib/python3.11/site-packages/scipy.libs   # its BLAS: SciPy's bundled OpenBLAS
    python bench/run.py --only W8,W9 --pytensor-python /tmp/pyt28/bin/python \
        --pytensor-flags "base_compiledir=/tmp/pyt28cache,blas__ldflags=-L$L -l:libopenblasp-r0-01191904.3.27.so -Wl\,-rpath\,$L"

(without blas__ldflags PyTensor 2.8 finds no BLAS to link and its convolutions run in Python;
the library's file name is the one in that scipy.libs folder).

This script runs in that environment as a long-lived worker: it builds the workloads named on
its command line, prints "ready <pytensor version>", then for every line "NAME" on stdin runs
one iteration of NAME and prints "ok" (or "error <message>"). The parent times the round
trips, interleaved with its own implementations, so the medians come from one run.
"""
from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from run import pytensor_lib  # noqa: E402
from workloads import workloads  # noqa: E402


def main() -> int:
    import pytensor

    lib = pytensor_lib()
    wanted = set(sys.argv[1:])
    fns = {w.name: w.graph(lib, {"mode": lib.mode}) for w in workloads() if w.name in wanted}
    print(f"ready {pytensor.__version__}", flush=True)
    for line in sys.stdin:
        name = line.strip()
        try:
            fns[name]()
            print("ok", flush=True)
        except Exception as e:  # noqa: BLE001 - reported to the parent
            print(f"error {type(e).__name__}: {e}".replace("\n", " ")[:300], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
