"""a * b + c rounded once (a fused multiply-add), in NumPy, and as an op.

Theano 1.0's compiled kernels are built with -march=native, so on a CPU with FMA the C
compiler fuses `u * (high - low) + low` into one correctly rounded operation. To give its
numbers, MRG_RandomStreams computes its affine transforms with `FusedMultiplyAdd`, whose
NumPy meaning (run by every backend) emulates that rounding exactly:
- float64: Boldo and Melquiond's emulation (IEEE Trans. Computers 57(4), 2008): the exact
  product as two doubles (Dekker), an exact sum with c (Knuth's TwoSum), the two error terms
  added with rounding to odd, then one rounding to nearest.
- float32 and float16: the product of two such floats is exact in float64; the sum with c is
  rounded to odd in float64 and then to the narrow type, which rounds correctly because
  float64 carries more than two extra bits.
Non-finite results are those of a * b + c.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..tensor import basic as tb
from ..tensor.type import TensorType

__all__ = ["fma", "FusedMultiplyAdd", "fused_multiply_add"]

_SPLIT = 134217729.0  # 2**27 + 1: Veltkamp's constant for binary64


def _two_sum(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    s = a + b
    bb = s - a
    return s, (a - (s - bb)) + (b - bb)


def _two_prod(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    p = a * b

    def split(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        c = _SPLIT * x
        hi = c - (c - x)
        return hi, x - hi

    ah, al = split(a)
    bh, bl = split(b)
    return p, ((ah * bh - p) + ah * bl + al * bh) + al * bl


def _round_to_odd_sum(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """a + b in float64 rounded to odd: exact sums unchanged, others to the neighbour of the
    exact sum whose last significand bit is 1."""
    s, err = _two_sum(a, b)
    even = (s.view(np.int64) & 1) == 0
    step = even & (err != 0)
    if step.any():
        s = np.where(step, np.nextafter(s, np.where(err > 0, np.inf, -np.inf)), s)
    return s


def fma(a: Any, b: Any, c: Any, dtype: str = "float64") -> np.ndarray:
    """a * b + c with one rounding to `dtype` (float16, float32 or float64); a, b and c are
    first converted to `dtype` and broadcast together."""
    dt = np.dtype(dtype)
    if dt.kind != "f" or dt.itemsize > 8:
        raise TypeError(f"fma: dtype must be float16, float32 or float64, got {dtype}")
    a, b, c = (np.asarray(np.asarray(x, dtype=dt), dtype="float64") for x in (a, b, c))
    shape = np.broadcast_shapes(a.shape, b.shape, c.shape)
    with np.errstate(all="ignore"):
        plain = a * b + c
        if dt == np.float64:
            uh, ul = _two_prod(a, b)
            th, tl = _two_sum(c, uh)
            out = th + _round_to_odd_sum(tl, ul)
        else:
            out = _round_to_odd_sum(a * b, c)
        out = np.where(np.isfinite(plain) & np.isfinite(out), out, plain)
    return np.broadcast_to(out, shape).astype(dt)


class FusedMultiplyAdd(Op):
    """Inputs a, b, c of one dtype and rank (broadcast first: `fused_multiply_add`); output
    a * b + c rounded once."""

    __props__ = ()

    def make_node(self, a: Any, b: Any, c: Any) -> Apply:
        ins = [tb.as_tensor_variable(x) for x in (a, b, c)]
        types = {(x.type.dtype, x.type.ndim) for x in ins}
        if len(types) != 1 or ins[0].type.dtype not in ("float16", "float32", "float64"):
            raise TypeError("FusedMultiplyAdd: a, b and c must be floats of one dtype and rank, got "
                            + ", ".join(str(x.type) for x in ins))
        bcast = tuple(all(bs) for bs in zip(*(x.type.broadcastable for x in ins)))
        return Apply(self, ins, [TensorType(ins[0].type.dtype, bcast)()])

    def make_py_fn(self, node: Apply) -> Any:
        dtype = node.outputs[0].type.dtype

        def fn(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> np.ndarray:
            if not a.shape == b.shape == c.shape:
                raise ValueError(f"FusedMultiplyAdd: shapes {a.shape}, {b.shape}, {c.shape} differ")
            return fma(a, b, c, dtype)

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list[Variable]:
        a, b, _ = inputs
        g = output_grads[0]
        return [g * b, g * a, g]


def fused_multiply_add(a: Any, b: Any, c: Any, dtype: str) -> Variable:
    """a * b + c rounded once to `dtype`, a, b and c cast to it and broadcast to one shape."""
    a, b, c = (tb.cast(tb.as_tensor_variable(x), dtype) for x in (a, b, c))
    nd = max(x.type.ndim for x in (a, b, c))
    a, b, c = (x.dimshuffle(("x",) * (nd - x.type.ndim) + tuple(range(x.type.ndim))) for x in (a, b, c))
    c = tb.fill(a, tb.fill(b, c))  # c broadcast to the shape of the result
    return FusedMultiplyAdd()(tb.fill(c, a), tb.fill(c, b), c)
