"""Everything about the cuda backend that needs a GPU, in one run, results in files.

    python backends/cuda/gpu_check.py OUTDIR [--budget 440] [--only STEP,...]

Run from the repository root (gpu_check.sh does). Every step runs in its own subprocess with
its own time limit, all within the budget (a step that would not fit is recorded as skipped,
never left half-run), and summary.json/summary.md are rewritten after each step, so a run cut
short still leaves every finished step's results. In order:

 1. env: nvidia-smi, Python, CuPy; install_cupy: the CuPy wheel matching the driver's CUDA
    (theano_cuda.driver) when it is missing (--find-links $CUPY_WHEELHOUSE when set)
 2. warm_cache: every kernel the conformance suite will build (backends/cuda/tests/cudabuild's
    collection), compiled through the backend's own NVRTC path by one process per CPU into
    the compile cache: about 950 compiles, which would eat the budget one by one
 3. bench_cuda: bench/cuda_workloads.py (W1, W3 at 1e8 float32, W5 beside hand-written CuPy),
    results written after each workload; before the long runs, so they always get measured
 4. pytest: backends/cuda/tests (NVRTC, emulated and real-GPU tests)
 5. conformance: python -m theano_conformance --backend cuda --json
 6. tutorial: the tutorial's programs on device=cuda; numbers compared with a tolerance (a
    parallel sum's last digits differ from NumPy's sequential order), the text exactly
 7. lenet: a LeNet step (conv, max-pool, their gradients) on the GPU against the reference
 8. sanitizer: compute-sanitizer racecheck and synccheck over the reduction tests
 9. bench_workloads: the bench/workloads.py workloads on device=cuda (quick sizes)

Rehearsal without a GPU: PYTHONPATH=$PWD/backends/cuda/tests/fake_site makes `import cupy` load the fake
CuPy of backends/cuda/tests/fakecupy.py, so the whole script runs here with the same limits.
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import re
import shutil
import signal
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
            # Its own process group: a step that runs out of time is stopped with every process
            # it started (the cache warm-up's workers), which would otherwise slow the next steps.
            proc = subprocess.Popen(cmd, cwd=ROOT, env=full_env, stdout=fh, stderr=subprocess.STDOUT,
                                    start_new_session=True)
            try:
                rc = proc.wait(timeout=limit)
                status = "ok" if rc == 0 else f"exit {rc}"
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
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


_NUMBER = re.compile(r"[-+]?(?:\d+\.\d*|\.\d+|\d+)(?:[eE][-+]?\d+)?")


def same_output(got: str, expected: str, rtol: float = 1e-6) -> bool:
    """The text equal outside numbers, the numbers equal within `rtol`: a GPU's parallel sum
    rounds in another order than NumPy's, so last digits (and their printed length) differ."""
    if _NUMBER.sub("#", got).split() != _NUMBER.sub("#", expected).split():
        return False
    a = [float(x) for x in _NUMBER.findall(got)]
    b = [float(x) for x in _NUMBER.findall(expected)]
    return len(a) == len(b) and all(abs(x - y) <= rtol * max(abs(x), abs(y)) + 1e-12 for x, y in zip(a, b))


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
            results[prog] = {"ok": p.returncode == 0 and same_output(p.stdout, expected),
                             "exact": p.stdout == expected, "returncode": p.returncode,
                             "stdout": p.stdout, "expected": expected, "stderr_tail": p.stderr[-2000:]}
        except subprocess.TimeoutExpired:
            results[prog] = {"ok": False, "error": "timed out after 60s"}
    return results


def warm_cache(jobs: int) -> dict:
    """Compile every kernel the conformance suite builds into the compile cache, `jobs`
    processes side by side (each its own CUDA context: spawned, never forked)."""
    import multiprocessing

    sys.path.insert(0, str(ROOT / "backends" / "cuda" / "tests"))
    import cudabuild

    t = time.monotonic()
    col = cudabuild.collect_conformance_kernels()
    cudabuild.standard_reductions(col)
    work = cudabuild.warm_work(col)
    collected = time.monotonic() - t
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(jobs) as pool:
        errors = [e for e in pool.imap_unordered(_compile_one, work, chunksize=8) if e]
    return {"kernels": len(work), "collect_seconds": round(collected, 1),
            "compile_seconds": round(time.monotonic() - t - collected, 1), "jobs": jobs,
            "errors": errors[:20], "n_errors": len(errors)}


