"""Cross-entropy losses: the one-hot categorical op, the fused softmax + cross-entropy op
(Theano's names, used by old code and by the stabilizing rewrites), and the binary ones."""
from __future__ import annotations

from typing import Any

import numpy as np

from ...config import config
from ...graph.basic import Apply, Constant, Variable
from ...graph.op import Op
from ...scalar import basic as scal
from ..basic import as_tensor_variable, zeros_like
from ..elemwise import DimShuffle, Elemwise
from ..math import add, gt, log, max_and_argmax, softplus, switch
from ..math import sum as tsum
from ..type import TensorType
from .softmax import SoftmaxGrad, float_input, stable_logsoftmax_np
from ...graph.null_gradients import DisconnectedType

__all__ = ["CrossentropyCategorical1Hot", "CrossentropyCategorical1HotGrad",
           "CrossentropySoftmaxArgmax1HotWithBias", "CrossentropySoftmax1HotWithBiasDx",
           "crossentropy_categorical_1hot", "crossentropy_categorical_1hot_grad",
           "crossentropy_softmax_argmax_1hot_with_bias", "crossentropy_softmax_1hot_with_bias_dx",
           "crossentropy_softmax_1hot_with_bias", "crossentropy_softmax_1hot",
           "crossentropy_softmax_max_and_argmax_1hot_with_bias",
           "crossentropy_softmax_max_and_argmax_1hot", "categorical_crossentropy",
           "binary_crossentropy", "sigmoid_binary_crossentropy"]


def _index_input(opname: str, y: Any) -> Variable:
    y = as_tensor_variable(y)
    if y.type.dtype not in scal.integer_dtypes or y.type.ndim != 1:
        raise TypeError(f"{opname}: the class indices must be a vector of integers, got {y.type}")
    return y


def _check_rows(opname: str, n_rows: int, y: np.ndarray, n_classes: int,
                what: str = "coding_dist", xm: Any = np) -> np.ndarray:
    """Row counts agree and every index names a class (NumPy would wrap negative ones
    silently); the row numbers, as an array of the array module `xm`."""
    if y.shape[0] != n_rows:
        raise ValueError(f"{opname}: {what} has {n_rows} rows but the class indices have "
                         f"{y.shape[0]} entries")
    if y.size and (y.min() < 0 or y.max() >= n_classes):
        bad = y[(y < 0) | (y >= n_classes)][0]
        raise ValueError(f"{opname}: class index {bad} is out of range for {n_classes} classes")
    return xm.arange(n_rows)


def _float_zeros_like(v: Variable) -> Variable:
    return zeros_like(v, dtype=config.floatX)


def _is_zero_grad(g: Any) -> bool:
    """Whether `g` is a gradient that grad() filled with zeros for an unused output."""
    if g is None or getattr(g.type, "is_disconnected", False):
        return True
    o = g.owner
    if o is None or not isinstance(o.op, Elemwise) or o.op.scalar_op is not scal.second:
        return False
    c = o.inputs[1]
    while c.owner is not None and isinstance(c.owner.op, DimShuffle):
        c = c.owner.inputs[0]  # through the DimShuffle that pads the constant
    return isinstance(c, Constant) and not np.any(c.data)


class _OneHotLike(Op):
    """A tensor shaped and typed like the matrix `like`, 1 at [i, y[i]] and 0 elsewhere."""

    def make_node(self, y: Any, like: Any) -> Apply:
        y = _index_input("one_hot", y)
        like = as_tensor_variable(like)
        return Apply(self, [y, like], [like.type()])

    def make_py_fn(self, node):
        odt = node.outputs[0].type.dtype

        def fn(y, like):
            rows = _check_rows("one_hot", like.shape[0], y, like.shape[1], "the matrix")
            out = np.zeros(like.shape, dtype=odt)
            out[rows, y] = 1
            return out

        return fn

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(*[np.asarray(i) for i in inputs])

    def infer_shape(self, node, shapes):
        return [tuple(shapes[1])]

    def connection_pattern(self, node):
        return [[False], [False]]

    def L_op(self, inputs, outputs, output_grads):
        return [DisconnectedType()(), DisconnectedType()()]


