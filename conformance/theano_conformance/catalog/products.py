"""Products: dot in every rank combination, empty inner and outer dimensions, strided and
transposed operands (what BLAS calls take as transA/ld), NaN and inf, integers."""
from __future__ import annotations

from ..case import OpCase
from ..inputs import fixed, rand, view

G = "product"


def call(f, *xs):
    return f(*xs)


def cases() -> list[OpCase]:
    f64 = lambda *s: rand("float64", s)
    f32 = lambda *s: rand("float32", s)
    dot = lambda variant, inputs, **kw: OpCase("dot", variant, "tensor.dot", call, inputs, group=G, **kw)
    out = [
        dot("float64-vec-vec", [f64(5), f64(5)], grad=True),
        dot("float64-mat-vec", [f64(3, 4), f64(4)], grad=True),
        dot("float64-vec-mat", [f64(4), f64(4, 3)], grad=True),
        dot("float64-mat-mat", [f64(3, 4), f64(4, 5)], grad=True),
        dot("float32-mat-mat", [f32(20, 30), f32(30, 10)], grad=True, tol=10),
        dot("float32-mat-vec", [f32(17, 33), f32(33)], grad=True, tol=10),
        dot("float64-transposed", [view(f64(4, 3), "transposed"), view(f64(3, 5), "transposed")], grad=True),
        dot("float32-strided", [view(f32(3, 4), "strided"), view(f32(4, 2), "negstride")], grad=True, tol=10),
        dot("float64-empty-inner", [f64(3, 0), f64(0, 4)]),  # zeros, not garbage
        dot("float64-empty-outer", [f64(0, 4), f64(4, 3)]),
        dot("float64-size1", [f64(1, 1), f64(1, 3)], grad=True),
        dot("float64-nan-inf", [fixed([[1.0, float("nan")], [float("inf"), 0.0]]),
                                fixed([[0.0, 1.0], [1.0, 0.0]])]),
        dot("float64-3d-mat", [f64(2, 3, 4), f64(4, 5)], grad=True),
        dot("int64-mat-mat", [rand("int64", (3, 4)), rand("int64", (4, 2))]),
        dot("int32-float32", [rand("int32", (3, 4)), f32(4, 2)]),
        dot("float16-mat-mat", [rand("float16", (4, 8)), rand("float16", (8, 3))], tol=10),
        dot("complex128-mat-mat", [rand("complex128", (2, 3)), rand("complex128", (3, 2))]),
        OpCase("matmul", "float64-batched", "tensor.matmul", call, [f64(2, 3, 4), f64(2, 4, 5)], group=G, grad=True),
        OpCase("outer", "float64", "tensor.outer", call, [f64(3), f64(4)], group=G, grad=True),
        OpCase("tensordot", "float64-axes1", "tensor.tensordot", lambda f, a, b: f(a, b, axes=1),
               [f64(2, 3, 4), f64(4, 5)], group=G, grad=True),
        OpCase("tensordot", "float64-axes-pairs", "tensor.tensordot",
               lambda f, a, b: f(a, b, axes=[[0, 2], [1, 0]]), [f64(2, 3, 4), f64(4, 2, 5)], group=G, grad=True),
        OpCase("batched_dot", "float64", "tensor.batched_dot", call, [f64(3, 2, 4), f64(3, 4, 5)], group=G,
               grad=True),
        OpCase("batched_dot", "float32-vectors", "tensor.batched_dot", call, [f32(3, 4), f32(3, 4)], group=G,
               grad=True),
    ]
    return out
