"""What makes a compile-cache entry safe to load: nobody else could have written it, and it is
the file that was written.

Two independent checks, shared by every backend that keeps compiled code on disk:

* **Ownership and modes (StrictModes).** Loading a library runs its code in this process, so
  an entry is loaded only if it, its sidecar and every directory from the cache root down to
  it are owned by the current user (or root) and not writable by group or others; a directory
  writable by others is accepted when it has the sticky bit (others can then add names to it
  but not rename or remove ours, which the owner check below it covers). This is what stops
  another local user from planting code: a checksum cannot, since whoever can write an entry
  can rewrite its checksum too.
* **Integrity.** When an entry is written its size and SHA-256 are recorded in its sidecar
  (written to a temporary name and renamed, before the entry itself is renamed into place);
  before it is loaded both are checked. A truncated, overwritten or replaced file is never
  mapped: mapping a library cut short kills the process with SIGBUS before Python could
  raise anything.

Directories this module creates are 0700; entries are written 0600 (libraries 0700).
"""
from __future__ import annotations

import atexit
import hashlib
import json
import os
import pwd
import shutil
import stat
import tempfile
import threading
import warnings

__all__ = ["CacheWarning", "UnsafeCompiledirError", "chain_problem", "integrity_problem",
           "make_dirs", "mode_problem", "private_root", "record_of", "root_problem", "safe_subdir",
           "unsafe_root_message", "write_sidecar"]

#: the mode of every directory theano creates in its cache
DIR_MODE = 0o700
_WRITABLE_BY_OTHERS = stat.S_IWGRP | stat.S_IWOTH


class CacheWarning(UserWarning):
    """A cache entry was refused (unsafe), found damaged, or failed to load, and was rebuilt."""


class UnsafeCompiledirError(RuntimeError):
    """The compiledir itself could be written by another user; nothing is loaded from it."""


def warn(msg: str) -> None:
    """One line on stderr (Python's warnings machinery, so filters and pytest see it)."""
    warnings.warn(msg, CacheWarning, stacklevel=4)


def _owner(uid: int) -> str:
    try:
        return f"{pwd.getpwuid(uid).pw_name} (uid {uid})"
    except KeyError:
        return f"uid {uid}"


def _trusted_uid(uid: int) -> bool:
    return uid == os.geteuid() or uid == 0


def mode_problem(st: os.stat_result) -> str | None:
    """Why an element with this status could be changed by someone else, or None."""
    if not _trusted_uid(st.st_uid):
        return f"is owned by {_owner(st.st_uid)}, not by you or root"
    if st.st_mode & _WRITABLE_BY_OTHERS:
        if stat.S_ISDIR(st.st_mode) and st.st_mode & stat.S_ISVTX:
            return None  # sticky: others may add names, never replace ours (checked below it)
        who = "group and others" if (st.st_mode & _WRITABLE_BY_OTHERS) == _WRITABLE_BY_OTHERS else (
            "its group" if st.st_mode & stat.S_IWGRP else "others")
        return f"is writable by {who} (mode {stat.S_IMODE(st.st_mode):04o})"
    return None


def root_problem(root: str) -> str | None:
    """Why the cache root could be written by another user (None: it is safe or absent)."""
    try:
        st = os.stat(root)  # the root may be reached through a symbolic link the user made
    except FileNotFoundError:
        return None
    if not stat.S_ISDIR(st.st_mode):
        return "is not a directory"
    return mode_problem(st)


def unsafe_root_message(root: str) -> str:
    """The error for an unsafe compiledir: path, owner, mode and what to do."""
    st = os.stat(root)
    mode = stat.S_IMODE(st.st_mode)
    return (f"refusing to load compiled code from compiledir {root}: it {root_problem(root)} "
            f"(owner {_owner(st.st_uid)}, mode {mode:04o}), so another user could put code there "
            f"that theano would run as you. Fix: make it private (chmod 700 {root}, as its owner), "
            f"or use a private directory (THEANO_FLAGS=compiledir=~/.cache/theano); to share a "
            f"cache with people you trust, set compiledir_unsafe_ok=True (docs/cache.md)")


_private_lock = threading.Lock()


def chain_problem(root: str, path: str, leaf: bool = True) -> str | None:
    """'<element>: <why>' for the first element from `root` down to `path` (the root, each
    directory below it, and `path` itself when `leaf` and it exists) that someone else could
    have written, or None when all are safe. Elements below the root must not be symbolic
    links: one could point anywhere."""
    root = os.path.abspath(root)
    path = os.path.abspath(path)
    rel = os.path.relpath(path, root)
    if rel.startswith(os.pardir):
        return f"{path}: is not under the cache root {root}"
    parts = [] if rel == os.curdir else rel.split(os.sep)
    dirs = [root] + [os.path.join(root, *parts[:k]) for k in range(1, len(parts))]
    if not parts:
        dirs = [root] if leaf else []
    for k, d in enumerate(dirs):
        try:
            st = os.stat(d) if k == 0 else os.lstat(d)
        except FileNotFoundError:
            return None  # nothing below can exist yet: what we create is ours
        except OSError as e:
            return f"{d}: cannot be examined ({e.strerror})"
        why = ("is a symbolic link" if stat.S_ISLNK(st.st_mode) else
               "is not a directory" if not stat.S_ISDIR(st.st_mode) else mode_problem(st))
        if why:
            return f"{d}: {why}"
    if leaf and parts:
        try:
            st = os.lstat(path)
        except FileNotFoundError:
            return None
        except OSError as e:
            return f"{path}: cannot be examined ({e.strerror})"
        why = "is a symbolic link" if stat.S_ISLNK(st.st_mode) else mode_problem(st)
        if why:
            return f"{path}: {why}"
    return None


