"""Shape ops: reshape, flatten, dimshuffle, squeeze, alloc, broadcast patterns, join and stack."""
from __future__ import annotations

from ..case import OpCase
from ..inputs import rand, scalar, view

G = "shape"


def call(f, *xs):
    return f(*xs)


def cases() -> list[OpCase]:
    f64 = lambda *s: rand("float64", s)
    f32 = lambda *s: rand("float32", s)
    c = lambda op, variant, fn, build, inputs, **kw: OpCase(op, variant, fn, build, inputs, group=G, **kw)
    return [
        c("reshape", "float64-2d", "tensor.reshape", lambda f, x: f(x, (4, 3)), [f64(3, 4)], grad=True),
        c("reshape", "float64-minus1", "tensor.reshape", lambda f, x: f(x, (2, -1, 3)), [f64(3, 4)], grad=True),
        c("reshape", "float32-symbolic", "tensor.reshape", lambda f, x, n: f(x, (n, -1), ndim=2),
          [f32(3, 4), scalar(6)], grad=True),
        c("reshape", "float64-strided", "tensor.reshape", lambda f, x: f(x, (12,)),
          [view(f64(3, 4), "transposed")], grad=True),
        c("reshape", "float64-empty", "tensor.reshape", lambda f, x: f(x, (0, 5)), [f64(5, 0)]),
        c("reshape", "float64-wrong-size", "tensor.reshape", lambda f, x, n: f(x, (n, -1), ndim=2),
          [f64(3, 4), scalar(5)], expect_error=True),
        c("flatten", "float64-ndim1", "tensor.flatten", lambda f, x: f(x, 1), [f64(2, 3, 4)], grad=True),
        c("flatten", "float64-ndim2-negstride", "tensor.flatten", lambda f, x: f(x, 2),
          [view(f64(2, 3, 4), "negstride")], grad=True),
        c("dimshuffle", "float64-transpose", None, lambda f, x: x.T, [f64(3, 4)], grad=True),
        c("dimshuffle", "float64-permute3", None, lambda f, x: x.dimshuffle(2, 0, 1), [f64(2, 3, 4)], grad=True),
        c("dimshuffle", "float64-add-axes", None, lambda f, x: x.dimshuffle("x", 0, "x", 1), [f64(3, 4)],
          grad=True),
        c("dimshuffle", "float64-drop-broadcastable", None, lambda f, x: x.dimshuffle(1), [f64(1, 4)],
          grad=True),
        c("dimshuffle", "float32-strided", None, lambda f, x: x.dimshuffle(1, 0) * 2,
          [view(f32(3, 5), "strided")]),
        c("squeeze", "float64", "tensor.squeeze", call, [f64(1, 3, 1)], grad=True),
        c("shape", "float64", "tensor.shape", call, [f64(3, 0, 2)]),
        c("shape", "float64-dim", None, lambda f, x: x.shape[1] * 2, [f64(3, 5)]),
        c("shape_padleft", "float64", "tensor.shape_padleft", lambda f, x: f(x, 2), [f64(3)], grad=True),
        c("shape_padright", "float64", "tensor.shape_padright", call, [f64(3, 2)], grad=True),
        c("shape_padaxis", "float64", "tensor.shape_padaxis", lambda f, x: f(x, 1), [f64(3, 2)], grad=True),
        c("specify_shape", "float64", "tensor.specify_shape", lambda f, x: f(x, (3, 4)) * 2, [f64(3, 4)],
          grad=True),
        c("specify_shape", "float64-wrong", "tensor.specify_shape", lambda f, x: f(x, (4, 3)) * 2,
          [f64(3, 4)], expect_error=True),
        c("alloc", "float64-symbolic-shape", "tensor.alloc", lambda f, v, n, m: f(v, n, m),
          [f64(), scalar(3), scalar(4)], grad=True),
        c("alloc", "float32-row", "tensor.alloc", lambda f, v, n: f(v, n, 4), [f32(1, 4), scalar(2)], grad=True),
        c("alloc", "float64-empty", "tensor.alloc", lambda f, v, n: f(v, n, 3), [f64(), scalar(0)]),
        c("zeros_like", "int32", "tensor.zeros_like", call, [rand("int32", (2, 3))]),
        c("ones_like", "float32", "tensor.ones_like", call, [f32(2, 3)]),
        c("fill", "float64", "tensor.fill", call, [f64(2, 3), f64()], grad=True),
        c("addbroadcast", "float64", "tensor.addbroadcast", lambda f, x, y: f(x, 0) + y,
          [f64(1, 4), f64(3, 4)], broadcastable=[(False, False), None], grad=True),
        c("addbroadcast", "float64-not-length1", "tensor.addbroadcast", lambda f, x, y: f(x, 0) + y,
          [f64(2, 4), f64(3, 4)], broadcastable=[(False, False), None], expect_error=True),
        c("unbroadcast", "float64", "tensor.unbroadcast", lambda f, x: f(x, 0) * 3, [f64(1, 4)], grad=True),
        c("join", "float64-axis0", "tensor.join", lambda f, a, b: f(0, a, b), [f64(2, 3), f64(4, 3)], grad=True),
        c("join", "float64-axis1", "tensor.join", lambda f, a, b, d: f(1, a, b, d),
          [f64(2, 3), f64(2, 1), f64(2, 2)], grad=True),
        c("join", "float32-axis-neg", "tensor.join", lambda f, a, b: f(-1, a, b), [f32(2, 3, 1), f32(2, 3, 2)],
          grad=True),
        c("join", "float64-empty-piece", "tensor.join", lambda f, a, b: f(0, a, b), [f64(0, 3), f64(2, 3)]),
        c("join", "float64-symbolic-axis", "tensor.join", lambda f, ax, a, b: f(ax, a, b),
          [scalar(1), f64(2, 3), f64(2, 2)]),
        c("join", "float64-strided", "tensor.join", lambda f, a, b: f(0, a, b),
          [view(f64(2, 3), "negstride"), view(f64(3, 3), "transposed")]),
        c("join", "float64-mismatch", "tensor.join", lambda f, a, b: f(0, a, b), [f64(2, 3), f64(2, 4)],
          expect_error=True),
        c("join", "int32-float64", "tensor.concatenate", lambda f, a, b: f([a, b], axis=0),
          [rand("int32", (2, 3)), f64(1, 3)]),
        c("stack", "float64-axis0", "tensor.stack", lambda f, a, b: f([a, b]), [f64(3), f64(3)], grad=True),
        c("stack", "float32-axis1", "tensor.stack", lambda f, a, b: f([a, b], axis=1), [f32(2, 3), f32(2, 3)],
          grad=True),
        c("make_vector", "float64-scalars", "tensor.stack", lambda f, a, b, d: f([a, b, d]) * 2,
          [f64(), f64(), f64()], grad=True),
    ]
