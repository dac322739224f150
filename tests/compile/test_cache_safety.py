"""Nothing another local user could have written is loaded from the compile cache (issue 21).

The checks are OpenSSH's StrictModes: the compiledir, every directory down to an entry, the
entry and its sidecar must be owned by the user (or root) and writable by nobody else, a
sticky directory excepted. These tests need root (as CI runs them) to make files owned by
another uid; the second user of the attack is a forked process that drops to uid 12345, as a
real second account would be. Each program runs in a fresh process, as a user's would.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import warnings
from pathlib import Path

import numpy as np
import pytest

from theano.compile import cache_safety
from theano.compile.compiledir import CacheWarning, CompileDir, UnsafeCompiledirError

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="needs root to own files as another uid")

OTHER = 12345  # the other local user (B)

_PROGRAM = r"""
import json, numpy as np, theano, theano.tensor as T
x = T.dvector("x")
f = theano.function([x], T.exp(x) * 2 + 1, device="c")
print("RESULT " + json.dumps(f(np.arange(3.0)).tolist()))
"""
_EXPECTED = np.exp(np.arange(3.0)) * 2 + 1


def _run(root: Path, flags: str = "", umask: int | None = None) -> subprocess.CompletedProcess:
    env = dict(os.environ, THEANO_FLAGS=f"compiledir={root}" + (f",{flags}" if flags else ""))
    return subprocess.run([sys.executable, "-c", _PROGRAM], env=env, capture_output=True, text=True,
                          timeout=600, preexec_fn=(lambda: os.umask(umask)) if umask is not None else None)


def _ok(r: subprocess.CompletedProcess) -> str:
    """The run's stderr, after checking it finished with the right result."""
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stderr[-3000:]}"
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("RESULT "))
    np.testing.assert_allclose(json.loads(line[7:]), _EXPECTED)
    return r.stderr


def _c_entry(root: Path, name: str | None) -> str:
    """The path of the cache's one C library whose name is `name` (None: any but the units'
    link dependencies)."""
    (p,) = [e.path for e in CompileDir(str(root)).entries() if e.meta.get("kind") == "c"
            and (e.meta.get("name") == name if name else e.meta.get("name") != "link dependencies")]
    return p


def _kernel(root: Path) -> str:
    """The path of the program's one kernel library in the cache."""
    return _c_entry(root, None)


def _entry_state(root: Path) -> dict[str, tuple[int, int]]:
    return {e.path: (os.stat(e.path).st_ino, os.stat(e.path).st_uid) for e in CompileDir(str(root)).entries()}


@pytest.fixture(scope="module")
def warm(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("warm") / "cache"
    _ok(_run(root))
    return root


@pytest.fixture
def reachable() -> Path:
    """A directory where the other user can create things, as in /tmp (pytest's own
    temporary directories are 0700)."""
    import tempfile

    d = Path(tempfile.mkdtemp(prefix="theano-two-users-"))
    os.chmod(d, 0o1777)
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def cache(warm, reachable) -> Path:
    """A private copy of the warm cache (owned by root, modes as theano made them), in a
    directory the other user can reach."""
    root = reachable / "cache"
    shutil.copytree(warm, root, symlinks=True)
    os.chmod(root, 0o700)
    return root


def _planted(tmp_path: Path, marker: Path, entry_point: bool = False) -> bytes:
    """B's library: its constructor writes `marker`, as any code of B's would run as A."""
    src = tmp_path / "planted.c"
    src.write_text('#include <stdio.h>\n__attribute__((constructor)) static void planted(void) {\n'
                   f'  FILE *f = fopen("{marker}", "w"); if (f) {{ fputs("B ran", f); fclose(f); }}\n}}\n'
                   + ("void theano_entry(void) {}\n" if entry_point else ""))
    so = tmp_path / "planted.so"
    subprocess.run(["cc", "-shared", "-fPIC", str(src), "-o", str(so)], check=True)
    return so.read_bytes()


def _plant(path: str, lib: bytes) -> None:
    """Write `lib` at `path` with a sidecar that matches it: a checksum proves nothing."""
    with open(path, "wb") as f:
        f.write(lib)
    os.chmod(path, 0o755)
    with open(path + ".json", "w") as f:
        json.dump({"kind": "c", "size": len(lib), "sha256": hashlib.sha256(lib).hexdigest()}, f)


def _as_other_user(fn) -> int:
    """Run `fn()` in a forked process as uid/gid OTHER; its exit status (0: fn returned)."""
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        code = 1
        try:
            os.setgroups([])
            os.setgid(OTHER)
            os.setuid(OTHER)
            fn()
            code = 0
        except PermissionError:
            code = 13
        except BaseException:
            code = 1
        finally:
            os._exit(code)
    return os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1])


