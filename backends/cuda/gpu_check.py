"""Everything about the cuda backend that needs a GPU, in one run, results in files.

    python backends/cuda/gpu_check.py OUTDIR [--budget 470]

Run from the repository root (gpu_check.sh does). Steps, each with its own time limit, all
within the budget (a step that would not fit is recorded as skipped, never left half-run):

 1. environment: nvidia-smi, Python, CuPy; installs the CuPy wheel matching the driver's CUDA
    (theano_cuda.driver) when it is missing
    (pip; --find-links $CUPY_WHEELHOUSE when set, for machines without an index)
 2. the backend's tests: pytest tests/cuda (nvcc, emulated and real-GPU tests)
 3. the conformance suite: python -m theano_conformance --backend cuda --json
 4. the tutorial's programs with THEANO_FLAGS=device=cuda, outputs compared with the tutorial;
    a LeNet step (conv, max-pool, their gradients) on the GPU against the reference backend
 5. bench/cuda_workloads.py: W1, W3 (1e8 float32), W5 beside hand-written CuPy, with targets
 6. the bench/workloads.py workloads on device=cuda (quick sizes), beside NumPy

Writes OUTDIR/summary.json and OUTDIR/summary.md, plus each step's log and JSON.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
import time
from pathlib import Path

from theano_cuda.driver import NEWEST, WHEELS, driver_cuda_version, wheel_for

ROOT = Path(__file__).resolve().parents[2]


class Runner:
    def __init__(self, out: Path, budget: float):
        self.out = out
        self.t0 = time.monotonic()
        self.budget = budget
        self.steps: dict[str, dict] = {}

    def left(self) -> float:
        return self.budget - (time.monotonic() - self.t0)

    def run(self, name: str, cmd: list[str], limit: float, env: dict | None = None,
            need: float = 20.0) -> dict:
        """Run one step with at most `limit` seconds (less when the budget is short)."""
        limit = min(limit, self.left())
        if limit < need:
            rec = {"status": "skipped", "why": f"only {self.left():.0f}s of the budget left"}
            self.steps[name] = rec
            print(f"[gpu_check] {name}: skipped ({rec['why']})", flush=True)
            return rec
        print(f"[gpu_check] {name}: {' '.join(cmd)} (limit {limit:.0f}s)", flush=True)
        t = time.monotonic()
        log = self.out / f"{name}.log"
        full_env = dict(os.environ, **(env or {}))
        with open(log, "w") as fh:
            try:
                proc = subprocess.run(cmd, cwd=ROOT, env=full_env, stdout=fh, stderr=subprocess.STDOUT,
                                      timeout=limit)
                status = "ok" if proc.returncode == 0 else f"exit {proc.returncode}"
            except subprocess.TimeoutExpired:
                status = f"timed out after {limit:.0f}s"
        rec = {"status": status, "seconds": round(time.monotonic() - t, 1), "log": log.name}
        self.steps[name] = rec
        print(f"[gpu_check] {name}: {status} in {rec['seconds']}s", flush=True)
        return rec


def _tail(path: Path, n: int = 15) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-n:])
    except OSError:
        return ""


def tutorial_check(out: Path) -> dict:
    """Run each tutorial program on device=cuda and compare with the tutorial's output."""
    spec = importlib.util.spec_from_file_location("tutorial_expect", ROOT / "tests" / "test_tutorial.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)  # type: ignore[union-attr]
    results = {}
    for prog, expected in sorted(mod.EXPECTED.items()):
        env = dict(os.environ, THEANO_FLAGS="device=cuda")
        tmp = out / "tutorial_run"
        tmp.mkdir(exist_ok=True)
        try:
            p = subprocess.run([sys.executable, str(ROOT / "examples" / "tutorial" / prog)], cwd=tmp,
                               env=env, capture_output=True, text=True, timeout=60)
            results[prog] = {"ok": p.returncode == 0 and p.stdout == expected,
                             "returncode": p.returncode, "stdout": p.stdout, "expected": expected,
                             "stderr_tail": p.stderr[-2000:]}
        except subprocess.TimeoutExpired:
            results[prog] = {"ok": False, "error": "timed out after 60s"}
    return results


def lenet_check() -> dict:
    """A small LeNet's loss and gradients (conv2d, max-pool and their gradients, float32) on
    device=cuda against the reference backend; conv and pool must not fall back."""
    import numpy as np

    import theano
    import theano.tensor as T
    from theano.tensor.nnet import conv2d
    from theano.tensor.signal.pool import pool_2d

    rs = np.random.RandomState(0)
    x, t = T.ftensor4("x"), T.lvector("t")
    W1, W2, W3 = (T.ftensor4("W1"), T.ftensor4("W2"), T.fmatrix("W3"))
    h1 = T.tanh(pool_2d(conv2d(x, W1), ws=(2, 2), ignore_border=True))
    h2 = T.tanh(pool_2d(conv2d(h1, W2, border_mode="half"), ws=(2, 2), ignore_border=True))
    p = T.nnet.softmax(T.dot(h2.flatten(2), W3))
    loss = T.nnet.categorical_crossentropy(p, t).mean()
    outs = [loss] + theano.grad(loss, [W1, W2, W3])
    vals = [rs.rand(32, 1, 28, 28).astype("float32"), rs.randint(0, 10, 32),
            (rs.randn(8, 1, 5, 5) * 0.1).astype("float32"), (rs.randn(16, 8, 3, 3) * 0.1).astype("float32"),
            (rs.randn(16 * 6 * 6, 10) * 0.1).astype("float32")]
    inputs = [x, t, W1, W2, W3]
    f = theano.function(inputs, outs, device="cuda")
    ref = theano.function(inputs, outs, device="numpy")
    got, want = f(*vals), ref(*vals)
    errors = [float(np.max(np.abs(g - w)) / (np.max(np.abs(w)) + 1e-30)) for g, w in zip(got, want)]
    runners = {str(n.op): r for n, r in f.linked.runners.items()
               if "Conv" in type(n.op).__name__ or "Pool" in type(n.op).__name__}
    fell_back = sorted(k for k, r in runners.items() if "fallback" in r)
    return {"ok": max(errors) < 1e-3 and not fell_back, "relative_errors": errors,
            "conv_pool_runners": runners, "fell_back": fell_back}


def workloads_on_cuda(quick_reps: int = 5) -> dict:
    """bench/workloads.py's workloads (quick sizes) on device=cuda and in NumPy: medians."""
    import statistics

    sys.path.insert(0, str(ROOT / "bench"))
    import cupy as cp
    from workloads import workloads

    import theano

    res = {}
    for w in workloads(quick=True):
        row: dict = {"label": w.label}
        try:
            fns = {"numpy": w.numpy()}
            if w.graph is not None:
                fns["theano_cuda"] = w.graph(theano, {"device": "cuda"})
            for k, fn in fns.items():
                fn()
                times = []
                for _ in range(quick_reps):
                    t = time.perf_counter()
                    fn()
                    cp.cuda.Device().synchronize()
                    times.append(time.perf_counter() - t)
                row[f"{k}_s"] = statistics.median(times)
            if "theano_cuda_s" in row:
                row["speedup_vs_numpy"] = row["numpy_s"] / row["theano_cuda_s"]
        except Exception as e:
            row["error"] = f"{type(e).__name__}: {e}"
        res[w.name] = row
        print("[gpu_check] workload", w.name, json.dumps(row, default=float), flush=True)
    return res


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--budget", type=float, default=470.0, help="seconds for everything")
    args = ap.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    r = Runner(out, args.budget)
    py = sys.executable
    summary: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "steps": r.steps}

    # 1. environment and CuPy
    r.run("env", ["bash", "-c", "nvidia-smi; nvcc --version; python -V; pip list 2>/dev/null | "
                                "grep -i -E 'cupy|numpy|theano|nvidia'"], 30, need=5)
    import shutil

    # Only where a GPU is: on other machines installing CuPy would only change the environment.
    if importlib.util.find_spec("cupy") is None and shutil.which("nvidia-smi"):
        wheel = wheel_for(driver_cuda_version()) or WHEELS[NEWEST]
        cmd = [py, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel]
        if os.environ.get("CUPY_WHEELHOUSE"):
            cmd[4:4] = ["--find-links", os.environ["CUPY_WHEELHOUSE"]]
        r.run("install_cupy", cmd, 150, need=30)
    probe = subprocess.run([py, "-m", "theano", "backends"], cwd=ROOT, capture_output=True, text=True)
    (out / "backends.txt").write_text(probe.stdout + probe.stderr)
    usable = any(ln.split()[:1] == ["cuda"] and "usable" in ln.split()[2:3]
                 for ln in probe.stdout.splitlines() if ln.strip())
    summary["cuda_usable"] = usable
    summary["backends"] = probe.stdout

    # 2. the backend's tests
    r.run("pytest", [py, "-m", "pytest", "-q", "-rs", "tests/cuda", f"--junitxml={out / 'pytest.xml'}"],
          170)
    if usable:
        # 3. conformance
        r.run("conformance", [py, "-m", "theano_conformance", "--backend", "cuda", "--json",
                              str(out / "conformance.json")], 150)
        # 4. tutorial
        t = time.monotonic()
        if r.left() > 40:
            tut = tutorial_check(out)
            (out / "tutorial.json").write_text(json.dumps(tut, indent=2))
            r.steps["tutorial"] = {"status": "ok" if all(v["ok"] for v in tut.values()) else "mismatch",
                                   "seconds": round(time.monotonic() - t, 1),
                                   "passed": sum(v["ok"] for v in tut.values()), "of": len(tut)}
        else:
            r.steps["tutorial"] = {"status": "skipped", "why": "budget"}
        t = time.monotonic()
        try:
            le = lenet_check()
            (out / "lenet.json").write_text(json.dumps(le, indent=2, default=float))
            r.steps["lenet"] = {"status": "ok" if le["ok"] else "mismatch",
                                "seconds": round(time.monotonic() - t, 1)}
        except Exception as e:
            r.steps["lenet"] = {"status": f"error: {type(e).__name__}: {e}"}
        # 5. the targets
        r.run("bench_cuda", [py, "bench/cuda_workloads.py", "--json", str(out / "bench_cuda.json")], 130)
        # 6. the other workloads, if time is left
        if r.left() > 60:
            t = time.monotonic()
            try:
                wl = workloads_on_cuda()
                (out / "bench_workloads_cuda.json").write_text(json.dumps(wl, indent=2, default=float))
                r.steps["bench_workloads"] = {"status": "ok", "seconds": round(time.monotonic() - t, 1)}
            except Exception as e:
                r.steps["bench_workloads"] = {"status": f"error: {type(e).__name__}: {e}"}
        else:
            r.steps["bench_workloads"] = {"status": "skipped", "why": "budget"}
    else:
        for s in ("conformance", "tutorial", "lenet", "bench_cuda", "bench_workloads"):
            r.steps[s] = {"status": "skipped", "why": "the cuda backend is not usable here (backends.txt)"}

    summary["seconds"] = round(time.monotonic() - r.t0, 1)
    if (out / "conformance.json").exists():
        try:
            conf = json.loads((out / "conformance.json").read_text())
            summary["conformance_counts"] = conf.get("summary")
            summary["conformance_failed"] = [f"{c['id']}: {c.get('detail', '')[:200]}"
                                             for c in conf.get("cases", []) if c.get("status") == "failed"]
            summary["conformance_fell_back_ops"] = sorted(
                op for op, v in conf.get("ops", {}).items() if v.get("status") == "fell back")
        except (ValueError, OSError) as e:
            summary["conformance_counts"] = f"unreadable: {e}"
    if (out / "bench_cuda.json").exists():
        b = json.loads((out / "bench_cuda.json").read_text())
        summary["targets"] = {k: {"met": v.get("met"), "target": v.get("target"),
                                  **{m: v[m] for m in ("ratio_vs_cupy_with_transfers",
                                                       "fraction_of_copy_bandwidth", "ratio_vs_cupy",
                                                       "theano_GBps", "copy_GBps", "error") if m in v}}
                              for k, v in b.items() if isinstance(v, dict)}
        summary["gpu"] = b.get("device")
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    lines = ["# cuda backend GPU check", "", f"GPU: {summary.get('gpu', '?')}; cuda usable: {usable}; "
             f"{summary['seconds']} s", "", "| step | status | seconds |", "|---|---|---|"]
    for k, v in r.steps.items():
        lines.append(f"| {k} | {v.get('status')} {v.get('why', '')} | {v.get('seconds', '')} |")
    if "conformance_counts" in summary:
        lines += ["", f"conformance: {summary['conformance_counts']}"]
    for k, v in summary.get("targets", {}).items():
        lines.append(f"- {k}: {'MET' if v.get('met') else 'NOT met'} ({v})")
    for k in ("pytest", "conformance"):
        if k in r.steps and r.steps[k].get("log"):
            lines += ["", f"## {k} (last lines)", "```", _tail(out / r.steps[k]["log"]), "```"]
    (out / "summary.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))
    return 0


if __name__ == "__main__":
    sys.exit(main())
