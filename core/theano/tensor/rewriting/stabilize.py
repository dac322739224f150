"""Stabilize: forms that stay finite and accurate where the naive ones overflow or lose
every digit (log(1+x) for tiny x, log(sum(exp(x))) for large x)."""
from __future__ import annotations

from typing import Sequence

import numpy as np

from ...graph.basic import Variable
from ...rewrite.basic import node_rewriter
from ...scalar import basic as scal
from ..basic import cast, constant
from ..elemwise import DimShuffle, Elemwise, expand_reduced
from ..math import (Sum, add, exp, expm1, isinf, log, log1p, lt, maximum, neg, sigmoid, softplus,
                    switch, tanh)
from ..math import sum as tsum
from .matching import all_broadcastable, elemwise_of, fit_type, is_float, scalar_constant
from .products import (Product, build_product, cancel_common, negation_of, parse_product,
                       rewrite_product, same, signed_terms)
from .registry import register
from ..basic import alloc
from ..logsumexp import LogSumExp
from ..shape import Shape_i

__all__: list[str] = []


def _const_is(var: Variable, value: float) -> bool:
    v = scalar_constant(var)
    return v is not None and all_broadcastable(var) and bool(v == value)


@register("stabilize")
@node_rewriter([Elemwise], name="local_log1p")
def local_log1p(fgraph, node):
    """log(1 + x) -> log1p(x) and log(1 - x) -> log1p(-x), for float sums (an integer
    1 + x may wrap around, which log1p would not reproduce)."""
    if elemwise_of(node.outputs[0], scal.Log) is None:
        return None
    arg = node.inputs[0]
    out = node.outputs[0]
    if not is_float(arg):
        return None
    inner = elemwise_of(arg, scal.Add)
    if inner is not None:
        rest = [i for i in inner.inputs if not _const_is(i, 1)]
        if len(rest) != len(inner.inputs) - 1 or not rest:
            return None
        x = rest[0] if len(rest) == 1 else inner.op(*rest)
        x = fit_type(x, arg) if x.type.dtype != arg.type.dtype else x
        if x is None:
            return None
        return [fit_type(log1p(x), out)]
    inner = elemwise_of(arg, scal.Sub)
    if (inner is not None and _const_is(inner.inputs[0], 1) and is_float(inner.inputs[1])
            # log(1 - sigmoid(x)) is local_log_sigmoid's, log(1 - exp(x)) local_log1mexp's
            and elemwise_of(inner.inputs[1], scal.ScalarSigmoid, scal.Exp) is None):
        x = inner.inputs[1]
        if x.type.dtype != arg.type.dtype:
            return None
        return [fit_type(log1p(neg(x)), out)]
    return None


@register("stabilize")
@node_rewriter([Elemwise], name="local_expm1")
def local_expm1(fgraph, node):
    """exp(x) - 1 -> expm1(x), and 1 - exp(x) -> 0 - expm1(x) (the denominator of the gradient
    of log(1 - exp(x)); 0 - y rather than -y keeps the +0 that 1 - exp(0) gives)."""
    if elemwise_of(node.outputs[0], scal.Sub) is None:
        return None
    a, b = node.inputs
    out = node.outputs[0]
    inner = elemwise_of(a, scal.Exp)
    if inner is not None and _const_is(b, 1) and a.type.dtype == out.type.dtype:
        return [fit_type(expm1(inner.inputs[0]), out)]
    inner = elemwise_of(b, scal.Exp)
    if inner is not None and _const_is(a, 1) and b.type.dtype == out.type.dtype:
        zero = constant(np.zeros((), dtype=out.type.dtype))
        return [fit_type(zero - expm1(inner.inputs[0]), out)]
    return None


@register("stabilize")
@node_rewriter([Elemwise], name="local_log_sigmoid")
def local_log_sigmoid(fgraph, node):
    """log(sigmoid(x)) -> -softplus(-x); log(1 - sigmoid(x)) -> -softplus(x)."""
    if elemwise_of(node.outputs[0], scal.Log) is None:
        return None
    arg = node.inputs[0]
    out = node.outputs[0]
    sig = elemwise_of(arg, scal.ScalarSigmoid)
    if sig is not None:
        x = sig.inputs[0]
        if not is_float(x) or x.type.dtype != out.type.dtype:
            return None
        return [fit_type(neg(softplus(neg(x))), out)]
    sub = elemwise_of(arg, scal.Sub)
    if sub is not None and _const_is(sub.inputs[0], 1):
        sig = elemwise_of(sub.inputs[1], scal.ScalarSigmoid)
        if sig is None:
            return None
        x = sig.inputs[0]
        if not is_float(x) or x.type.dtype != out.type.dtype or arg.type.dtype != out.type.dtype:
            return None
        return [fit_type(neg(softplus(x)), out)]
    return None


