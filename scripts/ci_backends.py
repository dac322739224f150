"""For every backend plugins.toml names: run the conformance suite and the project's
device-dependent tests on it where it is usable here, and say why not where it is not.
Exits non-zero on any failure.

    python scripts/ci_backends.py [--json-dir DIR] [--skip-tests] [--jobs N]

The conformance runs of the backends are independent processes, so they run side by side
(`--jobs`, default: the number of CPUs); each prints its table when it ends. The tests then
run once more per non-default device, without the tests that do not depend on the device
(tests/conftest.py's DEVICE_INDEPENDENT: the main run already ran them), spread over the
CPUs with pytest-xdist.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
import tomllib
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

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


def run_conformance(name: str, json_dir: Path) -> tuple[str, int, str, float]:
    """Run the suite on backend `name`; its output is returned whole so that side-by-side
    runs do not interleave their tables."""
    t0 = time.monotonic()
    res = subprocess.run([sys.executable, "-m", "theano_conformance", "--backend", name,
                          "--json", str(json_dir / f"{name}.json")],
                         env=dict(os.environ, THEANO_FLAGS="fallback=silent"),
                         stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    return name, res.returncode, res.stdout, time.monotonic() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json-dir", default=str(ROOT / "build" / "conformance"))
    ap.add_argument("--skip-tests", action="store_true", help="only the conformance suite")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                    help="conformance runs and test workers side by side")
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

    print(f"== conformance suite on {', '.join(runnable)} ({args.jobs} side by side)", flush=True)
    with ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        for name, rc, out, secs in pool.map(lambda n: run_conformance(n, json_dir), runnable):
            print(f"== backend {name}: conformance suite ({secs:.0f} s)\n{out}", flush=True)
            if rc != 0:
                failed.append(f"{name}: conformance suite failed")

    if not args.skip_tests:
        main_device = default_cpu()
        for name in runnable:
            if name == main_device:
                continue  # the default device's run is the main test run
            print(f"== backend {name}: the project's device-dependent tests with "
                  f"THEANO_FLAGS=device={name}", flush=True)
            t0 = time.monotonic()
            res = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "tests"), "-p", "no:cacheprovider",
                                  "--device-dependent", "-n", str(max(1, args.jobs))],
                                 env=dict(os.environ, THEANO_FLAGS=f"device={name}"))
            print(f"== backend {name}: tests took {time.monotonic() - t0:.0f} s", flush=True)
            if res.returncode != 0:
                failed.append(f"{name}: project tests failed on device={name}")
    for f in failed:
        print("FAILED:", f)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
