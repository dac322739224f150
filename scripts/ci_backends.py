"""For every backend plugins.toml names: run the conformance suite and the project's tests on
it where it is usable here, and say why not where it is not. Exits non-zero on any failure.

    python scripts/ci_backends.py [--json-dir DIR] [--skip-tests]
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def usable_backends() -> dict[str, tuple[bool, str, list[str]]]:
    """name -> (usable, reason, devices), as the installed theano sees them."""
    import theano  # noqa: F401
    from theano.backend.registry import registry

    out = {}
    for name, rec in registry.records.items():
        p = rec.probe_cached()
        out[name] = (p.usable, p.reason, p.devices)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--json-dir", default=str(ROOT / "build" / "conformance"))
    ap.add_argument("--skip-tests", action="store_true", help="only the conformance suite")
    args = ap.parse_args()
    manifest = tomllib.loads((ROOT / "plugins.toml").read_text())
    found = usable_backends()
    Path(args.json_dir).mkdir(parents=True, exist_ok=True)
    failed = []
    for name, entry in manifest["backends"].items():
        usable, reason, devices = found.get(name, (False, "not installed", []))
        if not usable:
            print(f"== backend {name}: not usable on this machine ({reason}); CI tier "
                  f"{entry.get('ci_tier')}: skipped here", flush=True)
            if entry.get("ci_tier") == "always":
                failed.append(f"{name}: must run in CI but is not usable ({reason})")
            continue
        print(f"== backend {name}: conformance suite", flush=True)
        res = subprocess.run([sys.executable, "-m", "theano_conformance", "--backend", name,
                              "--json", str(Path(args.json_dir) / f"{name}.json")],
                             env=dict(os.environ, THEANO_FLAGS="fallback=silent"))
        if res.returncode != 0:
            failed.append(f"{name}: conformance suite failed")
        if args.skip_tests or name == _default_cpu():
            continue  # the default device's run is the main test run
        print(f"== backend {name}: the project's tests with THEANO_FLAGS=device={name}", flush=True)
        res = subprocess.run([sys.executable, "-m", "pytest", str(ROOT / "tests"), "-p", "no:cacheprovider"],
                             env=dict(os.environ, THEANO_FLAGS=f"device={name}"))
        if res.returncode != 0:
            failed.append(f"{name}: project tests failed on device={name}")
    for f in failed:
        print("FAILED:", f)
    return 1 if failed else 0


def _default_cpu() -> str:
    from theano.backend.registry import registry

    return registry.resolve("cpu")[0].name


if __name__ == "__main__":
    sys.exit(main())
