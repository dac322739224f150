"""A damaged compile-cache entry is found before it is loaded, removed and rebuilt: the run
gives the right result, with a one-line warning naming the entry (issue 16, part 1).

Every kind of entry (C kernel libraries, the C backend's extension modules, OpenCL program
binaries, and the files of PoCL's own cache, which PoCL loads itself and which theano checks
before PoCL starts) is damaged in each way a full disk, a killed copy or a bad network home leaves
files: truncated to nothing, cut in half, overwritten with garbage of the same length,
replaced by a directory, or unreadable. An unreadable file cannot be made with a mode here,
since root (the CI user) reads a mode-000 file: the unreadable entry is a FIFO, which open()
accepts but nothing can be read from (a loader mapping it would block or fail). Each damaged
cache is used by a fresh process, which must finish normally: mapping a library cut short
used to kill the process with SIGBUS.
"""
from __future__ import annotations

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
from theano.compile.compiledir import CompileDir

_PROGRAM = r"""
import json, sys, numpy as np, theano, theano.tensor as T
dev = sys.argv[1]
if dev == "opencl-binaries":  # what drivers without a cache of their own get, here on PoCL
    import theano_opencl.runtime
    theano_opencl.runtime.KEEP_BINARIES = True
    dev = "opencl"
x = T.vector("x", dtype="float32")
f = theano.function([x], T.exp(x) * 3 + T.nnet.softmax(x.dimshuffle("x", 0))[0], device=dev)
print("RESULT " + json.dumps(f(np.arange(3, dtype="float32")).tolist()))
"""


def _expected() -> np.ndarray:
    x = np.arange(3, dtype="float32")
    e = np.exp(x - x.max())
    return np.exp(x) * 3 + e / e.sum()


def _run(root: Path, device: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "POCL_CACHE_DIR"}
    env["THEANO_FLAGS"] = f"compiledir={root}"
    return subprocess.run([sys.executable, "-c", _PROGRAM, device], env=env, capture_output=True,
                          text=True, timeout=600)


def _result(r: subprocess.CompletedProcess) -> np.ndarray:
    assert r.returncode == 0, f"exit {r.returncode}\n{r.stderr[-3000:]}"
    line = next(ln for ln in r.stdout.splitlines() if ln.startswith("RESULT "))
    return np.array(json.loads(line[7:]), dtype="float32")


def _opencl_usable() -> bool:
    try:
        from theano_opencl.runtime import probe
    except ImportError:
        return False
    return probe().usable


#: device -> the entry kinds its warm cache holds ("pocl": the files of PoCL's cache)
_KINDS = {"c": ("c", "ext"), "opencl": ("pocl",), "opencl-binaries": ("opencl",)}


@pytest.fixture(scope="module")
def warm(tmp_path_factory) -> dict[str, Path]:
    """A warm compile cache per device: the program run once."""
    out = {}
    for device in _KINDS:
        if device.startswith("opencl") and not _opencl_usable():
            continue
        root = tmp_path_factory.mktemp(f"warm-{device}")
        np.testing.assert_allclose(_result(_run(root, device)), _expected(), rtol=1e-6)
        out[device] = root
    return out


def _entries(root: Path, kind: str) -> list[str]:
    if kind == "pocl":  # its programs' files: LLVM bitcode and work-group function libraries
        return sorted(str(p) for p in (root / "opencl" / "pocl").rglob("*")
                      if p.name == "program.bc" or p.suffix == ".so")
    return sorted(e.path for e in CompileDir(str(root)).entries() if e.meta.get("kind") == kind)


def _expected_warning(root: Path, kind: str, path: str) -> str:
    if kind == "pocl":  # a program of PoCL's cache is removed whole
        unit = Path(path).relative_to(root / "opencl" / "pocl").parts[:2]
        return f"PoCL's cache entry {Path(root, 'opencl', 'pocl', *unit)} was refused ("
    return f"damaged cache entry {path}: "


