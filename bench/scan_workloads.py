"""W10: a scan loop, where per-step overhead is what counts: a small RNN (16 inputs, 32 hidden
units, float64) over 1000 steps, forward alone and forward with the gradient of every
parameter (backpropagation through time), against a hand-written NumPy loop.

Written against the Theano API like workloads.py (theano on any device, PyTensor's scan).
`python bench/scan_workloads.py [rounds]` prints the time per step, wall-clock and CPU
(run it with a Python that has PyTensor for its column, e.g. one with system site packages)."""
from __future__ import annotations

import statistics

import numpy as np

from workloads import Workload, _lib_parts

STEPS, N_IN, N_HID = 1000, 16, 32


def _rnn_data():
    rng = np.random.RandomState(0)
    xs = rng.randn(STEPS, N_IN)
    W = rng.randn(N_IN, N_HID) * 0.3
    U = rng.randn(N_HID, N_HID) * 0.3 / np.sqrt(N_HID)
    return xs, W, U, np.zeros(N_HID), np.zeros(N_HID)


def w10_numpy(grad: bool):
    """The RNN by hand: the forward loop, then (grad) backpropagation through time."""
    def build():
        xs, W, U, b, h0 = _rnn_data()

        def run():
            hs = np.empty((STEPS, N_HID))
            h = h0
            for t in range(STEPS):
                h = np.tanh(xs[t] @ W + h @ U + b)
                hs[t] = h
            cost = (hs ** 2).sum()
            if not grad:
                return cost
            gW, gU, gb = np.zeros_like(W), np.zeros_like(U), np.zeros_like(b)
            gh = np.zeros(N_HID)
            for t in range(STEPS - 1, -1, -1):
                gh = gh + 2 * hs[t]
                ga = gh * (1 - hs[t] ** 2)
                gW += np.outer(xs[t], ga)
                gU += np.outer(hs[t - 1] if t else h0, ga)
                gb += ga
                gh = ga @ U.T
            return cost, gW, gU, gb

        return run

    return build


def w10_graph(grad: bool):
    """The same RNN as theano.scan; the gradient through scan's own gradient."""
    def build(lib, kw):
        T, function = _lib_parts(lib)
        xv, Wv, Uv, bv, h0v = _rnn_data()
        xs, h0 = T.dmatrix("xs"), T.dvector("h0")
        W, U, b = lib.shared(Wv, "W"), lib.shared(Uv, "U"), lib.shared(bv, "b")
        hs, _ = lib.scan(lambda x, h: T.tanh(T.dot(x, W) + T.dot(h, U) + b), sequences=xs,
                         outputs_info=h0)
        cost = (hs ** 2).sum()
        outs = [cost] + (lib.grad(cost, [W, U, b]) if grad else [])
        f = function([xs, h0], outs, **kw)
        return lambda: f(xv, h0v)

    return build


def scan_workloads() -> list[Workload]:
    """W10-fwd and W10-grad."""
    return [Workload("W10-fwd", f"scan RNN {N_IN}->{N_HID} tanh, {STEPS} steps, forward, float64",
                     w10_numpy(False), w10_graph(False)),
            Workload("W10-grad", f"scan RNN {N_IN}->{N_HID} tanh, {STEPS} steps, forward + gradient "
                     f"(BPTT), float64", w10_numpy(True), w10_graph(True))]


def per_step(rounds: int = 7, devices: tuple[str, ...] = ("cpu", "numpy")) -> list[dict]:
    """W10 per step: medians over interleaved rounds of wall-clock and process CPU time per
    step (CPU time counts only this process: on a loaded machine it is the steadier figure),
    for NumPy, theano on each device and PyTensor's C backend (when installed)."""
    import time

    import theano
    from run import pytensor_lib, settle

    pyt = pytensor_lib()
    rows = []
    for w in scan_workloads():
        impls = {"numpy": w.numpy()}
        impls.update({f"theano[{d}]": w.graph(theano, {"device": d}) for d in devices})
        if pyt is not None:
            impls["pytensor"] = w.graph(pyt, {"mode": pyt.mode})
        samples: dict[str, list[tuple[float, float]]] = {k: [] for k in impls}
        for f in impls.values():
            f()
        for _ in range(rounds):
            for k, f in impls.items():
                settle()
                c0, t0 = time.process_time(), time.perf_counter()
                for _ in range(5):
                    f()
                samples[k].append(((time.perf_counter() - t0) / 5 / STEPS, (time.process_time() - c0) / 5 / STEPS))
        med = {k: (statistics.median(s[0] for s in v), statistics.median(s[1] for s in v)) for k, v in samples.items()}
        ref = med.get("pytensor")
        parts = []
        for k, (wall, cpu) in med.items():
            vs = f" x{wall / ref[0]:.2f}/x{cpu / ref[1]:.2f}pyt" if ref and k != "pytensor" else ""
            parts.append(f"{k}={wall * 1e6:.2f}/{cpu * 1e6:.2f}us{vs}")
        print(f"{w.name:<9} per step (wall/cpu): " + "  ".join(parts), flush=True)
        rows.append({"workload": w.name, "per_step_wall_cpu_s": med})
    return rows


if __name__ == "__main__":
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    per_step(int(sys.argv[1]) if len(sys.argv) > 1 else 7)