_one_hot_like = _OneHotLike()


class CrossentropyCategorical1Hot(Op):
    """-log(coding_dist[i, true_one_of_n[i]]) for each row i of a probability matrix."""

    def make_node(self, coding_dist: Any, true_one_of_n: Any) -> Apply:
        x = float_input("CrossentropyCategorical1Hot", coding_dist, (2,), "coding_dist")
        y = _index_input("CrossentropyCategorical1Hot", true_one_of_n)
        return Apply(self, [x, y], [TensorType(x.type.dtype, x.type.broadcastable[:1])()])

    def make_py_fn(self, node):
        odt = np.dtype(node.outputs[0].type.dtype)

        def fn(x, y):
            rows = _check_rows("CrossentropyCategorical1Hot", x.shape[0], y, x.shape[1])
            with np.errstate(divide="ignore"):  # a probability of 0 gives +inf, as it should
                return np.asarray(-np.log(x[rows, y]), dtype=odt)

        return fn

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(*[np.asarray(i) for i in inputs])

    def infer_shape(self, node, shapes):
        return [(shapes[0][0],)]

    def L_op(self, inputs, outputs, output_grads):
        (x, y), (g,) = inputs, output_grads
        return [crossentropy_categorical_1hot_grad(g, x, y), _float_zeros_like(y)]


class CrossentropyCategorical1HotGrad(Op):
    """The gradient of CrossentropyCategorical1Hot: -g[i] / coding_dist[i, y[i]] at [i, y[i]], else 0."""

    def make_node(self, g_y: Any, coding_dist: Any, true_one_of_n: Any) -> Apply:
        g = float_input("CrossentropyCategorical1HotGrad", g_y, (1,), "g_y")
        x = float_input("CrossentropyCategorical1HotGrad", coding_dist, (2,), "coding_dist")
        y = _index_input("CrossentropyCategorical1HotGrad", true_one_of_n)
        out = TensorType(scal.upcast(g.type.dtype, x.type.dtype), x.type.broadcastable)
        return Apply(self, [g, x, y], [out()])

    def make_py_fn(self, node):
        odt = np.dtype(node.outputs[0].type.dtype)

        def fn(g, x, y):
            rows = _check_rows("CrossentropyCategorical1HotGrad", x.shape[0], y, x.shape[1])
            if g.shape[0] != x.shape[0]:
                raise ValueError(f"CrossentropyCategorical1HotGrad: g_y has {g.shape[0]} entries "
                                 f"but coding_dist has {x.shape[0]} rows")
            out = np.zeros(x.shape, dtype=odt)
            with np.errstate(divide="ignore", invalid="ignore"):
                out[rows, y] = -g / x[rows, y]
            return out

        return fn

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(*[np.asarray(i) for i in inputs])

    def infer_shape(self, node, shapes):
        return [tuple(shapes[1])]

    def L_op(self, inputs, outputs, output_grads):
        (g, x, y), (gz,) = inputs, output_grads
        mask = _one_hot_like(y, x)
        picked_gz = tsum(gz * mask, axis=1)
        picked_x = tsum(x * mask, axis=1)
        # Only the picked entries depend on x; use them alone so zeros elsewhere give no NaN.
        g_x = mask * (picked_gz * g / (picked_x * picked_x)).dimshuffle(0, "x")
        return [-picked_gz / picked_x, g_x, _float_zeros_like(y)]


crossentropy_categorical_1hot = CrossentropyCategorical1Hot()
crossentropy_categorical_1hot_grad = CrossentropyCategorical1HotGrad()


