"""The expressions of the stability table (docs/stability.md), shared by the script that
records Theano 1.0.5's values (scripts/theano105/stability.py, Python 3.8) and the one that
evaluates this project's (scripts/stability_table.py) and its test.

Each case is written once against the Theano API (`T` is theano.tensor of whichever
Theano runs it) and once in mpmath, whose value at 60 digits is the exact answer that
decides which of two different results is the better one. Every case gives two rows: the
expression, and the gradient of its sum (of its sum weighted by W for matrices).
This module imports neither Theano nor mpmath: the callers pass them in.
"""
from __future__ import annotations

import math

import numpy as np

#: The vector inputs: large, overflowing, tiny, subnormal, zero, infinite and NaN.
VALUES = [-1000.0, -800.0, -30.0, -1.0, -1e-5, -1e-300, -5e-324, -0.0, 0.0, 2.5e-320, 1e-300,
          1e-5, 0.5, 1.0, 30.0, 800.0, 1000.0, math.inf, -math.inf, math.nan]
#: The matrix inputs: one row per value v, [v, -v, 0.5, 0] (four classes).
MATRIX = [[v, -v, 0.5, 0.0] for v in VALUES if not math.isnan(v)] + [[math.nan, 0.0, 0.5, 1.0]]
#: Class indices per matrix row, and the same as one-hot rows.
TARGETS = [k % 4 for k in range(len(MATRIX))]
#: Weights of the matrix outputs in the cost whose gradient is tabulated.
WEIGHTS = [[1.0, -2.0, 0.5, 3.0] for _ in MATRIX]
#: Binary targets of the logistic-regression rows (alternating 0, 1).
BINARY = [float(k % 2) for k in range(len(VALUES))]


def _onehot():
    """The class indices as one-hot rows."""
    return np.eye(4)[TARGETS]


def _sig(mp, x):
    return 1 / (1 + mp.exp(-x))


def _vec(name, rewrite, build, exact, dexact=None):
    """A vector case; `dexact` is the exact derivative where numerical differentiation of
    `exact` would step out of its domain (x = -1e-300 for log(1 - exp(x)))."""
    return {"name": name, "rewrite": rewrite, "kind": "vector", "build": build, "exact": exact,
            "dexact": dexact}


def _mat(name, rewrite, build, exact):
    return {"name": name, "rewrite": rewrite, "kind": "matrix", "build": build, "exact": exact}


def _softmax_row(mp, r):
    m = max(r)
    e = [mp.exp(v - m) for v in r]
    s = sum(e)
    return [v / s for v in e]


def _lse(mp, r):
    # mpmath's exponent range is unbounded: no shift needed, and infinite entries give the limit
    return mp.log(sum(mp.exp(v) for v in r))


def _bce_logits(mp, x, t):
    """-(t*log(sigmoid(x)) + (1-t)*log(1-sigmoid(x))) without 1 - sigmoid(x) (which would need
    more than 60 digits at x = 800)."""
    a = mp.log1p(mp.exp(-x)) if t != 0 else 0
    b = mp.log1p(mp.exp(x)) if t != 1 else 0
    return t * a + (1 - t) * b


def _t(T):
    """The binary targets, a constant as long as VALUES."""
    return T.constant(np.asarray(BINARY, dtype="float64"))