# -- sigmoid forms (Theano 1.0's nnet/sigm.py stabilizations) -------------------------

def _negate(v: Variable) -> Variable:
    """-v, reading through a neg instead of stacking a second one."""
    inner = negation_of(v)
    return inner if inner is not None else neg(v)


def _one_plus_exp(v: Variable) -> Variable | None:
    """u when v is 1 + exp(u) (either order) of one float dtype, else None."""
    n = elemwise_of(v, scal.Add)
    if n is None or len(n.inputs) != 2:
        return None
    for c, e in (n.inputs, n.inputs[::-1]):
        en = elemwise_of(e, scal.Exp)
        if en is not None and _const_is(c, 1) and e.type.dtype == v.type.dtype:
            return en.inputs[0]
    return None


def _one_minus_sigmoid(v: Variable) -> Variable | None:
    """x when v is 1 - sigmoid(x) or 1 + -sigmoid(x) (either order) of one float dtype."""
    n = elemwise_of(v, scal.Sub)
    if n is not None:
        if not _const_is(n.inputs[0], 1) or n.inputs[1].type.dtype != v.type.dtype:
            return None
        sig = elemwise_of(n.inputs[1], scal.ScalarSigmoid)
        return sig.inputs[0] if sig is not None else None
    n = elemwise_of(v, scal.Add)
    if n is None or len(n.inputs) != 2:
        return None
    for c, t in (n.inputs, n.inputs[::-1]):
        inner = negation_of(t)
        if _const_is(c, 1) and inner is not None and t.type.dtype == v.type.dtype:
            sig = elemwise_of(inner, scal.ScalarSigmoid)
            if sig is not None:
                return sig.inputs[0]
    return None


def _opposite(a: Variable, b: Variable) -> bool:
    """Whether a is -b by construction (neg(b), or p - q against q - p)."""
    na, nb = negation_of(a), negation_of(b)
    if (na is not None and same(na, b)) or (nb is not None and same(nb, a)):
        return True
    sa, sb = elemwise_of(a, scal.Sub), elemwise_of(b, scal.Sub)
    return (sa is not None and sb is not None and same(sa.inputs[0], sb.inputs[1])
            and same(sa.inputs[1], sb.inputs[0]))


def _sigm_of_1pexp(p: Product):
    """A denominator 1 + exp(u) becomes a numerator sigmoid(-u): 1/(1+exp(u)) never overflows
    that way (local_inv_1_plus_exp, local_exp_over_1_plus_exp)."""
    q = p.copy()
    q.den, gain = [], 0
    for d in p.den:
        u = _one_plus_exp(d)
        if u is None:
            q.den.append(d)
        else:
            q.num.append(sigmoid(_negate(u)))
            gain += 1
    return q, gain, []


def _sigm_of_1msigm(p: Product):
    """A factor 1 - sigmoid(x) becomes sigmoid(-x) (local_1msigmoid), which keeps its digits
    where sigmoid(x) rounds to 1."""
    q, gain = p.copy(), 0
    for side in (q.num, q.den):
        for k, f in enumerate(side):
            x = _one_minus_sigmoid(f)
            if x is not None:
                side[k] = sigmoid(_negate(x))
                gain += 1
    return q, gain, []


def _sigm_times_exp(p: Product):
    """exp(x) * sigmoid(-x) -> sigmoid(x) on either side of the fraction (local_sigm_times_exp):
    the exponential may overflow where the product is below 1."""
    q, gain = p.copy(), 0
    for side in (q.num, q.den):
        k = 0
        while k < len(side):
            e = elemwise_of(side[k], scal.Exp)
            match = None
            if e is not None:
                a = e.inputs[0]
                for j, f in enumerate(side):
                    sg = elemwise_of(f, scal.ScalarSigmoid)
                    if j != k and sg is not None and _opposite(sg.inputs[0], a):
                        match = j
                        break
            if match is None:
                k += 1
                continue
            new = sigmoid(a)
            side[k] = new if new.type.dtype == q.dtype else fit_type(new, side[k])
            del side[match]
            gain += 1
    return q, gain, []


