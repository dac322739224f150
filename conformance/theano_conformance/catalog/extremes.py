"""Extreme inputs for the ops where numerics break: +-1000, 1e-300, subnormals, infinities,
NaN and -0.0 (inputs.extreme_values), through the exp/log families, sigmoid and softplus,
softmax and log-softmax, the cross-entropies, tanh, pow, division, gammaln/psi, erf,
comparisons and reductions (log-sum-exp included), and the textbook expressions whose
stable forms the core's rewrites produce. Gradients are compared where they exist: a
backend must agree with the reference's stabilized gradient too."""
from __future__ import annotations

import numpy as np

from ..case import OpCase
from ..inputs import extreme_rows, extreme_wide_rows, extremes, extremes_long, fixed, pairs_of_extremes

G = "extremes"


def call(f, *xs):
    return f(*xs)


# name, function, gradient checked, tolerance multiplier.
UNARY = [
    ("exp", "tensor.exp", True, 1), ("exp2", "tensor.exp2", True, 1), ("expm1", "tensor.expm1", True, 1),
    ("log", "tensor.log", True, 1), ("log2", "tensor.log2", True, 1), ("log10", "tensor.log10", True, 1),
    ("log1p", "tensor.log1p", True, 1), ("sqrt", "tensor.sqrt", True, 1), ("inv", "tensor.inv", True, 1),
    ("sigmoid", "tensor.nnet.sigmoid", True, 1), ("softplus", "tensor.nnet.softplus", True, 1),
    ("tanh", "tensor.tanh", True, 1), ("sinh", "tensor.sinh", True, 1), ("cosh", "tensor.cosh", True, 1),
    ("arctanh", "tensor.arctanh", True, 1), ("erf", "tensor.erf", True, 1), ("erfc", "tensor.erfc", True, 1),
    ("gamma", "tensor.gamma", True, 10), ("gammaln", "tensor.gammaln", True, 10),
    ("psi", "tensor.psi", False, 10), ("abs", "tensor.abs_", True, 1), ("sgn", "tensor.sgn", False, 1),
    ("neg", "tensor.neg", True, 1), ("sqr", "tensor.sqr", True, 1),
]

# name, function, gradient checked.
BINARY = [
    ("pow", "tensor.pow", False), ("true_div", "tensor.true_div", True), ("add", "tensor.add", True),
    ("sub", "tensor.sub", True), ("mul", "tensor.mul", True), ("minimum", "tensor.minimum", False),
    ("maximum", "tensor.maximum", False), ("arctan2", "tensor.arctan2", False), ("mod", "tensor.mod", False),
    ("int_div", "tensor.int_div", False), ("lt", "tensor.lt", False), ("gt", "tensor.gt", False),
    ("le", "tensor.le", False), ("ge", "tensor.ge", False), ("eq", "tensor.eq", False),
    ("neq", "tensor.neq", False),
]

# Rows of 257: a logit 40 above the rest makes the row's sum of exponentials 1 + a few
# ulps, so log-softmax there is -log(1 + O(eps)), whose digits depend on the order of the
# sum; known to about 257 rounding errors absolutely, not relatively.
# float32 rows are summed in float64 by every backend: the dtype's own atol does.
WIDE_ATOL = {"float64": 257 * float(np.finfo(np.float64).eps), "float32": 0.0}

REDUCE = [("sum", "tensor.sum"), ("prod", "tensor.prod"), ("max", "tensor.max"), ("min", "tensor.min"),
          ("mean", "tensor.mean"), ("argmax", "tensor.argmax"), ("argmin", "tensor.argmin"),
          ("all", "tensor.all"), ("any", "tensor.any")]


def _unary() -> list[OpCase]:
    out = []
    for name, fn, grad, tol in UNARY:
        for dt in ("float64", "float32"):
            out.append(OpCase(name, f"{dt}-extremes", fn, call, [extremes(dt)], grad=grad, tol=tol, group=G))
            out.append(OpCase(name, f"{dt}-extremes-long", fn, call, [extremes_long(dt)], tol=tol, group=G))
    return out


def _binary() -> list[OpCase]:
    out = []
    for name, fn, grad in BINARY:
        for dt in ("float64", "float32"):
            out.append(OpCase(name, f"{dt}-extremes", fn, call,
                              [pairs_of_extremes(dt, 0), pairs_of_extremes(dt, 1)], grad=grad, group=G))
    return out


def _rows(f, x, axis=1):
    return f(x, axis=axis)


def _logsumexp(f, x):
    import theano.tensor as T

    return T.log(T.sum(T.exp(x), axis=1))  # the stabilize rewrites subtract the row max


def _logsumexp_keepdims(f, x):
    import theano.tensor as T

    return T.log(T.exp(x).sum(axis=1, keepdims=True)) + 0 * x