# -- entries and directories another user could have written -------------------------------------
def test_an_entry_owned_by_another_user_is_refused_and_rebuilt(cache) -> None:
    p = _kernel(cache)
    os.chown(p, OTHER, OTHER)
    err = _ok(_run(cache))
    assert f"refused cache entry {p}: is owned by uid {OTHER}, not by you or root; removed it and rebuilt it" in err
    assert os.stat(p).st_uid == 0 and "CacheWarning" not in _run(cache).stderr


def test_a_planted_link_dependency_library_never_runs(cache, tmp_path) -> None:
    """Every C unit names one library of the cache (its link dependencies, loaded by this
    process before any unit): B's library in its place is refused like any entry, and the
    dynamic loader never loads it on a unit's behalf."""
    p = _c_entry(cache, "link dependencies")
    marker = tmp_path / "B-ran"
    _plant(p, _planted(tmp_path, marker))
    os.chown(p, OTHER, OTHER)
    err = _ok(_run(cache))
    assert f"refused cache entry {p}: is owned by uid {OTHER}, not by you or root; removed it and rebuilt it" in err
    assert not marker.exists() and os.stat(p).st_uid == 0


def test_a_group_writable_entry_is_refused_and_rebuilt(cache) -> None:
    p = _kernel(cache)
    os.chmod(p, 0o720)
    err = _ok(_run(cache))
    assert f"refused cache entry {p}: is writable by its group (mode 0720)" in err
    assert os.stat(p).st_mode & 0o077 == 0


def test_a_sidecar_owned_by_another_user_is_refused(cache) -> None:
    p = _kernel(cache)
    os.chown(p + ".json", OTHER, OTHER)
    err = _ok(_run(cache))
    assert f"refused cache entry {p}.json: is owned by uid {OTHER}" in err


def test_a_symbolic_link_in_place_of_an_entry_is_refused(cache, tmp_path) -> None:
    p = _kernel(cache)
    target = tmp_path / "elsewhere.so"
    shutil.move(p, target)
    os.symlink(target, p)
    err = _ok(_run(cache))
    assert f"refused cache entry {p}: is a symbolic link" in err
    assert not os.path.islink(p)


def test_a_world_writable_directory_on_the_path_is_refused(cache, tmp_path) -> None:
    """B can write in <root>/c: whatever is under it may be B's; nothing there is loaded, the
    unit is rebuilt in a private directory, and B's planted library never runs."""
    p = _kernel(cache)
    marker = tmp_path / "B-ran"
    os.chmod(cache, 0o755)  # B may enter, not write
    for d in (cache / "c", Path(p).parent):
        os.chmod(d, 0o777)
    lib = _planted(tmp_path, marker, entry_point=True)

    def b_replaces() -> None:
        for f in (p, p + ".json"):
            os.rename(f, f + ".old")
        _plant(p, lib)

    assert _as_other_user(b_replaces) == 0
    assert os.stat(p).st_uid == OTHER
    err = _ok(_run(cache))
    assert f"refused cache entry {p} ({cache / 'c'}: is writable by group and others (mode 0777)); " \
           f"rebuilt it in the private directory " in err
    assert not marker.exists()


