"""Looking inside the runs of a compiled function: what compiling and each node cost
(ProfileStats, `f.profile`) and the intermediate values of one call (Trace, `f.trace()`)."""
from __future__ import annotations

import time
from typing import Any

__all__ = ["ProfileStats", "Trace", "timed"]


def timed(fn: Any, stats: "ProfileStats") -> Any:
    """`fn` counting its calls and their time into `stats`."""

    def run(*values: Any) -> Any:
        t0 = time.perf_counter()
        try:
            return fn(*values)
        finally:
            stats.calls += 1
            stats.call_s += time.perf_counter() - t0

    return run


class Trace(list):
    """Intermediate values of one call: a list of (variable, value)."""

    def __str__(self) -> str:
        lines = []
        for v, val in self:
            op = v.owner.op if v.owner is not None else "input"
            lines.append(f"{str(v):<40} {str(op):<36} {val.dtype}{tuple(val.shape)}")
        return "\n".join(lines)


class ProfileStats:
    """What compiling and running a function cost: `f.profile` when built with profile=True
    (or config.profile). `summary()` is the report; node_seconds[k] is the time spent in the
    k-th node of the run order over all calls."""

    def __init__(self, maker: "FunctionMaker", build_s: float, rewrite_s: float, link_s: float):
        self.build_s, self.rewrite_s, self.link_s = build_s, rewrite_s, link_s
        self.rewrites = dict(maker.rewrite_stats.fired)
        self.rewrite_time = dict(maker.rewrite_stats.time)
        self.nodes = maker.fgraph.toposort()
        self.runners = maker.linked.runners
        self.node_seconds = [0.0] * len(self.nodes)
        self.calls = 0
        self.call_s = 0.0

    def __getitem__(self, key: str) -> Any:  # the dict-style access earlier code used
        return {"build_s": self.build_s, "rewrite_s": self.rewrite_s, "link_s": self.link_s,
                "rewrites": self.rewrites, "rewrite_time": self.rewrite_time}[key]

    def summary(self, top: int = 20) -> str:
        """A short report: compile phases, the slowest rewrite passes, and time per node."""
        lines = [f"compile: graph {self.build_s * 1e3:.1f} ms, rewriting {self.rewrite_s * 1e3:.1f} ms, "
                 f"linking {self.link_s * 1e3:.1f} ms",
                 f"run: {self.calls} call(s), {self.call_s * 1e3:.3f} ms in all "
                 f"({sum(self.node_seconds) * 1e3:.3f} ms inside nodes)"]
        passes = sorted(((t, n) for n, t in self.rewrite_time.items() if n.startswith("pass:")), reverse=True)
        for t, n in passes[:5]:
            lines.append(f"  rewrite {n[5:]:<50} {t * 1e3:9.2f} ms")
        total = sum(self.node_seconds) or 1.0
        order = sorted(range(len(self.nodes)), key=lambda k: -self.node_seconds[k])
        lines.append(f"  {'%':>6} {'ms':>10}  node (runner)")
        for k in order[:top]:
            n = self.nodes[k]
            lines.append(f"  {100 * self.node_seconds[k] / total:6.1f} {self.node_seconds[k] * 1e3:10.3f}  "
                         f"{k}: {n.op} ({self.runners.get(n, '?')})")
        return "\n".join(lines)

    def __str__(self) -> str:
        return self.summary()
