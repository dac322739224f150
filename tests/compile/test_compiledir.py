"""The on-disk compile cache: hits, misses, concurrent builders, corrupt and torn entries."""
from __future__ import annotations

import multiprocessing as mp
import os

import pytest

from theano.compile.compiledir import CompileDir, cache_key


def _build_counting(root: str, key: str, counter: str) -> str:
    def build(tmp: str) -> None:
        with open(counter, "a") as f:
            f.write("x")
        with open(tmp, "w") as f:
            f.write("payload")

    return CompileDir(root).get_or_build("unit", key, ".bin", build)


def test_key_is_deterministic_and_sensitive() -> None:
    assert cache_key("src", "gcc", "-O2") == cache_key("src", "gcc", "-O2")
    assert cache_key("src", "gcc", "-O2") != cache_key("src", "gcc", "-O3")
    # Parts are length-prefixed: moving a boundary changes the key.
    assert cache_key("ab", "c") != cache_key("a", "bc")


def test_hit_and_miss(tmp_path) -> None:
    counter = str(tmp_path / "count")
    p1 = _build_counting(str(tmp_path / "c"), "k" * 64, counter)
    p2 = _build_counting(str(tmp_path / "c"), "k" * 64, counter)
    assert p1 == p2 and open(p1).read() == "payload"
    assert open(counter).read() == "x"  # the second call was a hit
    _build_counting(str(tmp_path / "c"), "j" * 64, counter)
    assert open(counter).read() == "xx"


def test_concurrent_builders_all_succeed_and_build_once(tmp_path) -> None:
    root, counter = str(tmp_path / "c"), str(tmp_path / "count")
    ctx = mp.get_context("fork")
    with ctx.Pool(8) as pool:
        paths = pool.starmap(_build_counting, [(root, "a" * 64, counter)] * 16)
    assert len(set(paths)) == 1
    assert open(paths[0]).read() == "payload"
    assert open(counter).read() == "x"


def test_corrupt_entry_is_rebuilt(tmp_path) -> None:
    d = CompileDir(str(tmp_path / "c"))
    key = "b" * 64

    def build(tmp):
        with open(tmp, "w") as f:
            f.write("good")

    def valid(p):
        return open(p).read() == "good"

    p = d.get_or_build("unit", key, ".bin", build, valid)
    with open(p, "w") as f:
        f.write("garbage")  # e.g. truncated by a full disk
    assert d.get_or_build("unit", key, ".bin", build, valid) == p
    assert open(p).read() == "good"


def test_torn_write_leaves_a_usable_cache(tmp_path) -> None:
    d = CompileDir(str(tmp_path / "c"))
    key = "c" * 64

    def dies(tmp):
        with open(tmp, "w") as f:
            f.write("half")
        raise KeyboardInterrupt  # the process is interrupted in the middle of the build

    with pytest.raises(KeyboardInterrupt):
        d.get_or_build("unit", key, ".bin", dies)
    assert not os.path.exists(d.path_for("unit", key, ".bin"))
    p = d.get_or_build("unit", key, ".bin", lambda tmp: open(tmp, "w").write("ok"))
    assert open(p).read() == "ok"
    assert [e.key for e in d.entries()] == [key]


def test_verify_prune_clear(tmp_path) -> None:
    d = CompileDir(str(tmp_path / "c"))
    for k in "def":
        d.get_or_build("unit", k * 64, ".bin", lambda tmp: open(tmp, "w").write("x" * 100))
    assert d.size() == 300
    os.unlink(d.path_for("unit", "d" * 64, ".bin") + ".json")  # metadata lost: not trusted
    assert d.verify() == [d.path_for("unit", "d" * 64, ".bin")]
    assert d.prune(100) == 1 and d.size() == 100
    d.clear()
    assert d.entries() == []


def test_verify_finds_an_entry_damaged_after_it_was_written(tmp_path) -> None:
    d = CompileDir(str(tmp_path / "c"))
    p = d.get_or_build("unit", "e" * 64, ".bin", lambda tmp: open(tmp, "w").write("payload"))
    q = d.get_or_build("unit", "f" * 64, ".bin", lambda tmp: open(tmp, "w").write("payload"))
    with open(p, "r+") as f:
        f.write("P")  # a flipped byte: same size, different content
    assert d.verify() == [p]
    assert not os.path.exists(p) and os.path.exists(q)


def test_a_truncated_library_without_checksum_is_found(tmp_path) -> None:
    import json
    import shutil

    from theano_c.toolchain import build_shared_library

    so = build_shared_library("int theano_probe(void) { return 7; }\n", "probe")
    d = CompileDir(str(tmp_path / "c"))
    for k, cut in (("a", None), ("b", 0.6), ("c", 20)):  # 20 bytes: not even a whole header
        p = d.path_for("c", k * 64, ".so")
        os.makedirs(os.path.dirname(p), exist_ok=True)
        shutil.copy(so, p)
        if cut:
            with open(p, "r+b") as f:
                f.truncate(cut if cut > 1 else int(os.path.getsize(p) * cut))
        with open(p + ".json", "w") as f:
            json.dump({"kind": "c"}, f)  # written by an older version: no checksum
    assert sorted(d.verify()) == [d.path_for("c", k * 64, ".so") for k in "bc"]


def test_other_tools_files_under_the_root_are_not_entries(tmp_path) -> None:
    d = CompileDir(str(tmp_path / "c"))
    pocl = tmp_path / "c" / "opencl" / "pocl" / "AB" / "CDEF"
    pocl.mkdir(parents=True)
    (pocl / "program.bc").write_bytes(b"x" * 10)
    (pocl / "last_accessed").write_bytes(b"")
    assert d.entries() == [] and d.verify() == []
    assert d.disk_usage() == 10


def test_cache_command(tmp_path) -> None:
    import subprocess
    import sys

    root = tmp_path / "cache"
    d = CompileDir(str(root))
    for k in "gh":
        d.get_or_build("unit", k * 64, ".bin", lambda tmp: open(tmp, "w").write("x" * 4096))
    env = dict(os.environ, THEANO_FLAGS=f"compiledir={root}")

    def run(*args: str) -> str:
        r = subprocess.run([sys.executable, "-m", "theano", "cache", *args], env=env,
                           capture_output=True, text=True, timeout=120)
        assert r.returncode == 0, r.stderr
        return r.stdout

    out = run()
    assert f"compile cache at {root}" in out and "2 entries" in out and "unit: 2 entries" in out
    assert run("list").count("unit") == 2
    with open(d.path_for("unit", "g" * 64, ".bin"), "w") as f:
        f.write("torn")
    assert "1 intact, 1 removed" in run("verify")
    d.get_or_build("unit", "i" * 64, ".bin", lambda tmp: open(tmp, "w").write("x" * 4096))
    assert "removed 1 least recently used" in run("prune", "--max-size", "5K")
    assert [e.key for e in d.entries()] == ["i" * 64]  # the newest stays
    run("clear")
    assert not root.exists()
    r = subprocess.run([sys.executable, "-m", "theano", "cache", "prune"], env=env,
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 2 and "needs --max-size" in r.stderr