def test_a_replaced_entry_folder_is_refused(cache, tmp_path) -> None:
    """The issue's attack, as if B could rename A's `c/` away: the folder in its place is B's,
    so nothing in it is loaded."""
    p = _kernel(cache)
    marker = tmp_path / "B-ran"
    lib = _planted(tmp_path, marker)
    os.rename(cache / "c", cache / "c.moved")
    os.makedirs(os.path.dirname(p))
    _plant(p, lib)
    for d in (cache / "c", Path(p).parent, Path(p), Path(p + ".json")):
        os.chown(d, OTHER, OTHER)
    err = _ok(_run(cache))
    assert f"refused cache entry {p} ({cache / 'c'}: is owned by uid {OTHER}, not by you or root)" in err
    assert not marker.exists()


def test_a_sticky_shared_directory_of_own_entries_is_used(tmp_path) -> None:
    """A /tmp-like compiledir (root's, 1777) and a sticky subdirectory: others can add names
    but not replace ours, so our own entries load without a word and nothing is rebuilt."""
    root = tmp_path / "shared"
    root.mkdir()
    os.chmod(root, 0o1777)
    assert "CacheWarning" not in _ok(_run(root))
    os.chmod(root / "c", 0o1777)
    before = _entry_state(root)
    assert "CacheWarning" not in _ok(_run(root))
    assert _entry_state(root) == before


def test_directories_are_private_and_entries_not_writable_by_others(tmp_path) -> None:
    """With a umask that lets the group write (002), what theano creates stays private."""
    root = tmp_path / "fresh"
    _ok(_run(root, umask=0o002))
    for dirpath, dirs, files in os.walk(root):
        for d in dirs:
            assert os.stat(os.path.join(dirpath, d)).st_mode & 0o777 == 0o700, os.path.join(dirpath, d)
        for f in files:
            assert os.stat(os.path.join(dirpath, f)).st_mode & 0o022 == 0, os.path.join(dirpath, f)
    assert os.stat(root).st_mode & 0o777 == 0o700


# -- the compiledir itself ---------------------------------------------------------------------------
def test_an_unsafe_compiledir_is_refused_with_the_fix_unless_opted_in(cache) -> None:
    os.chown(cache, OTHER, OTHER)
    os.chmod(cache, 0o777)
    r = _run(cache)
    assert r.returncode != 0 and "UnsafeCompiledirError" in r.stderr
    for text in (f"refusing to load compiled code from compiledir {cache}", f"owner uid {OTHER}",
                 "mode 0777", f"chmod 700 {cache}", "compiledir=", "compiledir_unsafe_ok=True"):
        assert text in r.stderr, (text, r.stderr[-2000:])
    # device=cpu: the C backend is unusable with this cache, visibly, and the reference runs.
    prog = ("import numpy as np, theano, theano.tensor as T; x = T.dvector(); "
            "print(theano.function([x], T.exp(x) * 2 + 1)(np.arange(3.0)).tolist())")
    r = subprocess.run([sys.executable, "-c", prog], capture_output=True, text=True, timeout=300,
                       env=dict(os.environ, THEANO_FLAGS=f"compiledir={cache}"))
    assert r.returncode == 0 and json.loads(r.stdout) == pytest.approx(_EXPECTED.tolist())
    assert f"backend 'c' is unusable here (probe raised UnsafeCompiledirError: refusing to load " \
           f"compiled code from compiledir {cache}" in r.stderr and "'numpy' runs instead" in r.stderr
    # Opted in: a shared cache, whose entries are others'; they load (integrity still checked).
    p = _kernel(cache)
    os.chown(p, OTHER, OTHER)
    before = _entry_state(cache)
    assert "CacheWarning" not in _ok(_run(cache, "compiledir_unsafe_ok=True"))
    assert _entry_state(cache) == before
    with open(p, "r+b") as f:
        f.truncate(100)
    assert f"damaged cache entry {p}" in _ok(_run(cache, "compiledir_unsafe_ok=True"))