def _reductions() -> list[OpCase]:
    out = []
    for name, fn in REDUCE:
        for dt in ("float64", "float32"):
            grad = name in ("sum", "prod", "max", "min", "mean")
            out.append(OpCase(name, f"{dt}-extremes-rows", fn, _rows, [extreme_rows(dt)], group=G,
                              grad=grad, tol=10))
            out.append(OpCase(name, f"{dt}-extremes-wide-rows", fn, _rows, [extreme_wide_rows(dt)], group=G,
                              tol=10))
    for dt in ("float64", "float32"):
        out.append(OpCase("logsumexp", f"{dt}-extremes-rows", None, _logsumexp, [extreme_rows(dt)],
                          group=G, grad=True, tol=10))
        out.append(OpCase("logsumexp", f"{dt}-extremes-keepdims", None, _logsumexp_keepdims,
                          [extreme_rows(dt)], group=G, grad=True, tol=10))
        out.append(OpCase("logsumexp", f"{dt}-extremes-wide-rows", None, _logsumexp, [extreme_wide_rows(dt)],
                          group=G, grad=True, tol=10, atol=WIDE_ATOL[dt]))
    return out


def _onehot(n: int, width: int):
    def gen(rng: np.random.Generator) -> np.ndarray:
        return (np.arange(n) * 3 + 1) % width
    return gen


