"""Run the benchmark workloads on hand-written NumPy, every usable theano backend, and
PyTensor's C backend when it is installed (PyTorch eager and torch.compile too on W3/W4 when
torch is installed; BENCH_NO_TORCH=1 leaves it out): one process, interleaved rounds, medians.

    python bench/run.py [--quick] [--reps 7] [--json bench/results/latest.json] [--no-compile] [--only W5,W8]

Prints a table of median times per iteration and ratios against NumPy and PyTensor.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
import types
from pathlib import Path
from typing import Any, Callable

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from workloads import workloads  # noqa: E402
from scan_workloads import scan_workloads  # noqa: E402


def theano_devices() -> list[str]:
    import theano  # noqa: F401
    from theano.backend.registry import registry

    # Every usable CPU backend, plus OpenCL where a driver is installed (PoCL runs it on the CPU).
    return [r.name for r in sorted(registry.records.values(), key=lambda r: -r.priority)
            if r.probe_cached().usable and (r.is_cpu or r.name == "opencl")]


def pytensor_lib() -> Any | None:
    """PyTensor behind the Theano-style namespace the workloads use (None when absent)."""
    try:
        import pytensor
        import pytensor.tensor as pt
        from pytensor.tensor.special import softmax
    except ImportError:
        return None
    nnet = types.SimpleNamespace(
        softmax=lambda x: softmax(x, axis=-1),
        categorical_crossentropy=lambda p, t: -pt.log(p[pt.arange(t.shape[0]), t]))
    tensor = types.SimpleNamespace(**{n: getattr(pt, n) for n in dir(pt) if not n.startswith("_")})
    tensor.nnet = nnet
    nnet.conv2d, pool_2d = _pytensor_conv_pool()
    tensor.signal = types.SimpleNamespace(pool=types.SimpleNamespace(pool_2d=pool_2d))
    return types.SimpleNamespace(tensor=tensor, function=pytensor.function, shared=pytensor.shared,
                                 grad=pytensor.grad, scan=pytensor.scan, mode=pytensor.compile.mode.Mode(linker="cvm"))


def torch_lib() -> Any | None:
    """PyTorch when it is installed (W3 and W4 then also run eager and under torch.compile,
    on as many threads as there are CPUs, like the theano backends' OpenMP loops)."""
    if os.environ.get("BENCH_NO_TORCH"):
        return None
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(os.cpu_count() or 1)
    return torch


def _pytensor_conv_pool() -> tuple[Callable[..., Any], Callable[..., Any]]:
    """PyTensor's conv2d and pool_2d; newer releases dropped both, and then calling them says so."""
    import pytensor

    def missing(what: str) -> Callable[..., Any]:
        def fail(*args: Any, **kwargs: Any) -> Any:
            raise NotImplementedError(f"PyTensor {pytensor.__version__} has no {what}")
        return fail

    try:
        from pytensor.tensor.conv import conv2d
    except ImportError:
        try:  # PyTensor 2.8 and earlier
            from pytensor.tensor.nnet import conv2d
        except ImportError:
            conv2d = missing("tensor.conv.conv2d")
    try:
        from pytensor.tensor.signal.pool import pool_2d
    except ImportError:
        pool_2d = missing("tensor.signal.pool.pool_2d")
    return conv2d, pool_2d


class PytensorWorker:
    """bench/pytensor_worker.py running under another Python (an older PyTensor)."""

    def __init__(self, python: str, names: list[str], flags: str | None = None):
        env = dict(os.environ, **({"PYTENSOR_FLAGS": flags} if flags is not None else {}))
        self.proc = subprocess.Popen([python, str(Path(__file__).resolve().parent / "pytensor_worker.py"),
                                      *names], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=env)
        line = self.proc.stdout.readline().split()
        if line[:1] != ["ready"]:
            raise RuntimeError(f"the PyTensor worker under {python} did not start (see its stderr)")
        self.version = line[1]

    def runner(self, name: str) -> Callable[[], None]:
        def run() -> None:
            self.proc.stdin.write(name + "\n")
            self.proc.stdin.flush()
            reply = self.proc.stdout.readline().strip()
            if reply != "ok":
                raise RuntimeError(f"PyTensor {self.version} on {name}: {reply}")

        return run

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


def time_batch(fn: Callable[[], Any], n: int) -> float:
    t0 = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - t0) / n


