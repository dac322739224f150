"""A program built against only the OpenCL builtin declarations it names (PoCL).

PoCL parses clang's `opencl-c.h` (895 KB, about 14,500 declarations of builtin functions)
before every program it builds, and once more to hash the preprocessed text before it looks in
its own cache: about 0.12 of the 0.14 CPU s a small program costs, and a first run of the tests
builds about 1,700 programs. So a program on PoCL carries its own copy of that header, less
the declarations of the functions it never names, and the build defines the header's include
guard (`_OPENCL_H_`) so that PoCL's copy reads as empty. What stays is the header as written:
every preprocessor line (its conditionals, macros and pragmas) and every declaration of every
function the program names, all overloads of a name together and in their place. Overload
resolution, attributes and the library functions a call binds to are therefore those of the
whole header; a name the program uses that the copy lacks could only be an undeclared
function, which OpenCL C rejects at build time (the runtime then builds the program with the
whole header; see `Runtime._build_program`).

The header is the one PoCL reads: `<share>/pocl/include/opencl-c.h` beside the library the
ICD loader opened. Where it is not found, or a probe build with it fails (another PoCL, whose
headers are laid out otherwise), programs get the whole header as before.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["GUARD_OPTION", "LeanHeader", "header_path", "load"]

#: the build option that empties the driver's own copy of the header (its include guard)
GUARD_OPTION = "-D_OPENCL_H_"
_GUARD = ("#ifndef _OPENCL_H_", "#define _OPENCL_H_")
# PoCL includes opencl-c-base.h itself before opencl-c.h (it has its own guard); the program's
# copy cannot name it by a relative path, so the line goes.
_DROP = re.compile(r'#\s*include\s+"opencl-c-base\.h"')
_COMMENT = re.compile(r"/\*.*?\*/|//[^\n]*", re.S)
_IDENT = re.compile(r"[A-Za-z_]\w*")
_CALLED = re.compile(r"([A-Za-z_]\w*)\s*\(")


def _name_of(decl: str) -> str | None:
    """The function a declaration declares (the identifier before its parameter list, after
    any `__attribute__((...))`), or None for anything else."""
    text = decl
    while True:
        i = text.find("__attribute__")
        if i < 0:
            break
        j = text.find("(", i)
        depth, k = 0, j
        for k in range(j, len(text)):
            depth += {"(": 1, ")": -1}.get(text[k], 0)
            if depth == 0:
                break
        text = text[:i] + " " + text[k + 1:]
    m = _CALLED.search(text)
    return m.group(1) if m else None


@dataclass(frozen=True)
class LeanHeader:
    """opencl-c.h cut into pieces: `chunks` in the header's order, `always` the indexes of
    the pieces every program keeps (preprocessor lines, declarations of no function), `by_name`
    each function's declarations."""

    chunks: tuple[str, ...]
    always: frozenset[int]
    by_name: dict[str, tuple[int, ...]]

    def for_source(self, source: str) -> str:
        """The header for a program whose text is `source`: every function it names keeps
        all its declarations, the others none."""
        keep = set(self.always)
        for name in set(_IDENT.findall(source)):
            idx = self.by_name.get(name)
            if idx:
                keep.update(idx)
        return "".join(self.chunks[i] for i in sorted(keep))


def parse(text: str) -> LeanHeader:
    """Cut the header `text` into preprocessor lines and declarations (comments dropped), and
    take off its outer include guard."""
    # Lines are spliced before comments end, as in C: a `// ...\` comment goes on.
    text = _COMMENT.sub("", text.replace("\\\n", " "))
    chunks: list[str] = []
    always: set[int] = set()
    by_name: dict[str, list[int]] = {}
    pending: list[str] = []   # the lines of a declaration not yet ended by ';'
    for line in text.splitlines():
        stripped = line.strip()
        if not stripped:
            continue
        if stripped.startswith("#") and not pending:
            if not _DROP.match(stripped):
                always.add(len(chunks))
                chunks.append(line + "\n")
            continue
        pending.append(line)
        if not stripped.endswith(";"):
            continue
        decl = "\n".join(pending) + "\n"
        pending = []
        name = _name_of(decl)
        if name is None:
            always.add(len(chunks))
        else:
            by_name.setdefault(name, []).append(len(chunks))
        chunks.append(decl)
    if pending:
        raise ValueError("opencl-c.h ends inside a declaration")
    # the outer guard: the first two lines and the last #endif
    guard = [i for i in sorted(always)[:2] if chunks[i].strip() in _GUARD]
    last = max(always, default=-1)
    if len(guard) != 2 or not chunks[last].strip().startswith("#endif"):
        raise ValueError("opencl-c.h does not start with its include guard")
    always -= {*guard, last}
    return LeanHeader(tuple(chunks), frozenset(always),
                      {k: tuple(v) for k, v in by_name.items()})


def header_path(maps: str = "/proc/self/maps") -> str | None:
    """PoCL's opencl-c.h: `../../share/pocl/include` from the libpocl this process loaded (how
    PoCL finds it), else the usual install prefixes."""
    candidates = []
    try:
        with open(maps) as f:
            for line in f:
                path = line.rstrip("\n").split(" ", 5)[-1].strip()
                if os.path.basename(path).startswith("libpocl.so"):
                    candidates.append(os.path.join(os.path.dirname(path), "..", "..", "share", "pocl"))
    except OSError:
        pass
    candidates += ["/usr/share/pocl", "/usr/local/share/pocl"]
    for base in candidates:
        path = os.path.normpath(os.path.join(base, "include", "opencl-c.h"))
        if os.path.isfile(path):
            return path
    return None


@lru_cache(maxsize=None)
def load(path: str) -> LeanHeader:
    """The parsed header at `path` (once per process)."""
    with open(path, encoding="utf-8", errors="replace") as f:
        return parse(f.read())
