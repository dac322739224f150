"""`python -m theano backends` lists the installed backends; `python -m theano flags` the config."""
from __future__ import annotations

import argparse
import sys


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m theano")
    sub = parser.add_subparsers(dest="cmd", required=True)
    sub.add_parser("backends", help="installed backends, their devices, or why they are unusable")
    sub.add_parser("flags", help="configuration flags with their values and where they came from")
    args = parser.parse_args(argv)
    import theano
    from theano.backend.registry import backends_table, registry

    if args.cmd == "backends":
        print(backends_table(registry))
        # The configured device is what an unqualified theano.function() will use; say what it
        # resolves to, or (exit status 1) the first line of why it cannot be used.
        device = theano.config.device
        try:
            rec, dev = registry.resolve(device)
        except Exception as e:  # noqa: BLE001 - report, don't crash
            print(f"configured device {device!r} is not usable: {str(e).splitlines()[0]}")
            return 1
        print(f"configured device {device!r} runs on backend {rec.name!r} (device {dev})")
        return 0
    if args.cmd == "flags":
        print(theano.config)
        return 0
    return 1


if __name__ == "__main__":
    sys.exit(main())
