"""Gradients through ops with several outputs (issue 20's smaller matrix): each output alone,
and all of them, for every op of Theano 1.0 that returns several differentiable outputs.

Shared by tests/tensor/test_multi_output_grads.py and scripts/theano105/multi_output_grads.py
(real Theano 1.0.5 on Python 3.8); keep it runnable on Python 3.8 and on both libraries. A
builder takes (theano, T, rng) and returns (inputs, values, outputs): float inputs to
differentiate, their values, and the op's outputs (integer outputs such as argmax indices
enter the costs as weights, so a wrong pairing of values and indices shows).
"""
import zlib
from collections import OrderedDict

import numpy as np


def seed(name):
    """A per-case seed that both Python versions compute alike."""
    return zlib.crc32(name.encode()) & 0xFFFF


def cost_variants(T, outputs):
    """name -> scalar cost: each float output alone, then all outputs together."""
    costs = OrderedDict()
    weights = [o for o in outputs if not str(o.dtype).startswith("float")]
    floats = [o for o in outputs if str(o.dtype).startswith("float")]
    for k, o in enumerate(floats):
        costs["out%d" % k] = T.sum(T.sin(1.7 * o))
    total = sum(T.sum(T.sin(1.7 * o)) * (k + 1) for k, o in enumerate(floats))
    for w in weights:  # integer outputs weight the first float output of the same shape
        total = total + T.sum(floats[0] * T.cast(w, floats[0].dtype)) * 0.3
    if len(floats) > 1 or weights:
        costs["all"] = total
    return costs


def max_and_argmax(theano, T, rng):
    """(max, argmax) along an axis."""
    x = T.dmatrix("x")
    m, a = T.max_and_argmax(x, axis=1)
    return [x], [rng.randn(3, 5)], [m, a]


def topk_and_argtopk(theano, T, rng):
    """(top-k values, their indices); unsorted, the only kind Theano 1.0.5 implements (the costs
    do not depend on the order)."""
    x = T.dmatrix("x")
    v, i = T.topk_and_argtopk(x, 2, axis=-1, sorted=False)
    return [x], [rng.randn(3, 5)], [v, i]


def sort_and_argsort(theano, T, rng):
    """sort and argsort of the same matrix."""
    x = T.dmatrix("x")
    return [x], [rng.randn(3, 4)], [T.sort(x, axis=1), T.argsort(x, axis=1)]


def eigh(theano, T, rng):
    """(eigenvalues, eigenvectors) of a symmetric matrix; vectors through sign-free squares."""
    x = T.dmatrix("x")
    w, v = T.nlinalg.eigh(x)
    s = rng.randn(4, 4)
    return [x], [s + s.T], [w, v ** 2]


def crossentropy_softmax_argmax_1hot_with_bias(theano, T, rng):
    """(loss, softmax, argmax) of the fused softmax cross-entropy."""
    x = T.dmatrix("x")
    b = T.dvector("b")
    y = theano.shared(np.array([1, 0, 4], dtype="int64"), name="y")
    nll, sm, am = T.nnet.crossentropy_softmax_argmax_1hot_with_bias(x, b, y)
    return [x, b], [rng.randn(3, 5), rng.randn(5)], [nll, sm, am]


def batch_normalization_train(theano, T, rng):
    """(output, mean, invstd) of training-mode batch normalization."""
    x = T.dmatrix("x")
    g = T.dvector("g")
    b = T.dvector("b")
    out, mean, invstd = T.nnet.bn.batch_normalization_train(x, g, b, axes=(0,))[:3]
    return [x, g, b], [rng.randn(4, 3), rng.rand(3) + 0.5, rng.randn(3)], [out, mean, invstd]


def split(theano, T, rng):
    """T.split into three parts."""
    x = T.dmatrix("x")
    return [x], [rng.randn(3, 7)], list(T.split(x, [2, 3, 2], 3, axis=1))


CASES = OrderedDict((f.__name__, f) for f in [
    max_and_argmax, topk_and_argtopk, sort_and_argsort, eigh, crossentropy_softmax_argmax_1hot_with_bias,
    batch_normalization_train, split,
])


def build(theano, T, name):
    """(inputs, values, outputs, costs) of the case `name`."""
    rng = np.random.RandomState(seed(name))
    inputs, values, outputs = CASES[name](theano, T, rng)
    return inputs, values, outputs, cost_variants(T, outputs)
