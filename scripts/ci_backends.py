"""For every backend plugins.toml names: run the conformance suite and the project's
device-dependent tests on it where it is usable here, and say why not where it is not.
Exits non-zero on any failure.

    python scripts/ci_backends.py [--json-dir DIR] [--skip-tests] [--jobs N]

Each backend's conformance run and each non-default device's test run is one task; the
tasks run `--jobs` at a time (default: the number of CPUs), the slowest kinds first, and each
task spreads itself over `--jobs` processes (the suite's --jobs, pytest-xdist's -n), so
that no single-process run keeps one CPU busy while the others idle at the end. Each task's
output is printed whole when it ends, with its time. The test runs leave out the tests that
do not depend on the device (tests/conftest.py's --device-dependent: the main run already
ran them).
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass
from pathlib import Path

from theano_conformance.runner import REFERENCE

ROOT = Path(__file__).resolve().parent.parent


def usable_backends() -> dict[str, tuple[bool, str, list[str]]]:
    """name -> (usable, reason, devices), as the installed theano sees them."""
    from theano.backend.registry import registry

    out = {}
    for name, rec in registry.records.items():
        p = rec.probe_cached()
        out[name] = (p.usable, p.reason, p.devices)
    return out


def default_cpu() -> str:
    """The backend that device=cpu picks here: the main test run already covered it."""
    from theano.backend.registry import registry

    return registry.resolve("cpu")[0].name


@dataclass
class Task:
    """One run of the suite or of the tests; `order` says which to start first."""

    title: str
    cmd: list[str]
    env: dict[str, str]
    order: tuple[bool, int]

    def run(self) -> tuple[Task, int, str, float]:
        """Run it; its output is returned whole so that side-by-side tasks do not interleave."""
        t0 = time.monotonic()
        res = subprocess.run(self.cmd, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True)
        return self, res.returncode, res.stdout, time.monotonic() - t0


# The longest tasks start first: the tests on a compiling device (the whole test tree), then
# the suite on a compiling backend; the reference's tasks compile nothing and fill the CPUs
# at the end.
TESTS_FIRST, SUITE_NEXT = 0, 1


def conformance_task(name: str, json_dir: Path, jobs: int) -> Task:
    """The conformance suite on backend `name`, its cases over `jobs` processes."""
    return Task(f"backend {name}: conformance suite",
                [sys.executable, "-m", "theano_conformance", "--backend", name, "--jobs", str(jobs),
                 "--json", str(json_dir / f"{name}.json")],
                dict(os.environ, THEANO_FLAGS="fallback=silent"), (name == REFERENCE, SUITE_NEXT))


def tests_task(name: str, jobs: int) -> Task:
    """The project's device-dependent tests with THEANO_FLAGS=device=`name`, over `jobs`
    pytest-xdist workers."""
    return Task(f"backend {name}: the project's device-dependent tests with THEANO_FLAGS=device={name}",
                [sys.executable, "-m", "pytest", str(ROOT / "tests"), "-p", "no:cacheprovider",
                 "--device-dependent", "-n", str(jobs), "--dist", "worksteal"],
                dict(os.environ, THEANO_FLAGS=f"device={name}"), (name == REFERENCE, TESTS_FIRST))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json-dir", default=str(ROOT / "build" / "conformance"))
    ap.add_argument("--skip-tests", action="store_true", help="only the conformance suite")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="tasks side by side, and processes per task")
    args = ap.parse_args()
    manifest = tomllib.loads((ROOT / "plugins.toml").read_text())
    found = usable_backends()
    json_dir = Path(args.json_dir)
    json_dir.mkdir(parents=True, exist_ok=True)
    failed, runnable = [], []
    for name, entry in manifest["backends"].items():
        usable, reason, _ = found.get(name, (False, "not installed", []))
        if usable:
            runnable.append(name)
            continue
        print(f"== backend {name}: not usable on this machine ({reason}); CI tier "
              f"{entry.get('ci_tier')}: skipped here", flush=True)
        if entry.get("ci_tier") == "always":
            failed.append(f"{name}: must run in CI but is not usable ({reason})")

    jobs = max(1, args.jobs)
    tasks = [conformance_task(name, json_dir, jobs) for name in runnable]
    if not args.skip_tests:
        main_device = default_cpu()  # the default device's run is the main test run
        tasks += [tests_task(name, jobs) for name in runnable if name != main_device]
    tasks.sort(key=lambda t: t.order)
    print(f"== {len(tasks)} tasks, {jobs} at a time, each over {jobs} processes:\n   "
          + "\n   ".join(t.title for t in tasks), flush=True)
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        for fut in as_completed([pool.submit(t.run) for t in tasks]):
            task, rc, out, secs = fut.result()
            print(f"== {task.title} ({secs:.0f} s){': FAILED' if rc else ''}\n{out}", flush=True)
            if rc != 0:
                failed.append(task.title)
    for f in failed:
        print("FAILED:", f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