class CrossentropySoftmaxArgmax1HotWithBias(Op):
    """From logits x, bias b and class indices y: the cross-entropy of softmax(x + b) per row,
    the softmax itself, and its argmax, in one stable pass (log-sum-exp, never log(0))."""

    nout = 3

    def make_node(self, x: Any, b: Any, y_idx: Any) -> Apply:
        name = "CrossentropySoftmaxArgmax1HotWithBias"
        x = float_input(name, x, (2,))
        b = float_input(name, b, (1,), "b")
        y = _index_input(name, y_idx)
        dt = scal.upcast(x.type.dtype, b.type.dtype)
        rows = x.type.broadcastable[:1]
        return Apply(self, [x, b, y], [TensorType(dt, rows)(), TensorType(dt, x.type.broadcastable)(),
                                       TensorType(y.type.dtype, rows)()])

    def make_py_fn(self, node):
        return self.make_xp_fn(node, np)

    def make_xp_fn(self, node, xm):
        """The op's meaning over the array module `xm` (NumPy, or CuPy on a GPU)."""
        odt = np.dtype(node.outputs[0].type.dtype)
        adt = np.dtype(node.outputs[2].type.dtype)
        name = "CrossentropySoftmaxArgmax1HotWithBias"

        def fn(x, b, y):
            if b.shape[0] != x.shape[1]:
                raise ValueError(f"{name}: the bias has {b.shape[0]} entries but x has {x.shape[1]} "
                                 f"columns (x shape {x.shape}, b shape {b.shape})")
            if x.shape[1] == 0:
                raise ValueError(f"{name}: x of shape {x.shape} has no classes")
            rows = _check_rows(name, x.shape[0], y, x.shape[1], "x", xm)
            logp = stable_logsoftmax_np(x.astype(odt, copy=False) + b, 1, xm)
            nll = -logp[rows, y]
            sm = xm.exp(logp)
            am = xm.argmax(logp, axis=1) if x.shape[0] else xm.zeros(0, dtype=adt)
            return nll.astype(odt), sm.astype(odt), am.astype(adt)

        return fn

    def perform(self, node, inputs, output_storage):
        res = self.make_py_fn(node)(*[np.asarray(i) for i in inputs])
        for st, r in zip(output_storage, res):
            st[0] = r

    def infer_shape(self, node, shapes):
        sx = tuple(shapes[0])
        return [sx[:1], sx, sx[:1]]

    def L_op(self, inputs, outputs, output_grads):
        (x, b, y), (nll, sm, am), (g_nll, g_sm, g_am) = inputs, outputs, output_grads
        terms = []
        if not _is_zero_grad(g_nll):
            terms.append(crossentropy_softmax_1hot_with_bias_dx(g_nll, sm, y))
        if not _is_zero_grad(g_sm):
            terms.append(SoftmaxGrad(1)(g_sm, sm))
        # The argmax is piecewise constant: g_am contributes nothing.
        dx = add(*terms) if len(terms) > 1 else terms[0] if terms else zeros_like(x)
        return [dx, tsum(dx, axis=0), _float_zeros_like(y)]


class CrossentropySoftmax1HotWithBiasDx(Op):
    """The gradient of the fused cross-entropy with respect to the logits: dy[i] * (sm[i] - onehot(y[i]))."""

    def make_node(self, dy: Any, sm: Any, y_idx: Any) -> Apply:
        name = "CrossentropySoftmax1HotWithBiasDx"
        dy = float_input(name, dy, (1,), "dy")
        sm = float_input(name, sm, (2,), "sm")
        y = _index_input(name, y_idx)
        out = TensorType(scal.upcast(dy.type.dtype, sm.type.dtype), sm.type.broadcastable)
        return Apply(self, [dy, sm, y], [out()])

    def make_py_fn(self, node):
        return self.make_xp_fn(node, np)

    def make_xp_fn(self, node, xm):
        """The op's meaning over the array module `xm` (NumPy, or CuPy on a GPU)."""
        odt = np.dtype(node.outputs[0].type.dtype)
        name = "CrossentropySoftmax1HotWithBiasDx"

        def fn(dy, sm, y):
            rows = _check_rows(name, sm.shape[0], y, sm.shape[1], "sm", xm)
            if dy.shape[0] != sm.shape[0]:
                raise ValueError(f"{name}: dy has {dy.shape[0]} entries but sm has {sm.shape[0]} rows")
            dx = sm.astype(odt) * dy[:, None]
            dx[rows, y] -= dy
            return dx

        return fn

    def perform(self, node, inputs, output_storage):
        output_storage[0][0] = self.make_py_fn(node)(*[np.asarray(i) for i in inputs])

    def infer_shape(self, node, shapes):
        return [tuple(shapes[1])]

    def L_op(self, inputs, outputs, output_grads):
        (dy, sm, y), (g,) = inputs, output_grads
        mask = _one_hot_like(y, sm)
        g_dy = tsum(g * sm, axis=1) - tsum(g * mask, axis=1)
        return [g_dy, g * dy.dimshuffle(0, "x"), _float_zeros_like(y)]


