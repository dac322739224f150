"""Record every configuration flag that Theano defined, into core/theano/compat/theano_flags.json.

Run in a Python 3.8 environment with `theano==1.0.5 "numpy<1.22" "scipy<1.8"`, given a
clone of https://github.com/Theano/Theano (for the flags of the releases before 1.0):

    THEANO_FLAGS=blas.ldflags=-lopenblas python scripts/theano105/flags.py /path/to/Theano

The flags of 1.0.5 come from the running installation, with their type, default and
choices; the flags that only older releases (0.7 to 0.9, the old CUDA backend) defined are
read from the `AddConfigVar` calls of those release tags. theano.config declares all of
them, so a script written for any Theano 1.0 release never stops at `import theano`.
"""
from __future__ import annotations

import json
import os
import re
import subprocess
import sys

import theano
from theano import configparser

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "core", "theano", "compat",
                   "theano_flags.json")
OLD_TAGS = ["rel-0.7", "rel-0.8.2", "rel-0.9.0"]
# Defaults that describe the recording machine, not Theano: recorded as "".
MACHINE_DEPENDENT = {"base_compiledir", "compiledir", "gpuarray.cache_path", "cxx", "blas.ldflags",
                     "cuda.root", "cuda.include_path", "compiledir_format"}


def _kind(param) -> tuple[str, object, list | None]:
    """(type name, default, choices) of a Theano ConfigParam, as JSON values."""
    default = param.default
    try:
        default = default() if callable(default) else default
    except Exception:  # a default that probes the machine (nvcc, cuDNN) and fails here
        default = ""
    choices = list(getattr(param, "all", ())) or None
    if isinstance(param, configparser.EnumStr):
        return "enum", str(default), choices
    if isinstance(default, bool):
        return "bool", default, None
    if isinstance(default, int):
        return "int", default, None
    if isinstance(default, float):
        return "float", (default if default != float("inf") else "inf"), None
    return "str", "" if default is None else str(default), None


def current_flags() -> dict[str, dict]:
    out = {}
    for param in configparser._config_var_list:
        kind, default, choices = _kind(param)
        if param.fullname in MACHINE_DEPENDENT:
            default = ""
        out[param.fullname] = {"type": kind, "default": default, "choices": choices, "since": "1.0.5"}
    return out


def old_flags(repo: str, known: set[str]) -> dict[str, dict]:
    """Flags of older releases that 1.0.5 no longer defines (a regex over their sources)."""
    out = {}
    pattern = re.compile(r"AddConfigVar\(\s*['\"]([A-Za-z][A-Za-z0-9_.]*)['\"]")
    for tag in OLD_TAGS:
        files = subprocess.run(["git", "-C", repo, "ls-tree", "-r", "--name-only", tag, "theano"],
                               capture_output=True, text=True, check=True).stdout.split()
        for path in files:
            if not path.endswith(".py") or "/tests/" in path:
                continue
            src = subprocess.run(["git", "-C", repo, "show", f"{tag}:{path}"], capture_output=True,
                                 text=True, check=True).stdout
            for name in pattern.findall(src):
                if name not in known and name not in out:
                    out[name] = {"type": "str", "default": "", "choices": None, "since": tag,
                                 "removed": "1.0"}
    return out


def main() -> None:
    flags = current_flags()
    if len(sys.argv) > 1:
        flags.update(old_flags(sys.argv[1], set(flags)))
    data = {"theano": theano.__version__, "flags": dict(sorted(flags.items()))}
    with open(OUT, "w") as f:
        json.dump(data, f, indent=1, sort_keys=False)
        f.write("\n")
    print(f"{len(flags)} flags -> {OUT}")


if __name__ == "__main__":
    main()