# name, rewrite it exercises, Theano expression of x, exact value of one element (mpmath).
CASES = [
    _vec("sigmoid(x)", "the op itself", lambda T, x: T.nnet.sigmoid(x), lambda mp, x: _sig(mp, x)),
    _vec("softplus(x)", "the op itself", lambda T, x: T.nnet.softplus(x),
         lambda mp, x: mp.log(1 + mp.exp(x))),
    _vec("1/(1+exp(-x))", "local_sigm_times_exp (inv_1_plus_exp)",
         lambda T, x: 1 / (1 + T.exp(-x)), lambda mp, x: _sig(mp, x)),
    _vec("exp(x)/(1+exp(x))", "local_sigm_times_exp (exp_over_1_plus_exp)",
         lambda T, x: T.exp(x) / (1 + T.exp(x)), lambda mp, x: _sig(mp, x)),
    _vec("2/(1+exp(x))", "local_sigm_times_exp (c/(1+exp(x)))",
         lambda T, x: 2 / (1 + T.exp(x)), lambda mp, x: 2 * _sig(mp, -x)),
    _vec("1-sigmoid(x)", "local_1msigmoid", lambda T, x: 1 - T.nnet.sigmoid(x),
         lambda mp, x: _sig(mp, -x)),
    _vec("log(sigmoid(x))", "local_log_sigmoid (logsigm_to_softplus)",
         lambda T, x: T.log(T.nnet.sigmoid(x)), lambda mp, x: -mp.log(1 + mp.exp(-x))),
    _vec("log(1-sigmoid(x))", "local_log_sigmoid (log1msigm_to_softplus)",
         lambda T, x: T.log(1 - T.nnet.sigmoid(x)), lambda mp, x: -mp.log(1 + mp.exp(x))),
    _vec("log(1/(1+exp(-x)))", "inv_1_plus_exp then logsigm_to_softplus",
         lambda T, x: T.log(1 / (1 + T.exp(-x))), lambda mp, x: -mp.log(1 + mp.exp(-x))),
    _vec("sigmoid(x)*exp(-x)", "local_sigm_times_exp",
         lambda T, x: T.nnet.sigmoid(x) * T.exp(-x), lambda mp, x: _sig(mp, -x)),
    _vec("exp(x)*sigmoid(-x)", "local_sigm_times_exp",
         lambda T, x: T.exp(x) * T.nnet.sigmoid(-x), lambda mp, x: _sig(mp, x)),
    _vec("x*exp(x)/exp(x)", "local_mul_canonizer (x*y/y -> x)",
         lambda T, x: x * T.exp(x) / T.exp(x), lambda mp, x: x),
    _vec("sigmoid(x)/sigmoid(x)*x", "local_mul_canonizer",
         lambda T, x: T.nnet.sigmoid(x) / T.nnet.sigmoid(x) * x, lambda mp, x: x),
    _vec("log(1+exp(x))", "local_log1p then log1pexp_to_softplus",
         lambda T, x: T.log(1 + T.exp(x)), lambda mp, x: mp.log(1 + mp.exp(x))),
    _vec("log1p(exp(x))", "log1pexp_to_softplus",
         lambda T, x: T.log1p(T.exp(x)), lambda mp, x: mp.log(1 + mp.exp(x))),
    _vec("log1p(-sigmoid(x))", "log1p_neg_sigmoid",
         lambda T, x: T.log1p(-T.nnet.sigmoid(x)), lambda mp, x: -mp.log(1 + mp.exp(x))),
    _vec("log(1+x)", "local_log1p", lambda T, x: T.log(1 + x), lambda mp, x: mp.log(1 + x)),
    _vec("log(1-x)", "local_log1p", lambda T, x: T.log(1 - x), lambda mp, x: mp.log(1 - x)),
    _vec("exp(x)-1", "local_expm1", lambda T, x: T.exp(x) - 1, lambda mp, x: mp.expm1(x)),
    _vec("log(1-exp(x))", "local_log1mexp", lambda T, x: T.log(1 - T.exp(x)),
         lambda mp, x: mp.log(-mp.expm1(x)), lambda mp, x: mp.exp(x) / mp.expm1(x)),
    _vec("log(exp(x)+exp(-x))", "local_log_add_exp",
         lambda T, x: T.log(T.exp(x) + T.exp(-x)), lambda mp, x: mp.log(mp.exp(x) + mp.exp(-x))),
    _vec("log(exp(x)+exp(x/2+1))", "local_log_add_exp",
         lambda T, x: T.log(T.exp(x) + T.exp(x / 2 + 1)),
         lambda mp, x: mp.log(mp.exp(x) + mp.exp(x / 2 + 1))),
    _vec("binary_crossentropy(sigmoid(x), 0.3)", "log_sigmoid rules + canonizer in the gradient",
         lambda T, x: T.nnet.binary_crossentropy(T.nnet.sigmoid(x), 0.3),
         lambda mp, x: _bce_logits(mp, x, mp.mpf("0.3"))),
    _vec("doc logreg xent (as written), t alternating",
         "inv_1_plus_exp, log_sigmoid, canonizer + distribution in the gradient",
         lambda T, x: (lambda p, t: -t * T.log(p) - (1 - t) * T.log(1 - p))(
             1 / (1 + T.exp(-x)), _t(T)),
         None),
    _vec("doc logreg xent (nnet form), t alternating",
         "log_sigmoid, 1msigmoid, canonizer + distribution in the gradient",
         lambda T, x: T.nnet.binary_crossentropy(T.nnet.sigmoid(x), _t(T)), None),
    _mat("softmax(X)", "the op itself", lambda T, x: T.nnet.softmax(x),
         lambda mp, r: _softmax_row(mp, r)),
    _mat("log(softmax(X))", "local_log_softmax, local_logsoftmax_grad",
         lambda T, x: T.log(T.nnet.softmax(x)),
         lambda mp, r: [v - _lse(mp, r) for v in r]),
    _mat("logsoftmax(X)", "the op itself", lambda T, x: T.nnet.logsoftmax(x),
         lambda mp, r: [v - _lse(mp, r) for v in r]),
    _mat("log(sum(exp(X), axis=1))", "local_log_sum_exp, local_grad_log_sum_exp",
         lambda T, x: T.log(T.sum(T.exp(x), axis=1)), lambda mp, r: [_lse(mp, r)]),
    _mat("categorical_crossentropy(softmax(X), y)", "local_crossentropy_softmax (+ grad)",
         lambda T, x: T.nnet.categorical_crossentropy(
             T.nnet.softmax(x), T.constant(np.asarray(TARGETS, dtype="int32"))),
         "xent_int"),
    _mat("categorical_crossentropy(softmax(X + b), y)", "local_crossentropy_softmax with bias",
         lambda T, x: T.nnet.categorical_crossentropy(
             T.nnet.softmax(x + T.constant(np.asarray([0.5, -0.5, 0.0, 1.0]))),
             T.constant(np.asarray(TARGETS, dtype="int32"))),
         "xent_bias"),
    _mat("categorical_crossentropy(softmax(X), onehot)", "local_log_softmax, local_logsoftmax_grad",
         lambda T, x: T.nnet.categorical_crossentropy(T.nnet.softmax(x), T.constant(_onehot())),
         "xent_int"),
    _mat("doc MLP nll: -mean(log(softmax(X))[arange(n), y])",
         "local_log_softmax, local_logsoftmax_grad",
         lambda T, x: -T.mean(T.log(T.nnet.softmax(x))[
             T.arange(len(TARGETS)), T.constant(np.asarray(TARGETS, dtype="int32"))]),
         "nll_mean"),
]


