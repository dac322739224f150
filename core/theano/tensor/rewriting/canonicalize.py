"""Canonicalize: simpler, equivalent forms that the later phases can match.

Every rule here keeps values bit-for-bit or changes them only by floating-point
re-rounding, with one exception taken from Theano 1.0's FAST_RUN: the multiplication
canonizer cancels a factor found in both the numerator and the denominator of a product
(x * y / y -> x, even where y is 0 or infinite), because the gradients theano.grad builds
are only stable once such factors are gone. The plain rules that are wrong on some inputs
(x - x is NaN for x = inf, x / x is NaN for x = 0) are tagged 'unsafe' and stay out of
FAST_RUN."""
from __future__ import annotations

import numpy as np

from ...graph.basic import Constant
from ...rewrite.basic import node_rewriter
from ...scalar import basic as scal
from ..basic import Rebroadcast, cast, constant, second
from ..elemwise import CAReduce, DimShuffle, Elemwise
from ..math import ge, switch
from ..shape import Reshape
from .matching import elemwise_of, fit_type, is_float, scalar_constant, single_client
from .products import cancel_common, rewrite_product
from .registry import register

_ASSOC = (scal.Add, scal.Mul)


@register("canonicalize")
@node_rewriter([Elemwise], name="local_neutral_elements")
def local_neutral_elements(fgraph, node):
    """x * 1 -> x, x + 0 -> x (the constant must be size 1: a bigger one carries a shape)."""
    if elemwise_of(node.outputs[0], *_ASSOC) is None:
        return None
    ident = node.op.scalar_op.identity
    keep = [i for i in node.inputs
            if not (all(i.type.broadcastable) and _is_value(scalar_constant(i), ident))]
    if len(keep) == len(node.inputs):
        if len(keep) == 1:
            return [fit_type(keep[0], node.outputs[0])]
        return None
    if not keep:
        return None  # all constants: constant folding's job
    out = node.outputs[0]
    if len(keep) == 1:
        new = keep[0]
    else:
        new = node.op(*keep)
    return [fit_type(new, out)]


def _is_value(v, target) -> bool:
    return v is not None and target is not None and bool(np.asarray(v) == target)


@register("canonicalize")
@node_rewriter([Elemwise], name="local_sub_div_neutral")
def local_sub_div_neutral(fgraph, node):
    """x - 0 -> x and x / 1 -> x (a size-1 constant on the right)."""
    if elemwise_of(node.outputs[0], scal.Sub, scal.TrueDiv) is None:
        return None
    x, c = node.inputs
    target = 0 if isinstance(node.op.scalar_op, scal.Sub) else 1
    if not all(c.type.broadcastable) or not _is_value(scalar_constant(c), target):
        return None
    return [fit_type(x, node.outputs[0])]


@register("canonicalize")
@node_rewriter([Elemwise], name="local_flatten_assoc")
def local_flatten_assoc(fgraph, node):
    """add(add(a, b), c) -> add(a, b, c), likewise mul. The inner node must have no other
    reader and the same dtype; floats are only flattened from the first operand, which is
    the order NumPy folds a variadic add in, so no value changes."""
    if elemwise_of(node.outputs[0], *_ASSOC) is None:
        return None
    sop_t = type(node.op.scalar_op)
    odt = node.outputs[0].type.dtype
    exact = odt in scal.integer_dtypes and all(j.type.dtype == odt for j in node.inputs)
    out = node.outputs[0]
    cl = fgraph.clients.get(out, ())
    if len(cl) == 1 and cl[0][0] != "output":
        reader, at = cl[0]
        if (at == 0 and elemwise_of(reader.outputs[0], sop_t) is not None
                and reader.outputs[0].type.dtype == odt):
            return None  # the reader will flatten the whole chain, this node included
    new_inputs = []
    changed = False
    # The whole chain at once (a long sum flattened one level per visit would rebuild an
    # ever wider node each time: quadratic). Depth-first, left to right, keeps the order.
    stack = [(i, k == 0) for k, i in reversed(list(enumerate(node.inputs)))]
    while stack:
        i, first = stack.pop()
        inner = elemwise_of(i, sop_t)
        if (inner is not None and single_client(fgraph, i) and i.type.dtype == odt
                and (first or (exact and all(j.type.dtype == odt for j in inner.inputs)))):
            stack.extend((j, first and k == 0) for k, j in reversed(list(enumerate(inner.inputs))))
            changed = True
        else:
            new_inputs.append(i)
    if not changed:
        return None
    return [fit_type(node.op(*new_inputs), node.outputs[0])]