def _compile_one(item: tuple[str, str]) -> str:
    """Compile one kernel as the backend does (its options, its cache); '' or the error."""
    import cupy as cp
    from theano.config import config
    from theano_cuda.compile_options import options
    from theano_cuda.nvrtc import KernelCache

    global _KERNELS
    if _KERNELS is None:
        _KERNELS = KernelCache(cp.cuda.Device(0), options(config.cuda__fast_math))
    source, name = item
    try:
        _KERNELS.function(source, name)
        return ""
    except Exception as e:  # report it; the conformance step shows what it breaks
        return f"{name}: {type(e).__name__}: {str(e)[:300]}"


_KERNELS = None


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


# In-process steps, each run by `gpu_check.py --step NAME OUTDIR` in its own subprocess.
def _step_warm(out: Path) -> dict:
    return warm_cache(os.cpu_count() or 2)


def _step_tutorial(out: Path) -> dict:
    tut = tutorial_check(out)
    return {"ok": all(v["ok"] for v in tut.values()), "passed": sum(v["ok"] for v in tut.values()),
            "of": len(tut), "programs": tut}


def _step_lenet(out: Path) -> dict:
    return lenet_check()


def _step_workloads(out: Path) -> dict:
    return workloads_on_cuda()


STEPS = {"warm_cache": _step_warm, "tutorial": _step_tutorial, "lenet": _step_lenet,
         "bench_workloads": _step_workloads}


def run_step(name: str, out: Path) -> int:
    """One in-process step; its result goes to OUTDIR/NAME.json (exit 1 if not ok)."""
    res = STEPS[name](out)
    (out / f"{name}.json").write_text(json.dumps(res, indent=2, default=float))
    return 0 if res.get("ok", True) and not res.get("n_errors") else 1


SANITIZED = "backends/cuda/tests/test_cuda_gpu.py::test_reductions_every_axis_pattern"


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("out")
    ap.add_argument("--budget", type=float, default=440.0)
    ap.add_argument("--only", default="", help="comma-separated steps to run (default: all)")
    ap.add_argument("--step", help=argparse.SUPPRESS)  # internal: run one in-process step
    args = ap.parse_args()
    out = Path(args.out).resolve()
    out.mkdir(parents=True, exist_ok=True)
    if args.step:
        return run_step(args.step, out)
    r = Runner(out, args.budget)
    py = sys.executable
    only = set(filter(None, args.only.split(",")))
    summary: dict = {"started": time.strftime("%Y-%m-%d %H:%M:%S"), "steps": r.steps}

    def want(name: str) -> bool:
        return not only or name in only

    def step(name: str, cmd: list[str], limit: float, **kw) -> None:
        if want(name):
            r.run(name, cmd, limit, **kw)
            write_summary(out, r, summary)

    def inproc(name: str, limit: float) -> None:
        step(name, [py, str(Path(__file__).resolve()), "--step", name, str(out)], limit)

    step("env", ["bash", "-c", "nvidia-smi; nvcc --version; python -V; pip list 2>/dev/null | "
                               "grep -i -E 'cupy|numpy|theano|nvidia'"], 30, need=5)
    # Only where a GPU is: on other machines installing CuPy would only change the environment.
    if importlib.util.find_spec("cupy") is None and shutil.which("nvidia-smi"):
        wheel = wheel_for(driver_cuda_version()) or WHEELS[NEWEST]
        cmd = [py, "-m", "pip", "install", "-q", "--disable-pip-version-check", wheel]
        if os.environ.get("CUPY_WHEELHOUSE"):
            cmd[4:4] = ["--find-links", os.environ["CUPY_WHEELHOUSE"]]
        step("install_cupy", cmd, 150, need=30)
    probe = subprocess.run([py, "-m", "theano", "backends"], cwd=ROOT, capture_output=True, text=True)
    (out / "backends.txt").write_text(probe.stdout + probe.stderr)
    usable = any(ln.split()[:1] == ["cuda"] and "usable" in ln.split()[2:3]
                 for ln in probe.stdout.splitlines() if ln.strip())
    summary["cuda_usable"] = usable
    summary["backends"] = probe.stdout
    if usable:
        inproc("warm_cache", 90)
        step("bench_cuda", [py, "bench/cuda_workloads.py", "--json", str(out / "bench_cuda.json")], 100)
    step("pytest", [py, "-m", "pytest", "-q", "-rs", "backends/cuda/tests", f"--junitxml={out / 'pytest.xml'}"], 120)
    if usable:
        step("conformance", [py, "-m", "theano_conformance", "--backend", "cuda", "--json",
                             str(out / "conformance.json")], 120)
        inproc("tutorial", 40)
        inproc("lenet", 30)
        sanitizer = shutil.which("compute-sanitizer") or (
            "/usr/local/cuda/bin/compute-sanitizer" if os.path.exists("/usr/local/cuda/bin/compute-sanitizer") else None)
        for tool in ("racecheck", "synccheck"):
            name = f"sanitizer_{tool}"
            if sanitizer is None:
                if want(name):
                    r.steps[name] = {"status": "skipped", "why": "compute-sanitizer is not installed"}
                continue
            step(name, [sanitizer, "--tool", tool, "--error-exitcode", "3", py, "-m", "pytest", "-q",
                        "-p", "no:cacheprovider", SANITIZED], 45)
        inproc("bench_workloads", 60)
    else:
        for s in ("warm_cache", "bench_cuda", "conformance", "tutorial", "lenet", "sanitizer_racecheck",
                  "sanitizer_synccheck", "bench_workloads"):
            if want(s):
                r.steps[s] = {"status": "skipped", "why": "the cuda backend is not usable here (backends.txt)"}
    write_summary(out, r, summary)
    print((out / "summary.md").read_text())
    return 0