def _row_exact(mp, case, r, k):
    """The exact outputs of matrix row k (a list)."""
    ex = case["exact"]
    if ex == "xent_int":
        return [-mp.log(_softmax_row(mp, r)[TARGETS[k]])]
    if ex == "xent_bias":
        b = [mp.mpf("0.5"), mp.mpf("-0.5"), mp.mpf(0), mp.mpf(1)]
        return [-mp.log(_softmax_row(mp, [a + c for a, c in zip(r, b)])[TARGETS[k]])]
    if ex == "nll_mean":
        return [-mp.log(_softmax_row(mp, r)[TARGETS[k]]) / len(MATRIX)]
    return ex(mp, r)


def _vec_exact_fn(mp, case, k):
    """The exact function of element k of a vector case, as a function of x."""
    ex = case["exact"]
    if ex is not None:
        return lambda x: ex(mp, x)
    t = mp.mpf(BINARY[k])
    if case["name"].startswith("doc logreg"):
        return lambda x: _bce_logits(mp, x, t)
    raise ValueError(f"no exact form for {case['name']}")


def _finite_or_limit(mp, x):
    """Infinite inputs are taken as the limit: the derivative at +-1e30."""
    if mp.isinf(x):
        return mp.mpf(10) ** 30 * (1 if x > 0 else -1)
    return x