@register("canonicalize")
@node_rewriter([Elemwise], name="local_collect_constants")
def local_collect_constants(fgraph, node):
    """add(x, 1, y, 2) -> add(x, y, 3): size-1 constants of a sum or product become one."""
    if elemwise_of(node.outputs[0], *_ASSOC) is None:
        return None
    consts, rest = [], []
    for i in node.inputs:
        v = scalar_constant(i)
        if v is not None and all(i.type.broadcastable):
            consts.append((i, v))
        else:
            rest.append(i)
    if len(consts) < 2 or not rest:
        return None
    fn = np.add if isinstance(node.op.scalar_op, scal.Add) else np.multiply
    dt = np.result_type(*[np.asarray(v).dtype for _, v in consts])
    with np.errstate(all="ignore"):
        val = np.asarray(consts[0][1], dtype=dt)
        for _, v in consts[1:]:
            val = np.asarray(fn(val, v), dtype=dt)
    c = constant(val.reshape(()), dtype=str(dt))
    new = node.op(*rest, c)
    return [fit_type(new, node.outputs[0])]


@register("canonicalize")
@node_rewriter([Elemwise], name="local_mul_canonizer")
def local_mul_canonizer(fgraph, node):
    """Theano 1.0's multiplication canonizer: a float product of mul, true_div, inv and neg
    nodes loses each factor that is both in its numerator and its denominator
    (x * y / y -> x), distributing over a sum in the numerator when every term cancels
    something. It is what makes theano.grad's graphs stable: the gradient of log(p) is
    g / p times the gradient of p, and p must cancel before p underflows to 0.
    Like Theano 1.0 in FAST_RUN, it takes y / y as 1 where y is 0 or infinite."""
    if elemwise_of(node.outputs[0], scal.Mul, scal.TrueDiv, scal.Inv, scal.Neg) is None:
        return None
    res = rewrite_product(node, [cancel_common])
    return [res] if res is not None else None


@register("canonicalize")
@node_rewriter([Elemwise], name="local_neg_neg")
def local_neg_neg(fgraph, node):
    """-(-x) -> x."""
    if elemwise_of(node.outputs[0], scal.Neg) is None:
        return None
    inner = elemwise_of(node.inputs[0], scal.Neg)
    if inner is None:
        return None
    return [fit_type(inner.inputs[0], node.outputs[0])]


@register("canonicalize")
@node_rewriter([Elemwise], name="local_log_exp")
def local_log_exp(fgraph, node):
    """log(exp(x)) -> x for floats: equal where exp is finite, and right where it overflows."""
    if elemwise_of(node.outputs[0], scal.Log) is None:
        return None
    inner = elemwise_of(node.inputs[0], scal.Exp)
    if inner is None or not is_float(inner.inputs[0]):
        return None
    x = inner.inputs[0]
    if x.type.dtype != node.outputs[0].type.dtype:
        return None
    return [fit_type(x, node.outputs[0])]


@register("canonicalize")
@node_rewriter([Elemwise], name="local_exp_log")
def local_exp_log(fgraph, node):
    """exp(log(x)) -> x where x >= 0, NaN elsewhere (exactly what the pair computes)."""
    if elemwise_of(node.outputs[0], scal.Exp) is None:
        return None
    inner = elemwise_of(node.inputs[0], scal.Log)
    if inner is None:
        return None
    out = node.outputs[0]
    x = fit_type(inner.inputs[0], out)
    if x is None or not is_float(out):
        return None
    nan = constant(np.asarray(np.nan, dtype=out.type.dtype))
    return [fit_type(switch(ge(x, constant(np.asarray(0, dtype=out.type.dtype))), x, nan), out)]


@register("canonicalize")
@node_rewriter([Elemwise], name="local_useless_fill")
def local_useless_fill(fgraph, node):
    """second(x, y) -> y when y already has the output's shape (broadcast pattern)."""
    if elemwise_of(node.outputs[0], scal.Second) is None:
        return None
    x, y = node.inputs
    new = fit_type(y, node.outputs[0])
    return [new] if new is not None else None


@register("canonicalize")
@node_rewriter([Elemwise], name="local_useless_elemwise_identity")
def local_useless_identity(fgraph, node):
    """identity(x) and a cast to x's own dtype -> x."""
    op = node.op
    if type(op) is not Elemwise or op.inplace_pattern or len(node.inputs) != 1:
        return None
    sop = op.scalar_op
    if isinstance(sop, scal.Identity) or (isinstance(sop, scal.Cast)
                                           and sop.o_dtype == node.inputs[0].type.dtype):
        if node.inputs[0].type == node.outputs[0].type:
            return [node.inputs[0]]
    return None


@register("canonicalize")
@node_rewriter([Elemwise], name="local_cast_cast")
def local_cast_cast(fgraph, node):
    """cast(cast(x, a), b) -> cast(x, b) when the first cast cannot lose information
    (a holds every value of x's dtype)."""
    if elemwise_of(node.outputs[0], scal.Cast) is None:
        return None
    inner = elemwise_of(node.inputs[0], scal.Cast)
    if inner is None:
        return None
    x = inner.inputs[0]
    mid = node.inputs[0].type.dtype
    if scal.upcast(x.type.dtype, mid) != mid:
        return None
    if x.type.dtype in scal.float_dtypes and mid in scal.float_dtypes and \
            node.outputs[0].type.dtype in scal.integer_dtypes:
        return None  # float -> float -> int: keep the exact chain NumPy computes
    return [fit_type(x, node.outputs[0])]