def test_a_compiledir_owned_by_another_user_is_refused_in_process(tmp_path) -> None:
    root = tmp_path / "theirs"
    root.mkdir(mode=0o755)
    os.chown(root, OTHER, OTHER)
    with pytest.raises(UnsafeCompiledirError, match=f"owner uid {OTHER}, mode 0755"):
        CompileDir(str(root), unsafe_ok=False).load("unit", "a" * 64, ".bin", lambda t: None)


# -- the two-user attack of the issue ---------------------------------------------------------------
def test_two_users_b_cannot_run_code_in_a(tmp_path, reachable, warm) -> None:
    """B (uid 12345) makes a world-writable directory and A points compiledir at it: refused.
    In a /tmp-like sticky directory B cannot move A's folders, and what B creates before A
    (a `c/` with a library at the path of A's kernel) is never loaded."""
    marker = tmp_path / "B-ran"
    lib = _planted(tmp_path, marker)
    key_path = os.path.relpath(_kernel(warm), warm)  # where A's kernel will be (keys are content)

    shared = reachable / "b-shared"
    assert _as_other_user(lambda: (os.mkdir(shared), os.chmod(shared, 0o777))) == 0
    r = _run(shared)
    assert r.returncode != 0 and f"refusing to load compiled code from compiledir {shared}" in r.stderr
    assert not marker.exists()

    sticky = reachable / "sticky"
    sticky.mkdir()
    os.chmod(sticky, 0o1777)
    planted = sticky / key_path

    def b_plants() -> None:
        os.makedirs(planted.parent)
        for d in (sticky / "c", planted.parent):
            os.chmod(d, 0o777)
        _plant(str(planted), lib)

    assert _as_other_user(b_plants) == 0
    err = _ok(_run(sticky))
    assert f"refused cache entry {planted} ({sticky / 'c'}: is owned by uid {OTHER}" in err
    assert not marker.exists()
    # A's own folders in the sticky directory: B can neither move nor replace them.
    own = sticky / "ext"
    assert own.is_dir() and own.stat().st_uid == 0
    assert _as_other_user(lambda: os.rename(own, sticky / "ext.moved")) == 13
    assert _as_other_user(lambda: shutil.rmtree(own)) == 13


def test_opted_in_a_planted_library_without_the_entry_point_is_rebuilt(cache, tmp_path) -> None:
    """The issue's run, opted in to a shared cache: B's library runs (the documented risk of
    compiledir_unsafe_ok), but A's program no longer dies of the missing entry point."""
    marker = tmp_path / "B-ran"
    lib = _planted(tmp_path, marker)
    p = _kernel(cache)
    os.chmod(cache, 0o777)
    os.rename(cache / "c", cache / "c.moved")
    os.makedirs(os.path.dirname(p))
    _plant(p, lib)
    err = _ok(_run(cache, "compiledir_unsafe_ok=True"))
    assert f"cache entry {p} failed to load (AttributeError: {p} has no symbol theano_entry)" in err
    assert marker.exists()


def test_a_library_without_the_entry_point_is_rebuilt(cache, tmp_path) -> None:
    """An intact entry (own, private, checksum right) that is not what theano expects."""
    p = _kernel(cache)
    _plant(p, _planted(tmp_path, tmp_path / "ran"))
    os.chmod(p, 0o700)
    err = _ok(_run(cache))
    assert f"cache entry {p} failed to load (AttributeError: {p} has no symbol theano_entry); " \
           f"removed it; rebuilt it in the private directory" in err
    assert "CacheWarning" not in _ok(_run(cache))  # rebuilt in place by the next process


