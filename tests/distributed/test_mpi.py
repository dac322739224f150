"""theano.distributed: single-process behaviour in this process, and real MPI jobs launched
with mpirun on the scripts in scripts/ (skipped, with the reason, without mpirun or mpi4py)."""
from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano import distributed as dist
from theano.config import ConfigError

SCRIPTS = Path(__file__).resolve().parent / "scripts"
_LAUNCHER_VARS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK")


def _clean_env(**extra: str) -> dict:
    """The environment for a child: without the launcher's variables (this test run may itself
    be under mpirun), and with Open MPI's shared-memory transport usable in containers."""
    env = {k: v for k, v in os.environ.items()
           if k not in _LAUNCHER_VARS and not k.startswith(("OMPI_COMM_WORLD", "PMIX_", "PMI_"))}
    # Containers usually forbid the ptrace-based single-copy (CMA) path of the vader BTL.
    env.setdefault("OMPI_MCA_btl_vader_single_copy_mechanism", "none")
    env.pop("THEANO_FLAGS", None)
    env.update(extra)
    return env


def _mpirun_prefix() -> list[str] | None:
    mpirun = shutil.which("mpirun")
    if mpirun is None:
        return None
    try:
        version = subprocess.run([mpirun, "--version"], capture_output=True, text=True, timeout=30).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    if "Open MPI" in version or "OpenRTE" in version:
        return [mpirun, "--allow-run-as-root", "--oversubscribe"]
    return [mpirun]


MPIRUN = _mpirun_prefix()
_why_skip = ("mpirun is not installed (apt-get install openmpi-bin libopenmpi-dev)" if MPIRUN is None else
             "mpi4py is not installed (pip install mpi4py)" if importlib.util.find_spec("mpi4py") is None
             else None)
needs_mpi = pytest.mark.skipif(_why_skip is not None, reason=_why_skip or "")


def mpirun(n: int, script: str, *args: str, cwd: Path, timeout: float = 120, **env: str
           ) -> subprocess.CompletedProcess:
    cmd = MPIRUN + ["-n", str(n), sys.executable, str(SCRIPTS / script), *args]
    return subprocess.run(cmd, capture_output=True, text=True, cwd=cwd, timeout=timeout, env=_clean_env(**env))


def python(script: str, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(SCRIPTS / script), *args], capture_output=True, text=True,
                          cwd=cwd, timeout=120, env=_clean_env())


def _ok(res: subprocess.CompletedProcess) -> None:
    assert res.returncode == 0, f"exit {res.returncode}\nstdout:\n{res.stdout}\nstderr:\n{res.stderr}"


def _history(prefix: Path, rank: int) -> tuple[np.ndarray, int]:
    with np.load(f"{prefix}.rank{rank}.npz") as z:
        return z["history"], int(z["start"])


# -- one process: no MPI at all ------------------------------------------------------------

def test_import_theano_does_not_import_mpi4py():
    code = "import sys, theano; from theano import distributed; print('mpi4py' in sys.modules, distributed.size())"
    res = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_clean_env(), timeout=120)
    _ok(res)
    assert res.stdout.split() == ["False", "1"]


def test_single_process_collectives_are_identities_with_gradients():
    assert (dist.rank(), dist.size(), dist.is_distributed()) == (0, 1, False)
    x = T.dmatrix("x")
    ys = [dist.allreduce(x, "sum"), dist.allreduce(x, "mean"), dist.allreduce(x, "max"),
          dist.broadcast(x), dist.allgather(x)] + dist.allreduce_many([x, 2 * x], "mean")
    cost = sum((y * (k + 1)).sum() for k, y in enumerate(ys))
    f = theano.function([x], ys + [theano.grad(cost, x), ys[4].shape])
    v = np.arange(6.0).reshape(2, 3)
    *outs, g, shape = f(v)
    for o, want in zip(outs, [v, v, v, v, v, v, 2 * v]):
        np.testing.assert_array_equal(o, want)
    np.testing.assert_allclose(g, np.full((2, 3), 1 + 2 + 3 + 4 + 5 + 6 + 7 * 2.0))
    assert tuple(shape) == (2, 3)


def test_collectives_are_not_constant_folded():
    f = theano.function([], dist.allreduce(np.ones(3), "sum"))
    assert any(isinstance(n.op, dist.AllReduce) for n in f.maker.fgraph.toposort())


def test_bad_uses_are_errors_that_say_why():
    with pytest.raises(TypeError, match="mean of int64"):
        dist.allreduce(T.lvector(), "mean")
    with pytest.raises(ValueError, match="unknown reduction"):
        dist.allreduce(T.dvector(), "prod")
    with pytest.raises(TypeError, match="at least one"):
        dist.allgather(T.dscalar())
    with pytest.raises(ValueError, match="root 1"):
        dist.get_comm().bcast(np.ones(2), root=1)
    with pytest.raises(ConfigError, match="distributed__timeout"):
        theano.config.distributed__timeout = -1
    assert theano.config.distributed__timeout >= 0


def test_shard_splits_into_contiguous_blocks():
    assert [dist.shard_bounds(10, r, 3) for r in range(3)] == [(0, 4), (4, 7), (7, 10)]
    assert dist.shard(list(range(10)), 2, 3) == [7, 8, 9]
    a = np.arange(8).reshape(4, 2)
    np.testing.assert_array_equal(dist.shard(a, 1, 2), a[2:])
    np.testing.assert_array_equal(dist.shard(a), a)  # one process: everything
    with pytest.raises(ValueError):
        dist.shard(a, 2, 2)


