"""The communicator: which rank this process is, how many there are, and collectives on
NumPy host buffers that wait with a timeout.

mpi4py is imported only when the process was started by an MPI launcher (mpirun, srun,
hydra: they set OMPI_COMM_WORLD_SIZE, PMI_SIZE or PMIX_RANK) or when the user hands
`init` a communicator. Otherwise this is rank 0 of 1 and every collective is the
identity, so a training script written for `mpirun -n 4` also runs as `python train.py`.
"""
from __future__ import annotations

import os
import pickle
import sys
import time
from typing import Any, Sequence

import numpy as np

from ..config import config
from ..config import ConfigError

__all__ = ["CollectiveError", "CollectiveTimeout", "LocalComm", "MPIComm", "init", "get", "rank", "size",
           "is_distributed", "barrier", "launched_by_mpi", "REDUCE_OPS"]

_LAUNCHER_VARS = ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE", "PMIX_RANK")
REDUCE_OPS = ("sum", "mean", "max", "min")


def _parse_timeout(v: Any) -> float:
    try:
        t = float(v)
    except (TypeError, ValueError):
        raise ConfigError(f"must be a number of seconds (0 waits forever); got {v!r}") from None
    if t < 0 or t != t:
        raise ConfigError(f"must be >= 0 seconds (0 waits forever); got {v!r}")
    return t


if "distributed__timeout" not in config.flags():
    # Long enough for a rank that is late because it writes a checkpoint or evaluates;
    # short enough that a stuck job frees its machines in minutes rather than days.
    config.add("distributed__timeout",
               "Seconds a collective (allreduce, broadcast, barrier ...) waits for the other ranks "
               "before raising; 0 waits forever", 300.0, _parse_timeout)


class CollectiveError(RuntimeError):
    """A collective operation failed or was called inconsistently across ranks."""


class CollectiveTimeout(CollectiveError, TimeoutError):
    """A collective waited longer than `config.distributed__timeout` for the other ranks."""


def launched_by_mpi(environ: Any = None) -> bool:
    """Whether an MPI launcher started this process (it sets one of these variables)."""
    env = os.environ if environ is None else environ
    return any(v in env for v in _LAUNCHER_VARS)


def _launcher_size(environ: Any = None) -> int | None:
    env = os.environ if environ is None else environ
    for v in ("OMPI_COMM_WORLD_SIZE", "PMI_SIZE"):
        if v in env:
            try:
                return int(env[v])
            except ValueError:
                return None
    return None


class LocalComm:
    """One process: rank 0 of 1; each collective returns (a copy of) its input."""

    rank = 0
    size = 1
    mpi_comm = None

    def allreduce(self, x: np.ndarray, op: str = "sum") -> np.ndarray:
        return np.array(x, copy=True)

    def allreduce_many(self, xs: Sequence[np.ndarray], op: str = "sum",
                       bucket_bytes: int = 0) -> list[np.ndarray]:
        return [np.array(x, copy=True) for x in xs]

    def bcast(self, x: np.ndarray, root: int = 0) -> np.ndarray:
        _check_root(root, 1)
        return np.array(x, copy=True)

    def reduce(self, x: np.ndarray, op: str = "sum", root: int = 0) -> np.ndarray:
        _check_root(root, 1)
        return np.array(x, copy=True)

    def allgather(self, x: np.ndarray) -> np.ndarray:
        return np.array(x, copy=True)

    def reduce_scatter(self, x: np.ndarray, n_local: int) -> np.ndarray:
        if x.shape[0] != n_local:
            raise CollectiveError(f"reduce_scatter: {x.shape[0]} rows for 1 rank wanting {n_local}")
        return np.array(x, copy=True)

    def bcast_object(self, obj: Any, root: int = 0) -> Any:
        _check_root(root, 1)
        return obj

    def barrier(self) -> None:
        pass

    def abort(self, code: int = 1) -> None:
        os._exit(code)

    def __repr__(self) -> str:
        return "LocalComm(rank 0 of 1)"


def _check_root(root: int, n: int) -> None:
    if not 0 <= int(root) < n:
        raise ValueError(f"root {root} is not a rank of a communicator of size {n}")


