"""Signed integer arithmetic wraps as NumPy's does on OpenCL: OpenCL C leaves signed overflow
undefined (as C does), so the dialect computes int32/int64 +, -, *, negation and abs in the
unsigned type and converts back (theano.kernel.wrapping, the same entries as CUDA's). Checked
on the rendered text and on the device, at the edges of the range."""
from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T
from theano.kernel.ir import elemwise_kernel
from theano_opencl.dialect import OpenCLRenderer

EXPRS = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
         "neg": lambda x, y: -x, "abs": lambda x, y: abs(x), "zero_minus": lambda x, y: 0 - x}


def _source(dtype: str, expr) -> str:
    """The OpenCL source of expr(x, y) on vectors of `dtype`."""
    x, y = T.vector(dtype=dtype), T.vector(dtype=dtype)
    f = theano.function([x, y], expr(x, y), device="numpy", on_unused_input="ignore")
    (node,) = [n for n in f.maker.fgraph.toposort() if hasattr(n.op, "scalar_op")]
    return OpenCLRenderer().render(elemwise_kernel(node), "k")


def test_signed_arithmetic_is_rendered_through_the_unsigned_type():
    for dtype, unsigned in (("int32", "uint"), ("int64", "ulong")):
        for name, expr in EXPRS.items():
            assert f"({unsigned})" in _source(dtype, expr), (dtype, name)
    assert "(uint)(uint)" not in _source("uint32", EXPRS["add"])  # unsigned types wrap already
    assert "(uint)" not in _source("int16", EXPRS["add"])  # promoted to int: cannot overflow


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_overflow_wraps_as_numpy_on_the_device(dtype):
    info = np.iinfo(dtype)
    xv = np.array([info.min, info.max, -1, info.min, 7, info.max], dtype=dtype)
    yv = np.array([-1, 1, info.min, info.min, info.max, info.max], dtype=dtype)
    x, y = T.vector(dtype=dtype), T.vector(dtype=dtype)
    outs = [EXPRS[k](x, y) for k in sorted(EXPRS)]
    with np.errstate(over="ignore"):
        got = theano.function([x, y], outs, device="opencl")(xv, yv)
        want = theano.function([x, y], outs, device="numpy")(xv, yv)
    for k, g, w in zip(sorted(EXPRS), got, want):
        np.testing.assert_array_equal(g, w, err_msg=k)