def _damage(path: str, how: str) -> None:
    size = os.path.getsize(path)
    if how == "empty":
        open(path, "wb").close()
    elif how == "half":
        with open(path, "r+b") as f:
            f.truncate(size // 2)
    elif how == "garbage":  # same length, so only the checksum can tell
        with open(path, "r+b") as f:
            f.write(np.random.default_rng(0).integers(0, 256, size, dtype=np.uint8).tobytes())
    elif how == "directory":
        os.unlink(path)
        os.mkdir(path)
        Path(path, "stray").write_text("x")
    elif how == "unreadable":  # see the module docstring: a FIFO stands for an unreadable file
        os.unlink(path)
        os.mkfifo(path)
    else:
        raise ValueError(how)


_DAMAGES = ("empty", "half", "garbage", "directory", "unreadable")
_CASES = [(dev, kind, how) for dev, kinds in _KINDS.items() for kind in kinds for how in _DAMAGES]


@pytest.mark.parametrize("device,kind,how", _CASES, ids=["-".join(c) for c in _CASES])
def test_a_damaged_entry_is_rebuilt_in_a_fresh_process(warm, tmp_path, device, kind, how) -> None:
    if device not in warm:
        pytest.skip(f"the {device} backend is not usable here")
    root = tmp_path / "cache"
    shutil.copytree(warm[device], root, symlinks=True)
    entries = _entries(root, kind)
    assert entries, f"the warm cache has no {kind} entries"
    # Every kernel library and program binary; of the extension modules one (each rebuild is
    # a slow compile), the launcher every compiled kernel runs through.
    victims = [p for p in entries if kind != "ext" or
               json.loads(Path(p + ".json").read_text()).get("name") == "_theano_c_launch"]
    assert victims
    for p in victims:
        _damage(p, how)
    r = _run(root, device)
    np.testing.assert_allclose(_result(r), _expected(), rtol=1e-6)
    for p in victims:
        assert _expected_warning(root, kind, p) in r.stderr, r.stderr[-3000:]
        if kind != "pocl":  # rebuilt in place, checksum recorded (PoCL rebuilds what it needs)
            assert os.path.isfile(p) and CompileDir._intact(
                next(e for e in CompileDir(str(root)).entries() if e.path == p))
    # The cache is whole again: the next process loads it without a word.
    r = _run(root, device)
    np.testing.assert_allclose(_result(r), _expected(), rtol=1e-6)
    assert "CacheWarning" not in r.stderr, r.stderr[-3000:]


def test_half_the_cache_truncated_and_half_overwritten(warm, tmp_path) -> None:
    """The fault-injection run of the issue: every entry of the C backend damaged, alternately
    cut in half and overwritten with garbage."""
    root = tmp_path / "cache"
    shutil.copytree(warm["c"], root, symlinks=True)
    entries = _entries(root, "c") + _entries(root, "ext")
    for k, p in enumerate(entries):
        _damage(p, "half" if k % 2 else "garbage")
    r = _run(root, "c")
    np.testing.assert_allclose(_result(r), _expected(), rtol=1e-6)
    assert r.stderr.count("damaged cache entry") == len(entries), r.stderr[-3000:]


@pytest.mark.parametrize("how", ["missing", "garbled", "other checksum"])
def test_an_entry_whose_sidecar_is_damaged_is_not_trusted(warm, tmp_path, how) -> None:
    root = tmp_path / "cache"
    shutil.copytree(warm["c"], root, symlinks=True)
    p = _entries(root, "c")[0]
    side = Path(p + ".json")
    if how == "missing":
        side.unlink()
    elif how == "garbled":
        side.write_text('{"kind": "c", "sha2')
    else:
        meta = json.loads(side.read_text())
        meta["sha256"] = "0" * 64
        side.write_text(json.dumps(meta))
    r = _run(root, "c")
    np.testing.assert_allclose(_result(r), _expected(), rtol=1e-6)
    assert f"damaged cache entry {p}: " in r.stderr, r.stderr[-3000:]


def test_cache_verify_finds_each_kind_of_damage(tmp_path) -> None:
    root = tmp_path / "cache"
    d = CompileDir(str(root))
    entries = [d.get_or_build("unit", k * 64, ".bin", lambda t: Path(t).write_bytes(b"x" * 4096))
               for k in "abcde"]
    for p, how in zip(entries, _DAMAGES):
        _damage(p, how)
    r = subprocess.run([sys.executable, "-m", "theano", "cache", "verify"], capture_output=True,
                       text=True, timeout=120, env=dict(os.environ, THEANO_FLAGS=f"compiledir={root}"))
    assert r.returncode == 0, r.stderr
    for p in entries:
        assert f"removed damaged entry {p}" in r.stdout, r.stdout
        assert not os.path.exists(p)
    assert "verified 5 entries: 0 intact, 5 removed; 0 unsafe paths" in r.stdout


@pytest.mark.parametrize("how", _DAMAGES)
def test_a_damaged_cuda_module_is_rebuilt(tmp_path, how) -> None:
    """CUDA modules are cubins under <compiledir>/cuda, loaded through the same checked path
    (theano_cuda.nvrtc: read the file, then load the bytes); without a GPU the check is run
    on that path with a stand-in payload."""
    d = CompileDir(str(tmp_path / "cd"), unsafe_ok=False)
    cubin = b"\x7fELF" + bytes(range(256)) * 8
    builds = []

    def build(tmp: str) -> None:
        builds.append(tmp)
        Path(tmp).write_bytes(cubin)

    def load(path: str) -> bytes:
        return Path(path).read_bytes()

    assert d.load("cuda", "9" * 64, ".cubin", build, load) == cubin
    p = d.path_for("cuda", "9" * 64, ".cubin")
    _damage(p, how)
    with pytest.warns(Warning, match=f"damaged cache entry {p}: "):
        assert d.load("cuda", "9" * 64, ".cubin", build, load) == cubin
    assert len(builds) == 2 and Path(p).read_bytes() == cubin


def test_a_big_tool_caches_records_are_read_back_so_a_start_hashes_nothing_new(tmp_path, monkeypatch):
    """guard_tool_cache hashes a file of a tool's cache once and then knows it by its
    size, times and inode. Its records of a PoCL cache of a few thousand programs pass a
    sidecar's read limit: they must still be read whole, or every start and exit hashes the
    whole cache again (it did: 3 s a process with 15,000 files)."""
    pocl = tmp_path / "pocl"
    long = "k" * 150  # long names: a manifest over the limit with fewer files to write
    for i in range(40):
        for j in range(40):
            unit = pocl / f"{i:02d}" / f"{j:02d}{long}"
            unit.mkdir(parents=True)
            (unit / "program.bc").write_bytes(b"BC\xc0\xde")
            (unit / f"{long}.bin").write_bytes(b"x")
    os.chmod(pocl, 0o700)
    hashed = []
    real = cache_safety._sha256_fd
    monkeypatch.setattr(cache_safety, "_sha256_fd", lambda fd: hashed.append(fd) or real(fd))

    def start() -> int:
        cache_safety._guarded.discard(str(pocl))  # a fresh process checks again
        del hashed[:]
        assert cache_safety.guard_tool_cache(str(pocl), 2, "PoCL")
        return len(hashed)

    assert start() == 3200
    assert (pocl / cache_safety.MANIFEST).stat().st_size > cache_safety.SIDECAR_LIMIT
    assert start() == 0
    (pocl / "07" / f"07{long}" / "new.bin").write_bytes(b"y")  # the tool wrote one more
    assert start() == 1


def test_a_build_log_that_pocl_appends_to_keeps_its_program(tmp_path):
    """Two processes building one program at once each append their compiler log to its
    build.log (PoCL 3.1): a log grown in place is not damage, its program stays cached."""
    pocl = tmp_path / "pocl"
    unit = pocl / "AB" / "CDEFGH"
    unit.mkdir(parents=True)
    (unit / "program.bc").write_bytes(b"BC\xc0\xde")
    log = unit / "build.log"
    log.write_text("warning: hello\n")
    os.chmod(pocl, 0o700)
    for _ in range(2):
        cache_safety._guarded.discard(str(pocl))  # a fresh process checks again
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            assert cache_safety.guard_tool_cache(str(pocl), 2, "PoCL")
        with open(log, "a") as f:
            f.write("warning: hello\n")
    assert (unit / "program.bc").exists()
