"""Rank 1 fails after the first allreduce: it raises (--mode raise) or hangs (--mode hang);
the others are then waiting in the second allreduce."""
import argparse
import time

import numpy as np

import theano
import theano.tensor as T
from theano import distributed as dist

ap = argparse.ArgumentParser()
ap.add_argument("--mode", choices=["raise", "hang"], required=True)
args = ap.parse_args()

x = T.dvector("x")
f = theano.function([x], dist.allreduce(x, "sum"))
print(f"rank {dist.rank()}: first allreduce {f(np.ones(4))}", flush=True)
if dist.rank() == 1:
    if args.mode == "raise":
        raise ValueError("injected failure: bad batch on purpose")
    time.sleep(120)
f(np.ones(4))
print(f"rank {dist.rank()}: second allreduce returned (it should not have)", flush=True)
