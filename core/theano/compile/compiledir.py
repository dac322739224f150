"""The on-disk cache of compiled units, shared by the compiling backends.

An entry is a file named by a deterministic key (a SHA-256 of everything that affects the
result: source, compiler path and version, flags, platform, theano's version), written to
a temporary name then renamed, so a reader never sees half an entry and a process killed
mid-write leaves only a stray temporary file. While one process builds an entry it holds a
lock on that entry alone; others wanting the same entry wait for it, others build in
parallel.

Nothing is loaded from the cache unchecked (`cache_safety`): the compiledir, every directory
down to the entry, the entry and its sidecar must be writable by nobody but the user, and the
entry must have the size and SHA-256 recorded when it was written. An entry that fails is
never loaded: a damaged one is removed and rebuilt, an unsafe one rebuilt in a private
directory, one that fails to load rebuilt too, each with a one-line `CacheWarning`.
"""
from __future__ import annotations

import errno
import fcntl
import hashlib
import os
import platform
import re
import shutil
import stat
import sys
import tempfile
import time
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Callable, Iterator

from . import cache_safety as safety
from .cache_safety import CacheWarning, UnsafeCompiledirError
from ..config import config
from ..version import version

__all__ = ["CacheWarning", "CompileDir", "UnsafeCompiledirError", "cache_key", "default_compiledir"]

# An entry's file name is its key (64 characters) plus a suffix; anything else under the root
# belongs to someone else (PoCL's and PyOpenCL's own caches live under <root>/opencl).
_ENTRY_NAME = re.compile(r"^[0-9A-Za-z]{64}\.")
_ABSENT = "absent"
#: errors that mean "this process may not write here": the unit is built privately instead
_NOT_WRITABLE = (errno.EACCES, errno.EPERM, errno.EROFS)


def cache_key(*parts: str | bytes) -> str:
    """A deterministic key: SHA-256 over the parts, the platform and theano's version."""
    h = hashlib.sha256()
    for p in (*parts, platform.platform(), sys.version.split()[0], version):
        b = p if isinstance(p, bytes) else str(p).encode()
        h.update(len(b).to_bytes(8, "little"))
        h.update(b)
    return h.hexdigest()


def default_compiledir() -> str:
    """config.compiledir, absolute."""
    return os.path.abspath(os.path.expanduser(config.compiledir))


def unsafe_ok() -> bool:
    """config.compiledir_unsafe_ok: the user shares this cache with people they trust."""
    return bool(config.compiledir_unsafe_ok)


class _Unloadable(RuntimeError):
    """An entry that get_or_build's validator rejects."""


@dataclass
class Entry:
    key: str
    path: str
    size: int
    meta: dict