def _exp_over_sum_exp(p: Product):
    """exp(a) / (exp(a) + exp(b)) -> sigmoid(a - b): the gradient of log(exp(a) + exp(b))
    is g / (exp(a) + exp(b)) * exp(a), inf / inf where the exponentials overflow."""
    q, gain = p.copy(), 0
    k = 0
    while k < len(q.den):
        s = elemwise_of(q.den[k], scal.Add)
        hit = None
        if s is not None and len(s.inputs) == 2 and s.outputs[0].type.dtype == q.dtype:
            es = [elemwise_of(i, scal.Exp) for i in s.inputs]
            if all(e is not None for e in es):
                for j, f in enumerate(q.num):
                    fe = elemwise_of(f, scal.Exp)
                    if fe is None:
                        continue
                    for a, b in ((0, 1), (1, 0)):
                        if same(fe.inputs[0], es[a].inputs[0]):
                            hit = (j, es[a].inputs[0], es[b].inputs[0])
                            break
                    if hit:
                        break
        if hit is None:
            k += 1
            continue
        j, a, b = hit
        q.num[j] = sigmoid(a - b)
        del q.den[k]
        gain += 1
    return q, gain, []


_SIGMOID_SIMPLIFIERS = (cancel_common, _sigm_of_1pexp, _sigm_of_1msigm, _sigm_times_exp,
                        _exp_over_sum_exp)


@register("stabilize")
@node_rewriter([Elemwise], name="local_sigm_times_exp")
def local_sigm_times_exp(fgraph, node):
    """Products with 1 + exp(u) in the denominator, 1 - sigmoid(x), or exp(x) beside
    sigmoid(-x) become products of sigmoids, then cancel common factors:
    1/(1+exp(-x)) and exp(x)/(1+exp(x)) -> sigmoid(x), sigmoid(x)*exp(-x) -> sigmoid(-x);
    the gradients theano.grad builds for the logistic regression simplify to sigmoid(-x)*y."""
    if elemwise_of(node.outputs[0], scal.Mul, scal.TrueDiv, scal.Inv, scal.Neg) is None:
        return None
    res = rewrite_product(node, _SIGMOID_SIMPLIFIERS)
    return [res] if res is not None else None


def _as_product(negd: bool, t: Variable, dtype: str) -> Product:
    p = parse_product(t) if t.type.dtype == dtype else None
    if p is None:
        p = Product(dtype, num=[t if t.type.dtype == dtype else cast(t, dtype)])
    p.negative ^= negd
    return p


def _same_factors(a: Sequence[Variable], b: Sequence[Variable]) -> bool:
    rest = list(b)
    for f in a:
        for k, g in enumerate(rest):
            if same(f, g):
                del rest[k]
                break
        else:
            return False
    return not rest


def _opposite_products(a: Product, b: Product) -> bool:
    """Whether a == -b factor by factor."""
    return (a.const == b.const and a.negative != b.negative and _same_factors(a.num, b.num)
            and _same_factors(a.den, b.den))


def _without(p: Product, k: int) -> Product:
    q = p.copy()
    del q.num[k]
    return q


def _complement_pair(a: Product, b: Product) -> Product | None:
    """One product for a + b when a = P*sigmoid(z) and b = -P (P*sigmoid(z) - P is
    -P*sigmoid(-z)), or a = P*sigmoid(u) and b = -P*sigmoid(-u) (P*tanh(u/2))."""
    for k, f in enumerate(a.num):
        sg = elemwise_of(f, scal.ScalarSigmoid)
        if sg is None:
            continue
        rest = _without(a, k)
        if _opposite_products(rest, b):
            q = b.copy()
            q.num.append(sigmoid(_negate(sg.inputs[0])))
            return q
        for j, g in enumerate(b.num):
            sg2 = elemwise_of(g, scal.ScalarSigmoid)
            if sg2 is not None and _opposite(sg.inputs[0], sg2.inputs[0]) and \
                    _opposite_products(rest, _without(b, j)):
                q = rest.copy()
                half = np.asarray(0.5, dtype=sg.inputs[0].type.dtype)
                q.num.append(tanh(sg.inputs[0] * half))
                return q
    return None


