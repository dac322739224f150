"""Products as numerator and denominator factor lists, for the rewrites that cancel and
combine factors (Theano 1.0's mul canonizer and its sigmoid simplifiers).

A product is read through mul, true_div, inv, neg and second (fill) nodes of one float
dtype into a sign, a constant, numerator and denominator factors. Simplifiers edit those
lists (x * y / y -> x, exp(x) * sigmoid(-x) -> sigmoid(x), ...) and count what they
gained; a product is rebuilt only when something was gained, so a rewrite built on this
reaches a fixed point. Factors are compared by structure (`same`), not by identity:
theano.grad builds a fresh sigmoid(x) for each use, and rewrites run before merging.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np

from ...graph.basic import Constant, Variable
from ...scalar import basic as scal
from ..basic import cast, constant, second
from ..math import add, mul, neg, true_div
from .matching import all_broadcastable, elemwise_of, fit_type, scalar_constant

__all__ = ["Product", "parse_product", "build_product", "same", "negation_of", "cancel_common",
           "simplify", "signed_terms", "rewrite_product", "MAX_FACTORS"]

#: A product with more leaves than this is left alone (the pairwise search is quadratic).
MAX_FACTORS = 48
_SAME_DEPTH = 16


@dataclass
class Product:
    """sign * const * prod(num) / prod(den), broadcast to the shapes of `shapes` too."""

    dtype: str
    negative: bool = False
    const: float = 1.0
    num: list = field(default_factory=list)
    den: list = field(default_factory=list)
    shapes: list = field(default_factory=list)  # variables whose shape the product keeps

    def copy(self) -> "Product":
        return Product(self.dtype, self.negative, self.const, list(self.num), list(self.den),
                       list(self.shapes))

    def size(self) -> int:
        return len(self.num) + len(self.den)


def same(a: Variable, b: Variable, depth: int = _SAME_DEPTH) -> bool:
    """Whether a and b compute the same value by construction: the same variable, equal
    constants, or outputs of equal ops applied to inputs that are the same (compared to
    `depth` levels; each pair once, so shared subgraphs cost no more than their size)."""
    return _same(a, b, depth, {})


def _same(a: Variable, b: Variable, depth: int, seen: dict) -> bool:
    if a is b:
        return True
    if a.type != b.type:
        return False
    if isinstance(a, Constant) and isinstance(b, Constant):
        da, db = np.asarray(a.data), np.asarray(b.data)
        return da.shape == db.shape and bool(np.array_equal(da, db, equal_nan=da.dtype.kind in "fc"))
    na, nb = a.owner, b.owner
    if na is None or nb is None or depth == 0:
        return False
    key = (id(a), id(b))
    if key in seen:
        return seen[key]
    res = (na.op == nb.op and len(na.inputs) == len(nb.inputs)
           and na.outputs.index(a) == nb.outputs.index(b)
           and all(_same(x, y, depth - 1, seen) for x, y in zip(na.inputs, nb.inputs)))
    seen[key] = res
    return res


def negation_of(v: Variable) -> Variable | None:
    """x when v is neg(x), else None."""
    n = elemwise_of(v, scal.Neg)
    return n.inputs[0] if n is not None else None


def _leaf(v: Variable, dtype: str) -> Variable:
    return v if v.type.dtype == dtype else cast(v, dtype)


def parse_product(var: Variable, max_factors: int = MAX_FACTORS) -> Product | None:
    """`var` as a Product, or None when it is not a float product worth reading (no mul,
    div, inv or neg at its root, or too many factors)."""
    dtype = getattr(var.type, "dtype", None)
    if dtype not in scal.float_dtypes:
        return None
    if elemwise_of(var, scal.Mul, scal.TrueDiv, scal.Inv, scal.Neg) is None:
        return None
    p = Product(dtype)
    stack = [(var, True)]
    while stack:
        v, up = stack.pop()
        if p.size() > max_factors:
            return None
        c = scalar_constant(v) if all_broadcastable(v) else None
        if c is not None and np.isrealobj(c) and v.type.dtype in scal.float_dtypes + scal.integer_dtypes:
            c = float(c)
            if c == 0 or not np.isfinite(c):
                _push(p, v, up, dtype)
            elif up:
                p.const *= c
            else:
                p.const /= c
            continue
        node = v.owner
        same_dtype = v.type.dtype == dtype
        if same_dtype and elemwise_of(v, scal.Mul) is not None:
            stack.extend((i, up) for i in node.inputs)
        elif same_dtype and elemwise_of(v, scal.TrueDiv) is not None:
            stack.append((node.inputs[0], up))
            stack.append((node.inputs[1], not up))
        elif same_dtype and elemwise_of(v, scal.Inv) is not None:
            stack.append((node.inputs[0], not up))
        elif same_dtype and elemwise_of(v, scal.Neg) is not None:
            p.negative = not p.negative
            stack.append((node.inputs[0], up))
        elif same_dtype and elemwise_of(v, scal.Second) is not None:
            p.shapes.append(node.inputs[0])
            stack.append((node.inputs[1], up))
        else:
            _push(p, v, up, dtype)
    return p


def _push(p: Product, v: Variable, up: bool, dtype: str) -> None:
    (p.num if up else p.den).append(_leaf(v, dtype))


def _mul_all(vs: Sequence[Variable]) -> Variable:
    return vs[0] if len(vs) == 1 else mul(*vs)


def build_product(p: Product, like: Variable, removed: Sequence[Variable] = ()) -> Variable | None:
    """The variable computing `p`, with exactly `like`'s type, or None when its shape
    cannot be kept (no factor or shape carrier left to broadcast it)."""
    c = -p.const if p.negative else p.const
    cst = constant(np.asarray(c, dtype=p.dtype))
    if p.num:
        top = _mul_all(p.num)
        if c == -1.0:
            top = neg(top)
        elif c != 1.0:
            top = mul(top, cst)
    else:
        top = cst
    new = true_div(top, _mul_all(p.den)) if p.den else top
    res = fit_type(new, like)
    if res is not None:
        return res
    for carrier in list(p.shapes) + list(removed):
        res = fit_type(second(carrier, new), like)
        if res is not None:
            return res
    return None


def cancel_common(p: Product) -> tuple[Product, int, list]:
    """Remove each factor found in both the numerator and the denominator (x * y / y -> x).
    Returns the new product, how many pairs went, and the factors removed."""
    num, den, removed = list(p.num), [], []
    for d in p.den:
        for k, n in enumerate(num):
            if same(n, d):
                removed.append(num.pop(k))
                break
        else:
            den.append(d)
    q = p.copy()
    q.num, q.den = num, den
    return q, len(removed), removed


#: A simplifier takes a product and returns (new product, gain, removed factors).
Simplifier = Callable[[Product], "tuple[Product, int, list]"]


def simplify(p: Product, simplifiers: Sequence[Simplifier]) -> tuple[Product, int, list]:
    """Apply the simplifiers until none gains anything; the total gain and removed factors."""
    total, removed = 0, []
    changed = True
    while changed:
        changed = False
        for s in simplifiers:
            p, g, r = s(p)
            if g:
                total += g
                removed += r
                changed = True
    return p, total, removed


def signed_terms(v: Variable) -> list[tuple[bool, Variable]] | None:
    """The terms of a float sum as (negated, term): add and sub read through, or None when
    `v` is not such a sum."""
    if elemwise_of(v, scal.Add, scal.Sub) is None or v.type.dtype not in scal.float_dtypes:
        return None
    out: list[tuple[bool, Variable]] = []
    stack = [(v, False)]
    while stack:
        t, negd = stack.pop()
        if t.type.dtype == v.type.dtype and elemwise_of(t, scal.Add) is not None:
            stack.extend((i, negd) for i in reversed(t.owner.inputs))
        elif t.type.dtype == v.type.dtype and elemwise_of(t, scal.Sub) is not None:
            stack.append((t.owner.inputs[1], not negd))
            stack.append((t.owner.inputs[0], negd))
        elif t.type.dtype == v.type.dtype and elemwise_of(t, scal.Neg) is not None:
            stack.append((t.owner.inputs[0], not negd))
        else:
            out.append((negd, t))
    return out


def _merge(a: Product, b: Product) -> Product:
    return Product(a.dtype, a.negative != b.negative, a.const * b.const, a.num + b.num,
                   a.den + b.den, a.shapes + b.shapes)


def rewrite_product(node: Any, simplifiers: Sequence[Simplifier]) -> Variable | None:
    """The replacement of a product node's output after simplifying it, or None when the
    simplifiers gain nothing. When a numerator factor is a sum whose every term gains
    something from the rest of the product, the product is distributed over that sum
    (the gradient of -y*log(p) - (1-y)*log(1-p) needs this to cancel p and 1-p)."""
    out = node.outputs[0]
    p = parse_product(out)
    if p is None:
        return None
    p, gain, removed = simplify(p, simplifiers)
    for k, f in enumerate(p.num):
        terms = signed_terms(f)
        if terms is None or len(terms) > 8:
            continue
        rest = p.copy()
        del rest.num[k]
        built = []
        for negd, t in terms:
            tp = parse_product(t) if elemwise_of(t, scal.Mul, scal.TrueDiv, scal.Inv, scal.Neg) else None
            if tp is None:
                tp = Product(p.dtype, num=[_leaf(t, p.dtype)])
            tp.negative ^= negd
            q, g, r = simplify(_merge(tp, rest), simplifiers)
            if not g:
                break
            b = build_product(q, out, r + removed)
            if b is None:
                break
            built.append(b)
        else:
            res = fit_type(add(*built) if len(built) > 1 else built[0], out)
            if res is not None:
                return res
    if not gain:
        return None
    return build_product(p, out, removed)