crossentropy_softmax_argmax_1hot_with_bias = CrossentropySoftmaxArgmax1HotWithBias()
crossentropy_softmax_1hot_with_bias_dx = CrossentropySoftmax1HotWithBiasDx()


def crossentropy_softmax_1hot_with_bias(x: Any, b: Any, y_idx: Any) -> list[Variable]:
    """[cross-entropy per row, softmax] of softmax(x + b) against class indices y_idx."""
    return list(crossentropy_softmax_argmax_1hot_with_bias(x, b, y_idx)[:2])


def _zero_bias(x: Variable) -> Variable:
    return zeros_like(x[0])


def crossentropy_softmax_1hot(x: Any, y_idx: Any) -> list[Variable]:
    """[cross-entropy per row, softmax] of softmax(x) against class indices y_idx."""
    x = float_input("crossentropy_softmax_1hot", x, (2,))
    return crossentropy_softmax_1hot_with_bias(x, _zero_bias(x), y_idx)


def crossentropy_softmax_max_and_argmax_1hot_with_bias(x: Any, b: Any, y_idx: Any) -> list[Variable]:
    """[cross-entropy per row, softmax, max probability per row, argmax per row] of softmax(x + b)."""
    xent, sm, am = crossentropy_softmax_argmax_1hot_with_bias(x, b, y_idx)
    return [xent, sm, max_and_argmax(sm, axis=-1)[0], am]


def crossentropy_softmax_max_and_argmax_1hot(x: Any, y_idx: Any) -> list[Variable]:
    """[cross-entropy per row, softmax, max probability per row, argmax per row] of softmax(x)."""
    x = float_input("crossentropy_softmax_max_and_argmax_1hot", x, (2,))
    return crossentropy_softmax_max_and_argmax_1hot_with_bias(x, _zero_bias(x), y_idx)


def categorical_crossentropy(coding_dist: Any, true_dist: Any) -> Variable:
    """Per-row cross-entropy: -sum(true_dist * log(coding_dist)) for a distribution matrix,
    or -log(coding_dist[i, true_dist[i]]) for a vector of class indices."""
    coding = as_tensor_variable(coding_dist)
    true = as_tensor_variable(true_dist)
    if true.type.ndim == coding.type.ndim:
        return -tsum(true * log(coding), axis=coding.type.ndim - 1)
    if true.type.ndim == coding.type.ndim - 1:
        return crossentropy_categorical_1hot(coding, true)
    raise TypeError(f"categorical_crossentropy: true_dist ({true.type}) must have as many dimensions "
                    f"as coding_dist ({coding.type}), or one fewer for class indices")


def binary_crossentropy(output: Any, target: Any) -> Variable:
    """-(target * log(output) + (1 - target) * log(1 - output)), elementwise."""
    output, target = as_tensor_variable(output), as_tensor_variable(target)
    return -(target * log(output) + (1.0 - target) * log(1.0 - output))


def sigmoid_binary_crossentropy(output: Any, target: Any) -> Variable:
    """binary_crossentropy(sigmoid(output), target) from logits, stable for any magnitude."""
    x, t = as_tensor_variable(output), as_tensor_variable(target)
    # softplus(-|x|) + x * ((x > 0) - t) never overflows nor cancels; -|x| is written as a
    # switch so the gradient at x == 0 is the true sigmoid(0) - t, not the subgradient of abs.
    neg_abs = switch(gt(x, 0), -x, x)
    return softplus(neg_abs) + x * (gt(x, 0) - t)
