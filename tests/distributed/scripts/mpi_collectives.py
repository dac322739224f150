"""Checks every collective and its gradient against NumPy on any number of ranks; prints
'collectives OK on rank R' or raises (which aborts the job with the rank named)."""
import numpy as np

import theano
import theano.tensor as T
from theano import distributed as dist

r, n = dist.rank(), dist.size()
assert dist.is_distributed() == (n > 1)


def close(a, b, what):
    if not np.allclose(a, b, rtol=1e-12, atol=1e-12):
        raise AssertionError(f"{what}: got {a}, expected {b}")


# broadcast_shared: ranks seeded differently agree on rank 0's values (and on root 1's).
w = theano.shared(np.random.RandomState(r).randn(3, 4), "w")
v = theano.shared(np.arange(r + 2, dtype="int64"), "v")  # different lengths: root's wins
dist.broadcast_shared([w, v])
close(w.get_value(), np.random.RandomState(0).randn(3, 4), "broadcast_shared w")
close(v.get_value(), np.arange(2), "broadcast_shared v")
w.set_value(np.random.RandomState(r).randn(3, 4))
dist.broadcast_shared([w], root=n - 1)
close(w.get_value(), np.random.RandomState(n - 1).randn(3, 4), "broadcast_shared root=n-1")

vals = [np.array([1.0, -2.0, 3.0]) * (k + 1) + k for k in range(n)]
mine = vals[r]
x = T.dvector("x")
for op, ref in (("sum", np.sum), ("mean", np.mean), ("max", np.max), ("min", np.min)):
    f = theano.function([x], dist.allreduce(x, op))
    close(f(mine), ref(vals, axis=0), f"allreduce {op}")

# Gradients (each rank differentiates its own cost; the objective is the sum over ranks).
wgt = np.array([0.5, 1.5, -1.0])
for op in ("sum", "mean", "max"):
    g = theano.grad((dist.allreduce(x, op) * wgt).sum(), x)
    got = theano.function([x], g)(mine)
    if op == "sum":
        exp = n * wgt
    elif op == "mean":
        exp = wgt
    else:
        exp = n * wgt * (mine == np.max(vals, axis=0))
    close(got, exp, f"grad allreduce {op}")

root = n - 1
y = dist.broadcast(x, root)
fb = theano.function([x], [y, theano.grad((y * wgt).sum(), x)])
out, gb = fb(mine)
close(out, vals[root], "broadcast")
close(gb, n * wgt if r == root else np.zeros(3), "grad broadcast")

# allgather with a different number of rows on each rank, its shape and its gradient.
m = T.dmatrix("m")
rows = [np.full((k + 1, 2), float(k)) for k in range(n)]
z = dist.allgather(m)
cw = np.arange(sum(k + 1 for k in range(n)) * 2, dtype=float).reshape(-1, 2)
fg = theano.function([m], [z, z.shape, theano.grad((z * cw).sum(), m)])
zv, zs, gm = fg(rows[r])
close(zv, np.concatenate(rows), "allgather")
assert tuple(zs) == (n * (n + 1) // 2, 2), zs
start = r * (r + 1) // 2
close(gm, n * cw[start:start + r + 1], "grad allgather")

# allreduce_many: mixed dtypes, buckets far smaller than the tensors, integers summed.
a32, a64, i64 = T.fvector("a32"), T.dmatrix("a64"), T.lvector("i64")
outs = dist.allreduce_many([a64, a32, i64, a64 * 2], "sum", bucket_bytes=40)
fm = theano.function([a64, a32, i64], outs)
A = np.arange(12.0).reshape(3, 4) + r
B = (np.arange(5) * (r + 1)).astype("float32")
C = np.arange(4, dtype="int64") * (r + 1)
res = fm(A, B, C)
tot = n * (n + 1) // 2
close(res[0], sum(np.arange(12.0).reshape(3, 4) + k for k in range(n)), "allreduce_many float64")
close(res[1], np.arange(5) * tot, "allreduce_many float32")
assert res[1].dtype == np.float32 and res[2].dtype == np.int64
close(res[2], np.arange(4) * tot, "allreduce_many int64")
close(res[3], 2 * res[0], "allreduce_many repeated")
gmany = theano.grad(sum((o * (k + 1)).sum() for k, o in enumerate(dist.allreduce_many([a64, a64 * 3], "mean"))), a64)
close(theano.function([a64], gmany)(A), np.full((3, 4), 1.0 + 2 * 3), "grad allreduce_many mean")

# shard: contiguous blocks covering the data exactly once.
parts = theano.distributed.get_comm().allgather(np.asarray(dist.shard(np.arange(10))))
close(parts, np.arange(10), "shard")
print(f"collectives OK on rank {r} of {n}", flush=True)
