"""Making every rank's shared variables equal to one rank's."""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from . import comm as _comm
from .comm import CollectiveError
import sys

__all__ = ["broadcast_shared", "agree"]


def agree(ok: bool, what: str) -> None:
    """Raise on every rank if `ok` is false on any: an error on one rank alone would leave
    the others waiting in the next collective."""
    c = _comm.get()
    if c.size == 1:
        if not ok:
            raise CollectiveError(f"{what} failed")
        return
    flags = c.allgather(np.array([0 if ok else 1], dtype=np.int8))
    if flags.any():
        bad = [r for r, f in enumerate(flags.tolist()) if f]
        raise CollectiveError(f"{what} failed on rank(s) {', '.join(map(str, bad))}")


def broadcast_shared(shared_vars: Sequence[Any], root: int = 0) -> None:
    """Give every rank `root`'s values of `shared_vars` (call it once at start-up, after
    building the model, so that ranks seeded differently start from the same parameters)."""
    shared_vars = list(shared_vars)
    c = _comm.get()
    if c.size == 1:
        return
    values = [np.asarray(v.get_value(borrow=True)) for v in shared_vars]
    meta = c.bcast_object([(a.shape, a.dtype.str) for a in values], root)
    ok = len(meta) == len(shared_vars) and all(
        np.dtype(dt) == a.dtype and len(shape) == a.ndim for (shape, dt), a in zip(meta, values))
    if not ok and c.rank != root:
        print(f"theano.distributed: rank {c.rank}: broadcast_shared: {len(shared_vars)} variable(s) "
              f"here, {len(meta)} on rank {root}, or their dtypes or ranks differ", file=sys.stderr)
    agree(ok, "broadcast_shared (the ranks pass different lists of shared variables)")
    for var, a, (shape, dt) in zip(shared_vars, values, meta):
        buf = a if a.shape == tuple(shape) else np.empty(shape, dtype=dt)
        var.set_value(c.bcast(buf, root), borrow=True)
