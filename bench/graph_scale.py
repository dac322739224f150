"""How the graph layer and the compiler scale with the size of the graph: a generated MLP
training step (tanh layers of width 4, its gradient and the SGD updates) of tens of thousands
of nodes. Per size, the median over interleaved rounds of

- build: making the graph and its gradient (T.grad);
- toposort, clone, fgraph: io_toposort, clone_get_equiv and FunctionGraph over the whole graph;
- compile: theano.function, split into graph / rewrite / link as f.profile reports them,
  and the slowest rewrite passes;

as CPU time of this process where it can be had (wall time is noisy on a shared machine; the
load average is printed) and as wall time for compile and its phases (f.profile's). This is where tests/rewrite/test_large_graph.py's timing went: the test checks the
large graph's results, the benchmark measures it.

    python bench/graph_scale.py [--layers 100,300] [--reps 5] [--device cpu] [--json out.json]
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any, Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))
from rewrite_stats import mlp_step  # noqa: E402

import theano  # noqa: E402
from theano.graph.basic import Constant, clone_get_equiv, graph_inputs, io_toposort  # noqa: E402
from theano.graph.fg import FunctionGraph  # noqa: E402

WIDTH = 4  # small matrices: the time is the graph's, not the arithmetic's


def timed(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(CPU seconds of this process, wall seconds, result) of one call."""
    c0, w0 = time.process_time(), time.perf_counter()
    out = fn()
    return time.process_time() - c0, time.perf_counter() - w0, out


def one_round(layers: int, device: str | None) -> dict[str, Any]:
    """Every measure once for an MLP step of `layers` layers."""
    cpu: dict[str, float] = {}
    cpu["build"], _, (inputs, outputs, updates) = timed(lambda: mlp_step(layers, WIDTH))
    roots = list(outputs) + [u for _, u in updates]
    cpu["toposort"], _, nodes = timed(lambda: io_toposort([], roots))
    cpu["clone"], _, _ = timed(lambda: clone_get_equiv([], roots))
    # The shared variables are inputs of the graph too (function() adds them the same way).
    fg_inputs = [v for v in graph_inputs(roots) if not isinstance(v, Constant)]
    cpu["fgraph"], _, _ = timed(lambda: FunctionGraph(fg_inputs, roots))
    kw = {"device": device} if device else {}
    cpu["compile"], compile_wall, f = timed(
        lambda: theano.function(inputs, outputs, updates=updates, profile=True, **kw))
    prof = f.profile  # its phases are wall times
    wall = {"compile": compile_wall, "graph": prof.build_s, "rewrite": prof.rewrite_s, "link": prof.link_s}
    passes = {k: v for k, v in prof.rewrite_time.items() if k.startswith("pass:")}
    return {"nodes_before": len(nodes), "nodes_after": len(f.maker.fgraph.apply_nodes),
            "cpu": cpu, "wall": wall, "passes": passes}


def _medians(dicts: list[dict[str, float]]) -> dict[str, float]:
    return {k: statistics.median(d.get(k, 0.0) for d in dicts) for k in dicts[0]}


def measure(sizes: list[int], reps: int, device: str | None) -> list[dict[str, Any]]:
    """Interleaved rounds (every size once per round); one row of medians per size."""
    rounds: dict[int, list[dict[str, Any]]] = {n: [] for n in sizes}
    for _ in range(reps):
        for n in sizes:
            rounds[n].append(one_round(n, device))
    rows = []
    for n in sizes:
        rs = rounds[n]
        rows.append({"workload": f"graph-scale-{n}", "layers": n, "nodes_before": rs[0]["nodes_before"],
                     "nodes_after": rs[0]["nodes_after"], "reps": reps,
                     "median_cpu_s": _medians([r["cpu"] for r in rs]),
                     "median_wall_s": _medians([r["wall"] for r in rs]),
                     "median_pass_wall_s": _medians([r["passes"] for r in rs])})
    return rows


def format_row(row: dict[str, Any], top: int = 4) -> str:
    """The row as a few lines of text."""
    cpu, wall = row["median_cpu_s"], row["median_wall_s"]
    lines = [f"{row['workload']:<18} {row['nodes_before']:>6} -> {row['nodes_after']:<5} nodes",
             "    cpu:  " + "  ".join(f"{k}={v:.3f}s" for k, v in cpu.items()),
             "    wall: " + "  ".join(f"{k}={v:.3f}s" for k, v in wall.items())]
    slowest = sorted(row["median_pass_wall_s"].items(), key=lambda kv: -kv[1])[:top]
    lines += [f"    pass {k[5:][:55]:<55} {v:.3f}s wall" for k, v in slowest]
    return "\n".join(lines)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--layers", default="100,300", help="comma-separated numbers of layers")
    ap.add_argument("--reps", type=int, default=5, help="interleaved rounds (the median is reported)")
    ap.add_argument("--device", default=None, help="theano device for compile (default: the configured one)")
    ap.add_argument("--json", default=None, help="write the rows as JSON here")
    args = ap.parse_args()
    sizes = [int(s) for s in args.layers.split(",")]
    print(f"# medians over {args.reps} interleaved rounds; device "
          f"{args.device or theano.config.device}; load average {os.getloadavg()[0]:.2f}", flush=True)
    rows = measure(sizes, args.reps, args.device)
    for row in rows:
        print(format_row(row), flush=True)
    print(f"# load average at the end {os.getloadavg()[0]:.2f}")
    if args.json:
        Path(args.json).parent.mkdir(parents=True, exist_ok=True)
        Path(args.json).write_text(json.dumps(rows, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
