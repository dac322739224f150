"""Ops other parts of the project add over time: nnet, sort, extra_ops, linalg, constructors.
Every function is looked up by name when the case runs, so these report `missing` until
the op exists and start counting the day it does."""
from __future__ import annotations

import numpy as np

from ..case import OpCase
from ..inputs import edges, fixed, rand, scalar, view


def call(f, *xs):
    return f(*xs)


def _spd(n: int):
    """A well-conditioned symmetric positive definite matrix (linalg without ill-conditioning)."""
    def gen(rng: np.random.Generator) -> np.ndarray:
        a = rng.uniform(-1, 1, (n, n))
        return a @ a.T + n * np.eye(n)
    return gen


def _probs(shape, dtype="float64"):
    """Rows of probabilities (positive, summing to one), as cross-entropies expect."""
    def gen(rng: np.random.Generator) -> np.ndarray:
        p = rng.uniform(0.1, 1.0, shape)
        return (p / p.sum(axis=-1, keepdims=True)).astype(dtype)
    return gen


def cases() -> list[OpCase]:
    f64 = lambda *s: rand("float64", s)
    f32 = lambda *s: rand("float32", s)
    nn = lambda op, variant, build, inputs, fn=None, **kw: OpCase(op, variant, fn or f"tensor.nnet.{op}", build,
                                                                 inputs, group="nnet", **kw)
    srt = lambda op, variant, build, inputs, **kw: OpCase(op, variant, f"tensor.{op}", build, inputs,
                                                          group="sort", **kw)
    xo = lambda op, variant, build, inputs, **kw: OpCase(op, variant, f"tensor.extra_ops.{op}", build, inputs,
                                                         group="extra_ops", **kw)
    bc = lambda op, variant, build, inputs, **kw: OpCase(op, variant, f"tensor.{op}", build, inputs,
                                                         group="constructors", **kw)
    la = lambda op, variant, fn, build, inputs, **kw: OpCase(op, variant, fn, build, inputs, group="linalg",
                                                             tol=100, **kw)
    return [
        # nnet
        nn("softmax", "float64", call, [f64(3, 5)], grad=True),
        nn("softmax", "float32-large", call, [fixed([[1000.0, 0.0, -1000.0], [88.0, 89.0, 90.0]], "float32")]),
        nn("softmax", "float64-edges", call, [fixed([[0.0, -np.inf, 1.0], [np.inf, 0.0, 1.0]])]),
        nn("logsoftmax", "float64", call, [f64(3, 5)], grad=True),
        nn("logsoftmax", "float32-large", call, [fixed([[1000.0, 0.0, -1000.0]], "float32")]),
        OpCase("log(softmax)", "float64-large", "tensor.nnet.softmax", lambda f, x: f(x).log(),
               [fixed([[800.0, 0.0, -800.0]])], group="nnet", grad=True),
        nn("relu", "float64", call, [f64(3, 4)], grad=True),
        nn("relu", "float32-edges", call, [edges("float32")]),
        nn("relu", "float64-alpha", lambda f, x: f(x, 0.1), [f64(3, 4)], grad=True),
        nn("elu", "float64", call, [f64(3, 4)], grad=True),
        nn("softsign", "float64", call, [f64(3, 4)], grad=True),
        nn("hard_sigmoid", "float64", call, [f64(3, 4)]),
        nn("ultra_fast_sigmoid", "float64", call, [f64(3, 4)]),
        nn("categorical_crossentropy", "float64-onehot-indices", call, [_probs((4, 3)), fixed([0, 2, 1, 2])],
           grad=True),
        nn("categorical_crossentropy", "float32-dense", call, [_probs((4, 3), "float32"), _probs((4, 3), "float32")], grad=True),
        nn("binary_crossentropy", "float64", lambda f, p, t: f(p * 0.5, t),
           [rand("float64", (5,), "open02"), fixed([0.0, 1.0, 1.0, 0.0, 0.3])], grad=True),
        nn("sigmoid_binary_crossentropy", "float64", call, [f64(5), fixed([0.0, 1.0, 1.0, 0.0, 0.3])]),
        nn("softmax_with_bias", "float64", call, [f64(3, 4), f64(4)], grad=True),
        nn("crossentropy_softmax_1hot", "float64", lambda f, x, y: list(f(x, y)), [f64(3, 4), fixed([0, 3, 1])]),
        nn("conv2d", "float64-valid", call, [f64(2, 3, 6, 7), f64(4, 3, 3, 2)], grad=True),
        nn("conv2d", "float32-full-strided", lambda f, x, w: f(x, w, border_mode="full", subsample=(2, 1)),
           [f32(1, 2, 5, 5), f32(3, 2, 2, 3)], tol=10),
        OpCase("pool_2d", "float64-max", "tensor.signal.pool.pool_2d", lambda f, x: f(x, (2, 2), ignore_border=True),
               [f64(1, 2, 5, 4)], group="nnet", grad=True),
        OpCase("batch_normalization", "float64", "tensor.nnet.bn.batch_normalization",
               lambda f, x, g, b, m, s: f(x, g, b, m, s), [f64(4, 3), f64(3), f64(3), f64(3),
                                                           rand("float64", (3,), "positive")],
               group="nnet", grad=True),
        # sort
        srt("sort", "float64-axis-last", call, [f64(3, 5)], grad=True),
        srt("sort", "float64-axis0", lambda f, x: f(x, axis=0), [f64(4, 3)]),
        srt("sort", "float64-axis-none", lambda f, x: f(x, axis=None), [f64(3, 3)]),
        srt("sort", "float64-edges", call, [edges("float64")]),  # NaN sorts last
        srt("sort", "int8-edges", call, [edges("int8")]),
        srt("argsort", "float64", call, [fixed([3.0, 1.0, 2.0, -1.0, 5.0])]),
        srt("argsort", "int32-axis0", lambda f, x: f(x, axis=0), [fixed([[3, 1], [1, 2], [2, 0]], "int32")]),
        srt("topk", "float64", lambda f, x: f(x, 2), [fixed([3.0, 1.0, 7.0, -1.0, 5.0])]),
        srt("argtopk", "float64", lambda f, x: f(x, 2), [fixed([3.0, 1.0, 7.0, -1.0, 5.0])]),
        # extra_ops
        xo("cumsum", "float64-axis-none", call, [f64(3, 4)], grad=True),
        xo("cumsum", "float64-axis1", lambda f, x: f(x, axis=1), [f64(3, 4)], grad=True),
        xo("cumsum", "int8-wrap", call, [edges("int8")]),
        xo("cumsum", "float32-negstride", lambda f, x: f(x, axis=0), [view(f32(5, 3), "negstride")], tol=10),
        xo("cumprod", "float64-axis0", lambda f, x: f(x, axis=0), [f64(4, 3)], grad=True),
        xo("diff", "float64", call, [f64(6)], grad=True),
        xo("diff", "float64-n2-axis0", lambda f, x: f(x, n=2, axis=0), [f64(5, 3)], grad=True),
        xo("bincount", "int64", call, [fixed([0, 1, 1, 3, 7, 3])]),
        xo("bincount", "int64-weights-minlength", lambda f, x, w: f(x, weights=w, minlength=10),
           [fixed([0, 1, 1, 3]), f64(4)]),
        xo("repeat", "float64-scalar-repeats", lambda f, x: f(x, 2, axis=0), [f64(3, 2)], grad=True),
        xo("repeat", "float64-vector-repeats", lambda f, x, r: f(x, r, axis=1), [f64(2, 3), fixed([1, 0, 3])]),
        xo("fill_diagonal", "float64", call, [f64(4, 3), f64()], grad=True),
        xo("fill_diagonal_offset", "float64", call, [f64(4, 4), f64(), scalar(1)]),
        xo("to_one_hot", "int64", lambda f, y: f(y, 5), [fixed([0, 4, 2, 2])]),
        xo("unique", "float64", call, [fixed([3.0, 1.0, 3.0, -0.0, 0.0, 2.0])]),
        xo("compress", "float64", lambda f, c, x: f(c, x, axis=0), [fixed([True, False, True]), f64(3, 2)]),
        xo("ravel_multi_index", "int64", lambda f, i, j: f((i, j), (3, 4)), [fixed([0, 2, 1]), fixed([3, 0, 1])]),
        xo("unravel_index", "int64", lambda f, i: list(f(i, (3, 4))), [fixed([0, 11, 5])]),
        xo("searchsorted", "float64", call, [fixed([1.0, 2.0, 3.0, 5.0]), fixed([0.0, 2.0, 4.0, 9.0])]),
        xo("squeeze", "float64-extra_ops", call, [f64(1, 3, 1)], grad=True),
        # constructors and other tensor functions
        bc("arange", "int64-symbolic", lambda f, a, b, s: f(a, b, s), [scalar(2), scalar(11), scalar(3)]),
        bc("arange", "float64-negative-step", lambda f, a, b, s: f(a, b, s),
           [scalar(1.0, "float64"), scalar(-2.0, "float64"), scalar(-0.5, "float64")]),
        bc("arange", "int64-empty", lambda f, a, b: f(a, b), [scalar(5), scalar(2)]),
        bc("eye", "float64-symbolic", lambda f, n, m, k: f(n, m, k), [scalar(3), scalar(4), scalar(1)]),
        bc("tile", "float64", lambda f, x: f(x, (2, 3)), [f64(2, 2)], grad=True),
        bc("roll", "float64", lambda f, x, s: f(x, s, axis=1), [f64(3, 4), scalar(-5)], grad=True),
        bc("tril", "float64", call, [f64(4, 3)], grad=True),
        bc("triu", "float64-k1", lambda f, x: f(x, 1), [f64(3, 4)], grad=True),
        bc("diagonal", "float64", call, [f64(3, 4)], grad=True),
        bc("diag", "float64-vector", call, [f64(3)], grad=True),
        bc("inverse_permutation", "int64", call, [fixed([2, 0, 3, 1])]),
        bc("identity_like", "float64", call, [f64(3, 3)]),
        bc("mgrid", "int64", lambda f, n: list(f[0:n, 0:3]), [scalar(2)]),
        bc("tensordot", "float64-axes0", lambda f, a, b: f(a, b, axes=0), [f64(2), f64(3)]),
        bc("argsort", "float64-strided", call, [view(f64(6), "negstride")]),
        bc("where", "float64-three-args", call, [rand("bool", (3, 4)), f64(3, 4), f64(4)], grad=True),
        # linalg
        la("matrix_inverse", "float64-spd", "tensor.nlinalg.matrix_inverse", call, [_spd(4)], grad=True),
        la("det", "float64-spd", "tensor.nlinalg.det", call, [_spd(3)], grad=True),
        la("eigh", "float64-spd", "tensor.nlinalg.eigh", lambda f, a: f(a)[0], [_spd(3)]),
        la("svd", "float64-singular-values", "tensor.nlinalg.svd", lambda f, a: f(a, compute_uv=False),
           [f64(3, 2)]),
        la("trace", "float64", "tensor.nlinalg.trace", call, [f64(3, 3)], grad=True),
        la("cholesky", "float64-spd", "tensor.slinalg.cholesky", call, [_spd(4)], grad=True),
        la("solve", "float64-spd", "tensor.slinalg.solve", call, [_spd(4), f64(4, 2)], grad=True),
    ]
