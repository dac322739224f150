"""Discrete draws computed from uniforms, as Theano 1.0's sandbox.multinomial ops compute them.

Both ops take a probability matrix `pvals` (one distribution a row), a vector of uniforms and
a sample count `n`; draw c of row r reads the uniform `unis[c * rows + r]`. An outcome is the
first column whose running sum (accumulated in double precision) exceeds the uniform. These
are the rules of Theano's C code, so MRG_RandomStreams gives Theano's numbers for a seed.
"""
from __future__ import annotations

from typing import Any, Sequence

import numpy as np

from ..graph.null_gradients import grad_undefined
from ..graph.basic import Apply, Variable
from ..graph.op import Op
from ..tensor import basic as tb
from ..tensor.type import TensorType

__all__ = ["MultinomialFromUniform", "ChoiceFromUniform"]

_BLOCK = 1 << 22  # booleans compared at once when counting multinomial draws


def _inputs(op: Op, pvals: Any, unis: Any, n: Any) -> list[Variable]:
    pvals, unis = tb.as_tensor_variable(pvals), tb.as_tensor_variable(unis)
    n = tb.as_tensor_variable(n)
    if pvals.type.ndim != 2:
        raise NotImplementedError(f"{type(op).__name__}: pvals must be a matrix, got {pvals.type}")
    if unis.type.ndim != 1:
        raise NotImplementedError(f"{type(op).__name__}: the uniforms must be a vector, got {unis.type}")
    if n.type.ndim != 0 or not n.type.dtype.startswith(("int", "uint")):
        raise TypeError(f"{type(op).__name__}: n must be an integer scalar, got {n.type}")
    return [pvals, unis, n]


def _check_count(name: str, unis: np.ndarray, rows: int, n: int) -> None:
    if n < 0:
        raise ValueError(f"{name}: the number of samples must not be negative, got {n}")
    if unis.shape[0] != rows * n:
        raise ValueError(f"{name}: {unis.shape[0]} uniforms for {rows} rows of pvals times n={n}")


class MultinomialFromUniform(Op):
    """Counts (shape of pvals, dtype odtype) of n draws from each row of pvals."""

    __props__ = ("odtype",)

    def __init__(self, odtype: str = "int64"):
        self.odtype = str(odtype)

    def make_node(self, pvals: Any, unis: Any, n: Any = 1) -> Apply:
        ins = _inputs(self, pvals, unis, n)
        return Apply(self, ins, [TensorType(self.odtype, ins[0].type.broadcastable)()])

    def make_py_fn(self, node: Apply) -> Any:
        odtype = np.dtype(self.odtype)

        def fn(pvals: np.ndarray, unis: np.ndarray, n: np.ndarray) -> np.ndarray:
            rows, k = pvals.shape
            n = int(n)
            _check_count("MultinomialFromUniform", unis, rows, n)
            cum = np.cumsum(pvals.astype("float64"), axis=1)
            counts = np.zeros((rows, k), dtype="int64")
            u = unis.astype("float64").reshape(n, rows)
            step = max(1, _BLOCK // max(1, rows * k))
            r = np.broadcast_to(np.arange(rows), (min(step, max(n, 1)), rows))
            for start in range(0, n, step):
                block = u[start:start + step]
                hit = cum[None, :, :] > block[:, :, None]
                found = hit.any(axis=2)
                # A uniform beyond the row's total (pvals summing to less than 1) counts nowhere.
                np.add.at(counts, (r[:len(block)][found], hit.argmax(axis=2)[found]), 1)
            return counts.astype(odtype)

        return fn

    def infer_shape(self, node: Apply, shapes: Sequence[Any]) -> list[Any]:
        return [shapes[0]]

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list[Variable]:
        return [grad_undefined(self, k, x) for k, x in enumerate(inputs)]


class ChoiceFromUniform(Op):
    """Indices (rows x n, dtype odtype) of n draws from each row of pvals; without replacement
    a drawn outcome's probability becomes 0 and the row is renormalised (in the dtype of pvals,
    as Theano's C code does). A uniform beyond every running sum gives -1."""

    __props__ = ("odtype", "replace")

    def __init__(self, odtype: str = "int64", replace: bool = False):
        self.odtype, self.replace = str(odtype), bool(replace)

    def make_node(self, pvals: Any, unis: Any, n: Any = 1) -> Apply:
        ins = _inputs(self, pvals, unis, n)
        return Apply(self, ins, [TensorType(self.odtype, (ins[0].type.broadcastable[0], False))()])

    def make_py_fn(self, node: Apply) -> Any:
        odtype, replace = np.dtype(self.odtype), self.replace

        def fn(pvals: np.ndarray, unis: np.ndarray, n: np.ndarray) -> np.ndarray:
            rows, k = pvals.shape
            n = int(n)
            if not replace and n > k:
                raise ValueError(f"ChoiceFromUniform: cannot draw {n} samples without replacement "
                                 f"from {k} outcomes")
            _check_count("ChoiceFromUniform", unis, rows, n)
            p = np.array(pvals, copy=True)
            out = np.full((rows, n), -1, dtype="int64")
            u = unis.astype("float64").reshape(n, rows)
            for c in range(n):
                cum = np.cumsum(p.astype("float64"), axis=1)
                hit = cum > u[c][:, None]
                found = hit.any(axis=1)
                m = hit.argmax(axis=1)
                out[found, c] = m[found]
                if replace or c == n - 1 or not found.any():
                    continue
                fr = np.flatnonzero(found)
                mf = m[fr]
                # The sum restarts from the running sum before the drawn outcome (rounded to the
                # dtype of pvals), then adds the row from that outcome on, the outcome now 0.
                total = (cum[fr, mf] - p[fr, mf].astype("float64")).astype(p.dtype)
                p[fr, mf] = 0
                for j in range(k):
                    total = np.where(j >= mf, total + p[fr, j], total).astype(p.dtype)
                p[fr] = (p[fr] / total[:, None]).astype(p.dtype)
            return out.astype(odtype)

        return fn

    def grad(self, inputs: Sequence[Variable], output_grads: Sequence[Variable]) -> list[Variable]:
        return [grad_undefined(self, k, x) for k, x in enumerate(inputs)]
