"""Elementwise kernels over broadcast inputs on the emulated GPU: the flat kernel (contiguous
arrays, biases broadcast along leading axes, scalars; dialect.render_flat) and the strided
kernel it leaves the rest to give NumPy's values exactly, and each case takes the path meant
for it (the launch model's division count tells them apart)."""
from __future__ import annotations

import numpy as np
import pytest

import fakecupy

pytestmark = pytest.mark.skipif(fakecupy.CXX is None, reason="no C++ compiler to emulate kernels")
pytest.importorskip("theano_cuda", reason="the cuda backend (backends/cuda) is not installed")

import emulated  # noqa: E402
import theano.tensor as T  # noqa: E402
from theano.kernel.ir import elemwise_kernel  # noqa: E402
from theano_cuda.dialect import flat_modes  # noqa: E402

rs = np.random.RandomState(7)
X = rs.standard_normal((6, 5, 40)).astype("float32")
M = rs.standard_normal((33, 40)).astype("float32")
V = rs.standard_normal(40).astype("float32")
I8 = rs.randint(-128, 128, size=(9, 40)).astype("int8")
B8 = rs.randint(-128, 128, size=40).astype("int8")

#: label, graph builder, input types, values, and the index divisions/modulos per element the
#: flat kernel may do (one per bias input), or None: the strided kernel serves it
CASES = [
    ("bias add", lambda x, b: x + b, [T.fmatrix, T.fvector], [M, V], 1),
    ("scalar broadcast", lambda x, s: x * s - 1, [T.fmatrix, T.fscalar], [M, np.float32(-2.5)], 0),
    ("(1,n) row", lambda r, x: T.maximum(r, x), [T.frow, T.fmatrix], [V[None, :], M], 1),
    ("3-d with a (n,) and a (5,n) bias", lambda x, b, c: x * b + c, [T.ftensor3, T.fvector, T.fmatrix],
     [X, V, X[0]], 2),
    ("int8 bias add wraps", lambda x, b: x + b, [T.bmatrix, T.bvector], [I8, B8], 1),
    ("float64 from mixed dtypes", lambda x, b: x / b, [T.fmatrix, T.dvector], [M, V.astype("float64")], 1),
    ("column broadcast", lambda x, c: x + c, [T.fmatrix, T.fcol], [M, M[:, :1].copy()], None),
    ("non-contiguous slice", lambda x, b: x[:, ::2] + b, [T.fmatrix, T.fvector], [M, V[:20].copy()], None),
    ("transposed input", lambda x, c: x.T * c, [T.fmatrix, T.fvector], [M, M[0, :33].copy()], None),
]


@pytest.fixture(scope="module")
def device():
    with emulated.emulated_cuda() as dev:
        yield dev


@pytest.mark.parametrize("label,build,types,values,divmods", CASES, ids=[c[0] for c in CASES])
def test_broadcast_elementwise_equals_numpy_on_its_path(device, label, build, types, values, divmods):
    got, want, counts = emulated.counted_call(device, build, types, values)
    assert got.dtype == want.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    assert counts["launches"] >= 1
    per_element = counts["divmods"] / want.size
    if divmods is None:  # the strided kernel: a division and a modulo per inner axis
        assert per_element >= 1
    else:
        assert per_element <= divmods


def test_flat_modes_classify_inputs_by_broadcast_pattern():
    m, b, c, s = T.fmatrix(), T.fvector(), T.fcol(), T.fscalar()
    assert flat_modes(elemwise_kernel((m + b).owner)) == ("full", "inner")
    assert flat_modes(elemwise_kernel((s * m).owner)) == ("scalar", "full")
    assert flat_modes(elemwise_kernel((T.ftensor3() + m).owner)) == ("full", "inner")
    assert flat_modes(elemwise_kernel((m + c).owner)) is None  # a column: strided only
    # axes the output broadcasts too are ignored: a (1,n) row with a (1,n) row is contiguous
    assert flat_modes(elemwise_kernel((T.frow() + T.frow()).owner)) == ("full", "full")