@register("stabilize")
@node_rewriter([Elemwise], name="local_sigmoid_complement")
def local_sigmoid_complement(fgraph, node):
    """In a sum, P*sigmoid(z) - P -> -P*sigmoid(-z) and P*sigmoid(u) - P*sigmoid(-u) ->
    P*tanh(u/2): the differences theano.grad leaves in the gradients of sigmoid(x)*exp(-x)
    and log(exp(x) + exp(-x)), which cancel every digit where sigmoid rounds to 1."""
    out = node.outputs[0]
    if elemwise_of(out, scal.Add, scal.Sub) is None or not is_float(out):
        return None
    terms = signed_terms(out)
    if terms is None or not 2 <= len(terms) <= 8:
        return None
    prods = [_as_product(negd, t, out.type.dtype) for negd, t in terms]
    for i in range(len(prods)):
        for j in range(len(prods)):
            if i == j:
                continue
            comb = _complement_pair(prods[i], prods[j])
            if comb is None:
                continue
            new = build_product(comb, out, [t for _, t in terms])
            if new is None:
                continue
            others = [neg(t) if negd else t for k, (negd, t) in enumerate(terms) if k not in (i, j)]
            res = fit_type(add(new, *others) if others else new, out)
            if res is not None:
                return [res]
    return None


@register("stabilize")
@node_rewriter([Elemwise], name="local_1msigmoid")
def local_1msigmoid(fgraph, node):
    """1 - sigmoid(x) -> sigmoid(-x)."""
    x = _one_minus_sigmoid(node.outputs[0])
    if x is None or not is_float(node.outputs[0]):
        return None
    return [fit_type(sigmoid(_negate(x)), node.outputs[0])]


@register("stabilize")
@node_rewriter([Elemwise], name="local_log1p_to_softplus")
def local_log1p_to_softplus(fgraph, node):
    """log1p(exp(x)) -> softplus(x) and log1p(-sigmoid(x)) -> -softplus(x)."""
    if elemwise_of(node.outputs[0], scal.Log1p) is None:
        return None
    arg, out = node.inputs[0], node.outputs[0]
    if arg.type.dtype != out.type.dtype:
        return None
    e = elemwise_of(arg, scal.Exp)
    if e is not None:
        return [fit_type(softplus(e.inputs[0]), out)]
    inner = negation_of(arg)
    sg = elemwise_of(inner, scal.ScalarSigmoid) if inner is not None else None
    if sg is not None:
        return [fit_type(neg(softplus(sg.inputs[0])), out)]
    return None


_LOG_HALF = float(np.log(0.5))


@register("stabilize")
@node_rewriter([Elemwise], name="local_log1mexp")
def local_log1mexp(fgraph, node):
    """log(1 - exp(x)) and log(-expm1(x)) -> log1p(-exp(x)) where x < log(1/2), and
    x + log(expm1(-x)) elsewhere: each form is accurate on its side (log1p alone gives -inf
    for x = -1e-300, log(-expm1(x)) gives 0 for x = -50)."""
    if elemwise_of(node.outputs[0], scal.Log) is None:
        return None
    out = node.outputs[0]
    arg = node.inputs[0]
    if not is_float(out) or arg.type.dtype != out.type.dtype:
        return None
    x = None
    sub = elemwise_of(arg, scal.Sub)
    if sub is not None and _const_is(sub.inputs[0], 1):
        e = elemwise_of(sub.inputs[1], scal.Exp)
        x = e.inputs[0] if e is not None and sub.inputs[1].type.dtype == out.type.dtype else None
    inner = negation_of(arg)
    zsub = elemwise_of(arg, scal.Sub)
    if zsub is not None and _const_is(zsub.inputs[0], 0):
        inner = zsub.inputs[1]  # 0 - expm1(x), as local_expm1 writes 1 - exp(x)
    if inner is not None:
        e = elemwise_of(inner, scal.Expm1)
        x = e.inputs[0] if e is not None and inner.type.dtype == out.type.dtype else None
    if x is None:
        return None
    cut = np.asarray(_LOG_HALF, dtype=out.type.dtype)
    new = switch(lt(x, cut), log1p(neg(exp(x))), x + log(expm1(neg(x))))
    return [fit_type(new, out)]