def write_summary(out: Path, r: Runner, summary: dict) -> None:
    """summary.json and summary.md from what has finished so far."""
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
        try:
            b = json.loads((out / "bench_cuda.json").read_text())
        except ValueError:
            b = {}
        summary["targets"] = {k: {"met": v.get("met"), "target": v.get("target"),
                                  **{m: v[m] for m in ("ratio_vs_cupy_with_transfers",
                                                       "fraction_of_copy_bandwidth", "ratio_vs_cupy",
                                                       "theano_GBps", "copy_GBps", "error") if m in v}}
                              for k, v in b.items() if isinstance(v, dict)}
        summary["gpu"] = b.get("device")
    for name in STEPS:
        if (out / f"{name}.json").exists() and name in r.steps:
            try:
                res = json.loads((out / f"{name}.json").read_text())
            except ValueError:
                continue
            r.steps[name].update({k: v for k, v in res.items() if k in ("ok", "passed", "of", "kernels",
                                                                        "n_errors", "compile_seconds")})
    (out / "summary.json").write_text(json.dumps(summary, indent=2, default=float))
    lines = ["# cuda backend GPU check", "", f"GPU: {summary.get('gpu', '?')}; cuda usable: "
             f"{summary.get('cuda_usable')}; {summary['seconds']} s", "", "| step | status | seconds |", "|---|---|---|"]
    for k, v in r.steps.items():
        extra = {m: v[m] for m in ("passed", "of", "kernels", "n_errors") if m in v}
        lines.append(f"| {k} | {v.get('status')} {v.get('why', '')} {extra or ''} | {v.get('seconds', '')} |")
    if "conformance_counts" in summary:
        lines += ["", f"conformance: {summary['conformance_counts']}"]
    for k, v in summary.get("targets", {}).items():
        lines.append(f"- {k}: {'MET' if v.get('met') else 'NOT met'} ({v})")
    for k in ("pytest", "conformance"):
        if k in r.steps and r.steps[k].get("log"):
            lines += ["", f"## {k} (last lines)", "```", _tail(out / r.steps[k]["log"]), "```"]
    (out / "summary.md").write_text("\n".join(lines) + "\n")


if __name__ == "__main__":
    sys.exit(main())