def settle(seconds: float = 0.25) -> None:
    """Let the previous implementation's idle thread pools go to sleep before timing the next:
    OpenBLAS workers spin for a while after each product (and PoCL's, and those of the PyTensor
    worker process), and on 2 cores they would be charged to whoever runs next."""
    time.sleep(seconds)


def calibrate(fn: Callable[[], Any], target: float = 0.05) -> int:
    fn()
    one = time_batch(fn, 1)
    return max(1, min(100000, int(target / max(one, 1e-7))))


def run_workloads(quick: bool, reps: int, devices: list[str], only: set[str] | None = None,
                  other_pytensor: PytensorWorker | None = None) -> list[dict]:
    import theano

    pyt = pytensor_lib()
    torch = torch_lib()
    rows = []
    for w in workloads(quick) + scan_workloads():
        if only and not any(w.name == o or w.name.startswith(o + "-") for o in only):
            continue
        impls: dict[str, Callable[[], Any]] = {}
        notes: dict[str, str] = {}
        impls["numpy"] = w.numpy()
        if w.graph is not None:
            for dev in devices:
                try:
                    impls[f"theano[{dev}]"] = w.graph(theano, {"device": dev})
                except Exception as e:  # report, keep benchmarking the others
                    notes[f"theano[{dev}]"] = f"{type(e).__name__}: {e}"[:120]
            if pyt is not None:
                try:
                    impls["pytensor"] = w.graph(pyt, {"mode": pyt.mode})
                except Exception as e:
                    notes["pytensor"] = f"{type(e).__name__}: {e}"[:120]
            if other_pytensor is not None and "pytensor" not in impls:
                # This PyTensor cannot build it (W8/W9 on 2.9+): the older one becomes the baseline.
                try:
                    run = other_pytensor.runner(w.name)
                    run()
                    impls["pytensor"] = run
                    notes["pytensor"] = f"PyTensor {other_pytensor.version} in another process"
                except Exception as e:
                    notes["pytensor"] += f"; {e}"[:200]
        if torch is not None and w.torch is not None:
            for label, compiled in (("torch", False), ("torch.compile", True)):
                try:
                    impls[label] = w.torch(torch, compiled)
                except Exception as e:
                    notes[label] = f"{type(e).__name__}: {e}"[:120]
        counts = {k: calibrate(f) for k, f in impls.items()}
        samples: dict[str, list[float]] = {k: [] for k in impls}
        for _ in range(reps):  # interleaved: every implementation once per round
            for k, f in impls.items():
                settle()
                samples[k].append(time_batch(f, counts[k]))
        med = {k: statistics.median(v) for k, v in samples.items()}
        rows.append({"workload": w.name, "label": w.label, "median_s": med, "notes": notes,
                     "bytes": w.bytes_moved})
        print(format_row(rows[-1]), flush=True)
    return rows


