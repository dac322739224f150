"""Data-parallel training over MPI: collectives as graph ops, start-up broadcast, sharding,
checkpoints, and bounded-time failure.

    from theano import distributed as dist
    dist.broadcast_shared(params)
    grads = dist.allreduce_many(theano.grad(cost, params), "mean")
    x_local = dist.shard(x_all)

Run with ``mpirun -n 4 python train.py``; as ``python train.py`` it is one process (rank 0
of 1) and mpi4py is never imported. See docs/distributed.md.
"""
from __future__ import annotations

from .comm import (CollectiveError, CollectiveTimeout, barrier, get as get_comm, init, is_distributed,
                   launched_by_mpi, rank, size)
from .ops import (AllGather, AllReduce, AllReduceMany, Broadcast, DEFAULT_BUCKET_BYTES, Reduce, ReduceScatter,
                  allgather, allreduce, allreduce_many, broadcast)
from .data import shard, shard_bounds
from .shared import agree, broadcast_shared
from .checkpoint import load_checkpoint, save_checkpoint

__all__ = ["CollectiveError", "CollectiveTimeout", "barrier", "get_comm", "init", "is_distributed",
           "launched_by_mpi", "rank", "size", "AllGather", "AllReduce", "AllReduceMany", "Broadcast",
           "DEFAULT_BUCKET_BYTES", "Reduce", "ReduceScatter", "allgather", "allreduce", "allreduce_many",
           "broadcast", "shard", "shard_bounds", "agree", "broadcast_shared", "load_checkpoint",
           "save_checkpoint"]
