"""Batch normalization (Theano 1.0's `theano.tensor.nnet.bn`).

Training and inference are each one op, so that backends can hand them to a library kernel
(cuDNN) by class; their gradients are graphs of ordinary tensor ops, so derivatives of any
order work. The simple `batch_normalization` is an elementwise graph.
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from ...config import config
from ...graph.basic import Apply, Variable
from ...graph.op import Op
from ...scalar import basic as scal
from ..basic import addbroadcast, as_tensor_variable, cast, patternbroadcast
from ..math import sqrt
from ..math import sum as tsum
from ..type import TensorType

__all__ = ["BatchNormTrain", "BatchNormInference", "AbstractBatchNormTrain", "AbstractBatchNormInference",
           "batch_normalization", "batch_normalization_train", "batch_normalization_test"]


def _float(opname: str, v: Any, ndim: int, what: str) -> Variable:
    v = as_tensor_variable(v)
    if v.type.dtype not in scal.float_dtypes:
        raise TypeError(f"{opname}: {what} must be a tensor of floats, got {v.type}")
    if v.type.ndim != ndim:
        raise TypeError(f"{opname}: {what} must have {ndim} dimensions like the inputs, got {v.type}")
    return v


def _stat_type(x: Variable, axes: Sequence[int]) -> TensorType:
    return TensorType(x.type.dtype, tuple(True if i in axes else b for i, b in enumerate(x.type.broadcastable)))


def _count(x: Variable, axes: Sequence[int]) -> Variable:
    """The number of values each statistic is taken over, as a float of x's dtype."""
    m = x.shape[axes[0]]
    for a in axes[1:]:
        m = m * x.shape[a]
    return cast(m, x.type.dtype)


def _check_param_shapes(opname: str, x: np.ndarray, axes: Sequence[int], params: Sequence[np.ndarray],
                        names: Sequence[str]) -> None:
    want = tuple(1 if i in axes else s for i, s in enumerate(x.shape))
    for p, n in zip(params, names):
        try:
            ok = np.broadcast_shapes(p.shape, want) == want
        except ValueError:
            ok = False
        if not ok:
            raise ValueError(f"{opname}: {n} has shape {p.shape}, but inputs of shape {x.shape} "
                             f"normalized over axes {tuple(axes)} need {want}")


class BatchNormTrain(Op):
    """Normalizes x by its mean and variance over `axes`, then scales by gamma and shifts by beta.

    Outputs (out, mean, invstd), and with running averages given as two more inputs,
    (new running mean, new running variance) too; the running variance is unbiased.
    """

    __props__ = ("axes", "epsilon", "running_average_factor")

    def __init__(self, axes: Sequence[int] = (0,), epsilon: float = 1e-4, running_average_factor: float = 0.1):
        self.axes = tuple(int(a) for a in axes)
        self.epsilon = float(epsilon)
        self.running_average_factor = float(running_average_factor)

    def make_node(self, x: Any, gamma: Any, beta: Any, running_mean: Any = None,
                  running_var: Any = None) -> Apply:
        name = type(self).__name__
        x = as_tensor_variable(x)
        nd = x.type.ndim
        x = _float(name, x, nd, "the inputs")
        if any(not 0 <= a < nd for a in self.axes):
            raise ValueError(f"{name}: axes {self.axes} out of range for {nd}-d inputs")
        ins = [x, _float(name, gamma, nd, "gamma"), _float(name, beta, nd, "beta")]
        outs = [x.type(), _stat_type(x, self.axes)(), _stat_type(x, self.axes)()]
        if (running_mean is None) != (running_var is None):
            raise ValueError(f"{name}: give both running_mean and running_var, or neither")
        if running_mean is not None:
            rm, rv = _float(name, running_mean, nd, "running_mean"), _float(name, running_var, nd, "running_var")
            ins += [rm, rv]
            outs += [rm.type(), rv.type()]
        return Apply(self, ins, outs)

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        axes, eps, f = self.axes, self.epsilon, self.running_average_factor
        dts = [np.dtype(o.type.dtype) for o in node.outputs]

        def fn(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, *running: np.ndarray) -> tuple:
            _check_param_shapes("BatchNormTrain", x, axes, (gamma, beta) + running,
                                ("gamma", "beta", "running_mean", "running_var"))
            mean = x.mean(axis=axes, keepdims=True)
            var = x.var(axis=axes, keepdims=True)
            invstd = 1.0 / np.sqrt(var + eps)
            out = (x - mean) * invstd * gamma + beta
            res = [out, mean, invstd]
            if running:
                m = x.size // max(mean.size, 1)
                rm, rv = running
                res.append(rm * (1.0 - f) + mean * f)
                res.append(rv * (1.0 - f) + var * (m / max(m - 1, 1)) * f)
            return tuple(np.asarray(r, dtype=d) for r, d in zip(res, dts))

        return fn

    def perform(self, node, inputs, output_storage):
        for st, v in zip(output_storage, self.make_py_fn(node)(*[np.asarray(i) for i in inputs])):
            st[0] = v

    def infer_shape(self, node, shapes):
        x_shape = tuple(shapes[0])
        stat = tuple(1 if i in self.axes else s for i, s in enumerate(x_shape))
        # The running outputs take the running inputs' shapes (broadcasting against the statistics).
        return [x_shape, stat, stat] + [tuple(s) for s in shapes[3:]]

    def L_op(self, inputs, outputs, output_grads):
        x, gamma = inputs[0], inputs[1]
        _, mean, invstd = outputs[:3]
        g_out, g_mean, g_invstd = output_grads[:3]
        axes, f = self.axes, self.running_average_factor
        m = _count(x, axes)
        xc = x - mean
        xhat = xc * invstd
        gs = g_out * gamma
        # d out / d x through the mean and the variance of the batch.
        dx = invstd * (gs - tsum(gs, axis=axes, keepdims=True) / m
                       - xhat * tsum(gs * xhat, axis=axes, keepdims=True) / m)
        dx = dx + g_mean / m - g_invstd * invstd ** 3 * xc / m
        d_gamma = tsum(g_out * xhat, axis=axes, keepdims=True)
        d_beta = tsum(g_out, axis=axes, keepdims=True)
        grads = [dx, d_gamma, d_beta]
        if len(inputs) == 5:
            g_rm, g_rv = output_grads[3:]
            dx = dx + g_rm * f / m + g_rv * (2.0 * f / (m - 1)) * xc
            grads = [dx, d_gamma, d_beta, g_rm * (1.0 - f), g_rv * (1.0 - f)]
        return grads


