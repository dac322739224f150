"""Train a 20-16-3 MLP (float64) data-parallel and save this rank's parameters after every
step. Run under mpirun (each rank a shard of each batch) or as one process (the whole batch)."""
import argparse

import numpy as np

import theano
import theano.tensor as T
from theano import distributed as dist

ap = argparse.ArgumentParser()
ap.add_argument("--out", required=True, help="prefix of the per-rank .npz outputs")
ap.add_argument("--steps", type=int, default=6)
ap.add_argument("--batch", type=int, default=24)
ap.add_argument("--sync", choices=["many", "each"], default="many")
ap.add_argument("--bucket-bytes", type=int, default=dist.DEFAULT_BUCKET_BYTES)
ap.add_argument("--checkpoint", default=None)
ap.add_argument("--checkpoint-every", type=int, default=2)
ap.add_argument("--resume", action="store_true")
ap.add_argument("--fail-at-step", type=int, default=-1)
ap.add_argument("--fail-rank", type=int, default=1)
args = ap.parse_args()

rank, size = dist.rank(), dist.size()
# Seeded by rank on purpose: broadcast_shared must make every rank start from rank 0's values,
# which are also the one-process run's (seed 1000).
rng = np.random.RandomState(1000 + rank)
W1 = theano.shared(rng.randn(20, 16) * 0.3, "W1")
b1 = theano.shared(np.zeros(16), "b1")
W2 = theano.shared(rng.randn(16, 3) * 0.3, "W2")
b2 = theano.shared(rng.randn(3) * 0.1, "b2")
params = [W1, b1, W2, b2]
dist.broadcast_shared(params)

data = np.random.RandomState(7)
X_all = data.randn(args.steps * args.batch, 20)
y_all = data.randint(0, 3, size=args.steps * args.batch).astype("int64")

x, t = T.dmatrix("x"), T.lvector("t")
h = T.tanh(T.dot(x, W1) + b1)
p = T.nnet.softmax(T.dot(h, W2) + b2)
cost = T.nnet.categorical_crossentropy(p, t).mean()
grads = theano.grad(cost, params)
if args.sync == "many":
    grads = dist.allreduce_many(grads, "mean", bucket_bytes=args.bucket_bytes)
else:
    grads = [dist.allreduce(g, "mean") for g in grads]
step_fn = theano.function([x, t], cost, updates=[(q, q - 0.5 * g) for q, g in zip(params, grads)])

start = 0
if args.resume:
    start = dist.load_checkpoint(args.checkpoint, params, missing_ok=True) or 0
history = []
for step in range(start, args.steps):
    if step == args.fail_at_step and rank == args.fail_rank:
        raise RuntimeError(f"injected failure at step {step}")
    sl = slice(step * args.batch, (step + 1) * args.batch)
    step_fn(dist.shard(X_all[sl]), dist.shard(y_all[sl]))
    history.append(np.concatenate([q.get_value().ravel() for q in params]))
    if args.checkpoint and (step + 1) % args.checkpoint_every == 0:
        dist.save_checkpoint(args.checkpoint, params, step + 1)
np.savez(f"{args.out}.rank{rank}.npz", history=np.array(history), start=start)
print(f"rank {rank} of {size}: trained steps {start}..{args.steps - 1}", flush=True)
