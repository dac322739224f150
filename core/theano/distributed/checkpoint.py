"""Saving and restoring shared variables across a job: rank 0 writes atomically, rank 0
reads and broadcasts, so a killed job resumes from its last checkpoint with nothing lost."""
from __future__ import annotations

import json
import os
import tempfile
from typing import Any, Sequence

import numpy as np

from . import comm as _comm
from .shared import broadcast_shared

__all__ = ["save_checkpoint", "load_checkpoint"]

_FORMAT = "theano.distributed.checkpoint/1"


def _write(path: str, shared_vars: Sequence[Any], step: int) -> None:
    arrays = {f"v{k}": np.asarray(v.get_value(borrow=True)) for k, v in enumerate(shared_vars)}
    header = json.dumps({"format": _FORMAT, "step": int(step), "names": [v.name for v in shared_vars]})
    directory = os.path.dirname(os.path.abspath(path))
    # A temporary file in the same directory, so os.replace is an atomic rename: a job killed
    # while writing leaves the previous checkpoint intact, never a truncated one.
    fd, tmp = tempfile.mkstemp(prefix=os.path.basename(path) + ".", suffix=".tmp", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            np.savez(f, __header__=np.array(header), **arrays)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename itself durable
        dfd = os.open(directory, os.O_RDONLY)
        try:
            os.fsync(dfd)
        finally:
            os.close(dfd)
    except OSError:
        pass


def save_checkpoint(path: str | os.PathLike, shared_vars: Sequence[Any], step: int) -> None:
    """Write the values of `shared_vars` and `step` to `path` (rank 0 only; the ranks hold the
    same values). Every rank returns once the file is in place, or raises rank 0's error."""
    path = os.fspath(path)
    shared_vars = list(shared_vars)
    c = _comm.get()
    err = None
    if c.rank == 0:
        try:
            _write(path, shared_vars, step)
        except Exception as e:
            err = f"{type(e).__name__}: {e}"
    # The broadcast of the outcome doubles as the barrier: the others wait for rank 0's write.
    err = c.bcast_object(err, 0)
    if err is not None:
        raise OSError(f"save_checkpoint: rank 0 could not write {path}: {err}")


def _read(path: str, shared_vars: Sequence[Any]) -> tuple[int, list]:
    with np.load(path, allow_pickle=False) as z:
        header = json.loads(str(z["__header__"]))
        if header.get("format") != _FORMAT:
            raise ValueError(f"{path} is not a theano.distributed checkpoint")
        names = header["names"]
        if len(names) != len(shared_vars):
            raise ValueError(f"{path} holds {len(names)} variable(s) {names}, "
                             f"{len(shared_vars)} were given")
        values = []
        for k, (var, name) in enumerate(zip(shared_vars, names)):
            if name is not None and var.name is not None and name != var.name:
                raise ValueError(f"variable {k} is {var.name!r} but the checkpoint's is {name!r}; "
                                 f"pass the shared variables in the order they were saved")
            try:
                values.append(var.type.filter(z[f"v{k}"], strict=False, allow_downcast=None))
            except (TypeError, ValueError) as e:
                raise ValueError(f"variable {k} ({var.name}): {e}") from None
    return int(header["step"]), values


def load_checkpoint(path: str | os.PathLike, shared_vars: Sequence[Any], missing_ok: bool = False
                    ) -> int | None:
    """Restore `shared_vars` from `path` on every rank (rank 0 reads, then broadcasts) and
    return the saved step. With missing_ok, a missing file returns None on every rank and
    changes nothing (the files may live on rank 0's disk only, so the others cannot look)."""
    path = os.fspath(path)
    shared_vars = list(shared_vars)
    c = _comm.get()
    status: tuple = ("ok", None)
    if c.rank == 0:
        try:
            step, values = _read(path, shared_vars)
        except FileNotFoundError:
            status = ("missing", None)
        except Exception as e:
            status = ("error", f"{type(e).__name__}: {e}")
        else:
            # Set only after every value passed its check, so an error changes nothing.
            for var, v in zip(shared_vars, values):
                var.set_value(v, borrow=True)
            status = ("ok", step)
    kind, detail = c.bcast_object(status, 0)
    if kind == "missing":
        if missing_ok:
            return None
        raise FileNotFoundError(f"load_checkpoint: no checkpoint at {path} (on rank 0)")
    if kind == "error":
        raise ValueError(f"load_checkpoint: rank 0 could not restore {path}: {detail}")
    broadcast_shared(shared_vars, root=0)
    return detail