def compile_times(devices: list[str] | None = None, rounds: int = 3) -> list[dict]:
    """W6: cold (empty compile cache) and warm (another process, filled cache) compile times,
    on `devices` (default: every usable CPU device); medians over `rounds` fresh caches. Each
    build's CPU time (all threads, and the compiler processes it waited for) comes with it:
    on a loaded machine it says what the wall time would be on a quiet one with enough cores."""
    code = r"""
import sys, time, json, resource
sys.path.insert(0, {bench!r})
import theano
from workloads import w1_graph, w5_graph
def cpu():
    return sum(getattr(resource.getrusage(w), f) for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
               for f in ("ru_utime", "ru_stime"))
out = {{}}
for name, build in (("W1", w1_graph), ("W5", w5_graph)):
    s, c = time.perf_counter(), cpu()
    build(theano, {{"device": {dev!r}}})
    out[name] = (time.perf_counter() - s, cpu() - c)
print(json.dumps(out))
"""
    rows = []
    bench = str(Path(__file__).resolve().parent)
    for dev in devices or theano_devices():
        runs: list[list[dict]] = []
        for _ in range(rounds):
            with tempfile.TemporaryDirectory() as cache:
                env = dict(os.environ, THEANO_FLAGS=f"compiledir={cache}")
                pair = []
                for _ in range(2):
                    res = subprocess.run([sys.executable, "-c", code.format(bench=bench, dev=dev)], env=env,
                                         capture_output=True, text=True, timeout=600)
                    if res.returncode != 0:
                        print(res.stderr[-500:], file=sys.stderr)
                        break
                    pair.append(json.loads(res.stdout.strip().splitlines()[-1]))
                if len(pair) == 2:
                    runs.append(pair)
        if not runs:
            continue
        for wl in ("W1", "W5"):
            med = {f"{when}_{what}": statistics.median(r[k][wl][j] for r in runs)
                   for k, when in enumerate(("cold", "warm")) for j, what in enumerate(("s", "cpu_s"))}
            rows.append({"workload": f"W6-{wl}", "device": dev, **med})
            print(f"W6 compile {wl} on {dev}: cold {med['cold_s']:.3f} s (cpu {med['cold_cpu_s']:.3f} s), "
                  f"warm {med['warm_s']:.3f} s (cpu {med['warm_cpu_s']:.3f} s), median of {len(runs)}")
    return rows


def fmt_t(t: float) -> str:
    if t < 1e-3:
        return f"{t * 1e6:.2f} us"
    if t < 1:
        return f"{t * 1e3:.2f} ms"
    return f"{t:.3f} s"


def format_row(row: dict) -> str:
    med = row["median_s"]
    base = med.get("numpy")
    pyt = med.get("pytensor")
    parts = [f"{row['workload']:<12}"]
    for k, t in med.items():
        r = f" x{t / base:.2f}np" if base else ""
        if pyt and k != "pytensor":
            r += f" x{t / pyt:.2f}pyt"
        bw = f" {row['bytes'] / t / 1e9:.1f}GB/s" if row["bytes"] else ""
        parts.append(f"{k}={fmt_t(t)}{r}{bw}")
    for k, n in row["notes"].items():
        parts.append(f"({k}: {n})" if k in med else f"{k}: skipped ({n})")
    return "  ".join(parts)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true", help="smaller sizes, no W7")
    ap.add_argument("--reps", type=int, default=7, help="interleaved rounds (the median is reported)")
    ap.add_argument("--json", default=None, help="write the results as JSON here")
    ap.add_argument("--no-compile", action="store_true", help="skip W6 (compile times)")
    ap.add_argument("--devices", default=None, help="comma-separated theano devices (default: all CPU)")
    ap.add_argument("--only", default=None,
                    help="comma-separated workloads to run (W3 selects every W3-size), e.g. W5,W8")
    ap.add_argument("--pytensor-flags", default=None,
                    help="PYTENSOR_FLAGS for that other PyTensor only (e.g. its blas__ldflags)")
    ap.add_argument("--pytensor-python", default=None,
                    help="a Python whose PyTensor still has conv2d (2.8.x), for W8/W9's PyTensor column; "
                         "see bench/pytensor_worker.py")
    args = ap.parse_args()
    only = set(args.only.split(",")) if args.only else None
    devices = args.devices.split(",") if args.devices else theano_devices()
    torch = torch_lib()
    print(f"# theano devices: {', '.join(devices)}; PyTensor: "
          f"{'yes' if pytensor_lib() is not None else 'not installed'}; PyTorch: "
          f"{torch.__version__ if torch is not None else 'not installed'}; {os.cpu_count()} CPUs")
    other = None
    if args.pytensor_python:
        names = [w.name for w in workloads(args.quick) if w.name in ("W8", "W9")]
        other = PytensorWorker(args.pytensor_python, names, args.pytensor_flags)
    rows = run_workloads(args.quick, args.reps, devices, only, other)
    if other is not None:
        other.close()
    # W6 runs in fresh processes after the others; --only W6 selects it alone
    comp = [] if args.no_compile or (only and "W6" not in only) else compile_times(devices)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"rows": rows, "compile": comp}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
