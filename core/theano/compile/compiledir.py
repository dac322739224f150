"""The on-disk cache of compiled units, shared by the compiling backends.

An entry is a file named by a deterministic key (a SHA-256 of everything that affects the
result: source, compiler path and version, flags, platform, theano's version), written to
a temporary name then renamed, so a reader never sees half an entry and a process killed
mid-write leaves only a stray temporary file. While one process builds an entry it holds a
lock on that entry alone; others wanting the same entry wait for it, others build in
parallel. A corrupt entry (one its validator rejects) is rebuilt, never fatal.
"""
from __future__ import annotations

import fcntl
import hashlib
import json
import os
import platform
import re
import shutil
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Callable, Iterator

__all__ = ["CompileDir", "cache_key", "default_compiledir"]

# An entry's file name is its key (64 characters) plus a suffix; anything else under the root
# belongs to someone else (PoCL's and PyOpenCL's own caches live under <root>/opencl).
_ENTRY_NAME = re.compile(r"^[0-9A-Za-z]{64}\.")


def _sha256(path: str) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def cache_key(*parts: str | bytes) -> str:
    """A deterministic key: SHA-256 over the parts, the platform and theano's version."""
    from .. import __version__

    h = hashlib.sha256()
    for p in (*parts, platform.platform(), sys.version.split()[0], __version__):
        b = p if isinstance(p, bytes) else str(p).encode()
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def default_compiledir() -> str:
    from ..config import config

    return config.compiledir


@dataclass
class Entry:
    key: str
    path: str
    size: int
    meta: dict


class CompileDir:
    """Entries under `root/<kind>/<key[:2]>/<key><suffix>`, each with a `.json` of metadata."""

    def __init__(self, root: str | None = None):
        self.root = root or default_compiledir()

    def path_for(self, kind: str, key: str, suffix: str) -> str:
        return os.path.join(self.root, kind, key[:2], key + suffix)

    @contextmanager
    def _lock(self, path: str) -> Iterator[None]:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        fd = os.open(path + ".lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def get_or_build(self, kind: str, key: str, suffix: str, build: Callable[[str], None],
                     validate: Callable[[str], bool] = os.path.exists, meta: dict | None = None) -> str:
        """The path of the entry, building it with `build(tmp_path)` when absent or invalid."""
        path = self.path_for(kind, key, suffix)
        if os.path.exists(path) and validate(path):
            _touch(path)  # prune() removes the least recently used entries first
            return path
        with self._lock(path):
            if os.path.exists(path) and validate(path):  # built by another process meanwhile
                return path
            fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=os.path.dirname(path))
            os.close(fd)
            try:
                build(tmp)
                if not validate(tmp):
                    raise RuntimeError(f"the freshly built {kind} entry {tmp} does not validate")
                # The checksum lets `python -m theano cache verify` find an entry damaged later.
                with open(path + ".json.tmp", "w") as f:
                    json.dump({"kind": kind, "created": time.time(), "sha256": _sha256(tmp),
                               **(meta or {})}, f)
                os.replace(path + ".json.tmp", path + ".json")
                os.replace(tmp, path)
            finally:
                if os.path.exists(tmp):
                    os.unlink(tmp)
        return path

    # -- maintenance (python -m theano cache) --------------------------------------------
    def entries(self) -> list[Entry]:
        out = []
        if not os.path.isdir(self.root):
            return out
        for dirpath, dirs, files in os.walk(self.root):
            # kinds named "<x>-src" keep generated sources for debugging; they are not entries
            dirs[:] = [d for d in dirs if not d.endswith("-src")]
            for f in files:
                if not _ENTRY_NAME.match(f) or f.endswith((".json", ".lock", ".tmp")):
                    continue
                p = os.path.join(dirpath, f)
                meta = {}
                try:
                    with open(p + ".json") as fh:
                        meta = json.load(fh)
                except (OSError, ValueError):
                    pass
                key = f.split(".", 1)[0]
                out.append(Entry(key, p, os.path.getsize(p), meta))
        return out

    def size(self) -> int:
        return sum(e.size for e in self.entries())

    def verify(self, validate: Callable[[str], bool] | None = None) -> list[str]:
        """Paths of entries that fail validation, which are removed (the next use rebuilds them):
        missing metadata, a checksum that no longer matches, an empty or truncated library, or
        one `validate` rejects."""
        bad = []
        for e in self.entries():
            if not self._intact(e) or (validate is not None and not validate(e.path)):
                bad.append(e.path)
                self._remove(e.path)
        return bad

    @staticmethod
    def _intact(e: Entry) -> bool:
        if not e.meta or e.size == 0:
            return False
        if "sha256" in e.meta:
            return _sha256(e.path) == e.meta["sha256"]
        return not e.path.endswith(".so") or _elf_complete(e.path)

    def disk_usage(self) -> int:
        """Bytes of everything under the root: entries, kept sources, PoCL's and PyOpenCL's caches."""
        total = 0
        for dirpath, _, files in os.walk(self.root):
            for f in files:
                try:
                    total += os.path.getsize(os.path.join(dirpath, f))
                except OSError:
                    pass
        return total

    def prune(self, max_bytes: int) -> int:
        """Remove least recently used entries until the cache holds at most max_bytes."""
        entries = sorted(self.entries(), key=lambda e: os.path.getmtime(e.path))  # hits touch it
        total = sum(e.size for e in entries)
        removed = 0
        for e in entries:
            if total <= max_bytes:
                break
            self._remove(e.path)
            total -= e.size
            removed += 1
        return removed

    def clear(self) -> None:
        if os.path.isdir(self.root):
            shutil.rmtree(self.root)

    @staticmethod
    def _remove(path: str) -> None:
        for p in (path, path + ".json", path + ".lock"):
            try:
                os.unlink(p)
            except FileNotFoundError:
                pass


def _touch(path: str) -> None:
    try:
        os.utime(path)
    except OSError:  # a read-only cache still serves hits
        pass


def _elf_complete(path: str) -> bool:
    """An ELF file whose section header table (written last by the linker) is all there: a
    library truncated by a killed process or a full disk is not."""
    import struct

    try:
        with open(path, "rb") as f:
            head = f.read(64)
        size = os.path.getsize(path)
    except OSError:
        return False
    if len(head) < 64 or head[:4] != b"\x7fELF":
        return False
    if head[4] != 2:  # the header layout read below is ELF64's; a 32-bit library is not checked
        return True
    order = "<" if head[5] == 1 else ">"
    (shoff,) = struct.unpack_from(order + "Q", head, 0x28)
    shentsize, shnum = struct.unpack_from(order + "HH", head, 0x3A)
    return size >= shoff + shentsize * shnum
