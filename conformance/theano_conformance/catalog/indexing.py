"""Indexing: basic (slices, integers, negative steps, symbolic bounds) and advanced (integer
arrays, boolean masks, increments at repeated indices), reading and writing."""
from __future__ import annotations

from ..case import OpCase
from ..inputs import fixed, ints, rand, scalar, view

G = "indexing"


def cases() -> list[OpCase]:
    f64 = lambda *s: rand("float64", s)
    f32 = lambda *s: rand("float32", s)

    def sub(variant, build, inputs, **kw):
        return OpCase("subtensor", variant, "tensor.Subtensor", build, inputs, group=G, **kw)

    def inc(op, variant, build, inputs, **kw):
        fn = "tensor.set_subtensor" if op == "set_subtensor" else "tensor.inc_subtensor"
        return OpCase(op, variant, fn, build, inputs, group=G, **kw)

    def adv(op, variant, build, inputs, **kw):
        # Resolving the module makes the cases `missing` until advanced indexing exists.
        return OpCase(op, variant, "tensor.advanced_subtensor", build, inputs, group=G, **kw)

    out = [
        sub("float64-slice", lambda f, x: x[1:3], [f64(5, 3)], grad=True),
        sub("float64-negative-step", lambda f, x: x[::-1, ::-2], [f64(4, 5)], grad=True),
        sub("float64-int-and-slice", lambda f, x: x[1, ::2], [f64(3, 5)], grad=True),
        sub("float64-negative-int", lambda f, x: x[-1], [f64(3, 4)], grad=True),
        sub("float64-newaxis-ellipsis", lambda f, x: x[None, ..., 0], [f64(3, 4)], grad=True),
        sub("float64-empty-slice", lambda f, x: x[2:1], [f64(4, 3)]),
        sub("float64-slice-past-end", lambda f, x: x[3:100], [f64(5)]),
        sub("float64-symbolic-bounds", lambda f, x, a, b: x[a:b], [f64(6, 2), scalar(1), scalar(-2)], grad=True),
        sub("float64-symbolic-step", lambda f, x, a, s: x[a::s], [f64(7), scalar(5), scalar(-2)], grad=True),
        sub("float32-symbolic-int", lambda f, x, i: x[i] * 2, [f32(4, 3), scalar(-3)], grad=True),
        sub("float32-strided-input", lambda f, x: x[1:, ::2], [view(f32(4, 6), "negstride")], grad=True),
        sub("int64-scalar-index", lambda f, x, i: x[i, i], [rand("int64", (3, 3)), scalar(2)]),
        sub("float64-index-out-of-bounds", lambda f, x, i: x[i], [f64(3), scalar(3)], expect_error=True),
        inc("set_subtensor", "float64-slice", lambda f, x, y: f(x[1:3], y), [f64(4, 3), f64(2, 3)], grad=True),
        inc("set_subtensor", "float64-broadcast-row", lambda f, x, y: f(x[:, 1:], y), [f64(3, 4), f64(3)],
            grad=True),
        inc("set_subtensor", "float32-symbolic-int", lambda f, x, i, y: f(x[i], y),
            [f32(4, 2), scalar(-1), f32(2)], grad=True),
        inc("inc_subtensor", "float64-slice", lambda f, x, y: f(x[::2], y), [f64(5, 2), f64(3, 2)], grad=True),
        inc("inc_subtensor", "float64-column-broadcast", lambda f, x, y: f(x[:, 0], y), [f64(3, 2), f64()],
            grad=True),
        inc("inc_subtensor", "float64-negative-step", lambda f, x, y: f(x[::-1], y), [f64(4), f64(4)],
            grad=True),
        inc("inc_subtensor", "int32", lambda f, x, y: f(x[1:], y), [rand("int32", (3, 2)), rand("int32", (2, 2))]),
        inc("inc_subtensor", "float64-strided-input", lambda f, x, y: f(x[1:], y),
            [view(f64(3, 4), "transposed"), f64(2, 4)], grad=True),
        # Advanced indexing.
        adv("advanced_subtensor", "float64-int-vector", lambda f, x, i: x[i], [f64(5, 3), fixed([0, 4, 4, -1, 2])],
            grad=True),
        adv("advanced_subtensor", "float64-two-vectors", lambda f, x, i, j: x[i, j],
            [f64(4, 5), fixed([0, 3, 1]), fixed([4, 0, -2])], grad=True),
        adv("advanced_subtensor", "float64-slice-then-vector", lambda f, x, i: x[:, i],
            [f64(3, 4), fixed([3, 0])], grad=True),
        adv("advanced_subtensor", "float64-int-matrix", lambda f, x, i: x[i], [f64(5), ints("int64", (2, 3), 0, 5)],
            grad=True),
        adv("advanced_subtensor", "float32-bool-mask", lambda f, x, m: x[m],
            [f32(3, 4), rand("bool", (3, 4))]),
        adv("advanced_subtensor", "float64-empty-index", lambda f, x, i: x[i],
            [f64(4, 2), fixed([], "int64")]),
        adv("advanced_subtensor", "float64-out-of-bounds", lambda f, x, i: x[i],
            [f64(4), fixed([1, 4])], expect_error=True),
        adv("advanced_inc_subtensor", "float64-repeated-indices", lambda f, x, i, y: _inc(x[i], y),
            [f64(4, 2), fixed([0, 2, 0, 0]), f64(4, 2)], grad=True),  # increments accumulate
        adv("advanced_inc_subtensor", "int64-repeated-indices", lambda f, x, i, y: _inc(x[i], y),
            [rand("int64", (5,)), fixed([1, 1, 3, -1]), rand("int64", (4,))]),
        adv("advanced_set_subtensor", "float64-int-vector", lambda f, x, i, y: _set(x[i], y),
            [f64(5, 2), fixed([4, 1]), f64(2, 2)], grad=True),
        adv("advanced_set_subtensor", "float32-bool-mask", lambda f, x, m, y: _set(x[m], y),
            [f32(6), fixed([True, False, True, False, False, True]), f32()]),
    ]
    return out


def _inc(x, y):
    from theano.tensor import inc_subtensor

    return inc_subtensor(x, y)


def _set(x, y):
    from theano.tensor import set_subtensor

    return set_subtensor(x, y)