class MPIComm:
    """Collectives over an mpi4py communicator. Each one is started non-blocking and polled,
    so a peer that died or hangs turns into a CollectiveTimeout rather than a hang."""

    def __init__(self, mpi_comm: Any):
        # optional library, loaded when first used
        from mpi4py import MPI

        self.MPI = MPI
        self.mpi_comm = mpi_comm
        self.rank = mpi_comm.Get_rank()
        self.size = mpi_comm.Get_size()
        self._ops = {"sum": MPI.SUM, "mean": MPI.SUM, "max": MPI.MAX, "min": MPI.MIN}
        self._oversubscribed = self._count_local_ranks() > (os.cpu_count() or 1)

    # How long a wait spins before it starts sleeping between polls.
    SPIN_SECONDS = 0.1

    def _count_local_ranks(self) -> int:
        env = os.environ.get("OMPI_COMM_WORLD_LOCAL_SIZE") or os.environ.get("MPI_LOCALNRANKS")
        if env and env.isdigit():
            return int(env)
        try:
            local = self.mpi_comm.Split_type(self.MPI.COMM_TYPE_SHARED)
        except Exception:
            return 1
        n = local.Get_size()
        local.Free()
        return n

    def __repr__(self) -> str:
        return f"MPIComm(rank {self.rank} of {self.size})"

    # -- waiting ----------------------------------------------------------------------
    def wait(self, req: Any, what: Any) -> None:
        """Complete `req`, raising CollectiveTimeout after config.distributed__timeout s; `what`
        (a string, or a function making it only when needed) names the collective."""
        test = req.Test
        if test():
            return
        timeout = config.distributed__timeout
        start = time.monotonic()
        deadline = start + timeout if timeout > 0 else float("inf")
        # Spin as MPI's own blocking calls do: Open MPI's non-blocking collectives advance
        # only inside Test, so any pause between polls stretches every round of a large
        # message. Ranks that share cores yield between polls, as Open MPI does when it
        # is oversubscribed.
        yield_ = os.sched_yield if self._oversubscribed else None
        spin_until = start + self.SPIN_SECONDS
        k = 0
        while not test():
            if yield_ is not None:
                yield_()
            k += 1
            if k & 255:
                continue
            now = time.monotonic()
            if now > spin_until:
                break
        else:
            return
        # Still waiting after the spin: a peer is late (computing, writing a checkpoint, or
        # gone). Poll every millisecond at most, leaving the CPU to the others, until the
        # timeout.
        pause = 5e-5
        while not test():
            if time.monotonic() > deadline:
                if callable(what):
                    what = what()
                raise CollectiveTimeout(
                    f"theano.distributed: {what} timed out on rank {self.rank} of {self.size} after "
                    f"{timeout:g} s: another rank failed, hangs, or does not call the same collectives "
                    f"in the same order (THEANO_FLAGS=distributed__timeout=SECONDS; 0 waits forever)")
            time.sleep(pause)
            pause = min(pause * 2, 1e-3)

    # -- reductions ----------------------------------------------------------------------
    def _work_array(self, x: Any, op: str) -> tuple[np.ndarray, np.dtype]:
        if op not in self._ops:
            raise ValueError(f"unknown reduction {op!r}; one of {', '.join(REDUCE_OPS)}")
        a = np.asarray(x)
        dtype = a.dtype
        if dtype == np.float16:  # MPI has no half type: reduce in float32, round once at the end
            a = a.astype(np.float32)
        elif dtype == np.bool_:
            a = a.astype(np.uint8)
        return np.ascontiguousarray(a), dtype

    def _finish(self, out: np.ndarray, op: str, dtype: np.dtype) -> np.ndarray:
        if op == "mean":
            if out.dtype.kind in "fc":
                out /= self.size
            else:
                out //= self.size
        return out if out.dtype == dtype else out.astype(dtype)

    def allreduce(self, x: Any, op: str = "sum") -> np.ndarray:
        a, dtype = self._work_array(x, op)
        out = np.empty_like(a)
        self.wait(self.mpi_comm.Iallreduce(a, out, op=self._ops[op]), lambda: f"allreduce({op!r}) of {dtype}{a.shape}")
        return self._finish(out, op, dtype)

    def allreduce_many(self, xs: Sequence[Any], op: str = "sum", bucket_bytes: int = 25 << 20
                       ) -> list[np.ndarray]:
        """Reduce many arrays through few large messages: arrays of one dtype are packed into
        contiguous buckets of about `bucket_bytes`, all started at once, then unpacked."""
        arrays = [self._work_array(x, op) for x in xs]
        # Group by dtype, keeping the given order within a dtype, and cut into buckets.
        buckets: list[tuple[np.dtype, list[int]]] = []
        open_bucket: dict[np.dtype, tuple[list[int], list[int]]] = {}
        for k, (a, _) in enumerate(arrays):
            cur = open_bucket.get(a.dtype)
            if cur is None or (cur[1][0] > 0 and cur[1][0] + a.nbytes > bucket_bytes):
                cur = ([], [0])
                open_bucket[a.dtype] = cur
                buckets.append((a.dtype, cur[0]))
            cur[0].append(k)
            cur[1][0] += a.nbytes
        results: list[Any] = [None] * len(arrays)
        pending = []
        for b, (dt, members) in enumerate(buckets):
            total = sum(arrays[k][0].size for k in members)
            buf = np.empty(total, dtype=dt)
            off = 0
            for k in members:
                n = arrays[k][0].size
                buf[off:off + n] = arrays[k][0].reshape(-1)
                off += n
            # Started before the next bucket is packed, so packing overlaps communication.
            req = self.mpi_comm.Iallreduce(self.MPI.IN_PLACE, buf, op=self._ops[op])
            pending.append((req, buf, members, b))
        for req, buf, members, b in pending:
            self.wait(req, lambda: f"allreduce_many({op!r}) bucket {b + 1}/{len(buckets)} of {buf.dtype}[{buf.size}]")
            off = 0
            for k in members:
                a, dtype = arrays[k]
                n = a.size
                results[k] = self._finish(buf[off:off + n].reshape(a.shape).copy(), op, dtype)
                off += n
        return results

    def reduce(self, x: Any, op: str = "sum", root: int = 0) -> np.ndarray:
        """The reduction on `root`; zeros elsewhere (so the result has a meaning on every rank)."""
        _check_root(root, self.size)
        a, dtype = self._work_array(x, op)
        out = np.zeros_like(a)
        self.wait(self.mpi_comm.Ireduce(a, out if self.rank == root else None, op=self._ops[op], root=root),
                  f"reduce({op!r}, root={root}) of {dtype}{a.shape}")
        if self.rank != root:
            return np.zeros(a.shape, dtype)
        return self._finish(out, op, dtype)

    # -- data movement ---------------------------------------------------------------------
    def bcast(self, x: Any, root: int = 0) -> np.ndarray:
        """Root's array on every rank; every rank must pass an array of the same shape and dtype."""
        _check_root(root, self.size)
        buf = np.array(x, copy=True, order="C")
        self.wait(self.mpi_comm.Ibcast([buf.reshape(-1).view(np.uint8), self.MPI.BYTE], root=root),
                  f"broadcast(root={root}) of {buf.dtype}{buf.shape}")
        return buf

    def allgather(self, x: Any) -> np.ndarray:
        """Every rank's array concatenated along axis 0 in rank order (lengths may differ)."""
        a = np.ascontiguousarray(x)
        if a.ndim == 0:
            raise ValueError("allgather needs arrays of at least one dimension")
        counts = self._gather_counts(a.shape[0], "allgather")
        row = a[0:1].nbytes if a.shape[0] else int(np.prod(a.shape[1:], dtype=np.int64)) * a.itemsize
        out = np.empty((int(counts.sum()),) + a.shape[1:], dtype=a.dtype)
        nbytes = counts * row
        displs = np.concatenate([[0], np.cumsum(nbytes)[:-1]])
        self.wait(self.mpi_comm.Iallgatherv([a.reshape(-1).view(np.uint8), self.MPI.BYTE],
                                            [out.reshape(-1).view(np.uint8), (nbytes, displs), self.MPI.BYTE]),
                  f"allgather of {a.dtype}{a.shape}")
        return out

    def reduce_scatter(self, x: Any, n_local: int) -> np.ndarray:
        """Sum `x` (the same shape on every rank) over ranks, and keep this rank's `n_local`
        rows, in rank order: the adjoint of allgather."""
        a, dtype = self._work_array(x, "sum")
        counts = self._gather_counts(n_local, "reduce_scatter")
        if counts.sum() != a.shape[0]:
            raise CollectiveError(f"reduce_scatter on rank {self.rank}: the ranks want {counts.tolist()} rows, "
                                  f"{int(counts.sum())} in all, from an array of {a.shape[0]}")
        row = int(np.prod(a.shape[1:], dtype=np.int64))
        out = np.empty((n_local,) + a.shape[1:], dtype=a.dtype)
        self.wait(self.mpi_comm.Ireduce_scatter(a, out, recvcounts=(counts * row).tolist(), op=self.MPI.SUM),
                  f"reduce_scatter of {dtype}{a.shape}")
        return self._finish(out, "sum", dtype)

    def _gather_counts(self, n: int, what: str) -> np.ndarray:
        counts = np.empty(self.size, dtype=np.int64)
        self.wait(self.mpi_comm.Iallgather(np.array([n], dtype=np.int64), counts), f"{what} (lengths)")
        return counts

    def bcast_object(self, obj: Any, root: int = 0) -> Any:
        """Root's picklable object on every rank."""
        _check_root(root, self.size)
        data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL) if self.rank == root else b""
        n = np.array([len(data)], dtype=np.int64)
        self.wait(self.mpi_comm.Ibcast(n, root=root), f"broadcast of an object from rank {root} (length)")
        buf = np.frombuffer(data, dtype=np.uint8).copy() if self.rank == root else np.empty(int(n[0]), np.uint8)
        self.wait(self.mpi_comm.Ibcast([buf, self.MPI.BYTE], root=root), f"broadcast of an object from rank {root}")
        return obj if self.rank == root else pickle.loads(buf.tobytes())

    def barrier(self) -> None:
        self.wait(self.mpi_comm.Ibarrier(), "barrier")

    def abort(self, code: int = 1) -> None:
        self.mpi_comm.Abort(code)