class CompileDir:
    """Entries under `root/<kind>/<key[:2]>/<key><suffix>`, each with a `.json` sidecar of
    metadata (kind, name, size, SHA-256 ...). `unsafe_ok` (default: the config flag) loads
    entries whatever their owner and mode: integrity is still checked."""

    def __init__(self, root: str | None = None, unsafe_ok: bool | None = None):
        self.root = os.path.abspath(os.path.expanduser(root)) if root else default_compiledir()
        self._unsafe_ok = unsafe_ok

    @property
    def unsafe_ok(self) -> bool:
        """Whether ownership and modes are not checked (compiledir_unsafe_ok)."""
        return unsafe_ok() if self._unsafe_ok is None else self._unsafe_ok

    def path_for(self, kind: str, key: str, suffix: str) -> str:
        return os.path.join(self.root, kind, key[:2], key + suffix)

    def check_root(self) -> None:
        """Raise UnsafeCompiledirError if another user could write the compiledir itself."""
        if not self.unsafe_ok and safety.root_problem(self.root):
            raise UnsafeCompiledirError(safety.unsafe_root_message(self.root))

    def make_dir(self, path: str) -> None:
        """Create a directory of the cache (0700; as the umask says when the cache is shared)."""
        safety.make_dirs(path, 0o777 if self.unsafe_ok else safety.DIR_MODE)

    @contextmanager
    def _lock(self, path: str) -> Iterator[None]:
        self.make_dir(os.path.dirname(path))
        try:
            fd = os.open(path + ".lock", os.O_CREAT | os.O_RDWR | os.O_NOFOLLOW,
                         0o666 if self.unsafe_ok else 0o600)
        except PermissionError:  # another user's lock in a shared cache: flock needs no write
            fd = os.open(path + ".lock", os.O_RDONLY | os.O_NOFOLLOW)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
            os.close(fd)

    def load(self, kind: str, key: str, suffix: str, build: Callable[[str], None],
             load: Callable[[str], Any] = lambda p: p, meta: dict | None = None,
             validate: Callable[[str], bool] | None = None) -> Any:
        """`load(path)` of the entry, building it with `build(tmp_path)` first when it is absent
        or damaged. Only an entry that passes the checks reaches `load`; one that is unsafe,
        damaged, or whose `load` raises is rebuilt (a `CacheWarning` says which and why). A
        freshly built entry that `validate` rejects or `load` cannot load is an error."""
        self.check_root()
        path = self.path_for(kind, key, suffix)
        if not self.unsafe_ok:
            # The directories are made first, so the check sees them all: one that another
            # user created first is refused, and once ours they stay so (nobody else can
            # write above them), so nothing can change between this check and the load.
            self.make_dir(os.path.dirname(path))
            problem = safety.chain_problem(self.root, os.path.dirname(path))
            if problem:
                return self._elsewhere(f"refused cache entry {path} ({problem})", path, kind, key,
                                       suffix, build, load, meta, validate)
            problem = safety.element_problem(path) or safety.element_problem(path + ".json")
            if problem:
                if not self._remove(path):
                    return self._elsewhere(f"refused cache entry {problem}", path, kind, key, suffix,
                                           build, load, meta, validate)
                safety.warn(f"theano: refused cache entry {problem}; removed it and rebuilt it")
        if self._damage(path) is None:
            return self._load_or_rebuild(path, kind, key, suffix, build, load, meta, validate)
        try:
            with self._lock(path):
                why = self._damage(path)
                if why is not None:  # else built by another process meanwhile
                    if why is not _ABSENT:
                        self._remove(path)
                        safety.warn(f"theano: damaged cache entry {path}: {why}; removed it and rebuilt it")
                    self._build(path, kind, build, meta, validate)
        except OSError as e:
            if e.errno not in _NOT_WRITABLE:
                raise
            # A read-only cache, or a shared one whose directory is another user's.
            return self._elsewhere(f"cache entry {path} cannot be written ({e.strerror})", path,
                                   kind, key, suffix, build, load, meta, validate)
        if why is None:
            return self._load_or_rebuild(path, kind, key, suffix, build, load, meta, validate)
        return load(path)

    def _load_or_rebuild(self, path: str, kind: str, key: str, suffix: str, build: Callable,
                         load: Callable, meta: dict | None, validate: Callable | None) -> Any:
        try:
            if validate is not None and not validate(path):
                raise _Unloadable("its validator rejects it")
            out = load(path)
        except Exception as e:  # noqa: BLE001 - whatever loading raised, rebuild, never crash
            # It may already be mapped under this name: the rebuilt unit is loaded from
            # elsewhere, and the next process rebuilds this one in place.
            self._remove(path)
            why = f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}"
            return self._elsewhere(f"cache entry {path} failed to load ({why}); removed it", path,
                                   kind, key, suffix, build, load, meta, validate)
        _touch(path)  # prune() removes the least recently used entries first
        return out

    def _elsewhere(self, what: str, path: str, kind: str, key: str, suffix: str, build: Callable,
                   load: Callable, meta: dict | None, validate: Callable | None) -> Any:
        """Build and load the unit in this process's private directory instead (`what`: the
        warning's reason)."""
        private = CompileDir(safety.private_root(), unsafe_ok=False)
        if private.root == self.root:  # already private: a fresh unit that does not load
            raise RuntimeError(f"the freshly built {kind} entry cannot be used: {what}")
        safety.warn(f"theano: {what}; rebuilt it in the private directory {private.root}")
        ppath = private.path_for(kind, key, suffix)
        with private._lock(ppath):
            if private._damage(ppath) is not None:
                private._build(ppath, kind, build, meta, validate)
        return load(ppath)

    def _damage(self, path: str) -> str | None:
        """None if the entry is intact, _ABSENT if there is none, else what is wrong with it."""
        try:
            os.lstat(path)
        except FileNotFoundError:
            return _ABSENT
        except OSError as e:
            return f"it cannot be examined ({e.strerror})"
        return safety.integrity_problem(path, safety.read_sidecar(path + ".json"))

    def _build(self, path: str, kind: str, build: Callable[[str], None], meta: dict | None,
               validate: Callable[[str], bool] | None) -> None:
        """Build into a private temporary file, record its size and checksum in the sidecar,
        then rename it into place (the sidecar first: an entry never exists without one)."""
        suffix = os.path.basename(path)[64:]
        fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=suffix, dir=os.path.dirname(path))
        os.close(fd)
        try:
            build(tmp)
            # A linker recreates its output with the umask's mode: nobody else may write it
            # (in a shared cache, everybody may read it).
            mode = stat.S_IMODE(os.lstat(tmp).st_mode)
            want = (mode | 0o444) & ~0o022 if self.unsafe_ok else mode & 0o700
            if want != mode:
                os.chmod(tmp, want)
            if validate is not None and not validate(tmp):
                raise RuntimeError(f"the freshly built {kind} entry {tmp} does not validate")
            safety.write_sidecar(path + ".json", {"kind": kind, "created": time.time(),
                                                  **safety.record_of(tmp), **(meta or {})},
                                 shared=self.unsafe_ok)
            os.replace(tmp, path)
        finally:
            if os.path.exists(tmp):
                os.unlink(tmp)

    def get_or_build(self, kind: str, key: str, suffix: str, build: Callable[[str], None],
                     validate: Callable[[str], bool] | None = None, meta: dict | None = None) -> str:
        """The path of the checked entry, building it with `build(tmp_path)` when absent,
        damaged or rejected by `validate`. A caller that loads the file should use `load`,
        which also rebuilds an entry that fails to load."""
        return self.load(kind, key, suffix, build, meta=meta, validate=validate)

    # -- maintenance (python -m theano cache) --------------------------------------------
    def entries(self) -> list[Entry]:
        """Every entry under the root (a directory where an entry should be is one, damaged)."""
        out = []
        if not os.path.isdir(self.root):
            return out
        for dirpath, dirs, files in os.walk(self.root):
            # kinds named "<x>-src" keep generated sources for debugging; they are not entries
            dirs[:] = [d for d in dirs if not d.endswith("-src")]
            for f in files + [d for d in dirs if _ENTRY_NAME.match(d)]:
                if not _ENTRY_NAME.match(f) or f.endswith((".json", ".lock", ".tmp")):
                    continue
                p = os.path.join(dirpath, f)
                meta = safety.read_sidecar(p + ".json") or {}
                key = f.split(".", 1)[0]
                try:
                    size = os.lstat(p).st_size
                except OSError:
                    size = 0
                out.append(Entry(key, p, size, meta))
            dirs[:] = [d for d in dirs if not _ENTRY_NAME.match(d)]
        return out

    def size(self) -> int:
        return sum(e.size for e in self.entries())

    def verify(self, validate: Callable[[str], bool] | None = None) -> list[str]:
        """Paths of entries that fail validation, which are removed (the next use rebuilds them):
        missing metadata, a size or checksum that no longer matches, an empty or truncated
        library, or one `validate` rejects."""
        bad = []
        for e in self.entries():
            if not self._intact(e) or (validate is not None and not validate(e.path)):
                bad.append(e.path)
                self._remove(e.path)
        return bad

    def audit(self) -> list[tuple[str, str]]:
        """(path, why) for the compiledir, each directory, entry and sidecar under it that a
        user other than you (or root) could have written: what `load` refuses."""
        found = []
        problem = safety.root_problem(self.root)
        if problem:
            found.append((self.root, problem))
        if not os.path.isdir(self.root):
            return found
        for dirpath, dirs, files in os.walk(self.root):
            names = [d for d in dirs] + [f for f in files if _ENTRY_NAME.match(f)
                                         and not f.endswith((".lock", ".tmp"))]
            for name in sorted(names):
                p = os.path.join(dirpath, name)
                try:
                    st = os.lstat(p)
                except OSError:
                    continue
                why = "is a symbolic link" if stat.S_ISLNK(st.st_mode) else safety.mode_problem(st)
                if why:
                    found.append((p, why))
        return found

    @staticmethod
    def _intact(e: Entry) -> bool:
        if not e.meta or e.size == 0:
            return False
        if "sha256" in e.meta:
            return safety.integrity_problem(e.path, e.meta) is None
        return not e.path.endswith(".so") or safety.elf_complete(e.path)

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
    def _remove(path: str) -> bool:
        """Remove an entry with its sidecar and lock (a directory in its place too); False if
        some of it could not be removed (another user's file in a shared directory)."""
        ok = True
        for p in (path, path + ".json", path + ".lock"):
            try:
                if os.path.isdir(p) and not os.path.islink(p):
                    shutil.rmtree(p)
                else:
                    os.unlink(p)
            except FileNotFoundError:
                pass
            except OSError:
                ok = False
        return ok


#: a hit refreshes an entry's mtime (prune's least-recently-used order) when it is older than
#: this: finer than any pruning needs, and a warm start writes no metadata for fresh entries
_TOUCH_AFTER_S = 3600.0


def _touch(path: str) -> None:
    try:
        if time.time() - os.stat(path).st_mtime > _TOUCH_AFTER_S:
            os.utime(path)
    except OSError:  # a read-only cache still serves hits
        pass