class BatchNormInference(Op):
    """(x - mean) / sqrt(var + epsilon) * gamma + beta, with given statistics."""

    __props__ = ("axes", "epsilon")

    def __init__(self, axes: Sequence[int] = (0,), epsilon: float = 1e-4):
        self.axes = tuple(int(a) for a in axes)
        self.epsilon = float(epsilon)

    def make_node(self, x: Any, gamma: Any, beta: Any, mean: Any, var: Any) -> Apply:
        name = type(self).__name__
        x = as_tensor_variable(x)
        nd = x.type.ndim
        x = _float(name, x, nd, "the inputs")
        ins = [x] + [_float(name, v, nd, n) for v, n in
                     ((gamma, "gamma"), (beta, "beta"), (mean, "mean"), (var, "var"))]
        return Apply(self, ins, [x.type()])

    def make_py_fn(self, node: Apply) -> Callable[..., Any]:
        axes, eps, odt = self.axes, self.epsilon, np.dtype(node.outputs[0].type.dtype)

        def fn(x, gamma, beta, mean, var):
            _check_param_shapes("BatchNormInference", x, axes, (gamma, beta, mean, var),
                                ("gamma", "beta", "mean", "var"))
            return np.asarray((x - mean) / np.sqrt(var + eps) * gamma + beta, dtype=odt)

        return fn

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(*[np.asarray(i) for i in inputs])

    def infer_shape(self, node, shapes):
        return [tuple(shapes[0])]

    def L_op(self, inputs, outputs, output_grads):
        x, gamma, _, mean, var = inputs
        (g,) = output_grads
        axes = self.axes
        invstd = 1.0 / sqrt(var + self.epsilon)
        xc = x - mean
        gs = g * gamma
        d_gamma = tsum(g * xc * invstd, axis=axes, keepdims=True)
        d_beta = tsum(g, axis=axes, keepdims=True)
        d_mean = -tsum(gs, axis=axes, keepdims=True) * invstd
        d_var = tsum(gs * xc, axis=axes, keepdims=True) * (-0.5) * invstd ** 3
        return [gs * invstd, d_gamma, d_beta, d_mean, d_var]


# Theano 1.0's class names.
AbstractBatchNormTrain = BatchNormTrain
AbstractBatchNormInference = BatchNormInference


# -- the user-facing functions ---------------------------------------------------------------------

def batch_normalization(inputs: Any, gamma: Any, beta: Any, mean: Any, std: Any,
                        mode: str = "low_mem") -> Variable:
    """(inputs - mean) * (gamma / std) + beta, elementwise with broadcasting."""
    if mode not in ("low_mem", "high_mem"):
        raise ValueError(f"batch_normalization: mode must be 'low_mem' or 'high_mem', got {mode!r}")
    inputs, gamma, beta, mean, std = (as_tensor_variable(v) for v in (inputs, gamma, beta, mean, std))
    if mode == "high_mem":
        return (inputs - mean) * (gamma / std) + beta
    # low_mem: no intermediate of the parameters' shape broadcast to the inputs' is kept for the
    # gradient; both spellings compute the same values.
    return (inputs - mean) * gamma / std + beta