def _num(mp, v):
    """An mpmath result as a float (NaN for complex or undefined results)."""
    try:
        if isinstance(v, mp.mpc):
            if v.imag != 0:
                return math.nan
            v = v.real
        return float(v)
    except (TypeError, ValueError, OverflowError):
        return math.nan


def exact_rows(mp) -> dict:
    """{row name: flat list of exact values} for every case (value and gradient rows).
    Elements whose exact value cannot be had (NaN inputs) are NaN."""
    mp.mp.dps = 60
    out = {}
    for case in CASES:
        if case["kind"] == "vector":
            vals, grads = [], []
            for k, v in enumerate(VALUES):
                fn = _vec_exact_fn(mp, case, k)
                if math.isnan(v):
                    vals.append(math.nan)
                    grads.append(math.nan)
                    continue
                x = mp.mpf(v)
                try:
                    vals.append(_num(mp, fn(x)))
                except (ZeroDivisionError, ValueError):
                    vals.append(math.nan)
                try:
                    if case.get("dexact") is not None:
                        grads.append(_num(mp, case["dexact"](mp, _finite_or_limit(mp, x))))
                        continue
                    grads.append(_num(mp, mp.diff(fn, _finite_or_limit(mp, x))))
                except (ZeroDivisionError, ValueError):
                    grads.append(math.nan)
            out[case["name"]] = vals
            out["grad " + case["name"]] = grads
        else:
            vals, grads = [], []
            for k, row in enumerate(MATRIX):
                if any(math.isnan(v) for v in row):
                    n = len(_row_exact(mp, case, [mp.mpf(0)] * 4, k))
                    vals += [math.nan] * n
                    grads += [math.nan] * 4
                    continue
                r = [mp.mpf(v) for v in row]
                vals += [_num(mp, v) for v in _row_exact(mp, case, r, k)]
                rl = [_finite_or_limit(mp, v) for v in r]
                w = WEIGHTS[k]

                def cost(*z, k=k):
                    res = _row_exact(mp, case, list(z), k)
                    return sum(wi * ri for wi, ri in zip(w, res)) if len(res) == 4 else res[0]

                for j in range(4):
                    order = [0] * 4
                    order[j] = 1
                    try:
                        grads.append(_num(mp, mp.diff(cost, rl, tuple(order))))
                    except (ZeroDivisionError, ValueError):
                        grads.append(math.nan)
            out[case["name"]] = vals
            out["grad " + case["name"]] = grads
    return out


def build_functions(theano, T, function_kwargs=None):
    """{row name: (compiled function of no arguments returning the flat row)}, for the Theano
    that `theano`/`T` are (the same code builds the graphs on both)."""
    kw = function_kwargs or {}
    fns = {}
    for case in CASES:
        if case["kind"] == "vector":
            x = T.dvector("x")
            e = case["build"](T, x)
            cost = e.sum()
            data = np.asarray(VALUES, dtype="float64")
        else:
            x = T.dmatrix("x")
            e = case["build"](T, x)
            if e.ndim == 2:
                cost = (e * T.constant(np.asarray(WEIGHTS))).sum()
            else:
                cost = e.sum()
            data = np.asarray(MATRIX, dtype="float64")
        g = theano.grad(cost, x)
        flat = e.flatten() if e.ndim else e.dimshuffle("x")
        f = theano.function([x], [flat, g.flatten()], **kw)
        fns[case["name"]] = (f, data)
    return fns


def evaluate(theano, T, function_kwargs=None) -> dict:
    """{row name: flat list of floats} computed by the given Theano."""
    out = {}
    with np.errstate(all="ignore"):
        for name, (f, data) in build_functions(theano, T, function_kwargs).items():
            v, g = f(data)
            out[name] = [float(a) for a in np.asarray(v, dtype="float64").ravel()]
            out["grad " + name] = [float(a) for a in np.asarray(g, dtype="float64").ravel()]
    return out
