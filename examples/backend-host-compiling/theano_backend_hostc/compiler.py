"""The system C compiler, and the compile cache: every library this backend builds is an
entry of theano's compiledir (kind `hostc`), so `python -m theano cache` lists, verifies and
prunes it, and nothing is loaded that another user could have written (CompileDir.load)."""
from __future__ import annotations

import ctypes
import functools
import os
import shutil
import subprocess

from theano.compile.compiledir import CompileDir, cache_key

KIND = "hostc"
# -fwrapv: integers wrap as NumPy's do; -ffp-contract=off: no fused multiply-add, so every
# operation rounds as NumPy's separate operations do.
FLAGS = ("-O2", "-fPIC", "-shared", "-fwrapv", "-ffp-contract=off")


class CompileError(RuntimeError):
    """The C compiler rejected a rendered kernel."""


@functools.cache
def find_compiler() -> str | None:
    """The compiler's path: $CC, else cc, gcc or clang on PATH; None if there is none."""
    for name in (os.environ.get("CC"), "cc", "gcc", "clang"):
        path = shutil.which(name) if name else None
        if path:
            return path
    return None


@functools.cache
def compiler_version(path: str) -> str:
    """The compiler's own description of itself: part of every cache key."""
    return subprocess.run([path, "--version"], capture_output=True, text=True).stdout.strip()


def load_library(source: str, name: str) -> ctypes.CDLL:
    """`source` compiled into a shared library and loaded, built at most once per content
    (the key covers the source, the compiler and the flags)."""
    cc = find_compiler()
    if cc is None:
        raise CompileError("no C compiler found: install gcc or set CC")
    key = cache_key(source, cc, compiler_version(cc), " ".join(FLAGS))
    cdir = CompileDir()

    def build(tmp_out: str) -> None:
        # The source is kept beside the cache (a "-src" kind: not an entry) for debugging.
        src = cdir.path_for(KIND + "-src", key, ".c")
        cdir.make_dir(os.path.dirname(src))
        with open(os.open(src, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600), "w") as f:
            f.write(source)
        res = subprocess.run([cc, *FLAGS, src, "-o", tmp_out, "-lm"], capture_output=True, text=True)
        if res.returncode != 0:
            raise CompileError(f"compiling {name} failed (source kept at {src}):\n{res.stderr[-4000:]}")

    return cdir.load(KIND, key, ".so", build, ctypes.CDLL, {"name": name})
