"""theano.OrderedUpdates: what theano.scan returns, with Theano 1.0.5's union and collision rules."""
from __future__ import annotations

from collections import OrderedDict

import numpy as np
import pytest

import theano
from theano import tensor as T
from theano.updates import OrderedUpdates


def _shared(*names):
    return [theano.shared(np.float64(i), name=n) for i, n in enumerate(names)]


def test_scan_returns_ordered_updates_that_add():
    a, b = _shared("a", "b")
    _, ua = theano.scan(lambda: {a: a + 1}, n_steps=3)
    _, ub = theano.scan(lambda: {b: b * 2}, n_steps=2)
    assert type(ua) is OrderedUpdates and theano.OrderedUpdates is OrderedUpdates
    both = ua + ub
    assert type(both) is OrderedUpdates and list(both) == [a, b]
    b.set_value(1.0)
    theano.function([], [], updates=both)()
    assert a.get_value() == 3 and b.get_value() == 4


def test_union_order_and_rebinding_add():
    a, b, c = _shared("a", "b", "c")
    u = OrderedUpdates([(a, a + 1)])
    v = OrderedUpdates([(b, b + 1)])
    assert list(u + v) == [a, b]
    # dict + OrderedUpdates: the OrderedUpdates' entries first, as Theano 1.0.5 orders them.
    r = {c: c * 2} + u
    assert type(r) is OrderedUpdates and list(r) == [a, c]
    assert list(u + [(c, c)]) == [a, c]
    old = u
    u += v  # no in-place add: u is rebound, the old object keeps its one entry
    assert u is not old and len(old) == 1 and list(u) == [a, b]
    assert isinstance(u, OrderedDict) and repr(OrderedUpdates()) == "OrderedUpdates()"


def test_collisions_and_key_types():
    a, = _shared("a")
    u = OrderedUpdates([(a, a + 1)])
    with pytest.raises(KeyError, match="Collision"):
        u + OrderedUpdates([(a, a + 2)])
    assert len(u + OrderedUpdates([(a, u[a])])) == 1  # the same value twice is no collision
    with pytest.raises(TypeError, match="SharedVariable"):
        OrderedUpdates([(T.dscalar(), 1)])
    with pytest.raises(TypeError, match="SharedVariable"):
        u["x"] = 1
    u.update(None)
    assert len(u) == 1
