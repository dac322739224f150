"""Data-parallel training and allreduce bandwidth over MPI on this machine.

    python bench/distributed.py [--procs 1,2,4] [--steps 30] [--bw-procs 2] [--quick]

1. The MLP of W5 (784-512-10, float32, the same data as bench/workloads.py) trained
   data-parallel with theano.distributed.allreduce_many(grads, 'mean') on 1, 2 and 4
   processes: median time per step, in weak scaling (every rank a batch of 128: the global
   batch grows) and strong scaling (a global batch of 128 split over the ranks), the
   scaling efficiency, and the share of the step spent in the gradient allreduce.
2. The allreduce bandwidth from 4 KB to 64 MB: a compiled theano function holding one
   AllReduce node, the communicator's allreduce beneath it, and mpi4py's own blocking
   Allreduce on the same buffers (the limit).

It runs `mpirun` itself (Open MPI flags --allow-run-as-root --oversubscribe); every process
uses one BLAS thread, so P processes use P cores, and on a machine with fewer cores than
processes the ranks share them (the table says how many CPUs there were).
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent


# -- workers (run under mpirun) ----------------------------------------------------------

def _mlp_worker(steps: int, batch_per_rank: int, sync: bool) -> dict:
    sys.path.insert(0, str(HERE))
    from workloads import _mlp_data

    import theano
    import theano.tensor as T
    from theano import distributed as dist

    c = dist.get_comm()
    X0, y0, W1v, b1v, W2v, b2v = _mlp_data(batch=max(128, batch_per_rank * c.size))
    rows = slice(c.rank * batch_per_rank, (c.rank + 1) * batch_per_rank)
    X, y = np.ascontiguousarray(X0[rows]), y0[rows]
    x, t = T.fmatrix("x"), T.lvector("t")
    params = [theano.shared(v, n) for v, n in ((W1v, "W1"), (b1v, "b1"), (W2v, "W2"), (b2v, "b2"))]
    W1, b1, W2, b2 = params
    h = T.tanh(T.dot(x, W1) + b1)
    p = T.nnet.softmax(T.dot(h, W2) + b2)
    loss = T.nnet.categorical_crossentropy(p, t).mean()
    grads = theano.grad(loss, params)
    if sync:
        grads = dist.allreduce_many(grads, "mean")
    lr = np.float32(0.1)
    f = theano.function([x, t], loss, updates=[(q, q - lr * g) for q, g in zip(params, grads)])
    for _ in range(3):
        f(X, y)
    times = []
    for _ in range(steps):
        c.barrier()  # every rank starts the step together: the step time is the slowest rank's
        t0 = time.perf_counter()
        f(X, y)
        times.append(time.perf_counter() - t0)
    worst = c.allreduce(np.array([statistics.median(times)]), "max")[0]
    # The gradients' allreduce alone, on buffers of the same sizes.
    gbufs = [np.asarray(q.get_value(borrow=True)) for q in params]
    comm_times = []
    for _ in range(steps):
        c.barrier()
        t0 = time.perf_counter()
        c.allreduce_many(gbufs, "mean", dist.DEFAULT_BUCKET_BYTES)
        comm_times.append(time.perf_counter() - t0)
    return {"procs": c.size, "batch_per_rank": batch_per_rank, "step_s": float(worst),
            "allreduce_s": float(statistics.median(comm_times)),
            "grad_bytes": int(sum(b.nbytes for b in gbufs))}


def _bandwidth_worker(sizes: list[int], seconds: float) -> list[dict]:
    import theano
    import theano.tensor as T
    from theano import distributed as dist

    c = dist.get_comm()
    mpi = c.mpi_comm
    from mpi4py import MPI

    x = T.fvector("x")
    f = theano.function([x], dist.allreduce(x, "sum"))
    rows = []
    for nbytes in sizes:
        a = np.random.RandomState(c.rank).rand(nbytes // 4).astype(np.float32)
        out = np.empty_like(a)
        impls = {
            "theano": lambda: f(a),
            "comm": lambda: c.allreduce(a, "sum"),
            "mpi4py": lambda: mpi.Allreduce(a, out, op=MPI.SUM),
        }
        # Same number of calls on every rank: rank 0 decides from one timed call.
        t0 = time.perf_counter()
        impls["mpi4py"]()
        one = c.allreduce(np.array([time.perf_counter() - t0]), "max")[0]
        reps = int(max(3, min(2000, seconds / 5 / max(one, 1e-6))))
        samples = {k: [] for k in impls}
        for _ in range(7):  # interleaved rounds; the best is reported (the machine may be shared)
            for k, fn in impls.items():
                c.barrier()
                t0 = time.perf_counter()
                for _ in range(reps):
                    fn()
                dt = (time.perf_counter() - t0) / reps
                samples[k].append(c.allreduce(np.array([dt]), "max")[0])
        np.testing.assert_allclose(f(a), c.allreduce(a, "sum"), rtol=1e-6)
        rows.append({"bytes": nbytes, **{k: float(min(v)) for k, v in samples.items()}})
    return rows


def worker_main(args: argparse.Namespace) -> int:
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    if args.worker == "mlp":
        res = _mlp_worker(args.steps, args.batch_per_rank, not args.no_sync)
    else:
        res = _bandwidth_worker([int(s) for s in args.sizes.split(",")], args.seconds)
    from theano import distributed as dist

    if dist.rank() == 0:
        print("RESULT " + json.dumps(res), flush=True)
    return 0


# -- driver ------------------------------------------------------------------------------------

def _mpirun(n: int, *worker_args: str) -> dict | list:
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        raise SystemExit("mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)")
    version = subprocess.run([mpirun, "--version"], capture_output=True, text=True).stdout
    flags = ["--allow-run-as-root", "--oversubscribe"] if "Open MPI" in version else []
    # One BLAS thread per process: P processes then use P cores, as on a cluster.
    env = dict(os.environ, OMP_NUM_THREADS="1", OPENBLAS_NUM_THREADS="1", MKL_NUM_THREADS="1")
    env.setdefault("OMPI_MCA_btl_vader_single_copy_mechanism", "none")  # containers forbid CMA
    for v in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK"):
        env.pop(v, None)
    cmd = [mpirun, *flags, "-n", str(n), sys.executable, str(Path(__file__).resolve()), "--worker", *worker_args]
    res = subprocess.run(cmd, capture_output=True, text=True, env=env, timeout=1800)
    for line in res.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    raise RuntimeError(f"{' '.join(cmd)} failed ({res.returncode}):\n{res.stdout[-2000:]}\n{res.stderr[-3000:]}")


def fmt_t(t: float) -> str:
    return f"{t * 1e6:.1f} us" if t < 1e-3 else f"{t * 1e3:.2f} ms" if t < 1 else f"{t:.2f} s"


def fmt_b(n: int) -> str:
    return f"{n >> 20} MB" if n >= 1 << 20 else f"{n >> 10} KB"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--procs", default="1,2,4", help="process counts for the MLP")
    ap.add_argument("--steps", type=int, default=30, help="timed steps per run (the median is reported)")
    ap.add_argument("--bw-procs", type=int, default=2, help="processes for the bandwidth table")
    ap.add_argument("--quick", action="store_true", help="fewer steps and sizes up to 16 MB")
    ap.add_argument("--json", default=None, help="write the results as JSON here")
    # worker mode (internal)
    ap.add_argument("--worker", choices=["mlp", "bandwidth"], help=argparse.SUPPRESS)
    ap.add_argument("--batch-per-rank", type=int, default=128, help=argparse.SUPPRESS)
    ap.add_argument("--no-sync", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--sizes", default="", help=argparse.SUPPRESS)
    ap.add_argument("--seconds", type=float, default=0.5, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        return worker_main(args)

    procs = [int(p) for p in args.procs.split(",")]
    steps = 10 if args.quick else args.steps
    print(f"# theano.distributed benchmark: {os.cpu_count()} CPUs, one BLAS thread per process, "
          f"load average {os.getloadavg()[0]:.1f} at the start")
    print("\n## W5 MLP 784-512-10 float32, data-parallel (allreduce_many of the gradients, 'mean')\n")
    print("| scaling | procs | batch/rank | global batch | time/step | same, no allreduce | "
          "allreduce of grads | samples/s | efficiency |")
    print("|---|---|---|---|---|---|---|---|---|")
    mlp_rows = []
    for mode in ("weak", "strong"):
        base = None
        for p in procs:
            bpr = 128 if mode == "weak" else 128 // p
            r = _mpirun(p, "mlp", "--steps", str(steps), "--batch-per-rank", str(bpr))
            r["mode"] = mode
            # The same step without the gradients' allreduce: what communication adds.
            r["step_nosync_s"] = _mpirun(p, "mlp", "--steps", str(steps), "--batch-per-rank", str(bpr),
                                         "--no-sync")["step_s"]
            mlp_rows.append(r)
            if base is None:
                base = r["step_s"] if p == 1 else None
            # weak: the ideal keeps the step time; strong: the ideal divides it by P.
            eff = "" if base is None else \
                f"{100 * base / r['step_s']:.0f}%" if mode == "weak" else f"{100 * base / (p * r['step_s']):.0f}%"
            print(f"| {mode} | {p} | {bpr} | {bpr * p} | {fmt_t(r['step_s'])} | {fmt_t(r['step_nosync_s'])} | "
                  f"{fmt_t(r['allreduce_s'])} | "
                  f"{bpr * p / r['step_s']:.0f} | {eff} |", flush=True)

    sizes = [4 << 10, 16 << 10, 64 << 10, 256 << 10, 1 << 20, 4 << 20, 16 << 20]
    if not args.quick:
        sizes.append(64 << 20)
    n = args.bw_procs
    print(f"\n## allreduce('sum') of float32 buffers on {n} processes: algorithm bandwidth "
          f"(bytes / time), best of 7 rounds\n")
    print("| size | theano function | comm.allreduce | mpi4py Allreduce | theano / mpi4py |")
    print("|---|---|---|---|---|")
    bw = _mpirun(n, "bandwidth", "--sizes", ",".join(map(str, sizes)), "--seconds", "0.2" if args.quick else "0.5")
    for r in bw:
        cells = [f"{fmt_t(r[k])}, {r['bytes'] / r[k] / 1e9:.2f} GB/s" for k in ("theano", "comm", "mpi4py")]
        print(f"| {fmt_b(r['bytes'])} | {' | '.join(cells)} | {r['mpi4py'] / r['theano']:.2f} |", flush=True)
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps({"mlp": mlp_rows, "bandwidth": bw}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