def make_dirs(root: str, path: str, mode: int = DIR_MODE) -> None:
    """Create `path` (a directory under `root`, or the root) and the missing ones above it
    down from the root, each with `mode` (os.makedirs gives only the last one its mode)."""
    root = os.path.abspath(root)
    path = os.path.abspath(path)
    todo = []
    d = path
    while not os.path.isdir(d):
        todo.append(d)
        parent = os.path.dirname(d)
        if parent == d:
            break
        d = parent
    for d in reversed(todo):
        try:
            os.mkdir(d, mode)
        except (FileExistsError, NotADirectoryError):
            return  # something else is in the way: the check that follows names it


# -- integrity ------------------------------------------------------------------------------
def _sha256_fd(fd: int) -> str:
    h = hashlib.sha256()
    while True:
        block = os.read(fd, 1 << 20)
        if not block:
            return h.hexdigest()
        h.update(block)


def record_of(path: str) -> dict:
    """The size and SHA-256 of a freshly built file, as its sidecar records them."""
    fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW)
    try:
        return {"size": os.fstat(fd).st_size, "sha256": _sha256_fd(fd)}
    finally:
        os.close(fd)


def write_sidecar(sidecar: str, meta: dict, shared: bool = False) -> None:
    """Write the sidecar JSON atomically (a private temporary file renamed into place;
    readable by everybody in a `shared` cache)."""
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".json", dir=os.path.dirname(sidecar))
    try:
        if shared:
            os.fchmod(fd, 0o644)
        with os.fdopen(fd, "w") as f:
            json.dump(meta, f)
        os.replace(tmp, sidecar)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def read_sidecar(sidecar: str) -> dict | None:
    """The sidecar's metadata, or None if it is missing or unreadable (the entry is then not
    trusted). Opened without following links and without blocking on a FIFO."""
    try:
        fd = os.open(sidecar, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            meta = json.loads(f.read(1 << 20))
        return meta if isinstance(meta, dict) else None
    except (OSError, ValueError):
        return None
    finally:
        os.close(fd)


def integrity_problem(path: str, meta: dict | None) -> str | None:
    """Why the file at `path` is not the one its sidecar `meta` describes, or None if it is
    (same size, same SHA-256). Nothing is mapped: a damaged file is only read."""
    if not meta or "sha256" not in meta:
        return "no checksum is recorded for it"
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except FileNotFoundError:
        return "it is missing"
    except OSError as e:
        return f"it cannot be read ({e.strerror})"
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            kind = "a directory" if stat.S_ISDIR(st.st_mode) else "not a regular file"
            return f"it is {kind}"
        if "size" in meta and st.st_size != meta["size"]:
            return f"it has {st.st_size} bytes where {meta['size']} were written"
        try:
            digest = _sha256_fd(fd)
        except OSError as e:
            return f"it cannot be read ({e.strerror})"
        if digest != meta["sha256"]:
            return "its checksum differs from the one recorded when it was written"
        return None
    finally:
        os.close(fd)


# -- a private place for what cannot be cached safely -------------------------------------------
_private: list[str] = []


def private_root() -> str:
    """A directory only this process uses (0700 under the system's temporary directory),
    removed at exit: where units refused from the cache are rebuilt. A library loaded from
    it stays mapped after its file is removed."""
    with _private_lock:
        if not _private:
            d = tempfile.mkdtemp(prefix="theano-private-")
            _private.append(d)
            atexit.register(shutil.rmtree, d, True)
    return _private[0]


def safe_subdir(root: str, *parts: str, unsafe_ok: bool = False) -> str:
    """`root/parts...`, created 0700, for a tool's own cache that theano cannot check entry by
    entry (PoCL's, CuPy's): used only when it and every directory from `root` down are safe;
    otherwise a fresh private directory, with a warning naming the refused path."""
    path = os.path.join(root, *parts)
    if unsafe_ok:
        os.makedirs(path, exist_ok=True)
        return path
    problem = root_problem(root)
    if problem:
        problem = f"{root}: {problem}"
    else:
        try:
            make_dirs(root, path)
        except OSError as e:
            problem = f"{path}: cannot be created ({e.strerror})"
        else:
            problem = chain_problem(root, path)
    if problem is None:
        return path
    alt = os.path.join(private_root(), *parts)
    os.makedirs(alt, exist_ok=True)
    warn(f"theano: refused the cache directory {problem}; using the private directory {alt} "
         f"for this process")
    return alt