def test_an_extension_module_that_does_not_import_is_rebuilt(cache, tmp_path) -> None:
    (p,) = [e.path for e in CompileDir(str(cache)).entries() if e.meta.get("name") == "_theano_c_launch"]
    _plant(p, _planted(tmp_path, tmp_path / "ran"))
    os.chmod(p, 0o700)
    err = _ok(_run(cache))
    assert f"cache entry {p} failed to load (ImportError: " in err


# -- the check itself, as the CUDA module cache and PoCL's directory use it -------------------------
def _load_cubin(d: CompileDir, built: list) -> bytes:
    def build(tmp: str) -> None:
        built.append(tmp)
        Path(tmp).write_bytes(b"\x7fELF cubin" * 100)

    def load(path: str) -> bytes:
        return Path(path).read_bytes()  # what nvrtc.py does: read, then cuModuleLoadData

    return d.load("cuda", "c" * 64, ".cubin", build, load, meta={"name": "theano_kernel"})


def test_cuda_module_entries_are_checked(tmp_path) -> None:
    """CUDA cubins (kind `cuda`, `.cubin`) go through the same load: no GPU needed to check
    that a damaged one is rebuilt and another user's is never read."""
    root = tmp_path / "cd"
    d, built = CompileDir(str(root), unsafe_ok=False), []
    assert _load_cubin(d, built) == b"\x7fELF cubin" * 100 and len(built) == 1
    p = d.path_for("cuda", "c" * 64, ".cubin")
    assert p == str(root / "cuda" / "cc" / ("c" * 64 + ".cubin"))
    assert _load_cubin(d, built) and len(built) == 1  # a hit
    with open(p, "r+b") as f:
        f.truncate(500)
    with pytest.warns(CacheWarning, match=f"damaged cache entry {p}: it has 500 bytes where 1000"):
        assert _load_cubin(d, built) == b"\x7fELF cubin" * 100
    os.chown(p, OTHER, OTHER)
    with pytest.warns(CacheWarning, match=f"refused cache entry {p}: is owned by uid {OTHER}"):
        assert _load_cubin(d, built) == b"\x7fELF cubin" * 100
    assert os.stat(p).st_uid == 0 and len(built) == 3
    os.chmod(root / "cuda", 0o777)
    with pytest.warns(CacheWarning, match="rebuilt it in the private directory"):
        assert _load_cubin(d, built) == b"\x7fELF cubin" * 100
    assert not built[-1].startswith(str(root))


def test_a_tools_cache_directory_must_be_private(tmp_path) -> None:
    """PoCL's (and a user's CUPY_CACHE_DIR): used if safe, else a private directory."""
    root = tmp_path / "cd"
    path = cache_safety.safe_subdir(str(root), "opencl", "pocl")
    assert path == str(root / "opencl" / "pocl") and os.stat(path).st_mode & 0o777 == 0o700
    os.chown(path, OTHER, OTHER)
    with pytest.warns(CacheWarning, match=f"refused the cache directory {path}: is owned by uid {OTHER}"):
        alt = cache_safety.safe_subdir(str(root), "opencl", "pocl")
    assert alt != path and alt.startswith(cache_safety.private_root())
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert cache_safety.safe_subdir(str(root), "opencl", "pocl", unsafe_ok=True) == path


def test_cache_verify_reports_unsafe_paths(cache) -> None:
    p = _kernel(cache)
    os.chown(p, OTHER, OTHER)
    os.chmod(cache / "ext", 0o777)
    r = subprocess.run([sys.executable, "-m", "theano", "cache", "verify"], capture_output=True, text=True,
                       timeout=120, env=dict(os.environ, THEANO_FLAGS=f"compiledir={cache}"))
    assert r.returncode == 1, r.stderr
    assert f"unsafe {p}: is owned by uid {OTHER}, not by you or root; theano never loads from it" in r.stdout
    assert f"unsafe {cache / 'ext'}: is writable by group and others (mode 0777)" in r.stdout
    assert "2 unsafe paths" in r.stdout


