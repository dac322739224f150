"""Each rank's share of a dataset."""
from __future__ import annotations

from typing import Any

from . import comm as _comm

__all__ = ["shard", "shard_bounds"]


def shard_bounds(n: int, rank: int, size: int) -> tuple[int, int]:
    """[start, stop) of `rank`'s contiguous block of `n` items split over `size` ranks; the
    first n % size ranks get one item more, so shard lengths differ by at most one."""
    if size < 1 or not 0 <= rank < size:
        raise ValueError(f"rank {rank} is not a rank of {size} process(es)")
    base, extra = divmod(n, size)
    start = rank * base + min(rank, extra)
    return start, start + base + (1 if rank < extra else 0)


def shard(data: Any, rank: int | None = None, size: int | None = None) -> Any:
    """This rank's contiguous block of `data` (an array, split along axis 0, or any sequence
    that supports len() and slicing); rank and size default to the communicator's.

    Blocks rather than strides keep each shard a view of the array (no copy). For the average
    of per-rank gradients to equal the full batch's, give every rank the same number of rows
    (a batch size divisible by the number of ranks)."""
    if rank is None or size is None:
        c = _comm.get()
        rank = c.rank if rank is None else rank
        size = c.size if size is None else size
    try:
        n = len(data)
    except TypeError:
        raise TypeError(f"shard needs an array or a sequence with len(); got {type(data).__name__}") from None
    start, stop = shard_bounds(n, int(rank), int(size))
    return data[start:stop]