def test_checkpoint_roundtrip_is_atomic_and_checked(tmp_path):
    w = theano.shared(np.arange(6.0).reshape(2, 3), "w")
    b = theano.shared(np.zeros(3, dtype="float32"), "b")
    path = tmp_path / "ck.npz"
    assert dist.load_checkpoint(path, [w, b], missing_ok=True) is None
    with pytest.raises(FileNotFoundError):
        dist.load_checkpoint(path, [w, b])
    dist.save_checkpoint(path, [w, b], step=7)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ck.npz"]  # no temporary left
    w.set_value(np.zeros((2, 3)))
    b.set_value(np.ones(3, dtype="float32"))
    assert dist.load_checkpoint(path, [w, b]) == 7
    np.testing.assert_array_equal(w.get_value(), np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(b.get_value(), np.zeros(3))
    assert b.get_value().dtype == np.float32
    before = w.get_value()
    with pytest.raises(ValueError, match="holds 2 variable"):
        dist.load_checkpoint(path, [w])
    with pytest.raises(ValueError, match="order"):
        dist.load_checkpoint(path, [b, w])
    np.testing.assert_array_equal(w.get_value(), before)  # a failed load changes nothing


# -- real MPI jobs ----------------------------------------------------------------------------

@needs_mpi
def test_collectives_and_their_gradients_on_three_ranks(tmp_path):
    res = mpirun(3, "mpi_collectives.py", cwd=tmp_path)
    _ok(res)
    for r in range(3):
        assert f"collectives OK on rank {r} of 3" in res.stdout, res.stdout


@pytest.mark.parametrize("n,sync", [pytest.param(2, "each", marks=needs_mpi),
                                    pytest.param(3, "many", marks=needs_mpi)])
def test_data_parallel_equals_one_process_on_the_whole_batch(tmp_path, n, sync):
    # The same script without mpirun: one process, whole batches, mpi4py never needed.
    _ok(python("mpi_train.py", "--out", "one", "--sync", sync, cwd=tmp_path))
    ref, _ = _history(tmp_path / "one", 0)
    # Buckets of 1000 bytes force several MPI messages (W1 alone is 2560 bytes).
    _ok(mpirun(n, "mpi_train.py", "--out", "par", "--sync", sync, "--bucket-bytes", "1000", cwd=tmp_path))
    hists = [_history(tmp_path / "par", r)[0] for r in range(n)]
    for r in range(1, n):  # every rank holds exactly the same parameters after every step
        np.testing.assert_array_equal(hists[r], hists[0])
    assert hists[0].shape == ref.shape == (6, 20 * 16 + 16 + 16 * 3 + 3)
    np.testing.assert_allclose(hists[0], ref, rtol=1e-10, atol=1e-12)  # step by step
    assert np.abs(ref[-1] - ref[0]).max() > 1e-2  # it did train


def test_training_script_runs_as_one_process(tmp_path):
    res = python("mpi_train.py", "--out", "solo", "--steps", "2", cwd=tmp_path)
    _ok(res)
    assert "rank 0 of 1" in res.stdout
    assert _history(tmp_path / "solo", 0)[0].shape[0] == 2


@needs_mpi
def test_a_rank_that_raises_stops_the_job_with_its_rank_and_cause(tmp_path):
    t0 = time.monotonic()
    res = mpirun(2, "mpi_fail.py", "--mode", "raise", cwd=tmp_path, THEANO_FLAGS="distributed__timeout=60")
    elapsed = time.monotonic() - t0
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert "theano.distributed: rank 1 failed: ValueError: injected failure: bad batch on purpose" in out, out
    assert "should not have" not in out
    assert elapsed < 30, f"the job took {elapsed:.1f} s to stop; the collective timeout was 60 s"


@needs_mpi
def test_a_hung_rank_makes_the_collective_time_out_naming_it(tmp_path):
    t0 = time.monotonic()
    res = mpirun(2, "mpi_fail.py", "--mode", "hang", cwd=tmp_path, THEANO_FLAGS="distributed__timeout=2")
    elapsed = time.monotonic() - t0
    out = res.stdout + res.stderr
    assert res.returncode != 0, out
    assert "theano.distributed: rank 0 failed: CollectiveTimeout" in out, out
    assert "allreduce('sum') of float64(4,) timed out on rank 0 of 2 after 2 s" in out, out
    assert elapsed < 60, f"the job took {elapsed:.1f} s; rank 1 sleeps 120 s"


@needs_mpi
def test_resume_from_checkpoint_equals_an_uninterrupted_run(tmp_path):
    common = ["--steps", "8", "--checkpoint", "ck.npz", "--checkpoint-every", "2"]
    _ok(mpirun(2, "mpi_train.py", "--out", "full", "--steps", "8", cwd=tmp_path))
    full, _ = _history(tmp_path / "full", 0)
    # Rank 1 dies at step 5: the last checkpoint (after step 4) survives the abort.
    crashed = mpirun(2, "mpi_train.py", "--out", "crash", *common, "--fail-at-step", "5", cwd=tmp_path)
    assert crashed.returncode != 0
    assert "rank 1 failed: RuntimeError: injected failure at step 5" in crashed.stderr + crashed.stdout
    assert sorted(p.name for p in tmp_path.glob("ck.npz*")) == ["ck.npz"]
    _ok(mpirun(2, "mpi_train.py", "--out", "resumed", *common, "--resume", cwd=tmp_path))
    for r in range(2):
        hist, start = _history(tmp_path / "resumed", r)
        assert start == 4
        np.testing.assert_array_equal(hist, full[4:])
