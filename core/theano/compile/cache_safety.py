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
import struct
import tempfile
import threading
import warnings

__all__ = ["CacheWarning", "UnsafeCompiledirError", "chain_problem", "elf_complete",
           "element_problem", "guard_tool_cache", "integrity_problem", "make_dirs", "mode_problem",
           "private_root", "read_sidecar", "record_of", "root_problem", "safe_subdir",
           "unsafe_root_message", "warn", "write_sidecar"]

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
    why = (root_problem(root) or "").split(" (mode ")[0]
    return (f"refusing to load compiled code from compiledir {root} (owner {_owner(st.st_uid)}, "
            f"mode {mode:04o}): it {why}, so another user could put code there "
            f"that theano would run as you. Fix: make it private (chmod 700 {root}, as its owner), "
            f"or use a private directory (THEANO_FLAGS=compiledir=~/.cache/theano); to share a "
            f"cache with people you trust, set compiledir_unsafe_ok=True (docs/cache.md)")


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
    return element_problem(path) if leaf and parts else None


def element_problem(path: str) -> str | None:
    """'<path>: <why>' if `path` (not followed if a link) could have been written by someone
    else, else None (also when it does not exist). Whether its directories are safe is
    `chain_problem`'s question."""
    try:
        st = os.lstat(path)
    except FileNotFoundError:
        return None
    except OSError as e:
        return f"{path}: cannot be examined ({e.strerror})"
    why = "is a symbolic link" if stat.S_ISLNK(st.st_mode) else mode_problem(st)
    return f"{path}: {why}" if why else None


def make_dirs(path: str, mode: int = DIR_MODE) -> None:
    """Create the directory `path` and the missing ones above it, each with `mode`
    (os.makedirs gives only the last one its mode)."""
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
        except FileExistsError:
            if not os.path.isdir(d):
                return  # a file is in the way: the check that follows names it
            # else another process made it a moment ago: go on with the ones below it
        except NotADirectoryError:
            return  # a file is in the way above it: the check that follows names it


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
            f.write(json.dumps(meta))  # one string: json.dump would use the pure-Python encoder
        os.replace(tmp, sidecar)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


#: the most of an entry's sidecar that is read (a few hundred bytes when whole)
SIDECAR_LIMIT = 1 << 20


