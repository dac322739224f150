"""Signed integer arithmetic wraps as NumPy's does: CUDA C++ leaves signed overflow undefined
(NVRTC has no -fwrapv), so the dialect computes int32/int64 +, -, *, negation and abs in the
unsigned type and converts back. Checked on the rendered text (what NVRTC sees) and, on the
emulated device, on the values NumPy gives at the edges of the range."""
from __future__ import annotations

import numpy as np
import pytest

import theano
import theano.tensor as T

pytest.importorskip("theano_cuda", reason="the cuda backend (backends/cuda) is not installed")
from theano.kernel.ir import elemwise_kernel  # noqa: E402
from theano_cuda.dialect import CudaRenderer  # noqa: E402

import emulated  # noqa: E402
import fakecupy  # noqa: E402

EXPRS = {"add": lambda x, y: x + y, "sub": lambda x, y: x - y, "mul": lambda x, y: x * y,
         "neg": lambda x, y: -x, "abs": lambda x, y: abs(x)}


@pytest.mark.parametrize("dtype, unsigned", [("int32", "unsigned int"), ("int64", "unsigned long long")])
@pytest.mark.parametrize("name", sorted(EXPRS))
def test_signed_arithmetic_is_rendered_through_the_unsigned_type(dtype, unsigned, name):
    x, y = T.vector(dtype=dtype), T.vector(dtype=dtype)
    f = theano.function([x, y], EXPRS[name](x, y), device="numpy", on_unused_input="ignore")
    (node,) = [n for n in f.maker.fgraph.toposort() if hasattr(n.op, "scalar_op")]
    src = CudaRenderer().render(elemwise_kernel(node), "k")
    assert f"({unsigned})" in src, src


def test_narrow_and_unsigned_types_keep_plain_arithmetic():
    x, y = T.vector(dtype="uint32"), T.vector(dtype="uint32")
    f = theano.function([x, y], x + y, device="numpy")
    (node,) = f.maker.fgraph.toposort()
    assert "(unsigned int)(unsigned int)" not in CudaRenderer().render(elemwise_kernel(node), "k")


@pytest.mark.skipif(fakecupy.CXX is None, reason="no C++ compiler to emulate kernels")
@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_overflow_wraps_as_numpy_on_the_emulated_device(dtype):
    info = np.iinfo(dtype)
    xv = np.array([info.min, info.max, -1, info.min, 7], dtype=dtype)
    yv = np.array([-1, 1, info.min, info.min, info.max], dtype=dtype)
    x, y = T.vector(dtype=dtype), T.vector(dtype=dtype)
    outs = [EXPRS[k](x, y) for k in sorted(EXPRS)]
    with emulated.emulated_cuda() as dev, np.errstate(over="ignore"):
        got = theano.function([x, y], outs, device=dev)(xv, yv)
        want = theano.function([x, y], outs, device="numpy")(xv, yv)
    for k, g, w in zip(sorted(EXPRS), got, want):
        np.testing.assert_array_equal(g, w, err_msg=k)