_comm: LocalComm | MPIComm | None = None
_hook_installed = False


def init(comm: Any = None) -> LocalComm | MPIComm:
    """Set up the communicator (called on first use): `comm` may be an mpi4py communicator;
    by default MPI.COMM_WORLD under an MPI launcher, else a single process."""
    global _comm
    if comm is not None:
        _comm = comm if isinstance(comm, (LocalComm, MPIComm)) else MPIComm(comm)
    elif launched_by_mpi():
        try:
            # optional library, loaded when first used
            from mpi4py import MPI
        except ImportError as e:
            n = _launcher_size()
            if n is not None and n > 1:
                raise ImportError(f"theano.distributed: this process was started by an MPI launcher with "
                                  f"{n} ranks but mpi4py cannot be imported ({e}); install it with "
                                  f"`pip install mpi4py` (or the core's `mpi` extra)") from None
            _comm = LocalComm()  # `mpirun -n 1` without mpi4py: one process is right
        else:
            _comm = MPIComm(MPI.COMM_WORLD)
    else:
        _comm = LocalComm()
    if _comm.size > 1:
        _install_excepthook()
    return _comm


def get() -> LocalComm | MPIComm:
    """The communicator, set up on first use."""
    return _comm if _comm is not None else init()


def rank() -> int:
    """This process's rank (0 outside MPI)."""
    return get().rank


def size() -> int:
    """The number of processes (1 outside MPI)."""
    return get().size


def is_distributed() -> bool:
    """Whether more than one process takes part."""
    return get().size > 1


def barrier() -> None:
    """Wait until every rank gets here (with the collective timeout)."""
    get().barrier()


def _install_excepthook() -> None:
    """An uncaught exception on one rank would leave the others blocked in their next
    collective; print who failed and why, then abort the whole job."""
    global _hook_installed
    if _hook_installed:
        return
    previous = sys.excepthook

    def hook(tp: type, value: BaseException, tb: Any) -> None:
        try:
            previous(tp, value, tb)
        finally:
            c = _comm
            r = c.rank if c is not None else "?"
            msg = str(value).splitlines()[0] if str(value) else ""
            sys.stderr.write(f"theano.distributed: rank {r} failed: {tp.__name__}: {msg}\n")
            sys.stderr.flush()
            sys.stdout.flush()
            if c is not None:
                c.abort(1)

    sys.excepthook = hook
    _hook_installed = True