def read_sidecar(sidecar: str, limit: int | None = SIDECAR_LIMIT) -> dict | None:
    """The sidecar's metadata, or None if it is missing or unreadable (the entry is then not
    trusted). Opened without following links and without blocking on a FIFO. At most `limit`
    bytes are read (None: all of it, for a record that grows with the cache it describes)."""
    try:
        fd = os.open(sidecar, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            return None
        with os.fdopen(fd, "rb", closefd=False) as f:
            meta = json.loads(f.read() if limit is None else f.read(limit))
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
_private: dict[int, str] = {}  # pid -> its private directory (a forked child makes its own)
_private_lock = threading.Lock()


def private_root() -> str:
    """A directory only this process uses (0700 under the system's temporary directory),
    removed at exit: where units refused from the cache are rebuilt. A library loaded from
    it stays mapped after its file is removed."""
    pid = os.getpid()
    with _private_lock:
        d = _private.get(pid)
        if d is None:
            d = _private[pid] = tempfile.mkdtemp(prefix="theano-private-")
            atexit.register(_remove_private, pid, d)
    return d


def _remove_private(pid: int, d: str) -> None:
    if os.getpid() == pid:  # not a forked child's exit: the directory is its parent's
        shutil.rmtree(d, True)


def safe_subdir(root: str, *parts: str, unsafe_ok: bool = False) -> str:
    """`root/parts...`, created 0700, for a tool's own cache that theano cannot check entry by
    entry (PoCL's): used only when it and every directory from `root` down are safe;
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
            make_dirs(path)
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


# -- a cache another tool writes (PoCL's) ------------------------------------------------------
#: where guard_tool_cache keeps what it has seen, inside the tool's cache directory
MANIFEST = "theano-manifest.json"
# Files a tool rewrites as it goes or has not finished, not recorded: PoCL's access stamps, its
# temporaries (renamed into place when complete), and a program's build.log, text nothing
# loads, to which each process that builds the program at the same time appends its log.
_VOLATILE = ("tempfile_", "last_accessed", "build.log", MANIFEST)
_guarded: set[str] = set()


def _fingerprint(st: os.stat_result) -> list[int]:
    # Any write through the file system changes the ctime, which nobody can set back.
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def _judge(full: str, st: os.stat_result, rec: list | None) -> tuple[str | None, list | None]:
    """(what is wrong with a tool's cache file, its new record). The tool writes a file under
    a temporary name and renames it into place, so a file changed where it lies (same inode)
    is damaged; one replaced by a new file was rewritten by the tool (another process built
    the same program), unless it is empty or a library cut short."""
    fp = _fingerprint(st)
    if rec and rec[:4] == fp:
        return None, rec
    try:
        fd = os.open(full, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        try:
            digest = _sha256_fd(fd)
        finally:
            os.close(fd)
    except OSError as e:
        return f"cannot be read ({e.strerror})", None
    if rec and rec[4] != digest and rec[3] == st.st_ino:
        return f"changed after it was written ({rec[0]} bytes, now {st.st_size})", None
    if st.st_size == 0 or (full.endswith(".so") and not elf_complete(full)):
        return "is empty or cut short", None
    return None, fp + [digest]


def _scan(path: str, unit_depth: int, manifest: dict, check_modes: bool) -> tuple[dict, dict, str | None]:
    """(records, {unit: why} of the units to remove, why the cache cannot be used at all).

    Every process that uses the tool runs this at start and at exit over the whole cache, so
    it walks with `os.scandir` (one lstat per name, relative paths built by concatenation):
    `os.walk` with `relpath` per directory cost 0.6 s per pass over a 6000-file PoCL cache."""
    seen: dict[str, list] = {}
    bad: dict[str, str] = {}
    pending = [(path, "", 0)]  # (directory, its path relative to `path` + os.sep or "", depth)
    while pending:
        dirpath, prefix, depth = pending.pop()
        try:
            entries = list(os.scandir(dirpath))
        except FileNotFoundError:
            continue  # removed by the tool meanwhile
        except OSError as e:
            if depth < unit_depth:
                return seen, bad, f"{dirpath} cannot be read ({e.strerror})"
            unit = os.sep.join(prefix.split(os.sep)[:unit_depth])
            bad.setdefault(unit, f"{prefix.rstrip(os.sep)} cannot be read ({e.strerror})")
            continue
        level = depth + 1  # how many parts the names of this directory's entries have
        for entry in entries:
            name = entry.name
            if name.startswith(_VOLATILE):
                continue
            rel = prefix + name
            try:
                st = entry.stat(follow_symlinks=False)
            except FileNotFoundError:
                continue
            is_dir = stat.S_ISDIR(st.st_mode)
            if level < unit_depth:  # above the units: only who may write matters
                why = mode_problem(st) if check_modes else None
                if why:
                    return seen, bad, f"{entry.path} {why}"
                if is_dir:
                    pending.append((entry.path, rel + os.sep, level))
                continue
            unit = rel if level == unit_depth else os.sep.join(rel.split(os.sep, unit_depth)[:unit_depth])
            why = None
            if is_dir:
                if rel in manifest:
                    why = "is a directory where a file was"
                else:
                    pending.append((entry.path, rel + os.sep, level))
            elif not stat.S_ISREG(st.st_mode):
                why = "is not a regular file"
            else:
                why, rec = _judge(entry.path, st, manifest.get(rel))
                if rec is not None:
                    seen[rel] = rec
            if why is None and check_modes:
                why = "is a symbolic link" if stat.S_ISLNK(st.st_mode) else mode_problem(st)
            if why and unit not in bad:
                bad[unit] = f"{rel} {why}"
    for rel in manifest:
        unit = os.sep.join(rel.split(os.sep)[:unit_depth])
        if rel not in seen and unit not in bad and not os.path.lexists(os.path.join(path, rel)) \
                and os.path.isdir(os.path.join(path, unit)):
            bad[unit] = f"{rel} is missing"
    return seen, bad, None


def guard_tool_cache(path: str, unit_depth: int, tool: str, unsafe_ok: bool = False) -> bool:
    """Check, once per process, the cache directory of a tool that loads from it itself
    (PoCL loads its compiled work-group functions with dlopen, and aborts on a damaged
    program file). Each file is compared with what was recorded when it was first seen
    (size, times and inode, else its SHA-256; see `_judge`) and, unless `unsafe_ok` or the
    directory is the user's and closed to everybody else, nobody else may be able to write
    any of it. A unit (the directory `unit_depth` levels below `path`: one program) with a
    damaged, missing, unsafe or odd (FIFO, link, directory in place of a file) member is
    removed, with a warning; the tool rebuilds it. What the tool writes is recorded at exit
    (and when first seen, for a process that did not get to exit). False if the cache must
    not be used (the caller then gives the tool a private directory)."""
    path = os.path.abspath(path)
    if path in _guarded or not os.path.isdir(path):
        return True
    # Below a directory of ours that nobody else may even enter, nobody else can write,
    # whatever modes the tool gives its files (PoCL follows the umask).
    top = os.stat(path)
    check_modes = not unsafe_ok and bool(top.st_uid != os.geteuid() or top.st_mode & 0o077)
    manifest = _read_manifest(path)
    seen, bad, unusable = _scan(path, unit_depth, manifest, check_modes)
    if unusable:
        warn(f"theano: {tool}'s cache directory {unusable}; not using it")
        return False
    ok = True
    for unit, why in sorted(bad.items()):
        target = os.path.join(path, unit)
        try:
            shutil.rmtree(target) if os.path.isdir(target) and not os.path.islink(target) else os.unlink(target)
            removed = True
        except OSError:
            ok = removed = False
        seen = {r: v for r, v in seen.items() if not (r + os.sep).startswith(unit + os.sep)}
        warn(f"theano: {tool}'s cache entry {target} was refused ({why}); "
             + (f"removed it, {tool} rebuilds it" if removed else "it could not be removed"))
    _write_manifest(path, seen, unsafe_ok)
    _guarded.add(path)
    atexit.register(_record_at_exit, path, unit_depth, unsafe_ok)
    return ok


def _read_manifest(path: str) -> dict:
    """What guard_tool_cache recorded of the tool's cache at `path` ({} if nothing). Read
    whole: it holds a record per file, about 150 bytes each, so a PoCL cache of 7,000 files
    passes a sidecar's limit, and a manifest cut there would not parse: every file would be
    hashed again at every start and exit (3 s a process with 15,000 files)."""
    return read_sidecar(os.path.join(path, MANIFEST), limit=None) or {}


def _write_manifest(path: str, records: dict, shared: bool) -> None:
    try:
        write_sidecar(os.path.join(path, MANIFEST), records, shared=shared)
    except OSError:
        pass  # a read-only cache: checked again next time


def _record_at_exit(path: str, unit_depth: int, unsafe_ok: bool) -> None:
    """Record what the tool wrote during this process while it is fresh (damage found now
    keeps its old record, so the next process removes it)."""
    try:
        manifest = _read_manifest(path)
        seen, bad, _ = _scan(path, unit_depth, manifest, False)
        for unit in bad:
            seen.update({r: v for r, v in manifest.items() if (r + os.sep).startswith(unit + os.sep)})
        _write_manifest(path, seen, unsafe_ok)
    except OSError:
        pass


def elf_complete(path: str) -> bool:
    """An ELF file whose section header table (written last by the linker) is all there: a
    library truncated by a killed process or a full disk is not."""
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