def _axes(axes: Any, ndim: int) -> tuple[tuple[int, ...], tuple[int, ...]]:
    """The normalized axes and the others (the parameters' own axes)."""
    if axes == "per-activation":
        axes = (0,)
    elif axes == "spatial":
        axes = (0,) + tuple(range(2, ndim))
    elif isinstance(axes, (tuple, list, np.ndarray)):
        axes = tuple(sorted(int(a) % ndim if -ndim <= int(a) < ndim else ndim for a in axes))
        if any(a >= ndim for a in axes) or len(set(axes)) != len(axes) or not axes:
            raise ValueError(f"batch normalization: axes must be distinct axes of the {ndim}-d inputs, got {axes}")
    else:
        raise ValueError(f"batch normalization: axes must be 'per-activation', 'spatial' or a tuple of "
                         f"ints, got {axes!r}")
    return axes, tuple(i for i in range(ndim) if i not in axes)


def _check_epsilon(epsilon: float) -> float:
    # As in Theano: cuDNN refuses smaller values, so every backend does, for the same results.
    if np.asarray(epsilon, dtype=config.floatX) < 1e-5:
        raise ValueError(f"batch normalization: epsilon must be at least 1e-5, got {epsilon}")
    return float(epsilon)


class _Params:
    """Brings parameter tensors to the inputs' rank, broadcastable over the normalized axes."""

    def __init__(self, fname: str, ndim: int, axes: Sequence[int], others: Sequence[int], first: Variable):
        self.ndim, self.axes, self.others = ndim, tuple(axes), tuple(others)
        if first.type.ndim == ndim:
            self.full = True
        elif first.type.ndim == len(others):
            self.full = False
        else:
            raise ValueError(f"{fname}: the parameters must have {ndim} dimensions, or {len(others)} (one per "
                             f"axis not normalized), got {first.type}")
        self.fname = fname
        self.pattern = ["x"] * ndim
        for i, a in enumerate(others):
            self.pattern[a] = i

    def expand(self, v: Any, what: str) -> Variable:
        v = as_tensor_variable(v)
        if v.type.ndim != (self.ndim if self.full else len(self.others)):
            raise ValueError(f"{self.fname}: {what} has {v.type.ndim} dimensions, unlike the other parameters")
        return addbroadcast(v, *self.axes) if self.full else v.dimshuffle(self.pattern)

    def shrink(self, v: Variable, like: Variable) -> Variable:
        if self.full:
            bcast = like.type.broadcastable
            return v if v.type.broadcastable == bcast else patternbroadcast(v, bcast)
        return v.dimshuffle(list(self.others))


def batch_normalization_train(inputs: Any, gamma: Any, beta: Any, axes: Any = "per-activation",
                              epsilon: float = 1e-4, running_average_factor: float = 0.1,
                              running_mean: Any = None, running_var: Any = None) -> tuple:
    """Normalize with the batch's statistics: (out, mean, invstd[, new_running_mean, new_running_var])."""
    inputs = as_tensor_variable(inputs)
    ndim = inputs.type.ndim
    axes, others = _axes(axes, ndim)
    epsilon = _check_epsilon(epsilon)
    gamma, beta = as_tensor_variable(gamma), as_tensor_variable(beta)
    prm = _Params("batch_normalization_train", ndim, axes, others, gamma)
    op = BatchNormTrain(axes, epsilon, running_average_factor)
    args = [inputs, prm.expand(gamma, "gamma"), prm.expand(beta, "beta")]
    if (running_mean is None) != (running_var is None):
        raise ValueError("batch_normalization_train: give both running_mean and running_var, or neither")
    if running_mean is not None:
        running_mean, running_var = as_tensor_variable(running_mean), as_tensor_variable(running_var)
        args += [prm.expand(running_mean, "running_mean"), prm.expand(running_var, "running_var")]
    outs = op(*args)
    results = [outs[0], prm.shrink(outs[1], gamma), prm.shrink(outs[2], gamma)]
    if running_mean is not None:
        results += [prm.shrink(outs[3], running_mean), prm.shrink(outs[4], running_var)]
    return tuple(results)


def batch_normalization_test(inputs: Any, gamma: Any, beta: Any, mean: Any, var: Any,
                             axes: Any = "per-activation", epsilon: float = 1e-4) -> Variable:
    """Normalize with given statistics: (inputs - mean) / sqrt(var + epsilon) * gamma + beta."""
    inputs = as_tensor_variable(inputs)
    ndim = inputs.type.ndim
    axes, others = _axes(axes, ndim)
    epsilon = _check_epsilon(epsilon)
    gamma = as_tensor_variable(gamma)
    prm = _Params("batch_normalization_test", ndim, axes, others, gamma)
    return BatchNormInference(axes, epsilon)(inputs, prm.expand(gamma, "gamma"), prm.expand(beta, "beta"),
                                             prm.expand(mean, "mean"), prm.expand(var, "var"))