@register("stabilize")
@node_rewriter([Elemwise], name="local_log_add_exp")
def local_log_add_exp(fgraph, node):
    """log(exp(x) + exp(y)) -> m + log1p(exp((x - m) + (y - m))) with m = max(x, y) (Theano's
    local_log_add: its gradient is 1/2 each at a tie), and m itself where m is infinite."""
    if elemwise_of(node.outputs[0], scal.Log) is None:
        return None
    out = node.outputs[0]
    s = elemwise_of(node.inputs[0], scal.Add)
    if s is None or len(s.inputs) != 2 or not is_float(out):
        return None
    es = [elemwise_of(i, scal.Exp) for i in s.inputs]
    if any(e is None for e in es) or any(i.type.dtype != out.type.dtype for i in s.inputs):
        return None
    x, y = (e.inputs[0] for e in es)
    m = maximum(x, y)
    new = switch(isinf(m), m, m + log1p(exp(add(x - m, y - m))))
    return [fit_type(new, out)]


# -- log-sum-exp ---------------------------------------------------------------------

@register("stabilize")
@node_rewriter([Elemwise], name="local_log_sum_exp")
def local_log_sum_exp(fgraph, node):
    """log(sum(exp(x), axis)) -> LogSumExp(axis)(x)."""
    if elemwise_of(node.outputs[0], scal.Log) is None:
        return None
    s = node.inputs[0]
    if s.owner is None or type(s.owner.op) is not Sum:
        return None
    e = elemwise_of(s.owner.inputs[0], scal.Exp)
    if e is None:
        return None
    x = e.inputs[0]
    if not is_float(x) or e.outputs[0].type.dtype != x.type.dtype:
        return None
    sop = s.owner.op
    if sop.dtype not in scal.float_dtypes or node.outputs[0].type.dtype != sop.dtype:
        return None
    axes = sop.reduced_axes(x.type.ndim)
    new = LogSumExp(axes, sop.dtype, sop.acc_dtype)(x)
    return [fit_type(new, node.outputs[0])]


def _keepdims_order(ndim: int, axes: Sequence[int]) -> tuple:
    order, k = [], 0
    for d in range(ndim):
        if d in axes:
            order.append("x")
        else:
            order.append(k)
            k += 1
    return tuple(order)


@register("stabilize")
@node_rewriter([Elemwise], name="local_grad_log_sum_exp")
def local_grad_log_sum_exp(fgraph, node):
    """exp(x) * (g / sum(exp(x), axis)) broadcast back -> g * exp(x - logsumexp(x, axis)):
    the gradient of log(sum(exp(x))) (and softmax written by hand) without inf / inf."""
    if elemwise_of(node.outputs[0], scal.Mul) is None or len(node.inputs) != 2:
        return None
    out = node.outputs[0]
    for e, d in (node.inputs, node.inputs[::-1]):
        en = elemwise_of(e, scal.Exp)
        if en is None or not is_float(e):
            continue
        fill = elemwise_of(d, scal.Second)
        if fill is not None and fill.inputs[0] is e:
            d = fill.inputs[1]
        if d.owner is None or not isinstance(d.owner.op, DimShuffle):
            continue
        div = elemwise_of(d.owner.inputs[0], scal.TrueDiv)
        if div is None:
            continue
        g, s = div.inputs
        if s.owner is None or type(s.owner.op) is not Sum or s.owner.inputs[0] is not e:
            continue
        x = en.inputs[0]
        sop = s.owner.op
        axes = sop.reduced_axes(x.type.ndim)
        order = _keepdims_order(x.type.ndim, axes)
        if d.owner.op.new_order != order or sop.dtype != e.type.dtype:
            continue
        lse = LogSumExp(axes, sop.dtype, sop.acc_dtype)(x)
        lse_b = expand_reduced(lse, x.type.ndim, axes)
        g_b = expand_reduced(g, x.type.ndim, axes)
        new = g_b * exp(x - lse_b)
        res = fit_type(new, out)
        if res is not None:
            return [res]
    return None