def _probs_extreme(dtype: str):
    """Probability rows with exact zeros and ones, 1e-300, subnormals and 1 - eps."""
    def gen(rng: np.random.Generator) -> np.ndarray:
        fi = np.finfo(dtype)
        rows = [[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [1e-300, 1 - 1e-16, 0.0], [float(fi.smallest_subnormal), 0.5, 0.5],
                [float(fi.tiny), float(fi.eps), 1 - float(fi.eps)], [1 / 3, 1 / 3, 1 / 3]]
        return np.array(rows, dtype=dtype)
    return gen


def _binary_p(dtype: str):
    def gen(rng: np.random.Generator) -> np.ndarray:
        fi = np.finfo(dtype)
        v = [0.0, 1.0, 1e-300, 1 - 1e-16, float(fi.smallest_subnormal), float(fi.tiny), float(fi.eps),
             1 - float(fi.eps), 0.5, 0.25]
        return np.array(v * 2, dtype=dtype)
    return gen


def _binary_t(dtype: str):
    def gen(rng: np.random.Generator) -> np.ndarray:
        return np.array([0.0] * 10 + [1.0] * 10, dtype=dtype)
    return gen


def _logit_t(dtype: str):
    def gen(rng: np.random.Generator) -> np.ndarray:
        n = len(extremes(dtype)(rng))
        return (np.arange(n) % 3 / 2.0).astype(dtype)  # 0, 0.5, 1
    return gen


def _sigmoid_textbook(f, x):
    import theano.tensor as T

    return 1 / (1 + T.exp(-x))


def _sigmoid_ratio(f, x):
    import theano.tensor as T

    return T.exp(x) / (1 + T.exp(x))


def _log_sigmoid(f, x):
    import theano.tensor as T

    return T.log(T.nnet.sigmoid(x))


def _log_one_minus_sigmoid(f, x):
    import theano.tensor as T

    return T.log(1 - T.nnet.sigmoid(x))


def _softplus_naive(f, x):
    import theano.tensor as T

    return T.log(1 + T.exp(x))


def _doc_xent(f, x, y):
    """The logistic-regression cross-entropy of Theano's documentation, on logits x."""
    import theano.tensor as T

    p = 1 / (1 + T.exp(-x))
    return -y * T.log(p) - (1 - y) * T.log(1 - p)


def _sigmoid_xent(f, x, y):
    import theano.tensor as T

    return T.nnet.binary_crossentropy(T.nnet.sigmoid(x), y)


def _log_softmax_textbook(f, x):
    import theano.tensor as T

    return T.log(T.nnet.softmax(x))


def _softmax_xent_onehot(f, x, y):
    import theano.tensor as T

    return T.nnet.categorical_crossentropy(T.nnet.softmax(x), y)


def _softmax_bias_xent(f, x, b, y):
    import theano.tensor as T

    return T.nnet.categorical_crossentropy(T.nnet.softmax(x + b), y).mean()


def _log1mexp(f, x):
    import theano.tensor as T

    return T.log(1 - T.exp(-abs(x)))


def _logaddexp(f, x, y):
    import theano.tensor as T

    return T.log(T.exp(x) + T.exp(y))


def _expm1_naive(f, x):
    import theano.tensor as T

    return T.exp(x) - 1


def _log1p_naive(f, x):
    import theano.tensor as T

    return T.log(1 + x)


def _cancel(f, x, y):
    return x * y / y


def _nnet() -> list[OpCase]:
    out = []
    nn = lambda op, variant, fn, build, inputs, **kw: OpCase(op, variant, fn, build, inputs, group=G, **kw)
    for dt in ("float64", "float32"):
        rows = extreme_rows(dt)
        n_rows = len(rows(np.random.default_rng(0)))
        out += [
            nn("softmax", f"{dt}-extremes", "tensor.nnet.softmax", call, [rows], grad=True),
            nn("logsoftmax", f"{dt}-extremes", "tensor.nnet.logsoftmax", call, [rows], grad=True),
            nn("log(softmax)", f"{dt}-extremes", None, _log_softmax_textbook, [rows], grad=True),
            nn("softmax_with_bias", f"{dt}-extremes", "tensor.nnet.softmax_with_bias", call,
               [rows, fixed([0.0, 1000.0, -1000.0, 1e-300], dt)], grad=True),
            nn("crossentropy_softmax_1hot", f"{dt}-extremes", "tensor.nnet.crossentropy_softmax_1hot",
               lambda f, x, y: list(f(x, y)), [rows, _onehot(n_rows, 4)]),
            nn("categorical_crossentropy", f"{dt}-softmax-extremes", None, _softmax_xent_onehot,
               [rows, _onehot(n_rows, 4)], grad=True),
            nn("categorical_crossentropy", f"{dt}-softmax-bias-extremes", None, _softmax_bias_xent,
               [rows, fixed([0.0, 1000.0, -1000.0, 0.5], dt), _onehot(n_rows, 4)], grad=True),
            nn("categorical_crossentropy", f"{dt}-probs-extremes", "tensor.nnet.categorical_crossentropy",
               call, [_probs_extreme(dt), fixed([0, 1, 2, 0, 2, 1])], grad=True),
            nn("binary_crossentropy", f"{dt}-extremes", "tensor.nnet.binary_crossentropy", call,
               [_binary_p(dt), _binary_t(dt)], grad=True),
            nn("sigmoid_binary_crossentropy", f"{dt}-extremes", "tensor.nnet.sigmoid_binary_crossentropy",
               call, [extremes(dt), _logit_t(dt)], grad=True),
            nn("binary_crossentropy(sigmoid)", f"{dt}-extremes", None, _sigmoid_xent,
               [extremes(dt), _logit_t(dt)], grad=True),
            nn("softmax", f"{dt}-extremes-wide-rows", "tensor.nnet.softmax", call, [extreme_wide_rows(dt)]),
            nn("softmax", f"{dt}-extremes-wide-rows-grad", "tensor.nnet.softmax", call, [extreme_wide_rows(dt)],
               grad=True, atol=WIDE_ATOL[dt]),
            nn("logsoftmax", f"{dt}-extremes-wide-rows", "tensor.nnet.logsoftmax", call,
               [extreme_wide_rows(dt)], grad=True, atol=WIDE_ATOL[dt]),
            nn("log(softmax)", f"{dt}-extremes-wide-rows", None, _log_softmax_textbook,
               [extreme_wide_rows(dt)], grad=True, atol=WIDE_ATOL[dt]),
            nn("categorical_crossentropy", f"{dt}-softmax-extremes-wide-rows", None, _softmax_xent_onehot,
               [extreme_wide_rows(dt), _onehot(n_rows - 1, 257)], grad=True, atol=WIDE_ATOL[dt]),
            nn("relu", f"{dt}-extremes", "tensor.nnet.relu", call, [extremes(dt)], grad=True),
            nn("elu", f"{dt}-extremes", "tensor.nnet.elu", call, [extremes(dt)], grad=True),
            nn("softsign", f"{dt}-extremes", "tensor.nnet.softsign", call, [extremes(dt)], grad=True),
        ]
    return out


def _textbook() -> list[OpCase]:
    """The forms users write, which the core's stabilize rewrites turn into stable ones: the
    backend must compute what the reference computes from the same rewritten graph."""
    out = []
    tb = lambda op, variant, build, inputs, **kw: OpCase(op, variant, None, build, inputs, group=G, **kw)
    for dt in ("float64", "float32"):
        x, x0, x1 = extremes(dt), pairs_of_extremes(dt, 0), pairs_of_extremes(dt, 1)
        out += [
            tb("textbook:1/(1+exp(-x))", dt, _sigmoid_textbook, [x], grad=True),
            tb("textbook:exp(x)/(1+exp(x))", dt, _sigmoid_ratio, [x], grad=True),
            tb("textbook:log(sigmoid(x))", dt, _log_sigmoid, [x], grad=True),
            tb("textbook:log(1-sigmoid(x))", dt, _log_one_minus_sigmoid, [x], grad=True),
            tb("textbook:log(1+exp(x))", dt, _softplus_naive, [x], grad=True),
            tb("textbook:logistic-xent", dt, _doc_xent, [x, _logit_t(dt)], grad=True),
            tb("textbook:log(1-exp(-|x|))", dt, _log1mexp, [x], grad=True),
            tb("textbook:log(exp(x)+exp(y))", dt, _logaddexp, [x0, x1], grad=True),
            tb("textbook:exp(x)-1", dt, _expm1_naive, [x], grad=True),
            tb("textbook:log(1+x)", dt, _log1p_naive, [x], grad=True),
            tb("textbook:x*y/y", dt, _cancel, [x0, x1], grad=True),
        ]
    return out


def cases() -> list[OpCase]:
    return _unary() + _binary() + _reductions() + _nnet() + _textbook()
