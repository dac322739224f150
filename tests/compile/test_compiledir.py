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
