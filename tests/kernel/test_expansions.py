"""The core's definitions of scalar ops in simpler ones (theano.kernel.expansions) compute
what the ops' NumPy meanings compute, special values included: the table's entries and the
ops defined outside theano.scalar that give theirs as `expand`."""
import numpy as np
import pytest

from theano.kernel.expansions import expansion
from theano.kernel.ir import Kernel, KernelArg
from theano.scalar import basic as scal
from theano.tensor.nnet.sigm import scalar_softsign, ultra_fast_scalar_sigmoid

VALUES = np.array([-800.0, -4.5, -3.0, -1.0, -0.0, 0.0, 0.5, 2.0, 3.5, 800.0, np.inf, -np.inf, np.nan])


def _expanded_kernel(op: scal.ScalarOp, dtype: str) -> Kernel:
    x = scal.get_scalar_type(dtype)()
    out = expansion(op)(x)
    odt = op.output_dtypes(dtype)[0]
    return Kernel([KernelArg(dtype, (False,))], scal.Composite([x], [out]), [KernelArg(odt, (False,))])


@pytest.mark.parametrize("op", [scal.sqr, scal.reciprocal, scal.deg2rad, scal.rad2deg, scal.sigmoid, scal.softplus,
                                scalar_softsign, ultra_fast_scalar_sigmoid], ids=str)
@pytest.mark.parametrize("dtype", ["float64", "float32"])
def test_an_expansion_computes_the_ops_meaning(op, dtype):
    x = VALUES.astype(dtype)
    with np.errstate(all="ignore"):
        expected = np.asarray(op.impl(x), dtype=op.output_dtypes(dtype)[0])
        got = _expanded_kernel(op, dtype).evaluate(x)[0]
    np.testing.assert_allclose(got, expected, rtol=1e-6 if dtype == "float32" else 1e-12, atol=0)
    assert got.dtype == expected.dtype


@pytest.mark.parametrize("op", [scalar_softsign, ultra_fast_scalar_sigmoid], ids=str)
def test_an_integer_input_is_made_the_ops_float_first(op):
    x = np.array([-7, -1, 0, 3, 9], dtype="int32")
    got = _expanded_kernel(op, "int32").evaluate(x)[0]
    np.testing.assert_allclose(got, op.impl(x.astype(op.output_dtypes("int32")[0])), rtol=1e-12)


def test_an_op_with_no_exact_definition_has_none():
    assert expansion(scal.tan) is None
    assert expansion(scal.exp) is None