@register("canonicalize")
@node_rewriter([DimShuffle], name="local_dimshuffle_merge")
def local_dimshuffle_merge(fgraph, node):
    """DimShuffle(DimShuffle(x)) -> one DimShuffle; an identity DimShuffle -> x."""
    op = node.op
    x = node.inputs[0]
    if op.new_order == tuple(range(x.type.ndim)):
        return [x]
    inner = x.owner
    if inner is None or not isinstance(inner.op, DimShuffle):
        return None
    order = tuple("x" if o == "x" else inner.op.new_order[o] for o in op.new_order)
    base = inner.inputs[0]
    if order == tuple(range(base.type.ndim)) and base.type == node.outputs[0].type:
        return [base]
    new = DimShuffle(base.type.broadcastable, order)(base)
    return [fit_type(new, node.outputs[0])]


@register("canonicalize")
@node_rewriter([CAReduce], name="local_reduce_broadcastable_axes")
def local_reduce_broadcastable_axes(fgraph, node):
    """A sum, product, max, min, all or any over axes of length 1 only (broadcastable) is
    the value itself without those axes (cast to the reduction's output dtype): gradients of
    broadcast operands produce these, e.g. sum(axis=0) of a row."""
    x = node.inputs[0]
    axes = node.op.reduced_axes(x.type.ndim)
    if not all(x.type.broadcastable[a] for a in axes):
        return None
    kept = x.dimshuffle([d for d in range(x.type.ndim) if d not in axes])
    out = node.outputs[0]
    return [fit_type(cast(kept, out.type.dtype) if kept.type.dtype != out.type.dtype else kept, out)]


@register("canonicalize")
@node_rewriter([Reshape], name="local_reshape_merge")
def local_reshape_merge(fgraph, node):
    """reshape(reshape(x, s1), s2) -> reshape(x, s2): only the last shape matters."""
    inner = node.inputs[0].owner
    if inner is None or not isinstance(inner.op, Reshape):
        return None
    new = node.op(inner.inputs[0], node.inputs[1])
    return [fit_type(new, node.outputs[0])]


@register("canonicalize")
@node_rewriter([Rebroadcast], name="local_useless_rebroadcast")
def local_useless_rebroadcast(fgraph, node):
    """A Rebroadcast that changes nothing goes; two in a row become one."""
    x = node.inputs[0]
    out = node.outputs[0]
    if x.type == out.type:
        return [x]
    inner = x.owner
    if inner is not None and isinstance(inner.op, Rebroadcast):
        base = inner.inputs[0]
        if base.type == out.type:
            # Only drop a check that the outer one repeats: the outer adds no new True axis.
            if all(not b or bb for b, bb in zip(out.type.broadcastable, base.type.broadcastable)):
                return [base]
        return None
    if isinstance(x, Constant):
        data = np.asarray(x.data)
        if all(data.shape[a] == 1 for a, b in node.op.axis if b):
            return [out.type.make_constant(data)] if hasattr(out.type, "make_constant") else None
    return None


# -- results-changing rules, kept out of FAST_RUN -------------------------------------

@register("canonicalize", "unsafe", fast_run=False)
@node_rewriter([Elemwise], name="local_sub_self")
def local_sub_self(fgraph, node):
    """x - x -> 0 (wrong for inf and NaN, hence 'unsafe'); always right for integers."""
    if elemwise_of(node.outputs[0], scal.Sub) is None:
        return None
    a, b = node.inputs
    if a is not b:
        return None
    out = node.outputs[0]
    return [fit_type(second(a, constant(np.zeros((), dtype=out.type.dtype))), out)]


@register("canonicalize")
@node_rewriter([Elemwise], name="local_sub_self_int")
def local_sub_self_int(fgraph, node):
    """x - x -> 0 for integers, where it is exact."""
    if node.outputs[0].type.dtype not in scal.integer_dtypes:
        return None
    return local_sub_self.fn(fgraph, node)


@register("canonicalize", "unsafe", fast_run=False)
@node_rewriter([Elemwise], name="local_div_self")
def local_div_self(fgraph, node):
    """x / x -> 1 (wrong for 0, inf and NaN, hence 'unsafe')."""
    if elemwise_of(node.outputs[0], scal.TrueDiv, scal.IntDiv) is None:
        return None
    a, b = node.inputs
    if a is not b:
        return None
    out = node.outputs[0]
    return [fit_type(second(a, constant(np.ones((), dtype=out.type.dtype))), out)]
