"""`python -m theano backends` lists the installed backends; `python -m theano flags` the config;
`python -m theano cache [list|verify|prune --max-size SIZE|clear]` looks after the compile cache."""
from __future__ import annotations

import argparse
import sys
from collections import Counter

from .backend.registry import backends_table, registry
from .compile.compiledir import CompileDir
from .config import config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m theano")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("backends", help="installed backends, their devices, or why they are unusable")
    sub.add_parser("flags", help="configuration flags with their values and where they came from")
    cache = sub.add_parser("cache", help="the compile cache: size and entries (default), verify, "
                                         "prune, clear")
    cache.add_argument("action", nargs="?", default="info", choices=("info", "list", "verify", "prune", "clear"),
                       help="info: size and entries per kind; list: every entry; verify: report paths "
                            "other users could write (exit status 1) and remove damaged entries; prune: remove least recently used entries down to --max-size; "
                            "clear: remove everything")
    cache.add_argument("--max-size", default=None, help="for prune: e.g. 500M, 2G, 1048576")
    args = parser.parse_args(argv)
    if args.cmd == "cache":
        return _cache(args, parser)
    if args.cmd == "backends":
        print(backends_table(registry))
        # The configured device is what an unqualified theano.function() will use; say what it
        # resolves to, or (exit status 1) the first line of why it cannot be used.
        device = config.device
        try:
            rec, dev = registry.resolve(device)
        except Exception as e:  # noqa: BLE001 - report, don't crash
            print(f"configured device {device!r} is not usable: {str(e).splitlines()[0]}")
            return 1
        print(f"configured device {device!r} runs on backend {rec.name!r} (device {dev})")
        return 0
    if args.cmd == "flags":
        print(config)
        return 0
    return 1


def _size(text: str) -> int:
    units = {"": 1, "K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    t = text.strip().upper().removesuffix("B")
    unit = t[-1:] if t[-1:] in units else ""
    return int(float(t[: len(t) - len(unit)]) * units[unit])


def _mb(n: int) -> str:
    return f"{n / (1 << 20):.1f} MB"


def _cache(args: argparse.Namespace, parser: argparse.ArgumentParser) -> int:
    cdir = CompileDir()
    if args.action == "prune" and args.max_size is None:
        parser.error("cache prune needs --max-size (e.g. --max-size 500M)")
    if args.action == "info":
        entries = cdir.entries()
        print(f"compile cache at {cdir.root} (config.compiledir)")
        print(f"  {len(entries)} entries, {_mb(sum(e.size for e in entries))}")
        kinds = Counter(e.meta.get("kind", "?") for e in entries)
        for kind, n in sorted(kinds.items()):
            print(f"    {kind}: {n} entries, {_mb(sum(e.size for e in entries if e.meta.get('kind', '?') == kind))}")
        print(f"  on disk in all (with kept sources and PoCL/PyOpenCL caches): {_mb(cdir.disk_usage())}")
    elif args.action == "list":
        for e in sorted(cdir.entries(), key=lambda e: e.meta.get("created", 0)):
            print(f"{e.meta.get('kind', '?'):5} {e.size:>10}  {e.key[:16]}  {e.meta.get('name', '')}")
    elif args.action == "verify":
        # Unsafe first: what another user could have written is never loaded, damaged or not.
        unsafe = cdir.audit()
        for p, why in unsafe:
            print(f"unsafe {p}: {why}; theano never loads from it (fix: chmod go-w it, or remove "
                  f"what you do not own; or use a private compiledir)")
        n = len(cdir.entries())
        bad = cdir.verify()
        for p in bad:
            print(f"removed damaged entry {p} (it is rebuilt when next needed)")
        print(f"verified {n} entries: {n - len(bad)} intact, {len(bad)} removed; "
              f"{len(unsafe)} unsafe paths" + (" (compiledir_unsafe_ok is set: they are loaded)"
                                               if unsafe and cdir.unsafe_ok else ""))
        return 1 if unsafe else 0
    elif args.action == "prune":
        limit = _size(args.max_size)
        removed = cdir.prune(limit)
        print(f"removed {removed} least recently used entries; {_mb(cdir.size())} left (limit {_mb(limit)})")
    elif args.action == "clear":
        cdir.clear()
        print(f"cleared {cdir.root}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