def test_pocl_cache_units_another_user_could_write_are_removed(tmp_path) -> None:
    """PoCL's cache (which PoCL loads from itself) is checked before PoCL starts: a program
    directory another user owns is removed when the cache directory is open to others; a
    cache directory closed to everybody else shields what PoCL wrote in it."""
    pocl = tmp_path / "pocl"
    unit = pocl / "AB" / "CDEFGH"
    (unit / "k" / "1-1-1").mkdir(parents=True)
    (unit / "program.bc").write_bytes(b"BC\xc0\xde" + b"\x00" * 60)
    so = unit / "k" / "1-1-1" / "k.so"
    so.write_bytes(_planted(tmp_path, tmp_path / "ran", entry_point=True))

    def guard(**kw) -> bool:
        cache_safety._guarded.discard(str(pocl))  # a fresh process checks again
        return cache_safety.guard_tool_cache(str(pocl), 2, "PoCL", **kw)

    os.chmod(pocl, 0o700)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert guard()
        os.chown(so, OTHER, OTHER)  # the tool's files under a closed directory: nobody else's
        assert guard()
    os.chmod(pocl, 0o755)
    with pytest.warns(CacheWarning, match=f"PoCL's cache entry {unit} was refused "
                                          f"\\(AB/CDEFGH/k/1-1-1/k.so is owned by uid {OTHER}"):
        assert guard()
    assert not unit.exists() and (pocl / "AB").exists()
    os.chmod(pocl / "AB", 0o777)
    with pytest.warns(CacheWarning, match=f"PoCL's cache directory {pocl / 'AB'} is writable by "
                                          f"group and others \\(mode 0777\\); not using it"):
        assert not guard()


def test_a_shared_cache_another_user_cannot_write_still_works_for_them(reachable) -> None:
    """Opted in, user A's entries are readable by B; a unit B needs that is not there, in a
    directory of A's that B may not write, is built in B's private directory instead of
    failing."""
    root = reachable / "team"
    root.mkdir()
    os.chmod(root, 0o755)
    payload = b"\x7fELF unit" * 50

    def build(tmp: str) -> None:
        Path(tmp).write_bytes(payload)

    def read(path: str) -> bytes:
        return Path(path).read_bytes()

    shared = CompileDir(str(root), unsafe_ok=True)
    assert shared.load("unit", "d" * 64, ".bin", build, read) == payload
    p = shared.path_for("unit", "d" * 64, ".bin")
    assert os.stat(p).st_mode & 0o777 == 0o644  # readable by the team, writable by A only

    def b_loads() -> None:
        assert shared.load("unit", "d" * 64, ".bin", build, read) == payload  # A's entry
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            got = shared.load("unit", "e" * 64, ".bin", build, read)  # absent; A's dir
        assert got == payload
        assert any("cannot be written (Permission denied); rebuilt it in the private directory"
                   in str(w.message) for w in caught), [str(w.message) for w in caught]

    assert _as_other_user(b_loads) == 0


def test_make_dirs_goes_on_when_another_process_made_a_level_first(tmp_path, monkeypatch):
    """Two processes creating c/unit/aa at once: the one that finds c/unit already made by
    the other must still create aa below it (it used to stop there, and its lock file then
    had no directory)."""
    from theano.compile import cache_safety

    target = tmp_path / "c" / "unit" / "aa"
    real_mkdir = os.mkdir

    def racing_mkdir(path, mode=0o777):
        if str(path) == str(tmp_path / "c" / "unit") and not os.path.isdir(path):
            real_mkdir(path, mode)  # the other process wins the race for this level
            raise FileExistsError(path)
        return real_mkdir(path, mode)

    monkeypatch.setattr(os, "mkdir", racing_mkdir)
    cache_safety.make_dirs(str(target))
    assert target.is_dir()
