"""Reductions: along no axis, one, several, negative axes, with keepdims; over NaN, empty
axes and integer wraparound."""
from __future__ import annotations

from ..case import OpCase
from ..inputs import edges, fixed, rand, view

G = "reduction"

# name, function, gradient checked, accepts integers, accepts an empty axis (max of
# nothing is an error in NumPy, so the backend must raise too), tolerance multiplier.
REDUCE = [
    ("sum", "tensor.sum", True, True, True, 10),
    ("prod", "tensor.prod", True, True, True, 10),
    ("max", "tensor.max", True, True, False, 1),
    ("min", "tensor.min", True, True, False, 1),
    ("mean", "tensor.mean", True, False, True, 10),
    ("var", "tensor.var", True, False, True, 10),
    ("std", "tensor.std", True, False, True, 10),
    ("argmax", "tensor.argmax", False, True, False, 1),
    ("argmin", "tensor.argmin", False, True, False, 1),
    ("all", "tensor.all", False, True, True, 1),
    ("any", "tensor.any", False, True, True, 1),
]

AXES = [("axis-none", None, False), ("axis0", 0, False), ("axis1", 1, False), ("axis02", (0, 2), False),
        ("axis-1-keepdims", -1, True), ("axis01-keepdims", (0, 1), True)]


def _along(axis, keepdims):
    def build(f, x):
        return f(x, axis=axis, keepdims=keepdims)
    return build


def cases() -> list[OpCase]:
    out = []
    for name, fn, grad, ints, empty_ok, tol in REDUCE:
        c = lambda variant, build, inputs, **kw: OpCase(name, variant, fn, build, inputs, group=G, tol=tol, **kw)
        single = name.startswith("arg")  # argmax/argmin take one axis (or None)
        for label, axis, kd in AXES:
            if single and isinstance(axis, tuple):
                continue
            out.append(c(f"float64-{label}", _along(axis, kd), [rand("float64", (3, 4, 5), "positive")],
                         grad=grad))
        out.append(c("float32-long-axis1", _along(1, False), [rand("float32", (3, 200), "positive")], grad=grad))
        out.append(c("float32-transposed-axis0", _along(0, False),
                     [view(rand("float32", (6, 5), "positive"), "transposed")], grad=grad))
        out.append(c("float64-negstride-axis1", _along(1, False),
                     [view(rand("float64", (4, 6), "positive"), "negstride")], grad=grad))
        out.append(c("float64-edges", _along(None, False), [edges("float64")]))
        out.append(c("float64-nan-axis1", _along(1, False),
                     [fixed([[1.0, float("nan"), 2.0], [3.0, -1.0, float("inf")], [-0.0, 0.0, -5.0]])]))
        out.append(c("float64-size1-axis0", _along(0, False), [rand("float64", (1, 4), "positive")]))
        out.append(c("float64-scalar", _along(None, False), [rand("float64", (), "positive")]))
        out.append(c("float64-empty-axis0", _along(0, False), [rand("float64", (0, 3))],
                     expect_error=not empty_ok))
        out.append(c("float64-empty-axis1", _along(1, False), [rand("float64", (0, 3))]))
        if ints:
            out.append(c("int8-edges", _along(None, False), [edges("int8")]))
            out.append(c("int32-axis0", _along(0, False), [rand("int32", (4, 5))]))
            out.append(c("uint8-axis1", _along(1, False), [rand("uint8", (3, 4))]))
            out.append(c("bool-axis1", _along(1, False), [rand("bool", (4, 3))]))
    # Accumulator dtypes: sum of int8 and float16, whose results do not fit the input dtype.
    out.append(OpCase("sum", "int8-wide-acc", "tensor.sum", _along(None, False),
                      [fixed([100, 100, 100, -7], "int8")], group=G))
    out.append(OpCase("sum", "float16-acc", "tensor.sum", _along(None, False),
                      [rand("float16", (500,), "positive")], group=G, tol=10))
    out.append(OpCase("sum", "float32-dtype-float64", "tensor.sum",
                      lambda f, x: f(x, axis=0, dtype="float64"), [rand("float32", (5, 3))], group=G))
    out.append(OpCase("max_and_argmax", "float64-axis1", "tensor.max_and_argmax",
                      lambda f, x: list(f(x, axis=1)), [rand("float64", (4, 5))], group=G))
    out.append(OpCase("norm", "float64-L2-axis1", "tensor.norm", lambda f, x: f(x, 2, axis=1),
                      [rand("float64", (3, 4))], group=G, grad=True))
    out.append(OpCase("norm", "float64-L1", "tensor.norm", lambda f, x: f(x, 1),
                      [rand("float64", (3, 4), "positive")], group=G, grad=True))
    return out