# -- softmax, log-softmax and cross-entropy (when theano.tensor.nnet provides the ops) ---------
try:
    from ..nnet.crossentropy import (CrossentropyCategorical1Hot, CrossentropyCategorical1HotGrad,
                                     CrossentropySoftmax1HotWithBiasDx,
                                     CrossentropySoftmaxArgmax1HotWithBias)
    from ..nnet.softmax import LogSoftmax, Softmax, SoftmaxGrad
except ImportError:  # an older nnet: these rules have nothing to match
    Softmax = None


def _softmax_of(v: Variable, ndim: int | None = None):
    n = v.owner
    if n is None or Softmax is None or type(n.op) is not Softmax:
        return None
    if ndim is not None and (v.type.ndim != ndim or n.op.axis != ndim - 1):
        return None
    return n


def _matrix_plus_row_bias(v: Variable):
    """(x, b) when v is x + b for a float matrix x and a vector b broadcast along the rows
    (either order, one dtype), else None."""
    n = elemwise_of(v, scal.Add)
    if n is None or len(n.inputs) != 2 or v.type.ndim != 2:
        return None
    for x, bb in (n.inputs, n.inputs[::-1]):
        ds = bb.owner
        if (ds is not None and isinstance(ds.op, DimShuffle) and ds.op.new_order == ("x", 0)
                and x.type == v.type and ds.inputs[0].type.dtype == v.type.dtype):
            return x, ds.inputs[0]
    return None


if Softmax is not None:
    @register("stabilize", "nnet")
    @node_rewriter([Elemwise], name="local_log_softmax")
    def local_log_softmax(fgraph, node):
        """log(softmax(x)) -> logsoftmax(x)."""
        if elemwise_of(node.outputs[0], scal.Log) is None:
            return None
        sm = _softmax_of(node.inputs[0])
        if sm is None:
            return None
        return [fit_type(LogSoftmax(sm.op.axis)(sm.inputs[0]), node.outputs[0])]

    @register("stabilize", "nnet")
    @node_rewriter([CrossentropyCategorical1Hot], name="local_crossentropy_softmax")
    def local_crossentropy_softmax(fgraph, node):
        """crossentropy(softmax(x), y) -> the fused, log-sum-exp based op (finite for any logits)."""
        sm_node = _softmax_of(node.inputs[0], 2)
        if sm_node is None:
            return None
        x = sm_node.inputs[0]
        y = node.inputs[1]
        split = _matrix_plus_row_bias(x)
        if split is not None:
            x, b = split  # softmax(x + b): the fused op adds the bias itself
        else:
            b = alloc(np.zeros((), dtype=x.type.dtype), Shape_i(1)(x))
        nll = CrossentropySoftmaxArgmax1HotWithBias()(x, b, y)[0]
        return [fit_type(nll, node.outputs[0])]

    @register("stabilize", "nnet")
    @node_rewriter([SoftmaxGrad], name="local_crossentropy_softmax_grad")
    def local_crossentropy_softmax_grad(fgraph, node):
        """softmax_grad(crossentropy_grad(g, sm, y), sm) -> (sm - onehot(y)) * g, which never
        divides by a probability that underflowed to 0."""
        dy, sm = node.inputs
        if _softmax_of(sm, 2) is None or node.op.axis != 1 or dy.owner is None:
            return None
        if type(dy.owner.op) is not CrossentropyCategorical1HotGrad:
            return None
        g, sm2, y = dy.owner.inputs
        if sm2 is not sm:
            return None
        return [fit_type(CrossentropySoftmax1HotWithBiasDx()(g, sm, y), node.outputs[0])]

    @register("stabilize", "nnet")
    @node_rewriter([SoftmaxGrad], name="local_logsoftmax_grad")
    def local_logsoftmax_grad(fgraph, node):
        """softmax_grad(g / sm, sm) -> g - sum(g) * sm along the softmax axis: the gradient of
        log(softmax(x)) (picked by index, or weighted by one-hot targets) without dividing
        by probabilities that underflowed to 0."""
        dy, sm = node.inputs
        if _softmax_of(sm) is None:
            return None
        p = parse_product(dy)
        if p is None:
            return None
        for k, d in enumerate(p.den):
            if same(d, sm):
                break
        else:
            return None
        del p.den[k]
        g = build_product(p, dy, [d])
        if g is None:
            return None
        new = g - tsum(g, axis=node.op.axis, keepdims=True) * sm
        return [fit_type(new, node.outputs[0])]
